"""Debezium change events as the rest of the consumer sees them.

A Kafka message from Debezium is decoded (``decoding.py`` for JSON, ``avro.py`` for the
Confluent Avro wire format) into one :class:`ChangeEvent`: the table, the operation, the row's
primary key, the row image with values already converted to Python types (``Decimal`` money,
timezone-aware ``datetime``, ``date``, ``str`` uuids), and the source position used to refuse
stale events.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

Op = Literal["c", "u", "d", "r", "t"]

INVOICES = "invoices"
INVOICE_ITEMS = "invoice_items"


class _Unavailable:
    """Debezium's unchanged-TOAST placeholder: the column kept its stored value."""

    _instance: _Unavailable | None = None

    def __new__(cls) -> _Unavailable:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNAVAILABLE"


UNAVAILABLE = _Unavailable()
"""Stands for ``__debezium_unavailable_value`` in a decoded row: keep the stored value."""


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a message was read from: what a dead letter and an offset commit refer to."""

    topic: str
    partition: int
    offset: int


@dataclass(frozen=True, slots=True)
class ChangeEvent:
    """One row change captured by Debezium.

    Attributes:
        table: ``invoices`` or ``invoice_items`` (the source table name, schema stripped).
        op: ``c`` create, ``u`` update, ``d`` delete, ``r`` snapshot read, ``t`` truncate.
        key: the row's primary key as text (empty for a truncate).
        row: the after-image for c/u/r, the before-image for d (which may hold only the key),
            ``None`` for t. Values are decoded; unknown extra columns are kept as decoded.
        lsn: the source position of the change (``source.lsn``); 0 when the source gave none.
        ts_ms: when the change was committed at the source, ms since the epoch.
        snapshot: whether the event came from a snapshot (initial or incremental).
        tx_id: the source transaction id, when known.
        origin: the Kafka message it came from, when it came from Kafka.
    """

    table: str
    op: Op
    key: str
    row: Mapping[str, object] | None
    lsn: int
    ts_ms: int
    snapshot: bool = False
    tx_id: str | None = None
    origin: Origin | None = None

    @property
    def is_delete(self) -> bool:
        """Whether the row no longer exists after this change."""
        return self.op == "d"

"""Synthetic Debezium messages shaped like the local stack's, for the benchmarks without Kafka.

The stack's connector writes JsonConverter messages with schemas, ``decimal.handling.mode=precise``
(money as base64 two's-complement bytes, the scale in the schema), ``ZonedTimestamp`` strings and
``Uuid`` strings, with no transaction block. These messages have the same envelope and row
schemas as the captured ones in ``tests/fixtures/debezium/precise`` (a unit test holds them to
it) and carry the sample data set's invoices, so decoding them costs what decoding the real
topics costs.
"""

from __future__ import annotations

import base64
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import orjson

from ..sample.dataset import SampleInvoice, SampleItem, build_invoices

DEBEZIUM_VERSION = "3.7.0.Final"

_UUID = {"type": "string", "name": "io.debezium.data.Uuid", "version": 1}
_ZONED = {"type": "string", "name": "io.debezium.time.ZonedTimestamp", "version": 1}
_MONEY = {
    "type": "bytes",
    "name": "org.apache.kafka.connect.data.Decimal",
    "version": 1,
    "parameters": {"scale": "2", "connect.decimal.precision": "12"},
}
_TEXT = {"type": "string"}
_INT32 = {"type": "int32"}
_INT64 = {"type": "int64"}

# (column, type, optional[, default]) per captured table, in the source's column order.
_COLUMNS: dict[str, tuple[tuple[Any, ...], ...]] = {
    "invoices": (
        ("id", _UUID, False), ("stripe_invoice_id", _TEXT, True), ("invoice_number", _TEXT, False),
        ("user_id", _UUID, False), ("subscription_id", _UUID, True), ("created_at", _ZONED, False),
        ("currency", _TEXT, False), ("status", _TEXT, False), ("subtotal", _MONEY, False),
        ("tax", _MONEY, False), ("amount_paid", _MONEY, False, "AA=="), ("paid_at", _ZONED, True),
        ("hosted_invoice_url", _TEXT, True),
    ),
    "invoice_items": (
        ("id", _UUID, False), ("invoice_id", _UUID, False), ("description", _TEXT, False),
        ("quantity", _INT32, False, 1), ("unit_price", _MONEY, True), ("amount", _MONEY, False),
        ("period_start", _ZONED, True), ("period_end", _ZONED, True),
    ),
}  # fmt: skip
_SOURCE = (
    ("version", _TEXT, False), ("connector", _TEXT, False), ("name", _TEXT, False), ("ts_ms", _INT64, False),
    ("snapshot", {"type": "string", "name": "io.debezium.data.Enum", "version": 1, "parameters": {
        "allowed": "true,first,first_in_data_collection,last_in_data_collection,last,false,incremental"}},
     True, "false"),
    ("db", _TEXT, False), ("sequence", _TEXT, True), ("ts_us", _INT64, True), ("ts_ns", _INT64, True),
    ("schema", _TEXT, False), ("table", _TEXT, False), ("txId", _INT64, True), ("lsn", _INT64, True),
    ("xmin", _INT64, True), ("origin", _TEXT, True), ("origin_lsn", _INT64, True),
)  # fmt: skip
_TRANSACTION = (("id", _TEXT, False), ("total_order", _INT64, False), ("data_collection_order", _INT64, False))


def _field(spec: tuple[Any, ...]) -> dict[str, Any]:
    column, kind, optional, *default = spec
    field: dict[str, Any] = {"type": kind["type"], "optional": optional}
    field.update({k: v for k, v in kind.items() if k != "type"})
    if default:
        field["default"] = default[0]
    field["field"] = column
    return field


def _struct(fields: tuple[tuple[Any, ...], ...], *, optional: bool, name: str, **extra: Any) -> dict[str, Any]:
    return {"type": "struct", "fields": [_field(f) for f in fields], "optional": optional, "name": name, **extra}


def envelope_schema(prefix: str, table: str) -> dict[str, Any]:
    """The Connect schema of a change event of ``table`` written by connector ``prefix``."""
    value = f"{prefix}.public.{table}.Value"
    row = _struct(_COLUMNS[table], optional=True, name=value)
    scalar = (("op", _TEXT, False), ("ts_ms", _INT64, True), ("ts_us", _INT64, True), ("ts_ns", _INT64, True))
    return {
        "type": "struct",
        "fields": [
            {**row, "field": "before"},
            {**row, "field": "after"},
            {**_struct(_SOURCE, optional=False, name="io.debezium.connector.postgresql.Source", version=1),
             "field": "source"},
            {**_struct(_TRANSACTION, optional=True, name="event.block", version=1), "field": "transaction"},
            *(_field(s) for s in scalar),
        ],
        "optional": False,
        "name": f"{prefix}.public.{table}.Envelope",
        "version": 2,
    }  # fmt: skip


def key_schema(prefix: str, table: str) -> dict[str, Any]:
    """The Connect schema of the message key of ``table`` (its ``id``)."""
    return _struct((("id", _UUID, False),), optional=False, name=f"{prefix}.public.{table}.Key")


def decimal_bytes(amount: Decimal, scale: int = 2) -> str:
    """``amount`` as Connect's ``Decimal`` logical type: base64 of the big-endian unscaled value."""
    unscaled = int(amount.scaleb(scale))
    size = max(1, (unscaled.bit_length() + 8) // 8)
    return base64.b64encode(unscaled.to_bytes(size, "big", signed=True)).decode("ascii")


def _zoned(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _money(amount: Decimal | None) -> str | None:
    return None if amount is None else decimal_bytes(amount)


def invoice_row(invoice: SampleInvoice) -> dict[str, object]:
    """The ``after`` image of an invoice row, encoded as the stack's connector encodes it."""
    return {
        "id": invoice.id, "stripe_invoice_id": invoice.stripe_invoice_id, "invoice_number": invoice.invoice_number,
        "user_id": invoice.user.id, "subscription_id": invoice.subscription_id,
        "created_at": _zoned(invoice.created_at), "currency": invoice.currency, "status": invoice.status,
        "subtotal": _money(invoice.subtotal), "tax": _money(invoice.tax), "amount_paid": _money(invoice.amount_paid),
        "paid_at": _zoned(invoice.paid_at), "hosted_invoice_url": invoice.hosted_invoice_url,
    }  # fmt: skip


def item_row(invoice_id: str, item: SampleItem) -> dict[str, object]:
    """The ``after`` image of an item row, encoded as the stack's connector encodes it."""
    return {
        "id": item.id, "invoice_id": invoice_id, "description": item.description, "quantity": item.quantity,
        "unit_price": _money(item.unit_price), "amount": _money(item.amount),
        "period_start": _zoned(item.period_start), "period_end": _zoned(item.period_end),
    }  # fmt: skip


@dataclass(frozen=True, slots=True)
class SyntheticMessage:
    """One message as a consumer would read it."""

    topic: str
    partition: int
    key: bytes
    value: bytes
    timestamp_ms: int


class MessageFactory:
    """Builds the messages of invoices, one source transaction (LSN, txId) per invoice.

    Args:
        prefix: the connector's topic prefix.
        partitions: partitions per topic; an invoice and its items share one (co-partitioning).
        op: ``r`` (snapshot, the backfill) or ``c`` (streamed inserts).
    """

    def __init__(self, prefix: str = "nexacloud", partitions: int = 3, op: str = "r") -> None:
        self.prefix = prefix
        self.partitions = partitions
        self.op = op
        self._lsn = 10_000_000
        self._tx = 1000
        self._value_schema = {t: orjson.dumps(envelope_schema(prefix, t)) for t in _COLUMNS}
        self._key_schema = {t: orjson.dumps(key_schema(prefix, t)) for t in _COLUMNS}

    def topic(self, table: str) -> str:
        """The topic of ``table``."""
        return f"{self.prefix}.public.{table}"

    def messages(self, invoice: SampleInvoice) -> list[SyntheticMessage]:
        """The invoice row's message, then its items' messages."""
        self._tx += 1
        partition = zlib.crc32(invoice.id.encode()) % self.partitions
        rows = [("invoices", invoice_row(invoice))]
        rows += [("invoice_items", item_row(invoice.id, item)) for item in invoice.items]
        out = []
        for table, row in rows:
            self._lsn += 184
            out.append(self._message(table, partition, row))
        return out

    def _message(self, table: str, partition: int, row: dict[str, object]) -> SyntheticMessage:
        now_us = int(datetime.now(UTC).timestamp() * 1_000_000)
        source = {
            "version": DEBEZIUM_VERSION, "connector": "postgresql", "name": self.prefix, "ts_ms": now_us // 1000,
            "snapshot": "true" if self.op == "r" else "false", "db": "nexacloud",
            "sequence": f'[null,"{self._lsn}"]', "ts_us": now_us, "ts_ns": now_us * 1000, "schema": "public",
            "table": table, "txId": self._tx, "lsn": self._lsn, "xmin": None, "origin": None, "origin_lsn": None,
        }  # fmt: skip
        payload = {
            "before": None, "after": row, "source": source, "transaction": None, "op": self.op,
            "ts_ms": now_us // 1000, "ts_us": now_us, "ts_ns": now_us * 1000,
        }  # fmt: skip
        key = b'{"schema":' + self._key_schema[table] + b',"payload":' + orjson.dumps({"id": row["id"]}) + b"}"
        value = b'{"schema":' + self._value_schema[table] + b',"payload":' + orjson.dumps(payload) + b"}"
        return SyntheticMessage(self.topic(table), partition, key, value, now_us // 1000)

    def stream(self, count: int, seed: int | str) -> Iterator[SyntheticMessage]:
        """The messages of the data set's first ``count`` invoices of ``seed``, lazily."""
        for invoice in build_invoices(count, seed):
            yield from self.messages(invoice)

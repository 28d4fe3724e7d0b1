"""What the state store holds and returns: stored rows, sync state, outcomes, the interface.

The runner applies decoded change events to a :class:`StateStore`, loads the invoices they
touched as :class:`StoredInvoice` values (turned into a ``SourceInvoice`` by ``assembly.py``),
writes them to Odoo and records a :class:`SyncOutcome` per invoice.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from ..events import ChangeEvent

INCONSISTENT = "inconsistent"
"""Pending reason: the items do not add up to the subtotal (yet)."""
NO_HEADER = "no_header"
"""Pending reason: items are stored but their invoice row has not arrived (yet)."""
INVALID = "invalid"
"""Pending reason: a stored row does not validate as an invoice or an item."""
FAILED = "failed"
"""Pending reason of a failed write that is retried with backoff."""
INCOMPLETE_REASONS = frozenset({INCONSISTENT, NO_HEADER})
"""Reasons that start the grace period: the source may still complete the invoice."""


@dataclass(frozen=True, slots=True)
class StoredRow:
    """The latest version of one source row.

    Attributes:
        key: the row's primary key.
        lsn: the source position of the change that produced this version.
        row: the decoded columns, or ``None`` for a deleted marker.
    """

    key: str
    lsn: int
    row: Mapping[str, object] | None

    @property
    def deleted(self) -> bool:
        """Whether the row was deleted at the source (the marker keeps its LSN)."""
        return self.row is None


@dataclass(frozen=True, slots=True)
class SyncState:
    """What the consumer knows about one invoice's life in Odoo.

    Attributes:
        partition: the Kafka partition the invoice's events come from (``None``: unknown).
        dirty: the invoice changed at the source and must be (re)written to Odoo.
        version: bumped by every change that marks the invoice dirty; a :class:`SyncOutcome`
            carrying the version it was computed from clears ``dirty`` only if no change came
            in between.
        move_id: the Odoo ``account.move`` holding the invoice, when known.
        fingerprint: the fingerprint of what was last written to Odoo.
        pending_reason, pending_detail, pending_since: why the invoice is not (fully) in Odoo
            and since when the reason holds.
        inconsistent_since: when the invoice was first seen incomplete (grace period start).
        attempts: failed writes in a row.
        next_retry_at: when a failed invoice may be tried again.
    """

    partition: int | None = None
    dirty: bool = False
    version: int = 0
    move_id: int | None = None
    fingerprint: str | None = None
    pending_reason: str | None = None
    pending_detail: str = ""
    pending_since: datetime | None = None
    inconsistent_since: datetime | None = None
    attempts: int = 0
    next_retry_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class StoredInvoice:
    """Everything the store holds about one invoice.

    Attributes:
        invoice_id: the source invoice id.
        header: the ``invoices`` row; ``None`` when never seen, a deleted marker when deleted.
        items: the live ``invoice_items`` rows that belong to the invoice, ordered by key.
        sync: the invoice's sync state.
    """

    invoice_id: str
    header: StoredRow | None
    items: tuple[StoredRow, ...]
    sync: SyncState

    @property
    def deleted(self) -> bool:
        """Whether the invoice row was deleted at the source."""
        return self.header is not None and self.header.deleted


@dataclass(frozen=True, slots=True)
class SyncOutcome:
    """The result of handling one invoice, as :meth:`StateStore.record` stores it.

    ``move_id`` and ``fingerprint`` replace the stored ones (pass the loaded values through when
    nothing was written). ``pending`` names why the invoice is not (fully) in Odoo, ``None``
    when it is. ``retry`` marks a failure to try again after a backoff: the invoice stays dirty.

    Attributes:
        invoice_id: the source invoice id.
        move_id: the Odoo move holding the invoice now (``None``: none, or deleted).
        fingerprint: the fingerprint of what Odoo holds now.
        pending: the pending reason (``inconsistent``, ``tax_mismatch``, ``conflict``, ...).
        detail: a human-readable explanation of ``pending``.
        retry: the write failed; retry with exponential backoff (reason defaults to ``failed``).
        version: the :attr:`SyncState.version` the outcome was computed from; ``None`` clears
            the dirty flag unconditionally.
    """

    invoice_id: str
    move_id: int | None = None
    fingerprint: str | None = None
    pending: str | None = None
    detail: str = ""
    retry: bool = False
    version: int | None = None


@dataclass(frozen=True, slots=True)
class PendingRecord:
    """One invoice not (fully) in Odoo, for metrics and the audit.

    ``since`` is when the reason started; for ``no_header`` and ``inconsistent`` it is when the
    invoice was first seen incomplete (the start of the grace period), whichever of the two it
    went through.
    """

    invoice_id: str
    reason: str
    detail: str
    since: datetime
    partition: int | None
    attempts: int
    next_retry_at: datetime | None


@dataclass(frozen=True, slots=True)
class ApplyResult:
    """What one :meth:`StateStore.apply` did.

    Attributes:
        touched: invoices whose stored rows changed, in the order first touched; each is now
            dirty.
        applied: events newer than the stored row, now stored (including those that changed
            nothing but the LSN, such as a re-snapshot of the same row).
        stale: events older than the stored row: ignored.
        duplicate: events with the stored (LSN, table, key): ignored.
        ignored: events the store does not mirror (truncates, other tables, no row image).
    """

    touched: tuple[str, ...]
    applied: int
    stale: int
    duplicate: int
    ignored: int


class StateStore(Protocol):
    """The latest source rows per key with their LSN, and each invoice's sync state."""

    def apply(self, events: Sequence[ChangeEvent]) -> ApplyResult:
        """Store the events newer than what is stored, in one transaction, in the order given.

        Marks the touched invoices dirty with their partition in the same transaction.
        """
        ...

    def load(self, invoice_ids: Iterable[str]) -> dict[str, StoredInvoice]:
        """Header, live items and sync state of each invoice the store knows of."""
        ...

    def dirty(self, partitions: Collection[int], limit: int, now: datetime) -> list[str]:
        """Dirty invoices of ``partitions`` due for a write at ``now``, oldest change first."""
        ...

    def record(self, outcomes: Iterable[SyncOutcome]) -> None:
        """Store the outcome of handling each invoice (clears dirty, sets backoff, ...)."""
        ...

    def pending(self) -> list[PendingRecord]:
        """Every invoice with a pending reason, oldest first."""
        ...

    def close(self) -> None:
        """Release the database connection."""
        ...

"""What a batch of change events does to the stored rows: the ordering rules, without I/O.

Per (table, key) the store keeps the version with the highest LSN. An event is *stale* when
its LSN is below the stored one and a *duplicate* when equal (snapshot rows all share one LSN,
so the key takes part in the comparison). A delete leaves a marker with its LSN so that an
older event arriving late cannot bring the row back. The unchanged-TOAST placeholder keeps
the stored value of its column. An invoice is touched when the content of its header or of
one of its items changed; an item that moved touches both invoices.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from ..events import INVOICE_ITEMS, INVOICES, UNAVAILABLE, ChangeEvent
from .codec import decode_row, encode_row

RowKey = tuple[str, str]
"""(table, primary key) of a stored row."""


@dataclass(frozen=True, slots=True)
class Version:
    """One stored version of a row, as the store reads and writes it.

    Attributes:
        lsn: the source position it came from.
        invoice_id: the invoice the row belongs to (itself for an invoice; for a deleted item,
            the invoice it last belonged to).
        row_json: the encoded row, ``None`` for a deleted marker.
    """

    lsn: int
    invoice_id: str | None
    row_json: str | None


@dataclass(slots=True)
class Plan:
    """The effect of a batch: what to write and which invoices become dirty.

    Attributes:
        rows: the final version of each row the batch changed.
        dirty: the touched invoices, in the order first touched, with the partition their own
            events come from (an invoice's event, or an item's after-image: the topics are
            co-partitioned by invoice id); ``None`` when only an item that left the invoice or
            a key-only delete touched it, which does not say the invoice's partition.
    """

    rows: dict[RowKey, Version] = field(default_factory=dict)
    dirty: dict[str, int | None] = field(default_factory=dict)
    applied: int = 0
    stale: int = 0
    duplicate: int = 0
    ignored: int = 0

    def touch(self, invoice_id: str | None, partition: int | None) -> None:
        """Mark ``invoice_id`` dirty; ``partition`` is its own, or ``None`` when not known."""
        if invoice_id is None:
            return
        if partition is not None or invoice_id not in self.dirty:
            self.dirty[invoice_id] = partition


def row_keys(events: Sequence[ChangeEvent]) -> set[RowKey]:
    """The stored rows a batch may change: what the store reads before :func:`plan_batch`."""
    return {(e.table, e.key) for e in events if _mirrored(e)}


def _mirrored(event: ChangeEvent) -> bool:
    if event.table not in (INVOICES, INVOICE_ITEMS) or event.op == "t":
        return False
    return event.is_delete or event.row is not None


def _owner(event: ChangeEvent, row: Mapping[str, object] | None) -> str | None:
    if event.table == INVOICES:
        return event.key
    invoice_id = row.get("invoice_id") if row is not None else None
    return invoice_id if isinstance(invoice_id, str) else None


def _merge_unavailable(row: Mapping[str, object], stored: Version | None) -> dict[str, object]:
    """``row`` with each TOAST placeholder replaced by the stored value (dropped if none)."""
    base = decode_row(stored.row_json) if stored is not None and stored.row_json is not None else {}
    merged: dict[str, object] = {}
    for name, value in row.items():
        if value is not UNAVAILABLE:
            merged[name] = value
        elif name in base:
            merged[name] = base[name]
    return merged


def plan_batch(events: Sequence[ChangeEvent], stored: Mapping[RowKey, Version]) -> Plan:
    """Decide the effect of ``events``, in order, on the rows ``stored`` holds.

    Args:
        events: the batch, in the order read (an earlier event of a key is seen by later ones).
        stored: the stored version of every key of :func:`row_keys` that exists.

    Returns:
        The rows to write, the invoices to mark dirty, and the counts.
    """
    plan = Plan()
    current = dict(stored)
    for event in events:
        if not _mirrored(event):
            plan.ignored += 1
            continue
        key = (event.table, event.key)
        before = current.get(key)
        if before is not None and event.lsn <= before.lsn:
            if event.lsn < before.lsn:
                plan.stale += 1
            else:
                plan.duplicate += 1
            continue
        partition = event.origin.partition if event.origin is not None else None
        if event.is_delete:
            owner = before.invoice_id if before is not None else _owner(event, event.row)
            after = Version(event.lsn, owner, None)
            changed = before is None or before.row_json is not None
        else:
            assert event.row is not None
            row = event.row
            if any(value is UNAVAILABLE for value in row.values()):
                row = _merge_unavailable(row, before)
            after = Version(event.lsn, _owner(event, row), encode_row(row))
            changed = before is None or before.row_json != after.row_json
        plan.applied += 1
        current[key] = plan.rows[key] = after
        if changed:
            routed = event.table == INVOICES or not event.is_delete
            plan.touch(after.invoice_id, partition if routed else None)
            if before is not None and before.invoice_id != after.invoice_id:
                plan.touch(before.invoice_id, None)
    return plan

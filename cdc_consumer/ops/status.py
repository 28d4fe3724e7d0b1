"""What ``cdc-consumer status`` shows, as text or JSON: the group, its members, lag, pending (pure)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from ..state import INCOMPLETE_REASONS, PendingRecord
from .group import GroupState, PartitionOffsets
from .pending import PendingView
from .table import format_table


def lag(p: PartitionOffsets) -> int:
    """Messages the group has still to read: high watermark minus committed offset.

    With nothing committed the consumer starts at the earliest offset, so the whole log counts.
    """
    return max(0, p.high - (p.committed if p.committed is not None else p.low))


def pending_by_reason(
    records: Sequence[PendingRecord], now: datetime, grace: timedelta
) -> list[tuple[str, int, int, datetime]]:
    """Per reason: how many, how many overdue, and since when the oldest waits.

    An incomplete invoice (``inconsistent``, ``no_header``) is overdue after the grace period;
    any other reason needs a person at once, as the metric ``cdc_invoices_pending_overdue`` counts.
    """
    count: Counter[str] = Counter()
    overdue: Counter[str] = Counter()
    oldest: dict[str, datetime] = {}
    for r in records:
        count[r.reason] += 1
        if r.reason not in INCOMPLETE_REASONS or now - r.since >= grace:
            overdue[r.reason] += 1
        oldest[r.reason] = min(oldest.get(r.reason, r.since), r.since)
    return [(reason, count[reason], overdue[reason], oldest[reason]) for reason in sorted(count)]


def _age(since: datetime, now: datetime) -> str:
    seconds = max(0, int((now - since).total_seconds()))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}h{rest // 60:02d}m" if hours else f"{rest // 60}m{rest % 60:02d}s"


def status_document(
    group: GroupState,
    offsets: Sequence[PartitionOffsets],
    pending: PendingView,
    now: datetime,
    grace: timedelta,
) -> dict[str, Any]:
    """The status as one JSON-ready document: what :func:`render_status` shows, for scripts."""
    owner = {tp: m for m in group.members for tp in m.assignment}
    by_reason = None
    if pending.records is not None:
        by_reason = [
            {"reason": reason, "invoices": n, "overdue": late, "oldest_since": since.isoformat()}
            for reason, n, late, since in pending_by_reason(pending.records, now, grace)
        ]
    return {
        "group": {"id": group.group_id, "state": group.state},
        "members": [
            {
                "member_id": m.member_id,
                "client_id": m.client_id,
                "host": m.host,
                "assignment": [{"topic": t, "partition": p} for t, p in m.assignment],
            }
            for m in group.members
        ],
        "lag_messages": sum(lag(p) for p in offsets),
        "partitions": [
            {
                "topic": p.topic,
                "partition": p.partition,
                "committed": p.committed,
                "low": p.low,
                "high": p.high,
                "lag": lag(p),
                "member": owner[p.key].member_id if p.key in owner else None,
            }
            for p in offsets
        ],
        "pending": {
            "source": pending.note,
            "invoices": None if pending.records is None else len(pending.records),
            "by_reason": by_reason,
        },
    }


def render_status(
    group: GroupState,
    offsets: Sequence[PartitionOffsets],
    pending: PendingView,
    now: datetime,
    grace: timedelta,
) -> str:
    """The status report, section by section."""
    owner = {tp: m for m in group.members for tp in m.assignment}
    lines = [f"Consumer group {group.group_id!r}: {group.state}, {len(group.members)} member(s)"]
    for m in group.members:
        parts = ", ".join(f"{t}[{p}]" for t, p in m.assignment) or "nothing assigned"
        lines.append(f"  {m.describe()}: {parts}")
    lines += ["", f"Lag: {sum(lag(p) for p in offsets)} message(s)"]
    lines.append(
        format_table(
            ("TOPIC", "PARTITION", "COMMITTED", "HIGH", "LAG", "MEMBER"),
            [
                (p.topic, p.partition, p.committed, p.high, lag(p), owner[p.key].client_id if p.key in owner else None)
                for p in offsets
            ],
        )
    )
    lines.append("")
    if pending.records is None:
        lines.append(f"Pending invoices: {pending.note}")
    elif not pending.records:
        lines.append(f"Pending invoices: none ({pending.note})")
    else:
        lines.append(f"Pending invoices: {len(pending.records)} ({pending.note})")
        lines.append(
            format_table(
                ("REASON", "INVOICES", "OVERDUE", "OLDEST"),
                [
                    (reason, n, late, f"{_age(since, now)} ago")
                    for reason, n, late, since in pending_by_reason(pending.records, now, grace)
                ],
            )
        )
    return "\n".join(lines)

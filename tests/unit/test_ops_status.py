"""The status report: lag per partition, members' assignments, pending invoices by reason."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from cdc_consumer.ops.group import GroupState, Member, PartitionOffsets
from cdc_consumer.ops.pending import PendingView, read_pending
from cdc_consumer.ops.status import lag, pending_by_reason, render_status, status_document
from cdc_consumer.state import PendingRecord, SyncOutcome, open_state_store

NOW = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
GRACE = timedelta(minutes=5)


def pending(reason: str, minutes_ago: int, invoice_id: str = "x") -> PendingRecord:
    return PendingRecord(invoice_id, reason, "detail", NOW - timedelta(minutes=minutes_ago), 0, 0, None)


def test_lag_is_the_high_watermark_minus_the_committed_offset_or_the_whole_log():
    assert lag(PartitionOffsets("t", 0, 40, 10, 100)) == 60
    assert lag(PartitionOffsets("t", 0, None, 10, 100)) == 90
    assert lag(PartitionOffsets("t", 0, 120, 10, 100)) == 0


def test_incomplete_invoices_are_overdue_after_the_grace_period_the_others_at_once():
    records = [pending("inconsistent", 1, "a"), pending("inconsistent", 9, "b"), pending("tax_mismatch", 0, "c")]
    assert pending_by_reason(records, NOW, GRACE) == [
        ("inconsistent", 2, 1, NOW - timedelta(minutes=9)),
        ("tax_mismatch", 1, 1, NOW),
    ]


def test_the_status_shows_members_lag_and_pending():
    group = GroupState("g", "STABLE", (Member("m-1", "cdc-1", "/10.0.0.5", (("t", 0), ("t", 1))),))
    offsets = [PartitionOffsets("t", 0, 40, 0, 100), PartitionOffsets("t", 2, None, 0, 5)]
    text = render_status(group, offsets, PendingView([pending("failed", 75)], "state store s"), NOW, GRACE)
    lines = text.splitlines()
    assert lines[0] == "Consumer group 'g': STABLE, 1 member(s)"
    assert lines[1] == "  cdc-1 on /10.0.0.5 (m-1): t[0], t[1]"
    assert "Lag: 65 message(s)" in lines
    assert ["t", "0", "40", "100", "60", "cdc-1"] in [line.split() for line in lines]
    assert ["t", "2", "-", "5", "5", "-"] in [line.split() for line in lines]
    assert "Pending invoices: 1 (state store s)" in lines
    assert ["failed", "1", "1", "1h15m", "ago"] in [line.split() for line in lines]


def test_the_status_as_json_holds_what_the_text_shows():
    group = GroupState("g", "STABLE", (Member("m-1", "cdc-1", "/10.0.0.5", (("t", 0),)),))
    offsets = [PartitionOffsets("t", 0, 40, 0, 100), PartitionOffsets("t", 2, None, 0, 5)]
    doc = status_document(group, offsets, PendingView([pending("failed", 75)], "state store s"), NOW, GRACE)
    assert json.loads(json.dumps(doc)) == doc
    assert doc["group"] == {"id": "g", "state": "STABLE"}
    assert doc["members"] == [
        {"member_id": "m-1", "client_id": "cdc-1", "host": "/10.0.0.5", "assignment": [{"topic": "t", "partition": 0}]}
    ]
    assert doc["lag_messages"] == 65
    assert doc["partitions"] == [
        {"topic": "t", "partition": 0, "committed": 40, "low": 0, "high": 100, "lag": 60, "member": "m-1"},
        {"topic": "t", "partition": 2, "committed": None, "low": 0, "high": 5, "lag": 5, "member": None},
    ]
    assert doc["pending"] == {
        "source": "state store s",
        "invoices": 1,
        "by_reason": [
            {"reason": "failed", "invoices": 1, "overdue": 1, "oldest_since": "2026-01-05T10:45:00+00:00"}
        ],
    }
    unknown = status_document(group, [], PendingView(None, "nowhere to look"), NOW, GRACE)
    assert unknown["pending"] == {"source": "nowhere to look", "invoices": None, "by_reason": None}


def test_the_status_says_when_pending_invoices_are_unknown_or_none():
    group = GroupState("g", "EMPTY", ())
    assert "Pending invoices: nowhere to look" in render_status(
        group, [], PendingView(None, "nowhere to look"), NOW, GRACE
    )
    assert "Pending invoices: none (store)" in render_status(group, [], PendingView([], "store"), NOW, GRACE)


def test_pending_invoices_are_read_from_an_existing_store_and_no_store_is_created(tmp_path):
    missing = tmp_path / "absent" / "state.sqlite3"
    view = read_pending(f"sqlite:///{missing}")
    assert view.records is None
    assert not missing.parent.exists()
    path = tmp_path / "state.sqlite3"
    store = open_state_store(f"sqlite:///{path}")
    store.record([SyncOutcome("inv-1", pending="tax_mismatch", detail="1.30 vs 1.29")])
    store.close()
    view = read_pending(f"sqlite:///{path}")
    assert [(r.invoice_id, r.reason, r.detail) for r in view.records or []] == [
        ("inv-1", "tax_mismatch", "1.30 vs 1.29")
    ]

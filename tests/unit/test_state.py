"""The state store's rules, as one suite run on every backend.

:class:`StateStoreBehaviour` holds the suite; a subclass gives the ``state_dsn`` fixture. This
module runs it on SQLite; ``tests/e2e/test_state_postgres.py`` runs it on PostgreSQL.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from cdc_consumer.assembly import assemble
from cdc_consumer.errors import ConfigError
from cdc_consumer.events import INVOICE_ITEMS, INVOICES, UNAVAILABLE, ChangeEvent, Origin
from cdc_consumer.state import (
    FAILED,
    INCONSISTENT,
    NO_HEADER,
    SqlStateStore,
    StoredInvoice,
    SyncOutcome,
    open_state_store,
)
from cdc_consumer.state.codec import decode_row, encode_row

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def header_row(key: str, **columns: object) -> dict[str, object]:
    row: dict[str, object] = {
        "id": key,
        "stripe_invoice_id": f"in_{key}",
        "invoice_number": f"NC-{key}",
        "user_id": "user-1",
        "subscription_id": None,
        "created_at": datetime(2025, 2, 1, 9, 30, 15, 123456, tzinfo=UTC),
        "currency": "cad",
        "status": "open",
        "subtotal": Decimal("100.00"),
        "tax": Decimal("13.00"),
        "amount_paid": Decimal("0.00"),
        "paid_at": None,
    }
    row.update(columns)
    return row


def item_row(key: str, invoice: str, **columns: object) -> dict[str, object]:
    row: dict[str, object] = {
        "id": key,
        "invoice_id": invoice,
        "description": "Odoo ERP hosting",
        "quantity": Decimal("1"),
        "unit_price": Decimal("100.00"),
        "amount": Decimal("100.00"),
    }
    row.update(columns)
    return row


def inv(key: str, lsn: int, *, op: str = "u", partition: int = 0, **columns: object) -> ChangeEvent:
    """An ``invoices`` change."""
    return ChangeEvent(
        INVOICES, op, key, header_row(key, **columns), lsn, 0,  # type: ignore[arg-type]
        snapshot=op == "r", origin=Origin("nexacloud.public.invoices", partition, lsn),
    )


def itm(key: str, invoice: str, lsn: int, *, op: str = "u", partition: int = 0, **columns: object) -> ChangeEvent:
    """An ``invoice_items`` change."""
    return ChangeEvent(
        INVOICE_ITEMS, op, key, item_row(key, invoice, **columns), lsn, 0,  # type: ignore[arg-type]
        snapshot=op == "r", origin=Origin("nexacloud.public.invoice_items", partition, lsn),
    )


def rm(table: str, key: str, lsn: int, *, partition: int = 0) -> ChangeEvent:
    """A delete whose before-image holds only the key (REPLICA IDENTITY DEFAULT)."""
    return ChangeEvent(table, "d", key, {"id": key}, lsn, 0, origin=Origin(table, partition, lsn))


def outline(invoice: StoredInvoice) -> tuple[object, dict[str, int]]:
    """(header as (lsn, subtotal) / "deleted" / None, {item key: lsn}) of a loaded invoice."""
    head: object = None
    if invoice.header is not None:
        head = "deleted" if invoice.header.row is None else (invoice.header.lsn, invoice.header.row["subtotal"])
    return head, {item.key: item.lsn for item in invoice.items}


# (id, events in the order read, (applied, stale, duplicate, ignored), outline of invoice "A")
ORDERING_CASES = [
    (
        "newer replaces older",
        [inv("A", 10, subtotal=1), inv("A", 20, subtotal=2)],
        (2, 0, 0, 0), ((20, 2), {}),
    ),
    (
        "older after newer is stale",
        [inv("A", 20, subtotal=2), inv("A", 10, subtotal=1)],
        (1, 1, 0, 0), ((20, 2), {}),
    ),
    (
        "same lsn, table and key is a duplicate",
        [inv("A", 10, subtotal=1), inv("A", 10, subtotal=3)],
        (1, 0, 1, 0), ((10, 1), {}),
    ),
    (
        "snapshot rows share one lsn",
        [inv("A", 5, op="r"), itm("i1", "A", 5, op="r"), itm("i2", "A", 5, op="r")],
        (3, 0, 0, 0), ((5, Decimal("100.00")), {"i1": 5, "i2": 5}),
    ),
    (
        "same lsn and key in two tables",
        [inv("A", 5), itm("A", "A", 5)],
        (2, 0, 0, 0), ((5, Decimal("100.00")), {"A": 5}),
    ),
    (
        "a delete is not undone by an older update",
        [inv("A", 10), rm(INVOICES, "A", 30), inv("A", 20)],
        (2, 1, 0, 0), ("deleted", {}),
    ),
    (
        "a newer insert revives a deleted row",
        [inv("A", 10), rm(INVOICES, "A", 20), inv("A", 30, op="c")],
        (3, 0, 0, 0), ((30, Decimal("100.00")), {}),
    ),
    (
        "an item delete removes the item",
        [itm("i1", "A", 10), itm("i2", "A", 11), rm(INVOICE_ITEMS, "i1", 20)],
        (3, 0, 0, 0), (None, {"i2": 11}),
    ),
    (
        "a deleted item is not revived by an older event",
        [itm("i1", "A", 10), rm(INVOICE_ITEMS, "i1", 30), itm("i1", "A", 20)],
        (2, 1, 0, 0), (None, {}),
    ),
    (
        "truncates and other tables are ignored",
        [
            inv("A", 10),
            ChangeEvent(INVOICES, "t", "", None, 40, 0),
            ChangeEvent("users", "c", "u1", {"id": "u1"}, 41, 0),
        ],
        (1, 0, 0, 2), ((10, Decimal("100.00")), {}),
    ),
]


class StateStoreBehaviour:
    """The rules every state store keeps. Subclasses provide a ``state_dsn`` fixture."""

    @pytest.fixture
    def clock(self) -> FakeClock:
        return FakeClock()

    @pytest.fixture
    def store(self, state_dsn: str, clock: FakeClock) -> Iterator[SqlStateStore]:
        store = open_state_store(state_dsn, clock=clock)
        yield store
        store.close()

    @pytest.mark.parametrize("one_batch", [True, False], ids=["one batch", "one event per batch"])
    @pytest.mark.parametrize(("events", "counts", "expected"), [c[1:] for c in ORDERING_CASES],
                             ids=[c[0] for c in ORDERING_CASES])
    def test_ordering_rules(
        self, store: SqlStateStore, one_batch: bool, events: list[ChangeEvent],
        counts: tuple[int, int, int, int], expected: tuple[object, dict[str, int]],
    ) -> None:
        batches = [events] if one_batch else [[e] for e in events]
        results = [store.apply(batch) for batch in batches]
        totals = tuple(sum(getattr(r, name) for r in results) for name in ("applied", "stale", "duplicate", "ignored"))
        assert totals == counts
        assert outline(store.load(["A"])["A"]) == expected

    def test_rows_round_trip_their_types_exactly(self, store: SqlStateStore) -> None:
        row = header_row(
            "A", subtotal=Decimal("100.10"), tax=Decimal("13.0130"), amount_paid=Decimal("1E+2"),
            paid_at=datetime(2025, 2, 3, 4, 5, 6, 789, tzinfo=UTC), period_start=date(2025, 2, 1),
            note="naïve € text", extra_count=7,
        )
        store.apply([ChangeEvent(INVOICES, "c", "A", row, 10, 0, origin=Origin("t", 0, 1))])
        loaded = store.load(["A"])["A"].header
        assert loaded is not None
        assert loaded.row is not None
        assert dict(loaded.row) == row
        assert {k: str(v) for k, v in loaded.row.items() if isinstance(v, Decimal)} == {
            "subtotal": "100.10", "tax": "13.0130", "amount_paid": "1E+2"}
        assert loaded.row["paid_at"].utcoffset() == timedelta(0)  # type: ignore[union-attr]

    def test_toast_placeholder_keeps_the_stored_value(self, store: SqlStateStore) -> None:
        store.apply([itm("i1", "A", 10, description="Managed Odoo — a very long description")])
        result = store.apply([itm("i1", "A", 20, description=UNAVAILABLE, amount=Decimal("90.00"))])
        item = store.load(["A"])["A"].items[0]
        assert result.touched == ("A",)
        assert item.lsn == 20
        assert item.row == item_row("i1", "A", description="Managed Odoo — a very long description",
                                    amount=Decimal("90.00"))

    def test_toast_placeholder_without_stored_value_leaves_the_column_out(self, store: SqlStateStore) -> None:
        store.apply([itm("i1", "A", 20, description=UNAVAILABLE)])
        item = store.load(["A"])["A"].items[0]
        assert item.row is not None
        assert "description" not in item.row

    def test_items_before_their_invoice_wait_for_it(self, store: SqlStateStore) -> None:
        first = store.apply([itm("i1", "A", 10, amount=Decimal("60.00")), itm("i2", "A", 11, amount=Decimal("40.00"))])
        assert first.touched == ("A",)
        waiting = assemble(store.load(["A"])["A"])
        assert (waiting.incomplete, waiting.lines_total, waiting.line_count) == (NO_HEADER, Decimal("100.00"), 2)
        assert store.apply([inv("A", 12)]).touched == ("A",)
        complete = assemble(store.load(["A"])["A"])
        assert complete.invoice is not None
        assert [line.id for line in complete.invoice.lines] == ["i1", "i2"]

    def test_an_item_moved_to_another_invoice_touches_both(self, store: SqlStateStore, clock: FakeClock) -> None:
        store.apply([inv("A", 10, partition=1), itm("i1", "A", 11, partition=1), itm("i2", "A", 12, partition=1),
                     inv("B", 13, partition=2)])
        store.record([SyncOutcome("A"), SyncOutcome("B")])
        result = store.apply([itm("i1", "B", 20, partition=2)])
        loaded = store.load(["A", "B"])
        assert set(result.touched) == {"A", "B"}
        assert [i.key for i in loaded["A"].items] == ["i2"]
        assert [i.key for i in loaded["B"].items] == ["i1"]
        assert loaded["A"].sync.partition == 1, "the item's partition is that of its new invoice"
        assert store.dirty([1], 10, clock.now) == ["A"]
        assert store.dirty([2], 10, clock.now) == ["B"]

    def test_an_item_delete_touches_the_invoice_it_belonged_to(self, store: SqlStateStore) -> None:
        store.apply([inv("A", 10), itm("i1", "A", 11)])
        store.record([SyncOutcome("A")])
        assert store.apply([rm(INVOICE_ITEMS, "i1", 20, partition=5)]).touched == ("A",)
        loaded = store.load(["A"])["A"]
        assert loaded.items == ()
        assert loaded.sync.partition == 0, "a key-only delete does not say the invoice's partition"

    def test_a_change_marks_dirty_and_a_replay_does_not(self, store: SqlStateStore, clock: FakeClock) -> None:
        batch = [inv("A", 10), itm("i1", "A", 11), inv("B", 12), itm("i2", "B", 13)]
        assert store.apply(batch).touched == ("A", "B")
        assert store.dirty([0], 10, clock.now) == ["A", "B"]
        store.record([SyncOutcome("A", move_id=7, fingerprint="f-a"), SyncOutcome("B", move_id=8, fingerprint="f-b")])
        assert store.dirty([0], 10, clock.now) == []
        replay = store.apply(batch)
        assert (replay.touched, replay.applied, replay.duplicate) == ((), 0, 4)
        assert store.apply([inv("A", 5)]).stale == 1
        assert store.dirty([0], 10, clock.now) == []
        sync = store.load(["A"])["A"].sync
        assert (sync.move_id, sync.fingerprint, sync.dirty) == (7, "f-a", False)

    def test_same_content_at_a_newer_lsn_is_stored_but_touches_nothing(
        self, store: SqlStateStore, clock: FakeClock
    ) -> None:
        store.apply([inv("A", 10), itm("i1", "A", 11)])
        store.record([SyncOutcome("A")])
        resnapshot = store.apply([inv("A", 50, op="r"), itm("i1", "A", 50, op="r")])
        assert (resnapshot.applied, resnapshot.touched) == (2, ())
        assert store.dirty([0], 10, clock.now) == []
        assert outline(store.load(["A"])["A"]) == ((50, Decimal("100.00")), {"i1": 50})

    def test_dirty_survives_a_crash_before_the_write(self, state_dsn: str, clock: FakeClock) -> None:
        batch = [inv("A", 10, partition=2), itm("i1", "A", 11, partition=2)]
        first = open_state_store(state_dsn, clock=clock)
        first.apply(batch)
        first.close()  # the process dies before writing to Odoo
        second = open_state_store(state_dsn, clock=clock)
        try:
            assert second.apply(batch).duplicate == 2, "the events are re-read after the restart"
            assert second.dirty([2], 10, clock.now) == ["A"]
        finally:
            second.close()

    def test_dirty_selects_partitions_oldest_first_with_a_limit(self, store: SqlStateStore, clock: FakeClock) -> None:
        for n, (key, partition) in enumerate([("C", 1), ("A", 0), ("B", 1), ("D", 2)]):
            store.apply([inv(key, 10 + n, partition=partition)])
            clock.advance(1)
        assert store.dirty([1, 2], 10, clock.now) == ["C", "B", "D"]
        assert store.dirty([1, 2], 2, clock.now) == ["C", "B"]
        assert store.dirty([], 10, clock.now) == []
        store.apply([inv("C", 30, partition=1, status="paid")])
        assert store.dirty([1], 10, clock.now) == ["C", "B"], "a dirty invoice keeps its place in line"

    def test_failures_back_off_exponentially(self, store: SqlStateStore, clock: FakeClock) -> None:
        store.apply([inv("A", 10)])
        for attempt, delay in enumerate([30, 60, 120], start=1):
            store.record([SyncOutcome("A", detail=f"rejected #{attempt}", retry=True)])
            assert store.dirty([0], 10, clock.now) == []
            assert store.dirty([0], 10, clock.now + timedelta(seconds=delay - 1)) == []
            clock.advance(delay)
            assert store.dirty([0], 10, clock.now) == ["A"]
        [record] = store.pending()
        assert (record.reason, record.detail, record.attempts) == (FAILED, "rejected #3", 3)
        assert record.since == T0, "since the first failure"
        assert record.next_retry_at == clock.now
        store.record([SyncOutcome("A", move_id=3, fingerprint="f")])
        assert store.pending() == []
        assert store.load(["A"])["A"].sync.attempts == 0

    def test_backoff_is_capped(self, state_dsn: str, clock: FakeClock) -> None:
        store = open_state_store(state_dsn, clock=clock, retry_base_seconds=10, retry_max_seconds=25)
        try:
            store.apply([inv("A", 10)])
            for _ in range(3):
                store.record([SyncOutcome("A", retry=True)])
            assert store.load(["A"])["A"].sync.next_retry_at == clock.now + timedelta(seconds=25)
        finally:
            store.close()

    def test_a_source_change_ends_the_backoff(self, store: SqlStateStore, clock: FakeClock) -> None:
        store.apply([inv("A", 10)])
        store.record([SyncOutcome("A", retry=True)])
        assert store.dirty([0], 10, clock.now) == []
        store.apply([inv("A", 20, currency="usd")])
        assert store.dirty([0], 10, clock.now) == ["A"]

    def test_pending_reasons_keep_their_start(self, store: SqlStateStore, clock: FakeClock) -> None:
        store.apply([inv("A", 10), inv("B", 11)])
        store.record([SyncOutcome("A", move_id=1, fingerprint="f1", pending="tax_mismatch", detail="13.01 != 13.00")])
        clock.advance(60)
        store.record([SyncOutcome("A", move_id=1, fingerprint="f1", pending="tax_mismatch", detail="again"),
                      SyncOutcome("B", pending="conflict", detail="posted")])
        records = store.pending()
        assert [(r.invoice_id, r.reason, r.detail, r.since) for r in records] == [
            ("A", "tax_mismatch", "again", T0), ("B", "conflict", "posted", T0 + timedelta(seconds=60))]
        assert store.dirty([0], 10, clock.now) == [], "a pending invoice waits for a source change"
        store.record([SyncOutcome("A", move_id=1, fingerprint="f2")])
        assert [r.invoice_id for r in store.pending()] == ["B"]

    def test_inconsistent_since_marks_the_start_of_the_grace_period(
        self, store: SqlStateStore, clock: FakeClock
    ) -> None:
        store.apply([itm("i1", "A", 10)])
        store.record([SyncOutcome("A", pending=NO_HEADER)])
        clock.advance(30)
        store.apply([inv("A", 11, subtotal=Decimal("150.00"))])
        store.record([SyncOutcome("A", pending=INCONSISTENT)])
        sync = store.load(["A"])["A"].sync
        assert (sync.inconsistent_since, sync.pending_reason, sync.pending_since) == (
            T0, INCONSISTENT, T0 + timedelta(seconds=30))
        [record] = store.pending()
        assert (record.reason, record.since) == (INCONSISTENT, T0), "the grace period started with no_header"
        store.record([SyncOutcome("A", move_id=4, fingerprint="f")])
        assert store.load(["A"])["A"].sync.inconsistent_since is None

    def test_an_outcome_of_an_older_version_leaves_the_invoice_dirty(
        self, store: SqlStateStore, clock: FakeClock
    ) -> None:
        store.apply([inv("A", 10)])
        version = store.load(["A"])["A"].sync.version
        store.apply([inv("A", 20, status="paid")])  # changed while being written
        store.record([SyncOutcome("A", move_id=9, fingerprint="f", version=version)])
        assert store.dirty([0], 10, clock.now) == ["A"]
        current = store.load(["A"])["A"].sync
        store.record([SyncOutcome("A", move_id=9, fingerprint="f2", version=current.version)])
        assert store.dirty([0], 10, clock.now) == []

    def test_load_gives_a_blank_invoice_for_an_unknown_id(self, store: SqlStateStore) -> None:
        unknown = store.load(["nope"])["nope"]
        assert (unknown.header, unknown.items, unknown.sync.dirty, unknown.sync.version) == (None, (), False, 0)
        assert assemble(unknown).gone

    def test_a_deleted_invoice_assembles_as_gone(self, store: SqlStateStore) -> None:
        store.apply([inv("A", 10), itm("i1", "A", 11)])
        store.record([SyncOutcome("A", move_id=5, fingerprint="f")])
        assert store.apply([rm(INVOICES, "A", 20)]).touched == ("A",)
        loaded = store.load(["A"])["A"]
        assert loaded.deleted
        assert loaded.sync.move_id == 5
        assert assemble(loaded).gone

    def test_large_batches_and_many_invoices(self, store: SqlStateStore, clock: FakeClock) -> None:
        events = [
            e for n in range(1200) for e in (inv(f"inv{n:05}", 2 * n + 1), itm(f"it{n:05}", f"inv{n:05}", 2 * n + 2))
        ]
        assert store.apply(events).applied == 2400
        assert len(store.dirty([0], 5000, clock.now)) == 1200
        loaded = store.load(f"inv{n:05}" for n in range(1200))
        assert all(assemble(invoice).invoice is not None for invoice in loaded.values())
        store.record(SyncOutcome(i) for i in loaded)
        assert store.apply(events).duplicate == 2400
        assert store.dirty([0], 5000, clock.now) == []

    def test_concurrent_writers_keep_the_newest_version(self, state_dsn: str) -> None:
        keys = [f"inv{n:03}" for n in range(40)]
        history = [inv(k, lsn, subtotal=lsn) for lsn in range(1, 31) for k in keys]
        # Four instances re-apply the same history at once, each in its own order.
        orders = [random.Random(seed).sample(history, len(history)) for seed in range(4)]
        errors: list[BaseException] = []
        start = threading.Barrier(len(orders))

        def run(events: Sequence[ChangeEvent]) -> None:
            store = open_state_store(state_dsn)
            try:
                start.wait()
                for first in range(0, len(events), 100):
                    store.apply(events[first : first + 100])
            except BaseException as exc:
                errors.append(exc)
            finally:
                store.close()

        threads = [threading.Thread(target=run, args=(order,)) for order in orders]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert errors == []
        store = open_state_store(state_dsn)
        try:
            loaded = store.load(keys)
        finally:
            store.close()
        assert {outline(invoice)[0] for invoice in loaded.values()} == {(30, 30)}


class TestSqliteStateStore(StateStoreBehaviour):
    @pytest.fixture
    def state_dsn(self, tmp_path: Path) -> str:
        return f"sqlite:///{tmp_path / 'state.sqlite3'}"


def test_sqlite_relative_path_and_wal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    store = open_state_store("sqlite:///.stack/state.sqlite3")
    store.apply([inv("A", 1)])
    store.close()
    assert (tmp_path / ".stack" / "state.sqlite3").is_file()
    assert (tmp_path / ".stack" / "state.sqlite3").read_bytes()[18:20] == b"\x02\x02", "WAL mode"


@pytest.mark.parametrize("dsn", ["mysql://x", "sqlite:///", "sqlite://relative", ""])
def test_unsupported_dsn_is_a_config_error(dsn: str) -> None:
    with pytest.raises(ConfigError):
        open_state_store(dsn)


def test_naive_times_are_refused(tmp_path: Path) -> None:
    store = open_state_store(f"sqlite:///{tmp_path / 's.sqlite3'}")
    try:
        with pytest.raises(ValueError, match="timezone-aware"):
            store.dirty([0], 1, datetime(2025, 1, 1))
    finally:
        store.close()


@pytest.mark.parametrize(
    "value",
    [
        Decimal("12.30"), Decimal("-0.00"), Decimal("1E+2"), Decimal("NaN"),
        datetime(2025, 1, 2, 3, 4, 5, 6, tzinfo=UTC),
        datetime(2025, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=-5))),
        datetime(2025, 1, 2, 3, 4, 5), date(2025, 1, 2), time(23, 59, 59, 999999), b"\x00\xff",
        [Decimal("1.10"), 2, "x"], "€ text", "", 2**62, 1.5, True, None,
    ],
    ids=repr,
)
def test_codec_round_trips_each_type_exactly(value: object) -> None:
    back = decode_row(encode_row({"v": value}))["v"]
    assert type(back) is type(value)
    assert repr(back) == repr(value) or back == value
    if isinstance(value, datetime):
        assert back.utcoffset() == value.utcoffset()  # type: ignore[union-attr]

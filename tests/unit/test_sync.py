"""``InvoiceSync`` with a real (SQLite) state store and a writer that records what it is given.

DESIGN §4: items may arrive before their invoice; an invoice is written once per batch,
complete, and not again while the source does not change; a failed write is retried later.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from cdc_consumer.odoo.writer import Job, Result
from cdc_consumer.state import NO_HEADER, SqlStateStore, open_state_store
from cdc_consumer.sync import InvoiceSync
from tests.unit.test_state import inv, itm

PARTITIONS = (0,)


@dataclass
class RecordingWriter:
    """Writes nothing; remembers every batch of jobs, and fails the ids in ``failing``."""

    batches: list[list[Job]] = field(default_factory=list)
    failing: set[str] = field(default_factory=set)

    def sync(self, jobs: Sequence[Job], keep_alive: Callable[[], None] | None = None) -> list[Result]:
        self.batches.append(list(jobs))
        return [
            Result(j.invoice_id, "failed", failure="Odoo: rejected")
            if j.invoice_id in self.failing
            else Result(j.invoice_id, "created", move_id=7, fingerprint=f"fp-{j.source.header.subtotal}")
            for j in jobs
            if j.source is not None
        ]

    @property
    def jobs(self) -> list[Job]:
        return [job for batch in self.batches for job in batch]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqlStateStore]:
    state = open_state_store(f"sqlite:///{tmp_path / 'state.sqlite3'}")
    yield state
    state.close()


@pytest.fixture
def writer() -> RecordingWriter:
    return RecordingWriter()


@pytest.fixture
def sync(store: SqlStateStore, writer: RecordingWriter) -> InvoiceSync:
    return InvoiceSync(store, writer, grace_seconds=300)


def test_items_before_their_invoice_write_nothing_then_one_complete_invoice(
    sync: InvoiceSync, store: SqlStateStore, writer: RecordingWriter
) -> None:
    sync.apply_and_write(
        [itm("i1", "A", 10, amount=Decimal("60.00")), itm("i2", "A", 10, amount=Decimal("40.00"))], PARTITIONS
    )
    assert writer.jobs == []
    assert [(p.invoice_id, p.reason) for p in store.pending()] == [("A", NO_HEADER)]

    sync.apply_and_write([inv("A", 10)], PARTITIONS)

    (job,) = writer.jobs
    assert job.invoice_id == "A"
    assert job.source is not None
    assert [line.id for line in job.source.lines] == ["i1", "i2"]
    assert store.pending() == []
    assert sync.actions == {"created": 1}


def test_one_transaction_in_one_batch_is_one_job(sync: InvoiceSync, writer: RecordingWriter) -> None:
    items = [itm(f"i{n}", "A", 10, amount=Decimal("10.00")) for n in range(10)]
    sync.apply_and_write([inv("A", 10), *items], PARTITIONS)
    assert len(writer.batches) == 1
    (job,) = writer.jobs
    assert job.source is not None
    assert len(job.source.lines) == 10


def test_a_replay_gives_the_writer_nothing(sync: InvoiceSync, writer: RecordingWriter) -> None:
    events = [inv("A", 10), itm("i1", "A", 10)]
    sync.apply_and_write(events, PARTITIONS)
    sync.apply_and_write(events, PARTITIONS)
    assert len(writer.jobs) == 1


def test_a_change_hands_the_last_fingerprint_to_the_writer(sync: InvoiceSync, writer: RecordingWriter) -> None:
    sync.apply_and_write([inv("A", 10), itm("i1", "A", 10)], PARTITIONS)
    sync.apply_and_write(
        [inv("A", 20, subtotal=Decimal("90.00")), itm("i1", "A", 20, amount=Decimal("90.00"))], PARTITIONS
    )
    assert [j.last_fingerprint for j in writer.jobs] == [None, "fp-100.00"]


def test_other_partitions_are_left_to_their_owner(sync: InvoiceSync, writer: RecordingWriter) -> None:
    sync.apply_and_write([inv("A", 10, partition=1), itm("i1", "A", 10, partition=1)], PARTITIONS)
    assert writer.jobs == []
    sync.apply_and_write([], (1,))
    assert [j.invoice_id for j in writer.jobs] == ["A"]


def test_a_rejected_invoice_waits_for_its_retry_and_others_move_on(
    sync: InvoiceSync, store: SqlStateStore, writer: RecordingWriter
) -> None:
    writer.failing.add("A")
    sync.apply_and_write([inv("A", 10), itm("a1", "A", 10), inv("B", 11), itm("b1", "B", 11)], PARTITIONS)
    sync.apply_and_write([], PARTITIONS)
    assert [j.invoice_id for j in writer.jobs] == ["A", "B"], "A is not retried before its backoff"
    (pending,) = store.pending()
    assert (pending.invoice_id, pending.reason, pending.attempts) == ("A", "failed", 1)
    assert pending.next_retry_at is not None


def test_long_writes_go_in_chunks_with_the_group_kept_alive_between_them(
    store: SqlStateStore, writer: RecordingWriter
) -> None:
    sync = InvoiceSync(store, writer, grace_seconds=300, chunk_size=2)
    beats: list[int] = []
    events = [e for n in range(5) for e in (inv(f"A{n}", 10), itm(f"i{n}", f"A{n}", 10))]
    sync.apply_and_write(events, PARTITIONS, keep_alive=lambda: beats.append(len(writer.jobs)))
    assert [len(batch) for batch in writer.batches] == [2, 2, 1]
    assert beats == [2, 4]
    assert store.dirty(PARTITIONS, 100, datetime.now(UTC)) == []


def test_a_keep_alive_that_stops_the_batch_leaves_the_rest_dirty(store: SqlStateStore, writer: RecordingWriter) -> None:
    sync = InvoiceSync(store, writer, grace_seconds=300, chunk_size=2)

    def revoked() -> None:
        raise RuntimeError("partitions revoked")

    events = [e for n in range(5) for e in (inv(f"A{n}", 10), itm(f"i{n}", f"A{n}", 10))]
    with pytest.raises(RuntimeError):
        sync.apply_and_write(events, PARTITIONS, keep_alive=revoked)
    assert len(writer.jobs) == 2
    assert len(store.dirty(PARTITIONS, 100, datetime.now(UTC))) == 3

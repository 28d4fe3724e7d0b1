"""The runner's loop against a scripted Kafka consumer: commits, outages, rebalances, lag.

:class:`ScriptedConsumer` keeps, like librdkafka, a position per assigned partition, paused
partitions and committed offsets; a rebalance assigns partitions afresh (unpaused, from the
committed offsets). Commits are answered, through the commit callback, by the next ``consume``
or by ``close``. The clock is fake: the runner's backoff passes without waiting.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pytest
from confluent_kafka import KafkaError, TopicPartition

from cdc_consumer import metrics, runner
from cdc_consumer.bench.feed import FeedMessage
from cdc_consumer.errors import OdooUnavailable
from cdc_consumer.events import ChangeEvent, Origin
from cdc_consumer.offsets import PendingCommits
from cdc_consumer.runner import Runner

TOPICS = ("invoices", "invoice_items")
NOW_MS = 1_700_000_000_000


@dataclass
class ScriptedConsumer:
    """A consumer of in-memory partitions (``logs``: (topic, partition) → message count).

    ``before_consume`` runs before every ``consume`` with the call's ``num_messages``; the test
    uses it to rebalance or stop at chosen moments.
    """

    logs: dict[tuple[str, int], int]
    before_consume: Callable[[ScriptedConsumer, int], None] = lambda _c, _n: None
    positions: dict[tuple[str, int], int] = field(default_factory=dict)
    paused: set[tuple[str, int]] = field(default_factory=set)
    committed_offsets: dict[tuple[str, int], int] = field(default_factory=dict)
    commit_failures: int = 0
    coordinator_down: bool = False
    commits_sent: list[list[tuple[str, int, int]]] = field(default_factory=list)
    unanswered: list[list[TopicPartition]] = field(default_factory=list)
    on_commit: Any = None
    timeouts: list[float] = field(default_factory=list)
    watermark_queries: list[bool] = field(default_factory=list)
    on_assign: Any = None
    on_revoke: Any = None

    def subscribe(self, topics: Sequence[str], on_assign: Any, on_revoke: Any) -> None:
        self.on_assign, self.on_revoke = on_assign, on_revoke
        self.rebalance()

    def rebalance(self) -> None:
        """Revoke everything and assign it again, as an eager rebalance does.

        librdkafka fetches the committed offsets of an assignment once the commits in flight
        are answered.
        """
        if self.positions:
            self.on_revoke(self, [TopicPartition(t, p) for t, p in self.positions])
            self.answer_commits()
        self.positions = {tp: self.committed_offsets.get(tp, 0) for tp in self.logs}
        self.paused.clear()
        self.on_assign(self, [TopicPartition(t, p) for t, p in self.logs])

    def consume(self, num_messages: int = 1, timeout: float = -1) -> list[FeedMessage]:
        self.timeouts.append(timeout)
        self.before_consume(self, num_messages)
        self.answer_commits()
        out: list[FeedMessage] = []
        for tp, position in self.positions.items():
            if tp in self.paused:
                continue
            end = min(self.logs[tp], position + num_messages - len(out))
            out += [FeedMessage(*tp, offset, timestamp_ms=NOW_MS) for offset in range(position, end)]
            self.positions[tp] = end
        return out

    def pause(self, partitions: list[TopicPartition]) -> None:
        self.paused |= {(tp.topic, tp.partition) for tp in partitions}

    def resume(self, partitions: list[TopicPartition]) -> None:
        self.paused -= {(tp.topic, tp.partition) for tp in partitions}

    def seek(self, tp: TopicPartition) -> None:
        self.positions[(tp.topic, tp.partition)] = tp.offset

    def commit(self, offsets: list[TopicPartition], asynchronous: bool = True) -> None:
        assert asynchronous, "a synchronous commit waits for the coordinator as long as it is gone"
        self.commits_sent.append([(tp.topic, tp.partition, tp.offset) for tp in offsets])
        self.unanswered.append(offsets)

    def answer_commits(self) -> None:
        """Answer the commits sent so far, unless the coordinator is down (then they wait)."""
        if self.coordinator_down:
            return
        answering, self.unanswered = self.unanswered, []
        for offsets in answering:
            if self.commit_failures:
                self.commit_failures -= 1
                self.on_commit(KafkaError(KafkaError.REBALANCE_IN_PROGRESS), offsets)
                continue
            for tp in offsets:
                self.committed_offsets[(tp.topic, tp.partition)] = tp.offset
            self.on_commit(None, offsets)

    def committed(self, partitions: list[TopicPartition], timeout: float = -1) -> list[TopicPartition]:
        return [
            TopicPartition(tp.topic, tp.partition, self.committed_offsets.get((tp.topic, tp.partition), -1001))
            for tp in partitions
        ]

    def get_watermark_offsets(self, tp: TopicPartition, timeout: float = -1, cached: bool = False) -> tuple[int, int]:
        self.watermark_queries.append(cached)
        return 0, self.logs[(tp.topic, tp.partition)]

    def close(self) -> None:
        self.answer_commits()


@dataclass
class RecordingSync:
    """Stands in for ``InvoiceSync``: records what it applied; fails while ``down``."""

    down: bool = False
    applied: list[tuple[str, int]] = field(default_factory=list)
    calls: int = 0

    def apply_and_write(self, events: Sequence[ChangeEvent], partitions: Collection[int], *_keep_alive: object) -> None:
        self.calls += 1
        if self.down:
            raise OdooUnavailable("Odoo is down")
        self.applied += [(e.origin.topic, e.origin.offset) for e in events if e.origin]

    def report_pending(self, now: datetime) -> None:
        pass


class FakeTime:
    """Stands in for the ``time`` module in the runner: each reading moves the clock on."""

    def __init__(self, step: float) -> None:
        self.now = 1000.0
        self.step = step

    def monotonic(self) -> float:
        self.now += self.step
        return self.now

    def time(self) -> float:
        return 1_700_000_000.0


def decode(topic: str, partition: int, offset: int, key: bytes | None, value: bytes | None) -> ChangeEvent:
    """Every message is a row change of its topic's table (no row image: nothing to validate)."""
    table = "invoices" if topic == "invoices" else "invoice_items"
    return ChangeEvent(table, "c", f"{partition}-{offset}", None, offset, 0, origin=Origin(topic, partition, offset))


def make_runner(consumer: ScriptedConsumer, sync: RecordingSync, stop: threading.Event) -> Runner:
    commits = PendingCommits()
    consumer.on_commit = commits.on_commit
    return Runner(consumer, TOPICS, decode, sync, None, 100, 0.2, stop, commits=commits)  # type: ignore[arg-type]


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeTime:
    fake = FakeTime(step=0.3)
    monkeypatch.setattr(runner, "time", fake)
    return fake


Hook = Callable[[ScriptedConsumer, int], None]


def stop_after(calls: int, stop: threading.Event, then: Hook | None = None) -> Hook:
    """A ``before_consume`` hook: run ``then`` on each call, and set ``stop`` at call ``calls``."""
    count = 0

    def hook(consumer: ScriptedConsumer, num_messages: int) -> None:
        nonlocal count
        count += 1
        if then is not None:
            then(consumer, num_messages)
        if count >= calls:
            stop.set()

    return hook


def test_a_batch_is_committed_once_applied(clock: FakeTime) -> None:
    stop = threading.Event()
    consumer = ScriptedConsumer({("invoices", 0): 3, ("invoice_items", 0): 2}, stop_after(2, stop))
    sync = RecordingSync()
    make_runner(consumer, sync, stop).run()
    assert sorted(sync.applied) == [
        ("invoice_items", 0),
        ("invoice_items", 1),
        ("invoices", 0),
        ("invoices", 1),
        ("invoices", 2),
    ]
    assert consumer.committed_offsets == {("invoices", 0): 3, ("invoice_items", 0): 2}


def test_a_failed_batch_commits_nothing_and_is_retried_after_the_backoff(clock: FakeTime) -> None:
    stop = threading.Event()
    sync = RecordingSync(down=True)

    def recover(consumer: ScriptedConsumer, _n: int) -> None:
        if sync.calls >= 2:
            sync.down = False

    consumer = ScriptedConsumer({("invoices", 0): 3}, stop_after(40, stop, recover))
    make_runner(consumer, sync, stop).run()
    assert sorted(sync.applied) == [("invoices", 0), ("invoices", 1), ("invoices", 2)]
    assert consumer.committed_offsets == {("invoices", 0): 3}


def test_a_refused_commit_is_sent_again_not_fatal(clock: FakeTime) -> None:
    """A commit refused by the group coordinator (rebalance, coordinator moving) is a Kafka hiccup."""
    stop = threading.Event()
    consumer = ScriptedConsumer({("invoices", 0): 3}, stop_after(30, stop), commit_failures=1)
    sync = RecordingSync()
    failures = metrics.COMMIT_FAILURES._value.get()
    make_runner(consumer, sync, stop).run()
    assert consumer.committed_offsets == {("invoices", 0): 3}
    assert consumer.commits_sent == [[("invoices", 0, 3)], [("invoices", 0, 3)]]
    assert metrics.COMMIT_FAILURES._value.get() == failures + 1
    assert sorted(sync.applied) == [("invoices", 0), ("invoices", 1), ("invoices", 2)], "applied once"


def test_an_unanswered_commit_never_holds_the_loop_up(clock: FakeTime) -> None:
    """Brokers gone: the commit waits for the coordinator, the loop goes on and still stops."""
    stop = threading.Event()

    def more_messages(consumer: ScriptedConsumer, _n: int) -> None:
        if len(consumer.timeouts) <= 3:
            consumer.logs[("invoices", 0)] += 2

    consumer = ScriptedConsumer({("invoices", 0): 2}, stop_after(20, stop, more_messages), coordinator_down=True)
    sync = RecordingSync()
    make_runner(consumer, sync, stop).run()
    assert len(consumer.timeouts) == 20, "the loop went on polling"
    assert len(sync.applied) == 8
    assert consumer.commits_sent[-1] == [("invoices", 0, 8)]
    assert consumer.committed_offsets == {}, "nothing answered while the coordinator is down"
    consumer.coordinator_down = False
    consumer.close()
    assert consumer.committed_offsets == {("invoices", 0): 8}


def test_offsets_pending_for_revoked_partitions_are_sent_before_they_go(clock: FakeTime) -> None:
    stop = threading.Event()
    rebalanced = False

    def refuse_then_rebalance(consumer: ScriptedConsumer, _n: int) -> None:
        nonlocal rebalanced
        if consumer.commits_sent and not rebalanced:
            rebalanced = True
            consumer.answer_commits()
            consumer.rebalance()

    consumer = ScriptedConsumer({("invoices", 0): 3}, stop_after(5, stop, refuse_then_rebalance), commit_failures=1)
    sync = RecordingSync()
    make_runner(consumer, sync, stop).run()
    assert rebalanced
    assert consumer.commits_sent == [[("invoices", 0, 3)], [("invoices", 0, 3)]]
    assert consumer.committed_offsets == {("invoices", 0): 3}
    assert len(sync.applied) == 3, "the new assignment starts where the revoke committed"


def test_the_wait_before_a_retry_never_blocks_forever(clock: FakeTime) -> None:
    """A negative timeout means "wait forever" to librdkafka: the wait must never pass one.

    The clock moves 0.3 s per reading: the retry time can pass between the check that it is
    still ahead and the computation of how long to wait for it.
    """
    stop = threading.Event()
    consumer = ScriptedConsumer({("invoices", 0): 3}, stop_after(30, stop))
    make_runner(consumer, RecordingSync(down=True), stop).run()
    assert len(consumer.timeouts) == 30
    assert min(consumer.timeouts) >= 0


def test_a_rebalance_while_paused_loses_no_message(clock: FakeTime) -> None:
    """Partitions assigned during the wait come unpaused: what the wait reads must not be dropped."""
    stop = threading.Event()
    sync = RecordingSync(down=True)
    rebalanced = False

    def rebalance_while_waiting(consumer: ScriptedConsumer, num_messages: int) -> None:
        nonlocal rebalanced
        if num_messages == 1 and consumer.paused and not rebalanced:
            rebalanced = True
            consumer.rebalance()
        elif rebalanced:
            sync.down = False

    consumer = ScriptedConsumer({("invoices", 0): 3}, stop_after(60, stop, rebalance_while_waiting))
    make_runner(consumer, sync, stop).run()
    assert rebalanced
    assert sorted(sync.applied) == [("invoices", 0), ("invoices", 1), ("invoices", 2)]
    assert consumer.committed_offsets == {("invoices", 0): 3}


def test_an_outage_seen_between_batches_backs_off_like_a_failed_batch(clock: FakeTime) -> None:
    """With nothing to read, dirty invoices are retried; Odoo down then pauses too (not ready)."""
    stop = threading.Event()
    sync = RecordingSync(down=True)
    consumer = ScriptedConsumer({("invoices", 0): 0}, stop_after(20, stop))
    loop = make_runner(consumer, sync, stop)
    loop.run()
    assert not loop.ready
    assert sync.calls < 10, "the backoff spaces the attempts out"


def test_the_lag_check_uses_the_watermarks_of_the_last_fetch(clock: FakeTime) -> None:
    """Asking the broker for watermarks waits behind the fetch long-poll and stalls the loop."""
    stop = threading.Event()
    consumer = ScriptedConsumer({("invoices", 0): 5, ("invoice_items", 0): 4}, stop_after(1, stop))
    consumer.committed_offsets = {("invoices", 0): 2}
    make_runner(consumer, RecordingSync(down=True), stop).run()
    assert consumer.watermark_queries
    assert all(consumer.watermark_queries), "cached watermarks only"
    assert metrics.LAG_MESSAGES.labels("invoices", "0")._value.get() == 3
    assert metrics.LAG_MESSAGES.labels("invoice_items", "0")._value.get() == 4


def test_closing_never_waits_forever_for_a_coordinator(
    clock: FakeTime, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """librdkafka's close retries an absent coordinator forever: the stop must still happen."""
    monkeypatch.setattr(runner, "CLOSE_SECONDS", 0.05)
    stop = threading.Event()
    released = threading.Event()
    consumer = ScriptedConsumer({("invoices", 0): 3}, stop_after(2, stop))
    consumer.close = lambda: released.wait(30)  # type: ignore[method-assign]
    try:
        make_runner(consumer, RecordingSync(), stop).run()
    finally:
        released.set()
    assert "Kafka consumer not closed" in caplog.text

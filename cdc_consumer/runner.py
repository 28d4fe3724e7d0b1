"""The one loop: poll → decode → store → decide and write → commit (DESIGN §6).

Each micro-batch is handled whole: its messages are decoded (poison messages go to the
dead-letter topic), applied to the state store in one transaction (which marks the touched
invoices dirty), the dirty invoices of this instance's partitions are written to Odoo once each,
and only then are the batch's offsets committed, asynchronously (a commit refused or held up by
an outage is carried again by the next one: see ``offsets.PendingCommits``). A transient failure
(Odoo or the source database unreachable, dead letters not acknowledged) commits nothing: the
partitions are paused and rewound to the start of the batch, polling goes on so the group
membership survives, and the batch is retried after a backoff. Re-read events are duplicates
for the state store; the dirty flags make sure nothing is lost, and the Odoo writes are
idempotent. A long write is done in chunks with a poll between them, so it never outlasts
``max.poll.interval.ms``; a rebalance noticed there stops the batch for the new owner.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from confluent_kafka import Consumer, KafkaError, KafkaException, Message, TopicPartition

from . import metrics
from .errors import (
    CdcError,
    InvalidMessage,
    OdooUnavailable,
    SchemaRegistryUnavailable,
    SourceUnavailable,
    StateUnavailable,
)
from .events import UNAVAILABLE, ChangeEvent, Origin
from .invoice import InvoiceHeader, InvoiceLine
from .kafka_io import DeadLetters
from .offsets import BatchOffsets, PendingCommits
from .sync import InvoiceSync

log = logging.getLogger(__name__)

Decode = Callable[[str, int, int, bytes | None, bytes | None], ChangeEvent | None]


class AssignmentChanged(CdcError):
    """A rebalance took partitions away in the middle of a batch: retry it with the new ones."""


TRANSIENT = (
    OdooUnavailable,
    SourceUnavailable,
    StateUnavailable,
    SchemaRegistryUnavailable,
    KafkaException,
    AssignmentChanged,
)
CLOSE_SECONDS = 10.0
"""How long closing the consumer may wait for the group coordinator."""
VALIDATORS = {"invoices": InvoiceHeader.from_row, "invoice_items": InvoiceLine.from_row}


def validate(event: ChangeEvent) -> None:
    """Refuse an event whose row can never become an invoice or a line (it goes to the DLQ)."""
    validator = VALIDATORS.get(event.table)
    if validator is None:
        raise InvalidMessage(f"unexpected table {event.table!r}")
    if event.op in ("c", "u", "r") and event.row is not None and UNAVAILABLE not in event.row.values():
        validator(event.row)


@dataclass
class Backoff:
    """Exponential backoff between retries of a failed batch: 0.5 s doubling up to 30 s."""

    first: float = 0.5
    cap: float = 30.0
    failures: int = 0

    def next_delay(self) -> float:
        delay = min(self.cap, self.first * (2**self.failures))
        self.failures += 1
        return delay

    def reset(self) -> None:
        self.failures = 0


@dataclass
class Progress:
    """Counts for the progress log lines of a long backfill (rate, remaining, ETA)."""

    started: float = field(default_factory=time.monotonic)
    events: int = 0
    last_log: float = field(default_factory=time.monotonic)


class Runner:
    """Consumes both topics and keeps Odoo in line with them until asked to stop.

    Args:
        consumer: a Kafka consumer configured by ``kafka_io.consumer_config``, with
            ``commits.on_commit`` as its commit callback.
        topics: the invoices and items topics.
        decode: turns one message into a ChangeEvent (``None`` for a tombstone).
        sync: stores events and writes dirty invoices (see ``sync.py``).
        dead_letters: where poison messages go.
        batch_max_messages, batch_max_seconds: the micro-batch bounds.
        stop: set it to end the loop after the current batch.
        commits: the offsets awaiting commit; ``None`` to commit nothing (a dry run).
        until_caught_up: end when every assigned partition has reached its end (dry runs, tests).
    """

    def __init__(
        self,
        consumer: Consumer,
        topics: Sequence[str],
        decode: Decode,
        sync: InvoiceSync,
        dead_letters: DeadLetters | None,
        batch_max_messages: int,
        batch_max_seconds: float,
        stop: threading.Event,
        *,
        commits: PendingCommits | None,
        until_caught_up: bool = False,
    ) -> None:
        self._consumer = consumer
        self._topics = list(topics)
        self._decode = decode
        self._sync = sync
        self._dead_letters = dead_letters
        self._batch_max = batch_max_messages
        self._batch_seconds = batch_max_seconds
        self._stop = stop
        self._commits = commits
        self._until_caught_up = until_caught_up
        self._assigned: set[TopicPartition] = set()
        self._held: set[TopicPartition] = set()
        self._last_keep_alive = 0.0
        self._at_end: set[tuple[str, int]] = set()
        self._backoff = Backoff()
        self._retry_at: float | None = None
        self._progress = Progress()
        self._last_lag_check = 0.0
        self._newest_applied_ms = 0

    # -- group membership ---------------------------------------------------------------
    def _on_assign(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        self._assigned = {TopicPartition(p.topic, p.partition) for p in partitions}
        self._at_end.clear()
        metrics.PARTITIONS_ASSIGNED.set(len(self._assigned))
        log.info("partitions assigned", extra={"partitions": sorted(f"{p.topic}[{p.partition}]" for p in partitions)})

    def _on_revoke(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        # Finished batches' offsets go (again) before the partitions do; an unfinished batch's never.
        revoked = {(p.topic, p.partition) for p in partitions}
        self._send_commits(revoked)
        if self._commits is not None:
            self._commits.forget(revoked)
        self._assigned = {p for p in self._assigned if (p.topic, p.partition) not in revoked}
        metrics.PARTITIONS_ASSIGNED.set(len(self._assigned))
        log.info("partitions revoked", extra={"partitions": sorted(f"{t}[{p}]" for t, p in revoked)})

    @property
    def ready(self) -> bool:
        """Partitions assigned and no batch waiting on an outage."""
        return bool(self._assigned) and self._retry_at is None

    @property
    def _owned(self) -> set[tuple[str, int]]:
        """The assigned (topic, partition) pairs."""
        return {(tp.topic, tp.partition) for tp in self._assigned}

    @property
    def partitions(self) -> set[int]:
        """The partition numbers this instance owns (the same on both topics)."""
        return {p.partition for p in self._assigned}

    # -- the loop -------------------------------------------------------------------------
    def run(self) -> None:
        """Consume until ``stop`` is set (or, with ``until_caught_up``, until the end)."""
        self._consumer.subscribe(self._topics, on_assign=self._on_assign, on_revoke=self._on_revoke)
        try:
            while not self._stop.is_set():
                if self._retry_at is not None:
                    # One reading of the clock: a negative timeout would make consume wait forever.
                    remaining = self._retry_at - time.monotonic()
                    if remaining > 0:
                        self._wait(min(0.5, remaining))
                        continue
                    self._resume()
                messages = self._consumer.consume(num_messages=self._batch_max, timeout=self._batch_seconds)
                self._handle(messages)
                self._housekeeping()
                if self._until_caught_up and self._caught_up():
                    break
        finally:
            self._send_commits(self._owned, only_if_idle=True)
            self._close()

    def _close(self) -> None:
        """Wait for the commits in flight and leave the group, unless the brokers are gone.

        librdkafka's close retries an absent group coordinator forever; past
        ``CLOSE_SECONDS`` the consumer is left to the group's session timeout, and what was not
        committed is read again by the next owner (the writes are idempotent).
        """
        closer = threading.Thread(target=self._consumer.close, name="kafka-close", daemon=True)
        closer.start()
        closer.join(CLOSE_SECONDS)
        if closer.is_alive():
            log.warning(
                "Kafka consumer not closed: no group coordinator answers; the group drops this member "
                "after its session timeout",
                extra={"waited_seconds": CLOSE_SECONDS},
            )

    def _caught_up(self) -> bool:
        return (
            bool(self._assigned)
            and self._retry_at is None
            and self._at_end >= self._owned
        )

    def _handle(self, messages: list[Message]) -> None:
        batch = BatchOffsets()
        records: list[Message] = []
        for message in messages:
            error = message.error()
            if error is not None:
                if error.code() == KafkaError._PARTITION_EOF:
                    self._at_end.add((message.topic(), message.partition()))
                    continue
                if error.fatal():
                    raise KafkaException(error)
                log.warning("kafka error", extra={"error": error.str()})
                continue
            self._at_end.discard((message.topic(), message.partition()))
            batch.add(message.topic(), message.partition(), message.offset())
            records.append(message)
        if not records:
            self._sync_only()
            return
        try:
            events = self._decode_all(records)
            self._sync.apply_and_write(events, self.partitions, self._keep_alive)
            if self._dead_letters is not None:
                self._dead_letters.flush()
            self._commit(batch)
        except TRANSIENT as exc:
            self._fail(batch, exc, events_oldest_ms=min((m.timestamp()[1] for m in records), default=0))
            return
        finally:
            self._release_held()
        self._count(events)

    def _keep_alive(self) -> None:
        """Between two write chunks: serve the group, and stop if a partition was taken away.

        Raises:
            AssignmentChanged: a rebalance revoked partitions this batch writes for; what is
                not written yet stays dirty for the new owner.
        """
        now = time.monotonic()
        if now - self._last_keep_alive < 1.0:
            return
        self._last_keep_alive = now
        owned = set(self._assigned)
        self._wait(0)
        if not owned <= self._assigned:
            raise AssignmentChanged("partitions were revoked while the batch was being written")

    def _release_held(self) -> None:
        """Resume the partitions that polling between write chunks paused."""
        held = [tp for tp in self._held if tp in self._assigned]
        self._held.clear()
        if held and self._retry_at is None:
            self._consumer.resume(held)

    def _wait(self, timeout: float) -> None:
        """Poll while paused, so the group membership stays alive until the retry.

        The paused partitions give nothing, but partitions assigned by a rebalance meanwhile
        come unpaused: a message read from one is rewound and its partition paused, never
        dropped (the batches after it would commit past it).
        """
        for message in self._consumer.consume(num_messages=1, timeout=timeout):
            if message.error() is None:
                tp = TopicPartition(message.topic(), message.partition(), message.offset())
                self._consumer.pause([tp])
                self._consumer.seek(tp)
                self._held.add(TopicPartition(message.topic(), message.partition()))

    def _sync_only(self) -> None:
        """Between messages, retry invoices whose earlier failure is due for another attempt.

        An outage found this way pauses and backs off like a failed batch (nothing to rewind):
        otherwise every empty poll would call the unreachable Odoo again.
        """
        try:
            self._sync.apply_and_write([], self.partitions)
        except TRANSIENT as exc:
            self._fail(BatchOffsets(), exc, events_oldest_ms=0)

    def _decode_all(self, records: list[Message]) -> list[ChangeEvent]:
        events = []
        for message in records:
            origin = Origin(message.topic(), message.partition(), message.offset())
            try:
                event = self._decode(origin.topic, origin.partition, origin.offset, message.key(), message.value())
                if event is None:
                    continue
                validate(event)
            except InvalidMessage as exc:
                self._dead_letter(message, origin, str(exc))
                continue
            events.append(event)
        return events

    def _dead_letter(self, message: Message, origin: Origin, error: str) -> None:
        metrics.DEAD_LETTERS.labels(origin.topic).inc()
        log.warning(
            "dead letter",
            extra={"topic": origin.topic, "partition": origin.partition, "offset": origin.offset, "error": error},
        )
        if self._dead_letters is not None:
            self._dead_letters.send(origin, message.key(), message.value(), error)

    def _commit(self, batch: BatchOffsets) -> None:
        self._backoff.reset()
        if self._commits is not None:
            self._commits.add(batch.next_offsets())
            self._send_commits(self._owned)

    def _send_commits(self, partitions: set[tuple[str, int]], *, only_if_idle: bool = False) -> None:
        """Commit what is pending for ``partitions``, without waiting for the result.

        A commit refused at once stays pending, for the next batch or the next housekeeping
        round; ``only_if_idle``: see ``PendingCommits.to_send``.
        """
        if self._commits is None:
            return
        offsets = self._commits.to_send(partitions, only_if_idle=only_if_idle)
        if not offsets:
            return
        try:
            self._consumer.commit(offsets=offsets, asynchronous=True)
        except KafkaException as exc:
            self._commits.on_commit(exc.args[0], offsets)

    def _fail(self, batch: BatchOffsets, exc: Exception, events_oldest_ms: int) -> None:
        delay = self._backoff.next_delay()
        if isinstance(exc, OdooUnavailable):
            delay = max(delay, exc.settle_seconds)
        log.warning(
            "batch failed, rewinding and pausing",
            extra={"error": f"{type(exc).__name__}: {exc}", "retry_in_seconds": delay},
        )
        paused = list(self._assigned)
        self._consumer.pause(paused)
        owned = self._owned
        for (topic, partition), offset in batch.first_offsets().items():
            if (topic, partition) in owned:
                self._consumer.seek(TopicPartition(topic, partition, offset))
        self._retry_at = time.monotonic() + delay
        if events_oldest_ms:
            metrics.LAG_SECONDS.set(max(0.0, time.time() - events_oldest_ms / 1000))

    def _resume(self) -> None:
        self._retry_at = None
        self._consumer.resume(list(self._assigned))

    def _count(self, events: list[ChangeEvent]) -> None:
        for (table, op), count in Counter((event.table, event.op) for event in events).items():
            metrics.EVENTS.labels(table, op).inc(count)
        newest = max((event.ts_ms for event in events), default=0)
        self._newest_applied_ms = max(self._newest_applied_ms, newest)
        self._progress.events += len(events)

    # -- lag and progress -----------------------------------------------------------------
    def _housekeeping(self) -> None:
        now = time.monotonic()
        if now - self._last_lag_check < 5.0 or not self._assigned:
            return
        self._last_lag_check = now
        self._send_commits(self._owned, only_if_idle=True)
        remaining = self._update_lag()
        elapsed = now - self._progress.started
        rate = self._progress.events / elapsed if elapsed > 0 else 0.0
        if remaining and now - self._progress.last_log >= 10.0:
            self._progress.last_log = now
            log.info(
                "progress",
                extra={
                    "events_applied": self._progress.events,
                    "events_per_second": round(rate, 1),
                    "messages_remaining": remaining,
                    "eta_seconds": round(remaining / rate) if rate else None,
                },
            )
        self._sync.report_pending(datetime.now(UTC))

    def _update_lag(self) -> int:
        """Lag per partition from the high watermarks and committed offsets; returns the total.

        The watermarks are those the last fetch of each partition reported (``cached``): asking
        the broker queues behind the fetch long-poll, up to half a second per partition, and
        the loop would stand still for seconds at every lag check. A partition not fetched yet
        is left out.
        """
        total = 0
        try:
            committed = self._consumer.committed(list(self._assigned), timeout=5)
            for tp in committed:
                low, high = self._consumer.get_watermark_offsets(tp, cached=True)
                if high < 0:
                    continue
                position = tp.offset if tp.offset >= 0 else max(low, 0)
                lag = max(0, high - position)
                metrics.LAG_MESSAGES.labels(tp.topic, str(tp.partition)).set(lag)
                total += lag
        except KafkaException as exc:
            log.warning("lag not measured", extra={"error": str(exc)})
            return 0
        metrics.BACKFILL_REMAINING.set(total)
        if self._retry_at is None:
            behind = total and self._newest_applied_ms
            metrics.LAG_SECONDS.set(max(0.0, time.time() - self._newest_applied_ms / 1000) if behind else 0.0)
        return total

"""An in-memory stand-in for the Kafka consumer, so the real runner can be timed without a broker.

:class:`FeedConsumer` answers the calls :class:`~cdc_consumer.runner.Runner` makes of a
``confluent_kafka.Consumer``: it assigns every partition of the topics on ``subscribe``, hands
out synthetic messages batch by batch on ``consume``, then one end-of-partition event per
partition, after which the runner (``until_caught_up``) ends. The time spent making messages is
kept apart (``feed_seconds``, ``feed_cpu_seconds``) so that it can be taken out of a throughput.

Between two write chunks the runner polls, and pauses and rewinds the partition of the one
message that poll returns: the feed keeps it, and what arrives for a paused partition, until the
partition is resumed. Any other rewind is an error: it follows a failed batch, and nothing in a
benchmark without outages should fail.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator

from confluent_kafka import KafkaError, TopicPartition

from ..kafka_io import OnCommit
from .messages import SyntheticMessage

Assign = Callable[[object, list[TopicPartition]], None]


class FeedMessage:
    """A message, or an end-of-partition event, with the accessors of ``confluent_kafka.Message``."""

    __slots__ = ("_error", "_key", "_offset", "_partition", "_timestamp", "_topic", "_value")

    def __init__(
        self,
        topic: str,
        partition: int,
        offset: int,
        key: bytes | None = None,
        value: bytes | None = None,
        timestamp_ms: int = 0,
        error: KafkaError | None = None,
    ) -> None:
        self._topic, self._partition, self._offset = topic, partition, offset
        self._key, self._value, self._timestamp, self._error = key, value, timestamp_ms, error

    def error(self) -> KafkaError | None:
        return self._error

    def topic(self) -> str:
        return self._topic

    def partition(self) -> int:
        return self._partition

    def offset(self) -> int:
        return self._offset

    def key(self) -> bytes | None:
        return self._key

    def value(self) -> bytes | None:
        return self._value

    def timestamp(self) -> tuple[int, int]:
        return (1, self._timestamp)  # TIMESTAMP_CREATE_TIME


class FeedConsumer:
    """Feeds ``messages`` to the runner as if they were read from ``partitions`` partitions per topic.

    Attributes:
        feed_seconds, feed_cpu_seconds: wall-clock and CPU time spent producing the messages handed
            out (not the consumer's work).
        consumed: messages handed out.
        committed_offsets: the last offset committed per (topic, partition).

    ``on_commit`` is told of each commit, as librdkafka tells the consumer's commit callback.
    """

    def __init__(
        self, messages: Iterable[SyntheticMessage], partitions: int, on_commit: OnCommit | None = None
    ) -> None:
        self._messages: Iterator[SyntheticMessage] = iter(messages)
        self._partitions = partitions
        self._topics: list[str] = []
        self._ends: dict[tuple[str, int], int] = {}
        self._eof_sent = False
        self.feed_seconds = self.feed_cpu_seconds = 0.0
        self.consumed = 0
        self.committed_offsets: dict[tuple[str, int], int] = {}
        self._on_commit = on_commit
        self._paused: set[tuple[str, int]] = set()
        self._held: dict[tuple[str, int], deque[FeedMessage]] = {}
        self._last: dict[tuple[str, int], FeedMessage] = {}

    def subscribe(self, topics: list[str], on_assign: Assign, on_revoke: Assign) -> None:
        """Assign every partition of ``topics`` at once, as a lone group member gets them."""
        self._topics = list(topics)
        on_assign(self, [TopicPartition(t, p) for t in self._topics for p in range(self._partitions)])

    def consume(self, num_messages: int = 1, timeout: float = -1) -> list[FeedMessage]:
        """The next ``num_messages`` messages; once they run out, one end event per partition."""
        started, cpu_started = time.perf_counter(), time.process_time()
        batch = self._take_held(num_messages)
        while len(batch) < num_messages:
            message = next(self._messages, None)
            if message is None:
                break
            wrapped = self._wrap(message)
            where = (wrapped.topic(), wrapped.partition())
            if where in self._paused:
                self._held.setdefault(where, deque()).append(wrapped)
            else:
                batch.append(wrapped)
        self.feed_seconds += time.perf_counter() - started
        self.feed_cpu_seconds += time.process_time() - cpu_started
        for message in batch:
            self._last[(message.topic(), message.partition())] = message
        self.consumed += len(batch)
        if batch or self._eof_sent or any(self._held.values()):
            return batch
        self._eof_sent = True
        eof = KafkaError(KafkaError._PARTITION_EOF)
        ends = [(t, p) for t in self._topics for p in range(self._partitions)]
        return [FeedMessage(t, p, self._ends.get((t, p), 0), error=eof) for t, p in ends]

    def _take_held(self, limit: int) -> list[FeedMessage]:
        """Messages kept for partitions that are no longer paused, oldest first."""
        out: list[FeedMessage] = []
        for where, held in self._held.items():
            while held and where not in self._paused and len(out) < limit:
                out.append(held.popleft())
        return out

    def _wrap(self, message: SyntheticMessage) -> FeedMessage:
        where = (message.topic, message.partition)
        offset = self._ends.get(where, 0)
        self._ends[where] = offset + 1
        return FeedMessage(message.topic, message.partition, offset, message.key, message.value, message.timestamp_ms)

    def commit(self, offsets: list[TopicPartition], asynchronous: bool = True) -> None:
        """Remember the committed offsets."""
        for tp in offsets:
            self.committed_offsets[(tp.topic, tp.partition)] = tp.offset
        if self._on_commit is not None:
            self._on_commit(None, offsets)

    def committed(self, partitions: list[TopicPartition], timeout: float = -1) -> list[TopicPartition]:
        """The committed offsets of ``partitions`` (-1001, Kafka's "none", where none)."""
        return [TopicPartition(p.topic, p.partition, self.committed_offsets.get((p.topic, p.partition), -1001))
                for p in partitions]  # fmt: skip

    def get_watermark_offsets(
        self, partition: TopicPartition, timeout: float = -1, cached: bool = False
    ) -> tuple[int, int]:
        """Low and high watermark of what was handed out so far."""
        return 0, self._ends.get((partition.topic, partition.partition), 0)

    def pause(self, partitions: list[TopicPartition]) -> None:
        """Hand out nothing of ``partitions`` until they are resumed."""
        self._paused |= {(tp.topic, tp.partition) for tp in partitions}

    def resume(self, partitions: list[TopicPartition]) -> None:
        """Hand out ``partitions`` again, what was kept for them first."""
        self._paused -= {(tp.topic, tp.partition) for tp in partitions}

    def seek(self, partition: TopicPartition) -> None:
        """Take back the last message handed out of ``partition``; refuse any other rewind.

        Raises:
            RuntimeError: a rewind further back, which only a failed batch makes.
        """
        where = (partition.topic, partition.partition)
        last = self._last.pop(where, None)
        if last is None or last.offset() != partition.offset:
            where_text = f"{partition.topic}[{partition.partition}]"
            raise RuntimeError(f"a benchmark batch failed and the runner rewound {where_text}")
        self._held.setdefault(where, deque()).appendleft(last)
        self.consumed -= 1

    def close(self) -> None:
        """Nothing to release."""

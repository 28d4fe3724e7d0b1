"""An in-memory stand-in for the Kafka consumer, so the real runner can be timed without a broker.

:class:`FeedConsumer` answers the calls :class:`~cdc_consumer.runner.Runner` makes of a
``confluent_kafka.Consumer``: it assigns every partition of the topics on ``subscribe``, hands
out synthetic messages batch by batch on ``consume``, then one end-of-partition event per
partition, after which the runner (``until_caught_up``) ends. The time spent making messages is
kept apart (``feed_seconds``, ``feed_cpu_seconds``) so that it can be taken out of a throughput. A batch the runner
would have to rewind (``seek``) is an error: nothing in a benchmark without outages should fail.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from itertools import islice

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

    def subscribe(self, topics: list[str], on_assign: Assign, on_revoke: Assign) -> None:
        """Assign every partition of ``topics`` at once, as a lone group member gets them."""
        self._topics = list(topics)
        on_assign(self, [TopicPartition(t, p) for t in self._topics for p in range(self._partitions)])

    def consume(self, num_messages: int = 1, timeout: float = -1) -> list[FeedMessage]:
        """The next ``num_messages`` messages; once they run out, one end event per partition."""
        started, cpu_started = time.perf_counter(), time.process_time()
        batch = [self._wrap(m) for m in islice(self._messages, num_messages)]
        self.feed_seconds += time.perf_counter() - started
        self.feed_cpu_seconds += time.process_time() - cpu_started
        self.consumed += len(batch)
        if batch or self._eof_sent:
            return batch
        self._eof_sent = True
        eof = KafkaError(KafkaError._PARTITION_EOF)
        ends = [(t, p) for t in self._topics for p in range(self._partitions)]
        return [FeedMessage(t, p, self._ends.get((t, p), 0), error=eof) for t, p in ends]

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
        """Pausing happens only before a rewind, which :meth:`seek` refuses."""

    def resume(self, partitions: list[TopicPartition]) -> None:
        """See :meth:`pause`."""

    def seek(self, partition: TopicPartition) -> None:
        """Refuse: the runner rewinds only after a failed batch, and a benchmark must not fail."""
        raise RuntimeError(f"a benchmark batch failed and the runner rewound {partition.topic}[{partition.partition}]")

    def close(self) -> None:
        """Nothing to release."""

"""The consumer group as Kafka sees it: state, members, committed offsets, watermarks; commits.

The reads use an ``AdminClient`` (group description, topic metadata) and a ``Consumer`` that
carries the group id but never subscribes, so it never joins the group: it reads the committed
offsets, the watermarks and the offsets for a time, and commits reset offsets for the group the
way ``kafka-consumer-groups.sh --reset-offsets --execute`` does. The broker accepts such a
commit only while the group has no members.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from types import TracebackType

from confluent_kafka import OFFSET_INVALID, Consumer, KafkaException, TopicPartition
from confluent_kafka.admin import AdminClient

from ..config import Settings
from ..errors import ConfigError, KafkaUnavailable
from ..kafka_io import client_config, consumer_config

TIMEOUT = 15.0

TopicPartitionKey = tuple[str, int]


@dataclass(frozen=True, slots=True)
class Member:
    """One member of the group and the partitions assigned to it."""

    member_id: str
    client_id: str
    host: str
    assignment: tuple[TopicPartitionKey, ...]

    def describe(self) -> str:
        """``client_id`` on ``host`` (``member_id``): how an operator finds the process."""
        return f"{self.client_id} on {self.host} ({self.member_id})"


@dataclass(frozen=True, slots=True)
class GroupState:
    """The group's state (``STABLE``, ``EMPTY``, ``DEAD``, ...) and its members."""

    group_id: str
    state: str
    members: tuple[Member, ...]

    @property
    def active(self) -> bool:
        """Whether some consumer is in the group (its offsets must not be reset then)."""
        return bool(self.members)


@dataclass(frozen=True, slots=True)
class PartitionOffsets:
    """Where the group stands on one partition.

    Attributes:
        committed: the group's committed offset (the next message it will read), ``None`` when
            it has committed none.
        low, high: the earliest offset still in the log and the high watermark (end).
    """

    topic: str
    partition: int
    committed: int | None
    low: int
    high: int

    @property
    def key(self) -> TopicPartitionKey:
        """``(topic, partition)``."""
        return (self.topic, self.partition)


def _fail(what: str, exc: KafkaException) -> KafkaUnavailable:
    error = exc.args[0] if exc.args else exc
    text = error.str() if hasattr(error, "str") else str(error)
    return KafkaUnavailable(f"Kafka could not {what}: {text}")


class ConsumerGroup:
    """Reads and resets one consumer group's offsets; a context manager (closes its clients).

    Args:
        settings: brokers, security and the group id.
        group_id: another group than ``settings.kafka_group_id`` (optional).
    """

    def __init__(self, settings: Settings, group_id: str | None = None) -> None:
        self.group_id = group_id or settings.kafka_group_id
        self._admin = AdminClient(client_config(settings))
        config = consumer_config(settings, group_id=self.group_id)
        config["client.id"] = "cdc-consumer-ops"
        self._consumer = Consumer(config)

    def describe(self) -> GroupState:
        """The group's state and members with their assignments."""
        future = self._admin.describe_consumer_groups([self.group_id], request_timeout=TIMEOUT)[self.group_id]
        try:
            group = future.result()
        except KafkaException as exc:
            raise _fail(f"describe group {self.group_id!r}", exc) from None
        members = tuple(
            Member(
                m.member_id,
                m.client_id,
                m.host,
                tuple(
                    sorted((tp.topic, tp.partition) for tp in (m.assignment.topic_partitions if m.assignment else []))
                ),
            )
            for m in group.members
        )
        return GroupState(self.group_id, group.state.name, tuple(sorted(members, key=lambda m: m.member_id)))

    def partitions(self, topics: Iterable[str]) -> dict[str, list[int]]:
        """The partition numbers of each topic.

        Raises:
            ConfigError: a topic does not exist.
        """
        try:
            metadata = self._admin.list_topics(timeout=TIMEOUT)
        except KafkaException as exc:
            raise _fail("list the topics", exc) from None
        found: dict[str, list[int]] = {}
        for topic in topics:
            meta = metadata.topics.get(topic)
            if meta is None or meta.error is not None:
                raise ConfigError(f"topic {topic!r} does not exist")
            found[topic] = sorted(meta.partitions)
        return found

    def offsets(self, keys: Sequence[TopicPartitionKey]) -> list[PartitionOffsets]:
        """Committed offset and watermarks of each partition, in the order given."""
        try:
            committed = self._consumer.committed([TopicPartition(t, p) for t, p in keys], timeout=TIMEOUT)
            result = []
            for tp in committed:
                if tp.error is not None:
                    raise KafkaException(tp.error)
                low, high = self._consumer.get_watermark_offsets(tp, timeout=TIMEOUT, cached=False)
                offset = tp.offset if tp.offset != OFFSET_INVALID and tp.offset >= 0 else None
                result.append(PartitionOffsets(tp.topic, tp.partition, offset, low, high))
        except KafkaException as exc:
            raise _fail("read the group's offsets", exc) from None
        return result

    def offsets_for_time(self, keys: Sequence[TopicPartitionKey], epoch_ms: int) -> dict[TopicPartitionKey, int | None]:
        """The first offset whose timestamp is at or after ``epoch_ms``; ``None`` when there is none."""
        try:
            found = self._consumer.offsets_for_times([TopicPartition(t, p, epoch_ms) for t, p in keys], timeout=TIMEOUT)
        except KafkaException as exc:
            raise _fail("look offsets up by time", exc) from None
        return {(tp.topic, tp.partition): tp.offset if tp.offset >= 0 else None for tp in found}

    def commit(self, offsets: dict[TopicPartitionKey, int]) -> None:
        """Commit ``offsets`` for the group (synchronously).

        Raises:
            KafkaUnavailable: the broker refused (e.g. a member joined meanwhile) or did not answer.
        """
        try:
            done = self._consumer.commit(
                offsets=[TopicPartition(t, p, o) for (t, p), o in sorted(offsets.items())], asynchronous=False
            )
        except KafkaException as exc:
            raise _fail(f"commit the offsets of group {self.group_id!r}", exc) from None
        failed = [tp for tp in done or [] if tp.error is not None]
        if failed:
            raise KafkaUnavailable(
                "Kafka refused some offsets: " + ", ".join(f"{tp.topic}[{tp.partition}] {tp.error}" for tp in failed)
            )

    def close(self) -> None:
        """Close the consumer (it never joined, so nothing is revoked or committed)."""
        self._consumer.close()

    def __enter__(self) -> ConsumerGroup:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

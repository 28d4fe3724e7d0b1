"""Reading change events back from Kafka, for tests, fixtures capture and diagnostics.

:func:`read_records` reads topics from their beginning with a fresh consumer (its own group
id, partitions assigned rather than subscribed, nothing committed) until a condition over what
it has read holds, or a deadline passes.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaException, TopicPartition


@dataclass(frozen=True)
class Record:
    """One Kafka message, with its key and value parsed as JSON (None for a null or non-JSON).

    Attributes:
        topic: the topic.
        partition: the partition number.
        offset: the offset in that partition.
        key: the parsed key (Debezium JSON: ``{"schema", "payload"}`` or the bare payload).
        value: the parsed value; None for a tombstone.
        raw_key: the key's bytes.
        raw_value: the value's bytes.
        timestamp_ms: the message timestamp.
        headers: the message headers.
    """

    topic: str
    partition: int
    offset: int
    key: Any
    value: Any
    raw_key: bytes | None
    raw_value: bytes | None
    timestamp_ms: int
    headers: tuple[tuple[str, bytes | None], ...] = ()

    @property
    def payload(self) -> Any:
        """The value's payload: the envelope with schemas enabled, else the value itself."""
        return _payload(self.value)

    @property
    def key_payload(self) -> Any:
        """The key's payload (the row's primary key fields)."""
        return _payload(self.key)

    @property
    def op(self) -> str | None:
        """Debezium's ``op`` (c, u, d, r, t), or None for a tombstone or a non-envelope."""
        payload = self.payload
        return payload.get("op") if isinstance(payload, dict) else None

    @property
    def row(self) -> dict[str, Any] | None:
        """The row image the event is about: ``after``, or ``before`` for a delete."""
        payload = self.payload
        if not isinstance(payload, dict):
            return None
        return payload.get("before") if payload.get("op") == "d" else payload.get("after")


def _payload(document: Any) -> Any:
    if isinstance(document, dict) and set(document) == {"schema", "payload"}:
        return document["payload"]
    return document


def _parse(data: bytes | None) -> Any:
    if data is None:
        return None
    try:
        return json.loads(data)
    except ValueError:
        return None


def read_records(
    bootstrap: str,
    topics: Sequence[str],
    until: Callable[[list[Record]], bool],
    timeout: float = 60.0,
) -> list[Record]:
    """Read ``topics`` from the beginning until ``until(records)`` holds; return the records.

    Records are in the order read: per partition in offset order, partitions interleaved.
    The condition is checked after every poll, also when nothing new came.

    Raises:
        TimeoutError: ``timeout`` seconds passed first (the message tells how much was read).
    """
    deadline = time.monotonic() + timeout
    consumer = Consumer({
        "bootstrap.servers": bootstrap,
        "group.id": f"localstack-reader-{uuid.uuid4().hex}",
        "enable.auto.commit": False,
        "auto.offset.reset": "earliest",
        "enable.partition.eof": False,
    })  # fmt: skip
    records: list[Record] = []
    try:
        consumer.assign(_partitions(consumer, topics, deadline))
        while not until(records):
            if time.monotonic() >= deadline:
                raise TimeoutError(f"condition not met after {timeout:.0f}s; read {_summary(records)}")
            for message in consumer.consume(num_messages=1000, timeout=0.5):
                error = message.error()
                if error is not None:
                    raise KafkaException(error)
                records.append(
                    Record(
                        topic=message.topic(),
                        partition=message.partition(),
                        offset=message.offset(),
                        key=_parse(message.key()),
                        value=_parse(message.value()),
                        raw_key=message.key(),
                        raw_value=message.value(),
                        timestamp_ms=message.timestamp()[1],
                        headers=tuple(message.headers() or ()),
                    )
                )
    finally:
        consumer.close()
    return records


def _partitions(consumer: Consumer, topics: Sequence[str], deadline: float) -> list[TopicPartition]:
    """Every partition of ``topics`` at its beginning, once all of them exist."""
    while True:
        metadata = consumer.list_topics(timeout=5).topics
        missing = [t for t in topics if t not in metadata or metadata[t].error is not None]
        if not missing:
            return [
                TopicPartition(topic, partition, OFFSET_BEGINNING)
                for topic in topics
                for partition in sorted(metadata[topic].partitions)
            ]
        if time.monotonic() >= deadline:
            raise TimeoutError(f"topics do not exist: {', '.join(missing)}")
        time.sleep(0.2)


def _summary(records: list[Record]) -> str:
    counts: dict[str, int] = {}
    for record in records:
        counts[record.topic] = counts.get(record.topic, 0) + 1
    return f"{len(records)} records {counts}" if records else "nothing"

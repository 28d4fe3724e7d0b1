"""The Kafka edge: client configuration, start-up checks of the topics, and dead letters.

The consumer's configuration is fixed where the delivery guarantees depend on it (DESIGN §6):
no auto-commit, no automatic offset store, and the ``range`` assignor, which gives partition *n*
of both topics to the same instance — the co-partitioning of an invoice and its items only pays
off if one instance owns both.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from confluent_kafka import KafkaError, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient

from .config import Settings
from .errors import StartupCheckError
from .events import Origin

OnCommit = Callable[[KafkaError | None, list[TopicPartition]], None]

CLIENT_LOG = logging.getLogger("cdc_consumer.kafka")
"""Where librdkafka's own log lines go (served by poll and flush), so they are structured too."""


def client_config(settings: Settings) -> dict[str, Any]:
    """What every Kafka client needs: brokers and security (TLS/SASL pass through)."""
    conf: dict[str, Any] = {
        "bootstrap.servers": settings.kafka_bootstrap_servers,
        "security.protocol": settings.kafka_security_protocol,
    }
    if settings.kafka_sasl_mechanism:
        conf["sasl.mechanism"] = settings.kafka_sasl_mechanism
        conf["sasl.username"] = settings.kafka_sasl_username
        conf["sasl.password"] = settings.kafka_sasl_password.reveal()
    if settings.kafka_ssl_ca_location:
        conf["ssl.ca.location"] = settings.kafka_ssl_ca_location
    return conf


def consumer_config(
    settings: Settings, *, group_id: str | None = None, on_commit: OnCommit | None = None
) -> dict[str, Any]:
    """The consumer's configuration, with the settings the guarantees rest on forced.

    ``on_commit`` receives the result of every offset commit (see ``offsets.PendingCommits``).
    """
    callbacks = {"on_commit": on_commit} if on_commit is not None else {}
    return {
        **callbacks,
        **client_config(settings),
        "logger": CLIENT_LOG,
        "group.id": group_id or settings.kafka_group_id,
        "enable.auto.commit": False,
        "enable.auto.offset.store": False,
        "auto.offset.reset": "earliest",
        "partition.assignment.strategy": "range",
        "enable.partition.eof": True,
        "session.timeout.ms": 10_000,
        "heartbeat.interval.ms": 2_000,
        "max.poll.interval.ms": 300_000,
        # librdkafka pre-fetches up to 64 MiB per consumer by default; a batch needs far less.
        "queued.max.messages.kbytes": 16_384,
    }


def producer_config(settings: Settings) -> dict[str, Any]:
    """The dead-letter producer: idempotent, acknowledged by all replicas."""
    return {**client_config(settings), "logger": CLIENT_LOG, "enable.idempotence": True, "acks": "all", "linger.ms": 5}


class _LastComplaint(logging.Handler):
    """Keeps the last line librdkafka logged: why the last connection attempt failed."""

    def __init__(self) -> None:
        super().__init__()
        self.text = ""

    def emit(self, record: logging.LogRecord) -> None:
        self.text = record.getMessage().rpartition("]: ")[2]


def check_topics(settings: Settings, timeout: float = 15.0) -> int:
    """Verify that both topics exist and are co-partitioned; return their partition count.

    Raises:
        StartupCheckError: Kafka unreachable, a topic missing, or different partition counts.
    """
    # librdkafka would print every failed connection attempt to stderr (hundreds of lines while
    # the check waits); its last complaint (refused, TLS or SASL handshake failed) goes into the
    # one-line error instead. The logger is not registered, so nothing propagates.
    complaint = _LastComplaint()
    logger = logging.Logger("cdc_consumer.kafka.startup")
    logger.addHandler(complaint)
    admin = AdminClient({**client_config(settings), "logger": logger})
    try:
        metadata = admin.list_topics(timeout=timeout)
    except KafkaException as exc:
        admin.poll(0)
        why = f" ({complaint.text})" if complaint.text else ""
        raise StartupCheckError(
            f"Kafka at {settings.kafka_bootstrap_servers} is unreachable: {exc.args[0].str()}{why}"
        ) from None
    counts = {}
    for topic in (settings.topic_invoices, settings.topic_items):
        meta = metadata.topics.get(topic)
        if meta is None or meta.error is not None:
            raise StartupCheckError(
                f"topic {topic!r} does not exist on {settings.kafka_bootstrap_servers}: "
                "is the Debezium connector registered, and the topic name right?"
            )
        counts[topic] = len(meta.partitions)
    if len(set(counts.values())) != 1:
        detail = ", ".join(f"{t} has {n}" for t, n in counts.items())
        raise StartupCheckError(
            f"the topics are not co-partitioned ({detail}): an invoice and its items must share a partition number"
        )
    return next(iter(counts.values()))


class DeadLetters:
    """Sends undecodable or invalid messages to the dead-letter topic, with why and whence."""

    def __init__(self, settings: Settings, producer: Producer | None = None) -> None:
        self._topic = settings.topic_dlq
        self._producer = producer or Producer(producer_config(settings))
        self._failures: list[str] = []

    def send(self, origin: Origin, key: bytes | None, value: bytes | None, error: str) -> None:
        """Queue one dead letter; :meth:`flush` makes it durable."""
        headers = {
            "cdc.error": error.encode(),
            "cdc.origin.topic": origin.topic.encode(),
            "cdc.origin.partition": str(origin.partition).encode(),
            "cdc.origin.offset": str(origin.offset).encode(),
        }
        self._producer.produce(self._topic, value=value, key=key, headers=headers, on_delivery=self._delivered)

    def _delivered(self, err: object, _msg: object) -> None:
        if err is not None:
            self._failures.append(str(err))

    def flush(self, timeout: float = 30.0) -> None:
        """Wait until every dead letter is acknowledged.

        Raises:
            KafkaException: a dead letter could not be written (the batch must not be committed).
        """
        remaining = self._producer.flush(timeout)
        failures, self._failures = self._failures, []
        if remaining or failures:
            raise KafkaException(f"dead letters not acknowledged: {remaining} queued, errors {json.dumps(failures)}")

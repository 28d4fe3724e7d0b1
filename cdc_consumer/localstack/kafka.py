"""The stack's Kafka: one KRaft node (broker and controller), and its topics.

The node's storage is formatted once (``kafka-storage format``) in ``<stack dir>/kafka/data``;
its configuration is ``debezium/kafka-server.properties`` filled in at each start.
"""

from __future__ import annotations

import base64
import subprocess
import uuid
from collections.abc import Iterable
from pathlib import Path

from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import AdminClient, NewTopic

from ..errors import StackError
from . import jvm
from .jars import Jars
from .layout import HOST, Ports, debezium_file, port_open, render
from .processes import ProcessSpec

BROKER_HEAP = "384m"
ADMIN_TIMEOUT = 10.0



def new_cluster_id() -> str:
    """A random KRaft cluster id, as ``kafka-storage random-uuid`` makes one.

    Like Kafka's ``Uuid.randomUuid``, never one that starts with ``-``: the storage tool would
    take it for an option (one id in 64 would fail the format).
    """
    while True:
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not cluster_id.startswith("-"):
            return cluster_id

class KafkaNode:
    """The single Kafka node in ``<root>/kafka``."""

    name = "kafka"

    def __init__(self, root: Path, ports: Ports) -> None:
        self.home = root / "kafka"
        self.data_dir = self.home / "data"
        self.config = self.home / "server.properties"
        self.ports = ports

    @property
    def bootstrap(self) -> str:
        """The bootstrap address of the broker."""
        return f"{HOST}:{self.ports.kafka}"

    def prepare(self, jars: Jars) -> None:
        """Write the configuration and format the storage the first time."""
        self.home.mkdir(parents=True, exist_ok=True)
        values = {
            "host": HOST,
            "broker_port": self.ports.kafka,
            "controller_port": self.ports.controller,
            "data_dir": self.data_dir,
        }
        self.config.write_text(render(debezium_file("kafka-server.properties"), values), encoding="utf-8")
        if (self.data_dir / "meta.properties").is_file():
            return
        cluster_id = new_cluster_id()
        argv = jvm.command(
            BROKER_HEAP, Jars.classpath(jars.broker), "kafka.tools.StorageTool",
            "format", "--cluster-id", cluster_id, "--config", str(self.config),
        )  # fmt: skip
        result = subprocess.run(argv, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise StackError(f"kafka storage format failed (exit {result.returncode}):\n{result.stdout}{result.stderr}")

    def process(self, jars: Jars) -> ProcessSpec:
        """How to run the node."""
        argv = jvm.command(BROKER_HEAP, Jars.classpath(jars.broker), "kafka.Kafka", str(self.config))
        return ProcessSpec(self.name, argv, marker=str(self.config))

    def ready(self) -> bool:
        """Whether the broker answers a metadata request."""
        return broker_ready(self.bootstrap)


def broker_ready(bootstrap: str) -> bool:
    """Whether a broker at ``bootstrap`` answers a metadata request."""
    host, _, port = bootstrap.rpartition(":")
    if not port_open(int(port), host):
        return False
    admin = AdminClient({"bootstrap.servers": bootstrap, "log_level": 0})
    try:
        admin.list_topics(timeout=2)
    except KafkaException:
        return False
    return True


def ensure_topics(bootstrap: str, names: Iterable[str], partitions: int) -> None:
    """Create the topics that do not exist, each with ``partitions`` partitions.

    Raises:
        StackError: a topic exists with another partition count (co-partitioning would break).
    """
    admin = AdminClient({"bootstrap.servers": bootstrap})
    names = list(names)
    futures = admin.create_topics(
        [NewTopic(name, num_partitions=partitions, replication_factor=1) for name in names],
        operation_timeout=ADMIN_TIMEOUT,
    )
    for name, future in futures.items():
        try:
            future.result(timeout=ADMIN_TIMEOUT)
        except KafkaException as exc:
            if exc.args[0].code() != KafkaError.TOPIC_ALREADY_EXISTS:
                raise StackError(f"cannot create topic {name}: {exc}") from exc
    metadata = admin.list_topics(timeout=ADMIN_TIMEOUT).topics
    for name in names:
        count = len(metadata[name].partitions) if name in metadata else 0
        if count != partitions:
            raise StackError(f"topic {name} has {count} partitions, the stack needs {partitions}")


def delete_topics(bootstrap: str, names: Iterable[str]) -> None:
    """Delete topics; those that do not exist are ignored."""
    admin = AdminClient({"bootstrap.servers": bootstrap})
    names = list(names)
    if not names:
        return
    for name, future in admin.delete_topics(names, operation_timeout=ADMIN_TIMEOUT).items():
        try:
            future.result(timeout=ADMIN_TIMEOUT)
        except KafkaException as exc:
            if exc.args[0].code() != KafkaError.UNKNOWN_TOPIC_OR_PART:
                raise StackError(f"cannot delete topic {name}: {exc}") from exc

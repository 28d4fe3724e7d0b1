"""The local stack as one object: install, start (idempotent), stop, status.

A start reuses whatever already runs — a component this directory started earlier (its PID
file), or one that answers on its port (another checkout's stack) — and starts the rest, in
dependency order: PostgreSQL and Kafka together, then the topics, then Kafka Connect and the
connector. Every wait is a readiness check with a deadline; a component that dies or does not
become ready raises :class:`~cdc_consumer.errors.StackError` naming it, with its log's tail.
A stop ends only processes started from this directory.
"""

from __future__ import annotations

import contextlib
import fcntl
import signal
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import StackError
from . import jars as jar_cache
from . import jvm
from .connect import ConnectClient, ConnectWorker, connector_config, register_connector
from .kafka import KafkaNode, ensure_topics
from .layout import (
    CONNECTOR_NAME,
    HOST,
    OWNER,
    PARTITIONS,
    REPLICATION,
    SUPERUSER,
    Ports,
    default_cache,
    default_workdir,
    dsn,
    topic_names,
)
from .postgres import PostgresCluster, find_bindir
from .processes import POLL_INTERVAL, ProcessSpec, Supervisor, is_alive, log_tail

COMPONENTS = ("postgres", "kafka", "connect")
STOP_SIGNALS = {"postgres": signal.SIGINT}  # PostgreSQL's "fast" shutdown; the JVMs take SIGTERM


@dataclass(frozen=True)
class StackInfo:
    """How to reach a running stack.

    Attributes:
        source_dsn: the NexaCloud database as its owner (reads and writes the tables).
        superuser_dsn: the same database as superuser (slots, publications, clean-up).
        replication_dsn: the same database as Debezium's replication role.
        kafka_bootstrap: the broker's bootstrap address.
        connect_url: Kafka Connect's REST address.
        connector_name: the Debezium connector of the stack.
        topic_invoices: the topic of ``invoices`` change events.
        topic_items: the topic of ``invoice_items`` change events.
        partitions: the partition count of both topics.
        workdir: the stack directory (PID files, logs, data).
        started: the components that the call returning this started (empty when all were
            already running).
    """

    source_dsn: str
    superuser_dsn: str
    replication_dsn: str
    kafka_bootstrap: str
    connect_url: str
    connector_name: str
    topic_invoices: str
    topic_items: str
    partitions: int
    workdir: Path
    started: frozenset[str] = field(default_factory=frozenset)

    @property
    def topics(self) -> tuple[str, str]:
        """Both topics, invoices first."""
        return (self.topic_invoices, self.topic_items)


@dataclass(frozen=True)
class ComponentStatus:
    """What ``status`` knows of one component."""

    name: str
    running: bool
    address: str
    pid: int | None = None
    detail: str = ""


class LocalStack:
    """PostgreSQL → Debezium (Kafka Connect) → Kafka on loopback, in one working directory.

    Args:
        workdir: the stack directory; default ``$CDC_STACK_DIR`` or ``<repo>/.stack``.
        cache: the jar cache; default ``$CDC_STACK_CACHE`` or ``~/.cache/cdc-consumer``.
        ports: the loopback ports; default the documented ones, shifted by
            ``$CDC_STACK_PORT_OFFSET``.
    """

    def __init__(self, workdir: Path | None = None, cache: Path | None = None, ports: Ports | None = None) -> None:
        self.workdir = (workdir or default_workdir()).resolve()
        self.cache = (cache or default_cache()).resolve()
        self.ports = ports or Ports.from_env()
        self.supervisor = Supervisor(self.workdir / "run", self.workdir / "logs")
        self.postgres = PostgresCluster(self.workdir, self.ports.postgres)
        self.kafka = KafkaNode(self.workdir, self.ports)
        self.connect = ConnectWorker(self.workdir, self.ports)
        self._spawned: dict[str, int] = {}

    def install(self) -> jar_cache.Jars:
        """Check PostgreSQL and Java, and fetch the jars unless cached."""
        find_bindir()
        jvm.java()
        return jar_cache.install(self.cache)

    def info(self, started: Iterable[str] = ()) -> StackInfo:
        """The addresses of this stack (whether or not it runs)."""
        invoices, items = topic_names()
        return StackInfo(
            source_dsn=dsn(OWNER, self.ports.postgres),
            superuser_dsn=dsn(SUPERUSER, self.ports.postgres),
            replication_dsn=dsn(REPLICATION, self.ports.postgres),
            kafka_bootstrap=self.kafka.bootstrap,
            connect_url=self.connect.url,
            connector_name=CONNECTOR_NAME,
            topic_invoices=invoices,
            topic_items=items,
            partitions=PARTITIONS,
            workdir=self.workdir,
            started=frozenset(started),
        )

    def start(self, timeout: float = 240.0) -> StackInfo:
        """Start what does not run yet, register the connector, and wait until it runs.

        Args:
            timeout: seconds for everything after the jar install.

        Raises:
            StackError: a component failed to start or to become ready (named, with its log);
                the components this call had started are stopped again.
        """
        jars = self.install()
        deadline = time.monotonic() + timeout
        started: list[str] = []
        with self._exclusive():
            try:
                self._start(jars, deadline, started)
            except BaseException:
                self._stop(started)
                raise
        return self.info(started)

    def _start(self, jars: jar_cache.Jars, deadline: float, started: list[str]) -> None:
        """The start sequence; appends each component it starts to ``started``."""
        if self._needs_start("postgres", self.postgres.ready):
            self.postgres.initialise()
            started.append(self._spawn(self.postgres.process()))
        if self._needs_start("kafka", self.kafka.ready):
            self.kafka.prepare(jars)
            started.append(self._spawn(self.kafka.process(jars)))
        self._await("postgres", self.postgres.ready, deadline)
        self.postgres.bootstrap()
        self._await("kafka", self.kafka.ready, deadline)
        info = self.info()
        ensure_topics(info.kafka_bootstrap, info.topics, PARTITIONS)
        if self._needs_start("connect", self.connect.ready):
            self.connect.prepare(jars)
            started.append(self._spawn(self.connect.process(jars)))
        self._await("connect", self.connect.ready, deadline)
        try:
            register_connector(info.connect_url, connector_config(), max(deadline - time.monotonic(), 30.0))
        except StackError as exc:
            raise StackError(f"{exc}\n--- connect log:\n{log_tail(self.supervisor.log_path('connect'))}") from None

    def stop(self, components: Iterable[str] | None = None) -> list[str]:
        """Stop the processes this directory started (Connect, Kafka, then PostgreSQL).

        Args:
            components: only these (default: all).

        Returns:
            The names of the components that were stopped.
        """
        with self._exclusive():
            return self._stop(COMPONENTS if components is None else components)

    def _stop(self, components: Iterable[str]) -> list[str]:
        wanted = set(components)
        stopped = []
        for name in reversed(COMPONENTS):
            if name in wanted and self.supervisor.stop(name, STOP_SIGNALS.get(name, signal.SIGTERM)):
                stopped.append(name)
        return stopped

    def status(self) -> list[ComponentStatus]:
        """What runs: each component, its PID when this directory started it, and the connector."""
        connector = ""
        if self.connect.ready():
            state = ConnectClient(self.connect.url).status(CONNECTOR_NAME)
            if state is None:
                connector = f"connector {CONNECTOR_NAME} not registered"
            else:
                tasks = ",".join(t.get("state", "?") for t in state.get("tasks", [])) or "no tasks"
                connector = f"connector {CONNECTOR_NAME} {state['connector']['state']} (tasks {tasks})"
        checks: dict[str, tuple[Callable[[], bool], str, str]] = {
            "postgres": (self.postgres.ready, f"{HOST}:{self.ports.postgres}", ""),
            "kafka": (self.kafka.ready, self.kafka.bootstrap, ""),
            "connect": (self.connect.ready, self.connect.url, connector),
        }
        return [
            ComponentStatus(name, ready(), address, self.supervisor.pid(name), detail)
            for name, (ready, address, detail) in checks.items()
        ]

    def running(self) -> bool:
        """Whether every component answers and the connector and its tasks are RUNNING."""
        if not (self.postgres.ready() and self.kafka.ready() and self.connect.ready()):
            return False
        state = ConnectClient(self.connect.url).status(CONNECTOR_NAME) or {}
        states = [state.get("connector", {}).get("state")] + [t.get("state") for t in state.get("tasks", [])]
        return len(states) > 1 and all(s == "RUNNING" for s in states)

    @contextlib.contextmanager
    def _exclusive(self) -> Iterator[None]:
        """Serialise starts and stops of this directory (two test sessions starting at once)."""
        lock_path = self.workdir / "run" / "stack.lock"
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        with lock_path.open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _needs_start(self, name: str, ready: Callable[[], bool]) -> bool:
        return self.supervisor.pid(name) is None and not ready()

    def _spawn(self, spec: ProcessSpec) -> str:
        self._spawned[spec.name] = self.supervisor.spawn(spec)
        return spec.name

    def _await(self, name: str, ready: Callable[[], bool], deadline: float) -> None:
        """Wait until ``ready``; fail early when the process this object started for it died."""
        pid = self._spawned.get(name)
        while not ready():
            if pid is not None and not is_alive(pid):
                problem = "exited while starting"
            elif time.monotonic() >= deadline:
                problem = "did not become ready in time"
            else:
                time.sleep(POLL_INTERVAL)
                continue
            raise StackError(f"{name} {problem}; the end of its log:\n{log_tail(self.supervisor.log_path(name))}")

"""A source of the benchmark's own on the local stack: a database and a Debezium connector capturing it.

The live figures must neither read the invoices other work left in the stack's topics nor leave
thousands of invoices there for every later consumer group to read. So each run creates a
database (the source schema and Debezium's setup, as on the stack's own database) and a
:class:`~cdc_consumer.localstack.ScratchConnector` for it, with its own slot, publication and
topics; :meth:`BenchSource.close` removes all of them and drops the database.
"""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import UTC, datetime
from urllib.parse import urlsplit, urlunsplit

import orjson
import psycopg
from confluent_kafka import Consumer, KafkaException, TopicPartition
from psycopg import sql

from ..localstack import ScratchConnector, StackInfo
from ..localstack.layout import debezium_file
from ..sample import source as sample_source

TABLES = ("invoices", "invoice_items")


def with_database(dsn: str, database: str) -> str:
    """``dsn`` pointing at ``database`` instead."""
    return urlunsplit(urlsplit(dsn)._replace(path=f"/{database}"))


class BenchSource:
    """Database ``name`` on the stack's PostgreSQL, captured to topics ``<name>.public.<table>``.

    Args:
        info: the running stack.
        name: the database, topic prefix, slot and publication (lower case, digits, underscores).
    """

    def __init__(self, info: StackInfo, name: str) -> None:
        self.info = info
        self.name = name
        self.dsn = with_database(info.source_dsn, name)
        self._superuser_dsn = with_database(info.superuser_dsn, name)
        self._connector = ScratchConnector(
            replace(info, superuser_dsn=self._superuser_dsn), name, overrides={"database.dbname": name}
        )
        self._created = self._capturing = False
        self._probe: Consumer | None = None

    @property
    def topics(self) -> tuple[str, str]:
        """The invoices topic and the items topic."""
        return (self._connector.topic("invoices"), self._connector.topic("invoice_items"))

    def create(self) -> BenchSource:
        """Create the database with the source schema and what Debezium needs in it."""
        owner = urlsplit(self.info.source_dsn).username or "postgres"
        with psycopg.connect(self.info.superuser_dsn, autocommit=True) as admin:
            create = sql.SQL("CREATE DATABASE {} OWNER {}").format(sql.Identifier(self.name), sql.Identifier(owner))
            admin.execute(create)
        self._created = True
        with sample_source.connect(self.dsn) as conn:
            sample_source.apply_schema(conn)
        with psycopg.connect(self._superuser_dsn, autocommit=True) as conn:
            conn.execute(debezium_file("source-setup.sql").read_bytes())
        return self

    def row_counts(self) -> dict[str, int]:
        """How many rows each captured table holds."""
        with psycopg.connect(self.dsn) as conn:
            return {t: conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(t))).fetchone()[0]
                    for t in TABLES}  # type: ignore[index]  # fmt: skip

    def capture(self, timeout: float = 120.0) -> None:
        """Register the connector (its snapshot publishes the rows already there) and await RUNNING."""
        self._capturing = True
        self._connector.start(timeout)

    @property
    def probe(self) -> Consumer:
        """One Kafka consumer (no group membership, no commits) for every look at the topics."""
        if self._probe is None:
            self._probe = Consumer({"bootstrap.servers": self.info.kafka_bootstrap, "group.id": f"{self.name}-probe",
                                    "enable.auto.commit": False})  # fmt: skip
        return self._probe

    def end_offsets(self, topics: tuple[str, ...]) -> dict[tuple[str, int], int]:
        """The high watermark of every partition of ``topics``."""
        return {
            (topic, p): self.probe.get_watermark_offsets(TopicPartition(topic, p), timeout=10, cached=False)[1]
            for topic in topics
            for p in range(self.info.partitions)
        }

    def published(self) -> dict[str, int]:
        """How many messages each topic holds."""
        ends = self.end_offsets(self.topics)
        topics = dict(zip(TABLES, self.topics, strict=True))
        return {table: sum(n for (t, _), n in ends.items() if t == topic) for table, topic in topics.items()}

    def invoice_offsets(self) -> dict[tuple[str, int], int]:
        """The end of each partition of the invoices topic now: where the next invoices will land."""
        return self.end_offsets(self.topics[:1])

    def published_at(self, since: dict[tuple[str, int], int], ids: set[str], timeout: float) -> dict[str, datetime]:
        """When Kafka Connect produced the message of each invoice in ``ids`` (its record timestamp).

        Reads the invoices topic from ``since`` (see :meth:`invoice_offsets`) until every id is
        seen or the deadline passes; the first message of an invoice counts.
        """
        found: dict[str, datetime] = {}
        deadline = time.monotonic() + timeout
        self.probe.assign([TopicPartition(t, p, offset) for (t, p), offset in since.items()])
        try:
            while not ids <= found.keys() and time.monotonic() < deadline:
                for message in self.probe.consume(num_messages=500, timeout=0.5):
                    if message.error() is not None or message.key() is None:
                        continue
                    invoice_id = orjson.loads(message.key())["payload"]["id"]
                    if invoice_id in ids and invoice_id not in found:
                        found[invoice_id] = datetime.fromtimestamp(message.timestamp()[1] / 1000, UTC)
        finally:
            self.probe.unassign()
        return found

    def wait_published(self, timeout: float) -> float:
        """Wait until each topic holds a message per row of its table; the seconds it took.

        Raises:
            TimeoutError: not all rows were published by the deadline.
        """
        started = time.monotonic()
        wanted = self.row_counts()
        while True:
            try:
                held = self.published()
            except KafkaException:  # the snapshot has not created the topics yet
                held = dict.fromkeys(TABLES, 0)
            if all(held[t] >= n for t, n in wanted.items()):
                return time.monotonic() - started
            if time.monotonic() - started > timeout:
                raise TimeoutError(f"Debezium published {held} of {wanted} rows within {timeout:g} s")
            time.sleep(0.5)

    def close(self) -> None:
        """Remove the connector with its slot, publication and topics; drop the database."""
        if self._probe is not None:
            self._probe.close()
            self._probe = None
        try:
            if self._capturing:
                self._connector.close()
        finally:
            if self._created:
                with psycopg.connect(self.info.superuser_dsn, autocommit=True) as admin:
                    admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(self.name)))

"""A second, short-lived Debezium connector beside the stack's own.

Tests and the fixtures capture use it to see a snapshot from scratch, or other encodings
(decimal modes, schemas off, tombstones, transaction metadata), without touching the shared
connector: it has its own topic prefix, replication slot and publication, and closing it
removes the connector with its offsets, the slot, the publication and its topics.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping, Sequence
from types import TracebackType

import psycopg
from confluent_kafka.admin import AdminClient
from psycopg import sql

from ..errors import StackError
from .connect import ConnectClient, connector_config, register_connector
from .kafka import delete_topics
from .processes import POLL_INTERVAL
from .stack import StackInfo

_NAME = re.compile(r"[a-z][a-z0-9_]{0,40}")


class ScratchConnector:
    """A connector ``<prefix>`` writing to ``<prefix>.public.<table>``; a context manager.

    Args:
        info: the running stack.
        prefix: topic prefix, slot and publication name (lower case, digits, underscores).
        overrides: connector settings replacing those of ``debezium/connector.json``
            (None removes one).
        extra_tables: tables (``schema.table``) captured on top of the stack's publication.
    """

    def __init__(
        self,
        info: StackInfo,
        prefix: str,
        overrides: Mapping[str, str | None] | None = None,
        extra_tables: Sequence[str] = (),
    ) -> None:
        if not _NAME.fullmatch(prefix):
            raise StackError(f"scratch connector prefix {prefix!r} must match {_NAME.pattern}")
        self.info = info
        self.prefix = prefix
        self.name = f"{prefix}-connector"
        self.extra_tables = tuple(extra_tables)
        captured = connector_config()["table.include.list"]
        self.config = connector_config({
            "name": self.name,
            "topic.prefix": prefix,
            "slot.name": prefix,
            "publication.name": prefix,
            "table.include.list": ",".join((captured, *extra_tables)),
            **(overrides or {}),
        })  # fmt: skip

    def topic(self, table: str) -> str:
        """The topic of a table's change events."""
        return f"{self.prefix}.public.{table}"

    def start(self, timeout: float = 120.0) -> ScratchConnector:
        """Create the publication (the stack's tables plus ``extra_tables``), register, await RUNNING."""
        with psycopg.connect(self.info.superuser_dsn, autocommit=True) as conn:
            tables = [
                f"{schema}.{table}"
                for schema, table in conn.execute(
                    "SELECT schemaname, tablename FROM pg_publication_tables WHERE pubname = %s",
                    (connector_config()["publication.name"],),
                )
            ]
            tables += [t for t in self.extra_tables if t not in tables]
            if conn.execute("SELECT 1 FROM pg_publication WHERE pubname = %s", (self.prefix,)).fetchone() is None:
                conn.execute(
                    sql.SQL("CREATE PUBLICATION {} FOR TABLE {}").format(
                        sql.Identifier(self.prefix),
                        sql.SQL(", ").join(sql.Identifier(*t.split(".", 1)) for t in tables),
                    )
                )
        register_connector(self.info.connect_url, self.config, timeout)
        return self

    def close(self, timeout: float = 60.0) -> None:
        """Remove the connector and its offsets, then its slot, publication and topics."""
        ConnectClient(self.info.connect_url).remove(self.name, timeout)
        deadline = time.monotonic() + timeout
        with psycopg.connect(self.info.superuser_dsn, autocommit=True) as conn:
            while True:
                row = conn.execute(
                    "SELECT active, active_pid FROM pg_replication_slots WHERE slot_name = %s", (self.prefix,)
                ).fetchone()
                if row is None:
                    break
                if not row[0]:
                    conn.execute("SELECT pg_drop_replication_slot(%s)", (self.prefix,))
                    break
                if time.monotonic() >= deadline:
                    conn.execute("SELECT pg_terminate_backend(%s)", (row[1],))
                time.sleep(POLL_INTERVAL)
            conn.execute(sql.SQL("DROP PUBLICATION IF EXISTS {}").format(sql.Identifier(self.prefix)))
        admin = AdminClient({"bootstrap.servers": self.info.kafka_bootstrap})
        names = admin.list_topics(timeout=10).topics
        mine = [t for t in names if t.startswith(f"{self.prefix}.") or t == f"__debezium-heartbeat.{self.prefix}"]
        delete_topics(self.info.kafka_bootstrap, mine)

    def __enter__(self) -> ScratchConnector:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

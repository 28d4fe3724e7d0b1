"""The heartbeat keeps a replication slot moving while the captured tables are idle.

This holds because the heartbeat table is in the connector's publication (see
debezium/README.md). A scratch connector with the stack's publication and a one-second
heartbeat shows it without waiting for the shared connector's ten-second interval.
"""

from __future__ import annotations

import time
import uuid

import psycopg
import pytest

from cdc_consumer.localstack import ScratchConnector

pytestmark = pytest.mark.stack


def test_the_slot_confirms_wal_written_elsewhere(stack):
    prefix = f"beat_{uuid.uuid4().hex[:8]}"
    with ScratchConnector(stack, prefix, {"heartbeat.interval.ms": "1000"}):
        # WAL that no publication carries: a table of another database.
        with psycopg.connect(stack.superuser_dsn.rsplit("/", 1)[0] + "/postgres", autocommit=True) as other:
            other.execute("CREATE TABLE IF NOT EXISTS wal_filler (n integer)")
            lsn = other.execute("INSERT INTO wal_filler VALUES (1) RETURNING pg_current_wal_lsn()").fetchone()[0]

        with psycopg.connect(stack.superuser_dsn, autocommit=True) as conn:
            deadline = time.monotonic() + 30
            while not conn.execute(
                "SELECT confirmed_flush_lsn >= %s::pg_lsn FROM pg_replication_slots WHERE slot_name = %s",
                (lsn, prefix),
            ).fetchone()[0]:
                assert time.monotonic() < deadline, f"slot {prefix} still behind {lsn}"
                time.sleep(0.2)

"""The heartbeat keeps the replication slot moving while the captured tables are idle."""

from __future__ import annotations

import time

import psycopg
import pytest

pytestmark = pytest.mark.stack


def test_the_slot_confirms_wal_written_elsewhere(stack):
    with psycopg.connect(stack.superuser_dsn.rsplit("/", 1)[0] + "/postgres", autocommit=True) as other:
        other.execute("CREATE TABLE IF NOT EXISTS wal_filler (n integer)")
        other.execute("INSERT INTO wal_filler SELECT generate_series(1, 1000)")
        lsn = other.execute("SELECT pg_current_wal_lsn()").fetchone()[0]

    with psycopg.connect(stack.superuser_dsn, autocommit=True) as conn:
        deadline = time.monotonic() + 45  # heartbeat.interval.ms is 10 s
        while True:
            confirmed = conn.execute(
                "SELECT confirmed_flush_lsn >= %s::pg_lsn FROM pg_replication_slots WHERE slot_name = %s",
                (lsn, "nexacloud_invoices"),
            ).fetchone()
            if confirmed and confirmed[0]:
                break
            assert time.monotonic() < deadline, f"slot still behind {lsn}"
            time.sleep(0.5)

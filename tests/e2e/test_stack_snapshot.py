"""The initial snapshot: rows that exist before a connector starts arrive as reads (``op='r'``).

A second connector with its own topic prefix, slot and publication sees the rows from scratch,
independently of the stack's shared connector; it is removed with all of that afterwards.
"""

from __future__ import annotations

import uuid

import psycopg
import pytest
from confluent_kafka.admin import AdminClient

from cdc_consumer.localstack import ScratchConnector
from tests.support.stack_fixtures import has_rows, insert_invoice, of_rows, read_until

pytestmark = pytest.mark.stack

SNAPSHOT_MARKS = {"first", "true", "last", "first_in_data_collection", "last_in_data_collection"}


def test_rows_present_before_the_connector_starts_arrive_as_snapshot_reads(stack, source):
    rows = insert_invoice(source, items=2)
    prefix = f"snap_{uuid.uuid4().hex[:8]}"
    scratch = ScratchConnector(stack, prefix)
    topics = [scratch.topic("invoices"), scratch.topic("invoice_items")]

    with scratch:
        records = read_until(stack, has_rows(rows.all_ids), topics=topics)

    mine = of_rows(records, rows.all_ids)
    assert {r.op for r in mine} == {"r"}
    assert {r.payload["source"]["snapshot"] for r in mine} <= SNAPSHOT_MARKS
    assert {r.row["id"] for r in mine} == rows.all_ids
    assert len({r.partition for r in mine}) == 1, "an invoice and its items share a partition number"
    # Everything the scratch connector made is gone.
    with psycopg.connect(stack.superuser_dsn) as conn:
        assert conn.execute("SELECT 1 FROM pg_replication_slots WHERE slot_name = %s", (prefix,)).fetchone() is None
        assert conn.execute("SELECT 1 FROM pg_publication WHERE pubname = %s", (prefix,)).fetchone() is None
    remaining = AdminClient({"bootstrap.servers": stack.kafka_bootstrap}).list_topics(timeout=10).topics
    assert not [t for t in remaining if t.startswith(f"{prefix}.")]

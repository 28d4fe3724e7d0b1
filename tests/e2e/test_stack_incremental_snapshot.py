"""An incremental snapshot asked for through the signaling table re-emits rows as reads."""

from __future__ import annotations

import json
import uuid

import pytest
from confluent_kafka.admin import AdminClient

from tests.support.stack_fixtures import has_rows, insert_invoice, of_rows, read_until

pytestmark = pytest.mark.stack


def test_a_signal_replays_the_rows_without_touching_offsets(stack, source):
    rows = insert_invoice(source, items=2)
    read_until(stack, has_rows(rows.all_ids, ops={"c"}))
    signal = {
        "data-collections": ["public.invoices", "public.invoice_items"],
        "type": "incremental",
        # Only this invoice: the tables may hold other tests' rows.
        "additional-conditions": [
            {"data-collection": "public.invoices", "filter": f"id = '{rows.invoice_id}'"},
            {"data-collection": "public.invoice_items", "filter": f"invoice_id = '{rows.invoice_id}'"},
        ],
    }
    source.execute(
        "INSERT INTO debezium_signal (id, type, data) VALUES (%s, 'execute-snapshot', %s)",
        (str(uuid.uuid4()), json.dumps(signal)),
    )

    records = read_until(stack, has_rows(rows.all_ids, ops={"r"}))

    mine = of_rows(records, rows.all_ids)
    reads = [r for r in mine if r.op == "r"]
    creates = {r.row["id"]: r for r in mine if r.op == "c"}
    assert {r.row["id"] for r in reads} == rows.all_ids
    assert {r.payload["source"]["snapshot"] for r in reads} == {"incremental"}
    for read in reads:
        create = creates[read.row["id"]]
        assert (read.partition, read.topic) == (create.partition, create.topic)
        assert read.offset > create.offset
        assert read.row == create.row
    # The signaling table's own rows (the signal, Debezium's watermarks) get no topic.
    topics = AdminClient({"bootstrap.servers": stack.kafka_bootstrap}).list_topics(timeout=10).topics
    assert "nexacloud.public.debezium_signal" not in topics

"""Sample data through the real Debezium connector: what the consumer will be given.

An invoice written by the generator, or changed by a live change, reaches Kafka as events of one
source transaction, and its items land on the same partition number as the invoice.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

import psycopg
import pytest

from cdc_consumer.localstack import Record, StackInfo
from cdc_consumer.sample import changes
from cdc_consumer.sample.dataset import build_invoices
from cdc_consumer.sample.generate import generate
from tests.support.stack_fixtures import has_rows, of_rows, read_until

pytestmark = [pytest.mark.stack, pytest.mark.e2e]


def _tx(record: Record) -> object:
    return record.payload["source"]["txId"]


def test_generated_invoices_arrive_one_transaction_each_and_co_partitioned(
    stack: StackInfo, source: psycopg.Connection
) -> None:
    seed = f"test-{uuid.uuid4().hex[:12]}"
    generate(source, 6, seed)
    invoices = list(build_invoices(6, seed))
    ids = {inv.id for inv in invoices} | {item.id for inv in invoices for item in inv.items}

    by_row = {r.row["id"]: r for r in of_rows(read_until(stack, has_rows(ids, ops={"c"})), ids)}

    for inv in invoices:
        head = by_row[inv.id]
        assert head.op == "c"
        assert (head.row["status"], head.row["currency"]) == (inv.status, inv.currency)
        for item in inv.items:
            assert _tx(by_row[item.id]) == _tx(head), "an invoice and its items are one source transaction"
            assert by_row[item.id].partition == head.partition, "items are routed to their invoice's partition"
    assert len({_tx(by_row[inv.id]) for inv in invoices}) == len(invoices)


def test_an_item_edit_and_the_new_totals_arrive_as_one_transaction(
    stack: StackInfo, source: psycopg.Connection
) -> None:
    seed = f"test-{uuid.uuid4().hex[:12]}"
    generate(source, 3, seed)
    invoice = next(inv for inv in build_invoices(3, seed) if inv.tax != 0)
    item = invoice.items[0]

    changes.set_item_amount(source, item.id, item.amount + Decimal("1.00"))

    ids = {invoice.id, item.id}
    updates = {r.row["id"]: r for r in of_rows(read_until(stack, has_rows(ids, ops={"u"})), ids) if r.op == "u"}
    assert _tx(updates[item.id]) == _tx(updates[invoice.id])
    assert updates[invoice.id].partition == updates[item.id].partition

"""Streaming through the stack's own connector: what a NexaCloud transaction becomes in Kafka.

Per row, its events arrive in the order of the source changes; every event of an item lands on
the partition number of its invoice's events, deletes included, because the PartitionRouting
SMT hashes ``invoices.id`` and ``invoice_items.invoice_id``; each message keeps its row's own
primary key as key.
"""

from __future__ import annotations

import uuid

import pytest

from tests.support.stack_fixtures import has_rows, insert_invoice, of_rows, read_until

pytestmark = pytest.mark.stack


def java_string_partition(text: str, partitions: int) -> int:
    """The partition PartitionRouting (hash function ``java``) computes for one string field."""
    h = 0
    for ch in text:
        h = (31 * h + ord(ch)) & 0xFFFFFFFF
    normalized = h & 0x7FFFFFFF
    return (0 if normalized == 0x7FFFFFFF else normalized) % partitions


def test_insert_update_delete_arrive_in_row_order_on_the_invoice_partition(stack, source):
    rows = insert_invoice(source, items=3)
    first, second, third = rows.item_ids
    with source.transaction():
        source.execute(
            "UPDATE invoices SET status = 'paid', amount_paid = subtotal + tax, paid_at = now() WHERE id = %s",
            (rows.invoice_id,),
        )
        source.execute("UPDATE invoice_items SET description = 'Odoo ERP hosting (annual)' WHERE id = %s", (first,))
    source.execute("DELETE FROM invoice_items WHERE id = %s", (second,))
    # The invoice's delete cascades to its remaining items (first, third).
    source.execute("DELETE FROM invoices WHERE id = %s", (rows.invoice_id,))

    records = read_until(stack, has_rows(rows.all_ids, ops={"d"}))

    mine = sorted(of_rows(records, rows.all_ids), key=lambda r: r.offset)
    ops = {row_id: [r.op for r in mine if r.row["id"] == row_id] for row_id in rows.all_ids}
    assert ops == {
        rows.invoice_id: ["c", "u", "d"],
        first: ["c", "u", "d"],
        second: ["c", "d"],
        third: ["c", "d"],
    }
    invoice_partition = java_string_partition(rows.invoice_id, stack.partitions)
    assert {(r.topic, r.partition) for r in mine} == {
        (stack.topic_invoices, invoice_partition),
        (stack.topic_items, invoice_partition),
    }
    assert all(r.key_payload == {"id": r.row["id"]} for r in mine)
    deleted_item = next(r for r in mine if r.row["id"] == second and r.op == "d")
    assert deleted_item.payload["after"] is None
    assert deleted_item.payload["before"]["invoice_id"] == rows.invoice_id
    # Other tests inject messages into the shared topics: look at the keys of this test's rows.
    keyed_mine = [r for r in records if isinstance(r.key_payload, dict) and r.key_payload.get("id") in rows.all_ids]
    assert keyed_mine, "the rows' messages are found by key"
    assert all(r.value is not None for r in keyed_mine), "tombstones.on.delete is off: no null values"


def test_items_follow_their_invoice_to_every_partition(stack, source):
    # Pick invoice ids until every partition is hit, so the routing is seen on all of them.
    wanted: dict[int, list[str]] = {}
    while len(wanted) < stack.partitions:
        invoice_id = str(uuid.uuid4())
        wanted.setdefault(java_string_partition(invoice_id, stack.partitions), []).append(invoice_id)
    invoices = [ids[0] for ids in wanted.values()]
    items: dict[str, str] = {}
    with source.transaction():
        user_id = str(uuid.uuid4())
        source.execute(
            "INSERT INTO users (id, full_name, email) VALUES (%s, 'Spread', 'spread@example.com')", (user_id,)
        )
        for invoice_id in invoices:
            source.execute(
                "INSERT INTO invoices (id, invoice_number, user_id, created_at, currency, status, subtotal, tax)"
                " VALUES (%s, %s, %s, now(), 'CAD', 'draft', 10.00, 1.30)",
                (invoice_id, f"NC-{invoice_id[:8]}", user_id),
            )
            for _ in range(2):
                item_id = str(uuid.uuid4())
                items[item_id] = invoice_id
                source.execute(
                    "INSERT INTO invoice_items (id, invoice_id, description, quantity, unit_price, amount)"
                    " VALUES (%s, %s, 'Daily backup', 1, 5.00, 5.00)",
                    (item_id, invoice_id),
                )
    ids = set(invoices) | set(items)

    records = read_until(stack, lambda rs: {r.row["id"] for r in of_rows(rs, ids)} == ids)

    partition_of = {r.row["id"]: r.partition for r in of_rows(records, ids)}
    assert {partition_of[i] for i in invoices} == set(range(stack.partitions))
    assert all(partition_of[item] == partition_of[invoice] for item, invoice in items.items())

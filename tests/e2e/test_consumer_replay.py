"""One Odoo write per source transaction, and none at all for a replay of what was written.

DESIGN §4: a transaction inserting an invoice and its ten items is one ``create`` with ten
lines, not eleven writes. A replay of the topics from offset 0 (a new consumer group on the
same state store) finds the events of the invoices written before already applied and makes
no Odoo write for them. (The first run starts at the topics' ends, so the rest of the shared
history is new to the state store at the replay and is written then: the assertions are about
this test's invoices.)
"""

from __future__ import annotations

import uuid

import psycopg
import pytest

from cdc_consumer.sample.dataset import invoice_ids
from cdc_consumer.sample.generate import generate
from tests.support.consumer import (
    Consumers,
    committed_offsets,
    end_offsets,
    ledger_problems,
    moves_of,
    writes_about,
)
from tests.support.stack_fixtures import insert_invoice

pytestmark = [pytest.mark.stack, pytest.mark.e2e]


def test_an_invoice_and_its_ten_items_in_one_transaction_are_one_create(
    consumers: Consumers, source: psycopg.Connection
) -> None:
    odoo = consumers.odoo
    consumer = consumers.thread(consumers.settings(skip_history=True))
    rows = insert_invoice(source, items=10)

    moves = consumers.wait(lambda: moves_of(odoo, [rows.invoice_id])[rows.invoice_id], what="the invoice's move")
    consumer.stop()

    assert len(moves) == 1
    calls = writes_about(odoo, [rows.invoice_id], [moves[0]["id"]])
    assert [(c.model, c.method) for c in calls] == [("account.move", "create")], "no write after the create"
    (values,) = [v for v in calls[0].args[0] if v["x_fc_nexacloud_invoice_id"] == rows.invoice_id]
    assert len(values["invoice_line_ids"]) == 10
    assert len(moves[0]["invoice_line_ids"]) == 10


def test_a_replay_from_offset_zero_writes_nothing(consumers: Consumers, source: psycopg.Connection) -> None:
    seed = f"e2e-replay-{uuid.uuid4().hex[:8]}"
    generate(source, 30, seed)
    ids = invoice_ids(30, seed)
    odoo = consumers.odoo
    first = consumers.settings(posting_mode="auto", skip_history=True)
    consumer = consumers.thread(first)
    consumers.wait_for_ledger(source, ids)
    consumer.stop()
    move_ids = [m["id"] for found in moves_of(odoo, ids).values() for m in found]
    assert writes_about(odoo, ids, move_ids), "the first run wrote the invoices"
    odoo.calls.clear()

    replay = consumers.settings(posting_mode="auto", state_dsn=first.state_dsn)
    ends = end_offsets(consumers.stack, consumers.stack.topics)
    consumers.catch_up(replay)

    committed = committed_offsets(consumers.stack, replay.kafka_group_id, consumers.stack.topics)
    assert all(committed[tp] >= end for tp, end in ends.items()), "the replay read the whole history"
    assert writes_about(odoo, ids, move_ids) == []
    assert not ledger_problems(odoo, source, ids)

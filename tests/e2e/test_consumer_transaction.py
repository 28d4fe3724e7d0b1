"""One Odoo write per source transaction.

DESIGN §4: a transaction inserting an invoice and its ten items is one ``create`` with ten
lines, not eleven writes.
"""

from __future__ import annotations

import psycopg
import pytest

from tests.support.consumer import Consumers, moves_of, writes_about
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

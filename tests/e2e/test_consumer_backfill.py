"""Backfill: generated invoices, through Debezium and Kafka, end up in Odoo once each and exact;
a replay of the topics from offset 0 then writes nothing.

The consumer reads the whole history of the shared topics with its own group (every invoice
any test wrote); the assertions are about this test's invoices, compared with the source
database row by row (ledger rules) and in total (``summarize_source``). The replay (a new
consumer group on the same state store, DESIGN §4) finds every event already applied and makes
no Odoo write for them.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from decimal import Decimal

import psycopg
import pytest

from cdc_consumer.config import DEFAULT_FAMILY_ACCOUNTS
from cdc_consumer.emulator import OdooEmulator
from cdc_consumer.sample.dataset import invoice_ids
from cdc_consumer.sample.generate import generate
from cdc_consumer.sample.summary import Summary, summarize_source
from tests.support.consumer import (
    Consumers,
    committed_offsets,
    duplicated_sources,
    end_offsets,
    ledger_problems,
    money,
    moves_of,
    writes_about,
)

pytestmark = [pytest.mark.stack, pytest.mark.e2e]

BILLED = ("draft", "open", "paid", "uncollectible")
"""The statuses that give an Odoo invoice (a void one never was revenue)."""


def _odoo_totals(odoo: OdooEmulator, source: psycopg.Connection, ids: list[str]) -> dict[str, object]:
    """Odoo's side of the summary: per source status untaxed, tax and paid; per family the revenue."""
    status_of = dict(
        source.execute("SELECT id::text, status FROM invoices WHERE id = ANY(%s::uuid[])", (ids,)).fetchall()
    )
    by_status: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0)] * 3)
    line_ids: dict[int, int] = {}
    for invoice_id, found in moves_of(odoo, ids).items():
        for move in found:
            sign = -1 if move["move_type"] == "out_refund" else 1
            sums = by_status[status_of[invoice_id]]
            sums[0] += sign * money(move["amount_untaxed"])
            sums[1] += sign * money(move["amount_tax"])
            sums[2] += sign * (money(move["amount_total"]) - money(move["amount_residual"]))
            line_ids.update(dict.fromkeys(move["invoice_line_ids"], sign))
    code_of = {a["id"]: a["code"] for a in odoo.execute("account.account", "search_read", [], fields=["code"])}
    by_code: dict[str, Decimal] = defaultdict(Decimal)
    for line in odoo.execute("account.move.line", "read", list(line_ids), fields=["account_id", "price_subtotal"]):
        by_code[code_of[line["account_id"][0]]] += line_ids[line["id"]] * money(line["price_subtotal"])
    return {"by_status": {s: tuple(v) for s, v in by_status.items()}, "by_code": dict(by_code)}


def _source_totals(summary: Summary) -> dict[str, object]:
    by_status = {s: (t.subtotal, t.tax, t.amount_paid) for s in BILLED if (t := summary.by_status[s]).count}
    families = summary.families(*BILLED)
    by_code = {DEFAULT_FAMILY_ACCOUNTS[f][0]: amount for f, amount in families.items() if amount}
    return {"by_status": by_status, "by_code": by_code}


INVOICES = 1000
"""The size the product promises to backfill with nothing missing, duplicated or off by a cent."""


def test_a_backfill_writes_every_invoice_once_exactly_and_its_replay_writes_nothing(
    consumers: Consumers, source: psycopg.Connection
) -> None:
    seed = f"e2e-backfill-{uuid.uuid4().hex[:8]}"
    generate(source, INVOICES, seed)
    ids = invoice_ids(INVOICES, seed)
    odoo = consumers.odoo

    settings = consumers.settings(posting_mode="auto")
    consumer = consumers.thread(settings)
    consumers.wait_for_ledger(source, ids)
    consumer.stop()

    assert not ledger_problems(odoo, source, ids)
    assert not duplicated_sources(odoo), "every source invoice of the whole history is in Odoo at most once"
    summary = summarize_source(source, ids)
    assert summary.invoices == INVOICES
    held = _odoo_totals(odoo, source, ids)
    assert held == _source_totals(summary)
    assert sum(len(m) for m in moves_of(odoo, ids).values()) == summary.totals(*BILLED).count
    assert len(held["by_code"]) >= 3, "the generated lines cover several service families"

    # A replay from offset 0: a new group on the same state store finds every event applied.
    move_ids = [m["id"] for found in moves_of(odoo, ids).values() for m in found]
    odoo.calls.clear()
    replay = consumers.settings(posting_mode="auto", state_dsn=settings.state_dsn)
    ends = end_offsets(consumers.stack, consumers.stack.topics)
    consumers.catch_up(replay)

    committed = committed_offsets(consumers.stack, replay.kafka_group_id, consumers.stack.topics)
    assert all(committed[tp] >= end for tp, end in ends.items()), "the replay read the whole history"
    assert writes_about(odoo, ids, move_ids) == []
    assert not ledger_problems(odoo, source, ids)

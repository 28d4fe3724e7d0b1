"""Expected totals of generated invoices: what end-to-end tests compare Odoo with."""

from __future__ import annotations

import json
from decimal import Decimal

from cdc_consumer.sample.catalogue import FAMILIES
from cdc_consumer.sample.dataset import STATUSES, build_invoices
from cdc_consumer.sample.summary import Totals, summarize


def test_summary_adds_up_every_invoice_and_line() -> None:
    invoices = list(build_invoices(400, seed=11))
    summary = summarize(invoices)

    assert summary.invoices == 400
    assert summary.items == sum(len(inv.items) for inv in invoices)
    assert summary.users == len({inv.user.id for inv in invoices})
    assert set(summary.by_status) == set(STATUSES)
    everything = summary.totals()
    assert everything.subtotal == sum(inv.subtotal for inv in invoices)
    assert everything.tax == sum(inv.tax for inv in invoices)
    assert everything.amount_paid == sum(inv.amount_paid for inv in invoices)
    assert everything.total == everything.subtotal + everything.tax
    assert sum(summary.families().values()) == everything.subtotal
    assert sum((t for t in summary.by_currency.values()), Totals()) == everything


def test_totals_and_families_by_status() -> None:
    invoices = list(build_invoices(300, seed=12))
    summary = summarize(invoices)
    live = [inv for inv in invoices if inv.status in ("open", "paid")]

    assert summary.totals("open", "paid") == Totals(
        len(live),
        sum(inv.subtotal for inv in live),
        sum(inv.tax for inv in live),
        sum(inv.amount_paid for inv in live),
    )
    expected = dict.fromkeys(FAMILIES, Decimal("0"))
    for item in (item for inv in live for item in inv.items):
        expected[item.family] += item.amount
    assert summary.families("open", "paid") == expected


def test_as_dict_is_json_with_amounts_as_exact_strings() -> None:
    summary = summarize(build_invoices(10, seed=1))
    data = json.loads(json.dumps(summary.as_dict()))
    assert data["invoices"] == 10
    assert set(data["by_family"]) == set(FAMILIES)
    assert Decimal(data["totals"]["subtotal"]) == summary.totals().subtotal
    assert data["by_currency"]["CAD"]["count"] == 10  # "cad" and "CAD" are one currency

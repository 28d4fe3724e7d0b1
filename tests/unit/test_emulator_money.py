"""Tax computation and currency rounding of the emulator (Decimal, Odoo's half-up)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from cdc_consumer.emulator.money import Line, Tax, compute, round_money

D = Decimal
HST = Tax(id=7, amount=D(13))


def test_round_money_is_half_away_from_zero() -> None:
    assert round_money(D("0.045")) == D("0.05")
    assert round_money(D("-0.045")) == D("-0.05")
    assert round_money(D("0.0449")) == D("0.04")
    assert round_money(D("12.5"), D(1)) == D(13)


@pytest.mark.parametrize(("method", "tax"), [("round_globally", D("0.09")), ("round_per_line", D("0.10"))])
def test_two_lines_of_035_at_13_percent(method: str, tax: Decimal) -> None:
    totals = compute([Line(D(1), D("0.35"), [HST]), Line(D(1), D("0.35"), [HST])], method)
    assert (totals.untaxed, totals.tax, totals.total) == (D("0.70"), tax, D("0.70") + tax)


def test_a_hundred_at_13_percent() -> None:
    totals = compute([Line(D(1), D(100), [HST])])
    assert (totals.untaxed, totals.tax, totals.total, totals.by_tax) == (D(100), D(13), D(113), {7: D(13)})
    assert totals.lines[0].subtotal == D(100)
    assert totals.lines[0].total == D(113)


def test_discount_negative_lines_and_no_tax() -> None:
    totals = compute([Line(D(2), D(50), [HST], discount=D(10)), Line(D(1), D("-20.00"), [HST]), Line(D(1), D(5))])
    assert totals.untaxed == D(75)
    assert totals.tax == D("9.10")
    assert totals.total == D("84.10")


def test_group_and_price_included_taxes() -> None:
    gst, pst = Tax(id=1, amount=D(5)), Tax(id=3, amount=D(7))
    group = Tax(id=10, amount=D(0), amount_type="group", children=(gst, pst))
    totals = compute([Line(D(1), D(100), [group])])
    assert (totals.tax, totals.by_tax) == (D(12), {1: D(5), 3: D(7)})
    included = Tax(id=20, amount=D(13), price_include=True)
    totals = compute([Line(D(1), D(113), [included])])
    assert (totals.untaxed, totals.tax, totals.total) == (D(100), D(13), D(113))


def test_fixed_tax_is_per_quantity() -> None:
    totals = compute([Line(D(3), D(10), [Tax(id=30, amount=D("0.50"), amount_type="fixed")])])
    assert totals.tax == D("1.50")

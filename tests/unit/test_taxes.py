"""Odoo's tax computation (both rounding methods) and the choice of the tax matching the source."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest

from cdc_consumer.taxes import TaxInfo, choose_tax, compute_tax

D = Decimal  # short, for the tables


@dataclass(frozen=True)
class Line:
    quantity: D
    price_unit: D


def sale(tax_id: int, amount: str, name: str = "", **kw: object) -> TaxInfo:
    values: dict[str, object] = {
        "id": tax_id, "name": name or f"{amount}%", "amount": D(amount), "amount_type": "percent",
        "type_tax_use": "sale", "price_include": False, "active": True,
    }
    values.update(kw)
    return TaxInfo(**values)  # type: ignore[arg-type]


# The sale taxes of Odoo's ca_2023 chart, plus unusable decoys with lower ids than HST 13 %.
CA_TAXES = (
    sale(1, "5", "5% GST"),
    sale(2, "0", "0% GST"),
    sale(3, "13", "13% inactive", active=False),
    sale(4, "13", "13% included", price_include=True),
    sale(5, "13", "13% purchase", type_tax_use="purchase"),
    sale(6, "13", "GST+PST group", amount_type="group"),
    sale(7, "13", "13% HST"),
    sale(8, "14", "14% HST"),
    sale(9, "15", "15% HST"),
    sale(10, "9.975", "9.975% QST"),
    sale(11, "6", "6% PST SK"),
    sale(12, "0", "0% Int"),
    sale(13, "0", "0% Exempt"),
)
HST13 = CA_TAXES[6]


def lines(*amounts: str) -> tuple[Line, ...]:
    return tuple(Line(D(1), D(a)) for a in amounts)


@pytest.mark.parametrize(
    ("items", "tax", "rounding", "expected"),
    [
        (lines("0.35", "0.35"), HST13, "round_globally", "0.09"),
        (lines("0.35", "0.35"), HST13, "round_per_line", "0.10"),
        (lines("100.00"), HST13, "round_globally", "13.00"),
        (lines("100.00"), HST13, "round_per_line", "13.00"),
        ((Line(D(3), D("33.33")),), HST13, "round_globally", "13.00"),
        (lines("0.50"), HST13, "round_per_line", "0.07"),
        (lines("-0.50"), HST13, "round_per_line", "-0.07"),
        (lines("30.00", "-12.34"), HST13, "round_globally", "2.30"),
        (lines("100.00"), None, "round_globally", "0.00"),
        ((), HST13, "round_globally", "0.00"),
        (lines("19.99", "4.99"), sale(99, "9.975"), "round_globally", "2.49"),
        (lines("19.99", "4.99"), sale(99, "9.975"), "round_per_line", "2.49"),
    ],
)
def test_compute_tax(items: tuple[Line, ...], tax: TaxInfo | None, rounding: str, expected: str) -> None:
    result = compute_tax(items, tax, rounding)  # type: ignore[arg-type]
    assert result == D(expected)
    assert result.as_tuple().exponent == -2


@pytest.mark.parametrize(
    ("items", "source_tax", "rounding", "tax_id", "computed", "matches"),
    [
        # 13 % HST in Ontario, despite unusable 13 % taxes with lower ids.
        (lines("100.00"), "13.00", "round_globally", 7, "13.00", True),
        (lines("1.00"), "0.05", "round_globally", 1, "0.05", True),
        (lines("100.00"), "14.00", "round_per_line", 8, "14.00", True),
        (lines("100.00"), "9.98", "round_globally", 10, "9.98", True),
        # The rounding method decides whether 13 % reproduces 0.09 on two lines of 0.35.
        (lines("0.35", "0.35"), "0.09", "round_globally", 7, "0.09", True),
        (lines("0.35", "0.35"), "0.09", "round_per_line", 7, "0.10", False),
        # Several taxes give 0.01 on 0.10: the nearest to the effective 10 % wins.
        (lines("0.10"), "0.01", "round_globally", 10, "0.01", True),
        # Zero tax: the 0 % sale tax with the lowest id.
        (lines("100.00"), "0.00", "round_globally", 2, "0.00", True),
        (lines("0.03"), "0", "round_globally", 2, "0.00", True),
        # No tax reproduces it: the nearest tax, flagged, amounts untouched.
        (lines("100.00"), "12.99", "round_globally", 7, "13.00", False),
        (lines("100.00"), "20.00", "round_globally", 9, "15.00", False),
        # A zero subtotal cannot carry a tax.
        (lines("10.00", "-10.00"), "1.30", "round_globally", 2, "0.00", False),
    ],
)
def test_choose_tax(
    items: tuple[Line, ...], source_tax: str, rounding: str, tax_id: int, computed: str, matches: bool
) -> None:
    untaxed = sum((line.price_unit * line.quantity for line in items), D(0))
    choice = choose_tax(items, untaxed, D(source_tax), CA_TAXES, rounding)  # type: ignore[arg-type]
    assert choice.tax is not None
    assert (choice.tax.id, choice.computed, choice.matches) == (tax_id, D(computed), matches)


def test_zero_tax_without_a_zero_percent_tax_is_no_tax() -> None:
    taxes = tuple(t for t in CA_TAXES if t.amount != 0)
    choice = choose_tax(lines("100.00"), D("100.00"), D("0.00"), taxes, "round_globally")
    assert (choice.tax, choice.computed, choice.matches) == (None, D("0.00"), True)


def test_no_usable_tax_is_a_mismatch_without_a_tax() -> None:
    taxes = (sale(1, "13", active=False), sale(2, "13", type_tax_use="purchase"))
    choice = choose_tax(lines("100.00"), D("100.00"), D("13.00"), taxes, "round_globally")
    assert (choice.tax, choice.computed, choice.matches) == (None, D("0.00"), False)


@pytest.mark.parametrize(
    ("changes", "usable"),
    [
        ({}, True),
        ({"active": False}, False),
        ({"type_tax_use": "purchase"}, False),
        ({"type_tax_use": "none"}, False),
        ({"amount_type": "group"}, False),
        ({"amount_type": "fixed"}, False),
        ({"price_include": True}, False),
    ],
)
def test_usable_taxes(changes: dict[str, object], usable: bool) -> None:
    assert sale(1, "13", **changes).usable is usable

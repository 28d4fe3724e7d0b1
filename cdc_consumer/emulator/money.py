"""Money arithmetic of the emulator: ``Decimal`` amounts, currency rounding and tax computation.

Taxes are computed as Odoo 19 computes sale taxes on an invoice: each line's subtotal is
rounded to the currency; the tax is rounded per line (``round_per_line``) or summed unrounded
per tax and rounded once (``round_globally``, the ``ca_2023`` default).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal(0)
HUNDRED = Decimal(100)


def round_money(value: Decimal, rounding: Decimal = CENT) -> Decimal:
    """``value`` rounded half away from zero to a multiple of ``rounding`` (Odoo's float_round)."""
    if rounding <= 0:
        return value
    units = (value / rounding).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return (units * rounding).quantize(rounding) if rounding < 1 else units * rounding


@dataclass(frozen=True)
class Tax:
    """A tax as the computation needs it (group taxes carry their children)."""

    id: int
    amount: Decimal
    amount_type: str = "percent"
    price_include: bool = False
    children: tuple[Tax, ...] = ()

    def leaves(self) -> Iterable[Tax]:
        """The tax itself, or the taxes of a group."""
        if self.amount_type == "group":
            for child in self.children:
                yield from child.leaves()
        else:
            yield self


@dataclass(frozen=True)
class Line:
    """One invoice line: quantity × unit price less a discount, with its taxes."""

    quantity: Decimal
    price_unit: Decimal
    taxes: Sequence[Tax] = ()
    discount: Decimal = ZERO


@dataclass
class LineResult:
    """The rounded subtotal and total of one line."""

    subtotal: Decimal
    total: Decimal


@dataclass
class Totals:
    """The amounts of an invoice."""

    untaxed: Decimal = ZERO
    tax: Decimal = ZERO
    total: Decimal = ZERO
    lines: list[LineResult] = field(default_factory=list)
    by_tax: dict[int, Decimal] = field(default_factory=dict)


def compute(lines: Sequence[Line], method: str = "round_globally", rounding: Decimal = CENT) -> Totals:
    """The untaxed amount, tax and total of ``lines``.

    Args:
        lines: the product lines.
        method: the company's ``tax_calculation_rounding_method``.
        rounding: the currency's rounding (0.01 for CAD and USD).
    """
    totals = Totals()
    raw_by_tax: dict[int, Decimal] = {}
    for line in lines:
        price = line.price_unit * (1 - line.discount / HUNDRED)
        gross = price * line.quantity
        leaves = [leaf for tax in line.taxes for leaf in tax.leaves()]
        included = sum((t.amount for t in leaves if t.price_include and t.amount_type == "percent"), ZERO)
        base = gross / (1 + included / HUNDRED) if included else gross
        subtotal = round_money(base, rounding)
        line_tax = ZERO
        for tax in leaves:
            if tax.amount_type == "fixed":
                raw = tax.amount * line.quantity
            elif tax.amount_type == "division":
                raw = base / (1 - tax.amount / HUNDRED) - base if tax.amount != HUNDRED else ZERO
            else:
                raw = base * tax.amount / HUNDRED
            if method == "round_per_line":
                raw = round_money(raw, rounding)
            raw_by_tax[tax.id] = raw_by_tax.get(tax.id, ZERO) + raw
            line_tax += raw
        totals.lines.append(LineResult(subtotal=subtotal, total=round_money(subtotal + line_tax, rounding)))
        totals.untaxed += subtotal
    totals.by_tax = {tid: round_money(amount, rounding) for tid, amount in raw_by_tax.items()}
    totals.tax = sum(totals.by_tax.values(), ZERO)
    totals.total = totals.untaxed + totals.tax
    return totals

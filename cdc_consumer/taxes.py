"""Sale taxes: how Odoo computes an invoice's tax, and which tax reproduces the source's.

The source gives an invoice's ``subtotal`` and ``tax`` but no tax code. The tax Odoo applies
must give the source tax to the cent, computed as Odoo computes it (``compute_tax``), so the
choice (``choose_tax``) tries every usable sale tax on the invoice's actual lines.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal, Protocol

Rounding = Literal["round_globally", "round_per_line"]
"""Odoo's ``res.company.tax_calculation_rounding_method``."""

ROUNDINGS: frozenset[str] = frozenset({"round_globally", "round_per_line"})
CENT = Decimal("0.01")
_HUNDRED = Decimal(100)
_ZERO = Decimal(0)
_NO_TAX = Decimal("0.00")


def to_cents(amount: Decimal) -> Decimal:
    """``amount`` rounded half-up to the cent, as Odoo rounds a currency amount."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class TaxInfo:
    """An Odoo tax as read from ``account.tax``."""

    id: int
    name: str
    amount: Decimal
    amount_type: str
    type_tax_use: str
    price_include: bool
    active: bool

    @property
    def usable(self) -> bool:
        """Whether invoices may carry it: an active, tax-excluded percentage sale tax."""
        return self.active and self.type_tax_use == "sale" and self.amount_type == "percent" and not self.price_include


class TaxableLine(Protocol):
    """What the tax computation needs of an invoice line."""

    @property
    def quantity(self) -> Decimal: ...

    @property
    def price_unit(self) -> Decimal: ...


def compute_tax(lines: Iterable[TaxableLine], tax: TaxInfo | None, rounding: Rounding) -> Decimal:
    """The tax Odoo computes for these lines with this tax and rounding method.

    ``round_globally`` rounds the sum of the lines' unrounded taxes once; ``round_per_line``
    rounds each line's tax, then sums. Rounding is half-up to the cent, as Odoo's. Two lines
    of 0.35 at 13 % give 0.09 globally and 0.10 per line.

    Args:
        lines: the invoice lines as Odoo receives them (base = quantity × price_unit).
        tax: the percentage, tax-excluded tax on every line, or ``None`` for no tax.
        rounding: the company's tax rounding method.

    Returns:
        The invoice's tax amount, in cents.
    """
    if tax is None:
        return _NO_TAX
    rate = tax.amount / _HUNDRED
    line_taxes = [line.quantity * line.price_unit * rate for line in lines]
    if rounding == "round_per_line":
        return sum((to_cents(t) for t in line_taxes), _NO_TAX)
    return to_cents(sum(line_taxes, _ZERO))


@dataclass(frozen=True, slots=True)
class TaxChoice:
    """The tax chosen for an invoice and what Odoo will compute with it.

    Attributes:
        tax: the tax to put on every line, or ``None`` for no tax.
        computed: the tax Odoo computes with it.
        matches: whether ``computed`` equals the source tax to the cent.
    """

    tax: TaxInfo | None
    computed: Decimal
    matches: bool


def choose_tax(
    lines: Sequence[TaxableLine],
    untaxed: Decimal,
    source_tax: Decimal,
    taxes: Iterable[TaxInfo],
    rounding: Rounding,
) -> TaxChoice:
    """The usable sale tax that reproduces the source tax on these lines.

    A zero source tax takes the 0 % sale tax with the lowest id, or no tax when there is
    none. Otherwise, among the taxes whose :func:`compute_tax` equals the source tax, the one
    whose percentage is nearest the effective rate (``source_tax / untaxed``) wins, then the
    lowest id. When none matches, the nearest tax is still returned (``matches`` False) so a
    draft can be made for review; the amounts are never adjusted to force a match.

    Args:
        lines: the invoice lines as Odoo receives them.
        untaxed: the invoice's untaxed amount (the sum of the lines).
        source_tax: the tax the source invoice charged.
        taxes: the company's taxes; the unusable ones are ignored.
        rounding: the company's tax rounding method.

    Returns:
        The chosen tax, its computed amount and whether it matches.
    """
    usable = sorted((t for t in taxes if t.usable), key=lambda t: t.id)
    if source_tax == 0:
        zero = next((t for t in usable if t.amount == 0), None)
        return TaxChoice(zero, _NO_TAX, True)
    rate = source_tax / untaxed * _HUNDRED if untaxed else _ZERO
    by_nearness = sorted(usable, key=lambda t: (abs(t.amount - rate), t.id))
    for tax in by_nearness:
        computed = compute_tax(lines, tax, rounding)
        if computed == source_tax:
            return TaxChoice(tax, computed, True)
    nearest = by_nearness[0] if by_nearness else None
    return TaxChoice(nearest, compute_tax(lines, nearest, rounding), False)

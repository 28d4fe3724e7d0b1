"""What NexaCloud sells, as its Stripe invoice lines describe it, with each product's family.

The generator takes every line from this catalogue, so the family of a sample line is known by
construction (:func:`family_of`); that is the truth the consumer's keyword rules are checked
against, not a second copy of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

HOSTING = "hosting"
MANAGED = "managed"
ADDONS = "addons"
OTHER = "other"
FAMILIES = (HOSTING, MANAGED, ADDONS, OTHER)

_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


@dataclass(frozen=True, slots=True)
class Product:
    """One thing NexaCloud bills for.

    Attributes:
        name: the name Stripe prints on the line.
        family: the service family whose income account its revenue belongs to.
        price: the monthly price (the unit price of one-off products).
        style: how its line is described: ``period`` "X (2026-05-01 to 2026-06-01)",
            ``price`` "X (at $50.00 / month)", ``plain`` just "X".
        recurring: whether it is a subscription item (one-off products have none).
    """

    name: str
    family: str
    price: Decimal
    style: Literal["period", "price", "plain"]
    recurring: bool = True

    def describe(self, period_start: date, period_end: date, quantity: int = 1) -> str:
        """The description of a regular (not prorated) line for this product."""
        prefix = f"{quantity} × " if quantity > 1 else ""
        if self.style == "period":
            return f"{prefix}{self.name} ({period_start:%Y-%m-%d} to {period_end:%Y-%m-%d})"
        if self.style == "price":
            return f"{prefix}{self.name} (at ${self.price} / month)"
        return f"{prefix}{self.name}"


PRODUCTS: tuple[Product, ...] = (
    Product("Odoo ERP Hosting", HOSTING, Decimal("79.00"), "period"),
    Product("WordPress Website Hosting - Managed", HOSTING, Decimal("50.00"), "price"),
    Product("WordPress Website Hosting - Basic", HOSTING, Decimal("25.00"), "price"),
    Product("Managed Odoo - Standard", MANAGED, Decimal("49.99"), "price"),
    Product("Managed Odoo - Premium", MANAGED, Decimal("149.99"), "price"),
    Product("Managed WordPress Care", MANAGED, Decimal("35.00"), "price"),
    Product("Daily Backup Protection", ADDONS, Decimal("10.00"), "plain"),
    Product("WhatsApp Integration", ADDONS, Decimal("12.50"), "plain"),
    Product("Forms Builder", ADDONS, Decimal("7.50"), "plain"),
    Product("White Label", ADDONS, Decimal("25.00"), "plain"),
    Product("Custom Development (hourly)", OTHER, Decimal("95.00"), "plain", recurring=False),
    Product("Domain Registration", OTHER, Decimal("18.99"), "plain", recurring=False),
    Product("Data Migration Service", OTHER, Decimal("150.00"), "plain", recurring=False),
)
BY_NAME = {product.name: product for product in PRODUCTS}
RECURRING = tuple(product for product in PRODUCTS if product.recurring)
ONE_OFF = tuple(product for product in PRODUCTS if not product.recurring)
ADDON_PRODUCTS = tuple(product for product in PRODUCTS if product.family == ADDONS)
UPGRADES: tuple[tuple[Product, Product], ...] = (
    (BY_NAME["Managed Odoo - Standard"], BY_NAME["Managed Odoo - Premium"]),
    (BY_NAME["WordPress Website Hosting - Basic"], BY_NAME["WordPress Website Hosting - Managed"]),
)
"""Plan changes Stripe prorates: (cheaper, dearer). Up is an upgrade, down a credit."""

_LONGEST_FIRST = sorted(PRODUCTS, key=lambda product: len(product.name), reverse=True)


def proration(kind: Literal["Remaining", "Unused"], product: Product, on: date) -> str:
    """A Stripe proration line: "Remaining time on X after 27 May 2026" (or "Unused time ...")."""
    return f"{kind} time on {product.name} after {on.day} {_MONTHS[on.month - 1]} {on.year}"


def family_of(description: str) -> str:
    """The family of a line this catalogue described; :data:`OTHER` for anything else."""
    for product in _LONGEST_FIRST:
        if product.name in description:
            return product.family
    return OTHER

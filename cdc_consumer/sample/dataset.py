"""Seeded, deterministic NexaCloud invoices as Stripe bills them (pure: nothing is written here).

Invoice ``index`` of seed ``seed`` depends on those two values only, never on how many invoices
are asked for: 100 invoices of a seed are the first 100 of 1,000 of the same seed. Its ids are
UUIDv5s of the seed and index, so writing it twice finds it already there.

The first invoices follow a fixed coverage plan (every status, every family, proration lines,
a credit, a partial payment, 0 % tax, ``cad`` and ``CAD``, a time near midnight UTC whose
Toronto date is the day before); the rest are drawn at random with realistic weights.
"""

from __future__ import annotations

import random
import unicodedata
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from .catalogue import (
    ADDON_PRODUCTS,
    BY_NAME,
    ONE_OFF,
    RECURRING,
    UPGRADES,
    Product,
    proration,
)

CENT = Decimal("0.01")
HST = Decimal("0.13")
"""Ontario's harmonized sales tax, the rate of most NexaCloud invoices."""
NO_TAX = Decimal("0")
TAX_RATES = (HST, NO_TAX)
STATUSES = ("draft", "open", "paid", "void", "uncollectible")

HISTORY_START = datetime(2023, 1, 1, tzinfo=UTC)
HISTORY_END = datetime(2026, 11, 1, tzinfo=UTC)
"""Generated ``created_at`` values fall in [start, end): fixed, so a seed means the same data
whatever day it is run."""

_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://nexacloud.example/cdc-consumer/sample")


def tax_for(subtotal: Decimal, rate: Decimal) -> Decimal:
    """The invoice tax: ``subtotal × rate`` rounded half-up (away from zero) to the cent."""
    return (subtotal * rate).quantize(CENT, rounding=ROUND_HALF_UP)


def rate_of(subtotal: Decimal, tax: Decimal) -> Decimal:
    """Which of :data:`TAX_RATES` gave ``tax`` on ``subtotal`` (0 % when tax is zero).

    Raises:
        ValueError: when no known rate gives that tax.
    """
    for rate in TAX_RATES:
        if tax_for(subtotal, rate) == tax:
            return NO_TAX if tax == 0 else rate
    raise ValueError(f"tax {tax} on {subtotal} is not at any known rate")


@dataclass(frozen=True, slots=True)
class SampleUser:
    """A row of ``users``."""

    id: str
    full_name: str
    email: str
    billing_email: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class SampleItem:
    """A row of ``invoice_items``, with the family its product belongs to."""

    id: str
    description: str
    quantity: int
    unit_price: Decimal | None
    amount: Decimal
    family: str
    period_start: datetime | None = None
    period_end: datetime | None = None


@dataclass(frozen=True, slots=True)
class SampleInvoice:
    """A row of ``invoices`` with its items and its user."""

    id: str
    stripe_invoice_id: str
    invoice_number: str
    user: SampleUser
    subscription_id: str | None
    created_at: datetime
    currency: str
    status: str
    subtotal: Decimal
    tax: Decimal
    amount_paid: Decimal
    paid_at: datetime | None
    hosted_invoice_url: str
    items: tuple[SampleItem, ...]

    @property
    def total(self) -> Decimal:
        """What the customer owes: subtotal plus tax."""
        return self.subtotal + self.tax


@dataclass(frozen=True, slots=True)
class _Profile:
    """The shape of one invoice, before its amounts are drawn."""

    status: str
    kind: str  # subscription | one_off | upgrade | addon | credit
    rate: Decimal
    currency: str
    late_evening: bool
    products: tuple[str, ...] = ()
    partial: bool = False


_COVERAGE = (
    _Profile("paid", "subscription", HST, "cad", True, ("Odoo ERP Hosting", "Daily Backup Protection")),
    _Profile("open", "subscription", HST, "CAD", False, ("Managed Odoo - Standard", "WhatsApp Integration")),
    _Profile("draft", "subscription", HST, "cad", False, ("WordPress Website Hosting - Managed", "Forms Builder")),
    _Profile("void", "subscription", HST, "cad", True, ("White Label", "Managed WordPress Care")),
    _Profile("uncollectible", "one_off", NO_TAX, "CAD", False, ("Custom Development (hourly)",)),
    _Profile("paid", "upgrade", HST, "cad", False),
    _Profile("paid", "credit", HST, "cad", False),
    _Profile("paid", "subscription", HST, "CAD", False, ("WhatsApp Integration",), partial=True),
    _Profile("open", "addon", HST, "cad", True),
    _Profile("paid", "subscription", NO_TAX, "cad", False, ("WordPress Website Hosting - Basic",)),
)
"""The first invoices of every seed: together they hold every status, family and special case."""

_NOTABLE_USERS = (
    ("Zoë Lévesque", "zoe.levesque@example.test", "Billing@Levesque.TEST"),
    ("Łukasz Wiśniewski", "lukasz.wisniewski@example.test", None),
    ("José Núñez", "Jose.Nunez@Example.TEST", None),
    ("Acme Robotics Inc.", "owner@acme.test", "Ar@Acme.TEST"),
    ("Søren Østergaard", "SOREN@Fjord.TEST", "ap@fjord.test"),
    ("François D'Amours-Côté", "fdc@example.test", None),
)
_FIRST = ("Zoë", "José", "Łukasz", "Amélie", "Jürgen", "Siobhán", "Chloé", "Mateo", "Aiko", "Olu", "Noor", "Liam")
_LAST = ("Lévesque", "García", "Kowalski", "Tremblay", "Müller", "Ó Briain", "Nguyễn", "Singh", "Côté", "Smith")
_DOMAINS = ("example.test", "acme.test", "northwind.test", "fjord.test", "maple.test")
_ASCII = str.maketrans({"Ł": "L", "ł": "l", "Ø": "O", "ø": "o", "ß": "ss", "'": "", " ": ""})


def _uuid(seed: int | str, *parts: object) -> str:
    return str(uuid.uuid5(_NAMESPACE, "/".join(str(p) for p in (seed, *parts))))


def seeded_rng(*parts: object) -> random.Random:
    """A pseudo-random generator seeded with ``parts``: reproducible on purpose, never for secrets."""
    return random.Random("/".join(str(p) for p in parts))  # noqa: S311


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.translate(_ASCII))
    return folded.encode("ascii", "ignore").decode().lower()


def build_user(seed: int | str, index: int) -> SampleUser:
    """User ``index`` of ``seed``: the first few have notable names and mixed-case emails."""
    created_at = HISTORY_START - timedelta(days=30) + timedelta(minutes=index)
    user_id = _uuid(seed, "user", index)
    if index < len(_NOTABLE_USERS):
        name, email, billing = _NOTABLE_USERS[index]
        return SampleUser(user_id, name, email, billing, created_at)
    rng = seeded_rng(seed, "user", index)
    first, last = rng.choice(_FIRST), rng.choice(_LAST)
    local = f"{_ascii(first)}.{_ascii(last)}.{index}"
    domain = rng.choice(_DOMAINS)
    if rng.random() < 0.25:
        local, domain = local.title(), domain.upper()
    billing = f"billing.{index}@{rng.choice(_DOMAINS)}" if rng.random() < 0.4 else None
    return SampleUser(user_id, f"{first} {last}", f"{local}@{domain}", billing, created_at)


def _user_index(rng: random.Random, index: int) -> int:
    if index < len(_NOTABLE_USERS):
        return index
    return rng.randrange(index // 3 + len(_NOTABLE_USERS))


def _random_profile(rng: random.Random) -> _Profile:
    kind = rng.choices(("subscription", "one_off", "upgrade", "addon", "credit"), (70, 8, 9, 7, 6))[0]
    status = rng.choices(STATUSES, (6, 12, 69, 8, 5))[0]
    currency = rng.choices(("cad", "CAD", "usd"), (62, 34, 4))[0]
    rate = NO_TAX if currency == "usd" or rng.random() < 0.12 else HST
    partial = status == "paid" and rng.random() < 0.08
    return _Profile(status, kind, rate, currency, rng.random() < 0.2, partial=partial)


def _created_at(rng: random.Random, late_evening: bool) -> datetime:
    """A moment in history; "late evening" is 00:00-03:59 UTC, the day before in Toronto."""
    days = (HISTORY_END - HISTORY_START).days
    day = HISTORY_START + timedelta(days=rng.randrange(days))
    hour = rng.randrange(0, 4) if late_evening else rng.randrange(5, 24)
    return day + timedelta(
        hours=hour, minutes=rng.randrange(60), seconds=rng.randrange(60), microseconds=rng.randrange(10**6)
    )


def _month(moment: datetime) -> tuple[datetime, datetime]:
    start = moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    end = (start + timedelta(days=32)).replace(day=1)
    return start, end


def _prorated(price: Decimal, on: date) -> Decimal:
    """``price`` for the part of the month left after ``on`` (at least one day)."""
    start, end = _month(datetime(on.year, on.month, on.day, tzinfo=UTC))
    days_in_month = (end - start).days
    left = max(days_in_month - on.day, 1)
    return (price * left / days_in_month).quantize(CENT, rounding=ROUND_HALF_UP)


class _Lines:
    """Collects the items of one invoice, numbering their deterministic ids."""

    def __init__(self, seed: int | str, index: int, created_at: datetime) -> None:
        self._seed, self._index, self._created_at = seed, index, created_at
        self.items: list[SampleItem] = []

    def _add(
        self,
        description: str,
        quantity: int,
        unit_price: Decimal | None,
        amount: Decimal,
        product: Product,
        period: tuple[datetime, datetime] | None = None,
    ) -> None:
        item_id = _uuid(self._seed, "invoice", self._index, "item", len(self.items))
        start, end = period if period else (None, None)
        self.items.append(SampleItem(item_id, description, quantity, unit_price, amount, product.family, start, end))

    def regular(self, product: Product, quantity: int = 1) -> None:
        period = _month(self._created_at)
        description = product.describe(period[0].date(), period[1].date(), quantity)
        self._add(
            description,
            quantity,
            product.price,
            product.price * quantity,
            product,
            period if product.recurring else None,
        )

    def prorated(self, kind: Literal["Remaining", "Unused"], product: Product) -> None:
        on = self._created_at.date()
        amount = _prorated(product.price, on)
        self._add(proration(kind, product, on), 1, None, -amount if kind == "Unused" else amount, product)


def _fill(lines: _Lines, profile: _Profile, rng: random.Random) -> None:
    if profile.kind == "subscription":
        names = profile.products or tuple(p.name for p in rng.sample(RECURRING, rng.choice((1, 1, 2, 2, 3, 4))))
        for name in names:
            product = BY_NAME[name]
            quantity = 1 if profile.products or product.style == "period" or rng.random() < 0.85 else rng.choice((2, 3))
            lines.regular(product, quantity)
    elif profile.kind == "one_off":
        names = profile.products or (rng.choice(ONE_OFF).name,)
        for name in names:
            lines.regular(BY_NAME[name], rng.choice((1, 2, 4)) if BY_NAME[name].price < 100 else 1)
    elif profile.kind == "addon":
        lines.prorated("Remaining", rng.choice(ADDON_PRODUCTS))
    else:
        cheaper, dearer = rng.choice(UPGRADES)
        if profile.kind == "upgrade":
            lines.prorated("Unused", cheaper)
            lines.prorated("Remaining", dearer)
        else:
            lines.prorated("Unused", dearer)
            lines.prorated("Remaining", cheaper)


def _payment(
    profile: _Profile, rng: random.Random, created_at: datetime, total: Decimal
) -> tuple[str, Decimal, datetime | None]:
    """Status, amount paid and payment time, as Stripe would leave them."""
    status = profile.status
    if total <= 0 and status != "draft":
        # Stripe settles an invoice with nothing due on finalization: paid, nothing collected,
        # the credit goes to the customer's balance.
        return "paid", Decimal("0.00"), created_at
    if status != "paid":
        return status, Decimal("0.00"), None
    paid_at = created_at + timedelta(minutes=rng.randrange(1, 7 * 24 * 60))
    if profile.partial:
        # The customer's credit balance covered part of it; the card paid the rest.
        applied = min((total / 2).quantize(CENT), Decimal(rng.randrange(500, 5001)) / 100)
        return "paid", total - applied, paid_at
    return "paid", total, paid_at


def build_invoice(
    seed: int | str,
    index: int,
    *,
    created_at: datetime | None = None,
    status: str | None = None,
) -> SampleInvoice:
    """Invoice ``index`` of ``seed``, with its items and user.

    Args:
        seed: the data set's seed.
        index: the invoice's position, from 0.
        created_at: overrides the drawn creation time (live changes create invoices "now").
        status: overrides the drawn status.

    Returns:
        The invoice; the same arguments always give the same invoice.
    """
    rng = seeded_rng(seed, "invoice", index)
    profile = _COVERAGE[index] if index < len(_COVERAGE) else _random_profile(rng)
    if status is not None:
        profile = replace(profile, status=status, partial=profile.partial and status == "paid")
    user = build_user(seed, _user_index(rng, index))
    moment = created_at or _created_at(rng, profile.late_evening)
    lines = _Lines(seed, index, moment)
    _fill(lines, profile, rng)
    subtotal = sum((item.amount for item in lines.items), Decimal("0.00"))
    tax = tax_for(subtotal, profile.rate)
    final_status, amount_paid, paid_at = _payment(profile, rng, moment, subtotal + tax)
    (invoice_id,) = invoice_ids(1, seed, index)
    stripe_id = "in_" + uuid.UUID(_uuid(seed, "stripe", index)).hex[:24]
    return SampleInvoice(
        id=invoice_id,
        stripe_invoice_id=stripe_id,
        invoice_number=f"{uuid.UUID(user.id).hex[:8].upper()}-{index + 1:04d}",
        user=user,
        subscription_id=None if profile.kind == "one_off" else _uuid(seed, "subscription", user.id),
        created_at=moment,
        currency=profile.currency,
        status=final_status,
        subtotal=subtotal,
        tax=tax,
        amount_paid=amount_paid,
        paid_at=paid_at,
        hosted_invoice_url=f"https://invoice.stripe.test/i/{stripe_id}",
        items=tuple(lines.items),
    )


def invoice_ids(count: int, seed: int | str, start: int = 0) -> list[str]:
    """The ids of invoices ``start`` to ``start + count - 1`` of ``seed``, without building them."""
    return [_uuid(seed, "invoice", index) for index in range(start, start + count)]


def build_invoices(count: int, seed: int | str, start: int = 0) -> Iterator[SampleInvoice]:
    """Invoices ``start`` to ``start + count - 1`` of ``seed``, lazily."""
    for index in range(start, start + count):
        yield build_invoice(seed, index)

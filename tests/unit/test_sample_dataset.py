"""The sample data set: deterministic, internally consistent, and covering every case."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from cdc_consumer import families
from cdc_consumer.config import DEFAULT_FAMILY_KEYWORDS
from cdc_consumer.sample.catalogue import FAMILIES, OTHER, family_of
from cdc_consumer.sample.dataset import (
    HISTORY_END,
    HISTORY_START,
    HST,
    NO_TAX,
    STATUSES,
    SampleInvoice,
    build_invoice,
    build_invoices,
    invoice_ids,
    rate_of,
    tax_for,
)

TORONTO = ZoneInfo("America/Toronto")


@pytest.fixture(scope="module")
def many() -> list[SampleInvoice]:
    return list(build_invoices(1500, seed=2024))


def _is_proration(description: str) -> bool:
    return description.startswith(("Remaining time on ", "Unused time on "))


@pytest.mark.parametrize(
    ("subtotal", "rate", "tax"),
    [
        ("100.00", HST, "13.00"),
        ("12.50", HST, "1.63"),  # 1.625: half-up, where banker's rounding would give 1.62
        ("0.50", HST, "0.07"),  # 0.065
        ("-12.50", HST, "-1.63"),  # credits round away from zero too
        ("49.99", HST, "6.50"),
        ("57.50", NO_TAX, "0.00"),
    ],
)
def test_tax_is_rounded_half_up_to_the_cent(subtotal: str, rate: Decimal, tax: str) -> None:
    assert tax_for(Decimal(subtotal), rate) == Decimal(tax)


def test_rate_of_recovers_the_rate_and_refuses_unknown_ones() -> None:
    assert rate_of(Decimal("12.50"), Decimal("1.63")) == HST
    assert rate_of(Decimal("12.50"), Decimal("0.00")) == NO_TAX
    with pytest.raises(ValueError, match="not at any known rate"):
        rate_of(Decimal("100.00"), Decimal("5.00"))


def test_same_seed_same_invoices_and_seed_text_equals_number() -> None:
    assert list(build_invoices(30, seed=7)) == list(build_invoices(30, seed=7))
    assert list(build_invoices(30, seed=7)) == list(build_invoices(30, seed="7"))


def test_other_seed_other_ids() -> None:
    ids = {inv.id for inv in build_invoices(50, seed=1)}
    assert ids.isdisjoint(inv.id for inv in build_invoices(50, seed=2))


def test_an_invoice_depends_on_its_index_not_on_the_count() -> None:
    small = list(build_invoices(20, seed=5))
    large = list(build_invoices(60, seed=5))
    assert small == large[:20]
    assert list(build_invoices(10, seed=5, start=20)) == large[20:30]
    assert invoice_ids(60, seed=5) == [inv.id for inv in large]


def test_ids_are_unique(many: list[SampleInvoice]) -> None:
    invoice_ids_ = [inv.id for inv in many]
    item_ids = [item.id for inv in many for item in inv.items]
    stripe_ids = [inv.stripe_invoice_id for inv in many]
    assert len(set(invoice_ids_)) == len(many)
    assert len(set(item_ids)) == len(item_ids)
    assert len(set(stripe_ids)) == len(many)
    assert all(re.fullmatch(r"in_[0-9a-f]{24}", s) for s in stripe_ids)


def test_subtotal_is_the_sum_of_items_and_tax_is_at_a_known_rate(many: list[SampleInvoice]) -> None:
    for inv in many:
        assert inv.items
        assert inv.subtotal == sum(item.amount for item in inv.items)
        assert inv.tax in (tax_for(inv.subtotal, HST), Decimal("0.00"))
        if inv.currency == "usd":
            assert inv.tax == 0


def test_money_is_decimal_in_cents(many: list[SampleInvoice]) -> None:
    for inv in many:
        for value in (inv.subtotal, inv.tax, inv.amount_paid, *(i.amount for i in inv.items)):
            assert isinstance(value, Decimal)
            assert value.as_tuple().exponent == -2


def test_lines_are_quantity_times_unit_price_except_prorations(many: list[SampleInvoice]) -> None:
    for item in (item for inv in many for item in inv.items):
        if _is_proration(item.description):
            assert item.unit_price is None
            assert item.quantity == 1
        else:
            assert item.unit_price is not None
            assert item.amount == item.quantity * item.unit_price


def test_times_are_aware_and_in_history(many: list[SampleInvoice]) -> None:
    for inv in many:
        assert inv.created_at.tzinfo is not None
        assert HISTORY_START <= inv.created_at < HISTORY_END
        if inv.paid_at is not None:
            assert inv.paid_at.tzinfo is not None
            assert inv.paid_at >= inv.created_at


def test_payments_are_as_stripe_leaves_them(many: list[SampleInvoice]) -> None:
    for inv in many:
        if inv.status != "paid":
            assert (inv.amount_paid, inv.paid_at) == (0, None)
        elif inv.total <= 0:  # nothing due: settled at once, the credit goes to the balance
            assert inv.amount_paid == 0
            assert inv.paid_at == inv.created_at
        else:
            assert 0 < inv.amount_paid <= inv.total
            assert inv.paid_at is not None


def _coverage(invoices: list[SampleInvoice]) -> dict[str, set]:
    items = [item for inv in invoices for item in inv.items]
    return {
        "statuses": {inv.status for inv in invoices},
        "families": {item.family for item in items},
        "currencies": {inv.currency for inv in invoices},
        "rates": {rate_of(inv.subtotal, inv.tax) for inv in invoices},
        "specials": {
            *(["credit"] if any(inv.subtotal < 0 for inv in invoices) else []),
            *(["partial"] if any(inv.status == "paid" and 0 < inv.amount_paid < inv.total for inv in invoices)
              else []),
            *(["negative proration"] if any(_is_proration(i.description) and i.amount < 0 for i in items) else []),
            *(["positive proration"] if any(_is_proration(i.description) and i.amount > 0 for i in items) else []),
            *(["toronto day before"] if any(
                inv.created_at.astimezone(TORONTO).date() != inv.created_at.date() for inv in invoices) else []),
            *(["no subscription"] if any(inv.subscription_id is None for inv in invoices) else []),
        },
    }  # fmt: skip


EVERYTHING = {
    "statuses": set(STATUSES),
    "families": set(FAMILIES),
    "rates": {HST, NO_TAX},
    "specials": {"credit", "partial", "negative proration", "positive proration", "toronto day before",
                 "no subscription"},
}  # fmt: skip


@pytest.mark.parametrize("seed", [1, 99, "demo"])
def test_the_first_ten_invoices_of_any_seed_cover_every_case(seed: int | str) -> None:
    covered = _coverage(list(build_invoices(10, seed)))
    for key, wanted in EVERYTHING.items():
        assert covered[key] >= wanted, key
    assert {"cad", "CAD"} <= covered["currencies"]


def test_drawn_invoices_cover_every_case_too(many: list[SampleInvoice]) -> None:
    covered = _coverage(many[10:])
    for key, wanted in EVERYTHING.items():
        assert covered[key] >= wanted, key
    assert covered["currencies"] == {"cad", "CAD", "usd"}
    share_cad = sum(inv.currency.upper() == "CAD" for inv in many) / len(many)
    assert share_cad > 0.9


def test_descriptions_read_like_stripe_lines(many: list[SampleInvoice]) -> None:
    descriptions = {item.description for inv in many for item in inv.items}
    patterns = [
        r"Odoo ERP Hosting \(\d{4}-\d\d-01 to \d{4}-\d\d-01\)",
        r"WordPress Website Hosting - Managed \(at \$50\.00 / month\)",
        r"Managed Odoo - Standard \(at \$49\.99 / month\)",
        r"Daily Backup Protection",
        r"WhatsApp Integration",
        r"Forms Builder",
        r"White Label",
        r"Remaining time on Daily Backup Protection after \d{1,2} [A-Z][a-z]+ \d{4}",
        r"Unused time on Managed Odoo - Standard after \d{1,2} [A-Z][a-z]+ \d{4}",
        r"\d × .+",
    ]
    for pattern in patterns:
        assert any(re.fullmatch(pattern, d) for d in descriptions), pattern


def test_users_have_non_ascii_names_mixed_case_emails_and_optional_billing_emails(
    many: list[SampleInvoice],
) -> None:
    users = {inv.user.id: inv.user for inv in many}.values()
    names = {u.full_name for u in users}
    assert {"Zoë Lévesque", "José Núñez"} <= names
    assert any(name.startswith("Łukasz") for name in names)
    assert any(u.billing_email == "Ar@Acme.TEST" for u in users)
    assert any(u.billing_email for u in users)
    assert any(u.billing_email is None for u in users)
    emails = [u.email.casefold() for u in users]
    assert len(set(emails)) == len(emails), "emails must be unique case-insensitively"
    assert any(u.email != u.email.lower() for u in users)


def test_overrides_for_live_creation() -> None:
    now = datetime.fromisoformat("2026-11-20T15:00:00+00:00")
    inv = build_invoice("s", 12, created_at=now, status="open")
    assert (inv.created_at, inv.status, inv.amount_paid, inv.paid_at) == (now, "open", 0, None)
    paid = build_invoice("s", 12, created_at=now, status="paid")
    assert paid.amount_paid == paid.total
    assert paid.paid_at is not None
    assert paid.paid_at > now


@pytest.mark.parametrize(
    ("description", "family"),
    [
        ("WordPress Website Hosting - Managed (at $50.00 / month)", "hosting"),
        ("Odoo ERP Hosting (2026-05-01 to 2026-06-01)", "hosting"),
        ("Managed Odoo - Standard (at $49.99 / month)", "managed"),
        ("Unused time on Managed Odoo - Standard after 27 May 2026", "managed"),
        ("Remaining time on Daily Backup Protection after 27 May 2026", "addons"),
        ("2 × White Label", "addons"),
        ("Consulting call", OTHER),
    ],
)
def test_catalogue_family_of(description: str, family: str) -> None:
    assert family_of(description) == family


def test_consumer_default_keywords_agree_with_the_catalogue(many: list[SampleInvoice]) -> None:
    """The consumer's default mapping puts every generated line in its true family."""
    for item in (item for inv in many for item in inv.items):
        assert families.family_of(item.description, DEFAULT_FAMILY_KEYWORDS) == item.family, item.description

"""The bulk post's rules: family selection, why a draft is not posted, the report."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from cdc_consumer.config import DEFAULT_FAMILY_KEYWORDS
from cdc_consumer.invoice import InvoiceHeader, InvoiceLine, SourceInvoice
from cdc_consumer.ledger import Cancel, Decision, Pending, Post, RegisterPayment, WriteDraft
from cdc_consumer.ops.post import PostOutcome, PostReport, payment_of, why_not, within_families
from cdc_consumer.ops.poster import draft_domain


def invoice(status: str = "open", *descriptions: str) -> SourceInvoice:
    header = InvoiceHeader(
        "inv", None, "NC-1", "u1", None, datetime(2026, 1, 5, tzinfo=UTC), "CAD", status,
        Decimal(10 * len(descriptions)), Decimal(0), Decimal(0), None,
    )  # fmt: skip
    lines = tuple(
        InvoiceLine(f"i{n}", "inv", text, Decimal(1), Decimal(10), Decimal(10)) for n, text in enumerate(descriptions)
    )
    return SourceInvoice(header, lines)


def test_an_invoice_is_within_the_families_when_every_line_is():
    mixed = invoice("open", "Odoo ERP Hosting", "Daily Backup Protection")
    assert within_families(mixed, set(), DEFAULT_FAMILY_KEYWORDS)
    assert within_families(mixed, {"hosting", "addons"}, DEFAULT_FAMILY_KEYWORDS)
    assert not within_families(mixed, {"hosting"}, DEFAULT_FAMILY_KEYWORDS)
    proration = invoice("open", "Unused time on Odoo ERP Hosting after 5 Jan 2026")
    assert within_families(proration, {"hosting"}, DEFAULT_FAMILY_KEYWORDS)


def test_why_a_decision_does_not_post():
    inv = invoice("open", "Odoo ERP Hosting")
    assert why_not(Decision("posted", (Post(),)), inv) is None
    pending = Decision("pending", pending=Pending("tax_mismatch", "the source tax is 1.30, Odoo would compute 1.29"))
    assert why_not(pending, inv) == "tax_mismatch: the source tax is 1.30, Odoo would compute 1.29"
    draft = Decision("updated", (WriteDraft(None),))  # type: ignore[arg-type]
    assert why_not(draft, invoice("draft", "x")) == "the source invoice is still a draft"
    assert str(why_not(Decision("cancelled", (Cancel(),)), invoice("void", "x"))).startswith(
        "the source invoice was voided"
    )


def test_the_payment_a_decision_registers():
    paying = Decision("paid", (Post(), RegisterPayment(Decimal("11.30"), date(2026, 1, 5))))
    assert payment_of(paying) == Decimal("11.30")
    assert payment_of(Decision("posted", (Post(),))) == 0


def test_the_draft_domain_bounds_the_invoice_date():
    assert draft_domain(None, None) == [("state", "=", "draft"), ("move_type", "in", ["out_invoice", "out_refund"])]
    bounded = draft_domain(date(2026, 1, 1), date(2026, 1, 31))
    assert bounded[-2:] == [("invoice_date", ">=", "2026-01-01"), ("invoice_date", "<=", "2026-01-31")]


def test_the_report_lists_both_sides():
    report = PostReport(dry_run=True, outside_families=2)
    report.outcomes += [
        PostOutcome("a", "NC-1", 1, True, "post and register a payment of 11.30"),
        PostOutcome("b", "NC-2", 2, False, "tax_mismatch: 1.30 vs 1.29"),
    ]
    text = report.render()
    assert text.splitlines()[0] == "Would post 1 draft(s); 1 could not be posted."
    assert "2 draft(s) left alone: lines outside the chosen families." in text
    assert "NC-2  2     b          tax_mismatch: 1.30 vs 1.29" in text
    assert text.splitlines()[-1] == "Dry run: nothing was changed in Odoo."
    assert [o.invoice_id for o in report.refused] == ["b"]

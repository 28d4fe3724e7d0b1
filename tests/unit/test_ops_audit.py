"""The audit's comparison rules, one source invoice against the moves carrying its id."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from cdc_consumer.invoice import InvoiceHeader, InvoiceLine, SourceInvoice
from cdc_consumer.ledger import OdooMove
from cdc_consumer.ops.audit import AuditReport, check_invoice, check_orphan
from cdc_consumer.ops.held import HeldMove
from cdc_consumer.ops.pending import PendingView
from cdc_consumer.ops.source import SourceRecord
from cdc_consumer.state import PendingRecord

D = Decimal
ID = "11111111-1111-1111-1111-111111111111"


def record(status="open", subtotal="100.00", tax="13.00", paid="0", lines=None) -> SourceRecord:
    header = InvoiceHeader(
        id=ID,
        stripe_invoice_id="in_1",
        invoice_number="NC-0001",
        user_id="u1",
        subscription_id=None,
        created_at=datetime(2026, 1, 5, tzinfo=UTC),
        currency="CAD",
        status=status,
        subtotal=D(subtotal),
        tax=D(tax),
        amount_paid=D(paid),
        paid_at=None,
    )
    amounts = lines if lines is not None else [subtotal]
    items = tuple(InvoiceLine(f"i{n}", ID, "Odoo ERP Hosting", D(1), D(a), D(a)) for n, a in enumerate(amounts))
    return SourceRecord(ID, "NC-0001", invoice=SourceInvoice(header, items))


def move(
    state="draft",
    untaxed="100.00",
    tax="13.00",
    residual=None,
    payment_state="not_paid",
    move_type="out_invoice",
    move_id=7,
) -> HeldMove:
    total = D(untaxed) + D(tax)
    return HeldMove(
        ID,
        f"INV/{move_id}",
        "NC-0001",
        None,
        OdooMove(
            id=move_id,
            state=state,
            move_type=move_type,
            payment_state=payment_state,
            amount_untaxed=D(untaxed),
            amount_tax=D(tax),
            amount_total=total,
            amount_residual=total if residual is None else D(residual),
        ),
    )


def kinds(findings) -> list[str]:
    return [f.kind for f in findings]


def test_a_matching_draft_or_posted_invoice_is_fine():
    assert check_invoice(record(), [move()]) == []
    assert check_invoice(record(), [move(state="posted")]) == []


def test_a_draft_of_a_paid_invoice_is_fine_until_it_is_posted():
    assert check_invoice(record("paid", paid="113.00"), [move()]) == []


def test_missing_unless_drafts_are_skipped_by_configuration():
    found = check_invoice(record(), [])
    assert kinds(found) == ["missing"]
    assert found[0].detail == "open invoice of 113.00 CAD is not in Odoo"
    assert kinds(check_invoice(record("draft"), [])) == ["missing"]
    assert check_invoice(record("draft"), [], skip_draft_invoices=True) == []


def test_several_moves_for_one_source_id_are_duplicates():
    found = check_invoice(record(), [move(move_id=7), move(move_id=9, state="posted")])
    assert kinds(found) == ["duplicate"]
    assert found[0].move_ids == (7, 9)
    assert "INV/7 (draft), INV/9 (posted)" in found[0].detail


@pytest.mark.parametrize(
    "held",
    [move(untaxed="90.00"), move(tax="12.99"), move(move_type="out_refund")],
    ids=["untaxed", "tax", "type"],
)
def test_amount_or_type_differences_are_mismatches(held):
    found = check_invoice(record(), [held])
    assert kinds(found) == ["amount_mismatch"]
    assert "the source says out_invoice untaxed 100.00, tax 13.00, total 113.00" in found[0].detail


def test_a_credit_invoice_is_a_refund_with_positive_amounts():
    credit = record("paid", subtotal="-50.00", tax="-6.50", paid="0")
    assert check_invoice(credit, [move("posted", "50.00", "6.50", move_type="out_refund")]) == []
    assert kinds(check_invoice(credit, [move("posted", "50.00", "6.50")])) == ["amount_mismatch"]


@pytest.mark.parametrize(
    ("held", "expected"),
    [
        (None, []),
        (move(state="cancel"), []),
        (move(state="posted", residual="0", payment_state="reversed"), []),
        (move(state="draft"), ["status_mismatch"]),
        (move(state="posted"), ["status_mismatch"]),
    ],
    ids=["absent", "cancelled", "reversed", "draft", "posted"],
)
def test_void_invoices(held, expected):
    found = check_invoice(record("void"), [held] if held else [])
    assert kinds(found) == expected


def test_void_but_posted_says_so():
    (found,) = check_invoice(record("void"), [move(state="posted")])
    assert found.detail == "voided at the source, but posted and not reversed in Odoo"


def test_a_cancelled_or_reversed_move_of_a_billed_invoice_is_a_status_mismatch():
    assert kinds(check_invoice(record("open"), [move(state="cancel")])) == ["status_mismatch"]
    reversed_move = move(state="posted", residual="0", payment_state="reversed")
    assert kinds(check_invoice(record("paid", paid="113.00"), [reversed_move])) == ["status_mismatch"]


def test_payments_of_posted_invoices():
    paid = record("paid", paid="113.00")
    assert check_invoice(paid, [move("posted", residual="0", payment_state="paid")]) == []
    assert check_invoice(paid, [move("posted", residual="0", payment_state="in_payment")]) == []
    (unpaid,) = check_invoice(paid, [move("posted")])
    assert unpaid.kind == "payment_mismatch"
    assert unpaid.detail == "the source is paid with 113.00 paid; Odoo holds 0.00 paid (payment state not_paid)"
    (state,) = check_invoice(paid, [move("posted", residual="0", payment_state="partial")])
    assert state.detail.endswith("Odoo's payment state is partial")
    partial = record("paid", paid="60.00")
    assert check_invoice(partial, [move("posted", residual="53.00", payment_state="partial")]) == []
    assert kinds(check_invoice(record("open"), [move("posted", residual="0", payment_state="paid")])) == [
        "payment_mismatch"
    ]


def test_an_amount_and_a_payment_mismatch_are_both_reported():
    found = check_invoice(record("paid", paid="113.00"), [move("posted", untaxed="99.00")])
    assert kinds(found) == ["amount_mismatch", "payment_mismatch"]


def test_inconsistent_and_invalid_source_invoices():
    found = check_invoice(record(lines=["60.00", "30.00"]), [])
    assert kinds(found) == ["inconsistent"]
    assert found[0].detail == "2 item(s) add up to 90.00, the subtotal is 100.00"
    invalid = SourceRecord(ID, "NC-0001", invalid="unknown invoice status 'lost'")
    assert kinds(check_invoice(invalid, [move()])) == ["invalid"]


def test_orphans_name_their_moves():
    found = check_orphan(ID, [move(state="posted")])
    assert (found.kind, found.move_ids) == ("orphan", (7,))
    assert found.detail == "not in the source (deleted?); Odoo holds INV/7 (posted)"


def test_the_report_counts_findings_and_pending_invoices():
    since = datetime(2026, 1, 5, tzinfo=UTC)
    pending = PendingView([PendingRecord(ID, "tax_mismatch", "13 vs 12", since, 0, 0, None)], "state store x")
    report = AuditReport(invoices=3, moves=2, findings=check_invoice(record(), []), pending=pending)
    assert not report.ok
    assert report.counts()["missing"] == 1
    assert report.counts()["pending"] == 1
    data = json.loads(json.dumps(report.to_json()))
    assert data["ok"] is False
    assert data["findings"][0]["kind"] == "missing"
    assert data["pending"][0]["reason"] == "tax_mismatch"
    text = report.render()
    assert "missing" in text
    assert "Pending in the state store (state store x):" in text
    assert text.splitlines()[-1] == "Off: missing 1, pending 1"


def test_a_clean_report():
    report = AuditReport(invoices=1, moves=1, pending=PendingView([], "state store x"))
    assert report.ok
    assert report.render().splitlines()[-1] == "Everything matches."
    unknown = AuditReport(invoices=1, moves=1, pending=PendingView(None, "no state store here"))
    assert unknown.ok
    assert "Pending invoices not checked: no state store here" in unknown.render()

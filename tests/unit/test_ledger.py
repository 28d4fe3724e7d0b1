"""The accounting rules: desired moves, the status lifecycle against every Odoo state, payments,
conflicts, fingerprints and the dry-run family report."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from cdc_consumer.config import Settings
from cdc_consumer.errors import StartupCheckError
from cdc_consumer.invoice import InvoiceHeader, InvoiceLine, SourceInvoice
from cdc_consumer.ledger import (
    Cancel,
    Decision,
    Delete,
    DesiredLine,
    DesiredMove,
    FamilyTotal,
    LedgerContext,
    OdooMove,
    OtherLine,
    Post,
    RegisterPayment,
    Reverse,
    WriteDraft,
    decide,
    desired_move,
    family_report,
    local_date,
)
from cdc_consumer.taxes import TaxInfo, compute_tax

TORONTO = ZoneInfo("America/Toronto")
CREATED = datetime(2026, 5, 12, 15, 0, tzinfo=UTC)
PAID = datetime(2026, 5, 14, 16, 0, tzinfo=UTC)
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)

D = Decimal  # short, for the tables


def tax(tax_id: int, amount: str) -> TaxInfo:
    return TaxInfo(tax_id, f"{amount}%", D(amount), "percent", "sale", False, True)


TAXES = (tax(1, "5"), tax(2, "0"), tax(7, "13"), tax(8, "15"))


def context(**changes: Any) -> LedgerContext:
    values: dict[str, Any] = {
        "taxes": TAXES,
        "rounding": "round_globally",
        "active_currencies": frozenset({"CAD", "USD"}),
        "timezone": TORONTO,
    }
    values.update(changes)
    return LedgerContext(**values)


def item(amount: str, description: str = "Odoo ERP Hosting", quantity: str = "1", unit: str | None = "",
         item_id: str = "item-1") -> InvoiceLine:
    unit_price = D(amount) if unit == "" else (None if unit is None else D(unit))
    return InvoiceLine(item_id, "inv-1", description, D(quantity), unit_price, D(amount))


def source(status: str = "open", subtotal: str = "100.00", tax_amount: str = "13.00",
           items: tuple[InvoiceLine, ...] | None = None, **header: Any) -> SourceInvoice:
    values: dict[str, Any] = {
        "id": "inv-1", "stripe_invoice_id": "in_1", "invoice_number": "NEX-0001", "user_id": "user-1",
        "subscription_id": None, "created_at": CREATED, "currency": "CAD", "status": status,
        "subtotal": D(subtotal), "tax": D(tax_amount),
        "amount_paid": D(subtotal) + D(tax_amount) if status == "paid" else D(0),
        "paid_at": PAID if status == "paid" else None,
    }
    values.update(header)
    lines = items if items is not None else (item(subtotal),)
    return SourceInvoice(InvoiceHeader(**values), lines)


def odoo(state: str, residual: str | None = None, payment_state: str = "not_paid",
         move_type: str = "out_invoice", amounts: tuple[str, str, str] = ("100.00", "13.00", "113.00")) -> OdooMove:
    untaxed, tax_amount, total = (D(a) for a in amounts)
    return OdooMove(41, state, move_type, payment_state, untaxed, tax_amount, total,  # type: ignore[arg-type]
                    D(residual) if residual is not None else total)


def kinds(decision: Decision) -> list[str]:
    return [type(step).__name__ for step in decision.steps]


# ---- the status table against every Odoo state ------------------------------------------------

ODOO_STATES = {
    "none": None,
    "draft": odoo("draft"),
    "posted": odoo("posted"),
    "cancel": odoo("cancel"),
    "reversed": odoo("posted", residual="0", payment_state="reversed"),
}
W, P, R = "WriteDraft", "Post", "RegisterPayment"

# (source status, Odoo state): {posting mode: (action, steps, pending reason)}; "*" = both modes.
STATUS_TABLE: dict[tuple[str, str], dict[str, tuple[str, list[str], str | None]]] = {
    ("draft", "none"): {"*": ("created", [W], None)},
    ("draft", "draft"): {"*": ("updated", [W], None)},
    ("draft", "posted"): {"*": ("unchanged", [], None)},
    ("draft", "cancel"): {"*": ("pending", [], "conflict")},
    ("draft", "reversed"): {"*": ("unchanged", [], None)},
    ("open", "none"): {"draft": ("created", [W], None), "auto": ("posted", [W, P], None)},
    ("open", "draft"): {"draft": ("updated", [W], None), "auto": ("posted", [W, P], None)},
    ("open", "posted"): {"*": ("unchanged", [], None)},
    ("open", "cancel"): {"*": ("pending", [], "conflict")},
    ("open", "reversed"): {"*": ("unchanged", [], None)},
    ("paid", "none"): {"draft": ("created", [W], None), "auto": ("paid", [W, P, R], None)},
    ("paid", "draft"): {"draft": ("updated", [W], None), "auto": ("paid", [W, P, R], None)},
    ("paid", "posted"): {"draft": ("unchanged", [], None), "auto": ("paid", [R], None)},
    ("paid", "cancel"): {"*": ("pending", [], "conflict")},
    ("paid", "reversed"): {"*": ("unchanged", [], None)},
    ("uncollectible", "none"): {"draft": ("uncollectible", [W], None), "auto": ("uncollectible", [W, P], None)},
    ("uncollectible", "draft"): {"draft": ("uncollectible", [W], None), "auto": ("uncollectible", [W, P], None)},
    ("uncollectible", "posted"): {"*": ("unchanged", [], None)},
    ("uncollectible", "cancel"): {"*": ("pending", [], "conflict")},
    ("uncollectible", "reversed"): {"*": ("unchanged", [], None)},
    ("void", "none"): {"*": ("skipped", [], None)},
    ("void", "draft"): {"*": ("cancelled", ["Cancel"], None)},
    ("void", "posted"): {"*": ("reversed", ["Reverse"], None)},
    ("void", "cancel"): {"*": ("unchanged", [], None)},
    ("void", "reversed"): {"*": ("unchanged", [], None)},
    ("deleted", "none"): {"*": ("unchanged", [], None)},
    ("deleted", "draft"): {"*": ("deleted", ["Delete"], None)},
    ("deleted", "posted"): {"*": ("pending", [], "deleted_posted")},
    ("deleted", "cancel"): {"*": ("deleted", ["Delete"], None)},
    ("deleted", "reversed"): {"*": ("pending", [], "deleted_posted")},
}
STATUS_ROWS = [
    pytest.param(status, state, mode, *row.get(mode, row.get("*", ())), id=f"{status}-{state}-{mode}")
    for (status, state), row in STATUS_TABLE.items()
    for mode in ("draft", "auto")
]


def test_the_table_covers_every_status_and_odoo_state() -> None:
    statuses = {"draft", "open", "paid", "uncollectible", "void", "deleted"}
    assert set(STATUS_TABLE) == {(s, o) for s in statuses for o in ODOO_STATES}


@pytest.mark.parametrize(("status", "state", "mode", "action", "steps", "reason"), STATUS_ROWS)
def test_status_lifecycle(
    status: str, state: str, mode: str, action: str, steps: list[str], reason: str | None
) -> None:
    src = None if status == "deleted" else source(status)
    decision = decide(src, ODOO_STATES[state], context(posting_mode=mode), now=NOW)
    assert (decision.action, kinds(decision)) == (action, steps)
    assert (decision.pending.reason if decision.pending else None) == reason


def test_lifecycle_steps_carry_the_right_values() -> None:
    decision = decide(source("paid"), None, context(posting_mode="auto"))
    write, _post, pay = decision.steps
    assert isinstance(write, WriteDraft)
    assert write.move == decision.move
    assert pay == RegisterPayment(D("113.00"), date(2026, 5, 14))
    reverse = decide(source("void"), odoo("posted"), context(), now=datetime(2026, 5, 1, 2, 30, tzinfo=UTC))
    assert reverse.steps == (Reverse("NexaCloud invoice NEX-0001 was voided", date(2026, 4, 30)),)


def test_reverse_defaults_to_today() -> None:
    (step,) = decide(source("void"), odoo("posted"), context()).steps
    assert isinstance(step, Reverse)
    assert step.date == local_date(datetime.now(UTC), TORONTO)


@pytest.mark.parametrize("state", ["none", "draft", "posted"])
def test_skip_draft_invoices(state: str) -> None:
    decision = decide(source("draft"), ODOO_STATES[state], context(skip_draft_invoices=True))
    assert (decision.action, decision.steps, decision.pending) == ("skipped", (), None)


def test_skip_draft_invoices_leaves_other_statuses_alone() -> None:
    assert decide(source("open"), None, context(skip_draft_invoices=True)).action == "created"


@pytest.mark.parametrize(
    ("state", "action", "steps", "reason"),
    [("posted", "pending", [], "void_posted"), ("draft", "cancelled", [Cancel()], None),
     ("cancel", "unchanged", [], None), ("none", "skipped", [], None)],
)
def test_void_posted_report(state: str, action: str, steps: list[object], reason: str | None) -> None:
    decision = decide(source("void"), ODOO_STATES[state], context(void_posted="report"))
    assert (decision.action, list(decision.steps)) == (action, steps)
    assert (decision.pending.reason if decision.pending else None) == reason


def test_deleted_draft_is_deleted_posted_never() -> None:
    assert decide(None, odoo("draft"), context()).steps == (Delete(),)
    posted = decide(None, odoo("posted"), context(posting_mode="auto"))
    assert posted.steps == ()
    assert posted.pending is not None
    assert "41" in posted.pending.detail


class FakeOdoo:
    """Carries out steps the way Odoo would, to check that deciding again changes nothing."""

    def __init__(self) -> None:
        self.move: OdooMove | None = None
        self.fingerprint: str | None = None

    def apply(self, steps: tuple[object, ...]) -> None:
        for step in steps:
            move = self.move
            if isinstance(step, WriteDraft):
                d = step.move
                self.move = OdooMove(41, "draft", d.move_type, "not_paid", d.untaxed, d.tax, d.total, d.total)
                self.fingerprint = d.fingerprint()
            elif isinstance(step, Delete):
                self.move = None
            else:
                assert move is not None
                if isinstance(step, Post):
                    self.move = dataclasses.replace(move, state="posted")
                elif isinstance(step, RegisterPayment):
                    residual = move.amount_residual - step.amount
                    self.move = dataclasses.replace(
                        move, amount_residual=residual, payment_state="paid" if residual == 0 else "partial"
                    )
                elif isinstance(step, Cancel):
                    self.move = dataclasses.replace(move, state="cancel")
                elif isinstance(step, Reverse):
                    self.move = dataclasses.replace(move, amount_residual=D(0), payment_state="reversed")


@pytest.mark.parametrize("mode", ["draft", "auto"])
@pytest.mark.parametrize(
    "history",
    [
        ["open"], ["paid"], ["draft", "open", "paid"], ["open", "void"], ["open", "paid", "void"],
        ["uncollectible", "paid"], ["open", "deleted"], ["draft", "void", "deleted"],
    ],
)
def test_deciding_again_after_carrying_out_changes_nothing(history: list[str], mode: str) -> None:
    ctx, fake = context(posting_mode=mode), FakeOdoo()
    for status in history:
        src = None if status == "deleted" else source(status)
        fake.apply(decide(src, fake.move, ctx, fake.fingerprint, now=NOW).steps)
        again = decide(src, fake.move, ctx, fake.fingerprint, now=NOW)
        assert again.steps == ()
        assert again.action in {"unchanged", "skipped", "pending"}


# ---- lines, families, credit invoices -----------------------------------------------------------

@pytest.mark.parametrize(
    ("line", "quantity", "price_unit"),
    [
        (item("30.00", quantity="3", unit="10.00"), "3", "10.00"),
        (item("12.34", quantity="1", unit="30.00"), "1", "12.34"),  # proration
        (item("-7.50", quantity="1", unit="15.00"), "1", "-7.50"),  # unused time
        (item("20.00", quantity="2", unit=None), "1", "20.00"),  # no unit price
        (item("1.00", quantity="8", unit="0.125"), "1", "1.00"),  # Odoo keeps prices in cents
        (item("1.00", quantity="0.125", unit="8.00"), "1", "1.00"),
        (item("0.00", quantity="0", unit="10.00"), "0", "10.00"),
    ],
)
def test_line_quantity_and_price(line: InvoiceLine, quantity: str, price_unit: str) -> None:
    other = item("100.00", item_id="z")
    move, _ = desired_move(source(subtotal=str(line.amount + 100), tax_amount="0", items=(line, other)), context())
    assert move is not None
    assert move.move_type == "out_invoice"
    result = move.lines[0]
    assert (result.quantity, result.price_unit) == (D(quantity), D(price_unit))
    assert result.subtotal == line.amount


def test_lines_carry_name_family_and_item_in_a_stable_order() -> None:
    items = (
        item("45.00", "Remaining time on Managed Odoo after 27 May 2026", item_id="b"),
        item("40.00", "Odoo ERP Hosting", item_id="c"),
        item("15.00", "Something Unmapped", item_id="a"),
    )
    first, _ = desired_move(source(items=items), context())
    second, _ = desired_move(source(items=tuple(reversed(items))), context())
    assert first is not None
    assert first == second
    assert first.lines == (
        DesiredLine("Something Unmapped", D(1), D("15.00"), "other", "a"),
        DesiredLine("Remaining time on Managed Odoo after 27 May 2026", D(1), D("45.00"), "managed", "b"),
        DesiredLine("Odoo ERP Hosting", D(1), D("40.00"), "hosting", "c"),
    )


def test_family_keywords_come_from_the_context() -> None:
    move, _ = desired_move(source(items=(item("100.00", "Premium Support"),)),
                           context(family_keywords={"support": ("support",)}))
    assert move is not None
    assert move.lines[0].family == "support"


def test_desired_move_fields() -> None:
    move, pending = desired_move(source(), context())
    assert pending is None
    assert move == DesiredMove(
        source_id="inv-1", stripe_id="in_1", ref="NEX-0001", move_type="out_invoice",
        invoice_date=date(2026, 5, 12), currency="CAD", user_id="user-1", tax_id=7,
        lines=(DesiredLine("Odoo ERP Hosting", D(1), D("100.00"), "hosting", "item-1"),),
        untaxed=D("100.00"), tax=D("13.00"), total=D("113.00"),
    )


@pytest.mark.parametrize(
    ("items", "subtotal", "tax_amount", "prices", "untaxed", "tax_total"),
    [
        ((item("-50.00"),), "-50.00", "-6.50", ["50.00"], "50.00", ("6.50", "56.50")),
        ((item("-80.00", item_id="a"), item("30.00", item_id="b")), "-50.00", "-6.50", ["80.00", "-30.00"],
         "50.00", ("6.50", "56.50")),
        ((item("-20.00"),), "-20.00", "0.00", ["20.00"], "20.00", ("0.00", "20.00")),
    ],
)
def test_credit_invoice_is_a_refund_with_positive_amounts(
    items: tuple[InvoiceLine, ...], subtotal: str, tax_amount: str, prices: list[str], untaxed: str,
    tax_total: tuple[str, str],
) -> None:
    ctx = context()
    move, pending = desired_move(source(subtotal=subtotal, tax_amount=tax_amount, items=items), ctx)
    assert pending is None
    assert move is not None
    assert move.move_type == "out_refund"
    assert [line.price_unit for line in move.lines] == [D(p) for p in prices]
    assert (move.untaxed, move.tax, move.total) == (D(untaxed), D(tax_total[0]), D(tax_total[1]))
    assert compute_tax(move.lines, ctx.tax(move.tax_id), ctx.rounding) == move.tax


def test_zero_subtotal_invoice_is_an_invoice() -> None:
    items = (item("10.00", item_id="a"), item("-10.00", item_id="b"))
    move, pending = desired_move(source(subtotal="0.00", tax_amount="0.00", items=items), context())
    assert pending is None
    assert move is not None
    assert (move.move_type, move.total, move.tax_id) == ("out_invoice", D(0), 2)


# ---- tax ----------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("ctx_changes", "subtotal", "tax_amount", "tax_id", "reason"),
    [
        ({}, "100.00", "13.00", 7, None),
        ({}, "100.00", "5.00", 1, None),
        ({}, "100.00", "0.00", 2, None),
        ({"taxes": (tax(7, "13"),)}, "100.00", "0.00", None, None),
        ({}, "100.00", "12.99", 7, "tax_mismatch"),
        ({"taxes": ()}, "100.00", "13.00", None, "tax_mismatch"),
    ],
)
def test_tax_choice(ctx_changes: dict[str, Any], subtotal: str, tax_amount: str, tax_id: int | None,
                    reason: str | None) -> None:
    move, pending = desired_move(source(subtotal=subtotal, tax_amount=tax_amount), context(**ctx_changes))
    assert move is not None
    assert move.tax_id == tax_id
    assert move.tax == D(tax_amount)
    assert (pending.reason if pending else None) == reason


@pytest.mark.parametrize(("rounding", "reason"), [("round_globally", None), ("round_per_line", "tax_mismatch")])
def test_tax_choice_follows_the_company_rounding(rounding: str, reason: str | None) -> None:
    items = (item("0.35", item_id="a"), item("0.35", item_id="b"))
    _, pending = desired_move(source(subtotal="0.70", tax_amount="0.09", items=items), context(rounding=rounding))
    assert (pending.reason if pending else None) == reason


def test_tax_mismatch_is_drafted_with_both_amounts_and_never_posted() -> None:
    decision = decide(source("paid", tax_amount="12.99"), None, context(posting_mode="auto"))
    assert (decision.action, kinds(decision)) == ("pending", [W])
    assert decision.pending is not None
    assert decision.pending.reason == "tax_mismatch"
    assert "12.99" in decision.pending.detail
    assert "13.00" in decision.pending.detail
    assert decision.move is not None
    assert (decision.move.untaxed, decision.move.tax, decision.move.total) == (D("100.00"), D("12.99"), D("112.99"))
    drafted = decide(source("paid", tax_amount="12.99"), odoo("draft"), context(posting_mode="auto"),
                     decision.move.fingerprint())
    assert (drafted.action, drafted.steps) == ("pending", ())


def test_a_posted_move_with_the_source_amounts_is_not_a_tax_mismatch() -> None:
    posted = odoo("posted", amounts=("100.00", "12.99", "112.99"))
    decision = decide(source("open", tax_amount="12.99"), posted, context(posting_mode="auto"))
    assert (decision.action, decision.pending) == ("unchanged", None)


# ---- currency, consistency, dates ---------------------------------------------------------------

@pytest.mark.parametrize(
    ("currency", "active", "reason"),
    [("cad", {"CAD"}, None), ("CAD", {"CAD"}, None), ("CAD", {"cad"}, None), ("usd", {"CAD", "USD"}, None),
     ("XYZ", {"CAD"}, "failed"), ("USD", {"CAD"}, "failed")],
)
@pytest.mark.parametrize("state", ["none", "draft", "posted"])
def test_currency(currency: str, active: set[str], reason: str | None, state: str) -> None:
    decision = decide(source(currency=currency), ODOO_STATES[state], context(active_currencies=frozenset(active)))
    assert (decision.pending.reason if decision.pending else None) == reason
    if reason:
        assert decision.steps == ()
        assert decision.pending is not None
        assert decision.pending.detail == f"currency {currency.upper()} is not active in Odoo"
    else:
        assert decision.move is not None
        assert decision.move.currency == currency.upper()


@pytest.mark.parametrize(
    ("items", "detail"),
    [((item("99.99"),), "the items add up to 99.99, the subtotal is 100.00"), ((), "the invoice has no items")],
)
@pytest.mark.parametrize("state", ["none", "draft", "posted"])
def test_inconsistent_invoice_has_no_steps(items: tuple[InvoiceLine, ...], detail: str, state: str) -> None:
    decision = decide(source("paid", items=items), ODOO_STATES[state], context(posting_mode="auto"))
    assert (decision.action, decision.steps, decision.move) == ("pending", (), None)
    assert decision.pending is not None
    assert (decision.pending.reason, decision.pending.detail) == ("inconsistent", detail)


@pytest.mark.parametrize(
    ("created_at", "timezone", "expected"),
    [
        (datetime(2026, 5, 1, 2, 30, tzinfo=UTC), "America/Toronto", date(2026, 4, 30)),
        (datetime(2026, 5, 1, 3, 59, tzinfo=UTC), "America/Toronto", date(2026, 4, 30)),
        (datetime(2026, 5, 1, 4, 0, tzinfo=UTC), "America/Toronto", date(2026, 5, 1)),
        (datetime(2026, 1, 1, 4, 59, tzinfo=UTC), "America/Toronto", date(2025, 12, 31)),
        (datetime(2026, 5, 1, 2, 30, tzinfo=UTC), "UTC", date(2026, 5, 1)),
        (datetime(2026, 4, 30, 23, 0, tzinfo=ZoneInfo("America/Vancouver")), "America/Toronto", date(2026, 5, 1)),
    ],
)
def test_invoice_date_in_the_company_timezone(created_at: datetime, timezone: str, expected: date) -> None:
    move, _ = desired_move(source(created_at=created_at), context(timezone=ZoneInfo(timezone)))
    assert move is not None
    assert move.invoice_date == expected


@pytest.mark.parametrize(
    ("paid_at", "expected"),
    [(datetime(2026, 6, 1, 3, 0, tzinfo=UTC), date(2026, 5, 31)), (None, date(2026, 5, 12))],
)
def test_payment_date_in_the_company_timezone(paid_at: datetime | None, expected: date) -> None:
    decision = decide(source("paid", paid_at=paid_at), odoo("posted"), context(posting_mode="auto"))
    assert decision.steps == (RegisterPayment(D("113.00"), expected),)


# ---- payments and conflicts ---------------------------------------------------------------------

@pytest.mark.parametrize(
    ("amount_paid", "residual", "action", "payment", "reason"),
    [
        ("113.00", "113.00", "paid", "113.00", None),  # full
        ("50.00", "113.00", "paid", "50.00", None),  # partial
        ("113.00", "63.00", "paid", "63.00", None),  # the rest of a partial payment
        ("113.00", "0.00", "unchanged", None, None),  # already paid
        ("50.00", "63.00", "unchanged", None, None),  # the partial payment already registered
        ("0.00", "113.00", "unchanged", None, None),  # paid out of band: nothing Stripe received
        ("100.00", "0.00", "pending", None, "overpaid"),  # Odoo holds more than the source was paid
        ("120.00", "113.00", "pending", "113.00", "overpaid"),  # the source was paid more than the total
        ("120.00", "0.00", "pending", None, "overpaid"),
    ],
)
def test_payments_on_a_posted_move(amount_paid: str, residual: str, action: str, payment: str | None,
                                   reason: str | None) -> None:
    src = source("paid", amount_paid=D(amount_paid))
    decision = decide(src, odoo("posted", residual=residual), context(posting_mode="auto"))
    assert decision.action == action
    expected = (RegisterPayment(D(payment), date(2026, 5, 14)),) if payment else ()
    assert decision.steps == expected
    assert (decision.pending.reason if decision.pending else None) == reason


def test_overpaid_new_invoice_registers_the_total() -> None:
    decision = decide(source("paid", amount_paid=D("150.00")), None, context(posting_mode="auto"))
    assert kinds(decision) == [W, P, R]
    assert decision.steps[-1] == RegisterPayment(D("113.00"), date(2026, 5, 14))
    assert decision.pending is not None
    assert "150.00" in decision.pending.detail


@pytest.mark.parametrize(
    ("amount_paid", "steps"),
    [("-56.50", [RegisterPayment(D("56.50"), date(2026, 5, 14))]), ("0.00", [])],
)
def test_payment_of_a_credit_invoice(amount_paid: str, steps: list[RegisterPayment]) -> None:
    src = source("paid", subtotal="-50.00", tax_amount="-6.50", amount_paid=D(amount_paid))
    refund = odoo("posted", move_type="out_refund", amounts=("50.00", "6.50", "56.50"))
    assert list(decide(src, refund, context(posting_mode="auto")).steps) == steps


@pytest.mark.parametrize(
    ("amounts", "move_type", "conflict"),
    [
        (("100.00", "13.00", "113.00"), "out_invoice", False),
        ((100.0, 13.0, 113.0), "out_invoice", False),  # Odoo's floats, as the writer may pass them
        (("90.00", "11.70", "101.70"), "out_invoice", True),
        (("100.00", "12.00", "112.00"), "out_invoice", True),
        (("100.00", "13.00", "113.00"), "out_refund", True),
    ],
)
@pytest.mark.parametrize("status", ["draft", "open", "paid", "uncollectible"])
def test_posted_move_is_immutable(amounts: tuple[Any, Any, Any], move_type: str, conflict: bool, status: str) -> None:
    untaxed, tax_amount, total = (D(str(a)) for a in amounts)
    posted = OdooMove(41, "posted", move_type, "paid", untaxed, tax_amount, total, D(0))
    decision = decide(source(status), posted, context(posting_mode="auto"))
    assert not any(isinstance(step, WriteDraft) for step in decision.steps)
    assert (decision.pending.reason if decision.pending else None) == ("conflict" if conflict else None)
    if conflict:
        assert decision.steps == ()
        assert decision.pending is not None
        assert "113.00" in decision.pending.detail


# ---- fingerprints and rewrites ------------------------------------------------------------------

def test_unchanged_draft_is_not_rewritten() -> None:
    first = decide(source("open"), None, context())
    assert first.move is not None
    fingerprint = first.move.fingerprint()
    assert decide(source("open"), odoo("draft"), context(), fingerprint) == Decision("unchanged", move=first.move)
    auto = decide(source("open"), odoo("draft"), context(posting_mode="auto"), fingerprint)
    assert (auto.action, auto.steps) == ("posted", (Post(),))
    changed = decide(source("open", subtotal="90.00", tax_amount="11.70"), odoo("draft"), context(), fingerprint)
    assert kinds(changed) == [W]
    assert changed.action == "updated"


def test_a_missing_move_is_created_whatever_the_fingerprint() -> None:
    first = decide(source("open"), None, context())
    assert first.move is not None
    assert kinds(decide(source("open"), None, context(), first.move.fingerprint())) == [W]


def _move() -> DesiredMove:
    move, _ = desired_move(source(items=(item("60.00", item_id="a"), item("40.00", "Daily Backup", item_id="b"))),
                           context())
    assert move is not None
    return move


def _with_line(**changes: Any) -> DesiredMove:
    move = _move()
    return dataclasses.replace(move, lines=(dataclasses.replace(move.lines[0], **changes), move.lines[1]))


@pytest.mark.parametrize(
    "changed",
    [
        pytest.param(lambda m: dataclasses.replace(m, source_id="inv-2"), id="source_id"),
        pytest.param(lambda m: dataclasses.replace(m, stripe_id=None), id="stripe_id"),
        pytest.param(lambda m: dataclasses.replace(m, ref="NEX-0002"), id="ref"),
        pytest.param(lambda m: dataclasses.replace(m, move_type="out_refund"), id="move_type"),
        pytest.param(lambda m: dataclasses.replace(m, invoice_date=date(2026, 5, 13)), id="invoice_date"),
        pytest.param(lambda m: dataclasses.replace(m, currency="USD"), id="currency"),
        pytest.param(lambda m: dataclasses.replace(m, user_id="user-2"), id="user_id"),
        pytest.param(lambda m: dataclasses.replace(m, tax_id=8), id="tax_id"),
        pytest.param(lambda m: dataclasses.replace(m, tax_id=None), id="no_tax"),
        pytest.param(lambda m: dataclasses.replace(m, untaxed=D("100.01")), id="untaxed"),
        pytest.param(lambda m: dataclasses.replace(m, tax=D("13.01")), id="tax"),
        pytest.param(lambda m: dataclasses.replace(m, total=D("113.01")), id="total"),
        pytest.param(lambda m: dataclasses.replace(m, lines=m.lines[:1]), id="line_removed"),
        pytest.param(lambda m: dataclasses.replace(m, lines=m.lines[::-1]), id="line_order"),
        pytest.param(lambda _: _with_line(name="Odoo ERP Hosting!"), id="line_name"),
        pytest.param(lambda _: _with_line(quantity=D(2)), id="line_quantity"),
        pytest.param(lambda _: _with_line(price_unit=D("60.01")), id="line_price"),
        pytest.param(lambda _: _with_line(family="managed"), id="line_family"),
        pytest.param(lambda _: _with_line(source_item_id="z"), id="line_item"),
    ],
)
def test_any_change_changes_the_fingerprint(changed: Any) -> None:
    assert changed(_move()).fingerprint() != _move().fingerprint()


def test_fingerprint_is_stable() -> None:
    fingerprint = _move().fingerprint()
    assert fingerprint == _move().fingerprint()
    assert len(fingerprint) == 64
    rescaled = _with_line(quantity=D("1.000"), price_unit=D("60.0"))
    assert rescaled.fingerprint() == fingerprint


# ---- context and the dry-run report -------------------------------------------------------------

def test_context_from_settings() -> None:
    settings = Settings(company_timezone="America/Vancouver", posting_mode="auto", skip_draft_invoices=True,
                        void_posted="report", family_keywords={"support": ["support"]})  # type: ignore[dict-item]
    ctx = LedgerContext.from_settings(settings, [tax(7, "13")], "round_per_line", ["cad", "USD"])
    assert ctx == LedgerContext(
        taxes=(tax(7, "13"),), rounding="round_per_line", active_currencies=frozenset({"CAD", "USD"}),
        timezone=ZoneInfo("America/Vancouver"), posting_mode="auto", skip_draft_invoices=True,
        void_posted="report", family_keywords={"support": ("support",)},
    )
    assert ctx.tax(7) == tax(7, "13")
    assert ctx.tax(8) is None
    assert ctx.tax(None) is None


def test_context_refuses_an_unsupported_rounding_method() -> None:
    with pytest.raises(StartupCheckError, match="swedish_round_globally"):
        context(rounding="swedish_round_globally")


def test_family_report() -> None:
    invoice, _ = desired_move(source(items=(
        item("60.00", "Odoo ERP Hosting", item_id="a"),
        item("25.00", "Custom Development", item_id="b"),
        item("15.00", "Remaining time on Daily Backup after 1 June", item_id="c"),
    )), context())
    credit, _ = desired_move(source(subtotal="-30.00", tax_amount="-3.90", items=(
        item("-20.00", "Odoo ERP Hosting", item_id="d"), item("-10.00", "Goodwill credit", item_id="e"),
    ), id="inv-2", invoice_number="NEX-0002"), context())
    usd, _ = desired_move(source(currency="USD", id="inv-3", invoice_number="NEX-0003"), context())
    assert invoice is not None
    assert credit is not None
    assert usd is not None
    report = family_report([usd, credit, invoice])
    assert report.totals == (
        FamilyTotal("CAD", "addons", D("15.00"), 1),
        FamilyTotal("CAD", "hosting", D("40.00"), 2),
        FamilyTotal("CAD", "other", D("15.00"), 2),
        FamilyTotal("USD", "hosting", D("100.00"), 1),
    )
    assert report.other_lines == (
        OtherLine("inv-1", "NEX-0001", "CAD", "Custom Development", D("25.00")),
        OtherLine("inv-2", "NEX-0002", "CAD", "Goodwill credit", D("-10.00")),
    )
    assert family_report([]).totals == ()

"""The emulator's payment bookkeeping in-process: deleting payments, failed calls, saved state."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cdc_consumer.emulator import OdooEmulator
from cdc_consumer.emulator.errors import UserError, ValidationError
from cdc_consumer.emulator.models.payments import CONFIRMED_DELETE

BANK_JOURNAL = [("type", "=", "bank")]


@pytest.fixture
def odoo() -> OdooEmulator:
    """An emulator used in-process only (not listening)."""
    return OdooEmulator(port=0)


def posted_invoice(odoo: OdooEmulator, price: float = 100.0) -> int:
    line = {"name": "hosting", "price_unit": price, "tax_ids": [(6, 0, [7])]}
    move = odoo.execute(
        "account.move", "create", {"move_type": "out_invoice", "partner_id": 3, "invoice_line_ids": [(0, 0, line)]}
    )
    odoo.execute("account.move", "action_post", [move])
    return move


def pay(odoo: OdooEmulator, move: int, amount: float) -> int:
    context = {"active_model": "account.move", "active_ids": [move]}
    journal = odoo.execute("account.journal", "search", BANK_JOURNAL, limit=1)[0]
    wizard = odoo.execute(
        "account.payment.register", "create", {"journal_id": journal, "amount": amount}, context=context
    )
    return odoo.execute("account.payment.register", "action_create_payments", [wizard], context=context)["res_id"]


def state(odoo: OdooEmulator, model: str, rid: int, fields: list[str]) -> dict[str, Any]:
    return odoo.execute(model, "read", [rid], fields)[0]


def test_a_confirmed_payment_is_not_deleted_a_draft_one_takes_its_reconciliation_along(odoo: OdooEmulator) -> None:
    move = posted_invoice(odoo)
    payment = pay(odoo, move, 113.0)
    with pytest.raises(ValidationError, match=f"^{CONFIRMED_DELETE}$"):
        odoo.execute("account.payment", "unlink", [payment])
    odoo.execute("account.payment", "action_draft", [payment])
    assert state(odoo, "account.move", move, ["payment_state"])["payment_state"] == "paid"
    odoo.execute("account.payment", "unlink", [payment])
    assert state(odoo, "account.move", move, ["payment_state", "amount_residual", "matched_payment_ids"]) == {
        "id": move,
        "payment_state": "not_paid",
        "amount_residual": 113.0,
        "matched_payment_ids": [],
    }


def test_deleting_a_paid_draft_invoice_leaves_its_payment_unreconciled(odoo: OdooEmulator) -> None:
    move = posted_invoice(odoo)
    payment = pay(odoo, move, 113.0)
    odoo.execute("account.move", "button_draft", [move])
    odoo.execute("account.move", "unlink", [move])
    assert state(odoo, "account.payment", payment, ["state", "is_reconciled", "reconciled_invoice_ids"]) == {
        "id": payment,
        "state": "in_process",
        "is_reconciled": False,
        "reconciled_invoice_ids": [],
    }


def test_a_failed_payment_call_changes_nothing(odoo: OdooEmulator) -> None:
    move = posted_invoice(odoo)
    pay(odoo, move, 113.0)
    with pytest.raises(UserError, match="nothing left to pay"):
        pay(odoo, move, 1.0)
    assert odoo.execute("account.payment", "search_count", []) == 1
    assert not odoo.db["account.payment"].dirty  # type: ignore[attr-defined]


def test_payments_and_reversals_survive_the_state_file(tmp_path: Path) -> None:
    path = tmp_path / "odoo.json"
    first = OdooEmulator(port=0, state_file=path)
    paid, reversed_ = posted_invoice(first), posted_invoice(first)
    payment = pay(first, paid, 50.0)
    context = {"active_model": "account.move", "active_ids": [reversed_]}
    wizard = first.execute("account.move.reversal", "create", {"reason": "void"}, context=context)
    first.execute("account.move.reversal", "refund_moves", [wizard], context=context)
    first.save()
    second = OdooEmulator(port=0, state_file=path)
    refund = second.execute("account.move", "search", [("reversed_entry_id", "=", reversed_)])
    second.execute("account.move", "action_post", refund)
    assert state(second, "account.move", reversed_, ["payment_state"])["payment_state"] == "reversed"
    pay(second, paid, 63.0)
    assert state(second, "account.payment", payment, ["state"])["state"] == "paid"
    second.execute("account.move", "button_cancel", [paid])
    assert state(second, "account.payment", payment, ["state", "is_reconciled"]) == {
        "id": payment,
        "state": "in_process",
        "is_reconciled": False,
    }

"""Payments through ``account.payment.register`` and reversals through
``account.move.reversal``, both opened with ``active_model``/``active_ids``, and the payment
states they leave on invoices, credit notes and payments (Odoo 19 Community)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import odoorpc

from tests.contract.support import Cleanup, read_one, rpc_error, today

SETTLED = ["state", "payment_state", "amount_residual"]
PAYMENT = ["state", "amount", "is_reconciled", "reconciled_invoice_ids"]
NOTHING_TO_PAY = (
    "There's nothing left to pay for the selected journal items, so no payment registration is necessary. "
    "You've got your finances under control like a boss!"
)


def wizard_context(move: int) -> dict[str, Any]:
    return {"context": {"active_model": "account.move", "active_ids": [move]}}


def pay(odoo: odoorpc.ODOO, cleanup: Cleanup, move: int, journal: int, amount: float) -> dict[str, Any]:
    """Register a payment of ``amount`` on ``move`` as the consumer does; the action answered."""
    context = wizard_context(move)
    wizard = odoo.execute_kw(
        "account.payment.register",
        "create",
        [{"journal_id": journal, "payment_date": today(odoo), "amount": amount}],
        context,
    )
    action = odoo.execute_kw("account.payment.register", "action_create_payments", [[wizard]], context)
    cleanup.add("account.payment", action["res_id"])
    return action


def settled(odoo: odoorpc.ODOO, move: int) -> tuple[str, str, float]:
    row = read_one(odoo, "account.move", move, SETTLED)
    return row["state"], row["payment_state"], row["amount_residual"]


def payment(odoo: odoorpc.ODOO, pid: int) -> tuple[str, float, bool, list[int]]:
    row = read_one(odoo, "account.payment", pid, PAYMENT)
    return row["state"], row["amount"], row["is_reconciled"], row["reconciled_invoice_ids"]


def reverse(odoo: odoorpc.ODOO, move: int, journal: int, method: str) -> dict[str, Any]:
    context = wizard_context(move)
    wizard = odoo.execute_kw(
        "account.move.reversal",
        "create",
        [{"journal_id": journal, "reason": "voided", "date": today(odoo)}],
        context,
    )
    return odoo.execute_kw("account.move.reversal", method, [[wizard]], context)


def credit_notes(odoo: odoorpc.ODOO, move: int, cleanup: Cleanup) -> list[dict[str, Any]]:
    rows = odoo.execute_kw(
        "account.move",
        "search_read",
        [[("reversed_entry_id", "=", move)]],
        {"fields": ["move_type", "ref", "amount_total", *SETTLED]},
    )
    cleanup.add("account.move", [row["id"] for row in rows])
    return rows


def test_full_payment_makes_the_invoice_and_the_payment_paid(
    odoo: odoorpc.ODOO, make_invoice: Callable[..., int], bank_journal: int, cleanup: Cleanup
) -> None:
    move = make_invoice()
    odoo.execute_kw("account.move", "action_post", [[move]])
    action = pay(odoo, cleanup, move, bank_journal, 113.0)
    assert action == {
        "name": "Payments",
        "type": "ir.actions.act_window",
        "res_model": "account.payment",
        "context": {"create": False},
        "view_mode": "form",
        "res_id": action["res_id"],
    }
    assert settled(odoo, move) == ("posted", "paid", 0.0)
    assert payment(odoo, action["res_id"]) == ("paid", 113.0, True, [move])
    invoice = read_one(odoo, "account.move", move, ["name", "ref", "payment_reference"])
    assert invoice["ref"]
    assert invoice["payment_reference"] == invoice["name"]
    assert read_one(odoo, "account.payment", action["res_id"], ["memo"])["memo"] == invoice["name"]


def test_a_partial_payment_stays_in_process_until_the_invoice_is_paid(
    odoo: odoorpc.ODOO, make_invoice: Callable[..., int], bank_journal: int, cleanup: Cleanup
) -> None:
    move = make_invoice([("Daily backup", 1.0, 20.0)])
    odoo.execute_kw("account.move", "action_post", [[move]])
    first = pay(odoo, cleanup, move, bank_journal, 10.0)["res_id"]
    assert settled(odoo, move) == ("posted", "partial", 12.6)
    assert payment(odoo, first) == ("in_process", 10.0, True, [move])
    second = pay(odoo, cleanup, move, bank_journal, 12.6)["res_id"]
    assert settled(odoo, move) == ("posted", "paid", 0.0)
    assert payment(odoo, second) == ("paid", 12.6, True, [move])
    assert payment(odoo, first) == ("paid", 10.0, True, [move])


def test_an_overpayment_pays_the_invoice_and_is_not_fully_reconciled(
    odoo: odoorpc.ODOO, make_invoice: Callable[..., int], bank_journal: int, cleanup: Cleanup
) -> None:
    move = make_invoice()
    odoo.execute_kw("account.move", "action_post", [[move]])
    pid = pay(odoo, cleanup, move, bank_journal, 150.0)["res_id"]
    assert settled(odoo, move) == ("posted", "paid", 0.0)
    assert payment(odoo, pid) == ("paid", 150.0, False, [move])


def test_a_draft_invoice_can_be_paid_and_stays_paid_when_posted(
    odoo: odoorpc.ODOO, make_invoice: Callable[..., int], bank_journal: int, cleanup: Cleanup
) -> None:
    move = make_invoice()
    pid = pay(odoo, cleanup, move, bank_journal, 113.0)["res_id"]
    assert settled(odoo, move) == ("draft", "paid", 0.0)
    assert payment(odoo, pid) == ("paid", 113.0, True, [move])
    ref = read_one(odoo, "account.move", move, ["ref"])["ref"]
    assert read_one(odoo, "account.payment", pid, ["memo"])["memo"] == ref
    odoo.execute_kw("account.move", "action_post", [[move]])
    assert settled(odoo, move) == ("posted", "paid", 0.0)
    partly = make_invoice()
    pid = pay(odoo, cleanup, partly, bank_journal, 50.0)["res_id"]
    assert settled(odoo, partly) == ("draft", "partial", 63.0)
    assert payment(odoo, pid) == ("in_process", 50.0, True, [partly])


def test_nothing_left_to_pay(odoo: odoorpc.ODOO, make_invoice: Callable[..., int], bank_journal: int) -> None:
    move = make_invoice([("Free trial", 1.0, 0.0)])
    odoo.execute_kw("account.move", "action_post", [[move]])
    assert settled(odoo, move) == ("posted", "paid", 0.0)
    error = rpc_error(
        lambda: odoo.execute_kw(
            "account.payment.register",
            "create",
            [{"journal_id": bank_journal, "payment_date": today(odoo)}],
            wizard_context(move),
        )
    )
    assert error["data"]["name"] == "odoo.exceptions.UserError"
    assert error["data"]["message"] == NOTHING_TO_PAY


def test_reset_to_draft_keeps_the_payment_and_cancel_undoes_it(
    odoo: odoorpc.ODOO, make_invoice: Callable[..., int], bank_journal: int, cleanup: Cleanup
) -> None:
    move = make_invoice()
    odoo.execute_kw("account.move", "action_post", [[move]])
    pid = pay(odoo, cleanup, move, bank_journal, 113.0)["res_id"]
    odoo.execute_kw("account.move", "button_draft", [[move]])
    assert settled(odoo, move) == ("draft", "paid", 0.0)
    assert payment(odoo, pid) == ("paid", 113.0, True, [move])
    odoo.execute_kw("account.move", "button_cancel", [[move]])
    assert settled(odoo, move) == ("cancel", "not_paid", 113.0)
    assert payment(odoo, pid) == ("in_process", 113.0, False, [move])


def test_refund_moves_makes_a_draft_credit_note_that_reverses_the_invoice_once_posted(
    odoo: odoorpc.ODOO, make_invoice: Callable[..., int], sale_journal: int, cleanup: Cleanup
) -> None:
    move = make_invoice()
    odoo.execute_kw("account.move", "action_post", [[move]])
    name = read_one(odoo, "account.move", move, ["name"])["name"]
    action = reverse(odoo, move, sale_journal, "refund_moves")
    [refund] = credit_notes(odoo, move, cleanup)
    assert action == {
        "name": "Reverse Moves",
        "type": "ir.actions.act_window",
        "res_model": "account.move",
        "view_mode": "form",
        "res_id": refund["id"],
        "context": {"default_move_type": "out_refund"},
    }
    assert (refund["move_type"], refund["ref"], refund["amount_total"]) == (
        "out_refund",
        f"Reversal of: {name}, voided",
        113.0,
    )
    assert settled(odoo, refund["id"]) == ("draft", "not_paid", 113.0)
    assert settled(odoo, move) == ("posted", "not_paid", 113.0)
    assert odoo.execute_kw("account.move", "action_post", [[refund["id"]]]) is False
    assert settled(odoo, refund["id"]) == ("posted", "paid", 0.0)
    assert settled(odoo, move) == ("posted", "reversed", 0.0)


def test_modify_moves_reverses_the_invoice_and_opens_a_draft_copy(
    odoo: odoorpc.ODOO,
    make_invoice: Callable[..., int],
    manual_field: Callable[[str], str],
    unique: str,
    sale_journal: int,
    cleanup: Cleanup,
) -> None:
    source_id = manual_field("account.move")  # not copied, like x_fc_nexacloud_invoice_id
    move = make_invoice(**{source_id: f"src-{unique}"})
    odoo.execute_kw("account.move", "action_post", [[move]])
    action = reverse(odoo, move, sale_journal, "modify_moves")
    cleanup.add("account.move", action["res_id"])
    assert action == {
        "name": "Reverse Moves",
        "type": "ir.actions.act_window",
        "res_model": "account.move",
        "view_mode": "form",
        "res_id": action["res_id"],
        "context": {"default_move_type": "out_invoice"},
    }
    [refund] = credit_notes(odoo, move, cleanup)
    assert (refund["move_type"], refund["state"], refund["payment_state"]) == ("out_refund", "posted", "paid")
    assert settled(odoo, move) == ("posted", "reversed", 0.0)
    copy = read_one(
        odoo,
        "account.move",
        action["res_id"],
        ["move_type", "name", "invoice_date", "ref", "amount_total", source_id, *SETTLED],
    )
    assert copy == {
        "id": action["res_id"],
        "move_type": "out_invoice",
        "name": False,
        "invoice_date": False,
        "ref": False,
        "amount_total": 113.0,
        source_id: False,
        "state": "draft",
        "payment_state": "not_paid",
        "amount_residual": 113.0,
    }


def test_only_posted_moves_are_reversed(
    odoo: odoorpc.ODOO, make_invoice: Callable[..., int], sale_journal: int
) -> None:
    move = make_invoice()
    error = rpc_error(lambda: reverse(odoo, move, sale_journal, "refund_moves"))
    assert (error["data"]["name"], error["data"]["message"]) == (
        "odoo.exceptions.UserError",
        "To reverse a journal entry, it has to be posted first.",
    )


def test_wizards_need_moves_in_their_context(odoo: odoorpc.ODOO, customer: int, bank_journal: int) -> None:
    context = {"context": {"active_model": "res.partner", "active_ids": [customer]}}
    error = rpc_error(
        lambda: odoo.execute_kw("account.payment.register", "create", [{"journal_id": bank_journal}], context)
    )
    assert error["data"]["message"] == (
        "The register payment wizard should only be called on account.move or account.move.line records."
    )

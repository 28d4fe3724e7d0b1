"""Payments through ``account.payment.register`` and reversals through
``account.move.reversal``, both opened with ``active_model``/``active_ids``."""

from __future__ import annotations

from collections.abc import Callable

import odoorpc

from tests.contract.support import Cleanup, read_one, rpc_error, today


def pay(odoo: odoorpc.ODOO, move: int, journal: int, amount: float) -> dict[str, object]:
    context = {"active_model": "account.move", "active_ids": [move]}
    wizard = odoo.execute_kw(
        "account.payment.register",
        "create",
        [{"journal_id": journal, "payment_date": today(odoo), "amount": amount}],
        {"context": context},
    )
    return odoo.execute_kw("account.payment.register", "action_create_payments", [[wizard]], {"context": context})


def test_full_payment_makes_the_invoice_paid(
    odoo: odoorpc.ODOO, make_invoice: Callable[..., int], bank_journal: int, cleanup: Cleanup
) -> None:
    move = make_invoice()
    odoo.execute_kw("account.move", "action_post", [[move]])
    action = pay(odoo, move, bank_journal, 113.0)
    assert action["type"] == "ir.actions.act_window"
    assert action["res_model"] == "account.payment"
    state = read_one(odoo, "account.move", move, ["payment_state", "amount_residual"])
    assert (state["payment_state"], state["amount_residual"]) == ("paid", 0.0)


def test_partial_payment(odoo: odoorpc.ODOO, make_invoice: Callable[..., int], bank_journal: int) -> None:
    move = make_invoice([("Daily backup", 1.0, 20.0)])
    odoo.execute_kw("account.move", "action_post", [[move]])
    action = pay(odoo, move, bank_journal, 10.0)
    state = read_one(odoo, "account.move", move, ["payment_state", "amount_residual", "amount_total"])
    assert (state["payment_state"], state["amount_residual"], state["amount_total"]) == ("partial", 12.6, 22.6)
    if "res_id" in action:
        payment = read_one(odoo, "account.payment", action["res_id"], ["state", "amount"])
        assert (payment["state"], payment["amount"]) == ("in_process", 10.0)


def test_payments_need_a_posted_invoice(
    odoo: odoorpc.ODOO, make_invoice: Callable[..., int], bank_journal: int
) -> None:
    move = make_invoice()
    error = rpc_error(lambda: pay(odoo, move, bank_journal, 113.0))
    assert error["data"]["name"] == "odoo.exceptions.UserError"


def test_refund_moves_creates_a_draft_credit_note(
    odoo: odoorpc.ODOO, make_invoice: Callable[..., int], sale_journal: int, cleanup: Cleanup
) -> None:
    move = make_invoice()
    odoo.execute_kw("account.move", "action_post", [[move]])
    name = read_one(odoo, "account.move", move, ["name"])["name"]
    context = {"active_model": "account.move", "active_ids": [move]}
    wizard = odoo.execute_kw(
        "account.move.reversal",
        "create",
        [{"journal_id": sale_journal, "reason": "voided", "date": today(odoo)}],
        {"context": context},
    )
    odoo.execute_kw("account.move.reversal", "refund_moves", [[wizard]], {"context": context})
    refunds = odoo.execute_kw(
        "account.move",
        "search_read",
        [[("reversed_entry_id", "=", move)]],
        {"fields": ["move_type", "state", "ref", "amount_total"]},
    )
    cleanup.add("account.move", [r["id"] for r in refunds])
    assert [(r["move_type"], r["state"], r["ref"], r["amount_total"]) for r in refunds] == [
        ("out_refund", "draft", f"Reversal of: {name}, voided", 113.0)
    ]


def test_modify_moves_posts_the_credit_note_and_reverses_the_invoice(
    odoo: odoorpc.ODOO, make_invoice: Callable[..., int], sale_journal: int, cleanup: Cleanup
) -> None:
    move = make_invoice()
    odoo.execute_kw("account.move", "action_post", [[move]])
    context = {"active_model": "account.move", "active_ids": [move]}
    wizard = odoo.execute_kw(
        "account.move.reversal",
        "create",
        [{"journal_id": sale_journal, "reason": "voided", "date": today(odoo)}],
        {"context": context},
    )
    action = odoo.execute_kw("account.move.reversal", "modify_moves", [[wizard]], {"context": context})
    refunds = odoo.execute_kw(
        "account.move", "search_read", [[("reversed_entry_id", "=", move)]], {"fields": ["move_type", "state"]}
    )
    cleanup.add("account.move", [r["id"] for r in refunds])
    if action.get("res_id"):
        cleanup.add("account.move", action["res_id"])
    assert [(r["move_type"], r["state"]) for r in refunds] == [("out_refund", "posted")]
    assert read_one(odoo, "account.move", move, ["payment_state"])["payment_state"] == "reversed"

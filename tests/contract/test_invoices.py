"""Customer invoices: creation, computed amounts, numbering at post, the rules of posted moves
and their error texts (ODOO_RPC.md)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import odoorpc

from tests.contract.support import Cleanup, read_one, rpc_error, today

AMOUNTS = ["name", "state", "payment_state", "amount_untaxed", "amount_tax", "amount_total", "amount_residual"]
NUMBER = re.compile(r"^INV/\d{4}/\d{5,}$")
POSTED_DELETE = (
    "You can't delete a posted journal item. Don\u2019t play games with your accounting records; "
    "reset the journal entry to draft before deleting it."
)


def test_a_draft_invoice_has_no_number_and_computed_amounts(
    odoo: odoorpc.ODOO, make_invoice: Callable[..., int]
) -> None:
    move = make_invoice()
    assert read_one(odoo, "account.move", move, AMOUNTS) == {
        "id": move,
        "name": False,
        "state": "draft",
        "payment_state": "not_paid",
        "amount_untaxed": 100.0,
        "amount_tax": 13.0,
        "amount_total": 113.0,
        "amount_residual": 113.0,
    }


def test_due_date_defaults_to_today_without_payment_term(
    odoo: odoorpc.ODOO, customer: int, hst13: int, cleanup: Cleanup
) -> None:
    move = odoo.execute_kw(
        "account.move",
        "create",
        [
            {
                "move_type": "out_invoice",
                "partner_id": customer,
                "invoice_date": "2026-01-15",
                "invoice_line_ids": [
                    (0, 0, {"name": "x", "quantity": 1, "price_unit": 10.0, "tax_ids": [(6, 0, [hst13])]})
                ],
            }
        ],
    )
    cleanup.add("account.move", move)
    assert read_one(odoo, "account.move", move, ["invoice_date_due"])["invoice_date_due"] == today(odoo)


def test_batch_create_returns_ids_in_order(
    odoo: odoorpc.ODOO, customer: int, hst13: int, unique: str, cleanup: Cleanup
) -> None:
    vals = [
        {
            "move_type": "out_invoice",
            "partner_id": customer,
            "ref": f"B-{unique}-{i}",
            "invoice_line_ids": [
                [0, 0, {"name": "line", "quantity": 1, "price_unit": float(i), "tax_ids": [[6, 0, [hst13]]]}]
            ],
        }
        for i in (10, 20, 30)
    ]
    ids = odoo.execute_kw("account.move", "create", [vals])
    cleanup.add("account.move", ids)
    rows = odoo.execute_kw("account.move", "read", [ids, ["ref", "amount_total"]])
    assert [(r["ref"], r["amount_total"]) for r in rows] == [
        (f"B-{unique}-10", 11.3),
        (f"B-{unique}-20", 22.6),
        (f"B-{unique}-30", 33.9),
    ]


def test_tax_rounding_follows_the_company_method(odoo: odoorpc.ODOO, make_invoice: Callable[..., int]) -> None:
    method = read_one(odoo, "res.company", odoo.env.user.company_id.id, ["tax_calculation_rounding_method"])[
        "tax_calculation_rounding_method"
    ]
    move = make_invoice([("a", 1.0, 0.35), ("b", 1.0, 0.35)])
    expected = 0.09 if method == "round_globally" else 0.10
    assert read_one(odoo, "account.move", move, ["amount_tax"])["amount_tax"] == expected


def test_post_numbers_the_invoice_and_twice_is_refused(odoo: odoorpc.ODOO, make_invoice: Callable[..., int]) -> None:
    move = make_invoice()
    assert odoo.execute_kw("account.move", "action_post", [[move]]) is False
    posted = read_one(odoo, "account.move", move, ["name", "state", "payment_state", "amount_residual"])
    assert posted["state"] == "posted"
    assert NUMBER.match(posted["name"]), posted["name"]
    assert (posted["payment_state"], posted["amount_residual"]) == ("not_paid", 113.0)
    error = rpc_error(lambda: odoo.execute_kw("account.move", "action_post", [[move]]))
    assert error["data"]["name"] == "odoo.exceptions.UserError"
    assert error["data"]["message"] == f"The entry {posted['name']} (id {move}) must be in draft."


def test_posting_needs_a_customer_and_lines(
    odoo: odoorpc.ODOO, make_invoice: Callable[..., int], cleanup: Cleanup
) -> None:
    no_partner = make_invoice(partner=False)
    error = rpc_error(lambda: odoo.execute_kw("account.move", "action_post", [[no_partner]]))
    assert error["data"]["message"] == (
        "The 'Customer' field is required to validate the invoice.\n"
        "You probably don't want to explain to your auditor that you invoiced an invisible man :)"
    )
    no_lines = make_invoice([])
    error = rpc_error(lambda: odoo.execute_kw("account.move", "action_post", [[no_lines]]))
    assert error["data"]["name"] == "odoo.exceptions.UserError"
    assert error["data"]["message"] == "Even magicians can't post nothing!"


def test_a_posted_invoice_keeps_lines_partner_and_date(
    odoo: odoorpc.ODOO, make_invoice: Callable[..., int], customer: int, unique: str
) -> None:
    move = make_invoice()
    odoo.execute_kw("account.move", "action_post", [[move]])
    for vals, field in (
        ({"invoice_line_ids": [(5, 0, 0)]}, "invoice_line_ids"),
        ({"partner_id": customer}, "partner_id"),
        ({"invoice_date": "2026-01-01"}, "invoice_date"),
    ):
        error = rpc_error(lambda vals=vals: odoo.execute_kw("account.move", "write", [[move], vals]))
        assert error["data"]["name"] == "odoo.exceptions.UserError"
        assert error["data"]["message"] == f"You cannot modify the following readonly fields on a posted move: {field}"
    odoo.execute_kw("account.move", "write", [[move], {"ref": f"REF-{unique}"}])
    assert read_one(odoo, "account.move", move, ["ref"])["ref"] == f"REF-{unique}"
    error = rpc_error(lambda: odoo.execute_kw("account.move", "unlink", [[move]]))
    assert error["data"]["name"] == "odoo.exceptions.UserError"
    assert error["data"]["message"] == POSTED_DELETE


def test_cancel_reset_and_repost_keeps_the_number(odoo: odoorpc.ODOO, make_invoice: Callable[..., int]) -> None:
    draft = make_invoice()
    odoo.execute_kw("account.move", "button_cancel", [[draft]])
    assert read_one(odoo, "account.move", draft, ["state"])["state"] == "cancel"
    move = make_invoice()
    odoo.execute_kw("account.move", "action_post", [[move]])
    number = read_one(odoo, "account.move", move, ["name"])["name"]
    odoo.execute_kw("account.move", "button_cancel", [[move]])
    assert read_one(odoo, "account.move", move, ["state", "name"]) == {"id": move, "state": "cancel", "name": number}
    odoo.execute_kw("account.move", "button_draft", [[move]])
    assert read_one(odoo, "account.move", move, ["state"])["state"] == "draft"
    odoo.execute_kw("account.move", "action_post", [[move]])
    assert read_one(odoo, "account.move", move, ["state", "name"]) == {"id": move, "state": "posted", "name": number}


def test_drafts_and_cancelled_moves_can_be_deleted(odoo: odoorpc.ODOO, make_invoice: Callable[..., int]) -> None:
    draft, cancelled = make_invoice(), make_invoice()
    odoo.execute_kw("account.move", "button_cancel", [[cancelled]])
    assert odoo.execute_kw("account.move", "unlink", [[draft, cancelled]]) is True
    assert odoo.execute_kw("account.move", "search", [[("id", "in", [draft, cancelled])]]) == []


def test_invoice_lines_read_back(odoo: odoorpc.ODOO, make_invoice: Callable[..., int], hst13: int) -> None:
    move = make_invoice([("Odoo ERP hosting", 2.0, 50.0)])
    ids = read_one(odoo, "account.move", move, ["invoice_line_ids"])["invoice_line_ids"]
    lines: list[dict[str, Any]] = odoo.execute_kw(
        "account.move.line",
        "read",
        [ids, ["name", "quantity", "price_unit", "price_subtotal", "tax_ids", "move_id", "display_type"]],
    )
    assert len(lines) == 1
    line = lines[0]
    assert (line["name"], line["quantity"], line["price_unit"], line["price_subtotal"]) == (
        "Odoo ERP hosting",
        2.0,
        50.0,
        100.0,
    )
    assert line["tax_ids"] == [hst13]
    assert line["move_id"][0] == move
    assert line["display_type"] == "product"


def test_a_batch_post_numbers_by_date_then_reference(odoo: odoorpc.ODOO, make_invoice: Callable[..., int]) -> None:
    later = make_invoice(ref="A", invoice_date="2026-01-20")
    second = make_invoice(ref="C", invoice_date="2026-01-10")
    first = make_invoice(ref="B", invoice_date="2026-01-10")
    third = make_invoice(ref="D", invoice_date="2026-01-10")
    moves = [later, second, first, third]
    assert odoo.execute_kw("account.move", "action_post", [moves]) is False
    names = {row["id"]: row["name"] for row in odoo.execute_kw("account.move", "read", [moves, ["name"]])}
    numbers = [int(names[move].rsplit("/", 1)[1]) for move in (first, second, third, later)]
    assert numbers == list(range(numbers[0], numbers[0] + 4))


def test_lifecycle_refusals(odoo: odoorpc.ODOO, make_invoice: Callable[..., int]) -> None:
    move = make_invoice()
    error = rpc_error(lambda: odoo.execute_kw("account.move", "button_draft", [[move]]))
    assert error["data"]["message"] == "Only posted/cancelled journal entries can be reset to draft."
    odoo.execute_kw("account.move", "button_cancel", [[move]])
    error = rpc_error(lambda: odoo.execute_kw("account.move", "button_cancel", [[move]]))
    assert error["data"]["message"] == "Only draft journal entries can be cancelled."
    error = rpc_error(lambda: odoo.execute_kw("account.move", "action_post", [[move]]))
    assert (error["data"]["name"], error["data"]["message"]) == (
        "odoo.exceptions.UserError",
        f"The entry False (id {move}) must be in draft.",
    )

"""The reads the consumer builds its decisions on, in the exact form it sends them
(``odoo/writer.py`` and the demo's summary)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import odoorpc

from tests.contract.support import Cleanup

MOVE_FIELDS = ["state", "move_type", "payment_state", "amount_untaxed", "amount_tax", "amount_total", "amount_residual"]


def test_the_company_s_rounding_method(odoo: odoorpc.ODOO) -> None:
    rows = odoo.execute_kw(
        "res.company", "search_read", [[]], {"fields": ["tax_calculation_rounding_method"], "limit": 1}
    )
    assert len(rows) == 1
    assert set(rows[0]) == {"id", "tax_calculation_rounding_method"}
    assert rows[0]["tax_calculation_rounding_method"] == "round_globally"


def test_moves_by_source_key_with_active_test_off(
    odoo: odoorpc.ODOO, make_invoice: Callable[..., int], manual_field: Callable[[str], str], unique: str
) -> None:
    source_id = manual_field("account.move")
    first = make_invoice(**{source_id: f"a-{unique}"})
    second = make_invoice([("Managed WordPress", 2.0, 7.5)], **{source_id: f"b-{unique}"})
    odoo.execute_kw("account.move", "action_post", [[second]])
    rows = odoo.execute_kw(
        "account.move",
        "search_read",
        [[(source_id, "in", [f"a-{unique}", f"b-{unique}", f"c-{unique}"])]],
        {"fields": [source_id, *MOVE_FIELDS], "order": "id", "context": {"active_test": False}},
    )
    assert rows == [
        {
            "id": first,
            source_id: f"a-{unique}",
            "state": "draft",
            "move_type": "out_invoice",
            "payment_state": "not_paid",
            "amount_untaxed": 100.0,
            "amount_tax": 13.0,
            "amount_total": 113.0,
            "amount_residual": 113.0,
        },
        {
            "id": second,
            source_id: f"b-{unique}",
            "state": "posted",
            "move_type": "out_invoice",
            "payment_state": "not_paid",
            "amount_untaxed": 15.0,
            "amount_tax": 1.95,
            "amount_total": 16.95,
            "amount_residual": 16.95,
        },
    ]


def test_invoice_lines_by_income_account(
    odoo: odoorpc.ODOO, make_invoice: Callable[..., int], hst13: int, unique: str, cleanup: Cleanup
) -> None:
    code = f"NCR.{unique}"
    name = f"Revenue {unique}"
    account = odoo.execute_kw("account.account", "create", [{"code": code, "name": name, "account_type": "income"}])
    cleanup.add("account.account", account)
    rows = [("Odoo ERP hosting", 3.0, 33.33), ("Remaining time on Odoo ERP hosting", 1.0, -12.5)]
    move = make_invoice(
        invoice_line_ids=[
            (0, 0, {"name": n, "quantity": q, "price_unit": p, "account_id": account, "tax_ids": [(6, 0, [hst13])]})
            for n, q, p in rows
        ]
    )
    line_ids = odoo.execute_kw("account.move", "read", [[move], ["invoice_line_ids"]])[0]["invoice_line_ids"]
    lines = odoo.execute_kw(
        "account.move.line",
        "search_read",
        [[("account_id", "in", [account])]],
        {"fields": ["account_id", "price_subtotal"]},
    )
    assert sorted(lines, key=lambda line: line["price_subtotal"]) == [
        {"id": line_ids[1], "account_id": [account, name], "price_subtotal": -12.5},
        {"id": line_ids[0], "account_id": [account, name], "price_subtotal": 99.99},
    ]
    total = sum((Decimal(str(line["price_subtotal"])) for line in lines), Decimal(0))
    assert total == Decimal("87.49")


def test_partners_by_source_user_then_by_email_case_insensitively(
    odoo: odoorpc.ODOO, manual_field: Callable[[str], str], unique: str, cleanup: Cleanup
) -> None:
    user_field = manual_field("res.partner")
    tagged, by_mail, archived = odoo.execute_kw(
        "res.partner",
        "create",
        [
            [
                {"name": f"Tagged {unique}", "customer_rank": 1, user_field: f"u1-{unique}"},
                {"name": f"Mail {unique}", "email": f"Billing.{unique}@Example.com"},
                {"name": f"Gone {unique}", "email": f"gone.{unique}@example.com", "active": False},
            ]
        ],
    )
    cleanup.add("res.partner", [tagged, by_mail, archived])
    rows = odoo.execute_kw(
        "res.partner",
        "search_read",
        [[(user_field, "in", [f"u1-{unique}", f"u2-{unique}"])]],
        {"fields": [user_field], "order": "id"},
    )
    assert rows == [{"id": tagged, user_field: f"u1-{unique}"}]
    emails = [f"billing.{unique}@example.com".lower(), f"gone.{unique}@example.com", f"none.{unique}@example.com"]
    domain = ["|"] * (len(emails) - 1) + [("email", "=ilike", email) for email in emails]
    rows = odoo.execute_kw("res.partner", "search_read", [domain], {"fields": ["email", user_field], "order": "id"})
    assert rows == [{"id": by_mail, "email": f"Billing.{unique}@Example.com", user_field: False}]


def test_bootstrap_finds_its_fields_by_model_and_name(odoo: odoorpc.ODOO, manual_field: Callable[[str], str]) -> None:
    name = manual_field("account.move")
    rows = odoo.execute_kw(
        "ir.model.fields",
        "search_read",
        [[("model", "=", "account.move"), ("name", "in", [name, "x_no_such_field"])]],
        {"fields": ["name"]},
    )
    assert [row["name"] for row in rows] == [name]
    assert odoo.execute_kw("ir.model", "search", [[("model", "=", "account.move")]])

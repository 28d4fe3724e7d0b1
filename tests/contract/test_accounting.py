"""The accounting set-up of a fresh Canadian company: company, currencies, taxes, accounts,
journals."""

from __future__ import annotations

import odoorpc

from tests.contract.support import Cleanup, read_one, rpc_error, search_one

#: The percentages of the ca_2023 sale taxes (GST, PST SK/BC/MB, QST, HST); names vary by version.
CA_2023_SALE_RATES = {0.0, 5.0, 6.0, 7.0, 9.975, 13.0, 14.0, 15.0}


def test_company_is_canadian(odoo: odoorpc.ODOO) -> None:
    company = read_one(
        odoo,
        "res.company",
        odoo.env.user.company_id.id,
        ["currency_id", "country_id", "state_id", "tax_calculation_rounding_method"],
    )
    assert company["currency_id"][1] == "CAD"
    assert read_one(odoo, "res.country", company["country_id"][0], ["code"])["code"] == "CA"
    assert read_one(odoo, "res.country.state", company["state_id"][0], ["code"])["code"] == "ON"
    assert company["tax_calculation_rounding_method"] in ("round_globally", "round_per_line")


def test_currency_activity(odoo: odoorpc.ODOO) -> None:
    rows = odoo.execute_kw(
        "res.currency",
        "search_read",
        [[("name", "in", ["CAD", "USD", "EUR"])]],
        {"fields": ["name", "active"], "context": {"active_test": False}},
    )
    active = {row["name"]: row["active"] for row in rows}
    assert active["CAD"] is True
    assert active["USD"] is True
    assert active["EUR"] is False
    assert odoo.execute_kw("res.currency", "search", [[("name", "=", "EUR")]]) == []


def test_ca_2023_sale_taxes(odoo: odoorpc.ODOO, hst13: int) -> None:
    rows = odoo.execute_kw(
        "account.tax",
        "search_read",
        [[("type_tax_use", "=", "sale"), ("amount_type", "=", "percent")]],
        {"fields": ["amount"]},
    )
    rates = {row["amount"] for row in rows}
    assert rates >= CA_2023_SALE_RATES
    tax = read_one(odoo, "account.tax", hst13, ["amount", "amount_type", "type_tax_use", "price_include", "active"])
    assert tax == {
        "id": hst13,
        "amount": 13.0,
        "amount_type": "percent",
        "type_tax_use": "sale",
        "price_include": False,
        "active": True,
    }
    groups = odoo.execute_kw(
        "account.tax",
        "search_read",
        [[("type_tax_use", "=", "sale"), ("amount_type", "=", "group")]],
        {"fields": ["amount", "children_tax_ids"]},
    )
    assert {group["amount"] for group in groups} == {100.0}
    children = {tuple(sorted(tax_rates(odoo, group["children_tax_ids"]))) for group in groups}
    assert children == {(5.0, 6.0), (5.0, 7.0), (5.0, 9.975)}


def tax_rates(odoo: odoorpc.ODOO, tax_ids: list[int]) -> list[float]:
    return [row["amount"] for row in odoo.execute_kw("account.tax", "read", [tax_ids, ["amount"]])]


def test_account_codes(odoo: odoorpc.ODOO, unique: str, cleanup: Cleanup) -> None:
    error = rpc_error(
        lambda: odoo.execute_kw(
            "account.account", "create", [{"code": f"NCR-{unique}", "name": "Bad", "account_type": "income"}]
        )
    )
    assert error["data"]["name"] == "odoo.exceptions.ValidationError"
    assert error["data"]["message"] == "The account code can only contain alphanumeric characters and dots."
    code = f"NCR.{unique}"
    account = odoo.execute_kw(
        "account.account", "create", [{"code": code, "name": f"Revenue {unique}", "account_type": "income"}]
    )
    cleanup.add("account.account", account)
    assert odoo.execute_kw("account.account", "search", [[("code", "=", code)]]) == [account]
    error = rpc_error(
        lambda: odoo.execute_kw(
            "account.account", "create", [{"code": code, "name": "Twice", "account_type": "income"}]
        )
    )
    assert error["data"]["name"] == "odoo.exceptions.ValidationError"
    assert (
        error["data"]["message"]
        == f"Account codes must be unique. You can't create accounts with these duplicate codes: {code}"
    )


def test_journals(odoo: odoorpc.ODOO, unique: str, cleanup: Cleanup, sale_journal: int) -> None:
    assert read_one(odoo, "account.journal", sale_journal, ["type"])["type"] == "sale"
    code = f"S{unique[:4]}"
    journal = odoo.execute_kw("account.journal", "create", [{"name": f"Stripe {unique}", "code": code, "type": "bank"}])
    cleanup.add("account.journal", journal)
    created = read_one(
        odoo, "account.journal", journal, ["default_account_id", "inbound_payment_method_line_ids", "code"]
    )
    assert created["code"] == code
    assert created["default_account_id"]
    assert created["inbound_payment_method_line_ids"]
    assert search_one(odoo, "account.journal", [("code", "=", code)]) == journal

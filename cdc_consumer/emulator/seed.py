"""A fresh database as a Canadian company starts: CAD, Ontario, the ``ca_2023`` sale taxes,
a sale journal ``INV``, a bank journal and an ``admin`` user."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from .models import ALL_MODELS
from .orm import Database, Env

CURRENCIES = (
    # (code, symbol, full name, active, rounding)
    ("EUR", "€", "Euro", False, "0.01"),
    ("USD", "$", "United States dollar", True, "0.01"),
    ("CAD", "$", "Canadian dollar", True, "0.01"),
    ("GBP", "£", "Pound sterling", False, "0.01"),
    ("JPY", "¥", "Japanese yen", False, "1"),
    ("MXN", "$", "Mexican peso", False, "0.01"),
)
PROVINCES = (
    ("AB", "Alberta"),
    ("BC", "British Columbia"),
    ("MB", "Manitoba"),
    ("NB", "New Brunswick"),
    ("NL", "Newfoundland and Labrador"),
    ("NS", "Nova Scotia"),
    ("ON", "Ontario"),
    ("PE", "Prince Edward Island"),
    ("QC", "Quebec"),
    ("SK", "Saskatchewan"),
)
ACCOUNTS = (
    # (code, name, type, reconcile)
    ("101401", "Bank", "asset_cash", False),
    ("101501", "Cash", "asset_cash", False),
    ("112000", "Accounts Receivable", "asset_receivable", True),
    ("211000", "Accounts Payable", "liability_payable", True),
    ("231000", "GST/HST Payable", "liability_current", False),
    ("411100", "Sales", "income", False),
    ("419000", "Other Revenue", "income_other", False),
    ("511000", "Cost of Goods Sold", "expense_direct_cost", False),
    ("999999", "Undistributed Profits/Losses", "equity_unaffected", False),
)
#: (name, amount, type, use) in the order that makes "13% HST" id 7, as on the observed database.
SALE_TAXES = (
    ("5% GST", "5", "percent"),
    ("0% GST", "0", "percent"),
    ("6% PST SK", "6", "percent"),
    ("7% PST BC", "7", "percent"),
    ("7% PST MB", "7", "percent"),
    ("9.975% QST", "9.975", "percent"),
    ("13% HST", "13", "percent"),
    ("14% HST", "14", "percent"),
    ("15% HST", "15", "percent"),
)
#: Group taxes as Odoo 19's ``ca_2023`` names them; a group reports ``amount`` 100.0.
GROUP_TAXES = (
    ("11% GST+PST SK", ("5% GST", "6% PST SK")),
    ("12% GST+PST BC", ("5% GST", "7% PST BC")),
    ("12% GST+PST MB", ("5% GST", "7% PST MB")),
    ("14.975% GST+QST", ("5% GST", "9.975% QST")),
)
OTHER_SALE_TAXES = (("0% Int", "0"), ("0% Exempt", "0"))
PURCHASE_TAXES = (("5% GST", "5"), ("13% HST", "13"), ("15% HST", "15"))


def build(name: str, login: str, password: str) -> Database:
    """A new database seeded like a fresh Canadian company."""
    db = Database(name, login, password)
    for model_class in ALL_MODELS:
        db.register(model_class)
    env = Env(db, 1, {"tz": "America/Toronto"})
    with db.atomic():
        _seed(env, login)
        db.flush(env)
    db.changes = 0
    return db


def _create(env: Env, model: str, vals: dict[str, Any]) -> int:
    return env[model].create_records(env, [vals])[0]


def _seed(env: Env, login: str) -> None:
    currency = {
        code: _create(
            env,
            "res.currency",
            {
                "name": code,
                "symbol": symbol,
                "full_name": full,
                "active": active,
                "rounding": Decimal(rounding),
                "decimal_places": 0 if rounding == "1" else 2,
            },
        )
        for code, symbol, full, active, rounding in CURRENCIES
    }
    canada = _create(env, "res.country", {"name": "Canada", "code": "CA", "currency_id": currency["CAD"]})
    _create(env, "res.country", {"name": "United States", "code": "US", "currency_id": currency["USD"]})
    states = {
        code: _create(env, "res.country.state", {"name": label, "code": code, "country_id": canada})
        for code, label in PROVINCES
    }
    company_partner = _create(
        env,
        "res.partner",
        {
            "name": "NexaCloud Inc.",
            "is_company": True,
            "country_id": canada,
            "state_id": states["ON"],
            "city": "Toronto",
        },
    )
    _create(env, "res.partner", {"name": "OdooBot", "active": False, "email": "odoobot@example.com"})
    admin_partner = _create(env, "res.partner", {"name": "Administrator", "email": "admin@example.com"})
    env["res.company"].create_records(
        env,
        [
            {
                "name": "NexaCloud Inc.",
                "currency_id": currency["CAD"],
                "country_id": canada,
                "state_id": states["ON"],
                "partner_id": company_partner,
                "tax_calculation_rounding_method": "round_globally",
                "chart_template": "ca_2023",
            }
        ],
    )
    for partner in (company_partner, admin_partner):
        env["res.partner"].update(partner, {"company_id": 1})
    users = env["res.users"]
    users.create_records(
        env,
        [{"name": "OdooBot", "login": "__system__", "partner_id": 2, "active": False, "company_ids": [(6, 0, [1])]}],
    )
    users.create_records(
        env,
        [
            {
                "name": "Administrator",
                "login": login,
                "partner_id": admin_partner,
                "tz": "America/Toronto",
                "email": "admin@example.com",
                "company_ids": [(6, 0, [1])],
            }
        ],
    )
    accounts = {
        code: _create(
            env, "account.account", {"code": code, "name": label, "account_type": kind, "reconcile": reconcile}
        )
        for code, label, kind, reconcile in ACCOUNTS
    }
    _seed_taxes(env, canada)
    journals = (
        ("Customer Invoices", "INV", "sale", accounts["411100"], 5),
        ("Vendor Bills", "BILL", "purchase", accounts["511000"], 6),
        ("Miscellaneous Operations", "MISC", "general", False, 9),
        ("Bank", "BNK1", "bank", accounts["101401"], 10),
        ("Cash", "CSH1", "cash", accounts["101501"], 11),
    )
    for label, code, kind, account, sequence in journals:
        _create(
            env,
            "account.journal",
            {"name": label, "code": code, "type": kind, "default_account_id": account, "sequence": sequence},
        )
    _seed_registry(env)


def _seed_taxes(env: Env, country: int) -> None:
    by_name: dict[str, int] = {}
    for label, amount, kind in SALE_TAXES:
        by_name[label] = _create(
            env,
            "account.tax",
            {
                "name": label,
                "amount": Decimal(amount),
                "amount_type": kind,
                "type_tax_use": "sale",
                "country_id": country,
            },
        )
    for label, children in GROUP_TAXES:
        _create(
            env,
            "account.tax",
            {
                "name": label,
                "amount": Decimal(100),
                "amount_type": "group",
                "type_tax_use": "sale",
                "country_id": country,
                "children_tax_ids": [(6, 0, [by_name[c] for c in children])],
            },
        )
    for label, amount in OTHER_SALE_TAXES:
        _create(
            env,
            "account.tax",
            {"name": label, "amount": Decimal(amount), "type_tax_use": "sale", "country_id": country},
        )
    for label, amount in PURCHASE_TAXES:
        _create(
            env,
            "account.tax",
            {"name": label, "amount": Decimal(amount), "type_tax_use": "purchase", "country_id": country},
        )
    env["res.company"].update(1, {"account_sale_tax_id": by_name["13% HST"]})


def _seed_registry(env: Env) -> None:
    """One ``ir.model`` row per model and one ``ir.model.fields`` row per field."""
    models = env["ir.model"]
    fields = env["ir.model.fields"]
    for name, model in sorted(env.db.models.items()):
        model_id = models.insert(
            {
                "name": model.description,
                "model": name,
                "state": "base",
                "transient": name.endswith(("register", "reversal")),
            }
        )
        for fname, spec in model.fields.items():
            fields.insert(
                {
                    "name": fname,
                    "model": name,
                    "model_id": model_id,
                    "field_description": spec.string,
                    "ttype": spec.type,
                    "relation": spec.relation or False,
                    "required": spec.required,
                    "readonly": spec.readonly,
                    "index": bool(spec.index),
                    "copied": spec.copied,
                    "store": spec.store,
                    "state": "base",
                }
            )

"""Chart of accounts, taxes and journals (``account.account``, ``account.tax``,
``account.journal``, ``account.payment.method.line``)."""

from __future__ import annotations

import re
from typing import Any, ClassVar

from ..errors import ValidationError
from ..fields import Field
from ..orm import Env, Model, current_company

ACCOUNT_CODE = re.compile(r"^[A-Za-z0-9.]+$")
ACCOUNT_TYPES = tuple(
    (key, key.replace("_", " ").title())
    for key in (
        "asset_receivable",
        "asset_cash",
        "asset_current",
        "asset_non_current",
        "asset_prepayments",
        "asset_fixed",
        "liability_payable",
        "liability_credit_card",
        "liability_current",
        "liability_non_current",
        "equity",
        "equity_unaffected",
        "income",
        "income_other",
        "expense",
        "expense_depreciation",
        "expense_direct_cost",
        "off_balance",
    )
)
JOURNAL_TYPES = (
    ("sale", "Sales"),
    ("purchase", "Purchase"),
    ("cash", "Cash"),
    ("bank", "Bank"),
    ("credit", "Credit Card"),
    ("general", "Miscellaneous"),
)


def _company_ids(env: Env) -> list[int]:
    return [env.company_id]


class AccountAccount(Model):
    """Accounts; codes hold only letters, digits and dots and are unique per company."""

    _name = "account.account"
    _description = "Account"
    _order = "code, id"
    _fields_spec: ClassVar[dict[str, Field]] = {
        "code": Field("char", "Code", required=True, index=True),
        "name": Field("char", "Account Name", required=True),
        "account_type": Field("selection", "Type", selection=ACCOUNT_TYPES, required=True),
        "company_ids": Field("many2many", "Companies", relation="res.company", default=_company_ids),
        "currency_id": Field("many2one", "Account Currency", relation="res.currency"),
        "reconcile": Field("boolean", "Allow Reconciliation"),
        "active": Field("boolean", "Active", default=True),
        "note": Field("text", "Internal Notes"),
    }

    def display_name_of(self, rid: int) -> str:
        """The account's name: Odoo 19 adds the code only in the UI's formatted display."""
        return str(self.rows[rid].get("name") or "")

    def after_change(self, env: Env, ids: list[int], vals: dict[str, Any], created: bool) -> None:
        """Check the code's characters, then its uniqueness within each company."""
        if not created and "code" not in vals and "company_ids" not in vals:
            return
        for rid in ids:
            if not ACCOUNT_CODE.match(self.rows[rid].get("code") or ""):
                raise ValidationError("The account code can only contain alphanumeric characters and dots.")
        duplicates: list[str] = []
        for rid in ids:
            row = self.rows[rid]
            same = self.lookup("code", "=", row["code"]) or set()
            companies = set(row.get("company_ids") or [])
            shared = any(other != rid and companies & set(self.rows[other].get("company_ids") or []) for other in same)
            if shared and row["code"] not in duplicates:
                duplicates.append(row["code"])
        if duplicates:
            raise ValidationError(
                "Account codes must be unique. You can't create accounts with these duplicate codes: "
                + ", ".join(duplicates)
            )


class AccountTax(Model):
    """Taxes; group taxes add up their children."""

    _name = "account.tax"
    _description = "Tax"
    _order = "sequence, id"
    _fields_spec: ClassVar[dict[str, Field]] = {
        "name": Field("char", "Tax Name", required=True),
        "description": Field("char", "Description"),
        "invoice_label": Field("char", "Label on Invoices"),
        "amount": Field("float", "Amount", required=True),
        "amount_type": Field(
            "selection",
            "Tax Computation",
            selection=(
                ("group", "Group of Taxes"),
                ("fixed", "Fixed"),
                ("percent", "Percentage"),
                ("division", "Percentage Tax Included"),
            ),
            default="percent",
            required=True,
        ),
        "type_tax_use": Field(
            "selection",
            "Tax Type",
            selection=(("sale", "Sales"), ("purchase", "Purchases"), ("none", "None")),
            default="sale",
            required=True,
        ),
        "price_include": Field("boolean", "Included in Price"),
        "price_include_override": Field(
            "selection",
            "Included in Price (override)",
            selection=(("tax_included", "Tax Included"), ("tax_excluded", "Tax Excluded")),
        ),
        "children_tax_ids": Field("many2many", "Children Taxes", relation="account.tax"),
        "country_id": Field("many2one", "Country", relation="res.country"),
        "company_id": Field("many2one", "Company", relation="res.company", default=current_company, required=True),
        "sequence": Field("integer", "Sequence", default=1),
        "active": Field("boolean", "Active", default=True),
    }


class AccountPaymentMethodLine(Model):
    """The payment methods available on a bank or cash journal."""

    _name = "account.payment.method.line"
    _description = "Payment Methods"
    _fields_spec: ClassVar[dict[str, Field]] = {
        "name": Field("char", "Name"),
        "code": Field("char", "Code"),
        "payment_type": Field(
            "selection", "Payment Type", selection=(("inbound", "Inbound"), ("outbound", "Outbound"))
        ),
        "journal_id": Field("many2one", "Journal", relation="account.journal"),
    }


class AccountJournal(Model):
    """Journals; a new bank or cash journal gets its account and manual payment methods."""

    _name = "account.journal"
    _description = "Journal"
    _order = "sequence, type, code"
    _fields_spec: ClassVar[dict[str, Field]] = {
        "name": Field("char", "Journal Name", required=True),
        "code": Field("char", "Short Code", required=True, index=True),
        "type": Field("selection", "Type", selection=JOURNAL_TYPES, required=True),
        "company_id": Field("many2one", "Company", relation="res.company", default=current_company, required=True),
        "default_account_id": Field("many2one", "Default Account", relation="account.account"),
        "currency_id": Field("many2one", "Currency", relation="res.currency"),
        "refund_sequence": Field("boolean", "Dedicated Credit Note Sequence"),
        "restrict_mode_hash_table": Field("boolean", "Secure Posted Entries with Hash"),
        "sequence": Field("integer", "Sequence", default=10),
        "active": Field("boolean", "Active", default=True),
        "inbound_payment_method_line_ids": Field(
            "one2many",
            "Inbound Payment Methods",
            relation="account.payment.method.line",
            inverse="journal_id",
            domain=(("payment_type", "=", "inbound"),),
            extra={"cascade": True},
        ),
        "outbound_payment_method_line_ids": Field(
            "one2many",
            "Outbound Payment Methods",
            relation="account.payment.method.line",
            inverse="journal_id",
            domain=(("payment_type", "=", "outbound"),),
        ),
    }

    def display_name_of(self, rid: int) -> str:
        """The journal's name (Odoo adds the currency only for foreign-currency journals)."""
        return str(self.rows[rid].get("name") or "")

    def prepare_create(self, env: Env, vals: dict[str, Any]) -> dict[str, Any]:
        """Refuse a taken code; sale journals number credit notes apart."""
        code = vals.get("code")
        if code and self.search_ids(env.with_context(active_test=False), [("code", "=", code)]):
            raise ValidationError("The operation cannot be completed: Journal codes must be unique per company.")
        if vals.get("type") == "sale":
            vals.setdefault("refund_sequence", True)
        return vals

    def after_change(self, env: Env, ids: list[int], vals: dict[str, Any], created: bool) -> None:
        """Give a new bank or cash journal its liquidity account and manual payment methods."""
        if not created:
            return
        accounts = self.db["account.account"]
        methods = self.db["account.payment.method.line"]
        for rid in ids:
            row = self.rows[rid]
            if row["type"] not in ("bank", "cash") or row.get("default_account_id"):
                continue
            code = self._free_code(accounts, "1014")
            account_id = accounts.create_records(
                env, [{"code": code, "name": row["name"], "account_type": "asset_cash"}]
            )[0]
            self.update(rid, {"default_account_id": account_id})
            methods.create_records(
                env,
                [
                    {"name": "Manual Payment", "code": "manual", "payment_type": kind, "journal_id": rid}
                    for kind in ("inbound", "outbound")
                ],
            )

    def next_number(self, journal_id: int, prefix: str, date: str) -> str:
        """The next number ``<prefix>/<year>/00001`` of a journal's sequence for that prefix."""
        key = f"{prefix}/{date[:4]}"
        sequences = dict(self.rows[journal_id].get("__sequences", {}))
        sequences[key] = sequences.get(key, 0) + 1
        self.update(journal_id, {"__sequences": sequences})
        return f"{key}/{sequences[key]:05d}"

    @staticmethod
    def _free_code(accounts: Model, prefix: str) -> str:
        n = 1
        while accounts.lookup("code", "=", f"{prefix}{n:02d}"):
            n += 1
        return f"{prefix}{n:02d}"


MODELS: tuple[type[Model], ...] = (AccountAccount, AccountTax, AccountPaymentMethodLine, AccountJournal)

"""Journal entries and invoices (``account.move``) and their items (``account.move.line``).

A move's totals, its tax and receivable items, ``amount_residual`` and ``payment_state`` are
recomputed from its product lines when the call that changed them ends (``flush``), as Odoo
recomputes stored computed fields before answering.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal
from typing import Any, ClassVar

from ..errors import PythonError, UserError
from ..fields import Field, empty
from ..money import CENT, ZERO, Line, Tax, compute
from ..orm import Env, Model, RecomputedModel, current_company, record_method

MOVE_TYPES = (
    ("entry", "Journal Entry"),
    ("out_invoice", "Customer Invoice"),
    ("out_refund", "Customer Credit Note"),
    ("in_invoice", "Vendor Bill"),
    ("in_refund", "Vendor Credit Note"),
    ("out_receipt", "Sales Receipt"),
    ("in_receipt", "Purchase Receipt"),
)
TYPE_NAMES = {
    "entry": "Journal Entry",
    "out_invoice": "Invoice",
    "out_refund": "Credit Note",
    "in_invoice": "Bill",
    "in_refund": "Refund",
    "out_receipt": "Sales Receipt",
    "in_receipt": "Purchase Receipt",
}
INVOICE_TYPES = frozenset(t for t, _ in MOVE_TYPES if t != "entry")
SALE_TYPES = frozenset({"out_invoice", "out_refund", "out_receipt"})
REFUND_TYPES = frozenset({"out_refund", "in_refund"})
#: Invoices a reversal alone settles as ``reversed`` (a credit note it settles is ``paid``).
REVERSIBLE_TYPES = frozenset({"out_invoice", "out_receipt", "in_invoice", "in_receipt"})
#: Moves whose product lines are credits (revenue) and receivable line a debit.
CREDIT_PRODUCT_TYPES = frozenset({"out_invoice", "out_receipt", "in_refund"})
PAYMENT_STATES = (
    ("not_paid", "Not Paid"),
    ("in_payment", "In Payment"),
    ("paid", "Paid"),
    ("partial", "Partially Paid"),
    ("reversed", "Reversed"),
    ("blocked", "Blocked"),
    ("invoicing_legacy", "Invoicing App Legacy"),
)
PROTECTED_ON_POSTED = (
    "partner_id",
    "invoice_date",
    "date",
    "currency_id",
    "journal_id",
    "move_type",
    "company_id",
    "invoice_line_ids",
    "line_ids",
)
LINE_PROTECTED_ON_POSTED = (
    "move_id",
    "quantity",
    "price_unit",
    "discount",
    "tax_ids",
    "account_id",
    "balance",
    "debit",
    "credit",
    "amount_currency",
    "currency_id",
    "partner_id",
    "display_type",
)
POSTED_DELETE = (
    "You can't delete a posted journal item. Don\u2019t play games with your accounting records; "
    "reset the journal entry to draft before deleting it."
)
PRODUCT_DOMAIN = (("display_type", "in", ["product", "line_section", "line_note"]),)


def posted_readonly(fields: list[str]) -> UserError:
    """Odoo's refusal to change the given fields of a posted move."""
    return UserError(f"You cannot modify the following readonly fields on a posted move: {', '.join(fields)}")


class AccountMove(RecomputedModel):
    """Invoices, credit notes and entries; numbered from the journal at post."""

    _name = "account.move"
    _description = "Journal Entry"
    _order = "date desc, name desc, id desc"
    _fields_spec: ClassVar[dict[str, Field]] = {
        "name": Field("char", "Number", readonly=True, copied=False),
        "move_type": Field("selection", "Type", selection=MOVE_TYPES, default="entry", required=True),
        "state": Field(
            "selection",
            "Status",
            selection=(("draft", "Draft"), ("posted", "Posted"), ("cancel", "Cancelled")),
            default="draft",
            required=True,
            copied=False,
        ),
        "partner_id": Field("many2one", "Partner", relation="res.partner"),
        "ref": Field("char", "Reference", copied=False),
        "payment_reference": Field("char", "Payment Reference", copied=False),
        "narration": Field("html", "Terms and Conditions"),
        "invoice_origin": Field("char", "Origin"),
        "invoice_date": Field("date", "Invoice/Bill Date", copied=False),
        "invoice_date_due": Field("date", "Due Date", copied=False),
        "date": Field("date", "Date", required=True, copied=False),
        "currency_id": Field("many2one", "Currency", relation="res.currency", required=True),
        "company_id": Field("many2one", "Company", relation="res.company", default=current_company, required=True),
        "journal_id": Field("many2one", "Journal", relation="account.journal", required=True),
        "invoice_line_ids": Field(
            "one2many", "Invoice lines", relation="account.move.line", inverse="move_id", domain=PRODUCT_DOMAIN
        ),
        "line_ids": Field(
            "one2many", "Journal Items", relation="account.move.line", inverse="move_id", extra={"cascade": True}
        ),
        "amount_untaxed": Field("monetary", "Untaxed Amount", readonly=True, default=ZERO, copied=False),
        "amount_tax": Field("monetary", "Tax", readonly=True, default=ZERO, copied=False),
        "amount_total": Field("monetary", "Total", readonly=True, default=ZERO, copied=False),
        "amount_residual": Field("monetary", "Amount Due", readonly=True, default=ZERO, copied=False),
        "amount_untaxed_signed": Field("monetary", "Untaxed Amount Signed", readonly=True, default=ZERO, copied=False),
        "amount_total_signed": Field("monetary", "Total Signed", readonly=True, default=ZERO, copied=False),
        "amount_residual_signed": Field("monetary", "Amount Due Signed", readonly=True, default=ZERO, copied=False),
        "payment_state": Field(
            "selection", "Payment Status", selection=PAYMENT_STATES, default="not_paid", readonly=True, copied=False
        ),
        "matched_payment_ids": Field("many2many", "Matched Payments", relation="account.payment", copied=False),
        "reversed_entry_id": Field("many2one", "Reversal of", relation="account.move", copied=False),
        "reversal_move_ids": Field("one2many", "Reversal Moves", relation="account.move", inverse="reversed_entry_id"),
        "posted_before": Field("boolean", "Posted Before", copied=False),
        "inalterable_hash": Field("char", "Inalterability Hash", readonly=True, copied=False),
        "auto_post": Field(
            "selection",
            "Auto-post",
            selection=(
                ("no", "No"),
                ("at_date", "At Date"),
                ("monthly", "Monthly"),
                ("quarterly", "Quarterly"),
                ("yearly", "Yearly"),
            ),
            default="no",
        ),
        "needed_terms": Field("binary", "Needed Terms", compute="needed_terms_of", store=False),
        "tax_totals": Field("binary", "Invoice Totals", compute="tax_totals_of", store=False),
    }

    # ------------------------------------------------------------------ computed values

    def display_name_of(self, rid: int) -> str:
        """The number, or ``Draft Invoice (* 12)`` before the first post."""
        row = self.rows[rid]
        if row.get("name"):
            return str(row["name"])
        return f"Draft {TYPE_NAMES.get(row.get('move_type', 'entry'), 'Entry')} (* {rid})"

    def needed_terms_of(self, rid: int) -> Any:
        """Odoo cannot serialise this field over RPC: reading it fails (odoorpc ``browse()``)."""
        raise PythonError("TypeError", "keys must be str, int, float, bool or None, not frozendict")

    def tax_totals_of(self, rid: int) -> dict[str, Any]:
        """The totals widget's data (a JSON-ready summary)."""
        row = self.rows[rid]
        return {
            "currency_id": row.get("currency_id"),
            "base_amount_currency": float(row.get("amount_untaxed", ZERO)),
            "tax_amount_currency": float(row.get("amount_tax", ZERO)),
            "total_amount_currency": float(row.get("amount_total", ZERO)),
        }

    # ------------------------------------------------------------------ defaults and rules

    def prepare_create(self, env: Env, vals: dict[str, Any]) -> dict[str, Any]:
        """Default journal, currency, dates as Odoo fills them for a new move."""
        move_type = vals.get("move_type") or "entry"
        if not vals.get("journal_id"):
            journal_type = (
                "sale" if move_type in SALE_TYPES else "purchase" if move_type in INVOICE_TYPES else "general"
            )
            found = self.db["account.journal"].search_ids(env, [("type", "=", journal_type)], limit=1)
            if found:
                vals["journal_id"] = found[0]
        if not vals.get("currency_id"):
            journal = self.db["account.journal"].rows.get(vals.get("journal_id") or 0, {})
            company = self.db["res.company"].rows[env.company_id]
            vals["currency_id"] = journal.get("currency_id") or company["currency_id"]
        if move_type in INVOICE_TYPES and not vals.get("invoice_date_due"):
            vals["invoice_date_due"] = env.today()
        if not vals.get("date"):
            vals["date"] = vals.get("invoice_date") or env.today()
        return vals

    def before_write(self, env: Env, ids: list[int], vals: dict[str, Any]) -> None:
        """A posted move keeps its partner, dates, currency and lines."""
        protected = [f for f in vals if f in PROTECTED_ON_POSTED]
        if protected and any(self.rows[rid]["state"] == "posted" for rid in ids):
            raise posted_readonly(protected)

    def after_change(self, env: Env, ids: list[int], vals: dict[str, Any], created: bool) -> None:
        """The accounting date follows the invoice date of a draft; totals are recomputed."""
        if "invoice_date" in vals:
            for rid in ids:
                row = self.rows[rid]
                if row["state"] == "draft" and row.get("invoice_date"):
                    self.update(rid, {"date": row["invoice_date"]})
        if created or {"currency_id", "move_type", "invoice_line_ids", "line_ids"} & set(vals):
            self.dirty.update(ids)

    def before_unlink(self, env: Env, ids: list[int]) -> None:
        """Posted moves are never deleted; a deleted move leaves its payments unreconciled."""
        if any(self.rows[rid]["state"] == "posted" for rid in ids):
            raise UserError(POSTED_DELETE)
        payments = self.db["account.payment"]
        for rid in ids:
            self.unreconcile(rid)
            for pid in self.rows[rid].get("matched_payment_ids") or []:
                if pid in payments.rows:
                    others = [m for m in payments.rows[pid].get("reconciled_invoice_ids") or [] if m != rid]
                    payments.update(pid, {"reconciled_invoice_ids": others})

    # ------------------------------------------------------------------ recomputation

    def _tax(self, tid: int) -> Tax:
        row = self.db["account.tax"].rows[tid]
        return Tax(
            id=tid,
            amount=Decimal(row.get("amount") or 0),
            amount_type=row.get("amount_type") or "percent",
            price_include=bool(row.get("price_include")),
            children=tuple(self._tax(c) for c in row.get("children_tax_ids") or []),
        )

    def _rounding(self, row: dict[str, Any]) -> Decimal:
        currency = self.db["res.currency"].rows.get(row.get("currency_id") or 0, {})
        rounding = currency.get("rounding")
        return Decimal(rounding) if rounding else CENT

    def recompute(self, rid: int) -> None:
        """Lines, taxes, totals, residual and payment state of one move, from its product lines."""
        row = self.rows[rid]
        lines = self.db["account.move.line"]
        all_lines = lines.order(list(lines._index["move_id"].get(rid, ())), None)
        product = [lid for lid in all_lines if lines.rows[lid].get("display_type") == "product"]
        company = self.db["res.company"].rows[row.get("company_id") or self.db.company_id]
        rounding = self._rounding(row)
        totals = compute(
            [
                Line(
                    quantity=lines.rows[lid].get("quantity") or ZERO,
                    price_unit=lines.rows[lid].get("price_unit") or ZERO,
                    discount=lines.rows[lid].get("discount") or ZERO,
                    taxes=[self._tax(t) for t in lines.rows[lid].get("tax_ids") or []],
                )
                for lid in product
            ],
            company.get("tax_calculation_rounding_method") or "round_globally",
            rounding,
        )
        move_type = row.get("move_type", "entry")
        sign = Decimal(-1) if move_type in CREDIT_PRODUCT_TYPES else Decimal(1)
        common = {"currency_id": row["currency_id"], "partner_id": row.get("partner_id") or False}
        for lid, result in zip(product, totals.lines, strict=True):
            lines.update(
                lid,
                {
                    **common,
                    **_amounts(sign * result.subtotal),
                    "price_subtotal": result.subtotal,
                    "price_total": result.total,
                },
            )
        if move_type == "entry":
            return
        self._sync_tax_lines(rid, all_lines, totals.by_tax, sign, common)
        residual = totals.total - paid_amount(row) - row.get("__reversed", ZERO)
        self._sync_receivable_line(rid, all_lines, totals.total, residual, sign, common)
        doc_sign = Decimal(-1) if move_type in REFUND_TYPES else Decimal(1)
        self.update(
            rid,
            {
                "amount_untaxed": totals.untaxed,
                "amount_tax": totals.tax,
                "amount_total": totals.total,
                "amount_residual": residual,
                "amount_untaxed_signed": doc_sign * totals.untaxed,
                "amount_total_signed": doc_sign * totals.total,
                "amount_residual_signed": doc_sign * residual,
                "payment_state": payment_state(row, totals.total, residual, rounding),
            },
        )
        self.db["account.payment"].touch(row.get("matched_payment_ids") or [])  # type: ignore[attr-defined]

    def _sync_tax_lines(
        self, rid: int, all_lines: list[int], by_tax: dict[int, Decimal], sign: Decimal, common: dict[str, Any]
    ) -> None:
        lines = self.db["account.move.line"]
        taxes = self.db["account.tax"]
        existing = {
            lines.rows[lid].get("tax_line_id"): lid for lid in all_lines if lines.rows[lid].get("display_type") == "tax"
        }
        for tid, amount in by_tax.items():
            if not amount:
                continue
            values = {**common, **_amounts(sign * amount), "name": taxes.rows[tid].get("name"), "tax_line_id": tid}
            if tid in existing:
                lines.update(existing.pop(tid), values)
            else:
                lines.insert(lines.blank_row(rid, "tax", self._account("liability_current"), values))
        for lid in existing.values():
            lines.delete(lid)

    def _sync_receivable_line(
        self, rid: int, all_lines: list[int], total: Decimal, residual: Decimal, sign: Decimal, common: dict[str, Any]
    ) -> None:
        lines = self.db["account.move.line"]
        values = {**common, **_amounts(-sign * total), "name": False, "amount_residual": -sign * residual}
        term = [lid for lid in all_lines if lid in lines.rows and lines.rows[lid].get("display_type") == "payment_term"]
        if term:
            lines.update(term[0], values)
        else:
            lines.insert(lines.blank_row(rid, "payment_term", self._account("asset_receivable"), values))

    def _account(self, account_type: str) -> int | bool:
        accounts = self.db["account.account"]
        for aid, row in accounts.rows.items():
            if row.get("account_type") == account_type:
                return aid
        return False

    # ------------------------------------------------------------------ lifecycle

    def _check_lock_date(self, rid: int) -> None:
        row = self.rows[rid]
        company = self.db["res.company"].rows[row.get("company_id") or self.db.company_id]
        lock = company.get("sale_lock_date")
        if lock and row.get("move_type") in SALE_TYPES and row.get("date") and row["date"] <= lock:
            year, month, day = lock.split("-")
            raise UserError(
                f"You cannot add/modify entries prior to and inclusive of: Sales Lock Date ({month}/{day}/{year})."
            )

    def _next_name(self, row: dict[str, Any], date: str) -> str:
        journals = self.db["account.journal"]
        journal_id = row["journal_id"]
        journal = journals.rows[journal_id]
        prefix = journal["code"]
        if row.get("move_type") in REFUND_TYPES and journal.get("refund_sequence"):
            prefix = f"R{prefix}"
        return journals.next_number(journal_id, prefix, date)  # type: ignore[attr-defined]

    def _check_postable(self, env: Env, rid: int) -> None:
        row = self.rows[rid]
        if row["state"] != "draft":
            raise UserError(f"The entry {row.get('name') or False} (id {rid}) must be in draft.")
        if row.get("move_type") in INVOICE_TYPES:
            lines = self.db["account.move.line"]
            if not any(
                lines.rows[lid].get("display_type") == "product" for lid in lines._index["move_id"].get(rid, ())
            ):
                raise UserError("Even magicians can't post nothing!")
            if not row.get("partner_id"):
                role = "Customer" if row.get("move_type") in SALE_TYPES else "Vendor"
                raise UserError(
                    f"The '{role}' field is required to validate the invoice.\n"
                    "You probably don't want to explain to your auditor that you invoiced an invisible man :)"
                )
            if row.get("amount_total", ZERO) < 0:
                raise UserError(
                    "You cannot validate an invoice with a negative total amount. You should create a credit note "
                    "instead. Use the action menu to transform it into a credit note or refund."
                )
        self._check_lock_date(rid)

    @record_method
    def action_post(self, env: Env, ids: list[int]) -> bool:
        """Post drafts: number them from their journal (the number is kept on re-post)."""
        self.flush(env)
        ids = self.existing(ids)
        for rid in ids:
            self._check_postable(env, rid)
        journals = self.db["account.journal"]
        today = env.today()
        ordered = sorted(ids, key=lambda r: (self.rows[r].get("date") or today, str(self.rows[r].get("ref") or ""), r))
        for rid in ordered:
            row = self.rows[rid]
            changes: dict[str, Any] = {"state": "posted", "posted_before": True}
            if row.get("move_type") in INVOICE_TYPES and not row.get("invoice_date"):
                changes["invoice_date"] = today
            date = changes.get("invoice_date") or row.get("invoice_date") or row.get("date") or today
            changes["date"] = date
            if not row.get("name"):
                changes["name"] = self._next_name(row, date)
            if row.get("move_type") == "out_invoice" and not row.get("payment_reference"):
                changes["payment_reference"] = changes.get("name") or row.get("name")
            if journals.rows[row["journal_id"]].get("restrict_mode_hash_table") and not row.get("inalterable_hash"):
                digest = hashlib.sha256(f"{rid}:{changes.get('name') or row.get('name')}".encode()).hexdigest()
                changes["inalterable_hash"] = digest
            self.update(rid, changes)
            self.dirty.add(rid)
        self.flush(env)
        for rid in ordered:
            original = self.rows[rid].get("reversed_entry_id")
            if original and self.rows[original]["state"] == "posted":
                self.reconcile_reversal(original, rid)
        self.flush(env)
        return False

    def _reset_to_draft(self, rid: int) -> None:
        row = self.rows[rid]
        if row.get("inalterable_hash"):
            raise UserError("You cannot reset to draft a locked journal entry.")
        self._check_lock_date(rid)
        self.update(rid, {"state": "draft"})
        self.dirty.add(rid)

    def unreconcile(self, rid: int) -> None:
        """Undo the move's reconciliations with payments and with its reversal counterpart.

        The payments keep the move in ``reconciled_invoice_ids`` (as Odoo 19 shows it after a
        cancel) but are recomputed: no longer reconciled, back ``in_process``.
        """
        row = self.rows[rid]
        counterpart = row.get("reversed_entry_id") or next(
            iter(self._one2many(rid, self.fields["reversal_move_ids"])), None
        )
        if row.get("__reversed") and counterpart in self.rows:
            self.update(counterpart, {"__reversed": ZERO})
            self.dirty.add(counterpart)
        self.db["account.payment"].touch(pid for pid, _amount in row.get("__payments") or [])  # type: ignore[attr-defined]
        self.update(rid, {"__payments": [], "__reversed": ZERO})
        self.dirty.add(rid)

    def forget_payment(self, pid: int) -> None:
        """Undo a deleted payment's reconciliations."""
        for rid in self.db["account.payment"].rows[pid].get("reconciled_invoice_ids") or []:
            row = self.rows.get(rid)
            if row is None:
                continue
            self.update(
                rid,
                {
                    "__payments": [pair for pair in row.get("__payments") or [] if pair[0] != pid],
                    "matched_payment_ids": [m for m in row.get("matched_payment_ids") or [] if m != pid],
                },
            )
            self.dirty.add(rid)

    @record_method
    def button_draft(self, env: Env, ids: list[int]) -> None:
        """Reset posted or cancelled moves to draft; Odoo 19 keeps their reconciliations."""
        ids = self.existing(ids)
        if any(self.rows[rid]["state"] not in ("posted", "cancel") for rid in ids):
            raise UserError("Only posted/cancelled journal entries can be reset to draft.")
        for rid in ids:
            self._reset_to_draft(rid)

    @record_method
    def button_cancel(self, env: Env, ids: list[int]) -> None:
        """Cancel drafts, unreconciled; a posted move is reset to draft first (Odoo 19)."""
        ids = self.existing(ids)
        for rid in ids:
            state = self.rows[rid]["state"]
            if state == "posted":
                self._reset_to_draft(rid)
            elif state != "draft":
                raise UserError("Only draft journal entries can be cancelled.")
            self.unreconcile(rid)
            self.update(rid, {"state": "cancel"})

    # ------------------------------------------------------------------ used by payments and reversals

    def register_payment(self, rid: int, amount: Decimal, payment_id: int) -> None:
        """Reconcile ``amount`` of a payment with the move (posted or draft: Odoo 19 takes both)."""
        row = self.rows[rid]
        matched = list(row.get("matched_payment_ids") or [])
        if payment_id not in matched:
            matched.append(payment_id)
        applied = [*(row.get("__payments") or []), [payment_id, amount]]
        self.update(rid, {"__payments": applied, "matched_payment_ids": matched})
        self.dirty.add(rid)

    def reconcile_reversal(self, original: int, reversal: int) -> None:
        """Reconcile a posted reversal with its posted original (Odoo does it when the reversal is
        posted): the invoice becomes ``reversed``, the credit note ``paid``."""
        amount = min(self.rows[original]["amount_residual"], self.rows[reversal]["amount_residual"])
        for rid in (original, reversal):
            self.update(rid, {"__reversed": self.rows[rid].get("__reversed", ZERO) + amount})
            self.dirty.add(rid)

    def copy_values(self, rid: int) -> dict[str, Any]:
        """The values ``copy()`` gives a duplicate: copied fields and the product lines."""
        row = self.rows[rid]
        vals = {
            fname: self.wire_value(rid, fname, "_classic_write")
            for fname, spec in self.fields.items()
            if spec.store
            and spec.copied
            and spec.type not in ("one2many", "many2many")
            and fname != "company_id"
            and not fname.startswith(("create_", "write_"))
            and row.get(fname, empty(spec)) is not False
        }
        lines = self.db["account.move.line"]
        vals["invoice_line_ids"] = [
            (0, 0, lines.copy_values(lid)) for lid in self._one2many(rid, self.fields["invoice_line_ids"])
        ]
        return vals


class AccountMoveLine(Model):
    """Journal items: product lines written by clients, tax and receivable lines computed."""

    _name = "account.move.line"
    _description = "Journal Item"
    _order = "sequence, id"
    _fields_spec: ClassVar[dict[str, Field]] = {
        "move_id": Field("many2one", "Journal Entry", relation="account.move", required=True),
        "name": Field("char", "Label"),
        "sequence": Field("integer", "Sequence", default=10),
        "display_type": Field(
            "selection",
            "Display Type",
            selection=(
                ("product", "Product"),
                ("cogs", "Cost of Goods Sold"),
                ("tax", "Tax"),
                ("discount", "Discount"),
                ("rounding", "Rounding"),
                ("payment_term", "Payment Term"),
                ("line_section", "Section"),
                ("line_note", "Note"),
                ("epd", "Early Payment Discount"),
            ),
            default="product",
            required=True,
        ),
        "quantity": Field("float", "Quantity", default=Decimal(1)),
        "price_unit": Field("float", "Unit Price", default=ZERO),
        "discount": Field("float", "Discount (%)", default=ZERO),
        "account_id": Field("many2one", "Account", relation="account.account"),
        "tax_ids": Field("many2many", "Taxes", relation="account.tax"),
        "tax_line_id": Field("many2one", "Originator Tax", relation="account.tax", readonly=True),
        "price_subtotal": Field("monetary", "Subtotal", readonly=True, default=ZERO),
        "price_total": Field("monetary", "Total", readonly=True, default=ZERO),
        "balance": Field("monetary", "Balance", default=ZERO),
        "debit": Field("monetary", "Debit", default=ZERO),
        "credit": Field("monetary", "Credit", default=ZERO),
        "amount_currency": Field("monetary", "Amount in Currency", default=ZERO),
        "amount_residual": Field("monetary", "Residual Amount", readonly=True, default=ZERO),
        "currency_id": Field("many2one", "Currency", relation="res.currency"),
        "partner_id": Field("many2one", "Partner", relation="res.partner"),
        "reconciled": Field("boolean", "Reconciled", readonly=True),
        "parent_state": Field("char", "Status", compute="parent_state_of", store=False),
        "date": Field("date", "Date", compute="date_of", store=False),
        "journal_id": Field("many2one", "Journal", relation="account.journal", compute="journal_of", store=False),
        "company_id": Field("many2one", "Company", relation="res.company", default=current_company),
    }

    def parent_state_of(self, rid: int) -> str:
        """The state of the line's move."""
        return str(self.db["account.move"].rows[self.rows[rid]["move_id"]]["state"])

    def date_of(self, rid: int) -> str | bool:
        """The accounting date of the line's move."""
        return self.db["account.move"].rows[self.rows[rid]["move_id"]].get("date") or False

    def journal_of(self, rid: int) -> int | bool:
        """The journal of the line's move."""
        return self.db["account.move"].rows[self.rows[rid]["move_id"]].get("journal_id") or False

    def blank_row(
        self, move_id: int, display_type: str, account_id: int | bool, values: dict[str, Any]
    ) -> dict[str, Any]:
        """A complete row for a computed (tax or receivable) line."""
        row: dict[str, Any] = {
            fname: spec.default if spec.default is not None and not callable(spec.default) else empty(spec)
            for fname, spec in self.fields.items()
            if spec.store and fname != "id"
        }
        row.update(
            {
                "move_id": move_id,
                "display_type": display_type,
                "account_id": account_id,
                "quantity": Decimal(1) if display_type == "payment_term" else ZERO,
                "company_id": self.db.company_id,
                "tax_ids": [],
            }
        )
        row.update(values)
        return row

    def copy_values(self, rid: int) -> dict[str, Any]:
        """What a copied move's line is created from."""
        row = self.rows[rid]
        return {
            "name": row.get("name") or False,
            "display_type": row.get("display_type"),
            "quantity": row.get("quantity"),
            "price_unit": row.get("price_unit"),
            "discount": row.get("discount"),
            "account_id": row.get("account_id") or False,
            "tax_ids": [(6, 0, list(row.get("tax_ids") or []))],
            "sequence": row.get("sequence"),
        }

    def prepare_create(self, env: Env, vals: dict[str, Any]) -> dict[str, Any]:
        """A client line is a product line on its move's income account, currency and partner."""
        moves = self.db["account.move"]
        move = moves.rows.get(vals.get("move_id") or 0)
        if move is None:
            return vals
        if move["state"] == "posted":
            raise posted_readonly(["line_ids"])
        vals.setdefault("display_type", "product")
        if vals["display_type"] == "product" and not vals.get("account_id"):
            journal = self.db["account.journal"].rows.get(move.get("journal_id") or 0, {})
            vals["account_id"] = journal.get("default_account_id") or False
        vals.setdefault("currency_id", move.get("currency_id") or False)
        vals.setdefault("partner_id", move.get("partner_id") or False)
        return vals

    def before_write(self, env: Env, ids: list[int], vals: dict[str, Any]) -> None:
        """Items of posted moves keep their amounts, accounts and taxes."""
        protected = [f for f in vals if f in LINE_PROTECTED_ON_POSTED]
        moves = self.db["account.move"]
        if protected and any(moves.rows[self.rows[lid]["move_id"]]["state"] == "posted" for lid in ids):
            raise posted_readonly(protected)

    def after_change(self, env: Env, ids: list[int], vals: dict[str, Any], created: bool) -> None:
        """The moves of changed lines are recomputed when the call ends."""
        self.db["account.move"].dirty.update(self.rows[lid]["move_id"] for lid in ids)  # type: ignore[attr-defined]

    def before_unlink(self, env: Env, ids: list[int]) -> None:
        """Items of posted moves are never deleted."""
        moves = self.db["account.move"]
        move_ids = {self.rows[lid]["move_id"] for lid in ids}
        if any(moves.rows[mid]["state"] == "posted" for mid in move_ids if mid in moves.rows):
            raise UserError(POSTED_DELETE)
        moves.dirty.update(move_ids)  # type: ignore[attr-defined]


def paid_amount(row: dict[str, Any]) -> Decimal:
    """What payments reconciled with a move (its ``__payments`` pairs of payment id, amount)."""
    return sum((Decimal(amount) for _pid, amount in row.get("__payments") or []), ZERO)


def payment_state(row: dict[str, Any], total: Decimal, residual: Decimal, rounding: Decimal) -> str:
    """Odoo 19's ``payment_state`` of a move.

    Invoices qualify when posted, or draft with a non-zero total (Odoo 19 lets drafts be paid).
    Settled by payments → ``paid``; settled by a reversal alone → ``reversed`` for an invoice,
    ``paid`` for the credit note; settled with nothing reconciled (a zero total) → ``paid``.
    """
    qualifies = row.get("move_type") in INVOICE_TYPES and (
        row["state"] == "posted" or (row["state"] == "draft" and total != 0)
    )
    if not qualifies:
        return "not_paid"
    paid, reversed_ = bool(row.get("__payments")), bool(row.get("__reversed"))
    if abs(residual) < rounding / 2:
        if reversed_ and not paid and row.get("move_type") in REVERSIBLE_TYPES:
            return "reversed"
        return "paid"
    return "partial" if paid or reversed_ else "not_paid"


def _amounts(balance: Decimal) -> dict[str, Decimal]:
    return {
        "balance": balance,
        "amount_currency": balance,
        "debit": balance if balance > 0 else ZERO,
        "credit": -balance if balance < 0 else ZERO,
    }


MODELS: tuple[type[Model], ...] = (AccountMove, AccountMoveLine)

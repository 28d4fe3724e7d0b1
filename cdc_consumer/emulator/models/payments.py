"""Payments: ``account.payment`` and the "Register Payment" wizard ``account.payment.register``,
driven through ``active_model`` / ``active_ids`` like the UI does.

A payment's ``state`` and ``is_reconciled`` follow its invoices as Odoo 19 Community computes
them: ``paid`` once every invoice it is reconciled with is paid, else ``in_process``; reconciled
when all of its amount went to invoices.
"""

from __future__ import annotations

from typing import Any, ClassVar

from ..errors import UserError, ValidationError
from ..fields import Field, to_decimal
from ..money import ZERO
from ..orm import Env, Model, RecomputedModel, context_today, current_company, record_method
from .moves import AccountMove
from .wizards import active_moves, window

NOTHING_TO_PAY = (
    "There's nothing left to pay for the selected journal items, so no payment registration is necessary. "
    "You've got your finances under control like a boss!"
)
#: Odoo 19's refusal to delete a confirmed payment (the text of the check it trips over).
CONFIRMED_DELETE = "A payment with an outstanding account cannot be confirmed without having a journal entry."


def _memo(invoices: list[dict[str, Any]]) -> str | bool:
    """The payment's memo: each invoice's payment reference (its number once posted), else its
    ``ref``, else its number."""
    labels = {row.get("payment_reference") or row.get("ref") or row.get("name") for row in invoices}
    return ", ".join(sorted(label for label in labels if label)) or False


class AccountPayment(RecomputedModel):
    """Payments; those made by the wizard are reconciled with their invoices."""

    _name = "account.payment"
    _description = "Payments"
    _order = "date desc, name desc"
    _fields_spec: ClassVar[dict[str, Field]] = {
        "name": Field("char", "Number", readonly=True),
        "amount": Field("monetary", "Amount", default=ZERO),
        "date": Field("date", "Date", default=context_today, required=True),
        "journal_id": Field("many2one", "Journal", relation="account.journal", required=True),
        "partner_id": Field("many2one", "Customer/Vendor", relation="res.partner"),
        "currency_id": Field("many2one", "Currency", relation="res.currency"),
        "payment_type": Field(
            "selection", "Payment Type", selection=(("outbound", "Send"), ("inbound", "Receive")), default="inbound"
        ),
        "partner_type": Field(
            "selection",
            "Partner Type",
            selection=(("customer", "Customer"), ("supplier", "Vendor")),
            default="customer",
        ),
        "state": Field(
            "selection",
            "Status",
            selection=(
                ("draft", "Draft"),
                ("in_process", "In Process"),
                ("paid", "Paid"),
                ("canceled", "Canceled"),
                ("rejected", "Rejected"),
            ),
            default="draft",
            required=True,
        ),
        "memo": Field("char", "Memo"),
        "reconciled_invoice_ids": Field("many2many", "Reconciled Invoices", relation="account.move"),
        "is_reconciled": Field("boolean", "Is Reconciled", readonly=True),
        "company_id": Field("many2one", "Company", relation="res.company", default=current_company),
    }

    def display_name_of(self, rid: int) -> str:
        """The number, or ``Draft Payment``."""
        return str(self.rows[rid].get("name") or "Draft Payment")

    def recompute(self, rid: int) -> None:
        """A confirmed payment's state and ``is_reconciled`` from the invoices it went to."""
        row = self.rows[rid]
        if row["state"] not in ("in_process", "paid"):
            return
        moves = self.db["account.move"]
        invoices = [moves.rows[m] for m in row.get("reconciled_invoice_ids") or [] if m in moves.rows]
        applied = sum((to_decimal(a) for inv in invoices for pid, a in inv.get("__payments") or [] if pid == rid), ZERO)
        paid = bool(invoices) and all(inv["payment_state"] == "paid" for inv in invoices)
        self.update(rid, {"state": "paid" if paid else "in_process", "is_reconciled": applied == row["amount"]})

    def before_unlink(self, env: Env, ids: list[int]) -> None:
        """Only draft payments are deleted; their reconciliations go with them."""
        if any(self.rows[rid]["state"] in ("in_process", "paid") for rid in ids):
            raise ValidationError(CONFIRMED_DELETE)
        moves: AccountMove = env["account.move"]  # type: ignore[assignment]
        for rid in ids:
            moves.forget_payment(rid)

    def confirm(self, rid: int) -> None:
        """Number the payment from its journal and put it in process."""
        row = self.rows[rid]
        journals = self.db["account.journal"]
        prefix = f"P{journals.rows[row['journal_id']]['code']}"
        name = journals.next_number(row["journal_id"], prefix, row["date"])  # type: ignore[attr-defined]
        self.update(rid, {"state": "in_process", "name": name})

    @record_method
    def action_post(self, env: Env, ids: list[int]) -> None:
        """Confirm draft payments."""
        for rid in self.existing(ids):
            if self.rows[rid]["state"] == "draft":
                self.confirm(rid)
                self.dirty.add(rid)

    @record_method
    def action_draft(self, env: Env, ids: list[int]) -> None:
        """Back to draft; Odoo 19 keeps the reconciliations (until the payment is deleted)."""
        for rid in self.existing(ids):
            self.update(rid, {"state": "draft"})


class AccountPaymentRegister(Model):
    """The "Register Payment" wizard on invoices, posted or draft (Odoo 19 pays drafts too)."""

    _name = "account.payment.register"
    _description = "Pay"
    _fields_spec: ClassVar[dict[str, Field]] = {
        "payment_date": Field("date", "Payment Date", default=context_today, required=True),
        "amount": Field("monetary", "Amount"),
        "communication": Field("char", "Memo"),
        "journal_id": Field("many2one", "Journal", relation="account.journal"),
        "currency_id": Field("many2one", "Currency", relation="res.currency"),
        "partner_id": Field("many2one", "Customer/Vendor", relation="res.partner"),
        "payment_method_line_id": Field("many2one", "Payment Method", relation="account.payment.method.line"),
        "group_payment": Field("boolean", "Group Payments"),
        "line_ids": Field("many2many", "Journal items", relation="account.move.line"),
        "company_id": Field("many2one", "Company", relation="res.company", default=current_company),
    }

    def prepare_create(self, env: Env, vals: dict[str, Any]) -> dict[str, Any]:
        """Take the invoices from the context and default the amount to what is left to pay."""
        moves: AccountMove = env["account.move"]  # type: ignore[assignment]
        move_ids = active_moves(env, "register payment")
        residual = sum((moves.rows[mid]["amount_residual"] for mid in move_ids), ZERO)
        if not residual:
            raise UserError(NOTHING_TO_PAY)
        lines = env["account.move.line"]
        receivable = [
            lid
            for mid in move_ids
            for lid in lines.lookup("move_id", "=", mid) or ()
            if lines.rows[lid].get("display_type") == "payment_term"
        ]
        first = moves.rows[move_ids[0]]
        if not vals.get("journal_id"):
            found = env["account.journal"].search_ids(env, [("type", "in", ["bank", "cash"])], limit=1)
            vals["journal_id"] = found[0] if found else False
        vals.setdefault("amount", residual)
        vals.setdefault("currency_id", first["currency_id"])
        vals.setdefault("partner_id", first.get("partner_id") or False)
        vals.setdefault("communication", _memo([moves.rows[mid] for mid in move_ids]))
        vals["line_ids"] = [(6, 0, receivable)]
        return vals

    @record_method
    def action_create_payments(self, env: Env, ids: list[int]) -> dict[str, Any]:
        """Create the payment and reconcile it with the invoices, oldest first."""
        moves: AccountMove = env["account.move"]  # type: ignore[assignment]
        payments: AccountPayment = env["account.payment"]  # type: ignore[assignment]
        lines = env["account.move.line"]
        created: list[int] = []
        for wid in self.existing(ids):
            wizard = self.rows[wid]
            move_ids = list(dict.fromkeys(lines.rows[lid]["move_id"] for lid in wizard.get("line_ids") or []))
            first = moves.rows[move_ids[0]] if move_ids else {}
            amount = to_decimal(wizard.get("amount") or 0)
            payment_id = payments.create_records(
                env,
                [
                    {
                        "amount": amount,
                        "date": wizard["payment_date"],
                        "journal_id": wizard["journal_id"],
                        "partner_id": wizard.get("partner_id") or False,
                        "currency_id": wizard.get("currency_id") or False,
                        "memo": wizard.get("communication") or False,
                        "payment_type": "outbound" if first.get("move_type") == "out_refund" else "inbound",
                    }
                ],
            )[0]
            payments.confirm(payment_id)
            remaining = amount
            reconciled = []
            for mid in sorted(move_ids, key=lambda m: (moves.rows[m].get("invoice_date_due") or "", m)):
                take = min(remaining, moves.rows[mid]["amount_residual"])
                if take > 0:
                    moves.register_payment(mid, take, payment_id)
                    reconciled.append(mid)
                    remaining -= take
            payments.update(payment_id, {"reconciled_invoice_ids": reconciled})
            payments.touch([payment_id])
            created.append(payment_id)
        moves.flush(env)
        return window("account.payment", created, "Payments", {"create": False})


MODELS: tuple[type[Model], ...] = (AccountPayment, AccountPaymentRegister)

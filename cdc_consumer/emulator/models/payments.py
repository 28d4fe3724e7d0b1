"""Payments and reversals: ``account.payment.register`` (the wizard), ``account.payment`` and
``account.move.reversal``, driven through ``active_model`` / ``active_ids`` like the UI does."""

from __future__ import annotations

from typing import Any, ClassVar

from ..errors import UserError
from ..fields import Field, to_decimal
from ..money import ZERO
from ..orm import Env, Model, context_today, current_company, normalize_ids, record_method
from .moves import AccountMove


def _active_moves(env: Env, what: str) -> list[int]:
    """The moves the wizard was opened on (``active_model``/``active_ids``)."""
    model = env.context.get("active_model")
    ids = normalize_ids(env.context.get("active_ids") or env.context.get("active_id") or [])
    if model == "account.move":
        return env["account.move"].existing(ids)
    if model == "account.move.line":
        lines = env["account.move.line"]
        return list(dict.fromkeys(lines.rows[lid]["move_id"] for lid in lines.existing(ids)))
    raise UserError(f"The {what} wizard should only be called on account.move or account.move.line records.")


def _window(model: str, ids: list[int], name: str) -> dict[str, Any]:
    action: dict[str, Any] = {
        "name": name,
        "type": "ir.actions.act_window",
        "res_model": model,
        "context": {"create": False},
    }
    if len(ids) == 1:
        action.update(view_mode="form", res_id=ids[0])
    else:
        action.update(view_mode="list,form", domain=[["id", "in", ids]])
    return action


class AccountPayment(Model):
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


class AccountPaymentRegister(Model):
    """The "Register Payment" wizard on posted invoices."""

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
        move_ids = _active_moves(env, "register payment")
        if any(moves.rows[mid]["state"] != "posted" for mid in move_ids):
            raise UserError("You can only register payment for posted journal items.")
        residual = sum((moves.rows[mid]["amount_residual"] for mid in move_ids), ZERO)
        if not residual:
            raise UserError(
                "You can't register a payment because there is nothing left to pay on the selected journal items."
            )
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
        vals.setdefault("communication", " ".join(str(moves.rows[mid].get("name") or "") for mid in move_ids))
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
            payments.update(payment_id, {"reconciled_invoice_ids": reconciled, "is_reconciled": remaining == 0})
            created.append(payment_id)
        moves.flush(env)
        return _window("account.payment", created, "Payments")


class AccountMoveReversal(Model):
    """The "Reverse" wizard: a draft credit note, or a posted one reconciled with the original."""

    _name = "account.move.reversal"
    _description = "Account Move Reversal"
    _fields_spec: ClassVar[dict[str, Field]] = {
        "move_ids": Field("many2many", "Moves", relation="account.move"),
        "new_move_ids": Field("many2many", "New Moves", relation="account.move"),
        "reason": Field("char", "Reason displayed on Credit Note"),
        "date": Field("date", "Reversal date", default=context_today),
        "journal_id": Field("many2one", "Journal", relation="account.journal"),
        "company_id": Field("many2one", "Company", relation="res.company", default=current_company),
    }

    def prepare_create(self, env: Env, vals: dict[str, Any]) -> dict[str, Any]:
        """Only posted moves can be reversed; they come from the context unless given."""
        if "move_ids" not in vals:
            vals["move_ids"] = [(6, 0, _active_moves(env, "reversal"))]
        return vals

    def after_change(self, env: Env, ids: list[int], vals: dict[str, Any], created: bool) -> None:
        """Refuse moves that are not posted."""
        moves = env["account.move"]
        for rid in ids:
            if any(moves.rows[mid]["state"] != "posted" for mid in self.rows[rid].get("move_ids") or []):
                raise UserError("You can only reverse posted moves.")

    @record_method
    def refund_moves(self, env: Env, ids: list[int]) -> dict[str, Any]:
        """Create draft credit notes (``ref`` ``Reversal of: <name>, <reason>``)."""
        return self._reverse(env, self.existing(ids), modify=False)

    @record_method
    def modify_moves(self, env: Env, ids: list[int]) -> dict[str, Any]:
        """Post reconciled credit notes (originals become ``reversed``) and draft copies."""
        return self._reverse(env, self.existing(ids), modify=True)

    @record_method
    def reverse_moves(self, env: Env, ids: list[int], is_modify: bool = False) -> dict[str, Any]:
        """``refund_moves`` or, with ``is_modify``, ``modify_moves``."""
        return self._reverse(env, self.existing(ids), modify=bool(is_modify))

    def _reverse(self, env: Env, ids: list[int], modify: bool) -> dict[str, Any]:
        moves: AccountMove = env["account.move"]  # type: ignore[assignment]
        moves.flush(env)
        refunds: list[int] = []
        copies: list[int] = []
        for wid in ids:
            wizard = self.rows[wid]
            for mid in wizard.get("move_ids") or []:
                refund = moves.create_records(env, [self._refund_values(moves, wizard, mid, env)])[0]
                refunds.append(refund)
                if modify:
                    moves.flush(env)
                    moves.action_post(env, [refund])
                    moves.reconcile_reversal(mid, refund)
                    copies.extend(moves.create_records(env, [moves.copy_values(mid)]))
            self.update(wid, {"new_move_ids": refunds + copies})
        moves.flush(env)
        if modify:
            return _window("account.move", copies, "Reverse Moves")
        return _window("account.move", refunds, "Reverse Moves")

    @staticmethod
    def _refund_values(moves: AccountMove, wizard: dict[str, Any], mid: int, env: Env) -> dict[str, Any]:
        original = moves.rows[mid]
        reason = wizard.get("reason")
        name = original.get("name") or ""
        kinds = {
            "out_invoice": "out_refund",
            "out_refund": "out_invoice",
            "in_invoice": "in_refund",
            "in_refund": "in_invoice",
        }
        date = wizard.get("date") or env.today()
        lines = env["account.move.line"]
        return {
            "move_type": kinds.get(original["move_type"], "entry"),
            "partner_id": original.get("partner_id") or False,
            "currency_id": original["currency_id"],
            "journal_id": wizard.get("journal_id") or original["journal_id"],
            "invoice_date": date,
            "invoice_date_due": date,
            "date": date,
            "ref": f"Reversal of: {name}, {reason}" if reason else f"Reversal of: {name}",
            "reversed_entry_id": mid,
            "invoice_line_ids": [
                (0, 0, lines.copy_values(lid))
                for lid in moves.value(mid, "invoice_line_ids")  # type: ignore[attr-defined]
            ],
        }


MODELS: tuple[type[Model], ...] = (AccountPayment, AccountPaymentRegister, AccountMoveReversal)

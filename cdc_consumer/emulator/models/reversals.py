"""The "Reverse" wizard ``account.move.reversal``, opened on posted moves through
``active_model`` / ``active_ids``.

``refund_moves`` makes draft credit notes (posting one later reconciles it with its invoice);
``modify_moves`` posts them, which reverses the invoices, and opens a draft copy of each.
"""

from __future__ import annotations

from typing import Any, ClassVar

from ..errors import UserError
from ..fields import Field
from ..orm import Env, Model, context_today, current_company, record_method
from .moves import AccountMove
from .wizards import active_moves, window

REFUND_OF = {
    "out_invoice": "out_refund",
    "out_refund": "out_invoice",
    "in_invoice": "in_refund",
    "in_refund": "in_invoice",
}


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
            vals["move_ids"] = [(6, 0, active_moves(env, "reversal"))]
        return vals

    def after_change(self, env: Env, ids: list[int], vals: dict[str, Any], created: bool) -> None:
        """Refuse moves that are not posted."""
        moves = env["account.move"]
        for rid in ids:
            if any(moves.rows[mid]["state"] != "posted" for mid in self.rows[rid].get("move_ids") or []):
                raise UserError("To reverse a journal entry, it has to be posted first.")

    @record_method
    def refund_moves(self, env: Env, ids: list[int]) -> dict[str, Any]:
        """Create draft credit notes (``ref`` ``Reversal of: <name>, <reason>``)."""
        return self._reverse(env, self.existing(ids), modify=False)

    @record_method
    def modify_moves(self, env: Env, ids: list[int]) -> dict[str, Any]:
        """Post the credit notes (the originals become ``reversed``) and open draft copies."""
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
                    copies.extend(moves.create_records(env, [moves.copy_values(mid)]))
            self.update(wid, {"new_move_ids": refunds + copies})
        moves.flush(env)
        shown = copies if modify else refunds
        move_type = moves.rows[shown[0]]["move_type"] if shown else "entry"
        return window("account.move", shown, "Reverse Moves", {"default_move_type": move_type})

    @staticmethod
    def _refund_values(moves: AccountMove, wizard: dict[str, Any], mid: int, env: Env) -> dict[str, Any]:
        original = moves.rows[mid]
        reason = wizard.get("reason")
        name = original.get("name") or ""
        date = wizard.get("date") or env.today()
        lines = env["account.move.line"]
        return {
            "move_type": REFUND_OF.get(original["move_type"], "entry"),
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


MODELS: tuple[type[Model], ...] = (AccountMoveReversal,)

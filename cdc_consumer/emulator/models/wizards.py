"""What the emulated wizards share: the records they were opened on and the window they answer."""

from __future__ import annotations

from typing import Any

from ..errors import UserError
from ..orm import Env, normalize_ids


def active_moves(env: Env, what: str) -> list[int]:
    """The moves a wizard was opened on (``active_model``/``active_ids`` of the context)."""
    model = env.context.get("active_model")
    ids = normalize_ids(env.context.get("active_ids") or env.context.get("active_id") or [])
    if model == "account.move":
        return env["account.move"].existing(ids)
    if model == "account.move.line":
        lines = env["account.move.line"]
        return list(dict.fromkeys(lines.rows[lid]["move_id"] for lid in lines.existing(ids)))
    raise UserError(f"The {what} wizard should only be called on account.move or account.move.line records.")


def window(model: str, ids: list[int], name: str, context: dict[str, Any]) -> dict[str, Any]:
    """The ``ir.actions.act_window`` a wizard answers: a form on one record, else a list."""
    action: dict[str, Any] = {"name": name, "type": "ir.actions.act_window", "res_model": model}
    if len(ids) == 1:
        action.update(view_mode="form", res_id=ids[0])
    else:
        action.update(view_mode="list,form", domain=[["id", "in", ids]])
    action["context"] = context
    return action

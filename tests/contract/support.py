"""Helpers of the Odoo contract suite (plain functions; the fixtures are in conftest)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

import odoorpc
import pytest
from odoorpc.error import RPCError


def rpc_error(call: Callable[[], Any]) -> dict[str, Any]:
    """The ``error`` object Odoo answered to ``call`` (which must fail with an RPC error)."""
    with pytest.raises(RPCError) as caught:
        call()
    info = caught.value.info
    assert isinstance(info, dict), f"not an Odoo error envelope: {info!r}"
    return info


def today(odoo: odoorpc.ODOO) -> str:
    """Today in the user's timezone, as Odoo computes default dates."""
    tz = odoo.env.context.get("tz") or "UTC"
    return dt.datetime.now(ZoneInfo(tz)).date().isoformat()


def search_one(odoo: odoorpc.ODOO, model: str, domain: list[Any], **kwargs: Any) -> int:
    """The id of the first record matching ``domain`` (the test fails when there is none)."""
    found = odoo.execute_kw(model, "search", [domain], {"limit": 1, **kwargs})
    assert found, f"no {model} matches {domain}"
    return int(found[0])


class Cleanup:
    """Records a test created, removed (as far as Odoo allows) when the test ends."""

    def __init__(self, odoo: odoorpc.ODOO) -> None:
        self.odoo = odoo
        self.items: list[tuple[str, int]] = []

    def add(self, model: str, ids: int | list[int]) -> None:
        """Remove ``ids`` of ``model`` after the test."""
        for rid in [ids] if isinstance(ids, int) else ids:
            self.items.append((model, rid))

    def run(self) -> None:
        """Best effort, newest first: payments are reset to draft then deleted (which undoes their
        reconciliations), moves cancelled then deleted; other records deleted or archived."""
        for model, rid in reversed(self.items):
            try:
                if model == "account.payment":
                    self.odoo.execute_kw(model, "action_draft", [[rid]])
                if model == "account.move":
                    state = self.odoo.execute_kw(model, "read", [[rid], ["state"]])
                    if state and state[0]["state"] == "posted":
                        self.odoo.execute_kw(model, "button_cancel", [[rid]])
                self.odoo.execute_kw(model, "unlink", [[rid]])
            except RPCError:
                try:
                    self.odoo.execute_kw(model, "write", [[rid], {"active": False}])
                except RPCError:
                    continue


def read_one(odoo: odoorpc.ODOO, model: str, rid: int, fields: list[str]) -> dict[str, Any]:
    """One record's ``fields``."""
    rows = odoo.execute_kw(model, "read", [[rid], fields])
    assert len(rows) == 1
    return rows[0]


def manual_field_values(model_id: int, name: str) -> dict[str, Any]:
    """What the bootstrap sends to create a manual, indexed, not copied char field."""
    return {
        "model_id": model_id,
        "name": name,
        "field_description": "Contract test id",
        "ttype": "char",
        "state": "manual",
        "index": True,
        "copied": False,
    }

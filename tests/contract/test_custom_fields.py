"""Manual ``x_`` fields created over RPC, and the unique constraint Odoo does not let us add."""

from __future__ import annotations

from collections.abc import Iterator

import odoorpc
import pytest

from tests.contract.support import Cleanup, read_one, rpc_error, search_one
from tests.support.odoo_fixtures import OdooTarget


@pytest.fixture
def custom_field(odoo: odoorpc.ODOO, unique: str) -> Iterator[str]:
    """A manual char field ``x_ct_<run>`` on ``res.partner``, removed afterwards."""
    name = f"x_ct_{unique.lower()}"
    model_id = search_one(odoo, "ir.model", [("model", "=", "res.partner")])
    field_id = odoo.execute_kw(
        "ir.model.fields",
        "create",
        [
            {
                "model_id": model_id,
                "name": name,
                "field_description": "Contract test id",
                "ttype": "char",
                "state": "manual",
                "index": True,
                "copied": False,
            }
        ],
    )
    try:
        yield name
    finally:
        odoo.execute_kw("ir.model.fields", "unlink", [[field_id]])


def test_a_manual_field_is_readable_writable_and_searchable(
    odoo_target: OdooTarget, custom_field: str, unique: str, cleanup: Cleanup
) -> None:
    odoo = odoo_target.client()  # a connection opened after the field exists
    partner = odoo.execute_kw("res.partner", "create", [{"name": f"Custom {unique}", custom_field: f"src-{unique}"}])
    cleanup.add("res.partner", partner)
    assert read_one(odoo, "res.partner", partner, [custom_field])[custom_field] == f"src-{unique}"
    odoo.execute_kw("res.partner", "write", [[partner], {custom_field: f"new-{unique}"}])
    assert odoo.execute_kw("res.partner", "search", [[(custom_field, "in", [f"new-{unique}", "other"])]]) == [partner]
    described = odoo.execute_kw("res.partner", "fields_get", [[custom_field]], {"attributes": ["type"]})
    assert described == {custom_field: {"type": "char"}}


def test_custom_field_names_start_with_x(odoo: odoorpc.ODOO, unique: str) -> None:
    model_id = search_one(odoo, "ir.model", [("model", "=", "res.partner")])
    error = rpc_error(
        lambda: odoo.execute_kw(
            "ir.model.fields",
            "create",
            [{"model_id": model_id, "name": f"ct_{unique.lower()}", "ttype": "char", "state": "manual"}],
        )
    )
    assert error["data"]["name"] == "odoo.exceptions.ValidationError"


def test_model_constraints_cannot_be_created(odoo: odoorpc.ODOO, unique: str) -> None:
    model_id = search_one(odoo, "ir.model", [("model", "=", "account.move")])
    error = rpc_error(
        lambda: odoo.execute_kw(
            "ir.model.constraint",
            "create",
            [
                {
                    "name": f"x_ct_{unique.lower()}_uniq",
                    "model": model_id,
                    "type": "u",
                    "definition": "unique(x_fc_nexacloud_invoice_id)",
                }
            ],
        )
    )
    assert error["data"]["name"] == "odoo.exceptions.AccessError"
    assert error["data"]["message"] == (
        "You are not allowed to create 'Model Constraint' (ir.model.constraint) records. "
        "No group currently allows this operation."
    )

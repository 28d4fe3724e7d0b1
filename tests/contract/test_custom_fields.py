"""Manual ``x_`` fields created over RPC, their errors, and uniqueness: Odoo lets no client add
a constraint, but an operator's SQL unique index is answered as a ``ValidationError``."""

from __future__ import annotations

from collections.abc import Callable

import odoorpc
import pytest

from tests.contract.support import Cleanup, manual_field_values, read_one, rpc_error, search_one
from tests.support.odoo_fixtures import OdooTarget

CONSTRAINT_REFUSED = (
    "You are not allowed to create 'Model Constraint' (ir.model.constraint) records.\n\n"
    "No group currently allows this operation.\n\n"
    "Contact your administrator to request access if necessary."
)


@pytest.fixture
def custom_field(manual_field: Callable[[str], str]) -> str:
    """A manual char field ``x_ct_<run>`` on ``res.partner``, removed afterwards."""
    return manual_field("res.partner")


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


def test_the_same_field_twice_is_refused(odoo: odoorpc.ODOO, custom_field: str) -> None:
    model_id = search_one(odoo, "ir.model", [("model", "=", "res.partner")])
    error = rpc_error(
        lambda: odoo.execute_kw("ir.model.fields", "create", [manual_field_values(model_id, custom_field)])
    )
    assert error["data"]["name"] == "odoo.exceptions.ValidationError"
    assert error["data"]["message"] == "The operation cannot be completed: Field names must be unique per model."


def test_custom_field_names_start_with_x(odoo: odoorpc.ODOO, unique: str) -> None:
    model_id = search_one(odoo, "ir.model", [("model", "=", "res.partner")])
    error = rpc_error(
        lambda: odoo.execute_kw("ir.model.fields", "create", [manual_field_values(model_id, f"ct_{unique.lower()}")])
    )
    assert error["data"]["name"] == "odoo.exceptions.ValidationError"
    assert error["data"]["message"] == (
        "The operation cannot be completed: Custom fields must have a name that starts with 'x_'!"
    )


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
    assert error["data"]["message"] == CONSTRAINT_REFUSED


def test_an_operator_unique_index_refuses_duplicates_and_rolls_a_batch_back(
    odoo_target: OdooTarget, odoo: odoorpc.ODOO, custom_field: str, unique: str, cleanup: Cleanup
) -> None:
    index = f"{custom_field}_uniq"
    key = f"dup-{unique}"
    with odoo_target.unique_index("res.partner", custom_field, index):
        first = odoo.execute_kw("res.partner", "create", [{"name": f"First {unique}", custom_field: key}])
        cleanup.add("res.partner", first)
        error = rpc_error(
            lambda: odoo.execute_kw("res.partner", "create", [{"name": f"Second {unique}", custom_field: key}])
        )
        assert error["data"]["name"] == "odoo.exceptions.ValidationError"
        assert error["data"]["message"] == (
            f'The operation cannot be completed: duplicate key value violates unique constraint "{index}"\n'
            f"DETAIL:  Key ({custom_field})=({key}) already exists.\n"
        )
        batch = [
            {"name": f"Third {unique}", custom_field: f"new-{unique}"},
            {"name": f"Fourth {unique}", custom_field: key},
        ]
        rpc_error(lambda: odoo.execute_kw("res.partner", "create", [batch]))
        assert odoo.execute_kw("res.partner", "search", [[(custom_field, "!=", False)]]) == [first]

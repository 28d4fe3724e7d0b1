"""The generic ORM surface: CRUD, domains, x2many commands, ordering, and the errors of
unknown fields."""

from __future__ import annotations

from typing import Any

import odoorpc

from tests.contract.support import Cleanup, read_one, rpc_error


def make_partners(odoo: odoorpc.ODOO, unique: str, cleanup: Cleanup) -> dict[str, int]:
    """Three partners of this run: Alpha, Beta (archived) and Gamma."""
    ids = odoo.execute_kw(
        "res.partner",
        "create",
        [
            [
                {"name": f"Alpha {unique}", "email": f"Alpha.{unique}@Example.com", "customer_rank": 1},
                {"name": f"Beta {unique}", "email": f"beta.{unique}@example.com", "active": False},
                {"name": f"Gamma {unique}", "email": f"gamma.{unique}@example.com", "customer_rank": 3},
            ]
        ],
    )
    cleanup.add("res.partner", ids)
    return dict(zip(("alpha", "beta", "gamma"), ids, strict=True))


def search(odoo: odoorpc.ODOO, domain: list[Any], **kwargs: Any) -> list[int]:
    return odoo.execute_kw("res.partner", "search", [domain], kwargs)


def test_create_one_returns_an_id_and_a_list_returns_ids(odoo: odoorpc.ODOO, unique: str, cleanup: Cleanup) -> None:
    one = odoo.execute_kw("res.partner", "create", [{"name": f"One {unique}"}])
    many = odoo.execute_kw("res.partner", "create", [[{"name": f"Two {unique}"}, {"name": f"Three {unique}"}]])
    cleanup.add("res.partner", [one, *many])
    assert isinstance(one, int)
    assert isinstance(many, list)
    assert len(many) == 2
    assert all(isinstance(i, int) for i in many)


def test_domains(odoo: odoorpc.ODOO, unique: str, cleanup: Cleanup) -> None:
    p = make_partners(odoo, unique, cleanup)
    mine = ("name", "like", unique)
    assert set(search(odoo, [mine])) == {p["alpha"], p["gamma"]}  # archived Beta hidden
    assert set(search(odoo, [mine], context={"active_test": False})) == set(p.values())
    assert set(search(odoo, [mine, ("active", "=", False)])) == {p["beta"]}
    assert search(odoo, [("email", "=ilike", f"alpha.{unique}@example.com")]) == [p["alpha"]]
    assert search(odoo, [("email", "=like", f"Alpha.{unique}@%")]) == [p["alpha"]]
    assert set(search(odoo, [mine, "|", ("customer_rank", ">=", 3), ("name", "ilike", f"alpha {unique.lower()}")])) == {
        p["alpha"],
        p["gamma"],
    }
    assert search(odoo, [mine, "!", ("customer_rank", "<", 3)]) == [p["gamma"]]
    assert search(odoo, [mine, ("customer_rank", "<=", 1), ("customer_rank", ">", 0)]) == [p["alpha"]]
    assert search(odoo, [("id", "in", [p["alpha"], p["gamma"]]), ("name", "not in", [f"Gamma {unique}"])]) == [
        p["alpha"]
    ]
    assert search(odoo, [mine, ("name", "!=", f"Alpha {unique}")]) == [p["gamma"]]
    assert search(odoo, [mine, ("name", "not ilike", "gamma")]) == [p["alpha"]]
    assert odoo.execute_kw("res.partner", "search_count", [[mine]]) == 2


def test_order_limit_offset(odoo: odoorpc.ODOO, unique: str, cleanup: Cleanup) -> None:
    p = make_partners(odoo, unique, cleanup)
    mine = [("name", "like", unique)]
    assert search(odoo, mine, order="customer_rank desc") == [p["gamma"], p["alpha"]]
    assert search(odoo, mine, order="name asc", limit=1) == [p["alpha"]]
    assert search(odoo, mine, order="name asc", offset=1) == [p["gamma"]]


def test_read_search_read_and_many2one(odoo: odoorpc.ODOO, unique: str, cleanup: Cleanup) -> None:
    p = make_partners(odoo, unique, cleanup)
    company = odoo.execute_kw("res.company", "search_read", [[]], {"fields": ["name"], "limit": 1})[0]
    odoo.execute_kw("res.partner", "write", [[p["alpha"]], {"company_id": company["id"]}])
    rows = odoo.execute_kw(
        "res.partner", "search_read", [[("id", "=", p["alpha"])]], {"fields": ["name", "company_id", "active"]}
    )
    assert rows == [
        {"id": p["alpha"], "name": f"Alpha {unique}", "company_id": [company["id"], company["name"]], "active": True}
    ]
    assert read_one(odoo, "res.partner", p["alpha"], ["company_id"])["company_id"][0] == company["id"]
    assert (
        odoo.execute_kw("res.partner", "read", [[p["alpha"]], ["company_id"]], {"load": "_classic_write"})[0][
            "company_id"
        ]
        == company["id"]
    )


def test_write_and_unlink(odoo: odoorpc.ODOO, unique: str, cleanup: Cleanup) -> None:
    p = make_partners(odoo, unique, cleanup)
    assert odoo.execute_kw("res.partner", "write", [[p["alpha"]], {"phone": "+1 416 555 0100"}]) is True
    assert read_one(odoo, "res.partner", p["alpha"], ["phone"])["phone"] == "+1 416 555 0100"
    assert odoo.execute_kw("res.partner", "unlink", [[p["gamma"]]]) is True
    assert odoo.execute_kw("res.partner", "read", [[p["gamma"]], ["name"]]) == []


def test_fields_get_and_name_search(odoo: odoorpc.ODOO, unique: str, cleanup: Cleanup) -> None:
    p = make_partners(odoo, unique, cleanup)
    described = odoo.execute_kw("account.move", "fields_get", [], {"attributes": ["type", "relation"]})
    assert described["partner_id"] == {"type": "many2one", "relation": "res.partner"}
    assert described["amount_total"]["type"] == "monetary"
    found = odoo.execute_kw("res.partner", "name_search", [f"Gamma {unique}"])
    assert [row[0] for row in found] == [p["gamma"]]


def python_error(call: Any) -> tuple[str, str]:
    """``(data.name, data.message)`` of the error ``call`` answers."""
    data = rpc_error(call)["data"]
    return data["name"], data["message"]


def test_unknown_fields_and_methods_raise_python_errors(odoo: odoorpc.ODOO, unique: str, cleanup: Cleanup) -> None:
    p = make_partners(odoo, unique, cleanup)
    assert python_error(lambda: odoo.execute_kw("res.partner", "create", [{"name": "X", "x_nope": 1}])) == (
        "builtins.ValueError",
        "Invalid field 'x_nope' in 'res.partner'",
    )
    assert python_error(lambda: odoo.execute_kw("res.partner", "write", [[p["alpha"]], {"x_nope": 1}])) == (
        "builtins.KeyError",
        "x_nope",
    )
    on_model = ("builtins.ValueError", "Invalid field 'x_nope' on 'res.partner'")
    assert python_error(lambda: odoo.execute_kw("res.partner", "read", [[p["alpha"]], ["name", "x_nope"]])) == on_model
    assert python_error(lambda: odoo.execute_kw("res.partner", "search_read", [[]], {"fields": ["x_nope"]})) == on_model
    assert python_error(lambda: odoo.execute_kw("account.move", "search", [[("x_nope", "=", "a")]])) == (
        "builtins.ValueError",
        "Invalid field account.move.x_nope in condition ('x_nope', '=', 'a')",
    )
    assert python_error(lambda: odoo.execute_kw("res.partner", "search_count", [[("x_nope", "=", 1)]])) == (
        "builtins.ValueError",
        "Invalid field res.partner.x_nope in condition ('x_nope', '=', 1)",
    )
    assert python_error(lambda: odoo.execute_kw("res.partner", "no_such_method", [[p["alpha"]]])) == (
        "builtins.AttributeError",
        "The method 'res.partner.no_such_method' does not exist",
    )


def test_missing_ids_are_skipped_by_read_and_refused_by_write_and_unlink(
    odoo: odoorpc.ODOO, unique: str, cleanup: Cleanup
) -> None:
    p = make_partners(odoo, unique, cleanup)
    gone = odoo.execute_kw("res.partner", "create", [{"name": f"Gone {unique}"}])
    odoo.execute_kw("res.partner", "unlink", [[gone]])
    uid = odoo.env.uid
    assert odoo.execute_kw("res.partner", "read", [[gone], ["name"]]) == []
    assert odoo.execute_kw("res.partner", "read", [[p["alpha"], gone], ["name"]]) == [
        {"id": p["alpha"], "name": f"Alpha {unique}"}
    ]
    missing = (
        "odoo.exceptions.MissingError",
        f"Record does not exist or has been deleted.\n(Record: res.partner({gone},), User: {uid})",
    )
    assert (
        python_error(lambda: odoo.execute_kw("res.partner", "write", [[p["alpha"], gone], {"phone": "1"}])) == missing
    )
    assert python_error(lambda: odoo.execute_kw("res.partner", "write", [[gone, gone + 1], {"phone": "1"}])) == missing
    assert python_error(lambda: odoo.execute_kw("res.partner", "unlink", [[gone]])) == missing
    assert read_one(odoo, "res.partner", p["alpha"], ["phone"])["phone"] is False


def test_x2many_commands_in_tuple_and_list_form(odoo: odoorpc.ODOO, make_invoice: Any, hst13: int) -> None:
    move = make_invoice([("A", 1.0, 10.0), ("B", 2.0, 5.0)])

    def lines() -> list[dict[str, Any]]:
        ids = read_one(odoo, "account.move", move, ["invoice_line_ids"])["invoice_line_ids"]
        return odoo.execute_kw("account.move.line", "read", [ids, ["name", "quantity", "price_unit", "tax_ids"]])

    first, second = lines()
    odoo.execute_kw("account.move", "write", [[move], {"invoice_line_ids": [[1, first["id"], {"price_unit": 20.0}]]}])
    odoo.execute_kw("account.move", "write", [[move], {"invoice_line_ids": [(2, second["id"], 0)]}])
    assert [(row["name"], row["price_unit"]) for row in lines()] == [("A", 20.0)]
    odoo.execute_kw(
        "account.move",
        "write",
        [
            [move],
            {
                "invoice_line_ids": [
                    (5, 0, 0),
                    [0, 0, {"name": "C", "quantity": 3.0, "price_unit": 1.0, "tax_ids": [[6, 0, [hst13]]]}],
                ]
            },
        ],
    )
    assert [(row["name"], row["quantity"], row["tax_ids"]) for row in lines()] == [("C", 3.0, [hst13])]
    amounts = read_one(odoo, "account.move", move, ["amount_untaxed", "amount_tax", "amount_total"])
    assert (amounts["amount_untaxed"], amounts["amount_tax"], amounts["amount_total"]) == (3.0, 0.39, 3.39)
    line = lines()[0]["id"]
    odoo.execute_kw("account.move.line", "write", [[line], {"tax_ids": [(3, hst13)]}])
    assert lines()[0]["tax_ids"] == []
    odoo.execute_kw("account.move.line", "write", [[line], {"tax_ids": [(4, hst13)]}])
    assert lines()[0]["tax_ids"] == [hst13]

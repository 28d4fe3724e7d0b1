"""The emulator's ORM: x2many commands, atomic calls, manual fields, reads and persistence."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from cdc_consumer.emulator import OdooEmulator
from cdc_consumer.emulator.errors import MissingError, OdooError, PythonError, UserError, ValidationError


@pytest.fixture
def odoo() -> OdooEmulator:
    """An emulator used in-process only (not listening)."""
    return OdooEmulator(port=0)


def invoice(odoo: OdooEmulator, *lines: tuple[str, float], **values: Any) -> int:
    commands = [(0, 0, {"name": name, "price_unit": price, "tax_ids": [(6, 0, [7])]}) for name, price in lines]
    return odoo.execute(
        "account.move", "create", {"move_type": "out_invoice", "partner_id": 3, "invoice_line_ids": commands, **values}
    )


def line_names(odoo: OdooEmulator, move: int) -> list[str]:
    ids = odoo.execute("account.move", "read", [move], ["invoice_line_ids"])[0]["invoice_line_ids"]
    return [row["name"] for row in odoo.execute("account.move.line", "read", ids, ["name"])]


def test_one2many_commands(odoo: OdooEmulator) -> None:
    move = invoice(odoo, ("a", 1), ("b", 2), ("c", 3))
    a, b, c = odoo.execute("account.move", "read", [move], ["invoice_line_ids"])[0]["invoice_line_ids"]
    odoo.execute("account.move", "write", [move], {"invoice_line_ids": [[1, a, {"name": "A"}], (2, b), [3, c, 0]]})
    assert line_names(odoo, move) == ["A"]
    odoo.execute("account.move", "write", [move], {"invoice_line_ids": [(5,), (0, 0, {"name": "d", "price_unit": 1})]})
    assert line_names(odoo, move) == ["d"]
    other = invoice(odoo, ("e", 1))
    (e,) = odoo.execute("account.move", "read", [other], ["invoice_line_ids"])[0]["invoice_line_ids"]
    odoo.execute("account.move", "write", [move], {"invoice_line_ids": [(4, e, 0)]})
    assert line_names(odoo, move) == ["d", "e"]
    assert line_names(odoo, other) == []
    (_d, e) = odoo.execute("account.move", "read", [move], ["invoice_line_ids"])[0]["invoice_line_ids"]
    odoo.execute("account.move", "write", [move], {"invoice_line_ids": [(6, 0, [e])]})
    assert line_names(odoo, move) == ["e"]


def test_many2many_commands_and_plain_id_lists(odoo: OdooEmulator) -> None:
    move = invoice(odoo, ("a", 1))
    (line,) = odoo.execute("account.move", "read", [move], ["invoice_line_ids"])[0]["invoice_line_ids"]

    def taxes() -> list[int]:
        return odoo.execute("account.move.line", "read", [line], ["tax_ids"])[0]["tax_ids"]

    for commands, expected in (
        ([(4, 1)], [7, 1]),
        ([(3, 7)], [1]),
        ([(5, 0, 0)], []),
        ([[6, 0, [7, 1, 7]]], [7, 1]),
        ([1], [1]),
    ):
        odoo.execute("account.move.line", "write", [line], {"tax_ids": commands})
        assert taxes() == expected
    with pytest.raises(MissingError):
        odoo.execute("account.move.line", "write", [line], {"tax_ids": [(4, 999)]})


def test_a_failing_call_changes_nothing(odoo: OdooEmulator) -> None:
    before = len(odoo.db["account.move"].rows), len(odoo.db["account.move.line"].rows)
    good = {"move_type": "out_invoice", "partner_id": 3, "invoice_line_ids": [(0, 0, {"name": "x", "price_unit": 1})]}
    with pytest.raises(PythonError, match=r"^Invalid field 'x_nope' in 'account\.move'$"):
        odoo.execute("account.move", "create", [good, good, {**good, "x_nope": 1}])
    assert (len(odoo.db["account.move"].rows), len(odoo.db["account.move.line"].rows)) == before
    with pytest.raises(ValidationError, match="violates foreign key constraint"):
        odoo.execute("account.move", "create", [good, {**good, "partner_id": 999}])
    assert (len(odoo.db["account.move"].rows), len(odoo.db["account.move.line"].rows)) == before


def test_reads_skip_missing_records_and_writes_refuse_them(odoo: OdooEmulator) -> None:
    assert odoo.execute("res.partner", "read", [3, 999], ["name"]) == [{"id": 3, "name": "Administrator"}]
    with pytest.raises(MissingError) as caught:
        odoo.execute("res.partner", "write", [999], {"name": "x"})
    assert caught.value.message.startswith("Record does not exist or has been deleted.\n(Record: res.partner(999,)")


def test_many2one_reads_as_pair_or_id(odoo: OdooEmulator) -> None:
    assert odoo.execute("res.users", "read", [2], ["partner_id"]) == [{"id": 2, "partner_id": [3, "Administrator"]}]
    assert odoo.execute("res.users", "read", [2], ["partner_id"], load="_classic_write") == [{"id": 2, "partner_id": 3}]


def test_manual_fields_are_added_and_removed(odoo: OdooEmulator) -> None:
    model_id = odoo.execute("ir.model", "search", [("model", "=", "account.move")])[0]
    vals = {"model_id": model_id, "name": "x_src", "ttype": "char", "state": "manual", "index": True, "copied": False}
    field_id = odoo.execute("ir.model.fields", "create", vals)
    move = invoice(odoo, ("a", 1), x_src="abc")
    assert odoo.execute("account.move", "search", [("x_src", "in", ["abc", "zzz"])]) == [move]
    assert odoo.db["account.move"].lookup("x_src", "in", ["abc"]) == {move}
    with pytest.raises(ValidationError, match="unique per model"):
        odoo.execute("ir.model.fields", "create", vals)
    with pytest.raises(ValidationError, match="must have a name that starts with 'x_'"):
        odoo.execute("ir.model.fields", "create", {**vals, "name": "src"})
    odoo.execute("ir.model.fields", "unlink", [field_id])
    with pytest.raises(PythonError, match=r"^Invalid field 'x_src' on 'account\.move'$"):
        odoo.execute("account.move", "read", [move], ["x_src"])
    with pytest.raises(UserError, match="module data"):
        odoo.execute(
            "ir.model.fields", "unlink", odoo.execute("ir.model.fields", "search", [("name", "=", "ref")], limit=1)
        )


def test_a_field_added_by_a_failed_call_is_gone(odoo: OdooEmulator) -> None:
    model_id = odoo.execute("ir.model", "search", [("model", "=", "res.partner")])[0]
    db = odoo.db

    def add_then_fail() -> None:
        with db.atomic():
            db["ir.model.fields"].create_records(
                odoo.env(), [{"model_id": model_id, "name": "x_tmp", "ttype": "char", "state": "manual"}]
            )
            assert "x_tmp" in db["res.partner"].fields
            raise UserError("boom")

    with pytest.raises(OdooError):
        add_then_fail()
    assert "x_tmp" not in db["res.partner"].fields


def test_unknown_model_and_method(odoo: OdooEmulator) -> None:
    with pytest.raises(UserError, match=r"^Object x\.nope doesn't exist$"):
        odoo.execute("x.nope", "search", [])
    with pytest.raises(PythonError, match=r"^The method 'res\.partner\.frobnicate' does not exist$"):
        odoo.execute("res.partner", "frobnicate")


def test_sequences_lock_dates_and_hashes(odoo: OdooEmulator) -> None:
    first = invoice(odoo, ("a", 1), invoice_date="2026-03-01")
    second = invoice(odoo, ("a", 1), invoice_date="2026-02-01")
    odoo.execute("account.move", "action_post", [first, second])
    names = {row["id"]: row["name"] for row in odoo.execute("account.move", "read", [first, second], ["name"])}
    assert names == {second: "INV/2026/00001", first: "INV/2026/00002"}
    odoo.execute("res.company", "write", [1], {"sale_lock_date": "2026-02-15"})
    with pytest.raises(UserError) as caught:
        odoo.execute("account.move", "button_draft", [second])
    assert (
        caught.value.message == "You cannot add/modify entries prior to and inclusive of: Sales Lock Date (02/15/2026)."
    )
    odoo.execute(
        "account.journal",
        "write",
        odoo.execute("account.journal", "search", [("code", "=", "INV")]),
        {"restrict_mode_hash_table": True},
    )
    third = invoice(odoo, ("a", 1), invoice_date="2026-04-01")
    odoo.execute("account.move", "action_post", [third])
    with pytest.raises(UserError, match=r"^You cannot reset to draft a locked journal entry\.$"):
        odoo.execute("account.move", "button_draft", [third])


def test_negative_invoices_are_not_posted_and_refunds_number_apart(odoo: OdooEmulator) -> None:
    negative = invoice(odoo, ("credit", -10))
    with pytest.raises(UserError, match="negative total amount"):
        odoo.execute("account.move", "action_post", [negative])
    refund = invoice(odoo, ("a", 10), move_type="out_refund", invoice_date="2026-05-01")
    odoo.execute("account.move", "action_post", [refund])
    row = odoo.execute("account.move", "read", [refund], ["name", "amount_total_signed", "payment_state"])[0]
    assert row == {"id": refund, "name": "RINV/2026/00001", "amount_total_signed": -11.3, "payment_state": "not_paid"}


def test_journal_items_balance(odoo: OdooEmulator) -> None:
    move = invoice(odoo, ("a", 100), ("b", 0.35))
    rows = odoo.execute(
        "account.move.line",
        "search_read",
        [("move_id", "=", move)],
        fields=["display_type", "debit", "credit", "tax_line_id"],
    )
    assert sorted(r["display_type"] for r in rows) == ["payment_term", "product", "product", "tax"]
    assert (
        sum(Decimal(str(r["debit"])) for r in rows) == sum(Decimal(str(r["credit"])) for r in rows) == Decimal("113.40")
    )


def test_state_file_round_trip(tmp_path: Path) -> None:
    state = tmp_path / "odoo.json"
    first = OdooEmulator(port=0, state_file=state)
    model_id = first.execute("ir.model", "search", [("model", "=", "account.move")])[0]
    first.execute(
        "ir.model.fields",
        "create",
        {"model_id": model_id, "name": "x_src", "ttype": "char", "state": "manual", "index": True},
    )
    move = invoice(first, ("a", 0.35), x_src="k1")
    first.execute("account.move", "action_post", [move])
    first.save()
    second = OdooEmulator(port=0, state_file=state)
    row = second.execute(
        "account.move", "search_read", [("x_src", "=", "k1")], fields=["name", "amount_total", "state"]
    )
    assert row == [{"id": move, "name": f"INV/{row[0]['name'][4:8]}/00001", "amount_total": 0.4, "state": "posted"}]
    assert isinstance(second.db["account.move"].rows[move]["amount_total"], Decimal)
    other = invoice(second, ("b", 1))
    assert other == move + 1


def test_an_operator_unique_index_rolls_a_batch_back_whole(odoo: OdooEmulator) -> None:
    model_id = odoo.execute("ir.model", "search", [("model", "=", "account.move")])[0]
    odoo.execute(
        "ir.model.fields", "create", {"model_id": model_id, "name": "x_src", "ttype": "char", "state": "manual"}
    )
    constraint = odoo.add_unique_index("account.move", "x_src")
    invoice(odoo, ("a", 1), x_src="k1")
    before = len(odoo.db["account.move"].rows)
    vals = {"move_type": "out_invoice", "partner_id": 3}
    with pytest.raises(ValidationError) as caught:
        odoo.execute("account.move", "create", [{**vals, "x_src": "k2"}, {**vals, "x_src": "k1"}])
    assert caught.value.message == (
        "The operation cannot be completed: "
        f'duplicate key value violates unique constraint "{constraint}"\nDETAIL:  Key (x_src)=(k1) already exists.\n'
    )
    assert len(odoo.db["account.move"].rows) == before
    other = invoice(odoo, ("b", 1))
    with pytest.raises(ValidationError):
        odoo.execute("account.move", "write", [other], {"x_src": "k1"})

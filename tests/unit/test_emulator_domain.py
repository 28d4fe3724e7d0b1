"""Domains in the emulator: parsing, operators, dotted paths, the implicit active filter, the
use of indexes, and Odoo 19's error texts."""

from __future__ import annotations

from typing import Any

import pytest

from cdc_consumer.emulator.domain import And, Cond, Const, Not, Or, index_candidates, parse
from cdc_consumer.emulator.errors import PythonError
from cdc_consumer.emulator.orm import Env, Model
from cdc_consumer.emulator.seed import build


@pytest.fixture(scope="module")
def env() -> Env:
    db = build("test", "admin", "admin")
    env = Env(db, db.uid)
    partners = db["res.partner"]
    with db.atomic():
        partners.create_records(
            env,
            [
                {"name": "Ada Lovelace", "email": "Ada@Example.com", "customer_rank": 5, "country_id": 1},
                {"name": "Alan Turing", "email": "alan@example.com", "customer_rank": 1},
                {"name": "Grace Hopper", "email": "grace@example.org", "active": False},
                {"name": "Edsger 100%", "email": False, "customer_rank": 0},
            ],
        )
    return env


def names(env: Env, domain: Any, **context: Any) -> set[str]:
    partners = env.db["res.partner"]
    return {partners.rows[i]["name"] for i in partners.search_ids(env.with_context(**context), domain)} - {
        "NexaCloud Inc.",
        "Administrator",
        "OdooBot",
    }


def test_parse_builds_prefix_trees() -> None:
    assert parse([]) == Const(True)
    assert parse([("a", "=", 1), ("b", "=", 2)]) == And((Cond("a", "=", 1), Cond("b", "=", 2)))
    assert parse(["|", ("a", "=", 1), "!", ["b", "=", 2]]) == Or((Cond("a", "=", 1), Not(Cond("b", "=", 2))))
    assert parse(["|", "|", ("a", "=", 1), ("a", "=", 2), ("a", "=", 3)]) == Or(
        (Cond("a", "=", 1), Cond("a", "=", 2), Cond("a", "=", 3))
    )
    assert parse([[1, "=", 1]]) == Const(True)
    assert parse([["a", "IN", [1]]]) == Cond("a", "in", [1])


@pytest.mark.parametrize(
    ("domain", "message"),
    [
        (["|", ["a", "=", 1]], "Domain() malformed domain ['|', ['a', '=', 1]]"),
        ([("a", "~", 1)], "Invalid operator in condition ('a', '~', 1)"),
        (["&&"], "Domain() invalid item in domain: '&&'"),
    ],
)
def test_malformed_domains(domain: Any, message: str) -> None:
    with pytest.raises(PythonError) as caught:
        parse(domain)
    assert caught.value.odoo_name == "builtins.ValueError"
    assert caught.value.message == message


@pytest.mark.parametrize(
    ("domain", "expected"),
    [
        ([("name", "=", "Ada Lovelace")], {"Ada Lovelace"}),
        ([("name", "!=", "Ada Lovelace"), ("customer_rank", ">=", 0)], {"Alan Turing", "Edsger 100%"}),
        ([("customer_rank", "in", [1, 5])], {"Ada Lovelace", "Alan Turing"}),
        ([("customer_rank", "not in", [1, 5]), ("name", "like", "Edsger")], {"Edsger 100%"}),
        ([("name", "like", "Lace")], set()),
        ([("name", "ilike", "lace")], {"Ada Lovelace"}),
        ([("name", "not ilike", "a"), ("name", "like", "E")], {"Edsger 100%"}),
        ([("email", "=like", "%@example.com")], {"Alan Turing"}),
        ([("email", "=ilike", "ada@example.com")], {"Ada Lovelace"}),
        ([("email", "=", False), ("name", "like", "100")], {"Edsger 100%"}),
        ([("customer_rank", ">", 1)], {"Ada Lovelace"}),
        ([("customer_rank", "<", 1), ("name", "ilike", "e")], {"Edsger 100%"}),
        ([("customer_rank", "<=", 1), ("customer_rank", ">", 0)], {"Alan Turing"}),
        (["|", ("name", "=", "Alan Turing"), ("customer_rank", "=", 5)], {"Ada Lovelace", "Alan Turing"}),
        (["!", ("customer_rank", "<", 5), ("name", "ilike", "a")], {"Ada Lovelace"}),
        ([("country_id.code", "=", "EUR")], set()),
        ([("country_id.name", "=", "Canada")], {"Ada Lovelace"}),
        ([("country_id", "=", "Canada")], {"Ada Lovelace"}),
        ([("country_id", "ilike", "cana")], {"Ada Lovelace"}),
        ([("country_id", "any", [("code", "=", "CA")])], {"Ada Lovelace"}),
        ([("email", "=?", False), ("customer_rank", "=", 5)], {"Ada Lovelace"}),
        (
            ["|", ("email", "=ilike", "ADA@example.com"), ("email", "=ilike", "alan@EXAMPLE.com")],
            {"Ada Lovelace", "Alan Turing"},
        ),
        (["|", ("customer_rank", "=", 5), ("customer_rank", "=", 1)], {"Ada Lovelace", "Alan Turing"}),
        (["|", ("email", "=ilike", "ada@%"), ("email", "=ilike", "alan@example.com")], {"Ada Lovelace", "Alan Turing"}),
    ],
)
def test_operators(env: Env, domain: Any, expected: set[str]) -> None:
    assert names(env, domain) == expected


def test_active_test(env: Env) -> None:
    assert "Grace Hopper" not in names(env, [])
    assert "Grace Hopper" in names(env, [], active_test=False)
    assert names(env, [("active", "=", False), ("name", "ilike", "hopper")]) == {"Grace Hopper"}


def test_unknown_fields_in_conditions(env: Env) -> None:
    partners = env.db["res.partner"]
    with pytest.raises(
        PythonError, match=r"^Invalid field res\.partner\.x_nope in condition \('x_nope', 'in', \[1\.5\]\)$"
    ):
        partners.search_ids(env, [("x_nope", "in", [1.5])])
    with pytest.raises(PythonError, match=r"^Invalid field res\.country\.nope in condition \('nope', '=', 1\)$"):
        partners.search_ids(env, [("country_id.nope", "=", 1)])


def test_indexes_narrow_the_candidates(env: Env) -> None:
    partners: Model = env.db["res.partner"]
    node = parse([("email", "=ilike", "ADA@example.com"), ("customer_rank", ">", 0)])
    candidates = index_candidates(node, partners)
    assert candidates is not None
    assert {partners.rows[i]["name"] for i in candidates} == {"Ada Lovelace"}
    assert index_candidates(parse([("email", "ilike", "ada")]), partners) is None
    assert index_candidates(parse([("id", "in", [1, 2])]), partners) == {1, 2}
    either = parse(["|", ("email", "=ilike", "ada@example.com"), ("email", "=ilike", "ALAN@example.com")])
    assert {partners.rows[i]["name"] for i in index_candidates(either, partners) or ()} == {
        "Ada Lovelace",
        "Alan Turing",
    }
    assert index_candidates(parse(["|", ("email", "=ilike", "a@b.c"), ("name", "ilike", "x")]), partners) is None

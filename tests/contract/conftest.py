"""Shared helpers of the Odoo contract suite: a logged-in client, run-unique names, the error
envelope of a failed call, the usual records (13 % HST, journals, a customer), manual fields
and clean-up.

Every test runs against ``odoo_target`` (the emulator, or the real Odoo of ``ODOO_*``) and
only through odoorpc, so it may be run again and again on the same real database.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import odoorpc
import pytest

from tests.contract.support import Cleanup, manual_field_values, search_one, today
from tests.support.odoo_fixtures import OdooTarget


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test of this folder is a contract test."""
    for item in items:
        if "tests/contract/" in item.nodeid.replace("\\", "/"):
            item.add_marker(pytest.mark.contract)


@pytest.fixture
def odoo(odoo_target: OdooTarget) -> odoorpc.ODOO:
    """An odoorpc client logged in on the target."""
    return odoo_target.client()


@pytest.fixture
def unique() -> str:
    """A suffix no other run uses (names, codes, references)."""
    return uuid.uuid4().hex[:8].upper()


@pytest.fixture
def hst13(odoo: odoorpc.ODOO) -> int:
    """The 13 % HST sale tax (percent, excluded from the price) of the ``ca_2023`` chart."""
    return search_one(
        odoo,
        "account.tax",
        [
            ("type_tax_use", "=", "sale"),
            ("amount_type", "=", "percent"),
            ("amount", "=", 13.0),
            ("price_include", "=", False),
            ("name", "ilike", "HST"),
        ],
    )


@pytest.fixture
def sale_journal(odoo: odoorpc.ODOO) -> int:
    """The sale journal (code ``INV``)."""
    return search_one(odoo, "account.journal", [("type", "=", "sale"), ("code", "=", "INV")])


@pytest.fixture
def bank_journal(odoo: odoorpc.ODOO) -> int:
    """A bank journal."""
    return search_one(odoo, "account.journal", [("type", "=", "bank")])


@pytest.fixture
def cleanup(odoo: odoorpc.ODOO) -> Iterator[Cleanup]:
    """Collects what a test creates and removes it afterwards."""
    collector = Cleanup(odoo)
    yield collector
    collector.run()


@pytest.fixture
def manual_field(odoo: odoorpc.ODOO, unique: str) -> Iterator[Callable[[str], str]]:
    """Create a manual indexed, not copied, char field ``x_ct_<run>`` on a model (its name);
    every field made is removed afterwards (its column and indexes go with it)."""
    made: list[int] = []

    def make(model: str) -> str:
        name = f"x_ct_{unique.lower()}"
        model_id = search_one(odoo, "ir.model", [("model", "=", model)])
        made.append(odoo.execute_kw("ir.model.fields", "create", [manual_field_values(model_id, name)]))
        return name

    yield make
    for field_id in made:
        odoo.execute_kw("ir.model.fields", "unlink", [[field_id]])


@pytest.fixture
def customer(odoo: odoorpc.ODOO, unique: str, cleanup: Cleanup) -> int:
    """A customer of this run."""
    partner = odoo.execute_kw(
        "res.partner", "create", [{"name": f"Contract Customer {unique}", "email": f"c-{unique.lower()}@example.com"}]
    )
    cleanup.add("res.partner", partner)
    return int(partner)


@pytest.fixture
def make_invoice(odoo: odoorpc.ODOO, customer: int, hst13: int, unique: str, cleanup: Cleanup) -> Callable[..., int]:
    """Create a draft customer invoice (one 100.00 line at 13 % HST unless told otherwise)."""
    counter = iter(range(1, 1000))

    def make(lines: list[tuple[str, float, float]] | None = None, *, partner: int | None = None, **values: Any) -> int:
        rows = lines if lines is not None else [("Odoo ERP hosting", 1.0, 100.0)]
        vals = {
            "move_type": "out_invoice",
            "partner_id": customer if partner is None else partner,
            "invoice_date": today(odoo),
            "invoice_date_due": today(odoo),
            "ref": f"CT-{unique}-{next(counter)}",
            "invoice_line_ids": [
                (0, 0, {"name": name, "quantity": qty, "price_unit": price, "tax_ids": [(6, 0, [hst13])]})
                for name, qty, price in rows
            ],
            **values,
        }
        move = int(odoo.execute_kw("account.move", "create", [vals]))
        cleanup.add("account.move", move)
        return move

    return make

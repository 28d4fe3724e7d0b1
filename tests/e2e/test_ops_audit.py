"""``audit``: a scratch source database on the stack's PostgreSQL against the Odoo emulator.

The audit reads the whole source, so it gets a database of its own (``pg_state_dsn``: a fresh
database owned by the source's role, dropped afterwards): the sample data set's ten
coverage invoices (every status, credit note, partial payment, no-tax invoice), written to Odoo
by the consumer's writer in posting mode ``auto``. Each test then breaks one thing per invoice
on one side or the other and checks that the audit finds exactly that.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from dataclasses import dataclass

import psycopg
import pytest

from cdc_consumer import cli
from cdc_consumer.app import gateway_for
from cdc_consumer.config import load_settings
from cdc_consumer.odoo.writer import Job, OdooWriter
from cdc_consumer.ops.source import SourceReader
from cdc_consumer.sample import generate
from cdc_consumer.sample import source as sample_source
from cdc_consumer.sample.dataset import invoice_ids
from cdc_consumer.state import SyncOutcome, open_state_store
from cdc_consumer.users import UsersLookup
from tests.support.stack_fixtures import insert_invoice

pytestmark = [pytest.mark.stack, pytest.mark.e2e]

SEED = "ops-audit"
COUNT = 10


@dataclass(frozen=True)
class Ledger:
    """The scratch source (an autocommit connection) and its invoices in the emulator."""

    conn: psycopg.Connection
    ids: list[str]
    moves: dict[str, int]


@pytest.fixture
def ledger(pg_state_dsn, e2e_odoo, monkeypatch, tmp_path) -> Iterator[Ledger]:
    """The coverage invoices in a source of their own and, as the consumer leaves them, in Odoo."""
    monkeypatch.setenv("CDC_ODOO_URL", e2e_odoo.url)
    monkeypatch.setenv("CDC_SOURCE_DSN", pg_state_dsn)
    monkeypatch.setenv("CDC_STATE_DSN", f"sqlite:///{tmp_path / 'state.sqlite3'}")
    settings = load_settings()
    open_state_store(settings.state_dsn).close()
    gateway = gateway_for(settings)
    with sample_source.connect(pg_state_dsn) as conn:
        sample_source.apply_schema(conn)
        generate.generate(conn, COUNT, SEED)
        users = UsersLookup(settings.source_dsn)
        with SourceReader(settings.source_dsn) as reader:
            records = reader.invoices(invoice_ids(COUNT, SEED))
        jobs = [Job(i, r.invoice) for i, r in records.items()]
        results = OdooWriter(gateway, settings, users, posting_mode="auto").sync(jobs)
        users.close()
        assert not [r for r in results if r.pending or r.failure]
        yield Ledger(conn, invoice_ids(COUNT, SEED), {r.invoice_id: r.move_id for r in results if r.move_id})


def audit(capsys, *args: str) -> tuple[int, dict, str]:
    status = cli.main(["audit", "--json", *args])
    out, err = capsys.readouterr()
    return status, json.loads(out), err


def found(report: dict) -> dict[str, set[str]]:
    """Source id → the kinds of finding about it."""
    kinds: dict[str, set[str]] = {}
    for finding in report["findings"]:
        kinds.setdefault(finding["invoice_id"], set()).add(finding["kind"])
    return kinds


def test_what_the_consumer_wrote_matches_the_source(ledger, capsys):
    status, report, err = audit(capsys)
    assert (status, report["ok"], report["findings"]) == (0, True, [])
    assert report["invoices_checked"] == COUNT
    assert report["odoo_moves"] == COUNT - 1  # the void invoice was never written
    assert report["pending"] == []
    assert f"audit: source invoices: {COUNT}/{COUNT} (100%)" in err
    assert cli.main(["audit"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "Everything matches."


def test_every_kind_of_difference_is_found(ledger, e2e_odoo, capsys, tmp_path):
    paid, opened, draft, _void, uncollectible, upgrade, _credit, partial, addon, no_tax = ledger.ids
    execute = ledger.conn.execute
    # Source side.
    execute("UPDATE invoices SET status = 'void' WHERE id = %s", (opened,))  # posted, not reversed
    execute(  # Stripe collected it later; Odoo's posted move has no payment
        "UPDATE invoices SET status = 'paid', amount_paid = subtotal + tax, paid_at = now() WHERE id = %s",
        (uncollectible,),
    )
    execute("UPDATE invoice_items SET amount = amount + 1 WHERE invoice_id = %s", (draft,))  # items ≠ subtotal
    execute("DELETE FROM invoices WHERE id = %s", (no_tax,))  # posted in Odoo: an orphan
    missing = insert_invoice(ledger.conn, items=1).invoice_id
    # Odoo side.
    (original,) = e2e_odoo.execute("account.move", "read", [ledger.moves[addon]], fields=["partner_id"])
    e2e_odoo.execute(
        "account.move",
        "create",
        {
            "move_type": "out_invoice",
            "partner_id": original["partner_id"][0],
            "x_fc_nexacloud_invoice_id": addon,
            "invoice_line_ids": [(0, 0, {"name": "typed again by hand", "quantity": 1, "price_unit": 10.0})],
        },
    )
    e2e_odoo.execute("account.move", "button_draft", [ledger.moves[upgrade]])
    (edited,) = e2e_odoo.execute("account.move", "read", [ledger.moves[upgrade]], fields=["invoice_line_ids"])
    line = edited["invoice_line_ids"][0]
    e2e_odoo.execute(
        "account.move", "write", [ledger.moves[upgrade]], {"invoice_line_ids": [(1, line, {"price_unit": 1.0})]}
    )
    # The state store knows of one pending invoice.
    store = open_state_store(f"sqlite:///{tmp_path / 'state.sqlite3'}")
    store.record([SyncOutcome(partial, pending="conflict", detail="edited by hand")])
    store.close()

    status, report, _ = audit(capsys)
    assert status == 1
    assert report["ok"] is False
    assert found(report) == {
        opened: {"status_mismatch"},
        uncollectible: {"payment_mismatch"},
        draft: {"inconsistent"},
        no_tax: {"orphan"},
        missing: {"missing"},
        addon: {"duplicate"},
        upgrade: {"amount_mismatch"},
    }
    assert [(p["invoice_id"], p["reason"], p["detail"]) for p in report["pending"]] == [
        (partial, "conflict", "edited by hand")
    ]
    assert {k: v for k, v in report["counts"].items() if v} == {
        "missing": 1,
        "duplicate": 1,
        "amount_mismatch": 1,
        "status_mismatch": 1,
        "payment_mismatch": 1,
        "inconsistent": 1,
        "orphan": 1,
        "pending": 1,
    }
    assert paid not in found(report)

    assert cli.main(["audit"]) == 1
    text = capsys.readouterr().out.splitlines()
    assert text[-1] == (
        "Off: missing 1, duplicate 1, amount_mismatch 1, status_mismatch 1, payment_mismatch 1, "
        "inconsistent 1, orphan 1, pending 1"
    )
    assert text[2].split()[:5] == ["KIND", "REF", "SOURCE", "ID", "MOVES"]


def test_reads_are_batched(ledger, e2e_odoo, capsys):
    e2e_odoo.calls.clear()
    status, report, _ = audit(capsys, "--batch-size", "4")
    assert status == 0
    lookups = e2e_odoo.calls.records(model="account.move", method="search_read")
    by_source_ids = [c for c in lookups if "limit" not in c.kwargs]
    scans = [c for c in lookups if "limit" in c.kwargs]
    assert len(by_source_ids) == math.ceil(COUNT / 4)
    assert len(scans) == math.ceil(report["odoo_moves"] / 4) + 1  # the last page comes back empty
    assert all(len(c.args[0][0][2]) <= 4 for c in by_source_ids)

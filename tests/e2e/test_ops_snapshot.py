"""``snapshot``: the signal reaches Debezium, which re-reads exactly the rows asked for, and the
consumer's sync applies the re-read rows without writing to Odoo again."""

from __future__ import annotations

import json

import pytest

from cdc_consumer import cli
from cdc_consumer.app import gateway_for
from cdc_consumer.config import load_settings
from cdc_consumer.decoding import JsonDecoder
from cdc_consumer.odoo.writer import OdooWriter
from cdc_consumer.state import open_state_store
from cdc_consumer.sync import InvoiceSync
from cdc_consumer.users import UsersLookup
from tests.support.stack_fixtures import has_rows, insert_invoice, of_rows, read_until

pytestmark = [pytest.mark.stack, pytest.mark.e2e]


@pytest.fixture
def env(stack, monkeypatch):
    monkeypatch.setenv("CDC_SOURCE_DSN", stack.source_dsn)


def signals_mentioning(source, text: str) -> list[tuple[str, str]]:
    return source.execute("SELECT id, data FROM debezium_signal WHERE data LIKE %s", (f"%{text}%",)).fetchall()


def test_a_signal_for_one_invoice_replays_it_and_its_items_and_the_sync_writes_nothing(
    stack, source, env, capsys, e2e_odoo
):
    rows = insert_invoice(source, items=2)
    other = insert_invoice(source, items=1)
    created = read_until(stack, has_rows(rows.all_ids | other.all_ids, ops={"c"}))

    assert cli.main(["snapshot", "--where", f"id = '{rows.invoice_id}'"]) == 0
    out = capsys.readouterr().out.splitlines()
    signal_id = out[0].removeprefix("signal ")
    assert out[1:3] == ["  public.invoices: 1 row(s) to re-read", "  public.invoice_items: 2 row(s) to re-read"]
    (stored,) = source.execute("SELECT type, data FROM debezium_signal WHERE id = %s", (signal_id,)).fetchall()
    assert stored[0] == "execute-snapshot"
    assert json.loads(stored[1])["additional-conditions"][1]["filter"] == (
        f"invoice_id IN (SELECT id FROM public.invoices WHERE (id = '{rows.invoice_id}'))"
    )

    records = read_until(stack, has_rows(rows.all_ids, ops={"r"}))
    reads = [r for r in of_rows(records, rows.all_ids | other.all_ids) if r.op == "r"]
    assert {r.row["id"] for r in reads} == rows.all_ids
    assert {r.payload["source"]["snapshot"] for r in reads} == {"incremental"}

    # The consumer's path: state store, sync, Odoo writer. The created rows make one invoice;
    # the re-read rows hold the same content, so the invoice is not even looked at again.
    settings = load_settings(environ={}, odoo_url=e2e_odoo.url, source_dsn=stack.source_dsn)
    gateway = gateway_for(settings)
    state = open_state_store("sqlite:///:memory:")
    users = UsersLookup(settings.source_dsn)
    sync = InvoiceSync(state, OdooWriter(gateway, settings, users), 300)
    decoder = JsonDecoder()

    def events(ops: set[str]):
        mine = [r for r in of_rows(records if ops == {"r"} else created, rows.all_ids) if r.op in ops]
        return [decoder.decode(r.topic, r.partition, r.offset, r.raw_key, r.raw_value) for r in mine]

    sync.apply_and_write(events({"c"}), {0, 1, 2})
    assert sync.actions == {"created": 1}
    e2e_odoo.calls.clear()
    replayed = events({"r"})
    assert len(replayed) == 3
    sync.apply_and_write(replayed, {0, 1, 2})
    assert sync.actions == {"created": 1}
    assert len(e2e_odoo.calls) == 0
    users.close()
    state.close()


def test_a_condition_the_source_refuses_sends_no_signal(source, env, capsys):
    assert cli.main(["snapshot", "--table", "invoices", "--where", "no_such_column_x1 > 0"]) == 2
    err = capsys.readouterr().err
    assert "the source refuses the condition" in err
    assert "no_such_column_x1" in err
    assert signals_mentioning(source, "no_such_column_x1") == []


def test_a_statement_instead_of_a_condition_is_refused_before_connecting(env, capsys):
    assert cli.main(["snapshot", "--where", "true; DELETE FROM invoices"]) == 2
    assert "without ';'" in capsys.readouterr().err


def test_a_signal_table_that_cannot_take_the_signal_is_reported(env, capsys):
    status = cli.main(["snapshot", "--where", "false", "--signal-table", "public.no_such_signals"])
    assert status == 2
    err = capsys.readouterr().err
    assert "cannot write the signal to public.no_such_signals" in err
    assert "signal.data.collection" in err

"""``post``: reviewed drafts in the Odoo emulator, decided again from the stack's source database.

The drafts are written by the consumer's own writer in posting mode ``draft``, as the running
consumer would; the source rows are then changed the way the cases need.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from cdc_consumer import cli
from cdc_consumer.app import gateway_for
from cdc_consumer.config import load_settings
from cdc_consumer.odoo.writer import Job, OdooWriter
from cdc_consumer.ops.source import SourceReader
from cdc_consumer.users import UsersLookup
from tests.support.stack_fixtures import insert_invoice

pytestmark = [pytest.mark.stack, pytest.mark.e2e]


@dataclass(frozen=True)
class Drafts:
    """Source invoice id per case, and the Odoo move of each."""

    ids: dict[str, str]
    moves: dict[str, int]


@pytest.fixture
def drafts(stack, source, e2e_odoo, monkeypatch, tmp_path) -> Drafts:
    """Seven drafts in Odoo, one per case, their source rows then adjusted."""
    monkeypatch.setenv("CDC_ODOO_URL", e2e_odoo.url)
    monkeypatch.setenv("CDC_SOURCE_DSN", stack.source_dsn)
    monkeypatch.setenv("CDC_STATE_DSN", f"sqlite:///{tmp_path / 'state.sqlite3'}")
    settings = load_settings()
    gateway = gateway_for(settings)
    cases = ("open", "paid", "draft", "tax_mismatch", "inconsistent", "addons", "june")
    ids = {
        case: insert_invoice(source, items=2, status="draft" if case == "draft" else "open").invoice_id
        for case in cases
    }
    update = source.execute
    update(
        "UPDATE invoices SET status = 'paid', amount_paid = subtotal + tax, paid_at = now() WHERE id = %s",
        (ids["paid"],),
    )
    update("UPDATE invoices SET tax = tax + 0.05 WHERE id = %s", (ids["tax_mismatch"],))
    update("UPDATE invoice_items SET description = 'Daily Backup Protection' WHERE invoice_id = %s", (ids["addons"],))
    update("UPDATE invoices SET created_at = '2025-06-15T12:00:00Z' WHERE id = %s", (ids["june"],))
    users = UsersLookup(settings.source_dsn)
    with SourceReader(settings.source_dsn) as reader:
        records = reader.invoices(ids.values())
    results = OdooWriter(gateway, settings, users).sync([Job(i, records[i].invoice) for i in ids.values()])
    users.close()
    assert {r.action for r in results} == {"created", "pending"}
    update("UPDATE invoice_items SET amount = amount + 1 WHERE invoice_id = %s", (ids["inconsistent"],))
    return Drafts(ids, {r.invoice_id: r.move_id for r in results})


def states(emulator, drafts: Drafts) -> dict[str, tuple[str, str]]:
    rows = emulator.execute("account.move", "read", list(drafts.moves.values()), fields=["state", "payment_state"])
    by_move = {row["id"]: (row["state"], row["payment_state"]) for row in rows}
    return {case: by_move[drafts.moves[i]] for case, i in drafts.ids.items()}


def post(capsys, *args: str) -> tuple[int, str, str]:
    status = cli.main(["post", *args])
    out, err = capsys.readouterr()
    return status, out, err


def listed(out: str, drafts: Drafts) -> tuple[set[str], dict[str, str]]:
    """The cases listed as posted, and those not posted with the reason."""
    posted, refused, section = set(), {}, ""
    for line in out.splitlines():
        if line.endswith(":") and not line.startswith(" "):
            section = line
            continue
        for case, invoice_id in drafts.ids.items():
            if invoice_id in line:
                if section == "Not posted:":
                    refused[case] = line.split(invoice_id, 1)[1].strip()
                else:
                    posted.add(case)
    return posted, refused


def test_a_dry_run_lists_both_sides_and_changes_nothing(drafts, e2e_odoo, capsys):
    e2e_odoo.calls.clear()
    status, out, err = post(capsys, "--dry-run")
    assert status == 1
    assert out.startswith("Would post 4 draft(s); 3 could not be posted.")
    posted, refused = listed(out, drafts)
    assert posted == {"open", "paid", "addons", "june"}
    assert set(refused) == {"draft", "tax_mismatch", "inconsistent"}
    assert refused["draft"] == "the source invoice is still a draft"
    assert refused["tax_mismatch"].startswith("tax_mismatch: the source tax is")
    assert refused["inconsistent"].startswith("inconsistent: the items add up to")
    paid_line = next(line for line in out.splitlines() if drafts.ids["paid"] in line)
    assert "post and register a payment of" in paid_line
    assert e2e_odoo.calls.writes() == []
    assert set(states(e2e_odoo, drafts).values()) == {("draft", "not_paid")}
    assert "post: 7/7 (100%)" in err


def test_dates_and_families_narrow_what_is_posted(drafts, e2e_odoo, capsys):
    status, out, _ = post(capsys, "--from", "2025-06-01", "--to", "2025-06-30")
    assert status == 0
    assert listed(out, drafts) == ({"june"}, {})
    status, out, _ = post(capsys, "--family", "addons")
    assert status == 0
    assert listed(out, drafts) == ({"addons"}, {})
    assert "draft(s) left alone: lines outside the chosen families" in out
    now = states(e2e_odoo, drafts)
    assert {case for case, (state, _) in now.items() if state == "posted"} == {"june", "addons"}


def test_post_posts_and_pays_what_may_be_posted_and_a_rerun_changes_nothing_more(drafts, e2e_odoo, capsys):
    status, out, _ = post(capsys)
    assert status == 1
    assert out.startswith("Posted 4 draft(s); 3 could not be posted.")
    now = states(e2e_odoo, drafts)
    assert now["paid"] == ("posted", "paid")
    assert now["open"] == now["addons"] == now["june"] == ("posted", "not_paid")
    assert now["draft"] == now["tax_mismatch"] == now["inconsistent"] == ("draft", "not_paid")
    payments = e2e_odoo.execute("account.payment", "search_count", [])
    assert payments == 1

    e2e_odoo.calls.clear()
    status, out, _ = post(capsys)
    assert status == 1
    assert out.startswith("Posted 0 draft(s); 3 could not be posted.")
    assert e2e_odoo.calls.count(method="action_post") == 0
    assert e2e_odoo.execute("account.payment", "search_count", []) == 1


def test_refusals_before_any_work(drafts, capsys):
    status, _, err = post(capsys, "--family", "hostingx")
    assert status == 2
    assert "unknown famil(ies) hostingx" in err
    status, _, err = post(capsys, "--from", "2026-02-01", "--to", "2026-01-01")
    assert (status, "--from is after --to" in err) == (2, True)

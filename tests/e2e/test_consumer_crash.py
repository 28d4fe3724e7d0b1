"""A ``cdc-consumer run`` process killed with SIGKILL in the middle of a backfill, then restarted.

The group starts at the topics' current ends, so the backfill is this test's 150 invoices.
The kill lands between an Odoo ``create`` and the recording of its outcome (every read of a
move's amounts is slowed down, and the process is killed as soon as one of this test's
invoices has been created): the restarted process, in the same group with the same state
store, must find those moves by their source id and finish them, never create a second one.
The restart waits for the group coordinator to expire the killed member (its session timeout,
30 s): that is what a restart after a crash costs in production too.
"""

from __future__ import annotations

import uuid

import psycopg
import pytest

from cdc_consumer.sample.dataset import invoice_ids
from cdc_consumer.sample.generate import generate
from tests.support.consumer import Consumers, duplicated_sources, ledger_problems, moves_of, writes_about

pytestmark = [pytest.mark.stack, pytest.mark.e2e]


def test_a_killed_consumer_restarts_without_duplicates_or_losses(
    consumers: Consumers, source: psycopg.Connection
) -> None:
    settings = consumers.settings(posting_mode="auto", skip_history=True)
    seed = f"e2e-crash-{uuid.uuid4().hex[:8]}"
    generate(source, 150, seed)
    ids = invoice_ids(150, seed)
    odoo = consumers.odoo
    odoo.faults.latency(0.2, models="account.move", methods="read")

    first = consumers.process(settings)
    consumers.wait(
        lambda: writes_about(odoo, ids, []) or first.process.poll() is not None,
        timeout=120,
        what=lambda: f"a create of this test's invoices; the consumer's log:\n{first.log()[-3000:]}",
    )
    assert first.process.poll() is None, f"the consumer ended by itself:\n{first.log()[-3000:]}"
    first.kill()
    odoo.faults.clear()
    written = sum(1 for found in moves_of(odoo, ids).values() if found)
    assert written > 0, "killed after creating some of the invoices"
    assert ledger_problems(odoo, source, ids), "killed before the backfill was complete"

    second = consumers.process(settings)
    consumers.wait(
        lambda: not ledger_problems(odoo, source, ids) or second.process.poll() is not None,
        timeout=120,
        what=lambda: "\n".join(ledger_problems(odoo, source, ids)[:10]) + f"\n{second.log()[-3000:]}",
        interval=0.5,
    )
    second.stop()
    assert second.process.returncode == 0, second.log()[-3000:]

    assert not ledger_problems(odoo, source, ids)
    assert not duplicated_sources(odoo)

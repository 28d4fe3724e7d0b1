"""Two consumer instances in one group, sharing a PostgreSQL state store, through two rebalances.

The second instance joins while the first is in the middle of the backfill (small batches and
a slowed-down Odoo make the backfill last long enough), both make progress, then the first
stops and the second takes all partitions over. DESIGN §6: rebalances lose and duplicate nothing in Odoo.
"""

from __future__ import annotations

import uuid

import psycopg
import pytest

from cdc_consumer.sample.dataset import invoice_ids
from cdc_consumer.sample.generate import generate
from tests.support.consumer import Consumers, duplicated_sources, ledger_problems, moves_of

pytestmark = [pytest.mark.stack, pytest.mark.e2e]

ALL = frozenset({0, 1, 2})


def test_a_second_instance_joining_and_the_first_leaving_write_everything_once(
    consumers: Consumers, source: psycopg.Connection, pg_state_dsn: str
) -> None:
    settings = consumers.settings(posting_mode="auto", state_dsn=pg_state_dsn, batch_max_messages=30, skip_history=True)
    seed = f"e2e-rebalance-{uuid.uuid4().hex[:8]}"
    generate(source, 120, seed)
    ids = invoice_ids(120, seed)
    (billed,) = source.execute(
        "SELECT count(*) FROM invoices WHERE id = ANY(%s::uuid[]) AND status <> 'void'", (ids,)
    ).fetchone()
    odoo = consumers.odoo
    odoo.faults.latency(0.3, models="account.move")

    def written() -> int:
        return sum(1 for found in moves_of(odoo, ids).values() if found)

    first = consumers.thread(settings)
    consumers.wait(lambda: written() > 0, timeout=60, what="the first invoices of the backfill")
    second = consumers.thread(settings)
    consumers.wait(
        lambda: first.app.runner.partitions and second.app.runner.partitions,
        timeout=60,
        what=lambda: f"both instances own partitions: {first.app.runner.partitions}, {second.app.runner.partitions}",
    )
    assert first.app.runner.partitions | second.app.runner.partitions == ALL
    assert not first.app.runner.partitions & second.app.runner.partitions
    in_the_middle = written()
    assert in_the_middle < billed, "the second instance joined before the backfill was over"

    consumers.wait(lambda: written() > in_the_middle, timeout=60, what="progress with two instances")
    first.stop()
    consumers.wait(lambda: second.app.runner.partitions == ALL, timeout=60, what="the second takes every partition")
    odoo.faults.clear()
    consumers.wait_for_ledger(source, ids)
    second.stop()

    assert not ledger_problems(odoo, source, ids)
    assert not duplicated_sources(odoo)
    assert first.app.sync.actions.total() > 0
    assert second.app.sync.actions.total() > 0

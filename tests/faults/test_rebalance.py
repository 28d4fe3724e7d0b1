"""One, then three, then one consumer instance during a backfill (DESIGN §6, rebalances).

The instances share one consumer group and a PostgreSQL state store. Two join while the first
is in the middle of the backfill (each of the three then owns one partition of both topics),
they write for a while, then leave; the first takes every partition back and finishes. Every
rebalance loses and duplicates nothing: the audit finds every invoice once and exact.
"""

from __future__ import annotations

import uuid

import psycopg
import pytest

from cdc_consumer.sample.dataset import invoice_ids
from cdc_consumer.sample.generate import generate
from tests.support.consumer import Consumers
from tests.support.faults import ScenarioLog, await_exact, written

pytestmark = [pytest.mark.faults, pytest.mark.stack]

INVOICES = 300
ALL = frozenset({0, 1, 2})


def test_one_three_one_instances_write_every_invoice_once(
    consumers: Consumers, source: psycopg.Connection, pg_state_dsn: str, scenario: ScenarioLog, faults_scale: int
) -> None:
    odoo = consumers.odoo
    settings = consumers.settings(posting_mode="auto", state_dsn=pg_state_dsn, batch_max_messages=25, skip_history=True)
    seed = f"faults-rebalance-{uuid.uuid4().hex[:8]}"
    count = INVOICES * faults_scale
    generate(source, count, seed)
    ids = invoice_ids(count, seed)
    odoo.faults.latency(0.03)
    scenario.step(f"{count} invoices in the source; every Odoo call slowed down by 30 ms")

    first = consumers.thread(settings)
    consumers.wait(lambda: written(odoo, ids) > 0, timeout=60, what="the backfill under way")
    others = [consumers.thread(settings), consumers.thread(settings)]
    everyone = [first, *others]
    consumers.wait(
        lambda: all(len(c.app.runner.partitions) == 1 for c in everyone),
        timeout=90,
        what=lambda: f"one partition each: {[c.app.runner.partitions for c in everyone]}",
    )
    assert set().union(*(c.app.runner.partitions for c in everyone)) == ALL
    joined = written(odoo, ids)
    assert joined < count, "the others joined before the backfill was over"
    scenario.step(f"two more instances joined with {joined}/{count} written: one partition each")

    consumers.wait(
        lambda: all(c.app.sync.actions.total() for c in everyone),
        timeout=90,
        what=lambda: f"each of the three writes: {[c.app.sync.actions.total() for c in everyone]}",
    )
    scenario.step("each of the three instances wrote invoices")
    for other in others:
        other.stop()
    consumers.wait(lambda: first.app.runner.partitions == ALL, timeout=90, what="the first takes every partition")
    scenario.step(f"the two left with {written(odoo, ids)}/{count} written; the first owns every partition")

    odoo.faults.clear()
    await_exact(consumers, settings, ids, scenario)
    actions = [c.app.sync.actions.total() for c in everyone]
    assert all(actions), f"every instance wrote invoices: {actions}"
    assert first.running, "the remaining instance is alive"
    scenario.check(f"invoices handled per instance: {actions}; the remaining one is alive")

"""``cdc-consumer run`` killed with SIGKILL at random moments of a backfill, again and again.

Each process is killed after a seeded random number of its calls writing or reading invoices
(``account.move`` and the payment wizard) — between a search and a create, between a create and
the record of its outcome, in the middle of posting or paying — and a new one is started at
once in the same group with the same state store. It
joins once the coordinator has expired the killed member (the 30 s session timeout). The last
one finishes the backfill: the audit then finds every invoice once and exact.
"""

from __future__ import annotations

import random
import uuid

import psycopg
import pytest

from cdc_consumer.config import Settings
from cdc_consumer.emulator import OdooEmulator
from cdc_consumer.sample.dataset import invoice_ids
from cdc_consumer.sample.generate import generate
from tests.support.consumer import Consumers
from tests.support.faults import ScenarioLog, await_exact, stop_cleanly, written

pytestmark = [pytest.mark.faults, pytest.mark.stack]

INVOICES = 200
CALLS_BEFORE_A_KILL = (1, 60)
INVOICE_MODELS = ("account.move", "account.payment.register")


def invoice_calls(odoo: OdooEmulator) -> int:
    """How many calls about invoices (moves, payments) the emulator has answered."""
    return sum(odoo.calls.count(model=model) for model in INVOICE_MODELS)


def run_until_killed(consumers: Consumers, settings: Settings, calls: int) -> None:
    """Start ``cdc-consumer run`` and SIGKILL it once it has made ``calls`` calls about invoices."""
    odoo = consumers.odoo
    process = consumers.process(settings)
    before = invoice_calls(odoo)
    consumers.wait(
        lambda: invoice_calls(odoo) - before >= calls or process.process.poll() is not None,
        timeout=120,
        what=lambda: f"{calls} calls about invoices; the log:\n{process.log()[-3000:]}",
        interval=0.01,
    )
    assert process.process.poll() is None, f"the consumer ended by itself:\n{process.log()[-3000:]}"
    process.kill()


def test_sigkilled_consumers_restarted_write_every_invoice_once(
    consumers: Consumers, source: psycopg.Connection, scenario: ScenarioLog, faults_scale: int, faults_seed: str
) -> None:
    rng = random.Random(f"{faults_seed}-sigkill")
    odoo = consumers.odoo
    settings = consumers.settings(posting_mode="auto", skip_history=True, batch_max_messages=25)
    seed = f"faults-sigkill-{uuid.uuid4().hex[:8]}"
    count, kills = INVOICES * faults_scale, 1 + faults_scale
    generate(source, count, seed)
    ids = invoice_ids(count, seed)
    odoo.faults.latency(0.02, models=INVOICE_MODELS)
    scenario.step(f"{count} invoices in the source; every call about invoices slowed down by 20 ms")

    for kill in range(1, kills + 1):
        target = rng.randint(*CALLS_BEFORE_A_KILL)
        run_until_killed(consumers, settings, target)
        done = written(odoo, ids)
        scenario.step(f"kill {kill}/{kills}: SIGKILL after {target} calls about invoices; {done}/{count} in Odoo")
        assert done < count, "killed before the backfill was over"

    last = consumers.process(settings)
    await_exact(consumers, settings, ids, scenario, process=last)
    stop_cleanly(last, settings)
    scenario.check("the last consumer was alive and ready, and stopped cleanly on SIGTERM")

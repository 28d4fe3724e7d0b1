"""The Odoo emulator down for a while in the middle of a backfill, then back (DESIGN §6).

A ``cdc-consumer run`` process is writing a backfill when Odoo stops listening; more invoices
arrive during the outage. The consumer must stay up, say so (``/readyz`` 503, ``cdc_odoo_up``
0), retry with backoff, and once Odoo is back write everything exactly once.
"""

from __future__ import annotations

import re
import uuid

import psycopg
import pytest

from cdc_consumer.sample.dataset import invoice_ids
from cdc_consumer.sample.generate import generate
from tests.support.consumer import Consumers
from tests.support.faults import ScenarioLog, await_exact, http_get, stop_cleanly, written

pytestmark = [pytest.mark.faults, pytest.mark.stack]

INVOICES = 100
FAILED_BATCH = "batch failed, rewinding and pausing"
OUTAGE_FAILURES = 4


def odoo_up(port: int) -> float | None:
    """The consumer's ``cdc_odoo_up`` gauge, or None before it has a value."""
    match = re.search(r"^cdc_odoo_up (\S+)$", http_get(port, "/metrics")[1], re.MULTILINE)
    return float(match.group(1)) if match else None


def test_odoo_down_then_back_loses_and_duplicates_nothing(
    consumers: Consumers, source: psycopg.Connection, scenario: ScenarioLog, faults_scale: int
) -> None:
    odoo = consumers.odoo
    settings = consumers.settings(posting_mode="auto", skip_history=True, batch_max_messages=25)
    port = settings.metrics_port
    seed = f"faults-down-{uuid.uuid4().hex[:8]}"
    half = INVOICES * faults_scale // 2
    process = consumers.process(settings)
    consumers.wait(lambda: http_get(port, "/readyz")[0] == 200, what=lambda: f"ready:\n{process.log()[-2000:]}")
    odoo.faults.latency(0.03, models="account.move")
    generate(source, half, seed)
    consumers.wait(lambda: written(odoo, invoice_ids(half, seed)) > 0, what="the backfill under way")

    odoo.go_down()
    during = written(odoo, invoice_ids(half, seed))
    generate(source, half, seed, start=half)
    ids = invoice_ids(2 * half, seed)
    scenario.step(f"Odoo down with {during}/{len(ids)} invoices written; {half} more arrive during the outage")
    consumers.wait(
        lambda: process.log().count(FAILED_BATCH) >= OUTAGE_FAILURES,
        timeout=60,
        what=lambda: f"{OUTAGE_FAILURES} failed batches:\n{process.log()[-2000:]}",
    )
    assert http_get(port, "/healthz")[0] == 200, "alive"
    assert http_get(port, "/readyz")[0] == 503, "not ready while Odoo is down"
    assert odoo_up(port) == 0
    assert process.process.poll() is None
    scenario.check(
        f"{process.log().count(FAILED_BATCH)} failed batches, backing off; alive, /readyz 503, cdc_odoo_up 0"
    )

    odoo.come_up()
    scenario.step("Odoo back")
    await_exact(consumers, settings, ids, scenario, process=process)
    consumers.wait(lambda: http_get(port, "/readyz")[0] == 200, what="ready again")
    assert odoo_up(port) == 1
    stop_cleanly(process, settings)
    scenario.check("ready again, cdc_odoo_up 1; stopped cleanly on SIGTERM")

"""Kafka Connect killed and restarted while invoices stream in (DESIGN §6: Debezium re-delivers).

Invoices are written to the source continuously while the Connect worker is killed with
SIGKILL (no graceful offset commit) and started again: Debezium resumes from the last offsets
it flushed and sends again what it had sent after them. The re-delivered events must be
harmless: every invoice in Odoo once and exact. The stack is left running and healthy.
"""

from __future__ import annotations

import signal
import threading
import uuid
from collections import Counter

import psycopg
import pytest

from cdc_consumer import metrics
from cdc_consumer.localstack import StackInfo
from cdc_consumer.sample.dataset import invoice_ids
from cdc_consumer.sample.generate import generate
from tests.support.consumer import Consumers
from tests.support.faults import ScenarioLog, StackControl, await_exact, written
from tests.support.stack_fixtures import has_rows, of_rows, read_until

pytestmark = [pytest.mark.faults, pytest.mark.stack]

ROUND = 5


class SourceWriter:
    """Writes ``ROUND`` invoices of ``seed`` at a time to the source, in a thread, until stopped."""

    def __init__(self, stack: StackInfo, seed: str) -> None:
        self.seed = seed
        self.count = 0
        self._stack = stack
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="source-writer", daemon=True)

    def _run(self) -> None:
        with psycopg.connect(self._stack.source_dsn, autocommit=True) as conn:
            while not self._stop.wait(0.2):
                generate(conn, ROUND, self.seed, start=self.count)
                self.count += ROUND

    def __enter__(self) -> SourceWriter:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(30)

    @property
    def ids(self) -> list[str]:
        """The ids of the invoices written so far."""
        return invoice_ids(self.count, self.seed)


def stale_events() -> float:
    """How many change events the consumers of this process ignored as already applied."""
    return metrics.REGISTRY.get_sample_value("cdc_events_stale_total") or 0.0


def test_a_killed_connect_worker_re_delivers_harmlessly(
    consumers: Consumers, scenario: ScenarioLog, faults_scale: int, stack_control: StackControl
) -> None:
    stack, odoo = consumers.stack, consumers.odoo
    settings = consumers.settings(posting_mode="auto", skip_history=True)
    stale_before = stale_events()
    consumer = consumers.thread(settings)
    consumers.wait(lambda: consumer.app.runner.ready, what="partitions assigned")
    seed = f"faults-connect-{uuid.uuid4().hex[:8]}"

    with SourceWriter(stack, seed) as source:
        consumers.wait(lambda: written(odoo, source.ids) >= 10 * faults_scale, what="invoices streaming")
        at_kill = source.count
        stack_control.stop("connect", signal.SIGKILL)
        scenario.step(f"Connect killed (SIGKILL) with {at_kill} invoices written to the source so far")
        seconds = stack_control.start()
        scenario.step(f"Connect started again, connector and task running after {seconds:.1f} s")
        consumers.wait(lambda: source.count >= at_kill + 20 * faults_scale, what="more invoices after the restart")
    ids = source.ids
    scenario.step(f"{len(ids)} invoices written to the source in all")

    await_exact(consumers, settings, ids, scenario)
    records = of_rows(read_until(stack, has_rows(ids)), set(ids))
    deliveries = Counter((r.topic, r.payload["source"]["lsn"], r.row["id"]) for r in records)
    again = sum(n - 1 for n in deliveries.values())
    stale = stale_events() - stale_before
    scenario.check(f"{again} change events of these invoices delivered more than once; {stale:.0f} ignored as stale")
    assert consumer.running, "the consumer is alive"
    scenario.check("the consumer is alive")

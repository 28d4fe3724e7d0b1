"""A Kafka broker restart in the middle of a backfill (DESIGN §6, Kafka hiccups).

The broker of the stack is stopped while a ``cdc-consumer run`` process writes a backfill, more
invoices are written to the source while it is down (Debezium holds them), and the broker is
started again. The consumer must ride it out — fetches, commits and the group coordinator gone
for a while — and write everything exactly once. A SIGTERM while the broker is down must end the
consumer all the same, and the next one finish the work. The stack is left running and healthy.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

import psycopg
import pytest

from cdc_consumer.config import Settings
from cdc_consumer.localstack.kafka import broker_ready
from cdc_consumer.sample.dataset import invoice_ids
from cdc_consumer.sample.generate import generate
from tests.support.consumer import ConsumerProcess, Consumers
from tests.support.faults import ScenarioLog, StackControl, await_exact, stop_cleanly, written

pytestmark = [pytest.mark.faults, pytest.mark.stack]

INVOICES = 150


@dataclass
class Backfill:
    """A consumer process part-way through a backfill of the first ``ids``, slowed by Odoo."""

    settings: Settings
    seed: str
    ids: list[str]
    process: ConsumerProcess


def backfill_under_way(consumers: Consumers, source: psycopg.Connection, invoices: int, name: str) -> Backfill:
    """Write ``invoices`` invoices to the source and run a consumer until some are in Odoo."""
    settings = consumers.settings(posting_mode="auto", skip_history=True, batch_max_messages=25)
    seed = f"faults-{name}-{uuid.uuid4().hex[:8]}"
    ids = invoice_ids(invoices, seed)
    consumers.odoo.faults.latency(0.01, models="account.move")
    generate(source, invoices, seed)
    process = consumers.process(settings)
    consumers.wait(lambda: written(consumers.odoo, ids) > 0, timeout=60, what="the backfill under way")
    return Backfill(settings, seed, ids, process)


def stop_the_broker(consumers: Consumers, stack_control: StackControl, process: ConsumerProcess) -> int:
    """Stop the broker; return where the consumer's log stood then, once it logged the loss.

    Its commits wait for the group coordinator, never the loop: it goes on polling and says so.
    """
    offset = len(process.log())
    stack_control.stop("kafka")
    assert not broker_ready(consumers.stack.kafka_bootstrap)
    consumers.wait(
        lambda: "Connection refused" in process.log()[offset:],
        timeout=60,
        interval=0.5,
        what=lambda: f"the consumer logging the missed broker; its log since: {process.log()[offset:][-3000:]!r}",
    )
    return offset


def test_a_broker_restart_loses_and_duplicates_nothing(
    consumers: Consumers,
    source: psycopg.Connection,
    scenario: ScenarioLog,
    faults_scale: int,
    stack_control: StackControl,
) -> None:
    half = INVOICES * faults_scale // 2
    run = backfill_under_way(consumers, source, half, "broker")
    stop_the_broker(consumers, stack_control, run.process)
    during = written(consumers.odoo, run.ids)
    generate(source, half, run.seed, start=half)
    ids = invoice_ids(2 * half, run.seed)
    scenario.step(f"broker stopped with {during}/{len(ids)} invoices written; {half} more written to the source")
    assert run.process.process.poll() is None, run.process.log()[-3000:]
    scenario.check("the consumer polls on and logs the missed broker; it is alive without its broker")

    seconds = stack_control.start()
    scenario.step(f"broker started again, stack healthy (connector and task running) after {seconds:.1f} s")
    await_exact(consumers, run.settings, ids, scenario, process=run.process)
    stop_cleanly(run.process, run.settings)
    scenario.check("the consumer stayed alive and ready, and stopped cleanly on SIGTERM")


def test_sigterm_while_the_broker_is_down_ends_the_consumer_and_loses_nothing(
    consumers: Consumers,
    source: psycopg.Connection,
    scenario: ScenarioLog,
    faults_scale: int,
    stack_control: StackControl,
) -> None:
    """A graceful stop with no broker: the consumer ends; the next one finishes the work."""
    run = backfill_under_way(consumers, source, INVOICES * faults_scale // 2, "broker-term")
    process = run.process
    offset = stop_the_broker(consumers, stack_control, process)
    during = written(consumers.odoo, run.ids)
    started = time.monotonic()
    process.process.terminate()
    # Unbounded, librdkafka's close would wait for the coordinator for as long as it is gone.
    process.process.wait(timeout=60)
    abandoned = "Kafka consumer not closed" in process.log()[offset:]
    scenario.step(
        f"SIGTERM with the broker down and {during}/{len(run.ids)} invoices written: "
        f"ended with status {process.process.returncode} after {time.monotonic() - started:.1f} s"
        + (", its close given up after the deadline" if abandoned else "")
    )
    assert process.process.returncode == 0, process.log()[-3000:]
    assert "Traceback" not in process.log()

    seconds = stack_control.start()
    scenario.step(f"broker started again after {seconds:.1f} s; a new consumer in the same group")
    again = consumers.process(run.settings)
    await_exact(consumers, run.settings, run.ids, scenario, process=again)
    stop_cleanly(again, run.settings)
    scenario.check("the new consumer stayed alive and ready, and stopped cleanly on SIGTERM")

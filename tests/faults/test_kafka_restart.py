"""A Kafka broker restart in the middle of a backfill (DESIGN §6, Kafka hiccups).

The broker of the stack is stopped while a ``cdc-consumer run`` process writes a backfill, more
invoices are written to the source while it is down (Debezium holds them), and the broker is
started again. The consumer must ride it out — fetches, commits and the group coordinator gone
for a while — and write everything exactly once. The stack is left running and healthy.
"""

from __future__ import annotations

import time
import uuid

import psycopg
import pytest

from cdc_consumer.localstack.kafka import broker_ready
from cdc_consumer.sample.dataset import invoice_ids
from cdc_consumer.sample.generate import generate
from tests.support.consumer import Consumers
from tests.support.faults import ScenarioLog, StackControl, await_exact, stop_cleanly, written

pytestmark = [pytest.mark.faults, pytest.mark.stack]

INVOICES = 150


def test_a_broker_restart_loses_and_duplicates_nothing(
    consumers: Consumers,
    source: psycopg.Connection,
    scenario: ScenarioLog,
    faults_scale: int,
    stack_control: StackControl,
) -> None:
    stack, odoo = consumers.stack, consumers.odoo
    settings = consumers.settings(posting_mode="auto", skip_history=True, batch_max_messages=25)
    seed = f"faults-broker-{uuid.uuid4().hex[:8]}"
    half = INVOICES * faults_scale // 2
    odoo.faults.latency(0.01, models="account.move")
    generate(source, half, seed)
    process = consumers.process(settings)
    consumers.wait(lambda: written(odoo, invoice_ids(half, seed)) > 0, timeout=60, what="the backfill under way")

    offset = len(process.log())
    stack_control.stop("kafka")
    assert not broker_ready(stack.kafka_bootstrap)
    during = written(odoo, invoice_ids(half, seed))
    generate(source, half, seed, start=half)
    ids = invoice_ids(2 * half, seed)
    scenario.step(f"broker stopped with {during}/{len(ids)} invoices written; {half} more written to the source")

    # Its commits wait for the group coordinator, never the loop: it goes on polling and says so.
    consumers.wait(
        lambda: "Connection refused" in process.log()[offset:],
        timeout=60,
        interval=0.5,
        what=lambda: f"the consumer logging the missed broker; its log since: {process.log()[offset:][-3000:]!r}",
    )
    assert process.process.poll() is None, process.log()[-3000:]
    scenario.check("the consumer polls on and logs the missed broker; it is alive without its broker")

    seconds = stack_control.start()
    scenario.step(f"broker started again, stack healthy (connector and task running) after {seconds:.1f} s")
    await_exact(consumers, settings, ids, scenario, process=process)
    stop_cleanly(process, settings)
    scenario.check("the consumer stayed alive and ready, and stopped cleanly on SIGTERM")


def test_sigterm_while_the_broker_is_down_ends_the_consumer_and_loses_nothing(
    consumers: Consumers,
    source: psycopg.Connection,
    scenario: ScenarioLog,
    faults_scale: int,
    stack_control: StackControl,
) -> None:
    """A graceful stop with no broker: the consumer ends; the next one finishes the work."""
    odoo = consumers.odoo
    settings = consumers.settings(posting_mode="auto", skip_history=True, batch_max_messages=25)
    seed = f"faults-broker-term-{uuid.uuid4().hex[:8]}"
    ids = invoice_ids(INVOICES * faults_scale // 2, seed)
    odoo.faults.latency(0.01, models="account.move")
    generate(source, len(ids), seed)
    process = consumers.process(settings)
    consumers.wait(lambda: written(odoo, ids) > 0, timeout=60, what="the backfill under way")
    offset = len(process.log())
    stack_control.stop("kafka")
    consumers.wait(lambda: "Connection refused" in process.log()[offset:], timeout=60, interval=0.5)
    during = written(odoo, ids)
    started = time.monotonic()
    process.process.terminate()
    # Unbounded, librdkafka's close would wait for the coordinator for as long as it is gone.
    process.process.wait(timeout=60)
    scenario.step(
        f"SIGTERM with the broker down and {during}/{len(ids)} invoices written: "
        f"ended with status {process.process.returncode} after {time.monotonic() - started:.1f} s"
    )
    assert process.process.returncode == 0, process.log()[-3000:]
    assert "Kafka consumer not closed" in process.log()[offset:]
    assert "Traceback" not in process.log()

    seconds = stack_control.start()
    scenario.step(f"broker started again after {seconds:.1f} s; a new consumer in the same group")
    again = consumers.process(settings)
    await_exact(consumers, settings, ids, scenario, process=again)
    stop_cleanly(again, settings)
    scenario.check("the new consumer stayed alive and ready, and stopped cleanly on SIGTERM")

"""Odoo slow and failing while invoices stream in (DESIGN §6, transient failures; §5 idempotency).

Every call is slowed down, and one fault after the other is switched on while a few invoices
are written to the source: HTTP 5xx and dropped connections before the call took effect, and
— the hard case for exactly-once — after it took effect (the create, post, payment or partner
happened in Odoo, its answer was lost, so the next batch's search must find it); a create that
answers after the client's timeout; serialization failures. Each fault is awaited until it has
been hit before the next one is switched on. Then posted invoices are voided while the answer
of the reversal is lost. Afterwards the audit finds every invoice exactly once and exact, every
voided invoice reversed by one credit note, and the consumer still runs.
"""

from __future__ import annotations

import logging
import random
import uuid
from dataclasses import dataclass
from typing import Any

import psycopg
import pytest

from cdc_consumer.emulator.faults import Fault
from cdc_consumer.sample.changes import set_status
from cdc_consumer.sample.dataset import build_invoice, invoice_ids
from cdc_consumer.sample.generate import generate
from tests.support.consumer import Consumers, moves_of
from tests.support.faults import ScenarioLog, audit_problems

pytestmark = [pytest.mark.faults, pytest.mark.stack]

FAILED_BATCH = "batch failed, rewinding and pausing"
MOVE = "account.move"
PAYMENT = "account.payment.register"
TIMEOUT = 2.0


@dataclass(frozen=True)
class Step:
    """One fault of the plan: what happens, the fault kind and the injector's options."""

    what: str
    kind: str
    options: dict[str, Any]


def on(model: str, method: str, times: int, **options: Any) -> dict[str, Any]:
    """Options of a fault hitting ``times`` calls of ``model.method``."""
    return {"models": model, "methods": method, "times": times, **options}


PLAN = (
    Step("a move create is answered 502 before it takes effect", "http_error", on(MOVE, "create", 2, status=502)),
    Step("a move search loses its connection", "drop", on(MOVE, "search_read", 2)),
    Step("a move create takes effect, its connection is dropped", "drop", on(MOVE, "create", 1, when="after")),
    Step("a move create takes effect, its answer is a 503", "http_error", on(MOVE, "create", 1, when="after")),
    Step(
        f"a move create answers after the client's {TIMEOUT:g} s timeout, and takes effect",
        "latency",
        on(MOVE, "create", 1, seconds=TIMEOUT + 1.5),
    ),
    Step("a move create meets a serialization failure", "serialization", on(MOVE, "create", 2)),
    Step(
        "a partner create takes effect, its answer is a 500",
        "http_error",
        on("res.partner", "create", 1, status=500, when="after"),
    ),
    Step("a post meets a serialization failure", "serialization", on(MOVE, "action_post", 1)),
    Step("a post takes effect, its connection is dropped", "drop", on(MOVE, "action_post", 1, when="after")),
    Step(
        "a payment is registered, its connection is dropped",
        "drop",
        on(PAYMENT, "action_create_payments", 1, when="after"),
    ),
    Step("a payment wizard meets a serialization failure", "serialization", on(PAYMENT, "create", 1)),
    Step("the read of the amounts loses its connection", "drop", on(MOVE, "read", 1)),
)
INVOICES_PER_FAULT = 8
PARTNER_STEP = next(i for i, step in enumerate(PLAN) if step.options["models"] == "res.partner")


def seed_with_a_new_customer(per_fault: int) -> str:
    """A sample-data seed whose invoices for the partner step bring a customer not seen before.

    Otherwise no partner is created while that fault waits, and it is never hit: about one
    seed in ten has no new customer among those eight invoices.
    """
    start = PARTNER_STEP * per_fault
    while True:
        seed = f"faults-odoo-{uuid.uuid4().hex[:8]}"
        seen = {build_invoice(seed, i).user.id for i in range(start)}
        if any(build_invoice(seed, i).user.id not in seen for i in range(start, start + per_fault)):
            return seed


def test_odoo_slow_and_failing_loses_and_duplicates_nothing(
    consumers: Consumers,
    source: psycopg.Connection,
    scenario: ScenarioLog,
    faults_scale: int,
    faults_seed: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="cdc_consumer.runner")
    odoo = consumers.odoo
    settings = consumers.settings(
        posting_mode="auto", skip_history=True, batch_max_messages=40, odoo_timeout_seconds=TIMEOUT
    )
    consumer = consumers.thread(settings)
    consumers.wait(lambda: consumer.app.runner.ready, what="partitions assigned")
    odoo.faults.latency(0.02)
    scenario.step("every Odoo call is slowed down by 20 ms")

    per_fault = INVOICES_PER_FAULT * faults_scale
    seed = seed_with_a_new_customer(per_fault)
    written = 0
    for step in PLAN:
        fault = odoo.faults.add(step.kind, **step.options)
        generate(source, per_fault, seed, start=written)
        written += per_fault
        ids = invoice_ids(written, seed)

        def hit_and_written(fault: Fault = fault, ids: list[str] = ids) -> bool:
            return all(f.id != fault.id for f in odoo.faults.active()) and not audit_problems(settings, odoo, ids)

        def unmet(step: Step = step, ids: list[str] = ids) -> str:
            return "; ".join(audit_problems(settings, odoo, ids)[:5]) or f"the fault '{step.what}' hit"

        consumers.wait(hit_and_written, timeout=90, what=unmet, interval=0.2)
        scenario.step(f"{step.what}: hit {step.options['times']}x while {per_fault} invoices streamed in, all written")
    failures = sum(1 for r in caplog.records if r.getMessage() == FAILED_BATCH)
    scenario.check(f"{failures} failed batches retried; the audit of {len(ids)} invoices finds nothing wrong")

    rng = random.Random(f"{faults_seed}-odoo-void")
    status = dict(source.execute("SELECT id::text, status FROM invoices WHERE id = ANY(%s::uuid[])", (ids,)).fetchall())
    voided = rng.sample(sorted(i for i in ids if status[i] == "open"), 3)
    odoo.faults.drop(when="after", methods="refund_moves", times=1)
    odoo.faults.http_error(503, when="after", methods="action_post", times=1)
    for invoice_id in voided:
        set_status(source, invoice_id, "void")
    scenario.step(f"voided {len(voided)} posted invoices; a reversal and a post take effect, their answers are lost")
    consumers.wait(
        lambda: not audit_problems(settings, odoo, ids) and len(odoo.faults.active()) == 1,
        timeout=120,
        what=lambda: "\n".join(audit_problems(settings, odoo, ids)[:10]) + f"\nfaults left: {odoo.faults.active()}",
        interval=1.0,
    )
    reversals = {i: found[0]["reversal_move_ids"] for i, found in moves_of(odoo, voided).items()}
    assert all(len(r) == 1 for r in reversals.values()), f"one credit note per voided invoice: {reversals}"
    scenario.check(f"each of the {len(voided)} voided invoices is reversed by exactly one credit note")

    assert consumer.running, "the consumer is alive"
    scenario.check("the consumer is alive")

"""Odoo down for a while in the middle of a run (DESIGN §6, transient failures).

While Odoo refuses connections the consumer fails its batch, rewinds and pauses, retries with
backoff and stays in its consumer group with its partitions. It commits nothing it has not
applied: a change may be committed only once it is in the state store, the invoice marked
dirty, and the change that completes an invoice only once the invoice is written. Once Odoo is
back every invoice is written exactly once.
"""

from __future__ import annotations

import logging

import psycopg
import pytest
from confluent_kafka import ConsumerGroupState
from confluent_kafka.admin import AdminClient

from cdc_consumer.localstack import StackInfo
from tests.support.consumer import Consumers, committed_offsets, moves_of, writes_about
from tests.support.stack_fixtures import has_rows, insert_invoice, of_rows, read_until

pytestmark = [pytest.mark.stack, pytest.mark.e2e]

FAILED_BATCH = "batch failed, rewinding and pausing"


def membership(stack: StackInfo, group: str) -> tuple[ConsumerGroupState, list[tuple[str, int]]]:
    """The group's state and, per member, its id and how many partitions it holds."""
    admin = AdminClient({"bootstrap.servers": stack.kafka_bootstrap})
    description = admin.describe_consumer_groups([group])[group].result(timeout=10)
    return description.state, [(m.member_id, len(m.assignment.topic_partitions)) for m in description.members]


def test_odoo_down_pauses_keeps_the_group_commits_nothing_past_the_failure_and_recovers(
    consumers: Consumers, source: psycopg.Connection, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="cdc_consumer.runner")
    stack, odoo = consumers.stack, consumers.odoo
    settings = consumers.settings(posting_mode="auto", skip_history=True)
    consumer = consumers.thread(settings)
    consumers.wait(lambda: consumer.app.runner.ready, what="partitions assigned")
    state, members = membership(stack, settings.kafka_group_id)
    assert state == ConsumerGroupState.STABLE
    assert [n for _, n in members] == [2 * stack.partitions]

    odoo.go_down()
    invoices = [insert_invoice(source) for _ in range(5)]
    ids = [rows.invoice_id for rows in invoices]

    def failures() -> int:
        return sum(1 for r in caplog.records if r.getMessage() == FAILED_BATCH)

    consumers.wait(lambda: failures() >= 3, timeout=60, what="three failed attempts while Odoo is down")
    assert not consumer.app.runner.ready, "paused, waiting for the next attempt"
    during = committed_offsets(stack, settings.kafka_group_id, stack.topics)
    stored = consumer.app.state.load(ids)
    assert membership(stack, settings.kafka_group_id) == (state, members), "still in the group, same partitions"

    odoo.come_up()
    consumers.wait(
        lambda: all(len(found) == 1 and found[0]["state"] == "posted" for found in moves_of(odoo, ids).values()),
        timeout=60,
        what=lambda: f"every invoice posted once Odoo is back: {moves_of(odoo, ids)}",
    )
    consumers.wait(lambda: consumer.app.runner.ready, what="resumed")
    consumer.stop()
    after = committed_offsets(stack, settings.kafka_group_id, stack.topics)

    every_row = set().union(*(rows.all_ids for rows in invoices))
    records = of_rows(read_until(stack, has_rows(every_row)), every_row)
    for rows in invoices:
        mine = [r for r in records if r.row["id"] in rows.all_ids]
        committed = [r for r in mine if r.offset < during[(r.topic, r.partition)]]
        assert len(committed) < len(mine), f"{rows.invoice_id}: the change completing it was committed unwritten"
        if committed:
            held = stored[rows.invoice_id]
            held_keys = {held.header.key} if held.header else set()
            held_keys |= {item.key for item in held.items}
            assert {r.row["id"] for r in committed} <= held_keys, "what was committed is in the state store"
            assert held.sync.dirty, "and the invoice waits for its write"
        assert all(after[(r.topic, r.partition)] > r.offset for r in mine), "all committed once written"
    move_ids = [m["id"] for found in moves_of(odoo, ids).values() for m in found]
    creates = [c for c in writes_about(odoo, ids, move_ids) if (c.model, c.method) == ("account.move", "create")]
    created = [v["x_fc_nexacloud_invoice_id"] for c in creates for v in c.args[0]]
    assert sorted(i for i in created if i in ids) == sorted(ids), "one create per invoice, none repeated"

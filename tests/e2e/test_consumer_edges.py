"""The consumer's edges: a poison message goes to the dead-letter topic, and the start-up
checks refuse topics that are not co-partitioned and an Odoo that was not bootstrapped.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import psycopg
import pytest
from confluent_kafka import Message, Producer

from cdc_consumer.app import build
from cdc_consumer.emulator import OdooEmulator
from cdc_consumer.errors import StartupCheckError
from cdc_consumer.localstack import StackInfo, delete_topics, ensure_topics
from tests.support.consumer import Consumers, committed_offsets, moves_of
from tests.support.stack_fixtures import insert_invoice, read_until

pytestmark = [pytest.mark.stack, pytest.mark.e2e]


def produce(stack: StackInfo, topic: str, key: bytes, value: bytes) -> int:
    """Write one message to partition 0 of ``topic``; its offset."""
    delivered: list[Message] = []
    producer = Producer({"bootstrap.servers": stack.kafka_bootstrap})
    producer.produce(topic, key=key, value=value, partition=0, on_delivery=lambda err, msg: delivered.append(msg))
    assert producer.flush(10) == 0
    assert delivered[0].error() is None
    return delivered[0].offset()


def test_a_poison_message_is_dead_lettered_with_its_origin_and_the_consumer_moves_on(
    consumers: Consumers, source: psycopg.Connection
) -> None:
    stack = consumers.stack
    settings = consumers.settings(skip_history=True)
    consumer = consumers.thread(settings)
    key, value = b'{"id": "not-a-row"}', f"not json {uuid.uuid4()}".encode()
    offset = produce(stack, settings.topic_invoices, key, value)
    rows = insert_invoice(source)

    consumers.wait(lambda: moves_of(consumers.odoo, [rows.invoice_id])[rows.invoice_id], what="the next invoice")
    consumers.wait(
        lambda: committed_offsets(stack, settings.kafka_group_id, stack.topics)[(settings.topic_invoices, 0)] > offset,
        what="the poison message committed",
    )
    consumer.stop()

    letters = [
        r
        for r in read_until(stack, lambda rs: any(r.raw_value == value for r in rs), topics=[settings.topic_dlq])
        if r.raw_value == value
    ]
    assert len(letters) == 1
    headers = dict(letters[0].headers)
    assert letters[0].raw_key == key
    assert headers["cdc.origin.topic"] == settings.topic_invoices.encode()
    assert (headers["cdc.origin.partition"], headers["cdc.origin.offset"]) == (b"0", str(offset).encode())
    assert headers["cdc.error"]


@pytest.fixture
def uneven_topics(stack: StackInfo) -> Iterator[tuple[str, str]]:
    """Two scratch topics, with one and two partitions."""
    names = (f"e2e-uneven-{uuid.uuid4().hex[:8]}-a", f"e2e-uneven-{uuid.uuid4().hex[:8]}-b")
    ensure_topics(stack.kafka_bootstrap, names[:1], 1)
    ensure_topics(stack.kafka_bootstrap, names[1:], 2)
    try:
        yield names
    finally:
        delete_topics(stack.kafka_bootstrap, names)


def test_topics_that_are_not_co_partitioned_are_refused(consumers: Consumers, uneven_topics: tuple[str, str]) -> None:
    invoices, items = uneven_topics
    with pytest.raises(StartupCheckError, match="not co-partitioned") as refused:
        build(consumers.settings(topic_invoices=invoices, topic_items=items))
    assert f"{invoices} has 1" in str(refused.value)
    assert f"{items} has 2" in str(refused.value)


def test_an_odoo_without_the_custom_fields_is_refused(consumers: Consumers) -> None:
    fresh = OdooEmulator(port=0).start()
    try:
        with pytest.raises(StartupCheckError, match="bootstrap") as refused:
            build(consumers.settings(odoo_url=fresh.url))
    finally:
        fresh.stop()
    assert "x_fc_nexacloud_invoice_id" in str(refused.value)
    assert fresh.calls.writes() == [], "the check changes nothing"

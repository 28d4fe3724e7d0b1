"""Poison messages interleaved with good invoices (DESIGN §6, permanent failures of one message).

Over a thousand messages that can never become change events — garbage bytes, truncated JSON,
wrong column types, missing fields, unknown ops, Avro-framed bytes, JSON that is not an object,
empty values — are written into both topics between rounds of real invoices that Debezium
streams from the source. Each poison message must land in the dead-letter topic once, with
its bytes, its key and headers naming the error and its origin; every good invoice must be in
Odoo once, exact; the consumer must stay alive and commit past every poison message.
"""

from __future__ import annotations

import random
import uuid
from collections import Counter

import psycopg
import pytest

from cdc_consumer.sample.dataset import invoice_ids
from cdc_consumer.sample.generate import generate
from tests.support.consumer import Consumers, committed_offsets
from tests.support.faults import Poison, ScenarioLog, await_exact, poison_messages, produce, read_dead_letters

pytestmark = [pytest.mark.faults, pytest.mark.stack]

ROUNDS = 4
POISON_PER_TOPIC_AND_ROUND = 130
GOOD_PER_ROUND = 25


def test_poison_messages_are_dead_lettered_and_every_good_invoice_is_written(
    consumers: Consumers,
    source: psycopg.Connection,
    scenario: ScenarioLog,
    faults_scale: int,
    faults_seed: str,
    dead_letter_topic: str,
) -> None:
    stack = consumers.stack
    rng = random.Random(f"{faults_seed}-malformed")
    settings = consumers.settings(posting_mode="auto", skip_history=True, topic_dlq=dead_letter_topic)
    consumer = consumers.thread(settings)
    consumers.wait(lambda: consumer.app.runner.ready, what="partitions assigned")

    seed = f"faults-malformed-{uuid.uuid4().hex[:8]}"
    good = GOOD_PER_ROUND * faults_scale
    poisoned: dict[tuple[str, int, int], Poison] = {}
    for round_ in range(ROUNDS):
        generate(source, good, seed, start=round_ * good)
        for topic, table in ((settings.topic_invoices, "invoices"), (settings.topic_items, "invoice_items")):
            messages = poison_messages(rng, table, POISON_PER_TOPIC_AND_ROUND * faults_scale)
            places = produce(stack.kafka_bootstrap, topic, messages)
            poisoned.update({(topic, p, o): m for m, (p, o) in zip(messages, places, strict=True)})
    ids = invoice_ids(ROUNDS * good, seed)
    kinds = Counter(m.kind for m in poisoned.values())
    scenario.step(
        f"wrote {len(ids)} invoices to the source in {ROUNDS} rounds, and after each round poison messages "
        f"into both topics: {len(poisoned)} in all ({', '.join(f'{k} {n}' for k, n in sorted(kinds.items()))})"
    )
    assert len(poisoned) >= 1000

    await_exact(consumers, settings, ids, scenario)

    letters = read_dead_letters(stack.kafka_bootstrap, dead_letter_topic, len(poisoned))
    assert len(letters) == len(poisoned), "each poison message is dead-lettered once, nothing else is"
    seen = set()
    for letter in letters:
        headers = dict(letter.headers)
        origin = (
            headers["cdc.origin.topic"].decode(),
            int(headers["cdc.origin.partition"]),
            int(headers["cdc.origin.offset"]),
        )
        message = poisoned[origin]
        assert (letter.raw_key, letter.raw_value or b"") == (message.key, message.value), f"{origin}: the bytes as read"
        assert headers["cdc.error"], f"{origin}: the error is named"
        seen.add(origin)
    assert seen == set(poisoned)
    scenario.check(f"{len(letters)} dead letters, one per poison message, with its bytes, error and origin headers")

    ends: dict[tuple[str, int], int] = {}
    for topic, partition, offset in poisoned:
        ends[(topic, partition)] = max(ends.get((topic, partition), -1), offset)
    consumers.wait(
        lambda: all(
            committed_offsets(stack, settings.kafka_group_id, stack.topics)[tp] > offset for tp, offset in ends.items()
        ),
        what="offsets committed past every poison message",
    )
    assert consumer.running, "the consumer is alive"
    scenario.check("offsets committed past every poison message; the consumer is alive")

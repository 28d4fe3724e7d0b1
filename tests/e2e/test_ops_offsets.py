"""``offsets reset`` and ``status`` against the real Kafka of the local stack.

Each test has its own consumer group on two topics of this module (3 partitions each, ten
messages per partition with timestamps one second apart), so the plans are exact.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient

from cdc_consumer import cli
from cdc_consumer.localstack import delete_topics, ensure_topics
from cdc_consumer.state import SyncOutcome, open_state_store

pytestmark = pytest.mark.stack

PER_PARTITION = 10
BASE = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def topics(stack) -> Iterator[tuple[str, str]]:
    """Two co-partitioned topics, ten messages per partition at BASE + 0 s … BASE + 9 s."""
    prefix = f"opstest_{uuid.uuid4().hex[:8]}.public"
    names = (f"{prefix}.invoices", f"{prefix}.invoice_items")
    ensure_topics(stack.kafka_bootstrap, names, 3)
    producer = Producer({"bootstrap.servers": stack.kafka_bootstrap})
    base_ms = int(BASE.timestamp() * 1000)
    for topic in names:
        for partition in range(3):
            for i in range(PER_PARTITION):
                producer.produce(topic, value=b"{}", partition=partition, timestamp=base_ms + i * 1000)
    assert producer.flush(30) == 0
    yield names
    delete_topics(stack.kafka_bootstrap, names)


@pytest.fixture
def group(stack, topics, monkeypatch, tmp_path) -> Iterator[str]:
    """A fresh consumer group on the module's topics, configured through the environment; deleted after."""
    group_id = f"opstest-{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("CDC_KAFKA_BOOTSTRAP_SERVERS", stack.kafka_bootstrap)
    monkeypatch.setenv("CDC_KAFKA_GROUP_ID", group_id)
    monkeypatch.setenv("CDC_TOPIC_INVOICES", topics[0])
    monkeypatch.setenv("CDC_TOPIC_ITEMS", topics[1])
    monkeypatch.setenv("CDC_STATE_DSN", f"sqlite:///{tmp_path / 'state.sqlite3'}")
    yield group_id
    admin = AdminClient({"bootstrap.servers": stack.kafka_bootstrap})
    try:
        admin.delete_consumer_groups([group_id], request_timeout=15)[group_id].result(timeout=30)
    except KafkaException as exc:
        if exc.args[0].code() != KafkaError.GROUP_ID_NOT_FOUND:  # a group that never committed
            raise


def committed(bootstrap: str, group_id: str, topics: tuple[str, str]) -> dict[tuple[str, int], int | None]:
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group_id})
    try:
        found = consumer.committed([TopicPartition(t, p) for t in topics for p in range(3)], timeout=15)
    finally:
        consumer.close()
    return {(tp.topic, tp.partition): tp.offset if tp.offset >= 0 else None for tp in found}


def reset(capsys, *args: str) -> tuple[int, str, str]:
    status = cli.main(["offsets", "reset", *args])
    out, err = capsys.readouterr()
    return status, out, err


def table(out: str) -> dict[tuple[str, int], tuple[str, str]]:
    """The plan's rows: (topic, partition) → (current, new)."""
    rows = {}
    for line in out.splitlines():
        cells = line.split()
        if len(cells) == 5 and cells[1].isdigit():
            rows[(cells[0], int(cells[1]))] = (cells[2], cells[3])
    return rows


def test_a_dry_run_prints_the_plan_and_commits_nothing(stack, topics, group, capsys):
    status, out, _ = reset(capsys, "--to-latest")
    assert status == 0
    assert table(out) == {(t, p): ("-", "10") for t in topics for p in range(3)}
    assert "Dry run: nothing was changed" in out
    assert set(committed(stack.kafka_bootstrap, group, topics).values()) == {None}


def test_execute_commits_offsets_shifts_and_times(stack, topics, group, capsys):
    assert reset(capsys, "--to-offset", "4", "--execute")[0] == 0
    assert set(committed(stack.kafka_bootstrap, group, topics).values()) == {4}

    status, out, _ = reset(capsys, "--shift-by", "3", "--execute")
    assert status == 0
    assert table(out)[(topics[0], 0)] == ("4", "7")
    assert set(committed(stack.kafka_bootstrap, group, topics).values()) == {7}

    moment = (BASE + timedelta(seconds=5)).isoformat()
    assert reset(capsys, "--to-datetime", moment, "--execute")[0] == 0
    assert set(committed(stack.kafka_bootstrap, group, topics).values()) == {5}

    later = (BASE + timedelta(days=1)).isoformat()
    assert reset(capsys, "--to-datetime", later, "--topic", f"{topics[1]}:2", "--execute")[0] == 0
    offsets = committed(stack.kafka_bootstrap, group, topics)
    assert offsets.pop((topics[1], 2)) == PER_PARTITION
    assert set(offsets.values()) == {5}


def test_targets_outside_the_log_are_clamped_with_a_warning(stack, topics, group, capsys):
    status, out, _ = reset(capsys, "--to-offset", "25", "--topic", f"{topics[0]}:0,1", "--execute")
    assert status == 0
    assert f"WARNING {topics[0]}[0]: new offset 25 is higher than the latest offset 10; it will be set to 10" in out
    assert set(table(out)) == {(topics[0], 0), (topics[0], 1)}
    offsets = committed(stack.kafka_bootstrap, group, topics)
    assert offsets[(topics[0], 0)] == offsets[(topics[0], 1)] == PER_PARTITION
    assert offsets[(topics[0], 2)] is None

    status, out, _ = reset(capsys, "--shift-by", "-30", "--topic", f"{topics[0]}:0")
    assert "is lower than the earliest offset 0; it will be set to 0" in out
    assert table(out) == {(topics[0], 0): ("10", "0")}


def test_bad_topics_and_partitions_are_refused(topics, group, capsys):
    status, _, err = reset(capsys, "--to-earliest", "--topic", "opstest-no-such-topic")
    assert status == 2
    assert "topic 'opstest-no-such-topic' does not exist" in err
    status, _, err = reset(capsys, "--to-earliest", "--topic", f"{topics[0]}:7")
    assert status == 2
    assert "not [7]" in err


def join(bootstrap: str, group_id: str, topics: tuple[str, str], timeout: float = 30.0) -> Consumer:
    """A consumer in the group, returned once partitions are assigned to it."""
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": group_id,
            "client.id": "ops-test-member",
            "enable.auto.commit": False,
            "partition.assignment.strategy": "range",
        }
    )
    consumer.subscribe(list(topics))
    deadline = time.monotonic() + timeout
    while not consumer.assignment():
        if time.monotonic() > deadline:
            consumer.close()
            raise TimeoutError(f"no partitions assigned in group {group_id} within {timeout} s")
        consumer.poll(0.2)
    return consumer


def test_an_active_group_is_refused_and_its_members_named_and_status_shows_them(stack, topics, group, capsys, tmp_path):
    assert reset(capsys, "--to-offset", "4", "--execute")[0] == 0
    store = open_state_store(f"sqlite:///{tmp_path / 'state.sqlite3'}")
    store.record([SyncOutcome("inv-1", pending="tax_mismatch", detail="1.30 vs 1.29")])
    store.record([SyncOutcome("inv-2", pending="tax_mismatch", detail="2.60 vs 2.59")])
    store.close()
    member = join(stack.kafka_bootstrap, group, topics)
    try:
        status, out, err = reset(capsys, "--to-earliest", "--execute")
        assert status == 1
        assert out == ""
        assert f"consumer group '{group}' is STABLE with 1 member(s); stop them first:" in err
        assert "ops-test-member on /127.0.0.1" in err
        assert set(committed(stack.kafka_bootstrap, group, topics).values()) == {4}

        assert cli.main(["status"]) == 0
        report = capsys.readouterr().out.splitlines()
        assert cli.main(["status", "--json"]) == 0
        document = json.loads(capsys.readouterr().out)
    finally:
        member.close()
    assert document["group"] == {"id": group, "state": "STABLE"}
    assert [m["client_id"] for m in document["members"]] == ["ops-test-member"]
    assert document["lag_messages"] == 36
    first = next(p for p in document["partitions"] if (p["topic"], p["partition"]) == (topics[0], 0))
    assert (first["committed"], first["high"], first["lag"]) == (4, 10, 6)
    assert first["member"] == document["members"][0]["member_id"]
    assert document["pending"]["by_reason"][0]["reason"] == "tax_mismatch"
    assert document["pending"]["invoices"] == 2
    assert report[0] == f"Consumer group '{group}': STABLE, 1 member(s)"
    assert report[1].startswith("  ops-test-member on /127.0.0.1")
    assert all(f"{t}[{p}]" in report[1] for t in topics for p in range(3))
    assert "Lag: 36 message(s)" in report
    rows = [line.split() for line in report]
    assert [topics[0], "0", "4", "10", "6", "ops-test-member"] in rows
    assert next(r for r in rows if r and r[0] == "tax_mismatch")[:3] == ["tax_mismatch", "2", "2"]


def test_status_of_a_group_that_never_committed(topics, group, capsys):
    assert cli.main(["status"]) == 0
    report = capsys.readouterr().out.splitlines()
    assert report[0] == f"Consumer group '{group}': DEAD, 0 member(s)"
    assert "Lag: 60 message(s)" in report
    assert report[-1].startswith("Pending invoices: no state store at")

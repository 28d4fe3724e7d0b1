"""The benchmark's code paths at a tiny scale, so that ``cdc-consumer bench`` cannot rot unnoticed.

The figures through the stack (``bench/live.py``, ``bench/source.py``) need PostgreSQL, Kafka and
Connect; what they compute from the emulator's call log is checked here on real call records.
"""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from confluent_kafka import TopicPartition

from cdc_consumer.bench.feed import FeedConsumer
from cdc_consumer.bench.figures import Figure, Target, emit, percentile
from cdc_consumer.bench.memory import child_env
from cdc_consumer.bench.messages import (
    MessageFactory,
    decimal_bytes,
    envelope_schema,
    invoice_row,
    item_row,
    key_schema,
)
from cdc_consumer.bench.odoo import creates_by_invoice
from cdc_consumer.bench.pipeline import SEED, run_pipeline
from cdc_consumer.bench.suite import BenchOptions, run_benchmark
from cdc_consumer.cli import build_parser
from cdc_consumer.config import load_settings
from cdc_consumer.decoding import JsonDecoder, decimal_from_unscaled
from cdc_consumer.emulator import CallRecord
from cdc_consumer.sample.dataset import SampleInvoice, SampleItem, SampleUser, build_invoice, invoice_ids
from cdc_consumer.state import open_state_store

PRECISE = Path(__file__).resolve().parents[1] / "fixtures" / "debezium" / "precise"
TABLES = ("invoices", "invoice_items")


def captured(name: str) -> dict[str, Any]:
    return json.loads((PRECISE / f"{name}.json").read_text(encoding="utf-8"))


# -- captured-shaped messages ----------------------------------------------------------------


@pytest.mark.parametrize("table", TABLES)
def test_synthetic_schemas_are_the_captured_ones(table: str) -> None:
    message = captured(f"{table}-create")
    prefix = message["connector"]["topic.prefix"]
    assert envelope_schema(prefix, table) == message["value"]["schema"]
    assert key_schema(prefix, table) == message["key"]["schema"]


def test_synthetic_rows_are_encoded_as_debezium_encodes_them() -> None:
    docs = {t: captured(f"{t}-create") for t in TABLES}
    header, line = (JsonDecoder().decode(t, 0, 0, None, json.dumps(docs[t]["value"]).encode()).row for t in TABLES)
    item = SampleItem(
        id=line["id"], description=line["description"], quantity=line["quantity"], unit_price=line["unit_price"],
        amount=line["amount"], family="hosting", period_start=line["period_start"], period_end=line["period_end"],
    )  # fmt: skip
    user = SampleUser(header["user_id"], "A Customer", "a@example.com", None, header["created_at"])
    invoice = SampleInvoice(
        id=header["id"], stripe_invoice_id=header["stripe_invoice_id"], invoice_number=header["invoice_number"],
        user=user, subscription_id=header["subscription_id"], created_at=header["created_at"],
        currency=header["currency"], status=header["status"], subtotal=header["subtotal"], tax=header["tax"],
        amount_paid=header["amount_paid"], paid_at=header["paid_at"],
        hosted_invoice_url=header["hosted_invoice_url"], items=(item,),
    )  # fmt: skip
    assert invoice_row(invoice) == docs["invoices"]["value"]["payload"]["after"]
    assert item_row(line["invoice_id"], item) == docs["invoice_items"]["value"]["payload"]["after"]


@pytest.mark.parametrize("amount", ["0.00", "44.99", "1.28", "-1.28", "-0.01", "9999999999.99"])
def test_decimal_bytes_round_trip(amount: str) -> None:
    import base64

    assert decimal_from_unscaled(base64.b64decode(decimal_bytes(Decimal(amount))), 2) == Decimal(amount)


def test_messages_decode_to_the_invoice_and_share_its_partition() -> None:
    invoice = build_invoice("bench-test", 1)
    messages = MessageFactory(op="c").messages(invoice)
    events = [JsonDecoder().decode(m.topic, m.partition, n, m.key, m.value) for n, m in enumerate(messages)]
    assert [e.table for e in events] == ["invoices"] + ["invoice_items"] * len(invoice.items)
    assert {m.partition for m in messages} == {messages[0].partition}
    header = events[0].row
    assert (header["subtotal"], header["tax"]) == (invoice.subtotal, invoice.tax)
    assert header["created_at"] == invoice.created_at
    assert [e.op for e in events] == ["c"] * len(events)
    assert sorted(e.lsn for e in events) == [e.lsn for e in events]


# -- the feed and the pipeline -----------------------------------------------------------------


def test_feed_hands_out_messages_then_one_end_per_partition() -> None:
    factory = MessageFactory()
    feed = FeedConsumer(factory.stream(3, "bench-test"), partitions=2)
    assigned: list[Any] = []
    feed.subscribe(["a", "b"], on_assign=lambda _c, parts: assigned.extend(parts), on_revoke=lambda *_: None)
    assert len(assigned) == 4
    first = feed.consume(num_messages=1000)
    assert first
    assert all(m.error() is None for m in first)
    ends = feed.consume(num_messages=1000)
    assert [m.error() is not None for m in ends] == [True] * 4
    assert feed.consume(num_messages=1000) == []
    with pytest.raises(RuntimeError, match="rewound"):
        feed.seek(assigned[0])


def test_feed_keeps_what_the_runner_pauses_and_rewinds_between_write_chunks() -> None:
    """The poll between two chunks: its message is paused and taken back, then handed out again."""
    factory = MessageFactory()
    feed = FeedConsumer(factory.stream(20, "bench-test"), partitions=2)
    feed.subscribe(["a", "b"], on_assign=lambda *_: None, on_revoke=lambda *_: None)
    first = feed.consume(num_messages=5)
    (polled,) = feed.consume(num_messages=1)
    where = TopicPartition(polled.topic(), polled.partition(), polled.offset())
    feed.pause([where])
    feed.seek(where)
    others = feed.consume(num_messages=1000)
    assert others
    assert all((m.topic(), m.partition()) != (where.topic, where.partition) for m in others)
    feed.resume([where])
    rest = feed.consume(num_messages=1000)
    handed = first + others + rest
    offsets = [(m.topic(), m.partition(), m.offset()) for m in handed]
    assert len(offsets) == len(set(offsets)) == feed.consumed
    assert (where.topic, where.partition, where.offset) in offsets
    for topic, partition in {(t, p) for t, p, _ in offsets}:
        mine = [o for t, p, o in offsets if (t, p) == (topic, partition)]
        assert sorted(mine) == list(range(len(mine))), "every offset once, none skipped"
    with pytest.raises(RuntimeError, match="rewound"):
        feed.seek(TopicPartition(where.topic, where.partition, 0))


def test_pipeline_brings_every_invoice_into_the_state(tmp_path: Path) -> None:
    dsn = f"sqlite:///{tmp_path / 'state.sqlite3'}"
    result = run_pipeline(25, dsn)
    expected_events = sum(1 + len(build_invoice(SEED, i).items) for i in range(25))
    assert (result.events, result.invoices) == (expected_events, 25)
    assert result.cpu_seconds > 0
    assert result.rss_peak_mib >= result.rss_start_mib > 0
    store = open_state_store(dsn)
    try:
        stored = store.load(invoice_ids(25, SEED))
    finally:
        store.close()
    assert len(stored) == 25
    assert all(s.sync.move_id and not s.sync.dirty and s.header is not None for s in stored.values())


def test_suite_prints_the_pipeline_figure_measured_in_a_child_process(capsys: pytest.CaptureFixture[str]) -> None:
    figures = run_benchmark(BenchOptions(pipeline_invoices=15, groups=("pipeline",)))
    (line,) = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [f.name for f in figures] == [line["figure"]] == ["pipeline_events_per_second"]
    assert (line["invoices"], line["events"]) == (15, sum(1 + len(build_invoice(SEED, i).items) for i in range(15)))
    assert line["value"] > 0
    assert line["peak_rss_mib"] > 0
    assert (line["target"], line["threads"]) == (">= 20000", 1)


def test_a_consumer_process_gets_the_benchmark_settings_over_the_callers_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CDC_ODOO_URL", "http://elsewhere:8069")
    monkeypatch.setenv("CDC_BATCH_MAX_MESSAGES", "250")
    settings = load_settings(environ={}, odoo_url="http://127.0.0.1:1234", odoo_password="s3cret")
    env = child_env(settings, ("odoo_url", "odoo_password"))
    assert (env["CDC_ODOO_URL"], env["CDC_ODOO_PASSWORD"]) == ("http://127.0.0.1:1234", "s3cret")
    assert env["CDC_BATCH_MAX_MESSAGES"] == "250"
    assert load_settings(environ=env).odoo_url == "http://127.0.0.1:1234"


# -- figures, percentiles, the call log ----------------------------------------------------------


def test_figure_line_has_value_unit_parameters_cores_and_target() -> None:
    out = io.StringIO()
    emit(Figure("latency_p99", 2.5, "s", {"rate": 50}, Target("<=", 2.0)), out)
    line = json.loads(out.getvalue())
    assert out.getvalue().count("\n") == 1
    assert (line["figure"], line["value"], line["unit"], line["rate"]) == ("latency_p99", 2.5, "s", 50)
    assert (line["target"], line["met"]) == ("<= 2", False)
    assert line["cores"] >= 1
    assert Figure("x", 1.0, "u").to_json()["target"] is None


def test_percentile_is_a_measured_value_by_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert (percentile(values, 50), percentile(values, 99), percentile(values, 100)) == (50.0, 99.0, 100.0)
    assert percentile([3.0], 99) == 3.0
    with pytest.raises(ValueError, match="percentile"):
        percentile([], 50)


def _record(
    seq: int, method: str, args: list[Any], at: datetime, outcome: str = "ok", model: str = "account.move"
) -> dict[str, Any]:
    return CallRecord(seq, at, "object", model, method, args, {}, outcome).to_json()


def test_creates_by_invoice_takes_the_first_successful_create_of_each() -> None:
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    calls = [
        _record(1, "create", [[{"x_fc_nexacloud_invoice_id": "a"}]], t0, outcome="error"),
        _record(2, "create", [[{"x_fc_nexacloud_invoice_id": i} for i in "ab"]], t0 + timedelta(seconds=1)),
        _record(3, "create", [{"x_fc_nexacloud_invoice_id": "c"}], t0 + timedelta(seconds=2)),
        _record(4, "create", [[{"x_fc_nexacloud_invoice_id": "a"}]], t0 + timedelta(seconds=3)),
        _record(5, "create", [[{"name": "x"}]], t0, model="res.partner"),
        _record(6, "search_read", [[]], t0),
    ]  # fmt: skip
    found = creates_by_invoice(calls)
    assert found == {"a": t0 + timedelta(seconds=1), "b": t0 + timedelta(seconds=1), "c": t0 + timedelta(seconds=2)}


def test_bench_is_a_subcommand_with_figure_groups() -> None:
    args = build_parser().parse_args(["bench", "--only", "pipeline,live", "--invoices", "10"])
    assert (args.only, args.invoices, args.rate, args.duration) == (("pipeline", "live"), 10, 50.0, 30.0)
    with pytest.raises(SystemExit):
        build_parser().parse_args(["bench", "--only", "nope"])

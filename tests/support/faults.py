"""Support for the fault-injection suite (``tests/faults``) and the security tests.

Loaded by the root ``conftest.py`` as a fixture plugin, so that ``--faults-scale`` is known
whichever tests are collected.

Options and environment:
    ``--faults-scale=N`` or ``CDC_FAULTS_SCALE=N``: multiply the scenarios' sizes (default 1,
    the CI scale). ``CDC_FAULTS_SEED``: the seed of every random choice (default 1).

Fixtures:
    faults_scale (session): N.
    faults_seed (session): the seed, as text.
    scenario (function): a :class:`ScenarioLog` that prints what the scenario did and checked
        (live with ``-s``) and repeats it in a "fault scenarios" section of the terminal summary.
    stack_control (function): a :class:`StackControl` on the running stack, to stop and start
        its Kafka broker or Kafka Connect; afterwards the whole stack is started again and
        awaited healthy (connector and task RUNNING).
    dead_letter_topic (function): the name of a fresh dead-letter topic, deleted afterwards.

Helpers:
    written(odoo, ids): how many of ``ids`` have a move in Odoo.
    audit_problems(settings, odoo, ids): what the product's audit rules find about ``ids``, plus
        every duplicated move or partner in the emulator (empty when all is exact).
    await_exact(consumers, settings, ids, scenario): wait until ``audit_problems`` is empty.
    stop_cleanly(process, settings): a consumer process alive and ready, then ended by SIGTERM.
    poison_messages(rng, table, count): undecodable or invalid messages of every kind.
    produce(bootstrap, topic, messages): write messages, return their (partition, offset).
    read_dead_letters(bootstrap, topic, count): the first ``count`` messages of a DLQ topic.
    http_get(port, path): status and body of a consumer's metrics endpoint.
"""

from __future__ import annotations

import base64
import json
import os
import random
import signal
import struct
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from confluent_kafka import Message, Producer

from cdc_consumer.app import gateway_for
from cdc_consumer.config import Settings
from cdc_consumer.emulator import OdooEmulator
from cdc_consumer.localstack import LocalStack, Record, StackInfo, delete_topics, ensure_topics, read_records
from cdc_consumer.ops import held
from cdc_consumer.ops.audit import check_invoice
from cdc_consumer.ops.source import SourceReader
from tests.support.consumer import ConsumerProcess, Consumers, duplicated_sources, moves_of, wait_until

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "debezium" / "precise"
SCENARIOS = pytest.StashKey[list["ScenarioLog"]]()


# -- scale, seed and reports --------------------------------------------------------------


def pytest_addoption(parser: pytest.Parser) -> None:
    """``--faults-scale``: how much larger than the CI scale the fault scenarios run."""
    parser.addoption(
        "--faults-scale",
        type=int,
        default=None,
        help="multiply the fault scenarios' sizes (default: $CDC_FAULTS_SCALE or 1, the CI scale)",
    )


@pytest.fixture(scope="session")
def faults_scale(request: pytest.FixtureRequest) -> int:
    """The scale factor of the fault scenarios (1 in CI)."""
    value = request.config.getoption("--faults-scale") or int(os.environ.get("CDC_FAULTS_SCALE") or 1)
    if value < 1:
        raise pytest.UsageError(f"--faults-scale must be at least 1, got {value}")
    return value


@pytest.fixture(scope="session")
def faults_seed() -> str:
    """The seed of the scenarios' random choices (``CDC_FAULTS_SEED``, default 1)."""
    return os.environ.get("CDC_FAULTS_SEED") or "1"


@dataclass
class ScenarioLog:
    """What one scenario did and checked, with the time since it started."""

    name: str
    lines: list[str] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)
    ended: float | None = None
    outcome: str = "running"

    def step(self, text: str) -> None:
        """Record (and print) one thing the scenario did."""
        line = f"[{time.monotonic() - self.started:6.1f}s] {text}"
        self.lines.append(line)
        print(f"{self.name}: {line}", flush=True)

    def check(self, text: str) -> None:
        """Record (and print) one thing the scenario verified."""
        self.step(f"checked: {text}")

    @property
    def seconds(self) -> float:
        """How long the scenario took (so far, while it runs)."""
        return (self.ended or time.monotonic()) - self.started


@pytest.fixture
def scenario(request: pytest.FixtureRequest, faults_scale: int, faults_seed: str) -> Iterator[ScenarioLog]:
    """The report of this scenario, kept for the terminal summary."""
    log = ScenarioLog(request.node.name)
    log.step(f"scale {faults_scale}, seed {faults_seed}")
    request.config.stash.setdefault(SCENARIOS, []).append(log)
    yield log
    report = getattr(request.node, "rep_call", None)
    log.outcome = report.outcome if report is not None else "error"
    log.step(f"done ({log.outcome})")
    log.ended = time.monotonic()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Keep the call phase's report on the item, for the scenario's outcome."""
    report = yield
    if report.when == "call":
        item.rep_call = report  # type: ignore[attr-defined]
    return report


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    """Repeat every scenario's report at the end of the run, readable in CI logs."""
    logs = config.stash.get(SCENARIOS, [])
    if not logs:
        return
    terminalreporter.section("fault scenarios")
    for log in logs:
        terminalreporter.write_line(f"{log.name}: {log.outcome} in {log.seconds:.1f} s")
        for line in log.lines:
            terminalreporter.write_line(f"    {line}")


# -- the audit of a scenario's invoices ---------------------------------------------------------


def duplicated_partners(odoo: OdooEmulator) -> dict[str, int]:
    """NexaCloud user ids that more than one ``res.partner`` carries."""
    rows = odoo.execute(
        "res.partner",
        "search_read",
        [("x_fc_nexacloud_user_id", "!=", False)],
        fields=["x_fc_nexacloud_user_id"],
        context={"active_test": False},
    )
    counts = Counter(row["x_fc_nexacloud_user_id"] for row in rows)
    return {user: n for user, n in counts.items() if n > 1}


def written(odoo: OdooEmulator, invoice_ids: Collection[str]) -> int:
    """How many of ``invoice_ids`` have a move in Odoo."""
    return sum(1 for found in moves_of(odoo, invoice_ids).values() if found)


def audit_problems(settings: Settings, odoo: OdooEmulator, invoice_ids: Collection[str]) -> list[str]:
    """The audit of ``invoice_ids`` by the product's rules, and duplicates anywhere in ``odoo``.

    The source is read in one read-only snapshot and the moves in one ``search_read``; each
    invoice is checked as ``cdc-consumer audit`` checks it (missing, duplicate, amounts, status,
    payments, inconsistent, invalid). Over the whole emulator, no source id may be on two moves
    and no user on two partners. Empty when Odoo is exactly the source.
    """
    ids = sorted(invoice_ids)
    with SourceReader(settings.source_dsn) as reader:
        records = reader.invoices(ids)
    moves = held.moves_for(gateway_for(settings), ids)
    problems = [f"{i}: not in the source" for i in ids if i not in records]
    for record in records.values():
        for finding in check_invoice(
            record, moves.get(record.invoice_id, []), skip_draft_invoices=settings.skip_draft_invoices
        ):
            problems.append(f"{finding.kind} {finding.invoice_id} ({finding.ref}): {finding.detail}")
    problems += [f"{n} moves carry source id {source}" for source, n in duplicated_sources(odoo).items()]
    problems += [f"{n} partners carry user id {user}" for user, n in duplicated_partners(odoo).items()]
    return problems


def await_exact(
    consumers: Consumers,
    settings: Settings,
    invoice_ids: Collection[str],
    scenario: ScenarioLog,
    *,
    timeout: float = 180.0,
    process: ConsumerProcess | None = None,
) -> None:
    """Wait until :func:`audit_problems` finds nothing about ``invoice_ids``, and report it.

    Raises:
        TimeoutError: with the first problems (and the end of ``process``'s log, if given).
    """

    def unmet() -> str:
        problems = "\n".join(audit_problems(settings, consumers.odoo, invoice_ids)[:10])
        return problems + (f"\n{process.log()[-3000:]}" if process is not None else "")

    consumers.wait(
        lambda: not audit_problems(settings, consumers.odoo, invoice_ids), timeout=timeout, what=unmet, interval=1.0
    )
    scenario.check(f"the audit of {len(invoice_ids)} invoices finds nothing missing, duplicated or different")


def stop_cleanly(process: ConsumerProcess, settings: Settings) -> None:
    """A consumer process is alive and ready; SIGTERM ends it with status 0 and no traceback."""
    assert process.process.poll() is None, f"the consumer ended by itself:\n{process.log()[-3000:]}"
    assert http_get(settings.metrics_port, "/healthz")[0] == 200
    wait_until(lambda: http_get(settings.metrics_port, "/readyz")[0] == 200, what="the consumer ready")
    process.stop()
    assert process.process.returncode == 0, process.log()[-3000:]
    assert "Traceback" not in process.log()


# -- the stack's components -----------------------------------------------------------------------


class StackControl:
    """Stops and starts components of the running local stack (the one ``stack`` points at).

    Only a component started from this stack directory can be stopped (its PID file); a stack
    started elsewhere is left alone and the scenario is skipped.
    """

    def __init__(self, info: StackInfo) -> None:
        self.info = info
        self.local = LocalStack(info.workdir)

    def stop(self, name: str, how: signal.Signals = signal.SIGTERM) -> None:
        """Stop one component (``kafka`` or ``connect``) with ``how``; wait until it has exited."""
        if self.local.supervisor.pid(name) is None:
            pytest.skip(f"the stack's {name} was not started from {self.info.workdir}: it cannot be restarted here")
        self.local.supervisor.stop(name, how)

    def start(self, timeout: float = 180.0) -> float:
        """Start what is stopped and wait until the connector and its task run; the seconds it took."""
        started = time.monotonic()
        self.local.start(timeout=timeout)
        deadline = time.monotonic() + timeout
        while not self.local.running():
            if time.monotonic() >= deadline:
                raise TimeoutError(f"the stack is not healthy {timeout:g} s after a restart: {self.local.status()}")
            time.sleep(0.2)
        return time.monotonic() - started


@pytest.fixture
def stack_control(stack: StackInfo) -> Iterator[StackControl]:
    """Restarts of the stack's components; the stack is running and healthy afterwards."""
    control = StackControl(stack)
    try:
        yield control
    finally:
        control.start()


@pytest.fixture
def dead_letter_topic(stack: StackInfo) -> Iterator[str]:
    """A dead-letter topic of this test alone (one partition), deleted afterwards."""
    name = f"faults-dlq-{uuid.uuid4().hex[:12]}"
    ensure_topics(stack.kafka_bootstrap, [name], 1)
    try:
        yield name
    finally:
        delete_topics(stack.kafka_bootstrap, [name])


# -- poison messages ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Poison:
    """One message that can never become a change event: its kind, key and value."""

    kind: str
    key: bytes | None
    value: bytes


def _template(table: str) -> dict[str, Any]:
    """A real Debezium envelope (JsonConverter with schemas, precise decimals) of ``table``."""
    document = json.loads((FIXTURES / f"{table}-create.json").read_text(encoding="utf-8"))
    return document["value"]


def _key(row_id: str) -> bytes:
    return json.dumps({"id": row_id}).encode()


WRONG_TYPES = {
    "invoices": (("id", 12345), ("created_at", True), ("subtotal", 12.5), ("status", 42), ("currency", ["cad"])),
    "invoice_items": (("id", 12345), ("quantity", "lots"), ("amount", {"x": 1}), ("description", 7)),
}
REQUIRED = {"invoices": ("subtotal", "status", "user_id", "created_at"), "invoice_items": ("invoice_id", "amount")}
KINDS = (
    "garbage",
    "truncated_json",
    "wrong_type",
    "missing_field",
    "unknown_op",
    "avro_framed",
    "not_an_object",
    "empty",
)


def _poison(rng: random.Random, table: str, kind: str) -> Poison:
    envelope = _template(table)
    payload = envelope["payload"]
    row_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    payload["after"]["id"] = row_id
    if table == "invoice_items":
        payload["after"]["invoice_id"] = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    key: bytes | None = _key(row_id)
    if kind == "garbage":
        value = bytes([0xFF]) + rng.randbytes(rng.randint(1, 300))
    elif kind == "truncated_json":
        whole = json.dumps(envelope).encode()
        value = whole[: rng.randint(1, len(whole) - 2)]
    elif kind == "wrong_type":
        column, wrong = rng.choice(WRONG_TYPES[table])
        payload["after"][column] = wrong
        value = json.dumps(envelope).encode()
    elif kind == "missing_field":
        choice = rng.randrange(4)
        if choice == 0:
            del payload["source"]
        elif choice == 1:
            del payload["op"]
        elif choice == 2:
            del payload["after"]["id"]
            key = None
        else:
            del payload["after"][rng.choice(REQUIRED[table])]
        value = json.dumps(envelope).encode()
    elif kind == "unknown_op":
        payload["op"] = rng.choice(["x", "C", "upsert", "", "7"])
        value = json.dumps(envelope).encode()
    elif kind == "avro_framed":
        body = base64.b64encode(rng.randbytes(rng.randint(4, 60)))
        value = b"\x00" + struct.pack(">I", rng.randint(1, 2**31 - 1)) + body
    elif kind == "not_an_object":
        value = rng.choice([b"[1, 2, 3]", b'"an invoice"', b"42", b"null", b"true"])
    else:
        value = b""
    return Poison(kind, key, value)


def poison_messages(rng: random.Random, table: str, count: int) -> list[Poison]:
    """``count`` poison messages for ``table``'s topic, every kind in turn, with random detail.

    Ids are random, so that nothing a poison message names can be a real invoice.
    """
    return [_poison(rng, table, KINDS[i % len(KINDS)]) for i in range(count)]


def produce(bootstrap: str, topic: str, messages: Sequence[Poison]) -> list[tuple[int, int]]:
    """Write ``messages`` to ``topic`` (partitioned by key); their (partition, offset) in order."""
    delivered: dict[int, Message] = {}
    producer = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True, "linger.ms": 5})

    def on_delivery(index: int) -> Any:
        return lambda err, msg: delivered.__setitem__(index, msg)

    for index, message in enumerate(messages):
        producer.produce(topic, key=message.key, value=message.value, on_delivery=on_delivery(index))
        producer.poll(0)
    remaining = producer.flush(30)
    assert remaining == 0, f"{remaining} messages not delivered to {topic}"
    errors = [m.error() for m in delivered.values() if m.error() is not None]
    assert not errors, f"delivery to {topic} failed: {errors[:3]}"
    return [(delivered[i].partition(), delivered[i].offset()) for i in range(len(messages))]


def read_dead_letters(bootstrap: str, topic: str, count: int, timeout: float = 60.0) -> list[Record]:
    """The messages of a dead-letter topic, once it holds at least ``count``."""
    return read_records(bootstrap, [topic], lambda records: len(records) >= count, timeout)


# -- the consumer's endpoints ------------------------------------------------------------------


def http_get(port: int, path: str) -> tuple[int, str]:
    """``GET http://127.0.0.1:<port><path>``: the status and the body (0 and "" when nothing listens)."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()
    except OSError:
        return 0, ""

"""Running the consumer in end-to-end tests: settings, a thread or a subprocess, and waits.

Loaded by the root ``conftest.py`` as a fixture plugin.

Fixtures:
    e2e_odoo (function): the ``odoo_emulator`` of the test, bootstrapped (custom fields, Stripe
        journal, income accounts), its call log cleared after the bootstrap.
    consumers (function): a :class:`Consumers` factory for this test: ``settings()`` with a
        unique consumer group, a SQLite state file in ``tmp_path``, the emulator's URL, the
        stack's addresses and a free metrics port (``skip_history=True`` starts the group at
        the topics' current ends); consumers in threads (``thread``, ``catch_up``) or as
        ``cdc-consumer run`` subprocesses (``process``), all stopped at the end of the test;
        ``wait`` (``wait_until`` that fails at once when a consumer thread died) and
        ``wait_for_ledger``.
    pg_state_dsn (function): a PostgreSQL state database on the stack, dropped afterwards.

Helpers:
    wait_until(condition, timeout, what, interval): poll ``condition`` until it returns
        something truthy (returned) or raise ``TimeoutError`` saying ``what`` (a string, or a
        callable for details computed at the deadline).
    bootstrapped(odoo, **settings): bootstrap an emulator; settings that reach it.
    moves_of(odoo, invoice_ids): the ``account.move`` records per source invoice id.
    duplicated_sources(odoo): source ids more than one Odoo move carries (any invoice at all).
    ledger_problems(odoo, source, invoice_ids): how Odoo differs from what the ledger rules
        make of the source rows, in ``posting_mode=auto`` (empty when it does not).
    writes_about(odoo, invoice_ids, move_ids): the data-changing calls about those invoices.
    committed_offsets(stack, group, topics), end_offsets(stack, topics): per partition.
    commit_at_end(stack, group, topics): start a new group at the topics' current ends.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Collection, Iterator
from dataclasses import fields
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from confluent_kafka import Consumer, TopicPartition
from psycopg import sql

from cdc_consumer.app import App, build, gateway_for
from cdc_consumer.config import Secret, Settings, load_settings
from cdc_consumer.emulator import CallRecord, OdooEmulator
from cdc_consumer.localstack import StackInfo
from cdc_consumer.odoo.setup import bootstrap

T = TypeVar("T")

MOVE_FIELDS = [
    "x_fc_nexacloud_invoice_id",
    "x_fc_stripe_invoice_id",
    "ref",
    "state",
    "move_type",
    "payment_state",
    "partner_id",
    "amount_untaxed",
    "amount_tax",
    "amount_total",
    "amount_residual",
    "invoice_line_ids",
    "matched_payment_ids",
    "reversal_move_ids",
]
WIZARDS = frozenset({"account.payment.register", "account.move.reversal"})


def wait_until(
    condition: Callable[[], T], timeout: float = 60.0, what: str | Callable[[], str] = "", interval: float = 0.05
) -> T:
    """Poll ``condition`` every ``interval`` seconds until it returns something truthy, and return that.

    Raises:
        TimeoutError: the deadline passed; the message says what was awaited.
    """
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() >= deadline:
            detail = what() if callable(what) else what
            raise TimeoutError(f"not reached within {timeout:g} s: {detail or condition}")
        time.sleep(interval)


def free_port() -> int:
    """A loopback port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def money(value: object) -> Decimal:
    """An amount read from Odoo as an exact cent Decimal."""
    return Decimal(str(value)).quantize(Decimal("0.01"))


def moves_of(odoo: OdooEmulator, invoice_ids: Collection[str]) -> dict[str, list[dict[str, Any]]]:
    """Every ``account.move`` (cancelled ones included) carrying one of ``invoice_ids``, per id."""
    rows = odoo.execute(
        "account.move",
        "search_read",
        [("x_fc_nexacloud_invoice_id", "in", list(invoice_ids))],
        fields=MOVE_FIELDS,
        order="id",
        context={"active_test": False},
    )
    found: dict[str, list[dict[str, Any]]] = {i: [] for i in invoice_ids}
    for row in rows:
        found[row["x_fc_nexacloud_invoice_id"]].append(row)
    return found


def duplicated_sources(odoo: OdooEmulator) -> dict[str, int]:
    """Source invoice ids that more than one invoice (or credit note) in Odoo carries."""
    rows = odoo.execute(
        "account.move",
        "search_read",
        [("x_fc_nexacloud_invoice_id", "!=", False)],
        fields=["x_fc_nexacloud_invoice_id"],
        context={"active_test": False},
    )
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["x_fc_nexacloud_invoice_id"]] = counts.get(row["x_fc_nexacloud_invoice_id"], 0) + 1
    return {source: n for source, n in counts.items() if n > 1}


def expected_payment_state(status: str, total: Decimal, paid: Decimal) -> str:
    """Odoo's ``payment_state`` for a source invoice, by the ledger rules (amounts as Odoo shows them).

    A draft is not paid; a posted move with nothing due is settled; a paid invoice is ``paid``
    or ``partial`` by what Stripe collected (never more than the total).
    """
    if status == "draft":
        return "not_paid"
    if total == 0:
        return "paid"
    if status != "paid":
        return "not_paid"
    settled = min(paid, total)
    if settled == total:
        return "paid"
    return "partial" if settled > 0 else "not_paid"


def ledger_problems(odoo: OdooEmulator, source: psycopg.Connection, invoice_ids: Collection[str]) -> list[str]:
    """Where Odoo differs from the source by the ledger rules (``posting_mode=auto``, 13 % / 0 % taxes).

    A void invoice has no move (it never was revenue); every other one has exactly one, of the
    right type, with untaxed, tax and total equal to the source to the cent, the partner of its
    user, draft for a source draft and posted otherwise, paid or partly paid as Stripe was.
    """
    rows = source.execute(
        "SELECT id::text, user_id::text, status, subtotal, tax, amount_paid FROM invoices WHERE id = ANY(%s::uuid[])",
        (list(invoice_ids),),
    ).fetchall()
    missing = set(invoice_ids) - {r[0] for r in rows}
    problems = [f"{i}: not in the source" for i in sorted(missing)]
    moves = moves_of(odoo, invoice_ids)
    partners = {
        p["id"]: p["x_fc_nexacloud_user_id"]
        for p in odoo.execute("res.partner", "search_read", [], fields=["x_fc_nexacloud_user_id"])
    }
    for invoice_id, user_id, status, subtotal, tax, amount_paid in rows:
        found = moves[invoice_id]
        if status == "void":
            if found:
                problems.append(f"{invoice_id}: void at the source, yet {len(found)} move(s) in Odoo")
            continue
        if len(found) != 1:
            problems.append(f"{invoice_id}: {len(found)} moves in Odoo, expected exactly one")
            continue
        move = found[0]
        sign = -1 if subtotal < 0 else 1
        total = sign * (subtotal + tax)
        wanted = {
            "move_type": "out_refund" if sign < 0 else "out_invoice",
            "amounts": (sign * subtotal, sign * tax, total),
            "state": "draft" if status == "draft" else "posted",
            "payment_state": expected_payment_state(status, total, sign * amount_paid),
            "user": user_id,
        }
        held = {
            "move_type": move["move_type"],
            "amounts": (money(move["amount_untaxed"]), money(move["amount_tax"]), money(move["amount_total"])),
            "state": move["state"],
            "payment_state": move["payment_state"],
            "user": partners.get(move["partner_id"][0] if isinstance(move["partner_id"], list) else move["partner_id"]),
        }
        for key, value in wanted.items():
            if held[key] != value:
                problems.append(f"{invoice_id} ({status}): {key} is {held[key]}, expected {value}")
    return problems


def _ids_in(value: object) -> set[int]:
    if isinstance(value, int) and not isinstance(value, bool):
        return {value}
    if isinstance(value, list):
        return {v for v in value if isinstance(v, int) and not isinstance(v, bool)}
    return set()


def _about(record: CallRecord, invoice_ids: Collection[str], move_ids: Collection[int]) -> bool:
    context = record.kwargs.get("context") or {}
    if _ids_in(context.get("active_ids")) & set(move_ids):
        return True
    if record.method == "create":
        values = record.args[0] if record.args else []
        values = values if isinstance(values, list) else [values]
        return any(isinstance(v, dict) and v.get("x_fc_nexacloud_invoice_id") in invoice_ids for v in values)
    return bool(record.args) and bool(_ids_in(record.args[0]) & set(move_ids)) and record.model not in WIZARDS


def writes_about(odoo: OdooEmulator, invoice_ids: Collection[str], move_ids: Collection[int]) -> list[CallRecord]:
    """The successful data-changing calls (create, write, unlink, post, wizards) about these invoices.

    A call is about them when it creates a move carrying one of ``invoice_ids``, names one of
    ``move_ids`` as its records, or runs a wizard on them (``active_ids``).
    """
    return [r for r in odoo.calls.writes() if _about(r, set(invoice_ids), set(move_ids))]


def committed_offsets(stack: StackInfo, group: str, topics: Collection[str]) -> dict[tuple[str, int], int]:
    """The offsets ``group`` has committed, per (topic, partition); -1001 where none."""
    probe = Consumer({"bootstrap.servers": stack.kafka_bootstrap, "group.id": group})
    try:
        wanted = [TopicPartition(t, p) for t in topics for p in range(stack.partitions)]
        return {(tp.topic, tp.partition): tp.offset for tp in probe.committed(wanted, timeout=10)}
    finally:
        probe.close()


def end_offsets(stack: StackInfo, topics: Collection[str]) -> dict[tuple[str, int], int]:
    """The high watermark per (topic, partition)."""
    probe = Consumer({"bootstrap.servers": stack.kafka_bootstrap, "group.id": f"probe-{uuid.uuid4().hex[:8]}"})
    try:
        return {
            (t, p): probe.get_watermark_offsets(TopicPartition(t, p), timeout=10, cached=False)[1]
            for t in topics
            for p in range(stack.partitions)
        }
    finally:
        probe.close()


def commit_at_end(stack: StackInfo, group: str, topics: Collection[str]) -> None:
    """Commit ``group``'s offsets at the current end of ``topics`` (the group must have no members)."""
    ends = end_offsets(stack, topics)
    committer = Consumer({"bootstrap.servers": stack.kafka_bootstrap, "group.id": group, "enable.auto.commit": False})
    try:
        committer.commit(offsets=[TopicPartition(t, p, o) for (t, p), o in ends.items()], asynchronous=False)
    finally:
        committer.close()


class ConsumerThread:
    """A consumer built by ``app.build`` and run in a daemon thread.

    Attributes:
        app: the wired consumer (``app.state`` is its state store, ``app.sync.actions`` the
            actions taken so far).
        error: what ended the loop with an exception, if anything did.
    """

    def __init__(self, settings: Settings, *, until_caught_up: bool = False) -> None:
        self.app: App = build(settings, until_caught_up=until_caught_up)
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name=f"consumer-{settings.kafka_group_id}", daemon=True)
        self._closed = self._raised = False

    def _run(self) -> None:
        try:
            self.app.runner.run()
        except BaseException as exc:
            self.error = exc

    def start(self) -> ConsumerThread:
        """Start the loop."""
        self._thread.start()
        return self

    @property
    def running(self) -> bool:
        """Whether the loop is still going."""
        return self._thread.is_alive()

    def join(self, timeout: float) -> ConsumerThread:
        """Wait until the loop ends by itself (``until_caught_up``); stop it if it does not.

        Raises:
            TimeoutError: the loop was still running at the deadline.
        """
        self._thread.join(timeout)
        if self._thread.is_alive():
            self.stop()
            raise TimeoutError(f"the consumer did not catch up within {timeout:g} s")
        self._close()
        return self

    def stop(self, timeout: float = 60.0) -> None:
        """Ask the loop to finish its batch and stop; raise what ended it, if anything."""
        self.app.stop.set()
        self._thread.join(timeout)
        if self._thread.is_alive():
            raise TimeoutError(f"the consumer did not stop within {timeout:g} s")
        self._close()

    def _close(self) -> None:
        if not self._closed:
            self._closed = True
            self.app.close()
        if self.error is not None and not self._raised:
            self._raised = True
            raise self.error


class ConsumerProcess:
    """``cdc-consumer run`` in a subprocess, configured through ``CDC_*`` variables.

    Its log (text format) goes to ``log_path``.
    """

    def __init__(self, settings: Settings, log_path: Path, *args: str) -> None:
        self.log_path = log_path
        env = {k: v for k, v in os.environ.items() if not k.startswith("CDC_")}
        env.update(settings_env(settings))
        with log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "cdc_consumer", "run", *args],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def log(self) -> str:
        """What the process has logged so far."""
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def kill(self) -> None:
        """SIGKILL: no batch finished, nothing committed, nothing closed."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        """SIGTERM (the graceful shutdown) if it still runs, then SIGKILL after 30 s."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


def settings_env(settings: Settings) -> dict[str, str]:
    """The ``CDC_*`` variables that reproduce ``settings`` (tables keep their defaults)."""
    env: dict[str, str] = {}
    defaults = Settings()
    for f in fields(Settings):
        value = getattr(settings, f.name)
        if value == getattr(defaults, f.name) or isinstance(value, dict):
            continue
        text = value.reveal() if isinstance(value, Secret) else str(value).lower() if isinstance(value, bool) else value
        env[f"CDC_{f.name.upper()}"] = str(text)
    return env


class Consumers:
    """Makes settings and consumers for one test, and stops them all at its end."""

    def __init__(self, stack: StackInfo, odoo: OdooEmulator, tmp_path: Path) -> None:
        self.stack = stack
        self.odoo = odoo
        self.tmp_path = tmp_path
        self._threads: list[ConsumerThread] = []
        self._processes: list[ConsumerProcess] = []

    def settings(self, *, skip_history: bool = False, **overrides: Any) -> Settings:
        """Settings on the stack and the test's emulator: a new group, a new SQLite state file.

        Args:
            skip_history: commit the new group's offsets at the topics' current ends, so that
                its consumers read only what is written from now on. For tests whose subject
                is not the backfill: the shared topics hold every invoice any test ever wrote.
            overrides: settings to change.
        """
        values: dict[str, Any] = {
            "kafka_bootstrap_servers": self.stack.kafka_bootstrap,
            "kafka_group_id": f"e2e-{uuid.uuid4().hex[:12]}",
            "topic_invoices": self.stack.topic_invoices,
            "topic_items": self.stack.topic_items,
            "source_dsn": self.stack.source_dsn,
            "state_dsn": f"sqlite:///{self.tmp_path / f'state-{uuid.uuid4().hex[:8]}.sqlite3'}",
            "odoo_url": self.odoo.url,
            "odoo_db": self.odoo.database,
            "odoo_user": self.odoo.login,
            "odoo_password": self.odoo.password,
            "odoo_timeout_seconds": 10.0,
            "metrics_port": free_port(),
            "log_format": "text",
            "batch_max_seconds": 0.2,
        }
        values.update(overrides)
        settings = load_settings(environ={}, **values)
        if skip_history:
            commit_at_end(self.stack, settings.kafka_group_id, self.stack.topics)
        return settings

    def wait(
        self,
        condition: Callable[[], T],
        timeout: float = 60.0,
        what: str | Callable[[], str] = "",
        interval: float = 0.05,
    ) -> T:
        """:func:`wait_until`, failing at once when a consumer thread of the test died."""

        def checked() -> T:
            for thread in self._threads:
                if thread.error is not None:
                    raise AssertionError(f"a consumer died: {thread.error!r}") from thread.error
            return condition()

        return wait_until(checked, timeout, what, interval)

    def wait_for_ledger(self, source: psycopg.Connection, invoice_ids: Collection[str], timeout: float = 120.0) -> None:
        """Wait until Odoo holds ``invoice_ids`` as the ledger rules say (see :func:`ledger_problems`)."""
        self.wait(
            lambda: not ledger_problems(self.odoo, source, invoice_ids),
            timeout,
            what=lambda: "\n".join(ledger_problems(self.odoo, source, invoice_ids)[:20]),
            interval=0.5,
        )

    def thread(self, settings: Settings) -> ConsumerThread:
        """A consumer running in a thread until the test stops it (or ends)."""
        consumer = ConsumerThread(settings)
        self._threads.append(consumer)
        return consumer.start()

    def catch_up(self, settings: Settings, timeout: float = 120.0) -> App:
        """Run a consumer until every partition is read to its end; its (closed) app."""
        consumer = ConsumerThread(settings, until_caught_up=True)
        self._threads.append(consumer)
        return consumer.start().join(timeout).app

    def process(self, settings: Settings, *args: str) -> ConsumerProcess:
        """``cdc-consumer run`` with these settings, as a subprocess."""
        consumer = ConsumerProcess(settings, self.tmp_path / f"consumer-{len(self._processes)}.log", *args)
        self._processes.append(consumer)
        return consumer

    def close(self) -> None:
        """Stop every consumer still running; raise the first error a consumer thread ended with."""
        for process in self._processes:
            process.stop()
        for thread in self._threads:
            thread.app.stop.set()
        errors: list[BaseException] = []
        for thread in self._threads:
            try:
                thread.stop()
            except Exception as exc:
                errors.append(exc)
        if errors:
            raise errors[0]


def bootstrapped(odoo: OdooEmulator, **overrides: Any) -> Settings:
    """Bootstrap ``odoo`` for the consumer and clear its call log; settings that reach it."""
    settings = load_settings(
        environ={},
        odoo_url=odoo.url,
        odoo_db=odoo.database,
        odoo_user=odoo.login,
        odoo_password=odoo.password,
        **overrides,
    )
    bootstrap(gateway_for(settings), settings)
    odoo.calls.clear()
    return settings


@pytest.fixture
def e2e_odoo(odoo_emulator: OdooEmulator) -> OdooEmulator:
    """The test's emulator, bootstrapped for the consumer; bootstrap calls are not in the call log."""
    bootstrapped(odoo_emulator)
    return odoo_emulator


@pytest.fixture
def consumers(stack: StackInfo, e2e_odoo: OdooEmulator, tmp_path: Path) -> Iterator[Consumers]:
    """Consumers of this test, on the stack and its emulator; stopped at the end."""
    factory = Consumers(stack, e2e_odoo, tmp_path)
    try:
        yield factory
    finally:
        factory.close()


@pytest.fixture
def pg_state_dsn(stack: StackInfo) -> Iterator[str]:
    """A fresh PostgreSQL database for a shared state store, owned by the source owner role."""
    name = f"cdc_e2e_state_{uuid.uuid4().hex[:12]}"
    owner = urlsplit(stack.source_dsn).username or "postgres"
    with psycopg.connect(stack.superuser_dsn, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(sql.Identifier(name), sql.Identifier(owner)))
    try:
        yield urlunsplit(urlsplit(stack.source_dsn)._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(stack.superuser_dsn, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))

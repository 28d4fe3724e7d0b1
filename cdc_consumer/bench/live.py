"""The figures measured through the real stack: backfill throughput, steady-state latency, Odoo calls.

One run, on a backlog of ``invoices`` generated invoices published by the connector's snapshot
(``world.py``): a consumer with a fresh group and a fresh SQLite state store, built by
``app.build`` as ``cdc-consumer run`` builds it, reads them into the Odoo emulator until every
partition is read to its end; its loop runs in a thread of this process, so the moment it got
its partitions and the moment it ended are known exactly.

Then a consumer of the same group and state keeps running while new invoices are inserted at
``rate`` per second for ``duration`` seconds, each in its own transaction; the latency of one is
from the moment its commit returned to the moment the emulator received the ``create`` carrying
its id (the call log's timestamp, same clock). The first leg of it, commit to Kafka (the record
timestamp Kafka Connect gave the invoice's message), is reported beside it.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ..app import App, build
from ..config import Settings
from ..localstack import StackInfo
from ..sample import source as sample_source
from ..sample.dataset import build_invoice
from ..sample.generate import write_invoices
from .figures import Figure, Target, percentile
from .odoo import EmulatorProcess, creates_by_invoice
from .source import BenchSource
from .world import World, backlog

BACKFILL_CALLS_TARGET = Target("<=", 0.2)
LATENCY_P99_TARGET = Target("<=", 2.0)


@dataclass(frozen=True)
class LiveOptions:
    """What to measure: ``invoices`` to backfill, then ``rate`` invoices/s for ``duration`` s."""

    invoices: int = 5000
    rate: float = 50.0
    duration: float = 30.0


class RunningConsumer:
    """A built consumer whose loop runs in a thread; it knows when it got its partitions and ended."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.error: BaseException | None = None
        self.ended_at = 0.0
        self._thread = threading.Thread(target=self._run, name="bench-consumer", daemon=True)

    def _run(self) -> None:
        try:
            self.app.runner.run()
        except BaseException as exc:
            self.error = exc
        finally:
            self.ended_at = time.monotonic()

    def start(self, timeout: float = 60.0) -> float:
        """Start the loop; return the moment the partitions were assigned.

        Raises:
            TimeoutError: no assignment in time; RuntimeError: the loop died first.
        """
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self.app.runner.ready:
            if not self._thread.is_alive():
                raise RuntimeError("the consumer stopped before it got its partitions") from self.error
            if time.monotonic() > deadline:
                raise TimeoutError(f"the consumer got no partitions within {timeout:g} s")
            time.sleep(0.005)
        return time.monotonic()

    def join(self, timeout: float) -> float:
        """Wait until the loop ends by itself; the moment it ended.

        Raises:
            TimeoutError: still running at the deadline; or whatever ended the loop.
        """
        self._thread.join(timeout)
        if self._thread.is_alive():
            raise TimeoutError(f"the consumer did not catch up within {timeout:g} s")
        if self.error is not None:
            raise self.error
        return self.ended_at

    def stop(self) -> None:
        """Ask the loop to finish its batch, wait for it, release the consumer."""
        self.app.stop.set()
        self._thread.join(60)
        self.app.close()


def insert_at_rate(dsn: str, seed: str, rate: float, duration: float) -> tuple[dict[str, datetime], float]:
    """Insert ``rate × duration`` open invoices, one transaction each, paced at ``rate`` per second.

    Returns:
        When each invoice's commit returned, by id; and the rate achieved.
    """
    committed: dict[str, datetime] = {}
    count = max(1, round(rate * duration))
    with sample_source.connect(dsn) as conn:
        started = time.monotonic()
        for index in range(count):
            delay = started + index / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)  # pacing the load, not waiting for a condition
            invoice = build_invoice(seed, index, created_at=datetime.now(UTC), status="open")
            write_invoices(conn, [invoice])
            committed[invoice.id] = datetime.now(UTC)
        elapsed = time.monotonic() - started
    return committed, count / elapsed if elapsed > 0 else float(count)


def _expected_moves(source: BenchSource, settings: Settings) -> int:
    """How many source invoices must have an Odoo move after the backfill (void ones never were revenue)."""
    skipped = ["void", "draft"] if settings.skip_draft_invoices else ["void"]
    with sample_source.connect(source.dsn) as conn:
        row = conn.execute("SELECT count(*) FROM invoices WHERE status <> ALL(%s)", (skipped,)).fetchone()
    return int(row[0]) if row else 0


def _await_creates(odoo: EmulatorProcess, ids: set[str], timeout: float) -> dict[str, datetime]:
    """Poll the call log until a create arrived for each of ``ids`` (or the deadline); those found."""
    deadline = time.monotonic() + timeout
    while True:
        found = creates_by_invoice(odoo.calls(model="account.move", method="create"))
        if ids <= found.keys() or time.monotonic() > deadline:
            return {i: at for i, at in found.items() if i in ids}
        time.sleep(0.5)


def _consumer_params(settings: Settings) -> dict[str, object]:
    return {
        "posting_mode": settings.posting_mode,
        "batch_max_messages": settings.batch_max_messages,
        "batch_max_seconds": settings.batch_max_seconds,
    }


def _backfill(world: World) -> list[Figure]:
    settings, source, odoo, invoices = world.settings, world.source, world.odoo, world.invoices
    expected = _expected_moves(source, settings)
    consumer = RunningConsumer(build(settings, until_caught_up=True))
    odoo.clear_calls()
    try:
        assigned = consumer.start()
        ended = consumer.join(timeout=max(300.0, invoices / 10))
    finally:
        consumer.stop()
    seconds = ended - assigned
    events = sum(source.published().values())
    calls = odoo.calls()
    params = {
        "invoices": invoices, "events": events, "seconds": round(seconds, 2),
        "written": len(creates_by_invoice(calls)), "expected": expected, **_consumer_params(settings),
    }  # fmt: skip
    return [
        Figure("backfill_invoices_per_second", invoices / seconds, "invoices/s", params),
        Figure("backfill_events_per_second", events / seconds, "events/s", params),
        Figure("odoo_calls_per_invoice_backfill", len(calls) / invoices, "calls/invoice",
               {"invoices": invoices, "calls": len(calls), **_consumer_params(settings)}, BACKFILL_CALLS_TARGET),
    ]  # fmt: skip


def _steady(world: World, options: LiveOptions) -> list[Figure]:
    settings, source, odoo = world.settings, world.source, world.odoo
    consumer = RunningConsumer(build(settings))
    try:
        consumer.start()
        odoo.clear_calls()
        offsets = source.invoice_offsets()
        committed, achieved = insert_at_rate(source.dsn, f"{source.name}/steady", options.rate, options.duration)
        created = _await_creates(odoo, set(committed), timeout=60.0)
        calls = len(odoo.calls())
    finally:
        consumer.stop()
    produced = source.published_at(offsets, set(committed), timeout=30.0)
    latencies = [(created[i] - at).total_seconds() for i, at in committed.items() if i in created]
    if not latencies:
        raise RuntimeError("no steady-state invoice reached Odoo within 60 s of the last insert")
    to_kafka = [(produced[i] - at).total_seconds() for i, at in committed.items() if i in produced]
    params = {
        "rate": options.rate, "duration": options.duration, "achieved_rate": round(achieved, 1),
        "invoices": len(committed), "missing": len(committed) - len(latencies),
        "max_seconds": round(max(latencies), 3), **_consumer_params(settings),
        **_split("commit_to_kafka", to_kafka),
    }  # fmt: skip
    return [
        Figure("steady_latency_p50_seconds", percentile(latencies, 50), "s", params),
        Figure("steady_latency_p99_seconds", percentile(latencies, 99), "s", params, LATENCY_P99_TARGET),
        Figure("odoo_calls_per_invoice_steady", calls / len(committed), "calls/invoice",
               {"invoices": len(committed), "calls": calls, **_consumer_params(settings)}),
    ]  # fmt: skip


def _split(name: str, seconds: list[float]) -> dict[str, float]:
    """p50 and p99 of one leg of the latency, as parameters (none when it was not measured)."""
    if not seconds:
        return {}
    return {
        f"{name}_p50_seconds": round(percentile(seconds, 50), 3),
        f"{name}_p99_seconds": round(percentile(seconds, 99), 3),
    }


def run_live(info: StackInfo, options: LiveOptions, workdir: Path, config: str | None = None) -> list[Figure]:
    """Measure the backfill and then the steady state on a backlog of their own (``config``: as for ``run``)."""
    with backlog(info, options.invoices, workdir, config) as world:
        figures = _backfill(world)
        figures += _steady(world, options)
    return figures

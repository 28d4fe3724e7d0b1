"""The whole benchmark: every figure, one JSON line each on stdout, in the order they are measured.

The figures that need no stack come first (decode + assemble on one core, peak memory), then the
live ones (backfill, steady-state latency, Odoo calls per invoice) on the local stack, which is
reused if it runs and otherwise started, and then stopped again.
"""

from __future__ import annotations

import tempfile
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

from .figures import Figure, Target, emit
from .live import LiveOptions
from .pipeline import measure

GROUPS = ("pipeline", "rss", "live")
"""Figure groups: ``pipeline`` (decode + assemble events/s), ``rss`` (peak memory), ``live`` (the rest)."""
PIPELINE_TARGET = Target(">=", 20_000)
RSS_TARGET = Target("<=", 300)


@dataclass(frozen=True)
class BenchOptions:
    """Everything a benchmark run is parameterised by."""

    live: LiveOptions = field(default_factory=LiveOptions)
    pipeline_invoices: int = 20_000
    rss_invoices: int = 100_000
    groups: Collection[str] = GROUPS


def pipeline_figure(invoices: int) -> Figure:
    """Decode + state apply + assemble on one core (no Kafka, no Odoo): events per CPU second."""
    result = measure(invoices)
    params = {
        "invoices": result.invoices, "events": result.events, "cpu_seconds": round(result.cpu_seconds, 2),
        "wall_events_per_second": round(result.events_per_second, 1), "threads": 1,
    }  # fmt: skip
    return Figure("pipeline_events_per_second", result.events_per_cpu_second, "events/s", params, PIPELINE_TARGET)


def rss_figure(invoices: int) -> Figure:
    """Peak resident memory of a child that brings ``invoices`` invoices into a fresh state store."""
    result = measure(invoices)
    params = {
        "invoices": result.invoices, "events": result.events,
        "rss_after_start_mib": round(result.rss_start_mib, 1), "state": "sqlite",
    }  # fmt: skip
    return Figure("peak_rss_mib", result.rss_peak_mib, "MiB", params, RSS_TARGET)


def live_figures(options: LiveOptions) -> list[Figure]:
    """The stack's figures; the stack is reused or started, and what was started is stopped."""
    from ..localstack import LocalStack
    from .live import run_live

    stack = LocalStack()
    info = stack.start()
    try:
        with tempfile.TemporaryDirectory(prefix="cdc-bench-") as folder:
            return run_live(info, options, Path(folder))
    finally:
        stack.stop(info.started)


def run_benchmark(options: BenchOptions) -> list[Figure]:
    """Measure the chosen groups, writing each figure's line as soon as it is known."""
    figures: list[Figure] = []
    if "pipeline" in options.groups:
        figures.append(pipeline_figure(options.pipeline_invoices))
        emit(figures[-1])
    if "rss" in options.groups:
        figures.append(rss_figure(options.rss_invoices))
        emit(figures[-1])
    if "live" in options.groups:
        for figure in live_figures(options.live):
            figures.append(figure)
            emit(figure)
    return figures

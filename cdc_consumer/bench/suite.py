"""The whole benchmark: every figure, one JSON line each on stdout, in the order they are measured.

The figure that needs no stack comes first (decode + assemble on one core), then those measured
on the local stack, which is reused if it runs and otherwise started, and stopped again at the
end: backfill, steady-state latency and Odoo calls per invoice (``live``), and the peak memory of
a consumer process reading a large backlog (``rss``).
"""

from __future__ import annotations

import tempfile
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .figures import Figure, Target, emit
from .live import LiveOptions
from .pipeline import measure

GROUPS = ("pipeline", "live", "rss")
"""Figure groups: ``pipeline`` (decode + assemble events/s), ``live`` (backfill, latency, Odoo
calls), ``rss`` (peak memory)."""
PIPELINE_TARGET = Target(">=", 20_000)


@dataclass(frozen=True)
class BenchOptions:
    """Everything a benchmark run is parameterised by."""

    live: LiveOptions = field(default_factory=LiveOptions)
    pipeline_invoices: int = 20_000
    rss_invoices: int = 100_000
    groups: Collection[str] = GROUPS
    config: str | None = None
    """The consumer's configuration file, as ``run --config`` takes it."""


def pipeline_figure(invoices: int) -> Figure:
    """Decode + state apply + assemble on one core (no Kafka, no Odoo): events per CPU second."""
    result = measure(invoices)
    params = {
        "invoices": result.invoices, "events": result.events, "cpu_seconds": round(result.cpu_seconds, 2),
        "wall_events_per_second": round(result.events_per_second, 1), "threads": 1,
        "peak_rss_mib": round(result.rss_peak_mib, 1),
    }  # fmt: skip
    return Figure("pipeline_events_per_second", result.events_per_cpu_second, "events/s", params, PIPELINE_TARGET)


def stack_figures(options: BenchOptions) -> Iterator[Figure]:
    """The figures measured on the stack; it is reused or started, and what was started is stopped."""
    from ..localstack import LocalStack
    from .live import run_live
    from .memory import rss_figure

    stack = LocalStack()
    info = stack.start()
    try:
        with tempfile.TemporaryDirectory(prefix="cdc-bench-") as folder:
            if "live" in options.groups:
                yield from run_live(info, options.live, Path(folder), options.config)
            if "rss" in options.groups:
                yield rss_figure(info, options.rss_invoices, Path(folder), options.config)
    finally:
        stack.stop(info.started)


def run_benchmark(options: BenchOptions) -> list[Figure]:
    """Measure the chosen groups, writing each figure's line as soon as it is known."""
    figures: list[Figure] = []
    if "pipeline" in options.groups:
        figures.append(pipeline_figure(options.pipeline_invoices))
        emit(figures[-1])
    if {"live", "rss"} & set(options.groups):
        for figure in stack_figures(options):
            figures.append(figure)
            emit(figure)
    return figures

"""Measure the product's figures and print one JSON line per figure (see README, "Benchmarks").

  pipeline  decode + state store + assemble of captured-shaped messages through the real runner,
            no Kafka, no Odoo, one thread: events per CPU second (target >= 20,000)
  live      backfill of --invoices invoices (invoices/s, events/s), then latency from source
            commit to Odoo create at --rate invoices/s for --duration s (p50, p99; target
            p99 <= 2 s), and Odoo calls per invoice in both (target <= 0.2 in backfill)
  rss       peak resident memory of a `cdc-consumer run` process reading a backlog of
            --rss-invoices invoices into a fresh state store and Odoo: MiB (target <= 300)

live and rss run on the local stack (reused, or started and stopped again), each on a source
database and Debezium connector of the benchmark's own (removed afterwards), with the Odoo
emulator in a process of its own.

Each line carries the figure, its value and unit, its parameters, the machine's core count and
the target (with "met"). The consumer's own settings (batch size, posting mode...) come from the
configuration as for `run`; the addresses are the stack's and the emulator's.
"""

from __future__ import annotations

import argparse

NAME = "bench"
HELP = "measure throughput, latency, Odoo calls and memory; one JSON line per figure"


def _groups(text: str) -> tuple[str, ...]:
    from ..bench.suite import GROUPS

    chosen = tuple(part.strip() for part in text.split(",") if part.strip())
    unknown = sorted(set(chosen) - set(GROUPS))
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(f"choose among {', '.join(GROUPS)} (comma-separated), not {text!r}")
    return chosen


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Sizes, rate and which figures."""
    parser.add_argument("--invoices", type=int, default=5000, help="live: invoices to backfill (default 5,000)")
    parser.add_argument("--rate", type=float, default=50.0, help="live: invoices/s in steady state (default 50)")
    parser.add_argument("--duration", type=float, default=30.0, help="live: seconds of steady state (default 30)")
    parser.add_argument(
        "--pipeline-invoices", type=int, default=20_000, help="pipeline: invoices decoded (default 20,000)"
    )
    parser.add_argument(
        "--rss-invoices", type=int, default=100_000, help="rss: invoices in the backlog read (default 100,000)"
    )
    parser.add_argument(
        "--only", type=_groups, default=None, metavar="GROUPS", help="comma-separated: pipeline,live,rss (default all)"
    )


def run(args: argparse.Namespace) -> int:
    """Run the benchmark; the figures are on stdout, logs on stderr."""
    from .. import logs
    from ..bench.live import LiveOptions
    from ..bench.suite import GROUPS, BenchOptions, run_benchmark

    logs.configure("WARNING", "text")
    live = LiveOptions(invoices=args.invoices, rate=args.rate, duration=args.duration)
    options = BenchOptions(live, args.pipeline_invoices, args.rss_invoices, args.only or GROUPS, args.config)
    run_benchmark(options)
    return 0

"""The consumer's own work without Kafka or Odoo: decode → state store → assemble, through the real runner.

A child process (``python -m cdc_consumer.bench.pipeline``) runs the real
:class:`~cdc_consumer.runner.Runner` with the real JSON decoder, a SQLite state store on disk and
the real :class:`~cdc_consumer.sync.InvoiceSync`, fed by :class:`~.feed.FeedConsumer` with the
sample data set's invoices as captured-shaped messages (``messages.py``), and writing to
:class:`NullWriter` instead of Odoo. It prints one JSON object: events and invoices handled, the
wall-clock and CPU seconds the consumer spent (making the messages excluded), its resident memory
after start-up and its peak. The loop is one thread, so it uses one core at most; its CPU time is
what it costs on a core of its own, whatever else the machine is running. A process of its own
keeps the memory peak its own.
"""

from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import orjson

from ..config import Settings
from ..decoding import JsonDecoder
from ..odoo.writer import Job, Result
from ..offsets import PendingCommits
from ..runner import Runner
from ..state import open_state_store
from ..sync import InvoiceSync
from .feed import FeedConsumer
from .messages import MessageFactory

SEED = "bench-pipeline"


class NullWriter:
    """Stands in for the Odoo writer: every invoice is "created" at once, as a first backfill would be.

    It gives each a move id and a fingerprint of the real one's size, so the state store ends up
    holding what it holds after a real backfill; it makes no call and decides nothing (the
    ledger's decision is left out of the figure).
    """

    def __init__(self) -> None:
        self._moves = 0

    def sync(self, jobs: Sequence[Job], keep_alive: Callable[[], None] | None = None) -> list[Result]:
        """One ``created`` result per job."""
        results = []
        for job in jobs:
            self._moves += 1
            fingerprint = hashlib.sha256(job.invoice_id.encode()).hexdigest()
            results.append(Result(job.invoice_id, "created", self._moves, fingerprint))
        return results


@dataclass(frozen=True)
class PipelineResult:
    """What one pipeline run did, as the child process reports it."""

    events: int
    invoices: int
    seconds: float
    cpu_seconds: float
    rss_start_mib: float
    rss_peak_mib: float

    @property
    def events_per_second(self) -> float:
        """Events handled per wall-clock second (slowed by whatever else the machine runs)."""
        return self.events / self.seconds if self.seconds > 0 else 0.0

    @property
    def events_per_cpu_second(self) -> float:
        """Events handled per CPU second: the rate on a core of its own."""
        return self.events / self.cpu_seconds if self.cpu_seconds > 0 else 0.0


def _status_mib(field: str) -> float:
    """A memory line of ``/proc/self/status`` (``VmRSS``: resident now, ``VmHWM``: peak), in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024  # kB
    raise RuntimeError(f"no {field} in /proc/self/status")


def run_pipeline(invoices: int, state_dsn: str, seed: str = SEED) -> PipelineResult:
    """Run the runner over the messages of ``invoices`` invoices of ``seed`` until all are handled."""
    settings = Settings()
    factory = MessageFactory()
    commits = PendingCommits()
    feed = FeedConsumer(factory.stream(invoices, seed), factory.partitions, commits.on_commit)
    state = open_state_store(state_dsn)
    try:
        sync = InvoiceSync(state, NullWriter(), settings.inconsistency_grace_seconds)
        runner = Runner(
            feed,  # type: ignore[arg-type]
            [factory.topic("invoices"), factory.topic("invoice_items")],
            JsonDecoder().decode,
            sync,
            None,
            settings.batch_max_messages,
            settings.batch_max_seconds,
            threading.Event(),
            commits=commits,
            until_caught_up=True,
        )
        rss_start = _status_mib("VmRSS")
        started, cpu_started = time.perf_counter(), time.process_time()
        runner.run()
        seconds = time.perf_counter() - started - feed.feed_seconds
        cpu_seconds = time.process_time() - cpu_started - feed.feed_cpu_seconds
    finally:
        state.close()
    # The kernel updates its high-water mark lazily: it can lag behind a resident size read earlier.
    peak = max(_status_mib("VmHWM"), _status_mib("VmRSS"), rss_start)
    return PipelineResult(feed.consumed, sync.actions["created"], seconds, cpu_seconds, rss_start, peak)


def measure(invoices: int, *, python: str = sys.executable) -> PipelineResult:
    """Run the pipeline in a child process, its state store in a temporary folder.

    Raises:
        RuntimeError: the child failed; its error output is in the message.
    """
    with tempfile.TemporaryDirectory(prefix="cdc-bench-") as folder:
        argv = [python, "-m", __name__, "--invoices", str(invoices), "--state-dsn", f"sqlite:///{folder}/state.sqlite3"]
        done = subprocess.run(argv, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"the pipeline run failed (exit {done.returncode}):\n{done.stderr[-3000:]}")
    return PipelineResult(**orjson.loads(done.stdout.strip().splitlines()[-1]))


def main(argv: Sequence[str] | None = None) -> int:
    """The child: run the pipeline and print its result as one JSON object."""
    parser = argparse.ArgumentParser(prog=f"python -m {__name__}", description=__doc__)
    parser.add_argument("--invoices", type=int, required=True, help="invoices to feed")
    parser.add_argument("--state-dsn", required=True, help="state store DSN (a fresh SQLite file)")
    args = parser.parse_args(argv)
    result = run_pipeline(args.invoices, args.state_dsn)
    sys.stdout.write(orjson.dumps(asdict(result)).decode() + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

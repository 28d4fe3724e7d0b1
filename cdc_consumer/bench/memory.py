"""The consumer's peak memory: ``cdc-consumer run --until-caught-up`` as a process of its own,
reading a backlog of ``invoices`` invoices (``world.py``) into a fresh state store and Odoo.

The process gets the benchmark's settings through ``CDC_*`` variables (on top of the caller's
environment and ``--config`` file, as ``run`` reads them); its peak resident set size is what the
kernel reports for it when it has exited (``wait4``'s ``ru_maxrss``, the ``VmHWM`` of
``/proc/<pid>/status``): librdkafka's fetch queue, the state store's cache and the Odoo batches
included.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from ..config import Secret, Settings
from ..localstack import StackInfo
from .figures import Figure, Target
from .world import backlog

RUN_TIMEOUT_SECONDS = 3600.0
RSS_TARGET = Target("<=", 300)


@dataclass(frozen=True)
class RunMemory:
    """How one ``cdc-consumer run`` process went: peak memory and wall-clock time (start-up included)."""

    peak_mib: float
    seconds: float


def child_env(settings: Settings, names: tuple[str, ...]) -> dict[str, str]:
    """This process's environment with ``CDC_<NAME>`` set from ``settings`` for each of ``names``."""
    env = dict(os.environ)
    for name in names:
        value = getattr(settings, name)
        env[f"CDC_{name.upper()}"] = value.reveal() if isinstance(value, Secret) else str(value)
    return env


def measure_run(settings: Settings, config: str | None, log_path: Path) -> RunMemory:
    """Run the consumer until it has read every partition to its end; its peak RSS.

    Raises:
        RuntimeError: it failed or did not finish in time (it is then killed).
    """
    names = (
        "kafka_bootstrap_servers", "kafka_group_id", "topic_invoices", "topic_items", "source_dsn", "state_dsn",
        "odoo_url", "odoo_db", "odoo_user", "odoo_password", "metrics_port",
    )  # fmt: skip
    argv = [sys.executable, "-m", "cdc_consumer", *(["--config", config] if config else []), "run", "--until-caught-up"]
    started = time.monotonic()
    with log_path.open("ab") as log:
        process = subprocess.Popen(argv, env=child_env(settings, names), stdout=log, stderr=subprocess.STDOUT)
    deadline = started + RUN_TIMEOUT_SECONDS
    timed_out = False
    while (reaped := os.wait4(process.pid, os.WNOHANG))[0] == 0:
        if time.monotonic() > deadline:
            timed_out = True
            process.kill()
            reaped = os.wait4(process.pid, 0)
            break
        time.sleep(0.2)
    _pid, status, usage = reaped
    process.returncode = os.waitstatus_to_exitcode(status)
    if timed_out or process.returncode != 0:
        raise RuntimeError(f"cdc-consumer run ended with status {process.returncode}; see {log_path}")
    return RunMemory(usage.ru_maxrss / 1024, time.monotonic() - started)


def rss_figure(info: StackInfo, invoices: int, workdir: Path, config: str | None = None) -> Figure:
    """Peak RSS of a consumer process that reads a backlog of ``invoices`` invoices into Odoo."""
    with backlog(info, invoices, workdir, config) as world:
        run = measure_run(world.settings, config, workdir / f"{world.source.name}-run.log")
    params = {
        "invoices": invoices, "seconds": round(run.seconds, 1), "state": world.settings.state_dsn.split(":", 1)[0],
        "batch_max_messages": world.settings.batch_max_messages,
    }  # fmt: skip
    return Figure("peak_rss_mib", run.peak_mib, "MiB", params, RSS_TARGET)

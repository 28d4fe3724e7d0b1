"""Run the local PostgreSQL → Debezium → Kafka stack on this machine (127.0.0.1 only).

  install   fetch the Kafka, Kafka Connect and Debezium jars from Maven Central into the jar
            cache (once per version), and check that PostgreSQL and Java are installed
  start     start PostgreSQL (logical WAL, the NexaCloud schema), Kafka (KRaft), Kafka Connect
            and the Debezium connector, reusing whatever already runs; waits until the
            connector streams, then prints the addresses
  stop      stop the processes that `start` started from the same directory
  status    show what runs (exit status 3 when something is down)

Ports: PostgreSQL 25432, Kafka 29092 (controller 29093), Kafka Connect 28083, all shifted by
CDC_STACK_PORT_OFFSET if set. The stack directory is <repo>/.stack (CDC_STACK_DIR) and the jar
cache ~/.cache/cdc-consumer (CDC_STACK_CACHE). PostgreSQL comes from Debian's packages and
Java/Maven from scripts/setup.
"""

from __future__ import annotations

import argparse
from pathlib import Path

NAME = "stack"
HELP = "install, start, stop or inspect the local PostgreSQL → Debezium → Kafka stack"
EXIT_DOWN = 3


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """``stack {install,start,stop,status}`` and the directory options."""
    parser.add_argument(
        "action",
        choices=("install", "start", "stop", "status"),
        help="what to do (see above)",
    )
    parser.add_argument(
        "--dir",
        type=Path,
        metavar="DIR",
        help="stack directory: data, logs, PID files (default: $CDC_STACK_DIR or <repo>/.stack)",
    )
    parser.add_argument(
        "--cache",
        type=Path,
        metavar="DIR",
        help="jar cache (default: $CDC_STACK_CACHE or ~/.cache/cdc-consumer)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=240.0,
        metavar="SECONDS",
        help="start: how long to wait for every component and the connector (default: 240)",
    )


def run(args: argparse.Namespace) -> int:
    """Carry out the action; print what a person needs to know."""
    from ..localstack import LocalStack

    stack = LocalStack(args.dir, args.cache)
    if args.action == "install":
        jars = stack.install()
        print(f"jars installed in {jars.root}")
        return 0
    if args.action == "start":
        info = stack.start(timeout=args.timeout)
        started = ", ".join(sorted(info.started)) or "nothing (all was running)"
        print(f"started: {started}")
        print(f"source database   {info.source_dsn}")
        print(f"kafka bootstrap   {info.kafka_bootstrap}")
        print(f"kafka connect     {info.connect_url} (connector {info.connector_name})")
        print(f"topics            {', '.join(info.topics)} ({info.partitions} partitions each)")
        print(f"logs              {info.workdir / 'logs'}")
        return 0
    if args.action == "stop":
        stopped = stack.stop()
        print(f"stopped: {', '.join(stopped) or 'nothing (none of ours was running)'}")
        return 0
    statuses = stack.status()
    for status in statuses:
        state = "running" if status.running else "down"
        owner = f"pid {status.pid}" if status.pid else ("not ours" if status.running else "")
        print(f"{status.name:<9} {state:<8} {status.address:<24} {owner:<10} {status.detail}".rstrip())
    return 0 if stack.running() else EXIT_DOWN

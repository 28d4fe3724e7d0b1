"""Run the whole product locally, on its embedded defaults, until Ctrl-C.

Starts the local stack (PostgreSQL → Debezium → Kafka; installs the jars on first use), writes
sample invoices into the source database (idempotent: the same seed gives the same invoices),
starts the Odoo emulator on the configured odoo_url unless CDC_ODOO_URL points at a real Odoo,
bootstraps Odoo, runs the consumer, streams live changes (status changes, item edits, deletes)
at --changes-per-second, and every few seconds shows what Odoo holds: invoices by state and
revenue per income account. Ctrl-C stops the consumer, the emulator, and every stack component
this command started.
"""

from __future__ import annotations

import argparse
import logging
import os
import threading
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

NAME = "demo"
HELP = "run everything locally (stack, sample data, Odoo emulator, consumer) until Ctrl-C"

log = logging.getLogger("cdc_consumer.demo")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``demo``."""
    parser.add_argument("--invoices", type=int, default=500, help="sample invoices to backfill (default 500)")
    parser.add_argument("--seed", default="demo", help="seed of the sample data (default 'demo')")
    parser.add_argument(
        "--changes-per-second", type=float, default=1.0, help="live source changes per second (0: none; default 1)"
    )
    parser.add_argument("--every", type=float, default=5.0, help="seconds between two summaries (default 5)")


def _odoo_summary(gateway: Any, accounts: dict[int, str]) -> str:
    """One line: the NexaCloud moves in Odoo by type and state, and the amounts per income account."""
    moves = gateway.call(
        "account.move",
        "search_read",
        [[("x_fc_nexacloud_invoice_id", "!=", False)]],
        {"fields": ["state", "move_type"]},
    )
    states = Counter(f"{m['move_type']}/{m['state']}" for m in moves)
    lines = gateway.call(
        "account.move.line",
        "search_read",
        [[("account_id", "in", list(accounts))]],
        {"fields": ["account_id", "price_subtotal"]},
    )
    per_account: Counter[str] = Counter()
    for line in lines:
        per_account[accounts[line["account_id"][0]]] += Decimal(str(line["price_subtotal"]))
    by_state = ", ".join(f"{k} {v}" for k, v in sorted(states.items())) or "none yet"
    amounts = ", ".join(f"{code} {amount:.2f}" for code, amount in sorted(per_account.items())) or "-"
    return f"Odoo holds {len(moves)} NexaCloud invoices ({by_state}); lines per income account: {amounts}"


def _start_emulator(settings: Any) -> Any:
    """The Odoo emulator on the configured URL's port, its state kept in the stack directory."""
    from urllib.parse import urlsplit

    from ..emulator import OdooEmulator

    state_file = Path(os.environ.get("CDC_STACK_DIR", ".stack")) / "odoo-emulator.json"
    emulator = OdooEmulator(
        port=urlsplit(settings.odoo_url).port or 28069,
        database=settings.odoo_db,
        login=settings.odoo_user,
        password=settings.odoo_password.reveal(),
        state_file=state_file,
    ).start()
    print(f"Odoo emulator on {emulator.url} (state in {state_file})", flush=True)
    return emulator


def _stream_changes(dsn: str, seed: str, rate: float, every: float, stop: threading.Event) -> None:
    """Random live changes at ``rate`` per second until ``stop`` is set."""
    from ..sample import changes, source

    with source.connect(dsn) as conn:
        while not stop.is_set():
            changes.run_stream(conn, seed=f"{seed}-{time.time_ns()}", rate=rate, duration=every)


def run(args: argparse.Namespace) -> int:
    """Start everything, show invoices arriving, stop everything on Ctrl-C."""
    from .. import logs
    from ..app import build, gateway_for
    from ..config import load_settings
    from ..localstack import LocalStack
    from ..odoo.setup import bootstrap
    from ..sample import generate, source

    settings = load_settings(args.config)
    logs.configure(settings.log_level, "text")
    stack = LocalStack()
    print("Starting the local stack (first run: installs Kafka, Connect and Debezium jars)...", flush=True)
    info = stack.start()
    emulator = None
    stream_stop = threading.Event()
    app = None
    consumer: threading.Thread | None = None
    try:
        with source.connect(info.source_dsn) as conn:
            done = generate.generate(conn, args.invoices, args.seed)
        print(f"Sample data: {done.inserted} invoices written, {done.existing} already there.", flush=True)
        if "CDC_ODOO_URL" not in os.environ:
            emulator = _start_emulator(settings)
        gateway = gateway_for(settings)
        report = bootstrap(gateway, settings)
        print(f"Odoo bootstrap: created {len(report.created)}, already there {len(report.existing)}", flush=True)
        app = build(settings)
        consumer = threading.Thread(target=app.runner.run, name="consumer", daemon=True)
        consumer.start()
        if args.changes_per_second > 0:
            threading.Thread(
                target=_stream_changes,
                args=(info.source_dsn, args.seed, args.changes_per_second, args.every, stream_stop),
                name="changes",
                daemon=True,
            ).start()
        rows = gateway.call(
            "account.account",
            "search_read",
            [[("code", "in", [code for code, _ in settings.family_accounts.values()])]],
            {"fields": ["code"]},
        )
        accounts = {a["id"]: a["code"] for a in rows}
        print("Consuming. Ctrl-C stops everything this command started.", flush=True)
        while consumer.is_alive():
            consumer.join(args.every)
            print(_odoo_summary(gateway, accounts), flush=True)
    except KeyboardInterrupt:
        print("\nStopping...", flush=True)
    finally:
        stream_stop.set()
        if app is not None:
            app.stop.set()
            if consumer is not None:
                consumer.join(60)  # the batch under way is finished and committed first
            app.close()
        if emulator is not None:
            emulator.stop()
        stopped = stack.stop(info.started)
        print(f"Stopped: consumer{', emulator' if emulator else ''}{''.join(', ' + s for s in stopped)}.", flush=True)
    return 0

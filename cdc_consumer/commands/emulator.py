"""Run the Odoo 19 emulator standalone (JSON-RPC on HTTP), for demos and manual tests.

It answers what odoorpc sends (``/web/webclient/version_info``, ``/jsonrpc``) like an Odoo 19
with accounting and a fresh Canadian company, plus test hooks under ``/__emulator__/``
(``GET calls``, ``POST reset``, ``GET|POST|DELETE faults``). Stop it with Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import argparse
import signal
import threading

NAME = "emulator"
HELP = "run the Odoo 19 emulator (JSON-RPC) in the foreground"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Where to listen, the database and credentials, and an optional state file."""
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: %(default)s)")
    parser.add_argument(
        "--port", type=int, default=28069, help="port to listen on, 0 for any free one (default: %(default)s)"
    )
    parser.add_argument("--db", default="nexacloud", help="database name (default: %(default)s)")
    parser.add_argument("--login", default="admin", help="the user's login (default: %(default)s)")
    parser.add_argument("--password", default="admin", help="the user's password (default: %(default)s)")
    parser.add_argument("--state-file", metavar="F", help="JSON file the data is loaded from and saved to")


def run(args: argparse.Namespace) -> int:
    """Serve until interrupted; the state file (if any) is saved on the way out."""
    import logging

    from ..emulator import OdooEmulator

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    emulator = OdooEmulator(
        host=args.host,
        port=args.port,
        database=args.db,
        login=args.login,
        password=args.password,
        state_file=args.state_file,
    )
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    emulator.start()
    logging.getLogger("cdc_consumer.emulator").info(
        "Odoo emulator listening on %s, database %s, login %s", emulator.url, args.db, args.login
    )
    try:
        stop.wait()
    finally:
        emulator.stop()
    return 0

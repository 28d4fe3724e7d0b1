"""Audit the source against Odoo: is every NexaCloud invoice there, once, with the right amounts?

Reads the source in one read-only transaction and Odoo in batches, and reports:

  missing           a consistent, non-void source invoice with no Odoo move
  duplicate         several Odoo moves carrying one source id
  amount_mismatch   untaxed, tax or total (or invoice vs credit note) differ from the source
  status_mismatch   e.g. void at the source but posted and not reversed; cancelled in Odoo
  payment_mismatch  e.g. paid at the source but not (fully) paid in Odoo while posted
  inconsistent      the source's items do not add up to its subtotal (never written)
  invalid           a source row that does not validate
  orphan            an Odoo move whose source invoice no longer exists

and the state store's pending invoices with their reasons. Exits 0 when everything matches,
1 when anything is off. --json prints the same as one JSON document. A progress bar goes to
standard error on a terminal (plain lines otherwise).
"""

from __future__ import annotations

import argparse

NAME = "audit"
HELP = "compare the source with Odoo: missing, duplicates, amount/status/payment mismatches (exit 1 if any)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``audit``."""
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument(
        "--batch-size",
        type=int,
        default=2000,
        metavar="N",
        help="invoices per source query and Odoo call (default 2000)",
    )


def run(args: argparse.Namespace) -> int:
    """Run the audit and print it; exit 1 when anything is off."""
    import json

    from ..app import gateway_for
    from ..config import load_settings
    from ..errors import ConfigError
    from ..odoo.setup import check_ready
    from ..ops.auditor import run_audit

    settings = load_settings(args.config)
    if args.batch_size <= 0:
        raise ConfigError("--batch-size must be positive")
    gateway = gateway_for(settings)
    check_ready(gateway)
    report = run_audit(settings, gateway, batch_size=args.batch_size)
    print(json.dumps(report.to_json(), indent=2) if args.json else report.render())
    return 0 if report.ok else 1

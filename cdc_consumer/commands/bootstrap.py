"""Prepare Odoo for the consumer; safe to run any number of times.

Creates what is missing — the custom fields x_fc_nexacloud_invoice_id and
x_fc_stripe_invoice_id on account.move and x_fc_nexacloud_user_id on res.partner, the Stripe
bank journal, one income account per service family — and checks, without changing them, the
company's sale taxes (13 % HST, 0 %) and the CAD currency. Prints what it created, what was
already there, and warnings.
"""

from __future__ import annotations

import argparse

NAME = "bootstrap"
HELP = "create the Odoo custom fields, Stripe journal and income accounts (idempotent)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """``bootstrap`` has no options beyond the configuration."""


def run(args: argparse.Namespace) -> int:
    """Bootstrap Odoo and print the report; exit 1 when there are warnings."""
    from ..config import load_settings
    from ..odoo.gateway import RpcGateway
    from ..odoo.setup import bootstrap

    settings = load_settings(args.config)
    gateway = RpcGateway(
        settings.odoo_url, settings.odoo_db, settings.odoo_user, settings.odoo_password, settings.odoo_timeout_seconds
    )
    report = bootstrap(gateway, settings)
    for line in report.created:
        print(f"created   {line}")
    for line in report.existing:
        print(f"existing  {line}")
    for line in report.warnings:
        print(f"WARNING   {line}")
    return 1 if report.warnings else 0

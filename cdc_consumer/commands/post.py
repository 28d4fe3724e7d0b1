"""Post reviewed drafts in bulk, and register the Stripe payments of paid invoices.

  cdc-consumer post --dry-run                      # what would be posted, and why not the rest
  cdc-consumer post --from 2026-01-01 --to 2026-01-31
  cdc-consumer post --family hosting --family managed

Takes the draft customer invoices the consumer created in Odoo (x_fc_nexacloud_invoice_id set),
reads their source invoices from the source database (read-only) and decides each again with
posting mode auto: a consistent invoice whose tax matches and whose source status is open, paid
or uncollectible is rewritten from the source, posted, and — when paid — gets its payment in
the Stripe journal. The others stay drafts and are listed with the reason (tax mismatch,
inconsistent items, still a draft at the source, voided, deleted, refused by Odoo).

--from/--to bound the invoice date (inclusive). --family keeps only invoices all of whose lines
are of the given families (repeat it for several). Exits 1 when a selected draft could not be
posted. A progress bar goes to standard error on a terminal (plain lines otherwise).
"""

from __future__ import annotations

import argparse
from datetime import date

NAME = "post"
HELP = "bulk-post reviewed drafts and register payments of paid invoices (--dry-run to preview)"


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``post``."""
    parser.add_argument("--from", dest="date_from", type=_date, metavar="DATE", help="first invoice date (YYYY-MM-DD)")
    parser.add_argument("--to", dest="date_to", type=_date, metavar="DATE", help="last invoice date (YYYY-MM-DD)")
    parser.add_argument(
        "--family",
        action="append",
        default=[],
        metavar="F",
        help="only invoices whose lines are all of family F (hosting, managed, addons, other, ...); repeatable",
    )
    parser.add_argument("--dry-run", action="store_true", help="decide and list, change nothing")
    parser.add_argument("--batch-size", type=int, default=500, metavar="N", help="drafts per Odoo call (default 500)")


def run(args: argparse.Namespace) -> int:
    """Post what may be posted; print both lists; exit 1 when some draft could not be posted."""
    from ..app import gateway_for
    from ..config import load_settings
    from ..errors import ConfigError
    from ..odoo.setup import check_ready
    from ..odoo.writer import OdooWriter
    from ..ops.poster import bulk_post
    from ..users import UsersLookup

    settings = load_settings(args.config)
    unknown = sorted(set(args.family) - set(settings.family_accounts))
    if unknown:
        raise ConfigError(f"unknown famil(ies) {', '.join(unknown)}: choose from {', '.join(settings.family_accounts)}")
    if args.date_from and args.date_to and args.date_from > args.date_to:
        raise ConfigError("--from is after --to")
    if args.batch_size <= 0:
        raise ConfigError("--batch-size must be positive")
    gateway = gateway_for(settings)
    check_ready(gateway)
    users = UsersLookup(settings.source_dsn)
    try:
        writer = OdooWriter(gateway, settings, users, posting_mode="auto")
        report = bulk_post(
            settings,
            gateway,
            writer,
            date_from=args.date_from,
            date_to=args.date_to,
            families=set(args.family),
            dry_run=args.dry_run,
            batch_size=args.batch_size,
        )
    finally:
        users.close()
    print(report.render())
    return 1 if report.refused else 0

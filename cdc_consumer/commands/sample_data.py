"""Sample NexaCloud data in the source database, for demos, tests and benchmarks.

  generate   write N seeded invoices (every status and service family, proration lines,
             credits, 13 % and 0 % tax), each with its items in one transaction; rerunning
             with the same seed leaves existing invoices alone
  summary    the expected totals of the source as it is now (per status, currency, family)
  change     one live change, as NexaCloud's application makes it (status, items, delete)
  stream     a seeded random stream of live changes at a given rate

The database is Settings.source_dsn (CDC_SOURCE_DSN) unless --dsn is given.

Examples:
  cdc-consumer sample-data generate --count 10000 --seed 42
  cdc-consumer sample-data change pay 6f1c…  --amount-paid 50.00
  cdc-consumer sample-data stream --rate 20 --duration 60
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    import psycopg

NAME = "sample-data"
HELP = "write sample NexaCloud invoices into the source database and change them live"

_STATUS_ACTIONS = {"finalize": "open", "pay": "paid", "void": "void", "uncollectible": "uncollectible"}


def _money(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"not an amount: {text!r}") from None
    if not value.is_finite() or value != value.quantize(Decimal("0.01")):
        raise argparse.ArgumentTypeError(f"not an amount in cents: {text!r}")
    return value


def _moment(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 time: {text!r}") from None
    if value.tzinfo is None:
        raise argparse.ArgumentTypeError(f"give a timezone, e.g. {text}+00:00")
    return value


def _positive(kind: type[int] | type[float]) -> Callable[[str], int | float]:
    def parse(text: str) -> int | float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
        if value <= 0:
            raise argparse.ArgumentTypeError(f"must be positive: {text!r}")
        return value

    return parse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The actions of ``sample-data`` and their options."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--dsn", help="source PostgreSQL DSN (default: the source_dsn setting)")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

    gen = actions.add_parser(
        "generate",
        parents=[common],
        help="write N seeded sample invoices",
        description="Write N seeded sample invoices (and their users) into the source.",
    )
    gen.add_argument("--count", type=_positive(int), required=True, help="how many invoices")
    gen.add_argument("--seed", default="1", help="data set seed: the same seed gives the same data (default 1)")
    gen.add_argument("--start", type=int, default=0, help="index of the first invoice, to extend a data set")
    gen.add_argument("--batch-size", type=_positive(int), default=500, help="invoices per round trip")
    gen.add_argument("--no-schema", action="store_true", help="do not create missing source tables first")
    gen.add_argument("--json", action="store_true", help="print the result as JSON")

    summ = actions.add_parser("summary", parents=[common], help="expected totals of the source as it is now")
    summ.add_argument("--json", action="store_true", help="print the summary as JSON")

    change = actions.add_parser(
        "change",
        help="make one live change, in one transaction",
        description="Make one live change in one SQL transaction, as NexaCloud's application does: a "
        "status change as Stripe makes it, an item edit (subtotal and tax follow), or a delete.",
    )
    kinds = change.add_subparsers(dest="change", metavar="CHANGE", required=True)
    for action, status in _STATUS_ACTIONS.items():
        p = kinds.add_parser(action, parents=[common], help=f"set an invoice's status to {status}")
        p.add_argument("invoice_id", help="the invoice's id (uuid)")
        if status == "paid":
            p.add_argument(
                "--amount-paid",
                type=_money,
                metavar="AMOUNT",
                help="collected amount; less than the total is a partial payment (default: the total)",
            )
            p.add_argument(
                "--paid-at",
                type=_moment,
                metavar="TIME",
                help="ISO 8601 time with zone, e.g. 2026-05-27T14:00:00+00:00 (default: now)",
            )
    p = kinds.add_parser("set-amount", parents=[common], help="change an item's amount; totals follow")
    p.add_argument("item_id", help="the item's id (uuid)")
    p.add_argument("amount", type=_money, help="the new amount, e.g. 42.50 or -10.00")
    p.add_argument("--quantity", type=_positive(int), help="the new quantity (default: unchanged)")
    p = kinds.add_parser("add-item", parents=[common], help="add an item to an invoice; totals follow")
    p.add_argument("invoice_id", help="the invoice's id (uuid)")
    p.add_argument("description", help='the line\'s text, e.g. "Forms Builder"')
    p.add_argument("amount", type=_money, help="the line's amount (negative for a credit)")
    p.add_argument("--quantity", type=_positive(int), default=1, help="default 1")
    p.add_argument("--unit-price", type=_money, metavar="AMOUNT", help="default none, as on proration lines")
    p = kinds.add_parser("remove-item", parents=[common], help="delete an item; totals follow")
    p.add_argument("item_id", help="the item's id (uuid)")
    p = kinds.add_parser("delete", parents=[common], help="delete an invoice and its items")
    p.add_argument("invoice_id", help="the invoice's id (uuid)")

    stream = actions.add_parser(
        "stream",
        parents=[common],
        help="a seeded random stream of live changes",
        description="Make random live changes (new invoices, payments, voids, item "
        "edits, deletes) at a steady rate until --count or --duration.",
    )
    stream.add_argument("--rate", type=_positive(float), default=5.0, help="changes per second (default 5)")
    stream.add_argument("--count", type=_positive(int), help="stop after this many changes")
    stream.add_argument("--duration", type=_positive(float), help="stop after this many seconds")
    stream.add_argument("--seed", default="1", help="stream seed (default 1)")


def _dsn(args: argparse.Namespace) -> str:
    if args.dsn:
        return args.dsn
    from ..config import load_settings

    return load_settings(args.config).source_dsn.reveal()


def _write(text: str, stream: TextIO | None = None) -> None:
    out = stream or sys.stdout
    out.write(text + "\n")
    out.flush()


def _table(summary: dict[str, dict]) -> str:
    def row(name: str, t: dict) -> str:
        return f"{name:15}{t['count']:>8}{t['subtotal']:>14}{t['tax']:>12}{t['total']:>14}{t['amount_paid']:>14}"

    rows = [
        f"invoices {summary['invoices']} (items {summary['items']}, users {summary['users']})",
        "",
        f"{'':15}{'count':>8}{'subtotal':>14}{'tax':>12}{'total':>14}{'paid':>14}",
        *(row(status, t) for status, t in summary["by_status"].items()),
        *(row(currency, t) for currency, t in summary["by_currency"].items()),
        row("all", summary["totals"]),
        "",
        f"{'family':15}{'line amounts':>14}",
        *(f"{family:15}{amount:>14}" for family, amount in summary["by_family"].items()),
    ]
    return "\n".join(rows)


def _generate(args: argparse.Namespace, conn: psycopg.Connection) -> int:
    from ..sample.generate import generate
    from ..sample.source import apply_schema

    if not args.no_schema:
        apply_schema(conn)
    started = last = time.monotonic()

    def progress(done: int, count: int) -> None:
        nonlocal last
        now = time.monotonic()
        if now - last >= 1.0 or done == count:
            last = now
            rate = done / max(now - started, 1e-9)
            _write(f"sample-data: {done}/{count} invoices ({rate:,.0f}/s)", sys.stderr)

    result = generate(
        conn,
        args.count,
        args.seed,
        start=args.start,
        batch_size=args.batch_size,
        progress=progress if args.count > args.batch_size else None,
    )
    out = {"inserted": result.inserted, "existing": result.existing, **result.summary.as_dict()}
    if args.json:
        _write(json.dumps(out, indent=2))
    else:
        _write(f"inserted {result.inserted}, already there {result.existing}\n\n{_table(out)}")
    return 0


def _change(args: argparse.Namespace, conn: psycopg.Connection) -> int:
    from ..sample import changes

    if args.change in _STATUS_ACTIONS:
        extra = {"amount_paid": args.amount_paid, "paid_at": args.paid_at} if args.change == "pay" else {}
        changes.set_status(conn, args.invoice_id, _STATUS_ACTIONS[args.change], **extra)
    elif args.change == "set-amount":
        changes.set_item_amount(conn, args.item_id, args.amount, quantity=args.quantity)
    elif args.change == "add-item":
        item_id = changes.add_item(
            conn, args.invoice_id, args.description, args.amount, quantity=args.quantity, unit_price=args.unit_price
        )
        _write(item_id)
    elif args.change == "remove-item":
        changes.remove_item(conn, args.item_id)
    else:
        changes.delete_invoice(conn, args.invoice_id)
    return 0


def _stream(args: argparse.Namespace, conn: psycopg.Connection) -> int:
    from ..sample.changes import run_stream

    seen = 0
    last = time.monotonic()

    def on_change(_kind: str | None) -> None:
        nonlocal seen, last
        seen += 1
        if time.monotonic() - last >= 5.0:
            last = time.monotonic()
            _write(f"sample-data: {seen} changes", sys.stderr)

    stats = run_stream(
        conn, seed=args.seed, rate=args.rate, count=args.count, duration=args.duration, on_change=on_change
    )
    kinds = ", ".join(f"{kind} {n}" for kind, n in sorted(stats.made.items()))
    _write(f"{stats.total} changes in {stats.elapsed:.1f} s ({kinds}); {stats.refused} refused")
    return 0


def run(args: argparse.Namespace) -> int:
    """Carry out one ``sample-data`` action against the source database."""
    import psycopg

    from ..config import mask_url
    from ..sample.source import connect
    from ..sample.summary import summarize_source

    if args.action == "stream" and args.count is None and args.duration is None:
        _write("sample-data stream: give --count or --duration", sys.stderr)
        return 2
    dsn = _dsn(args)
    try:
        conn = connect(dsn)
    except psycopg.OperationalError as exc:
        _write(f"sample-data: cannot connect to {mask_url(dsn)}: {exc}", sys.stderr)
        return 1
    with conn:
        if args.action == "generate":
            return _generate(args, conn)
        if args.action == "change":
            return _change(args, conn)
        if args.action == "stream":
            return _stream(args, conn)
        summary = summarize_source(conn).as_dict()
        _write(json.dumps(summary, indent=2) if args.json else _table(summary))
        return 0

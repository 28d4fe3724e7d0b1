"""The ``cdc-consumer`` command line: parses arguments and hands over to one command module."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from . import __version__
from .commands import COMMANDS
from .errors import CdcError

DESCRIPTION = """\
Streams NexaCloud's invoices (PostgreSQL → Debezium → Kafka) into Odoo 19 as customer
invoices, idempotently, and gives operators the tools to run it always-on.

Configuration comes from environment variables CDC_<SETTING> and/or a TOML file (--config or
CDC_CONFIG); see README.md for every setting.
"""


def build_parser() -> argparse.ArgumentParser:
    """The parser of every subcommand, each described by its own module."""
    parser = argparse.ArgumentParser(
        prog="cdc-consumer",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--config", metavar="FILE", help="TOML configuration file (default: $CDC_CONFIG)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS:
        module = importlib.import_module(f"{__package__}.commands.{name}")
        command = sub.add_parser(
            module.NAME,
            help=module.HELP,
            description=module.__doc__,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        module.add_arguments(command)
        command.set_defaults(handler=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one subcommand; return its exit status (2 for a usage or configuration error)."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args))
    except CdcError as exc:
        print(f"cdc-consumer {args.command}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())

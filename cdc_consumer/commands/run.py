"""Consume the Debezium topics and keep Odoo in line with NexaCloud's invoices, always-on.

Checks first that both topics exist and are co-partitioned and that Odoo was bootstrapped
(custom fields), then runs until SIGTERM or SIGINT: the current batch is finished and committed
before it exits. Metrics, /healthz and /readyz are served on metrics_host:metrics_port.

With --dry-run nothing is written to Odoo, no offset is committed and the real state store is
not touched: the topics are read to their current end, then the totals per service family, the
count of invoices per action and every line that fell in family 'other' are printed.
"""

from __future__ import annotations

import argparse
import logging
import signal

NAME = "run"
HELP = "consume the topics and write invoices to Odoo (always-on; --dry-run to preview)"

log = logging.getLogger("cdc_consumer.run")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``run``."""
    parser.add_argument("--dry-run", action="store_true", help="decide without writing to Odoo or committing offsets")
    parser.add_argument(
        "--until-caught-up",
        action="store_true",
        help="exit once every assigned partition has been read to its end (implied by --dry-run)",
    )


def run(args: argparse.Namespace) -> int:
    """Wire the settings into the loop and run it."""
    from .. import logs, metrics
    from ..app import build
    from ..config import load_settings

    settings = load_settings(args.config)
    logs.configure(settings.log_level, settings.log_format)
    app = build(settings, dry_run=args.dry_run, until_caught_up=args.until_caught_up)
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: app.stop.set())
    server = metrics.MetricsServer(settings.metrics_host, settings.metrics_port, lambda: app.runner.ready).start()
    log.info(
        "starting",
        extra={
            "topics": [settings.topic_invoices, settings.topic_items],
            "partitions": app.partitions,
            "group": settings.kafka_group_id,
            "odoo": app.gateway.url,
            "posting_mode": settings.posting_mode,
            "dry_run": args.dry_run,
            "metrics_port": server.port,
        },
    )
    try:
        app.runner.run()
    finally:
        server.stop()
        app.close()
    if app.dry_run is not None:
        print(app.dry_run.report())
    log.info("stopped", extra={"actions": dict(app.sync.actions)})
    return 0

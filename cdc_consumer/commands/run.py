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
import threading

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
    from confluent_kafka import Consumer

    from .. import logs, metrics
    from ..config import load_settings
    from ..decoding import JsonDecoder
    from ..dryrun import DryRunWriter
    from ..kafka_io import DeadLetters, check_topics, consumer_config
    from ..odoo.gateway import RpcGateway
    from ..odoo.setup import check_ready
    from ..odoo.writer import OdooWriter
    from ..runner import Runner
    from ..state import open_state_store
    from ..sync import InvoiceSync
    from ..users import UsersLookup

    settings = load_settings(args.config)
    logs.configure(settings.log_level, settings.log_format)
    partitions = check_topics(settings)
    gateway = RpcGateway(
        settings.odoo_url,
        settings.odoo_db,
        settings.odoo_user,
        settings.odoo_password,
        settings.odoo_timeout_seconds,
        observer=metrics.observe_odoo_call,
    )
    gateway.connect()
    check_ready(gateway)
    writer = OdooWriter(gateway, settings, UsersLookup(settings.source_dsn))
    dry = DryRunWriter(writer) if args.dry_run else None
    state = open_state_store("sqlite:///:memory:" if args.dry_run else settings.state_dsn)
    sync = InvoiceSync(state, dry or writer, settings.inconsistency_grace_seconds)
    if settings.value_format == "avro":
        from ..avro import AvroDecoder

        decoder = AvroDecoder.from_settings(settings)
    else:
        decoder = JsonDecoder()
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    runner = Runner(
        Consumer(consumer_config(settings)),
        [settings.topic_invoices, settings.topic_items],
        decoder.decode,
        sync,
        None if args.dry_run else DeadLetters(settings),
        settings.batch_max_messages,
        settings.batch_max_seconds,
        stop,
        commit=not args.dry_run,
        until_caught_up=args.dry_run or args.until_caught_up,
    )
    server = metrics.MetricsServer(settings.metrics_host, settings.metrics_port, lambda: runner.ready).start()
    log.info(
        "starting",
        extra={
            "topics": [settings.topic_invoices, settings.topic_items],
            "partitions": partitions,
            "group": settings.kafka_group_id,
            "odoo": gateway.url,
            "posting_mode": settings.posting_mode,
            "dry_run": args.dry_run,
            "metrics_port": server.port,
        },
    )
    try:
        runner.run()
    finally:
        server.stop()
        state.close()
    if dry is not None:
        print(dry.report())
    log.info("stopped", extra={"actions": dict(sync.actions)})
    return 0

"""Wiring: settings in, a ready-to-run consumer out (used by ``run`` and by the tests)."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from confluent_kafka import Consumer

from . import metrics
from .config import Settings
from .decoding import JsonDecoder
from .dryrun import DryRunWriter
from .kafka_io import DeadLetters, check_topics, consumer_config
from .odoo.gateway import RpcGateway
from .odoo.setup import check_ready
from .odoo.writer import OdooWriter
from .offsets import PendingCommits
from .runner import Runner
from .state import open_state_store
from .state.model import StateStore
from .sync import InvoiceSync
from .users import UsersLookup


@dataclass
class App:
    """A wired consumer: run ``runner.run()``; set ``stop`` to end it; ``close()`` afterwards."""

    settings: Settings
    runner: Runner
    sync: InvoiceSync
    state: StateStore
    gateway: RpcGateway
    stop: threading.Event
    partitions: int
    dry_run: DryRunWriter | None = None
    users: UsersLookup | None = None

    def close(self) -> None:
        """Release the state store and the connection of the users lookup."""
        self.state.close()
        if self.users is not None:
            self.users.close()


def gateway_for(settings: Settings) -> RpcGateway:
    """An Odoo gateway for these settings, observed by the metrics."""
    return RpcGateway(
        settings.odoo_url,
        settings.odoo_db,
        settings.odoo_user,
        settings.odoo_password,
        settings.odoo_timeout_seconds,
        observer=metrics.observe_odoo_call,
    )


def build(settings: Settings, *, dry_run: bool = False, until_caught_up: bool = False) -> App:
    """Check the world (topics co-partitioned, Odoo bootstrapped) and wire the consumer.

    Raises:
        StartupCheckError: a topic missing or not co-partitioned, Kafka or Odoo unreachable or
            refusing, custom fields missing.
    """
    partitions = check_topics(settings)
    gateway = gateway_for(settings)
    gateway.connect()
    check_ready(gateway)
    users = UsersLookup(settings.source_dsn)
    writer = OdooWriter(gateway, settings, users)
    dry = DryRunWriter(writer) if dry_run else None
    state = open_state_store("sqlite:///:memory:" if dry_run else settings.state_dsn)
    sync = InvoiceSync(state, dry or writer, settings.inconsistency_grace_seconds)
    if settings.value_format == "avro":
        from .avro import AvroDecoder

        decode = AvroDecoder.from_settings(settings).decode
    else:
        decode = JsonDecoder().decode
    stop = threading.Event()
    commits = None if dry_run else PendingCommits()
    runner = Runner(
        Consumer(consumer_config(settings, on_commit=commits.on_commit if commits else None)),
        [settings.topic_invoices, settings.topic_items],
        decode,
        sync,
        None if dry_run else DeadLetters(settings),
        settings.batch_max_messages,
        settings.batch_max_seconds,
        stop,
        commits=commits,
        until_caught_up=dry_run or until_caught_up,
    )
    return App(settings, runner, sync, state, gateway, stop, partitions, dry, users)

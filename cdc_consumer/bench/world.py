"""What every figure through the stack starts from: a backlog of generated invoices in topics of the
benchmark's own, and a bootstrapped Odoo emulator in a process of its own.

:func:`backlog` creates a :class:`~.source.BenchSource`, writes ``invoices`` invoices of the
sample data set into it, lets the connector's initial snapshot publish them all (the backfill,
as in production), starts the emulator and bootstraps it, and yields the consumer's settings
pointed at all of that; on the way out it stops the emulator and removes the source.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ..app import gateway_for
from ..config import Settings, load_settings
from ..localstack import StackInfo
from ..odoo.setup import bootstrap
from ..sample import source as sample_source
from ..sample.generate import generate
from .odoo import EmulatorProcess, free_port
from .source import BenchSource


@dataclass(frozen=True)
class World:
    """A published backlog and an emulator, with the settings of a consumer reading the one into the other.

    Attributes:
        source: the benchmark's source database and connector.
        odoo: the emulator.
        settings: the configured settings (``--config`` file, ``CDC_*``) with the addresses, a
            new consumer group and a new SQLite state file put in.
        invoices: how many invoices the backlog holds.
    """

    source: BenchSource
    odoo: EmulatorProcess
    settings: Settings
    invoices: int


def consumer_settings(
    config: str | None, info: StackInfo, source: BenchSource, odoo_url: str, state_dsn: str
) -> Settings:
    """The configured settings, pointed at the bench source, the emulator and a new group."""
    invoices_topic, items_topic = source.topics
    return load_settings(
        config,
        kafka_bootstrap_servers=info.kafka_bootstrap,
        kafka_group_id=f"{source.name}-consumer",
        topic_invoices=invoices_topic,
        topic_items=items_topic,
        source_dsn=source.dsn,
        state_dsn=state_dsn,
        odoo_url=odoo_url,
        odoo_db="nexacloud",
        odoo_user="admin",
        odoo_password="admin",  # noqa: S106 - the emulator's documented local login
        metrics_port=free_port(),
    )


@contextmanager
def backlog(info: StackInfo, invoices: int, workdir: Path, config: str | None = None) -> Iterator[World]:
    """A source holding ``invoices`` generated invoices, all in its topics, and a bootstrapped emulator."""
    source = BenchSource(info, f"bench_{uuid.uuid4().hex[:10]}")
    odoo = EmulatorProcess(workdir / f"{source.name}-emulator.log")
    try:
        source.create()
        with sample_source.connect(source.dsn) as conn:
            generate(conn, invoices, source.name)
        source.capture()
        source.wait_published(timeout=max(120.0, invoices / 50))
        odoo.start()
        settings = consumer_settings(config, info, source, odoo.url, f"sqlite:///{workdir / source.name}.sqlite3")
        bootstrap(gateway_for(settings), settings)
        yield World(source, odoo, settings, invoices)
    finally:
        odoo.stop()
        source.close()

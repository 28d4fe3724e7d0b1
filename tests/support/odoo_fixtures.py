"""Fixtures for the Odoo emulator (and a real Odoo when ODOO_URL is set).

- ``odoo_emulator``: a fresh in-process emulator on a free port, stopped after the test. It
  exposes ``url``/``host``/``port``/``database``/``login``/``password``, the call log
  (``odoo_emulator.calls``) and the fault switches (``odoo_emulator.faults``).
- ``odoo_target``: an :class:`OdooTarget` on the emulator by default, or on the real Odoo named
  by ``ODOO_URL``, ``ODOO_DB``, ``ODOO_USER`` and ``ODOO_PASSWORD`` (all four must be set). The
  contract suite runs against it, so the same checks hold the emulator to a real Odoo.
  ``ODOO_PG_DSN`` (optional) is the real Odoo's PostgreSQL, for the one check that needs an
  operator's SQL (a unique index); without it that check is skipped on a real Odoo.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import urlsplit

import odoorpc
import psycopg
import pytest
from psycopg import sql

from cdc_consumer.emulator import OdooEmulator

REAL_ODOO_VARIABLES = ("ODOO_URL", "ODOO_DB", "ODOO_USER", "ODOO_PASSWORD")
REAL_ODOO_SQL_VARIABLE = "ODOO_PG_DSN"


@dataclass(frozen=True)
class OdooTarget:
    """Where the contract suite sends its calls.

    Attributes:
        url: the base URL (``http://host:port``).
        database, login, password: the credentials odoorpc logs in with.
        emulator: the emulator behind the URL, or ``None`` for a real Odoo.
        sql_dsn: the real Odoo's PostgreSQL (``ODOO_PG_DSN``), or ``""``.
    """

    url: str
    database: str
    login: str
    password: str
    emulator: OdooEmulator | None = None
    sql_dsn: str = ""

    @property
    def is_emulator(self) -> bool:
        """Whether the target is the emulator (not a real Odoo)."""
        return self.emulator is not None

    @property
    def host(self) -> str:
        """The host part of :attr:`url`."""
        return urlsplit(self.url).hostname or "127.0.0.1"

    @property
    def port(self) -> int:
        """The port of :attr:`url` (80/443 when it names none)."""
        parts = urlsplit(self.url)
        return parts.port or (443 if parts.scheme == "https" else 80)

    @property
    def protocol(self) -> str:
        """odoorpc's protocol name for :attr:`url`."""
        return "jsonrpc+ssl" if urlsplit(self.url).scheme == "https" else "jsonrpc"

    def client(self, *, login: bool = True) -> odoorpc.ODOO:
        """A new odoorpc client on the target, logged in unless ``login=False``."""
        client = odoorpc.ODOO(self.host, protocol=self.protocol, port=self.port, timeout=60)
        if login:
            client.login(self.database, self.login, self.password)
        return client

    @contextmanager
    def unique_index(self, model: str, field: str, name: str) -> Iterator[None]:
        """An operator's partial unique index ``name`` on ``model.field`` while the block runs.

        Odoo offers no RPC for it, so on a real Odoo it is SQL on ``ODOO_PG_DSN`` (the test is
        skipped without it); on the emulator it is the emulator's in-process equivalent, dropped
        with the field.
        """
        if self.emulator is not None:
            self.emulator.add_unique_index(model, field, name)
            yield
            return
        if not self.sql_dsn:
            pytest.skip(f"a unique index on a real Odoo needs SQL access: set {REAL_ODOO_SQL_VARIABLE}")
        table, column, index = sql.Identifier(model.replace(".", "_")), sql.Identifier(field), sql.Identifier(name)
        with psycopg.connect(self.sql_dsn, autocommit=True) as conn:
            conn.execute(
                sql.SQL("CREATE UNIQUE INDEX {} ON {} ({}) WHERE {} IS NOT NULL").format(index, table, column, column)
            )
            try:
                yield
            finally:
                conn.execute(sql.SQL("DROP INDEX IF EXISTS {}").format(index))


@pytest.fixture
def odoo_emulator() -> Iterator[OdooEmulator]:
    """A fresh emulator (seeded Canadian company, ``admin``/``admin``) on a free loopback port."""
    emulator = OdooEmulator(host="127.0.0.1", port=0).start()
    try:
        yield emulator
    finally:
        emulator.stop()


def real_odoo_configured() -> bool:
    """Whether the environment names a real Odoo for the contract suite."""
    return all(os.environ.get(name) for name in REAL_ODOO_VARIABLES)


@pytest.fixture
def odoo_target(request: pytest.FixtureRequest) -> OdooTarget:
    """The Odoo the contract suite checks: the real one of ``ODOO_*`` if set, else an emulator."""
    if real_odoo_configured():
        return OdooTarget(
            url=os.environ["ODOO_URL"].rstrip("/"),
            database=os.environ["ODOO_DB"],
            login=os.environ["ODOO_USER"],
            password=os.environ["ODOO_PASSWORD"],
            sql_dsn=os.environ.get(REAL_ODOO_SQL_VARIABLE, ""),
        )
    emulator: OdooEmulator = request.getfixturevalue("odoo_emulator")
    return OdooTarget(
        url=emulator.url,
        database=emulator.database,
        login=emulator.login,
        password=emulator.password,
        emulator=emulator,
    )

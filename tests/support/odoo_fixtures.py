"""Fixtures for the Odoo emulator (and a real Odoo when ODOO_URL is set).

- ``odoo_emulator``: a fresh in-process emulator on a free port, stopped after the test. It
  exposes ``url``/``host``/``port``/``database``/``login``/``password``, the call log
  (``odoo_emulator.calls``) and the fault switches (``odoo_emulator.faults``).
- ``odoo_target``: an :class:`OdooTarget` on the emulator by default, or on the real Odoo named
  by ``ODOO_URL``, ``ODOO_DB``, ``ODOO_USER`` and ``ODOO_PASSWORD`` (all four must be set). The
  contract suite runs against it, so the same checks hold the emulator to a real Odoo.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import odoorpc
import pytest

from cdc_consumer.emulator import OdooEmulator

REAL_ODOO_VARIABLES = ("ODOO_URL", "ODOO_DB", "ODOO_USER", "ODOO_PASSWORD")


@dataclass(frozen=True)
class OdooTarget:
    """Where the contract suite sends its calls.

    Attributes:
        url: the base URL (``http://host:port``).
        database, login, password: the credentials odoorpc logs in with.
        emulator: the emulator behind the URL, or ``None`` for a real Odoo.
    """

    url: str
    database: str
    login: str
    password: str
    emulator: OdooEmulator | None = None

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
        )
    emulator: OdooEmulator = request.getfixturevalue("odoo_emulator")
    return OdooTarget(
        url=emulator.url,
        database=emulator.database,
        login=emulator.login,
        password=emulator.password,
        emulator=emulator,
    )

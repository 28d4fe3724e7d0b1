"""Where the local stack lives: its directories, files, addresses and credentials.

Everything binds to 127.0.0.1. The working directory defaults to ``<repo>/.stack`` and the jar
cache to ``~/.cache/cdc-consumer``; ``CDC_STACK_DIR`` and ``CDC_STACK_CACHE`` override them, and
``CDC_STACK_PORT_OFFSET`` shifts every port.
The credentials are the local stack's own, fixed and documented (docs/ARCHITECTURE.md): it is a
development and test stack on loopback, never a deployment.
"""

from __future__ import annotations

import os
import re
import socket
from collections.abc import Mapping
from dataclasses import astuple, dataclass
from pathlib import Path

from ..errors import StackError

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_DIR = PACKAGE_DIR.parents[1]
DEBEZIUM_DIR = REPO_DIR / "debezium"
SCHEMA_SQL = PACKAGE_DIR.parent / "sample" / "schema.sql"

HOST = "127.0.0.1"
CONNECTOR_NAME = "nexacloud-invoices"
TOPIC_PREFIX = "nexacloud"
CAPTURED_TABLES = ("invoices", "invoice_items")
PARTITIONS = 3


@dataclass(frozen=True)
class Ports:
    """The loopback ports of the stack's components.

    They lie below Linux's ephemeral range (32768–60999): there, a client's socket could hold a
    listener's port when its component restarts (a broker restart waited a minute for one).
    """

    postgres: int = 25432
    kafka: int = 29092
    controller: int = 29093
    connect: int = 28083

    @classmethod
    def from_env(cls) -> Ports:
        """The default ports shifted by ``$CDC_STACK_PORT_OFFSET`` (0 if unset).

        A second stack (another checkout, a cold-start measurement) can then run beside the
        usual one, given its own ``CDC_STACK_DIR``.
        """
        raw = os.environ.get("CDC_STACK_PORT_OFFSET", "0")
        try:
            offset = int(raw)
        except ValueError:
            raise StackError(f"CDC_STACK_PORT_OFFSET must be a whole number, got {raw!r}") from None
        ports = cls(*(port + offset for port in astuple(cls())))
        if not all(1024 <= port <= 65535 for port in astuple(ports)):
            raise StackError(f"CDC_STACK_PORT_OFFSET={offset} puts the stack's ports outside 1024–65535")
        return ports


@dataclass(frozen=True)
class Credentials:
    """A PostgreSQL login of the local stack."""

    user: str
    password: str


SUPERUSER = Credentials("postgres", "postgres")
OWNER = Credentials("nexacloud", "nexacloud")
REPLICATION = Credentials("debezium", "debezium")
DATABASE = "nexacloud"


def default_workdir() -> Path:
    """``$CDC_STACK_DIR``, else ``<repo>/.stack``."""
    return Path(os.environ.get("CDC_STACK_DIR") or REPO_DIR / ".stack").resolve()


def default_cache() -> Path:
    """``$CDC_STACK_CACHE``, else ``~/.cache/cdc-consumer``."""
    return Path(os.environ.get("CDC_STACK_CACHE") or Path.home() / ".cache" / "cdc-consumer").resolve()


def dsn(credentials: Credentials, port: int, database: str = DATABASE) -> str:
    """A libpq URL for ``credentials`` on the local PostgreSQL."""
    return f"postgresql://{credentials.user}:{credentials.password}@{HOST}:{port}/{database}"


def topic_names(prefix: str = TOPIC_PREFIX) -> tuple[str, ...]:
    """The topics Debezium writes the captured tables to, for a topic prefix."""
    return tuple(f"{prefix}.public.{table}" for table in CAPTURED_TABLES)


def port_open(port: int, host: str = HOST) -> bool:
    """Whether something accepts TCP connections on ``host:port``."""
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def debezium_file(name: str) -> Path:
    """A file of the ``debezium/`` folder, which only a source checkout has."""
    path = DEBEZIUM_DIR / name
    if not path.is_file():
        raise StackError(f"{path} is missing: the local stack runs from a source checkout of the project")
    return path


_PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")


def render(template: Path, values: Mapping[str, object]) -> str:
    """``template`` with every ``{{name}}`` replaced by ``values[name]``.

    Kafka's own ``${provider:key}`` references are left alone. A placeholder without a value is
    an error, not an empty string, so a typo cannot produce a half-configured component.
    """

    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            raise StackError(f"{template.name}: no value for placeholder {{{{{name}}}}}")
        return str(values[name])

    return _PLACEHOLDER.sub(substitute, template.read_text(encoding="utf-8"))

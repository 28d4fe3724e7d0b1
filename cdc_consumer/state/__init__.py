"""The state store: the latest source row per key with its LSN, and each invoice's sync state.

``open_state_store(settings.state_dsn)`` gives the SQLite store (``sqlite:///relative/path``,
``sqlite:////absolute/path``, ``sqlite:///:memory:``) or the PostgreSQL one
(``postgresql://...``) that several consumer instances can share. See ``model.py`` for the
interface and the values, ``merge.py`` for the ordering rules, ``store.py`` for the tables.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from ..config import mask_url
from ..errors import ConfigError
from .model import (
    FAILED,
    INCOMPLETE_REASONS,
    INCONSISTENT,
    INVALID,
    NO_HEADER,
    ApplyResult,
    PendingRecord,
    StateStore,
    StoredInvoice,
    StoredRow,
    SyncOutcome,
    SyncState,
)
from .store import SqlStateStore

__all__ = [
    "FAILED",
    "INCOMPLETE_REASONS",
    "INCONSISTENT",
    "INVALID",
    "NO_HEADER",
    "ApplyResult",
    "PendingRecord",
    "SqlStateStore",
    "StateStore",
    "StoredInvoice",
    "StoredRow",
    "SyncOutcome",
    "SyncState",
    "open_state_store",
]

SQLITE_PREFIX = "sqlite:///"


def open_state_store(
    dsn: str,
    *,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    retry_base_seconds: float = 30.0,
    retry_max_seconds: float = 3600.0,
) -> SqlStateStore:
    """Open (and create if missing) the state store ``dsn`` names.

    Args:
        dsn: ``sqlite:///path`` or a ``postgresql://`` / ``postgres://`` URL.
        clock: the current time, for timestamps and backoff (tests pass a fake one).
        retry_base_seconds, retry_max_seconds: the backoff of failed invoice writes.

    Raises:
        ConfigError: ``dsn`` names no supported database.
        StateUnavailable: the PostgreSQL database cannot be reached.
    """
    if dsn.startswith(SQLITE_PREFIX) and len(dsn) > len(SQLITE_PREFIX):
        from .sqlite import SqliteBackend

        backend: SqliteBackend | PostgresBackend = SqliteBackend(dsn[len(SQLITE_PREFIX) :])
    elif dsn.startswith(("postgresql://", "postgres://")):
        from .postgres import PostgresBackend

        backend = PostgresBackend(dsn)
    else:
        raise ConfigError(f"state_dsn {mask_url(dsn)!r} must be sqlite:///path or postgresql://...")
    return SqlStateStore(
        backend, clock=clock, retry_base_seconds=retry_base_seconds, retry_max_seconds=retry_max_seconds
    )

"""The PostgreSQL backend: one state shared by several consumer instances.

Rows about to change are read ``FOR UPDATE`` (in key order, so two instances never wait on each
other in a circle) and the upserts only ever replace a row with a higher LSN, so instances
applying the same events concurrently during a rebalance keep the newest version. A deadlock or
serialization failure is retried; a lost connection is :class:`~cdc_consumer.errors.StateUnavailable`
and the next call reconnects.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

import psycopg
from psycopg import errors as pg_errors

from ..config import mask_url
from ..errors import StateUnavailable, one_line
from .store import Cursor

T = TypeVar("T")

CONFLICT_RETRIES = 5
SCHEMA_LOCK_KEY = 0x63646373  # an arbitrary constant: the advisory lock of the schema creation


class PostgresBackend:
    """A connection to the state database (created lazily, re-created after a failure).

    Args:
        dsn: a libpq connection string or ``postgresql://`` URL.
    """

    placeholder = "%s"
    lock_clause = " FOR UPDATE"
    schema_lock = f"SELECT pg_advisory_xact_lock({SCHEMA_LOCK_KEY})"

    def __init__(self, dsn: str) -> None:
        self._dsn = dsn
        self._conn: psycopg.Connection | None = None

    def _connection(self) -> psycopg.Connection:
        if self._conn is None or self._conn.closed:
            self._conn = psycopg.connect(self._dsn, autocommit=True, connect_timeout=10)
        return self._conn

    def in_list(self, values: Sequence[object], sql_type: str) -> tuple[str, tuple[object, ...]]:
        """One array parameter: one plan whatever the number of values, and a hash or index join."""
        return f"SELECT unnest(%s::{sql_type}[])", (list(values),)

    def run(self, work: Callable[[Cursor], T], *, write: bool) -> T:
        """``work`` in one transaction, retried after a deadlock or a serialization failure.

        Raises:
            StateUnavailable: the database cannot be reached, or conflicts persisted.
        """
        for attempt in range(1, CONFLICT_RETRIES + 1):
            try:
                conn = self._connection()
                with conn.transaction(), conn.cursor() as cur:
                    return work(cur)
            except (pg_errors.DeadlockDetected, pg_errors.SerializationFailure) as exc:
                if attempt == CONFLICT_RETRIES:
                    raise StateUnavailable(f"state store conflicts persisted: {one_line(exc)}") from None
            except (psycopg.OperationalError, psycopg.InterfaceError) as exc:
                self.close()
                raise StateUnavailable(
                    f"state store {mask_url(self._dsn)} unavailable: {type(exc).__name__}: {one_line(exc)}"
                ) from None
        raise AssertionError("unreachable")

    def close(self) -> None:
        """Close the connection; the next call reconnects."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None

"""The SQLite backend: the default state store, one file next to the consumer.

WAL mode lets readers (metrics, status) run beside the writer; ``synchronous=FULL`` makes a
committed batch survive a power loss, since offsets are committed to Kafka after it. Writes take
the write lock at ``BEGIN IMMEDIATE``, so two processes on one file wait for each other instead
of failing half-way.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

from .store import Cursor

T = TypeVar("T")


class SqliteBackend:
    """A connection to one SQLite file (or ``:memory:``).

    Args:
        path: the database file; its folder is created if missing.
        busy_timeout_seconds: how long a write waits for another process's transaction.
    """

    placeholder = "?"
    lock_clause = ""
    schema_lock = None

    def __init__(self, path: str, busy_timeout_seconds: float = 30.0) -> None:
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(path, timeout=busy_timeout_seconds, isolation_level=None, check_same_thread=False)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=FULL")

    def in_list(self, values: Sequence[object], sql_type: str) -> tuple[str, tuple[object, ...]]:
        """One placeholder per value."""
        return ", ".join("?" * len(values)), tuple(values)

    def run(self, work: Callable[[Cursor], T], *, write: bool) -> T:
        """``work`` in one transaction (``BEGIN IMMEDIATE`` when it writes)."""
        cur = self._conn.cursor()
        cur.execute("BEGIN IMMEDIATE" if write else "BEGIN")
        try:
            result = work(cur)
        except BaseException:
            if self._conn.in_transaction:
                self._conn.rollback()
            raise
        cur.execute("COMMIT")
        return result

    def close(self) -> None:
        """Close the connection."""
        self._conn.close()

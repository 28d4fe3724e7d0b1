"""The state store on SQL: one implementation, its statements shared by SQLite and PostgreSQL.

Two tables. ``cdc_state_rows`` holds the latest version of each source row: its LSN, the invoice
it belongs to and its typed JSON image (``NULL`` for a deleted marker). ``cdc_state_sync``
holds each invoice's sync state: partition, dirty flag, Odoo move id, fingerprint, pending
reason, backoff. :meth:`SqlStateStore.apply` changes both in one transaction, so an invoice
whose rows changed is dirty for as long as its write to Odoo has not been recorded, whatever
crashes in between. Times are stored as microseconds since the epoch (UTC).

The dialects differ only in what a :class:`Backend` says: the placeholder, row locking, how a
transaction is opened and which errors are worth a retry.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol, TypeVar

from ..events import INVOICE_ITEMS, INVOICES, ChangeEvent
from .codec import decode_row
from .merge import RowKey, Version, plan_batch, row_keys
from .model import (
    FAILED,
    INCOMPLETE_REASONS,
    ApplyResult,
    PendingRecord,
    StoredInvoice,
    StoredRow,
    SyncOutcome,
    SyncState,
)

T = TypeVar("T")

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS cdc_state_rows (
        source_table TEXT NOT NULL,
        row_key TEXT NOT NULL,
        invoice_id TEXT,
        lsn BIGINT NOT NULL,
        row_json TEXT,
        PRIMARY KEY (source_table, row_key))""",
    "CREATE INDEX IF NOT EXISTS cdc_state_rows_invoice ON cdc_state_rows (invoice_id)",
    """CREATE TABLE IF NOT EXISTS cdc_state_sync (
        invoice_id TEXT PRIMARY KEY,
        kafka_partition INTEGER,
        dirty INTEGER NOT NULL DEFAULT 0,
        dirty_since BIGINT,
        version BIGINT NOT NULL DEFAULT 0,
        move_id BIGINT,
        fingerprint TEXT,
        pending_reason TEXT,
        pending_detail TEXT NOT NULL DEFAULT '',
        pending_since BIGINT,
        inconsistent_since BIGINT,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_retry_at BIGINT)""",
    """CREATE INDEX IF NOT EXISTS cdc_state_sync_dirty
        ON cdc_state_sync (kafka_partition, dirty_since) WHERE dirty = 1""",
    """CREATE INDEX IF NOT EXISTS cdc_state_sync_pending
        ON cdc_state_sync (pending_since) WHERE pending_reason IS NOT NULL""",
)

SELECT_ROWS = (
    "SELECT source_table, row_key, lsn, invoice_id, row_json FROM cdc_state_rows"
    " WHERE source_table = ? AND row_key IN ({keys}) ORDER BY row_key"
)
UPSERT_ROW = """INSERT INTO cdc_state_rows (source_table, row_key, invoice_id, lsn, row_json)
    VALUES (?, ?, ?, ?, ?)
    ON CONFLICT (source_table, row_key) DO UPDATE SET
        invoice_id = excluded.invoice_id, lsn = excluded.lsn, row_json = excluded.row_json
    WHERE cdc_state_rows.lsn < excluded.lsn"""
# A change resets the backoff: the new source state deserves a prompt attempt. A NULL partition
# (not known from this change) keeps the stored one.
MARK_DIRTY = """INSERT INTO cdc_state_sync (invoice_id, kafka_partition, dirty, dirty_since, version)
    VALUES (?, ?, 1, ?, 1)
    ON CONFLICT (invoice_id) DO UPDATE SET
        kafka_partition = COALESCE(excluded.kafka_partition, cdc_state_sync.kafka_partition),
        dirty = 1,
        dirty_since = CASE WHEN cdc_state_sync.dirty = 1
                           THEN cdc_state_sync.dirty_since ELSE excluded.dirty_since END,
        version = cdc_state_sync.version + 1,
        next_retry_at = NULL"""
SELECT_INVOICE_ROWS = (
    "SELECT source_table, row_key, lsn, invoice_id, row_json FROM cdc_state_rows WHERE invoice_id IN ({keys})"
)
SYNC_COLUMNS = (
    "invoice_id, kafka_partition, dirty, dirty_since, version, move_id, fingerprint, pending_reason,"
    " pending_detail, pending_since, inconsistent_since, attempts, next_retry_at"
)
# The statements are built from constants only; values always go through placeholders.
SELECT_SYNC = f"SELECT {SYNC_COLUMNS} FROM cdc_state_sync WHERE invoice_id IN ({{keys}}) ORDER BY invoice_id"  # noqa: S608
UPSERT_SYNC = (
    f"INSERT INTO cdc_state_sync ({SYNC_COLUMNS})"  # noqa: S608
    + """
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (invoice_id) DO UPDATE SET
        dirty = excluded.dirty, dirty_since = excluded.dirty_since, move_id = excluded.move_id,
        fingerprint = excluded.fingerprint, pending_reason = excluded.pending_reason,
        pending_detail = excluded.pending_detail, pending_since = excluded.pending_since,
        inconsistent_since = excluded.inconsistent_since, attempts = excluded.attempts,
        next_retry_at = excluded.next_retry_at"""
)
SELECT_DIRTY = """SELECT invoice_id FROM cdc_state_sync
    WHERE dirty = 1 AND kafka_partition IN ({keys}) AND (next_retry_at IS NULL OR next_retry_at <= ?)
    ORDER BY dirty_since, invoice_id LIMIT ?"""
SELECT_PENDING = """SELECT invoice_id, pending_reason, pending_detail,
        COALESCE(inconsistent_since, pending_since) AS since, kafka_partition, attempts, next_retry_at
    FROM cdc_state_sync WHERE pending_reason IS NOT NULL ORDER BY since, invoice_id"""

CHUNK = 500
"""Keys per ``IN (...)`` list: well under SQLite's and PostgreSQL's parameter limits."""
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICRO = timedelta(microseconds=1)


class Cursor(Protocol):
    """The DB-API cursor methods the store uses (``sqlite3`` and psycopg 3 both have them)."""

    def execute(self, query: Any, params: Any = ..., /) -> Any: ...
    def executemany(self, query: Any, params_seq: Any, /) -> Any: ...
    def fetchall(self) -> list[Any]: ...


class Backend(Protocol):
    """A database dialect and connection, as :class:`SqlStateStore` uses it.

    Attributes:
        placeholder: the parameter marker (``?`` or ``%s``).
        lock_clause: appended to a ``SELECT`` of rows about to be changed (``FOR UPDATE``), so
            that instances sharing the database serialise on the same keys.
        schema_lock: a statement run before creating the schema, for concurrent start-ups.
    """

    placeholder: str
    lock_clause: str
    schema_lock: str | None

    def in_list(self, values: Sequence[object], sql_type: str) -> tuple[str, tuple[object, ...]]:
        """What goes between the parentheses of ``IN (...)`` to match ``values``, and its parameters.

        Args:
            values: the values to match.
            sql_type: their SQL type (``text``, ``integer``), for dialects that pass an array.
        """
        ...

    def run(self, work: Callable[[Cursor], T], *, write: bool) -> T:
        """``work`` in one transaction, retried on the dialect's transient conflicts.

        ``write`` says the transaction will write (SQLite then takes its write lock up front).
        """
        ...

    def close(self) -> None:
        """Close the connection."""
        ...


def to_micros(moment: datetime) -> int:
    """A timezone-aware datetime as whole microseconds since the epoch."""
    if moment.tzinfo is None:
        raise ValueError(f"a timezone-aware datetime is required, got {moment!r}")
    return (moment - _EPOCH) // _MICRO


def from_micros(micros: int | None) -> datetime | None:
    """The UTC datetime :func:`to_micros` stored, or ``None``."""
    return None if micros is None else _EPOCH + timedelta(microseconds=micros)


def _chunks(items: Sequence[T]) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def _sync_state(row: Sequence[Any]) -> SyncState:
    return SyncState(
        partition=row[1],
        dirty=bool(row[2]),
        version=row[4],
        move_id=row[5],
        fingerprint=row[6],
        pending_reason=row[7],
        pending_detail=row[8],
        pending_since=from_micros(row[9]),
        inconsistent_since=from_micros(row[10]),
        attempts=row[11],
        next_retry_at=from_micros(row[12]),
    )


class SqlStateStore:
    """The :class:`~cdc_consumer.state.model.StateStore` on a SQL database.

    Safe to share between threads (calls are serialised); several processes may share one
    PostgreSQL database (row locks and LSN-guarded upserts keep the newest version).

    Args:
        backend: the dialect and connection.
        clock: the current time (aware), for dirty and pending timestamps and backoff.
        retry_base_seconds: the wait after a first failed write; doubled per further failure.
        retry_max_seconds: the longest wait between two attempts.
    """

    def __init__(
        self,
        backend: Backend,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        retry_base_seconds: float = 30.0,
        retry_max_seconds: float = 3600.0,
    ) -> None:
        self._backend = backend
        self._clock = clock
        self._retry_base = retry_base_seconds
        self._retry_max = retry_max_seconds
        self._lock = threading.Lock()
        self._create_schema()

    def _sql(self, statement: str) -> str:
        return statement.replace("?", self._backend.placeholder)

    def _sql_in(
        self, statement: str, values: Sequence[object], sql_type: str = "text"
    ) -> tuple[str, tuple[object, ...]]:
        """``statement`` with its ``{keys}`` list matching ``values``, and the list's parameters."""
        fragment, params = self._backend.in_list(values, sql_type)
        return self._sql(statement).replace("{keys}", fragment), params

    def _create_schema(self) -> None:
        def work(cur: Cursor) -> None:
            if self._backend.schema_lock:
                cur.execute(self._backend.schema_lock)
            for statement in SCHEMA:
                cur.execute(statement)

        self._backend.run(work, write=True)

    def apply(self, events: Sequence[ChangeEvent]) -> ApplyResult:
        """Store the events newer than what is stored, in one transaction, in the order given.

        Marks each touched invoice dirty in the same transaction, with its partition (that of
        its own events; an invoice an item left keeps the partition it had). Rows, then sync
        states, are locked and written in key order, so concurrent instances cannot deadlock.
        """

        def work(cur: Cursor) -> ApplyResult:
            plan = plan_batch(events, self._versions(cur, row_keys(events)))
            cur.executemany(
                self._sql(UPSERT_ROW),
                [(t, k, v.invoice_id, v.lsn, v.row_json) for (t, k), v in sorted(plan.rows.items())],
            )
            now = to_micros(self._clock())
            cur.executemany(
                self._sql(MARK_DIRTY), [(invoice_id, part, now) for invoice_id, part in sorted(plan.dirty.items())]
            )
            return ApplyResult(tuple(plan.dirty), plan.applied, plan.stale, plan.duplicate, plan.ignored)

        with self._lock:
            return self._backend.run(work, write=True)

    def _versions(self, cur: Cursor, keys: Collection[RowKey]) -> dict[RowKey, Version]:
        found: dict[RowKey, Version] = {}
        for table in (INVOICE_ITEMS, INVOICES):
            wanted = sorted(k for t, k in keys if t == table)
            for chunk in _chunks(wanted):
                query, params = self._sql_in(SELECT_ROWS, chunk)
                cur.execute(query + self._backend.lock_clause, (table, *params))
                for source_table, row_key, lsn, invoice_id, row_json in cur.fetchall():
                    found[(source_table, row_key)] = Version(lsn, invoice_id, row_json)
        return found

    def load(self, invoice_ids: Iterable[str]) -> dict[str, StoredInvoice]:
        """Header (or deleted marker), live items and sync state of every invoice asked for.

        An invoice the store has never seen comes back with no header, no items and a blank
        sync state.
        """
        wanted = sorted(set(invoice_ids))

        def work(cur: Cursor) -> dict[str, StoredInvoice]:
            headers: dict[str, StoredRow] = {}
            items: dict[str, list[StoredRow]] = {i: [] for i in wanted}
            syncs: dict[str, SyncState] = {}
            for chunk in _chunks(wanted):
                cur.execute(*self._sql_in(SELECT_INVOICE_ROWS, chunk))
                for table, key, lsn, invoice_id, row_json in cur.fetchall():
                    row = decode_row(row_json) if row_json is not None else None
                    if table == INVOICES and key == invoice_id:
                        headers[invoice_id] = StoredRow(key, lsn, row)
                    elif table == INVOICE_ITEMS and row is not None:
                        items[invoice_id].append(StoredRow(key, lsn, row))
                cur.execute(*self._sql_in(SELECT_SYNC, chunk))
                syncs.update((row[0], _sync_state(row)) for row in cur.fetchall())
            return {
                i: StoredInvoice(
                    i, headers.get(i), tuple(sorted(items[i], key=lambda r: r.key)), syncs.get(i, SyncState())
                )
                for i in wanted
            }

        with self._lock:
            return self._backend.run(work, write=False)

    def dirty(self, partitions: Collection[int], limit: int, now: datetime) -> list[str]:
        """Dirty invoices of ``partitions`` whose retry time has come at ``now``, oldest change first."""
        parts = sorted(set(partitions))
        if not parts or limit <= 0:
            return []

        def work(cur: Cursor) -> list[str]:
            query, params = self._sql_in(SELECT_DIRTY, parts, "integer")
            cur.execute(query, (*params, to_micros(now), limit))
            return [row[0] for row in cur.fetchall()]

        with self._lock:
            return self._backend.run(work, write=False)

    def record(self, outcomes: Iterable[SyncOutcome]) -> None:
        """Store the outcome of handling each invoice, in one transaction.

        A success or a pending reason clears the dirty flag (unless the invoice changed since
        the outcome's ``version`` was loaded) and the failure count; a ``retry`` keeps it dirty
        and schedules the next attempt after an exponential backoff. ``pending_since`` is kept
        while the reason stays the same; ``inconsistent_since`` while the invoice stays
        incomplete (``no_header`` or ``inconsistent``).
        """
        latest = {outcome.invoice_id: outcome for outcome in outcomes}
        if not latest:
            return
        wanted = sorted(latest)

        def work(cur: Cursor) -> None:
            stored: dict[str, Sequence[Any]] = {}
            for chunk in _chunks(wanted):
                query, params = self._sql_in(SELECT_SYNC, chunk)
                cur.execute(query + self._backend.lock_clause, params)
                stored.update((row[0], row) for row in cur.fetchall())
            now = self._clock()
            cur.executemany(self._sql(UPSERT_SYNC), [self._recorded(latest[i], stored.get(i), now) for i in wanted])

        with self._lock:
            self._backend.run(work, write=True)

    def _recorded(self, outcome: SyncOutcome, row: Sequence[Any] | None, now: datetime) -> tuple[Any, ...]:
        """The sync row after ``outcome``, from the stored one (``None``: no row yet)."""
        old = _sync_state(row) if row is not None else SyncState()
        dirty_since = row[3] if row is not None else None
        changed_since = outcome.version is not None and outcome.version != old.version
        reason = outcome.pending or (FAILED if outcome.retry else None)
        pending_since = old.pending_since if reason is not None and reason == old.pending_reason else None
        inconsistent_since = old.inconsistent_since if reason in INCOMPLETE_REASONS else None
        attempts = old.attempts + 1 if outcome.retry else 0
        next_retry_at = None
        if outcome.retry and not changed_since:
            delay = min(self._retry_base * 2 ** (attempts - 1), self._retry_max)
            next_retry_at = now + timedelta(seconds=delay)
        dirty = outcome.retry or (old.dirty and changed_since)
        return (
            outcome.invoice_id,
            old.partition,
            int(dirty),
            (dirty_since or to_micros(now)) if dirty else None,
            old.version,
            outcome.move_id,
            outcome.fingerprint,
            reason,
            outcome.detail if reason is not None else "",
            to_micros(pending_since or now) if reason is not None else None,
            to_micros(inconsistent_since or now) if reason in INCOMPLETE_REASONS else None,
            attempts,
            to_micros(next_retry_at) if next_retry_at is not None else None,
        )

    def pending(self) -> list[PendingRecord]:
        """Every invoice with a pending reason, the longest-standing first."""

        def work(cur: Cursor) -> list[PendingRecord]:
            cur.execute(self._sql(SELECT_PENDING))
            return [
                PendingRecord(i, reason, detail, from_micros(since), part, attempts, from_micros(retry))  # type: ignore[arg-type]
                for i, reason, detail, since, part, attempts, retry in cur.fetchall()
            ]

        with self._lock:
            return self._backend.run(work, write=False)

    def close(self) -> None:
        """Close the database connection."""
        with self._lock:
            self._backend.close()

"""Read-only reads of NexaCloud's invoices for the operator commands (audit, bulk post).

Everything runs in one ``REPEATABLE READ READ ONLY`` transaction: the commands can never write
to the source, and a whole audit compares one consistent picture of it however long it takes.
Invoices are read in key order, a batch at a time, with their items in one more query.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import psycopg
from psycopg.rows import dict_row

from ..config import Secret
from ..errors import InvalidMessage, SourceUnavailable
from ..invoice import InvoiceHeader, InvoiceLine, SourceInvoice

INVOICE_COLUMNS = (
    "id::text AS id, stripe_invoice_id, invoice_number, user_id::text AS user_id,"
    " subscription_id::text AS subscription_id, created_at, currency, status, subtotal, tax, amount_paid, paid_at"
)
SELECT_BY_IDS = f"SELECT {INVOICE_COLUMNS} FROM invoices WHERE id = ANY(%s::uuid[]) ORDER BY id"  # noqa: S608
SELECT_PAGE = f"SELECT {INVOICE_COLUMNS} FROM invoices WHERE id > %s::uuid ORDER BY id LIMIT %s"  # noqa: S608
SELECT_ITEMS = (
    "SELECT id::text AS id, invoice_id::text AS invoice_id, description, quantity, unit_price, amount"
    " FROM invoice_items WHERE invoice_id = ANY(%s::uuid[]) ORDER BY invoice_id, id"
)
FIRST_UUID = "00000000-0000-0000-0000-000000000000"


@dataclass(frozen=True, slots=True)
class SourceRecord:
    """One source invoice: valid (``invoice``) or not (``invalid`` says why)."""

    invoice_id: str
    ref: str
    invoice: SourceInvoice | None = None
    invalid: str | None = None


class SourceReader:
    """A read-only snapshot of the source database; a context manager.

    Args:
        dsn: the source database (a secret: it may hold a password).
    """

    def __init__(self, dsn: Secret) -> None:
        self._dsn = dsn
        self._conn: psycopg.Connection[dict[str, Any]] | None = None

    def __enter__(self) -> SourceReader:
        try:
            conn = psycopg.connect(
                self._dsn.reveal(),
                connect_timeout=10,
                application_name="cdc-consumer ops",
                row_factory=dict_row,
            )
        except psycopg.OperationalError as exc:
            raise SourceUnavailable(f"the source database cannot be reached: {exc}") from None
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        self._conn = conn
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._conn is not None:
            self._conn.rollback()
            self._conn.close()
            self._conn = None

    def _query(self, query: str, params: tuple[object, ...] = ()) -> list[dict[str, Any]]:
        if self._conn is None:
            raise RuntimeError("use SourceReader as a context manager")
        try:
            return self._conn.execute(query, params).fetchall()  # type: ignore[arg-type]
        except psycopg.Error as exc:
            raise SourceUnavailable(f"reading the source failed: {type(exc).__name__}: {exc}") from None

    def count(self) -> int:
        """How many invoices the source holds."""
        return int(self._query("SELECT count(*) AS n FROM invoices")[0]["n"])

    def invoices(self, invoice_ids: Iterable[str]) -> dict[str, SourceRecord]:
        """The invoices among ``invoice_ids`` that exist, with their items."""
        ids = sorted(set(invoice_ids))
        return {r.invoice_id: r for r in self._records(self._query(SELECT_BY_IDS, (ids,)))} if ids else {}

    def batches(self, size: int) -> Iterator[list[SourceRecord]]:
        """Every invoice, ``size`` at a time, in id order."""
        last = FIRST_UUID
        while rows := self._query(SELECT_PAGE, (last, size)):
            yield self._records(rows)
            last = rows[-1]["id"]

    def _records(self, headers: list[dict[str, Any]]) -> list[SourceRecord]:
        items: dict[str, list[dict[str, Any]]] = {h["id"]: [] for h in headers}
        for row in self._query(SELECT_ITEMS, (list(items),)):
            items[row["invoice_id"]].append(row)
        return [self._record(h, items[h["id"]]) for h in headers]

    @staticmethod
    def _record(row: dict[str, Any], items: list[dict[str, Any]]) -> SourceRecord:
        ref = str(row.get("invoice_number") or "")
        try:
            header = InvoiceHeader.from_row(row)
            lines = tuple(InvoiceLine.from_row(item) for item in items)
        except InvalidMessage as exc:
            return SourceRecord(row["id"], ref, invalid=str(exc))
        return SourceRecord(header.id, ref, invoice=SourceInvoice(header, lines))

"""Who an invoice is for: NexaCloud users read from the source database, batched and cached.

Only ``invoices`` and ``invoice_items`` are streamed; the partner's name and email come from
``users`` through this read-only lookup. Every query runs in a read-only transaction, so the
consumer can never write to NexaCloud's database even with a privileged DSN.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable

import psycopg

from .config import Secret
from .errors import SourceUnavailable, one_line
from .invoice import Customer

QUERY = "SELECT id::text, full_name, email, billing_email FROM users WHERE id = ANY(%s::uuid[])"


class UsersLookup:
    """Customers by user id, fetched in one query per batch and kept in a bounded cache.

    Args:
        dsn: the source database (a secret: it may hold a password).
        cache_size: how many customers to keep; the least recently used go first.
    """

    def __init__(self, dsn: Secret, cache_size: int = 50_000) -> None:
        self._dsn = dsn
        self._cache: OrderedDict[str, Customer] = OrderedDict()
        self._cache_size = cache_size
        self._conn: psycopg.Connection | None = None

    def _connection(self) -> psycopg.Connection:
        if self._conn is None or self._conn.closed:
            self._conn = psycopg.connect(self._dsn.reveal(), connect_timeout=10)
            self._conn.read_only = True
        return self._conn

    def get_many(self, user_ids: Iterable[str]) -> dict[str, Customer]:
        """The customers among ``user_ids`` that exist; unknown ids are simply absent.

        Raises:
            SourceUnavailable: the source database cannot be reached or the query failed.
        """
        wanted = set(user_ids)
        found = {uid: self._cache[uid] for uid in wanted if uid in self._cache}
        missing = sorted(wanted - found.keys())
        if missing:
            try:
                conn = self._connection()
                with conn.transaction(), conn.cursor() as cur:
                    cur.execute(QUERY, (missing,))
                    rows = cur.fetchall()
            except psycopg.Error as exc:
                self.close()
                raise SourceUnavailable(f"users lookup failed: {type(exc).__name__}: {one_line(exc)}") from None
            for uid, full_name, email, billing_email in rows:
                customer = Customer(uid, full_name or "", email, billing_email)
                found[uid] = customer
                self._remember(customer)
        for uid in found:
            if uid in self._cache:
                self._cache.move_to_end(uid)
        return found

    def _remember(self, customer: Customer) -> None:
        self._cache[customer.user_id] = customer
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)

    def close(self) -> None:
        """Close the connection; the next lookup reconnects."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None

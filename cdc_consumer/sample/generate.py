"""Write sample invoices into the source database the way NexaCloud's application does.

Each invoice and its items are written in one SQL transaction (``BEGIN`` … ``COMMIT``), so
Debezium sees the invoice and its items in one source transaction, as it would in production.
Many such transactions travel in one round trip (libpq pipeline mode), which is what makes a
large data set quick to write; every one of them still commits on its own.

Writing is idempotent: an invoice whose id is already there is left as it is, items included
(also when live changes have edited or deleted items since), and counted as existing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import islice

import psycopg
from psycopg import pq

from .dataset import SampleInvoice, build_invoices
from .summary import Summary, SummaryBuilder

Progress = Callable[[int, int], None]
"""Called after each batch with (invoices done, invoices asked for)."""

DEFAULT_BATCH_SIZE = 500

_INSERT_USERS = """
INSERT INTO users (id, full_name, email, billing_email, created_at)
SELECT * FROM unnest(%s::uuid[], %s::text[], %s::text[], %s::text[], %s::timestamptz[])
ON CONFLICT (id) DO NOTHING
"""

# One statement per invoice: the items are inserted only when the invoice row was (RETURNING
# gives no row on conflict), so a rerun never re-adds an item that was deleted since.
_INSERT_INVOICE = """
WITH invoice AS (
    INSERT INTO invoices (id, stripe_invoice_id, invoice_number, user_id, subscription_id, created_at,
                          currency, status, subtotal, tax, amount_paid, paid_at, hosted_invoice_url)
    VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
    ON CONFLICT DO NOTHING
    RETURNING id
)
INSERT INTO invoice_items (id, invoice_id, description, quantity, unit_price, amount, period_start, period_end)
SELECT item.id, invoice.id, item.description, item.quantity, item.unit_price, item.amount,
       item.period_start, item.period_end
FROM invoice CROSS JOIN unnest(%s::uuid[], %s::text[], %s::int[], %s::numeric[], %s::numeric[],
                               %s::timestamptz[], %s::timestamptz[])
    AS item (id, description, quantity, unit_price, amount, period_start, period_end)
"""


@dataclass(frozen=True)
class Generated:
    """What :func:`generate` did.

    Attributes:
        inserted: invoices written now.
        existing: invoices that were already there (a rerun), left untouched.
        summary: the expected totals of all the invoices asked for, as generated.
    """

    inserted: int
    existing: int
    summary: Summary


def _invoice_params(inv: SampleInvoice) -> tuple[object, ...]:
    items = inv.items
    return (
        inv.id, inv.stripe_invoice_id, inv.invoice_number, inv.user.id, inv.subscription_id, inv.created_at,
        inv.currency, inv.status, inv.subtotal, inv.tax, inv.amount_paid, inv.paid_at, inv.hosted_invoice_url,
        [i.id for i in items], [i.description for i in items], [i.quantity for i in items],
        [i.unit_price for i in items], [i.amount for i in items],
        [i.period_start for i in items], [i.period_end for i in items],
    )  # fmt: skip


def _write_users(conn: psycopg.Connection, invoices: Sequence[SampleInvoice]) -> None:
    users = list({inv.user.id: inv.user for inv in invoices}.values())
    conn.execute(
        _INSERT_USERS,
        (
            [u.id for u in users],
            [u.full_name for u in users],
            [u.email for u in users],
            [u.billing_email for u in users],
            [u.created_at for u in users],
        ),
    )


def write_invoices(conn: psycopg.Connection, invoices: Sequence[SampleInvoice]) -> int:
    """Write ``invoices`` (and their users) to the source, one transaction per invoice.

    Args:
        conn: an autocommit connection (see ``source.connect``).
        invoices: the invoices; their users are written first, in a transaction of their own.

    Returns:
        How many invoices were inserted; the others were already there.

    Raises:
        psycopg.Error: a write failed. The invoices before it in the batch are committed, the
            failed one and those after it are not; rerunning is safe.
    """
    if not conn.autocommit:
        raise ValueError("write_invoices needs an autocommit connection: it manages its own transactions")
    if not invoices:
        return 0
    _write_users(conn, invoices)
    cursors = []
    try:
        with conn.pipeline():
            for inv in invoices:
                conn.execute("BEGIN")
                cursors.append(conn.execute(_INSERT_INVOICE, _invoice_params(inv)))
                conn.execute("COMMIT")
    except psycopg.Error:
        if conn.info.transaction_status != pq.TransactionStatus.IDLE:
            conn.execute("ROLLBACK")
        raise
    return sum(1 for cur in cursors if cur.rowcount > 0)


def generate(
    conn: psycopg.Connection,
    count: int,
    seed: int | str = 1,
    *,
    start: int = 0,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: Progress | None = None,
) -> Generated:
    """Write invoices ``start`` … ``start + count - 1`` of ``seed`` to the source database.

    Args:
        conn: an autocommit connection to a database that has the source schema.
        count: how many invoices.
        seed: the data set's seed: the same seed always gives the same invoices and ids.
        start: the index of the first invoice (to extend a data set written before).
        batch_size: invoices per round trip.
        progress: called after each batch.

    Returns:
        How many were inserted or already there, and the expected totals of all ``count``.
    """
    if count < 0 or start < 0 or batch_size < 1:
        raise ValueError("count and start must not be negative, batch_size must be positive")
    builder = SummaryBuilder()
    inserted = done = 0
    invoices = build_invoices(count, seed, start)
    while batch := tuple(islice(invoices, batch_size)):
        inserted += write_invoices(conn, batch)
        for inv in batch:
            builder.add(inv)
        done += len(batch)
        if progress:
            progress(done, count)
    return Generated(inserted=inserted, existing=count - inserted, summary=builder.summary())

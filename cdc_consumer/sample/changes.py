"""Live changes to the source, made the way NexaCloud's application makes them.

Every function here is one SQL transaction on an autocommit connection, and leaves the invoice
consistent: when items change, the invoice's ``subtotal`` (Σ item amounts) and ``tax`` (at the
invoice's rate, rounded half-up) change in the same transaction. The invoice row is locked
first (``FOR UPDATE``) so concurrent changes to one invoice serialize.

Status changes follow Stripe: a draft is finalized (``open``); an open invoice is paid, voided
or marked uncollectible; an uncollectible one can still be paid or voided. Item edits and
deletes are allowed whatever the status (Stripe's application would only touch drafts), because
tests need them to check that the consumer reports changes to posted invoices.

:func:`run_stream` makes a seeded random stream of such changes at a given rate, for demos and
benchmarks.
"""

from __future__ import annotations

import time
import uuid
from collections import Counter
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

import psycopg

from ..errors import CdcError
from .dataset import build_invoice, rate_of, seeded_rng, tax_for
from .generate import write_invoices

TRANSITIONS: dict[str, frozenset[str]] = {
    "open": frozenset({"draft"}),
    "paid": frozenset({"open", "uncollectible"}),
    "void": frozenset({"open", "uncollectible"}),
    "uncollectible": frozenset({"open"}),
}
"""Target status → the statuses Stripe lets an invoice reach it from."""


class ChangeRefused(CdcError):
    """The change is not one NexaCloud's application could make (unknown row, bad transition)."""


@dataclass(frozen=True, slots=True)
class _Locked:
    status: str
    subtotal: Decimal
    tax: Decimal


def _now() -> datetime:
    return datetime.now(UTC)


def _lock(cur: psycopg.Cursor, invoice_id: str) -> _Locked:
    row = cur.execute("SELECT status, subtotal, tax FROM invoices WHERE id = %s FOR UPDATE", (invoice_id,)).fetchone()
    if row is None:
        raise ChangeRefused(f"no invoice {invoice_id}")
    return _Locked(*row)


def _invoice_of_item(cur: psycopg.Cursor, item_id: str) -> str:
    row = cur.execute("SELECT invoice_id::text FROM invoice_items WHERE id = %s", (item_id,)).fetchone()
    if row is None:
        raise ChangeRefused(f"no invoice item {item_id}")
    return row[0]


def _retotal(cur: psycopg.Cursor, invoice_id: str, before: _Locked) -> None:
    """Set subtotal = Σ items and the tax at the rate the invoice had."""
    try:
        rate = rate_of(before.subtotal, before.tax)
    except ValueError as exc:
        raise ChangeRefused(f"invoice {invoice_id}: {exc}") from None
    row = cur.execute(
        "SELECT coalesce(sum(amount), 0) FROM invoice_items WHERE invoice_id = %s", (invoice_id,)
    ).fetchone()
    subtotal = row[0] if row else Decimal("0")
    cur.execute(
        "UPDATE invoices SET subtotal = %s, tax = %s WHERE id = %s",
        (subtotal, tax_for(subtotal, rate), invoice_id),
    )


def set_status(
    conn: psycopg.Connection,
    invoice_id: str,
    status: str,
    *,
    amount_paid: Decimal | None = None,
    paid_at: datetime | None = None,
) -> None:
    """Move an invoice to ``status`` as Stripe would.

    Args:
        conn: an autocommit connection.
        invoice_id: the invoice.
        status: ``open``, ``paid``, ``void`` or ``uncollectible``.
        amount_paid: for ``paid``: what was collected (default: the total, subtotal + tax);
            less than the total is a partial payment, e.g. a credit balance covered the rest.
        paid_at: for ``paid``: when (default: now). Must be timezone-aware.

    Raises:
        ChangeRefused: unknown invoice, or a transition Stripe does not make.
    """
    if status not in TRANSITIONS:
        raise ChangeRefused(f"cannot set status {status!r}; one of {', '.join(TRANSITIONS)}")
    if paid_at is not None and paid_at.tzinfo is None:
        raise ChangeRefused("paid_at must be timezone-aware")
    with conn.transaction(), conn.cursor() as cur:
        current = _lock(cur, invoice_id)
        if current.status not in TRANSITIONS[status]:
            raise ChangeRefused(f"invoice {invoice_id} is {current.status}; Stripe does not make it {status}")
        if status == "paid":
            paid = current.subtotal + current.tax if amount_paid is None else amount_paid
            cur.execute(
                "UPDATE invoices SET status = 'paid', amount_paid = %s, paid_at = %s WHERE id = %s",
                (paid, paid_at or _now(), invoice_id),
            )
        else:
            cur.execute("UPDATE invoices SET status = %s WHERE id = %s", (status, invoice_id))


def set_item_amount(conn: psycopg.Connection, item_id: str, amount: Decimal, *, quantity: int | None = None) -> None:
    """Change an item's amount (and quantity); the unit price follows when there is one.

    A line with a unit price keeps ``amount = quantity × unit_price``: the unit price becomes
    ``amount / quantity`` when that is a whole number of cents, else it is cleared (as on a
    proration line). The invoice's subtotal and tax follow in the same transaction.
    """
    with conn.transaction(), conn.cursor() as cur:
        invoice_id = _invoice_of_item(cur, item_id)
        before = _lock(cur, invoice_id)
        row = cur.execute("SELECT quantity, unit_price FROM invoice_items WHERE id = %s", (item_id,)).fetchone()
        if row is None:  # deleted since we looked it up
            raise ChangeRefused(f"no invoice item {item_id}")
        qty = row[0] if quantity is None else quantity
        unit = amount / qty if row[1] is not None and qty else None
        if unit is not None and unit != unit.quantize(Decimal("0.01")):
            unit = None
        cur.execute(
            "UPDATE invoice_items SET amount = %s, quantity = %s, unit_price = %s WHERE id = %s",
            (amount, qty, unit, item_id),
        )
        _retotal(cur, invoice_id, before)


def add_item(
    conn: psycopg.Connection,
    invoice_id: str,
    description: str,
    amount: Decimal,
    *,
    quantity: int = 1,
    unit_price: Decimal | None = None,
    item_id: str | None = None,
) -> str:
    """Add a line to an invoice; subtotal and tax follow. Returns the new item's id."""
    new_id = item_id or str(uuid.uuid4())
    with conn.transaction(), conn.cursor() as cur:
        before = _lock(cur, invoice_id)
        cur.execute(
            "INSERT INTO invoice_items (id, invoice_id, description, quantity, unit_price, amount)"
            " VALUES (%s, %s, %s, %s, %s, %s)",
            (new_id, invoice_id, description, quantity, unit_price, amount),
        )
        _retotal(cur, invoice_id, before)
    return new_id


def remove_item(conn: psycopg.Connection, item_id: str) -> None:
    """Delete a line from its invoice; subtotal and tax follow."""
    with conn.transaction(), conn.cursor() as cur:
        invoice_id = _invoice_of_item(cur, item_id)
        before = _lock(cur, invoice_id)
        cur.execute("DELETE FROM invoice_items WHERE id = %s", (item_id,))
        _retotal(cur, invoice_id, before)


def delete_invoice(conn: psycopg.Connection, invoice_id: str) -> None:
    """Delete an invoice; its items go with it (``ON DELETE CASCADE``), in the same transaction."""
    with conn.transaction(), conn.cursor() as cur:
        _lock(cur, invoice_id)
        cur.execute("DELETE FROM invoices WHERE id = %s", (invoice_id,))


# The random stream.

_KINDS: dict[str, tuple[int, tuple[str, ...]]] = {
    # kind: (weight, statuses of the invoices it applies to)
    "create": (25, ()),
    "finalize": (10, ("draft",)),
    "pay": (20, ("open",)),
    "void": (5, ("open",)),
    "uncollectible": (3, ("open",)),
    "edit_item": (12, ("draft", "open")),
    "add_item": (8, ("draft", "open")),
    "remove_item": (7, ("draft", "open")),
    "delete": (5, ("draft",)),
}
_EXTRA_LINES = (
    ("Daily Backup Protection", Decimal("10.00")),
    ("Forms Builder", Decimal("7.50")),
    ("Domain Registration", Decimal("18.99")),
)

Clock = Callable[[], float]
Sleep = Callable[[float], None]


@dataclass
class StreamStats:
    """What a stream did.

    Attributes:
        made: changes made, per kind (a ``create`` whose invoice a rerun finds there counts too).
        refused: picked changes that could not be made (the invoice changed under the stream).
        elapsed: seconds from start to end.
    """

    made: Counter[str]
    refused: int
    elapsed: float

    @property
    def total(self) -> int:
        """How many changes were made."""
        return sum(self.made.values())


class _Stream:
    """One seeded stream: picks a change kind, an invoice it applies to, and makes the change."""

    def __init__(self, conn: psycopg.Connection, seed: int | str, only: Collection[str] | None) -> None:
        self.conn = conn
        self.seed = seed
        self.rng = seeded_rng(seed, "stream")
        self.created = 0
        self.only = None if only is None else list(only)

    def pick_invoice(self, statuses: tuple[str, ...]) -> str | None:
        """An invoice in one of ``statuses``: the first at or after a random id, wrapping round."""
        pivot = str(uuid.UUID(int=self.rng.getrandbits(128)))
        scope = "" if self.only is None else "AND id = ANY(%(only)s::uuid[])"
        for clause in ("id >= %(pivot)s", "id < %(pivot)s"):
            row = self.conn.execute(
                f"SELECT id::text FROM invoices WHERE status = ANY(%(statuses)s) {scope} AND {clause}"  # noqa: S608
                " ORDER BY id LIMIT 1",
                {"statuses": list(statuses), "only": self.only, "pivot": pivot},
            ).fetchone()
            if row:
                return row[0]
        return None

    def step(self) -> str | None:
        """Make one change; return its kind, or ``None`` when it could not be made."""
        names = list(_KINDS)
        kind = self.rng.choices(names, [_KINDS[k][0] for k in names])[0]
        invoice_id = self.pick_invoice(_KINDS[kind][1]) if kind != "create" else None
        if kind != "create" and invoice_id is None:
            kind = "create"
        try:
            self._apply(kind, invoice_id)
        except ChangeRefused:
            return None
        return kind

    def _apply(self, kind: str, invoice_id: str | None) -> None:
        rng, conn = self.rng, self.conn
        if kind == "create":
            status = rng.choices(("draft", "open", "paid"), (2, 5, 3))[0]
            invoice = build_invoice(f"{self.seed}/stream", self.created, created_at=_now(), status=status)
            self.created += 1
            write_invoices(conn, [invoice])
            if self.only is not None:
                self.only.append(invoice.id)
            return
        assert invoice_id is not None
        if kind in ("finalize", "pay", "void", "uncollectible"):
            target = {"finalize": "open", "pay": "paid"}.get(kind, kind)
            set_status(conn, invoice_id, target)
            return
        if kind == "delete":
            delete_invoice(conn, invoice_id)
            return
        if kind == "add_item":
            description, price = rng.choice(_EXTRA_LINES)
            add_item(
                conn,
                invoice_id,
                description,
                price,
                unit_price=price,
                item_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            )
            return
        items = [
            r[0]
            for r in conn.execute(
                "SELECT id::text FROM invoice_items WHERE invoice_id = %s ORDER BY id", (invoice_id,)
            ).fetchall()
        ]
        if not items or (kind == "remove_item" and len(items) < 2):
            raise ChangeRefused(f"invoice {invoice_id} has too few items to {kind}")
        item_id = rng.choice(items)
        if kind == "remove_item":
            remove_item(conn, item_id)
        else:
            set_item_amount(conn, item_id, Decimal(rng.randrange(500, 20000)) / 100)


def run_stream(
    conn: psycopg.Connection,
    *,
    seed: int | str,
    rate: float,
    count: int | None = None,
    duration: float | None = None,
    on_change: Callable[[str | None], None] | None = None,
    only: Collection[str] | None = None,
    clock: Clock = time.monotonic,
    sleep: Sleep = time.sleep,
) -> StreamStats:
    """Make random changes at ``rate`` per second until ``count`` are made or ``duration`` is up.

    The same seed on the same database state makes the same changes; invoices it creates are
    numbered from its own seed space, so they never collide with ``generate``'s.

    Args:
        conn: an autocommit connection.
        seed: the stream's seed.
        rate: changes per second (the pace is kept against the clock, not by fixed pauses).
        count: stop after this many changes (refused ones included).
        duration: stop after this many seconds.
        on_change: called with each change's kind (``None`` when it could not be made).
        only: change only these invoices (and those the stream creates); all when ``None``.
        clock: seconds, monotonic; ``sleep`` waits. Both replaceable in tests.
        sleep: waits a number of seconds.

    Returns:
        How many changes of each kind were made, and how long it took.
    """
    if rate <= 0:
        raise ValueError("rate must be positive")
    if count is None and duration is None:
        raise ValueError("give a count or a duration, or the stream never ends")
    stream = _Stream(conn, seed, only)
    made: Counter[str] = Counter()
    refused = 0
    started = clock()
    n = 0
    while (count is None or n < count) and (duration is None or clock() - started < duration):
        if (wait := started + n / rate - clock()) > 0:
            sleep(wait)
        kind = stream.step()
        if kind is None:
            refused += 1
        else:
            made[kind] += 1
        n += 1
        if on_change:
            on_change(kind)
    return StreamStats(made=made, refused=refused, elapsed=clock() - started)

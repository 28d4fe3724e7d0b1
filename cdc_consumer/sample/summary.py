"""Expected totals: what the source holds, added up the way an accountant compares it with Odoo.

A :class:`Summary` counts invoices and adds their amounts per status and per currency, and adds
line amounts per (status, family). End-to-end tests compare it with Odoo: e.g. the untaxed
total of the non-void invoices, or the revenue of each family's income account. It is built
either from generated invoices (:func:`summarize`) or from the source database as it is now
(:func:`summarize_source`), after any live changes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

import psycopg

from .catalogue import FAMILIES, family_of
from .dataset import STATUSES, SampleInvoice

ZERO = Decimal("0.00")


@dataclass(frozen=True, slots=True)
class Totals:
    """A count of invoices and the sums of their amounts."""

    count: int = 0
    subtotal: Decimal = ZERO
    tax: Decimal = ZERO
    amount_paid: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        """Subtotal plus tax."""
        return self.subtotal + self.tax

    def __add__(self, other: Totals) -> Totals:
        return Totals(
            self.count + other.count,
            self.subtotal + other.subtotal,
            self.tax + other.tax,
            self.amount_paid + other.amount_paid,
        )

    def as_dict(self) -> dict[str, object]:
        """JSON-ready: amounts as strings, so no float ever touches them."""
        return {
            "count": self.count,
            "subtotal": str(self.subtotal),
            "tax": str(self.tax),
            "total": str(self.total),
            "amount_paid": str(self.amount_paid),
        }


@dataclass(frozen=True)
class Summary:
    """Expected totals of a set of source invoices.

    Attributes:
        by_status: invoices per status (every status present, zero when none).
        by_currency: invoices per currency code, upper-cased.
        lines: line amounts per (status, family).
        items: how many lines.
        users: how many distinct users the invoices belong to.
    """

    by_status: Mapping[str, Totals]
    by_currency: Mapping[str, Totals]
    lines: Mapping[tuple[str, str], Decimal]
    items: int
    users: int

    @property
    def invoices(self) -> int:
        """How many invoices."""
        return sum(t.count for t in self.by_status.values())

    def totals(self, *statuses: str) -> Totals:
        """The invoices of the given statuses (all when none is given), added up."""
        wanted = statuses or STATUSES
        return sum((self.by_status.get(s, Totals()) for s in wanted), Totals())

    def families(self, *statuses: str) -> dict[str, Decimal]:
        """Line amounts per family over the given statuses (all when none is given)."""
        wanted = set(statuses or STATUSES)
        out = dict.fromkeys(FAMILIES, ZERO)
        for (status, family), amount in self.lines.items():
            if status in wanted:
                out[family] += amount
        return out

    def as_dict(self) -> dict[str, object]:
        """JSON-ready form, for the command line and for test reports."""
        return {
            "invoices": self.invoices,
            "items": self.items,
            "users": self.users,
            "totals": self.totals().as_dict(),
            "by_status": {s: t.as_dict() for s, t in self.by_status.items()},
            "by_currency": {c: t.as_dict() for c, t in sorted(self.by_currency.items())},
            "by_family": {f: str(a) for f, a in self.families().items()},
        }


@dataclass
class _Tally:
    by_status: dict[str, Totals] = field(default_factory=lambda: dict.fromkeys(STATUSES, Totals()))
    by_currency: dict[str, Totals] = field(default_factory=lambda: defaultdict(Totals))
    lines: dict[tuple[str, str], Decimal] = field(default_factory=lambda: defaultdict(lambda: ZERO))
    items: int = 0

    def invoice(self, status: str, currency: str, totals: Totals) -> None:
        self.by_status[status] += totals
        self.by_currency[currency.upper()] += totals

    def line(self, status: str, description: str, amount: Decimal, count: int = 1) -> None:
        self.lines[(status, family_of(description))] += amount
        self.items += count

    def summary(self, users: int) -> Summary:
        return Summary(dict(self.by_status), dict(self.by_currency), dict(self.lines), self.items, users)


class SummaryBuilder:
    """Adds generated invoices up one at a time, so that millions need not be held at once."""

    def __init__(self) -> None:
        self._tally = _Tally()
        self._users: set[str] = set()

    def add(self, invoice: SampleInvoice) -> None:
        """Count ``invoice`` and its lines."""
        self._tally.invoice(
            invoice.status, invoice.currency, Totals(1, invoice.subtotal, invoice.tax, invoice.amount_paid)
        )
        self._users.add(invoice.user.id)
        for item in invoice.items:
            self._tally.line(invoice.status, item.description, item.amount)

    def summary(self) -> Summary:
        """The totals of everything added so far."""
        return self._tally.summary(len(self._users))


def summarize(invoices: Iterable[SampleInvoice]) -> Summary:
    """The expected totals of generated invoices."""
    builder = SummaryBuilder()
    for invoice in invoices:
        builder.add(invoice)
    return builder.summary()


def summarize_source(conn: psycopg.Connection, ids: Collection[str] | None = None) -> Summary:
    """The expected totals of the invoices the source database holds now.

    Args:
        conn: a connection to the source database.
        ids: only these invoices (e.g. those one test generated); all when ``None``.
    """
    where, params = ("WHERE i.id = ANY(%s::uuid[])", (list(ids),)) if ids is not None else ("", ())
    tally = _Tally()
    rows = conn.execute(
        "SELECT status, currency, count(*), sum(subtotal), sum(tax), sum(amount_paid)"  # noqa: S608
        f" FROM invoices i {where} GROUP BY status, currency",
        params,
    ).fetchall()
    for status, currency, count, subtotal, tax, paid in rows:
        tally.invoice(status, currency, Totals(count, subtotal, tax, paid))
    lines = conn.execute(
        "SELECT i.status, ii.description, sum(ii.amount), count(*)"  # noqa: S608
        f" FROM invoice_items ii JOIN invoices i ON i.id = ii.invoice_id {where} GROUP BY i.status, ii.description",
        params,
    ).fetchall()
    for status, description, amount, count in lines:
        tally.line(status, description, amount, count)
    row = conn.execute(f"SELECT count(DISTINCT user_id) FROM invoices i {where}", params).fetchone()  # noqa: S608
    return tally.summary(row[0] if row else 0)

"""The sample writer and live changes against the real source PostgreSQL of the local stack.

Every test uses a seed of its own, so its invoices are new even on a stack reused from an
earlier run, and it looks at its own invoices only (others may be in the database).
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import psycopg
import pytest

from cdc_consumer.sample import changes
from cdc_consumer.sample.dataset import HST, build_invoices, invoice_ids, rate_of, tax_for
from cdc_consumer.sample.generate import generate, write_invoices
from cdc_consumer.sample.source import connect
from cdc_consumer.sample.summary import summarize_source

pytestmark = pytest.mark.stack


@pytest.fixture(scope="module")
def source_dsn(stack) -> str:
    return stack.source_dsn


@pytest.fixture
def conn(source_dsn: str) -> Iterator[psycopg.Connection]:
    with connect(source_dsn) as c:
        yield c


@pytest.fixture
def seed() -> str:
    return f"test-{uuid.uuid4().hex[:12]}"


def _xmins(conn: psycopg.Connection, ids: Sequence[str]) -> dict[str, tuple[str, set[str]]]:
    """invoice id → (its row's xmin, the xmins of its items' rows)."""
    rows = conn.execute(
        "SELECT i.id::text, i.xmin::text, array_agg(ii.xmin::text) FROM invoices i"
        " JOIN invoice_items ii ON ii.invoice_id = i.id WHERE i.id = ANY(%s::uuid[]) GROUP BY i.id, i.xmin",
        (list(ids),),
    ).fetchall()
    return {invoice_id: (xmin, set(items)) for invoice_id, xmin, items in rows}


def _header(conn: psycopg.Connection, invoice_id: str) -> dict[str, object]:
    cur = conn.execute("SELECT * FROM invoices WHERE id = %s", (invoice_id,))
    row = cur.fetchone()
    assert row is not None
    return dict(zip([c.name for c in cur.description or ()], row, strict=True))


def _assert_consistent(conn: psycopg.Connection, ids: Sequence[str]) -> None:
    rows = conn.execute(
        "SELECT i.id::text, i.subtotal, i.tax, coalesce(sum(ii.amount), 0) FROM invoices i"
        " LEFT JOIN invoice_items ii ON ii.invoice_id = i.id WHERE i.id = ANY(%s::uuid[])"
        " GROUP BY i.id, i.subtotal, i.tax",
        (list(ids),),
    ).fetchall()
    for invoice_id, subtotal, tax, items in rows:
        assert subtotal == items, invoice_id
        rate_of(subtotal, tax)  # raises unless the tax is at a known rate, rounded half-up


def test_each_invoice_and_its_items_are_one_transaction(conn: psycopg.Connection, seed: str) -> None:
    result = generate(conn, 40, seed, batch_size=16)

    assert (result.inserted, result.existing) == (40, 0)
    xmins = _xmins(conn, invoice_ids(40, seed))
    assert len(xmins) == 40
    for invoice_xmin, item_xmins in xmins.values():
        assert item_xmins == {invoice_xmin}
    assert len({invoice_xmin for invoice_xmin, _ in xmins.values()}) == 40, "one transaction per invoice"


def test_source_totals_equal_the_generated_summary(conn: psycopg.Connection, seed: str) -> None:
    result = generate(conn, 120, seed)

    assert summarize_source(conn, invoice_ids(120, seed)) == result.summary
    users = conn.execute(
        "SELECT count(*) FROM users WHERE id IN (SELECT user_id FROM invoices WHERE id = ANY(%s::uuid[]))",
        (invoice_ids(120, seed),),
    ).fetchone()
    assert users == (result.summary.users,)


def test_rerun_changes_nothing_not_even_later_edits(conn: psycopg.Connection, seed: str) -> None:
    generate(conn, 30, seed)
    ids = invoice_ids(30, seed)
    two_lines = next(inv for inv in build_invoices(30, seed) if len(inv.items) >= 2)
    changes.remove_item(conn, two_lines.items[0].id)
    before = _xmins(conn, ids)

    again = generate(conn, 30, seed)

    assert (again.inserted, again.existing) == (0, 30)
    assert _xmins(conn, ids) == before
    gone = conn.execute("SELECT count(*) FROM invoice_items WHERE id = %s", (two_lines.items[0].id,)).fetchone()
    assert gone == (0,), "a rerun must not bring back a deleted item"


def test_a_data_set_can_be_extended(conn: psycopg.Connection, seed: str) -> None:
    assert generate(conn, 10, seed).inserted == 10
    assert generate(conn, 5, seed, start=10).inserted == 5
    whole = generate(conn, 15, seed)
    assert (whole.inserted, whole.existing) == (0, 15)
    assert summarize_source(conn, invoice_ids(15, seed)) == whole.summary


def test_a_failing_invoice_is_rolled_back_alone(conn: psycopg.Connection, seed: str) -> None:
    invoices = list(build_invoices(6, seed))
    invoices[3] = dataclasses.replace(invoices[3], status="refunded")  # violates the CHECK constraint

    with pytest.raises(psycopg.errors.CheckViolation):
        write_invoices(conn, invoices)

    assert set(_xmins(conn, [inv.id for inv in invoices])) == {inv.id for inv in invoices[:3]}
    assert conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
    assert write_invoices(conn, list(build_invoices(6, seed))) == 3


def test_status_changes_follow_stripe(conn: psycopg.Connection, seed: str) -> None:
    generate(conn, 10, seed)
    invoices = list(build_invoices(10, seed))
    draft = next(inv for inv in invoices if inv.status == "draft")
    opened = next(inv for inv in invoices if inv.status == "open")
    uncollectible = next(inv for inv in invoices if inv.status == "uncollectible")
    paid = next(inv for inv in invoices if inv.status == "paid")

    changes.set_status(conn, draft.id, "open")
    assert _header(conn, draft.id)["status"] == "open"

    before = datetime.now(UTC)
    changes.set_status(conn, opened.id, "paid")
    row = _header(conn, opened.id)
    assert (row["status"], row["amount_paid"]) == ("paid", opened.total)
    assert isinstance(row["paid_at"], datetime)
    assert before - timedelta(seconds=5) <= row["paid_at"] <= datetime.now(UTC) + timedelta(seconds=5)

    paid_at = datetime(2026, 5, 27, 23, 30, tzinfo=UTC)
    changes.set_status(conn, uncollectible.id, "paid", amount_paid=Decimal("10.00"), paid_at=paid_at)
    row = _header(conn, uncollectible.id)
    assert (row["status"], row["amount_paid"], row["paid_at"]) == ("paid", Decimal("10.00"), paid_at)

    with pytest.raises(changes.ChangeRefused, match="does not make it void"):
        changes.set_status(conn, paid.id, "void")
    with pytest.raises(changes.ChangeRefused, match="cannot set status"):
        changes.set_status(conn, paid.id, "draft")
    with pytest.raises(changes.ChangeRefused, match="no invoice"):
        changes.set_status(conn, str(uuid.uuid4()), "paid")
    assert _header(conn, paid.id)["status"] == "paid"


def test_item_edits_keep_subtotal_and_tax_in_the_same_transaction(conn: psycopg.Connection, seed: str) -> None:
    generate(conn, 10, seed)
    invoices = list(build_invoices(10, seed))
    taxed = next(inv for inv in invoices if inv.tax != 0 and len(inv.items) >= 2)
    untaxed = next(inv for inv in invoices if inv.tax == 0 and inv.subtotal > 0)
    item = taxed.items[0]

    changes.set_item_amount(conn, item.id, Decimal("12.50"))
    row = _header(conn, taxed.id)
    expected = Decimal("12.50") + sum(i.amount for i in taxed.items[1:])
    assert (row["subtotal"], row["tax"]) == (expected, tax_for(expected, HST))
    (invoice_xmin, item_xmins) = _xmins(conn, [taxed.id])[taxed.id]
    assert invoice_xmin in item_xmins, "the item and the invoice change in one transaction"

    new_item = changes.add_item(conn, untaxed.id, "Forms Builder", Decimal("7.50"), unit_price=Decimal("7.50"))
    row = _header(conn, untaxed.id)
    assert (row["subtotal"], row["tax"]) == (untaxed.subtotal + Decimal("7.50"), Decimal("0.00"))

    changes.remove_item(conn, new_item)
    row = _header(conn, untaxed.id)
    assert (row["subtotal"], row["tax"]) == (untaxed.subtotal, Decimal("0.00"))

    with pytest.raises(changes.ChangeRefused, match="no invoice item"):
        changes.remove_item(conn, new_item)
    _assert_consistent(conn, [inv.id for inv in invoices])


def test_delete_takes_the_items_along(conn: psycopg.Connection, seed: str) -> None:
    generate(conn, 3, seed)
    victim = next(build_invoices(1, seed, start=2))

    changes.delete_invoice(conn, victim.id)

    left = conn.execute(
        "SELECT (SELECT count(*) FROM invoices WHERE id = %(id)s), "
        "(SELECT count(*) FROM invoice_items WHERE invoice_id = %(id)s)",
        {"id": victim.id},
    ).fetchone()
    assert left == (0, 0)


def test_stream_changes_only_its_invoices_and_keeps_them_consistent(conn: psycopg.Connection, seed: str) -> None:
    mine = generate(conn, 60, seed)
    bystanders = generate(conn, 20, f"{seed}-bystanders")
    ids = invoice_ids(60, seed)
    kinds: list[str | None] = []

    stats = changes.run_stream(conn, seed=seed, rate=1000.0, count=150, only=ids, on_change=kinds.append)

    assert stats.total + stats.refused == 150 == len(kinds)
    assert {"create", "pay", "edit_item", "add_item"} <= set(stats.made)
    assert stats.refused <= 15
    created = invoice_ids(stats.made["create"], f"{seed}/stream")
    assert summarize_source(conn, created).invoices > 0
    _assert_consistent(conn, ids + created)
    assert summarize_source(conn, ids) != mine.summary
    assert summarize_source(conn, invoice_ids(20, f"{seed}-bystanders")) == bystanders.summary


def test_stream_keeps_its_pace_against_the_clock(conn: psycopg.Connection, seed: str) -> None:
    generate(conn, 5, seed)
    now = [0.0]
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        now[0] += seconds

    stats = changes.run_stream(
        conn, seed=seed, rate=4.0, count=6, only=invoice_ids(5, seed), clock=lambda: now[0], sleep=sleep
    )

    assert stats.total + stats.refused == 6
    assert sum(sleeps) == pytest.approx(1.25)  # the 6th change is due 5/4 s after the start
    assert stats.elapsed == pytest.approx(1.25)

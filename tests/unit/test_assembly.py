"""Assembly: stored rows → a complete invoice, or why there is none yet."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

import pytest

from cdc_consumer.assembly import Assembled, assemble
from cdc_consumer.state import INCONSISTENT, INVALID, NO_HEADER, StoredInvoice, StoredRow, SyncState
from tests.unit.test_state import header_row, item_row


def stored(header: Mapping[str, object] | str | None = "absent", *items: Mapping[str, object]) -> StoredInvoice:
    """Invoice "A" with ``header`` (a row, ``None`` for a deleted marker, "absent") and live items."""
    head = None if header == "absent" else StoredRow("A", 10, header)  # type: ignore[arg-type]
    rows = tuple(StoredRow(str(item["id"]), 11, item) for item in items)
    return StoredInvoice("A", head, rows, SyncState())


def money(text: str) -> Decimal:
    return Decimal(text)


# (id, stored invoice, (incomplete, subtotal, lines_total, line_count), detail fragment)
INCOMPLETE_CASES = [
    (
        "items without their invoice",
        stored("absent", item_row("i1", "A", amount=money("60.00")), item_row("i2", "A", amount=money("15.50"))),
        (NO_HEADER, None, money("75.50"), 2),
        "the invoice row is not",
    ),
    (
        "items that do not add up to the subtotal",
        stored(header_row("A", subtotal=money("100.00")), item_row("i1", "A", amount=money("99.99"))),
        (INCONSISTENT, money("100.00"), money("99.99"), 1),
        "total 99.99, the subtotal is 100.00",
    ),
    (
        "an invoice without items",
        stored(header_row("A")),
        (INCONSISTENT, money("100.00"), money("0"), 0),
        "0 item(s)",
    ),
    (
        "an invoice with an unknown status",
        stored(header_row("A", status="refunded"), item_row("i1", "A")),
        (INVALID, None, money("100.00"), 1),
        "unknown invoice status 'refunded'",
    ),
    (
        "an item without an amount",
        stored(header_row("A"), item_row("i1", "A", amount=None)),
        (INVALID, None, None, 1),
        "invalid item: column 'amount'",
    ),
    (
        "a naive timestamp",
        stored(header_row("A", created_at="2025-01-01T00:00:00"), item_row("i1", "A")),
        (INVALID, None, money("100.00"), 1),
        "timezone-aware",
    ),
]


@pytest.mark.parametrize(("invoice", "expected", "detail"), [c[1:] for c in INCOMPLETE_CASES],
                         ids=[c[0] for c in INCOMPLETE_CASES])
def test_incomplete_invoices_say_why(
    invoice: StoredInvoice, expected: tuple[str, Decimal | None, Decimal | None, int], detail: str
) -> None:
    assembled = assemble(invoice)
    assert assembled.invoice is None
    assert (assembled.incomplete, assembled.subtotal, assembled.lines_total, assembled.line_count) == expected
    assert detail in assembled.detail
    assert not assembled.gone


@pytest.mark.parametrize(
    "invoice",
    [stored(None), stored(None, item_row("i1", "A")), stored("absent")],
    ids=["deleted", "deleted while its items are still stored", "nothing stored"],
)
def test_deleted_or_absent_invoices_are_gone(invoice: StoredInvoice) -> None:
    assembled = assemble(invoice)
    assert assembled.gone
    assert (assembled.invoice, assembled.incomplete) == (None, None)


def test_a_complete_invoice_has_its_lines_in_key_order() -> None:
    items = [
        item_row("i3", "A", description="Daily backup", amount=money("10.00"), unit_price=money("10.00")),
        item_row("i1", "A", description="Odoo ERP hosting", amount=money("120.00"), unit_price=money("60.00"),
                 quantity=money("2")),
        item_row("i2", "A", description="Unused time on Odoo ERP hosting after 1 Feb", amount=money("-30.00"),
                 unit_price=None),
    ]
    assembled = assemble(stored(header_row("A", subtotal=money("100.00"), currency="cad"), *items))
    assert assembled.incomplete is None
    assert assembled.invoice is not None
    assert [line.id for line in assembled.invoice.lines] == ["i1", "i2", "i3"]
    assert assembled.invoice.header.currency == "CAD"
    assert (assembled.subtotal, assembled.lines_total, assembled.line_count) == (
        money("100.00"), money("100.00"), 3)


def test_assembled_is_a_value() -> None:
    invoice = stored(header_row("A"), item_row("i1", "A"))
    assert assemble(invoice) == assemble(invoice)
    assert isinstance(assemble(invoice), Assembled)

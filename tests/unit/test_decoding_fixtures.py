"""JsonDecoder on real Debezium messages captured from the local stack (``tests/fixtures/debezium``).

The capture (``tests/fixtures/debezium/capture.py``) makes the same source changes under four
connectors — ``decimal.handling.mode`` precise, string and double with schemas, and precise
without schemas — so every encoding must decode to the same invoices and lines.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from cdc_consumer.decoding import JsonDecoder
from cdc_consumer.errors import InvalidMessage
from cdc_consumer.events import UNAVAILABLE, ChangeEvent
from cdc_consumer.invoice import InvoiceHeader, InvoiceLine
from tests.fixtures.debezium.capture import INVOICE_A, INVOICE_B, ITEM_A1, ITEM_B1, TYPES_1, TYPES_2, USER

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "debezium"
FILES = sorted(FIXTURES.glob("*/*.json"))
MODES = ("precise", "string", "double", "schemaless")
OPS = {"snapshot-read": "r", "create": "c", "update": "u", "delete": "d", "truncate": "t"}


def load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def as_bytes(document: Any) -> bytes | None:
    """The message bytes again: the fixture keeps JsonConverter's output parsed."""
    return None if document is None else json.dumps(document, separators=(",", ":")).encode()


def decode(path: Path) -> ChangeEvent | None:
    fixture = load(path)
    return JsonDecoder().decode(
        fixture["topic"], fixture["partition"], fixture["offset"], as_bytes(fixture["key"]), as_bytes(fixture["value"])
    )


def fixture_id(path: Path) -> str:
    return f"{path.parent.name}/{path.stem}"


def test_every_mode_was_captured() -> None:
    assert {path.parent.name for path in FILES} == set(MODES)
    assert len(FILES) >= 40


@pytest.mark.parametrize("path", [p for p in FILES if p.stem.split("-", 1)[-1] in OPS], ids=fixture_id)
def test_change_envelope(path: Path) -> None:
    fixture = load(path)
    value = fixture["value"]
    payload = value.get("payload", value)
    table, kind = path.stem.split("-", 1)

    event = decode(path)

    assert event is not None
    assert (event.table, event.op) == (table, OPS[kind])
    assert (event.origin.topic, event.origin.partition, event.origin.offset) == (  # type: ignore[union-attr]
        fixture["topic"],
        fixture["partition"],
        fixture["offset"],
    )
    assert event.lsn == payload["source"]["lsn"] > 0
    assert event.ts_ms == payload["source"]["ts_ms"]
    assert event.tx_id == str(payload["source"]["txId"])
    assert event.snapshot is (kind == "snapshot-read")
    if kind == "truncate":
        assert (event.row, event.key) == (None, "")
    else:
        key = fixture["key"].get("payload", fixture["key"])
        assert event.key == key["id"] == event.row["id"]  # type: ignore[index]


def test_tombstone() -> None:
    assert decode(FIXTURES / "precise" / "invoice_items-tombstone.json") is None


@pytest.mark.parametrize("name", ["transaction-begin", "transaction-end"])
def test_transaction_metadata_is_not_a_change(name: str) -> None:
    with pytest.raises(InvalidMessage, match=r"TransactionMetadataValue' is not a Debezium envelope"):
        decode(FIXTURES / "precise" / f"{name}.json")


CREATED = datetime(2026, 3, 1, 14, 30, tzinfo=UTC)
INVOICE_OPEN = {
    "stripe_invoice_id": "in_INV-FIX-B",
    "invoice_number": "INV-FIX-B",
    "user_id": USER,
    "subscription_id": None,
    "created_at": CREATED,
    "currency": "cad",
    "status": "open",
    "subtotal": Decimal("44.99"),
    "tax": Decimal("5.85"),
    "amount_paid": Decimal("0.00"),
    "paid_at": None,
    "hosted_invoice_url": "https://invoice.example/x",
}
INVOICE_PAID = INVOICE_OPEN | {
    "status": "paid",
    "amount_paid": Decimal("50.84"),
    "paid_at": datetime(2026, 3, 2, 15, 0, tzinfo=UTC),
}
HOSTING_LINE = {
    "description": "Odoo ERP hosting",
    "quantity": 1,
    "unit_price": Decimal("49.99"),
    "amount": Decimal("49.99"),
}
ROWS: dict[str, dict[str, object]] = {
    "invoices-snapshot-read": {"id": INVOICE_A}
    | INVOICE_OPEN
    | {"stripe_invoice_id": "in_INV-FIX-A", "invoice_number": "INV-FIX-A"},
    "invoices-create": {"id": INVOICE_B} | INVOICE_OPEN,
    "invoices-update": {"id": INVOICE_B} | INVOICE_PAID,
    "invoices-delete": {"id": INVOICE_B} | INVOICE_PAID,
    "invoice_items-snapshot-read": {"id": ITEM_A1, "invoice_id": INVOICE_A} | HOSTING_LINE,
    "invoice_items-create": {"id": ITEM_B1, "invoice_id": INVOICE_B} | HOSTING_LINE,
    "invoice_items-delete": {"id": ITEM_B1, "invoice_id": INVOICE_B} | HOSTING_LINE,
}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", sorted(ROWS))
def test_invoice_rows_are_the_same_in_every_encoding(name: str, mode: str) -> None:
    event = decode(FIXTURES / mode / f"{name}.json")

    assert event is not None
    assert event.row is not None
    used = {column: event.row[column] for column in ROWS[name]}
    assert used == ROWS[name]
    assert {k: type(v) for k, v in used.items()} == {k: type(v) for k, v in ROWS[name].items()}
    validate = InvoiceHeader.from_row if name.startswith("invoices") else InvoiceLine.from_row
    assert validate(event.row) == validate(ROWS[name])


WITH_SCHEMA_TYPES_1 = {
    "id": TYPES_1,
    "amount": Decimal("1234.5678"),
    "local_at": datetime(2026, 3, 1, 12, 34, 56, 789012, tzinfo=UTC),
    "zoned_at": datetime(2026, 3, 1, 17, 34, 56, 789012, tzinfo=UTC),
    "on_day": date(2026, 3, 1),
    "note": "short note",
}
WITH_SCHEMA_TYPES_2 = {
    "id": TYPES_2,
    "amount": Decimal("-0.000123"),
    "local_at": datetime(2026, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
    "zoned_at": datetime(2026, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
    "on_day": date(1969, 12, 31),
}
SCHEMALESS_TYPES_2 = {
    "id": TYPES_2,
    "amount": Decimal("-0.000123"),
    "local_at": 1798761599999999,
    "zoned_at": "2026-12-31T23:59:59.999999Z",
    "on_day": -1,
}
TYPES_CASES = [
    # precise: numeric → VariableScaleDecimal, numeric(12,2) → Decimal
    ("precise", "capture_types-snapshot-read", WITH_SCHEMA_TYPES_1 | {"price": Decimal("19.99")}),
    ("precise", "capture_types-create", WITH_SCHEMA_TYPES_2 | {"price": Decimal("0.10")}),
    (
        "precise",
        "capture_types-update-unchanged-toast",
        WITH_SCHEMA_TYPES_2 | {"price": Decimal("0.20"), "note": UNAVAILABLE},
    ),
    # string: text, a Decimal only in the money columns of DESIGN §2 ("amount")
    ("string", "capture_types-snapshot-read", WITH_SCHEMA_TYPES_1 | {"price": "19.99"}),
    ("string", "capture_types-update-unchanged-toast", WITH_SCHEMA_TYPES_2 | {"price": "0.20", "note": UNAVAILABLE}),
    # double: every double becomes the Decimal it was written as
    ("double", "capture_types-snapshot-read", WITH_SCHEMA_TYPES_1 | {"price": Decimal("19.99")}),
    (
        "double",
        "capture_types-update-unchanged-toast",
        WITH_SCHEMA_TYPES_2 | {"price": Decimal("0.2"), "note": UNAVAILABLE},
    ),
    # without schemas: columns outside DESIGN §2 keep their JSON value
    (
        "schemaless",
        "capture_types-snapshot-read",
        {
            "id": TYPES_1,
            "amount": Decimal("1234.5678"),
            "price": "B88=",
            "local_at": 1772368496789012,
            "zoned_at": "2026-03-01T17:34:56.789012Z",
            "on_day": 20513,
            "note": "short note",
        },
    ),
    ("schemaless", "capture_types-update-unchanged-toast", SCHEMALESS_TYPES_2 | {"price": "FA==", "note": UNAVAILABLE}),
]


@pytest.mark.parametrize(("mode", "name", "expected"), TYPES_CASES, ids=[f"{m}/{n}" for m, n, _ in TYPES_CASES])
def test_column_types(mode: str, name: str, expected: dict[str, object]) -> None:
    event = decode(FIXTURES / mode / f"{name}.json")

    assert event is not None
    assert event.row is not None
    assert {column: event.row[column] for column in expected} == expected
    assert {k: type(event.row[k]) for k in expected} == {k: type(v) for k, v in expected.items()}


def test_toasted_text_arrives_whole_when_written() -> None:
    notes = {mode: decode(FIXTURES / mode / "capture_types-create.json").row["note"] for mode in MODES}  # type: ignore[union-attr,index]

    assert isinstance(notes["precise"], str)
    assert len(notes["precise"]) > 2000
    assert set(notes.values()) == {notes["precise"]}

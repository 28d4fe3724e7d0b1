"""JsonDecoder: Debezium envelopes from Kafka Connect's JsonConverter, with and without schemas."""

from __future__ import annotations

import base64
import json
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest

from cdc_consumer.decoding import JsonDecoder
from cdc_consumer.errors import InvalidMessage
from cdc_consumer.events import UNAVAILABLE, ChangeEvent, Origin
from cdc_consumer.invoice import InvoiceHeader, InvoiceLine

TOPIC = "nexacloud.public.invoices"
INVOICE_ID = "0b7f2c1e-3a4d-4e5f-8a9b-0c1d2e3f4a5b"
USER_ID = "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f"
ITEM_ID = "2d3e4f5a-6b7c-4d8e-9f0a-1b2c3d4e5f6a"
PLACEHOLDER = "__debezium_unavailable_value"
PLACEHOLDER_B64 = base64.b64encode(PLACEHOLDER.encode()).decode()
CREATED = datetime(2024, 3, 1, 12, 34, 56, 123456, tzinfo=UTC)
PAID = datetime(2024, 3, 1, 12, 35, tzinfo=UTC)

INVOICE: dict[str, object] = {
    "id": INVOICE_ID,
    "stripe_invoice_id": "in_1PqR2sT3uV4wX5yZ",
    "invoice_number": "NC-2024-000123",
    "user_id": USER_ID,
    "subscription_id": None,
    "created_at": CREATED,
    "currency": "cad",
    "status": "paid",
    "subtotal": Decimal("123.45"),
    "tax": Decimal("16.05"),
    "amount_paid": Decimal("139.50"),
    "paid_at": PAID,
    "hosted_invoice_url": "https://invoice.stripe.com/i/acct_1/test_1",
}
ITEM: dict[str, object] = {
    "id": ITEM_ID,
    "invoice_id": INVOICE_ID,
    "description": "Odoo ERP hosting (Mar 2024)",
    "quantity": 3,
    "unit_price": Decimal("-41.15"),
    "amount": Decimal("-123.45"),
}


def unscaled_b64(unscaled: int) -> str:
    """Connect Decimal's wire form: base64 of the big-endian two's-complement unscaled value."""
    size = unscaled.bit_length() // 8 + 1
    return base64.b64encode(unscaled.to_bytes(size, "big", signed=True)).decode()


def field(column: str, kind: str, name: str | None = None, **extra: Any) -> dict[str, Any]:
    """A Connect field schema as JsonConverter writes it."""
    spec: dict[str, Any] = {"type": kind, "optional": True, "field": column}
    if name:
        spec |= {"name": name, "version": 1}
    return spec | extra


def decimal_field(column: str, scale: int = 2) -> dict[str, Any]:
    return field(
        column,
        "bytes",
        "org.apache.kafka.connect.data.Decimal",
        parameters={"scale": str(scale), "connect.decimal.precision": "12"},
    )


def vsd_field(column: str) -> dict[str, Any]:
    return field(
        column,
        "struct",
        "io.debezium.data.VariableScaleDecimal",
        fields=[field("scale", "int32"), field("value", "bytes")],
    )


UUID = "io.debezium.data.Uuid"
ZONED = "io.debezium.time.ZonedTimestamp"


def envelope_schema(row_fields: list[dict[str, Any]], table: str = "invoices") -> dict[str, Any]:
    """The Connect schema of a Debezium PostgreSQL envelope."""
    row = {"type": "struct", "fields": row_fields, "optional": True, "name": f"nexacloud.public.{table}.Value"}
    source = {
        "type": "struct",
        "name": "io.debezium.connector.postgresql.Source",
        "optional": False,
        "field": "source",
        "fields": [
            field("version", "string"),
            field("connector", "string"),
            field("name", "string"),
            field("ts_ms", "int64"),
            field("snapshot", "string", "io.debezium.data.Enum", default="false"),
            field("db", "string"),
            field("schema", "string"),
            field("table", "string"),
            field("txId", "int64"),
            field("lsn", "int64"),
        ],
    }
    transaction = {
        "type": "struct",
        "name": "event.block",
        "optional": True,
        "field": "transaction",
        "fields": [field("id", "string"), field("total_order", "int64"), field("data_collection_order", "int64")],
    }
    return {
        "type": "struct",
        "name": f"nexacloud.public.{table}.Envelope",
        "optional": False,
        "version": 2,
        "fields": [
            row | {"field": "before"},
            row | {"field": "after"},
            source,
            transaction,
            field("op", "string"),
            field("ts_ms", "int64"),
        ],
    }


def source_block(table: str = "invoices", **overrides: Any) -> dict[str, Any]:
    block = {
        "version": "3.1.0.Final",
        "connector": "postgresql",
        "name": "nexacloud",
        "ts_ms": 1709296496123,
        "snapshot": "false",
        "db": "nexacloud",
        "schema": "public",
        "table": table,
        "txId": 771,
        "lsn": 23456789,
    }
    block.update(overrides)
    return {k: v for k, v in block.items() if v is not ABSENT}


ABSENT = object()
"""Marks a source field left out of the block."""


def envelope(op: str, before: Any = None, after: Any = None, **source: Any) -> dict[str, Any]:
    return {
        "before": before,
        "after": after,
        "source": source_block(**source),
        "transaction": None,
        "op": op,
        "ts_ms": 1709296496200,
    }


def message(payload: Any, row_fields: list[dict[str, Any]] | None = None, table: str = "invoices") -> bytes:
    """What JsonConverter writes: compact JSON, with the schema first when schemas are enabled."""
    if row_fields is not None:
        payload = {"schema": envelope_schema(row_fields, table), "payload": payload}
    return json.dumps(payload, separators=(",", ":")).encode()


def decode(value: bytes | None, key: bytes | None = None, decoder: JsonDecoder | None = None) -> ChangeEvent | None:
    return (decoder or JsonDecoder()).decode(TOPIC, 1, 42, key, value)


def decoded_row(value: bytes) -> dict[str, object]:
    event = decode(value)
    assert event is not None
    assert event.row is not None
    return dict(event.row)


# The invoice and its item in every decimal.handling.mode, with and without schemas.


def wire_money(mode: str, column: str, amount: Decimal) -> tuple[dict[str, Any], object]:
    unscaled = int(amount.scaleb(2))
    if mode == "precise":
        return decimal_field(column), unscaled_b64(unscaled)
    if mode == "string":
        return field(column, "string"), f"{amount:.2f}"
    if mode == "double":
        return field(column, "double"), float(amount)
    return vsd_field(column), {"scale": 2, "value": unscaled_b64(unscaled)}


def wire_row(logical: dict[str, object], mode: str) -> tuple[list[dict[str, Any]], dict[str, object]]:
    """A logical row in one decimal mode: its Connect field schemas and its JSON payload."""
    fields: list[dict[str, Any]] = []
    row: dict[str, object] = {}
    for column, value in logical.items():
        if isinstance(value, Decimal):
            spec, wire = wire_money(mode, column, value)
        elif isinstance(value, datetime):
            spec, wire = field(column, "string", ZONED), value.isoformat().replace("+00:00", "Z")
        elif isinstance(value, int):
            spec, wire = field(column, "int32"), value
        elif column.endswith("id") and column != "stripe_invoice_id":
            spec, wire = field(column, "string", UUID), value
        else:
            spec, wire = field(column, "string"), value
        fields.append(spec)
        row[column] = wire
    return fields, row


MODES = ["precise", "string", "double", "variable"]


@pytest.mark.parametrize("with_schema", [True, False], ids=["schema", "schemaless"])
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("table", "logical"), [("invoices", INVOICE), ("invoice_items", ITEM)], ids=["invoice", "item"]
)
def test_every_decimal_mode_decodes_to_the_same_row(
    table: str, logical: dict[str, object], mode: str, with_schema: bool
) -> None:
    fields, row = wire_row(logical, mode)
    value = message(envelope("c", after=row, table=table), fields if with_schema else None, table)

    decoded = decoded_row(value)

    assert decoded == logical
    assert {k: type(v) for k, v in decoded.items()} == {k: type(v) for k, v in logical.items()}
    validated = InvoiceHeader.from_row(decoded) if table == "invoices" else InvoiceLine.from_row(decoded)
    assert validated.id == logical["id"]


# One column at a time, with a schema: every Connect type and logical name.

PLACEHOLDER_CASES = [
    pytest.param("description", field("description", "string"), PLACEHOLDER, UNAVAILABLE, id="toast-text"),
    pytest.param("x", field("x", "string", "io.debezium.data.Json"), PLACEHOLDER, UNAVAILABLE, id="toast-json"),
    pytest.param("x", field("x", "bytes"), PLACEHOLDER_B64, UNAVAILABLE, id="toast-bytes"),
    pytest.param("subtotal", decimal_field("subtotal"), PLACEHOLDER_B64, UNAVAILABLE, id="toast-decimal"),
    pytest.param("subtotal", field("subtotal", "string"), PLACEHOLDER, UNAVAILABLE, id="toast-decimal-string"),
    pytest.param("x", vsd_field("x"), {"scale": 0, "value": PLACEHOLDER_B64}, UNAVAILABLE, id="toast-vsd"),
    pytest.param("paid_at", field("paid_at", "string", ZONED), PLACEHOLDER, UNAVAILABLE, id="toast-zoned"),
]

SCHEMA_CASES = [
    pytest.param("subtotal", decimal_field("subtotal"), unscaled_b64(12345), Decimal("123.45"), id="decimal"),
    pytest.param("subtotal", decimal_field("subtotal"), unscaled_b64(-1050), Decimal("-10.50"), id="decimal-negative"),
    pytest.param("subtotal", decimal_field("subtotal"), unscaled_b64(0), Decimal("0.00"), id="decimal-zero"),
    pytest.param("x", decimal_field("x", scale=0), unscaled_b64(-128), Decimal("-128"), id="decimal-scale-0"),
    pytest.param(
        "x",
        decimal_field("x", scale=4),
        unscaled_b64(10**40 + 1),
        Decimal("1000000000000000000000000000000000000.0001"),
        id="decimal-beyond-28-digits",
    ),
    pytest.param("x", vsd_field("x"), {"scale": 3, "value": unscaled_b64(12345)}, Decimal("12.345"), id="vsd"),
    pytest.param("x", vsd_field("x"), {"scale": 0, "value": unscaled_b64(-7)}, Decimal("-7"), id="vsd-negative"),
    pytest.param("amount", field("amount", "string"), "-0.50", Decimal("-0.50"), id="string-mode-money"),
    pytest.param("x", field("x", "string"), "123.45", "123.45", id="string-not-money-stays-text"),
    pytest.param("amount", field("amount", "double"), 0.1, Decimal("0.1"), id="double-mode"),
    pytest.param("amount", field("amount", "double"), 1234567.89, Decimal("1234567.89"), id="double-mode-large"),
    pytest.param("amount", field("amount", "double"), 12, Decimal("12"), id="double-mode-integral"),
    pytest.param("x", field("x", "float"), 2.5, Decimal("2.5"), id="float"),
    pytest.param(
        "created_at", field("created_at", "string", ZONED), "2024-03-01T12:34:56.123456Z", CREATED, id="zoned"
    ),
    pytest.param(
        "created_at",
        field("created_at", "string", ZONED),
        "2024-03-01T18:04:56.123456+05:30",
        datetime(2024, 3, 1, 18, 4, 56, 123456, tzinfo=timezone(timedelta(hours=5, minutes=30))),
        id="zoned-offset",
    ),
    pytest.param(
        "x", field("x", "int64", "io.debezium.time.MicroTimestamp"), 1709296496123456, CREATED, id="micro-timestamp"
    ),
    pytest.param(
        "x",
        field("x", "int64", "io.debezium.time.NanoTimestamp"),
        1709296496123456789,
        CREATED,
        id="nano-timestamp-truncated-to-micros",
    ),
    pytest.param(
        "x",
        field("x", "int64", "io.debezium.time.Timestamp"),
        1709296496123,
        datetime(2024, 3, 1, 12, 34, 56, 123000, tzinfo=UTC),
        id="milli-timestamp",
    ),
    pytest.param(
        "x",
        field("x", "int64", "org.apache.kafka.connect.data.Timestamp"),
        -1000,
        datetime(1969, 12, 31, 23, 59, 59, tzinfo=UTC),
        id="connect-timestamp-before-epoch",
    ),
    pytest.param("x", field("x", "int32", "io.debezium.time.Date"), 19783, date(2024, 3, 1), id="date"),
    pytest.param(
        "x", field("x", "int32", "org.apache.kafka.connect.data.Date"), -1, date(1969, 12, 31), id="connect-date"
    ),
    pytest.param("user_id", field("user_id", "string", UUID), USER_ID, USER_ID, id="uuid"),
    pytest.param("x", field("x", "int32"), -5, -5, id="int32"),
    pytest.param("x", field("x", "int64"), 2**62, 2**62, id="int64"),
    pytest.param("x", field("x", "int16"), 7, 7, id="int16"),
    pytest.param("x", field("x", "boolean"), True, True, id="boolean"),
    pytest.param("x", field("x", "string"), "héllo", "héllo", id="string"),
    pytest.param("x", field("x", "bytes"), base64.b64encode(b"\x00\xff").decode(), b"\x00\xff", id="bytes"),
    pytest.param("x", field("x", "array", items={"type": "string"}), ["a", "b"], ["a", "b"], id="array-kept"),
    pytest.param("x", decimal_field("x"), None, None, id="null"),
    *PLACEHOLDER_CASES,
]


@pytest.mark.parametrize(("column", "spec", "wire", "expected"), SCHEMA_CASES)
def test_value_decoded_by_its_connect_schema(column: str, spec: dict[str, Any], wire: object, expected: object) -> None:
    fields = [field("id", "string", UUID), spec]
    row = decoded_row(message(envelope("c", after={"id": INVOICE_ID, column: wire}), fields))

    assert row[column] == expected
    assert type(row[column]) is type(expected)


def test_column_missing_from_the_schema_keeps_its_value() -> None:
    row = decoded_row(message(envelope("c", after={"id": INVOICE_ID, "extra": 1.5}), [field("id", "string", UUID)]))

    assert row == {"id": INVOICE_ID, "extra": 1.5}


# Without a schema: by column, DESIGN §2.

SCHEMALESS_CASES = [
    pytest.param("subtotal", unscaled_b64(12345), Decimal("123.45"), id="money-base64"),
    pytest.param("subtotal", unscaled_b64(1234), Decimal("12.34"), id="money-base64-padded"),
    # Text without a point or a sign is precise mode's base64, even when it reads as a number.
    pytest.param("subtotal", "1234", Decimal("-26588.24"), id="money-base64-all-digits"),
    pytest.param("tax", "16.05", Decimal("16.05"), id="money-string"),
    pytest.param("amount", "-5.00", Decimal("-5.00"), id="money-string-negative"),
    pytest.param("amount_paid", 139.5, Decimal("139.5"), id="money-double"),
    pytest.param("unit_price", 12, Decimal("12"), id="money-integer"),
    pytest.param("amount", {"scale": 2, "value": unscaled_b64(-999)}, Decimal("-9.99"), id="money-vsd"),
    pytest.param("amount", PLACEHOLDER, UNAVAILABLE, id="money-toast-text"),
    pytest.param("amount", PLACEHOLDER_B64, UNAVAILABLE, id="money-toast-base64"),
    pytest.param("created_at", "2024-03-01T12:34:56.123456Z", CREATED, id="time-iso"),
    pytest.param("paid_at", 1709296496123456, CREATED, id="time-micros"),
    pytest.param("paid_at", "2024-03-01T12:34:56.123456", CREATED, id="time-iso-without-zone-is-utc"),
    pytest.param("paid_at", PLACEHOLDER, UNAVAILABLE, id="time-toast"),
    pytest.param("quantity", 3, 3, id="quantity-integer"),
    pytest.param("quantity", 1.5, Decimal("1.5"), id="quantity-double"),
    pytest.param("quantity", "2.50", Decimal("2.50"), id="quantity-string"),
    pytest.param("invoice_id", INVOICE_ID, INVOICE_ID, id="id"),
    pytest.param("description", PLACEHOLDER, UNAVAILABLE, id="text-toast"),
    pytest.param("description", "Managed WordPress", "Managed WordPress", id="text"),
    pytest.param("period_start", "2024-03-01T00:00:00Z", "2024-03-01T00:00:00Z", id="unknown-column-kept"),
    pytest.param("x", 1.25, 1.25, id="unknown-number-kept"),
    pytest.param("x", {"a": [1, None]}, {"a": [1, None]}, id="unknown-structure-kept"),
    pytest.param("tax", None, None, id="null"),
]


@pytest.mark.parametrize(("column", "wire", "expected"), SCHEMALESS_CASES)
def test_schemaless_value_decoded_by_column(column: str, wire: object, expected: object) -> None:
    row = decoded_row(message(envelope("c", after={"id": INVOICE_ID, column: wire})))

    assert row[column] == expected
    assert type(row[column]) is type(expected)


# The envelope.


def expected_change(op: str, row: dict[str, object], snapshot: bool, origin: Origin) -> ChangeEvent:
    """The change an invoice envelope built by these tests' helpers decodes to."""
    return ChangeEvent(
        table="invoices",
        op=op,  # type: ignore[arg-type]
        key=INVOICE_ID,
        row=row,
        lsn=23456789,
        ts_ms=1709296496123,
        snapshot=snapshot,
        tx_id="771",
        origin=origin,
    )


@pytest.mark.parametrize("with_schema", [True, False], ids=["schema", "schemaless"])
@pytest.mark.parametrize(
    ("op", "image", "snapshot"),
    [("c", "after", "false"), ("u", "after", "false"), ("r", "after", "true"), ("d", "before", "false")],
)
def test_row_ops(op: str, image: str, snapshot: str, with_schema: bool) -> None:
    fields, row = wire_row(INVOICE, "precise")
    other = dict(row, status="open")
    payload = envelope(op, snapshot=snapshot, **{image: row, ("before" if image == "after" else "after"): other})
    if op == "d":
        payload["after"] = None

    event = decode(message(payload, fields if with_schema else None))

    assert event == expected_change(op, INVOICE, snapshot == "true", Origin(TOPIC, 1, 42))


@pytest.mark.parametrize("with_schema", [True, False], ids=["schema", "schemaless"])
def test_truncate_has_no_row_and_no_key(with_schema: bool) -> None:
    fields, _ = wire_row(INVOICE, "precise")

    event = decode(message(envelope("t", lsn=5, txId=9), fields if with_schema else None))

    assert event is not None
    assert (event.op, event.row, event.key, event.lsn, event.tx_id, event.table) == ("t", None, "", 5, "9", "invoices")


def test_tombstone_is_none() -> None:
    assert decode(None, key=json.dumps({"id": INVOICE_ID}).encode()) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("true", True),
        ("first", True),
        ("first_in_data_collection", True),
        ("last", True),
        ("last_in_data_collection", True),
        ("incremental", True),
        ("false", False),
        (None, False),
        (ABSENT, False),
        (True, True),
        (False, False),
    ],
)
def test_snapshot_flag(value: object, expected: bool) -> None:
    event = decode(message(envelope("r", after={"id": INVOICE_ID}, snapshot=value)))

    assert event is not None
    assert event.snapshot is expected


@pytest.mark.parametrize(
    ("tx_id", "transaction", "expected"),
    [
        (771, None, "771"),
        (None, {"id": "772:23456900", "total_order": 3, "data_collection_order": 2}, "772:23456900"),
        (ABSENT, {"id": "773:1", "total_order": 1, "data_collection_order": 1}, "773:1"),
        (774, {"id": "774:23457000", "total_order": 1, "data_collection_order": 1}, "774"),
        (None, None, None),
    ],
    ids=["txId", "transaction-block", "transaction-block-without-txId", "txId-wins", "none"],
)
def test_transaction_id(tx_id: object, transaction: object, expected: str | None) -> None:
    payload = envelope("c", after={"id": INVOICE_ID}, txId=tx_id)
    payload["transaction"] = transaction

    event = decode(message(payload))

    assert event is not None
    assert event.tx_id == expected


def test_source_without_lsn_gives_zero() -> None:
    event = decode(message(envelope("r", after={"id": INVOICE_ID}, lsn=ABSENT)))

    assert event is not None
    assert event.lsn == 0


KEY_WITH_SCHEMA = json.dumps(
    {
        "schema": {"type": "struct", "name": "nexacloud.public.invoices.Key", "fields": [field("id", "string", UUID)]},
        "payload": {"id": INVOICE_ID},
    }
).encode()


@pytest.mark.parametrize(
    "key",
    [KEY_WITH_SCHEMA, json.dumps({"id": INVOICE_ID}).encode(), json.dumps({"invoice_pk": INVOICE_ID}).encode()],
    ids=["key-with-schema", "key-schemaless", "key-single-field"],
)
def test_delete_without_before_image_takes_the_message_key(key: bytes) -> None:
    event = decode(message(envelope("d")), key=key)

    assert event is not None
    assert (event.op, event.key, event.row) == ("d", INVOICE_ID, {})


def test_row_without_id_takes_the_message_key() -> None:
    event = decode(message(envelope("u", after={"pk": 7, "name": "x"})), key=b'{"pk":7}')

    assert event is not None
    assert event.key == "7"


def test_integer_id_becomes_text() -> None:
    event = decode(message(envelope("c", after={"id": 12}), [field("id", "int64")]))

    assert event is not None
    assert event.key == "12"


# How the message is laid out, and the schema cache.


def test_schema_not_first_or_pretty_printed_decodes_the_same() -> None:
    fields, row = wire_row(INVOICE, "precise")
    payload = envelope("c", after=row)
    reordered = json.dumps({"payload": payload, "schema": envelope_schema(fields)}).encode()
    pretty = json.dumps({"schema": envelope_schema(fields), "payload": payload}, indent=2).encode()
    compact = message(payload, fields)
    decoder = JsonDecoder()

    events = [decode(value, decoder=decoder) for value in (compact, reordered, pretty, compact + b"\n")]

    assert all(event == events[0] for event in events)
    assert events[0] is not None
    assert events[0].row == INVOICE


def test_null_schema_means_schemaless() -> None:
    payload = envelope("c", after={"id": INVOICE_ID, "subtotal": "1.50"})

    row = decoded_row(json.dumps({"schema": None, "payload": payload}).encode())

    assert row["subtotal"] == Decimal("1.50")


def test_each_schema_decodes_its_own_messages() -> None:
    decoder = JsonDecoder()
    as_bytes = message(envelope("c", after={"id": INVOICE_ID, "x": unscaled_b64(150)}), [decimal_field("x")])
    as_text = message(envelope("c", after={"id": INVOICE_ID, "x": "150"}), [field("x", "string")])
    as_scale_1 = message(envelope("c", after={"id": INVOICE_ID, "x": unscaled_b64(150)}), [decimal_field("x", 1)])

    rows = [decode(value, decoder=decoder) for value in (as_bytes, as_text, as_scale_1, as_bytes)]

    assert [event.row["x"] for event in rows if event and event.row] == [
        Decimal("1.50"),
        "150",
        Decimal("15.0"),
        Decimal("1.50"),
    ]


def test_a_payload_that_contains_the_separator_text() -> None:
    tricky = 'a,"payload":{"op":"t"}'
    fields = [field("id", "string", UUID), field("description", "string")]

    row = decoded_row(message(envelope("c", after={"id": INVOICE_ID, "description": tricky}), fields))

    assert row["description"] == tricky


# Everything that is not a Debezium change is a poison message, with a reason.

GOOD_FIELDS, GOOD_ROW = wire_row(INVOICE, "precise")
GOOD = message(envelope("c", after=GOOD_ROW), GOOD_FIELDS)


def with_source(**overrides: Any) -> bytes:
    return message(envelope("c", after={"id": INVOICE_ID}, **overrides))


def with_after(after: Any, row_fields: list[dict[str, Any]] | None = None) -> bytes:
    return message(envelope("c", after=after), row_fields)


def without(key: str) -> bytes:
    payload = envelope("c", after={"id": INVOICE_ID})
    del payload[key]
    return message(payload)


INVALID = [
    pytest.param(b"\x00\x00\x00\x00\x07\x02\x48garbage", r"not valid JSON", id="garbage-bytes"),
    pytest.param(b"", r"not valid JSON", id="empty"),
    pytest.param(GOOD[:-20], r"not valid JSON", id="truncated-with-schema"),
    pytest.param(with_source()[:-3], r"not valid JSON", id="truncated-schemaless"),
    pytest.param(b"[1, 2]", r"not a JSON object", id="array"),
    pytest.param(b"null", r"not a JSON object", id="json-null"),
    pytest.param(b'"text"', r"not a JSON object", id="json-string"),
    pytest.param(without("op"), r"not a Debezium change event: no op", id="missing-op"),
    pytest.param(message(envelope("x", after={"id": INVOICE_ID})), r"unknown op 'x'", id="unknown-op"),
    pytest.param(message(envelope("m", after={"id": INVOICE_ID})), r"unknown op 'm'", id="message-op"),
    pytest.param(without("source"), r"no source block", id="missing-source"),
    pytest.param(
        message(dict(envelope("c", after={"id": INVOICE_ID}), source="pg")), r"no source block", id="source-not-object"
    ),
    pytest.param(with_source(table=ABSENT), r"source.table", id="missing-table"),
    pytest.param(with_source(table=""), r"source.table", id="empty-table"),
    pytest.param(with_source(ts_ms=ABSENT), r"source.ts_ms must be an integer", id="missing-ts_ms"),
    pytest.param(with_source(ts_ms="1709296496123"), r"source.ts_ms must be an integer", id="ts_ms-text"),
    pytest.param(with_source(lsn="0/1665C78"), r"source.lsn must be an integer", id="lsn-text"),
    pytest.param(with_source(lsn=True), r"source.lsn must be an integer", id="lsn-boolean"),
    pytest.param(with_source(txId=1.5), r"source.txId must be an integer", id="txId-float"),
    pytest.param(with_source(snapshot="maybe"), r"unknown source.snapshot 'maybe'", id="snapshot-unknown"),
    pytest.param(with_source(snapshot=["true"]), r"unknown source.snapshot", id="snapshot-list"),
    pytest.param(with_after(None), r"row image is not a record: None", id="create-without-after"),
    pytest.param(with_after([INVOICE_ID]), r"row image is not a record", id="after-a-list"),
    pytest.param(message(envelope("d", before="x")), r"row image is not a record", id="before-text"),
    pytest.param(message(envelope("d")), r"no primary key", id="delete-without-any-key"),
    pytest.param(with_after({"name": "x"}), r"no primary key", id="row-without-id-nor-key"),
    pytest.param(
        with_after({"id": INVOICE_ID, "x": "AQ=="}, [field("x", "bytes", "org.apache.kafka.connect.data.Decimal")]),
        r"Decimal schema without a scale",
        id="decimal-schema-without-scale",
    ),
    pytest.param(
        json.dumps({"schema": {"type": "struct", "fields": []}, "payload": envelope("c", after={"id": "1"})}).encode(),
        r"not a Debezium envelope",
        id="schema-not-an-envelope",
    ),
    pytest.param(
        json.dumps({"schema": "string", "payload": envelope("c", after={"id": "1"})}).encode(),
        r"not a Connect struct schema",
        id="schema-not-a-struct",
    ),
]


@pytest.mark.parametrize(("value", "reason"), INVALID)
def test_invalid_message(value: bytes, reason: str) -> None:
    with pytest.raises(InvalidMessage, match=reason):
        decode(value)


MICRO = field("t", "int64", "io.debezium.time.MicroTimestamp")
BAD_VALUES = [
    # (schema of the column or None for schemaless, column, wire value, reason)
    pytest.param(field("n", "int32"), "abc", r"expected an integer, got str 'abc'", id="int-given-text"),
    pytest.param(field("n", "int64"), True, r"expected an integer, got bool", id="int-given-boolean"),
    pytest.param(field("b", "boolean"), 1, r"expected a boolean", id="boolean-given-int"),
    pytest.param(field("s", "string"), 5, r"expected text, got int", id="string-given-int"),
    pytest.param(decimal_field("subtotal"), 12.5, r"expected base64 text, got float", id="decimal-given-number"),
    pytest.param(decimal_field("subtotal"), "!!!!", r"", id="decimal-bad-base64"),
    pytest.param(decimal_field("subtotal"), "", r"a decimal needs at least one byte", id="decimal-empty"),
    pytest.param(vsd_field("x"), {"scale": "2", "value": "AQ=="}, r"expected an integer", id="vsd-scale-text"),
    pytest.param(vsd_field("x"), "1.5", r"expected a \{scale, value\} struct", id="vsd-not-struct"),
    pytest.param(field("amount", "string"), "12,50", r"not a decimal number", id="string-money-not-a-number"),
    pytest.param(field("amount", "string"), "1_000.00", r"not a decimal number", id="string-money-underscore"),
    pytest.param(field("amount", "double"), "10", r"expected a number", id="double-given-text"),
    pytest.param(field("created_at", "string", ZONED), "yesterday", r"Invalid isoformat", id="zoned-not-iso"),
    pytest.param(MICRO, "1709296496123456", r"expected an integer", id="micro-timestamp-text"),
    pytest.param(MICRO, 10**20, r"", id="micro-timestamp-out-of-range"),
    pytest.param(field("d", "int32", "io.debezium.time.Date"), 10**9, r"", id="date-out-of-range"),
    pytest.param(None, ("subtotal", "abc"), r"", id="schemaless-money-text"),
    pytest.param(None, ("amount", [1]), r"expected a number", id="schemaless-money-list"),
    pytest.param(None, ("tax", True), r"expected a number", id="schemaless-money-boolean"),
    pytest.param(None, ("created_at", [2024]), r"", id="schemaless-time-list"),
    pytest.param(None, ("invoice_id", 123), r"expected text", id="schemaless-id-int"),
    pytest.param(None, ("id", 5.5), r"expected text", id="schemaless-id-float"),
]


@pytest.mark.parametrize(("spec", "wire", "reason"), BAD_VALUES)
def test_value_of_the_wrong_type(spec: dict[str, Any] | None, wire: Any, reason: str) -> None:
    column, wire = (spec["field"], wire) if spec else wire
    after = {"id": INVOICE_ID, column: wire}

    with pytest.raises(InvalidMessage, match=rf"column '{column}': {reason}"):
        decode(with_after(after, [spec] if spec else None))


def test_undecodable_message_key_when_needed() -> None:
    with pytest.raises(InvalidMessage, match=r"the message key is not valid JSON"):
        decode(message(envelope("d")), key=b"\xff\xfe")


def test_long_values_are_shortened_in_reasons() -> None:
    with pytest.raises(InvalidMessage) as caught:
        decode(with_after({"id": INVOICE_ID, "n": "z" * 5000}, [field("n", "int32")]))

    assert len(str(caught.value)) < 200

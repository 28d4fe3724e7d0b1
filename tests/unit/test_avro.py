"""AvroDecoder: Debezium through Confluent's AvroConverter, writer schemas from a real HTTP registry.

The registry is a small in-process HTTP server answering ``GET /schemas/ids/{id}`` the way
Confluent Schema Registry does, so ``SchemaRegistry``'s HTTP path runs for real. Messages are
Debezium-shaped Avro records (``<prefix>.public.<table>.Envelope`` / ``Value``,
``io.debezium.connector.postgresql.Source``), encoded by fastavro and framed in the Confluent
wire format.
"""

from __future__ import annotations

import base64
import io
import json
import socket
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import fastavro
import pytest
from fastavro.schema import parse_schema

from cdc_consumer.avro import AvroDecoder, SchemaRegistry, SchemaRegistryUnavailable
from cdc_consumer.config import Secret, load_settings
from cdc_consumer.decoding import DECIMAL, JsonDecoder
from cdc_consumer.errors import InvalidMessage
from cdc_consumer.events import UNAVAILABLE, ChangeEvent, Origin
from tests.unit.test_decoding import (
    CREATED,
    INVOICE,
    INVOICE_ID,
    ITEM,
    MODES,
    PLACEHOLDER,
    expected_change,
    message,
    source_block,
    wire_row,
)
from tests.unit.test_decoding import envelope as json_envelope

TOPIC = "nexacloud.public.invoices"
PLACEHOLDER_BYTES = PLACEHOLDER.encode()


class Registry:
    """A Confluent-compatible schema registry serving ``/schemas/ids/{id}`` on a free local port."""

    def __init__(self) -> None:
        self.url = ""
        self.reset()

    def reset(self) -> None:
        """No schemas, no hits, healthy, no credentials required."""
        self.schemas: dict[int, dict[str, Any]] = {}
        self.hits: Counter[int] = Counter()
        self.status: int | None = None
        self.credentials: str | None = None

    def register(self, schema: dict[str, Any] | str, schema_type: str | None = None) -> int:
        schema_id = 100 + len(self.schemas)
        entry: dict[str, Any] = {"schema": schema if isinstance(schema, str) else json.dumps(schema)}
        if schema_type:
            entry["schemaType"] = schema_type
        self.schemas[schema_id] = entry
        return schema_id

    def answer(self, path: str, authorization: str | None) -> tuple[int, object]:
        if self.status is not None:
            return self.status, {"error_code": 50001, "message": "Error in the backend datastore"}
        if self.credentials and authorization != "Basic " + base64.b64encode(self.credentials.encode()).decode():
            return 401, {"error_code": 401, "message": "Unauthorized"}
        head, _, schema_id = path.partition("?")[0].rpartition("/")
        if head != "/schemas/ids" or not schema_id.isdigit():
            return 404, {"error_code": 404, "message": "HTTP 404 Not Found"}
        self.hits[int(schema_id)] += 1
        if int(schema_id) not in self.schemas:
            return 404, {"error_code": 40403, "message": f"Schema {schema_id} not found"}
        return 200, self.schemas[int(schema_id)]


@pytest.fixture(scope="module")
def registry_server() -> Iterator[Registry]:
    state = Registry()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            status, body = state.answer(self.path, self.headers.get("Authorization"))
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/vnd.schemaregistry.v1+json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:
            """Quiet: the tests assert on what the registry was asked."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield state
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def registry(registry_server: Registry) -> Registry:
    """The module's registry, reset for one test."""
    registry_server.reset()
    return registry_server


@pytest.fixture
def decoder(registry: Registry) -> Iterator[AvroDecoder]:
    client = SchemaRegistry(registry.url, timeout=5)
    yield AvroDecoder(client)
    client.close()


# Debezium-shaped Avro schemas, as the AvroConverter names and annotates them.

SNAPSHOT_ENUM = {
    "type": "string",
    "connect.version": 1,
    "connect.parameters": {
        "allowed": "true,first,first_in_data_collection,last_in_data_collection,last,false,incremental"
    },
    "connect.default": "false",
    "connect.name": "io.debezium.data.Enum",
}
SOURCE = {
    "type": "record",
    "name": "Source",
    "namespace": "io.debezium.connector.postgresql",
    "fields": [
        {"name": "version", "type": "string"},
        {"name": "connector", "type": "string"},
        {"name": "name", "type": "string"},
        {"name": "ts_ms", "type": "long"},
        {"name": "snapshot", "type": [SNAPSHOT_ENUM, "null"], "default": "false"},
        {"name": "db", "type": "string"},
        {"name": "sequence", "type": ["null", "string"], "default": None},
        {"name": "schema", "type": "string"},
        {"name": "table", "type": "string"},
        {"name": "txId", "type": ["null", "long"], "default": None},
        {"name": "lsn", "type": ["null", "long"], "default": None},
        {"name": "xmin", "type": ["null", "long"], "default": None},
    ],
    "connect.name": "io.debezium.connector.postgresql.Source",
}
BLOCK = {
    "type": "record",
    "name": "block",
    "namespace": "event",
    "fields": [
        {"name": "id", "type": "string"},
        {"name": "total_order", "type": "long"},
        {"name": "data_collection_order", "type": "long"},
    ],
    "connect.version": 1,
    "connect.name": "event.block",
}
UUID = {"type": "string", "connect.version": 1, "connect.name": "io.debezium.data.Uuid"}
ZONED = {"type": "string", "connect.version": 1, "connect.name": "io.debezium.time.ZonedTimestamp"}
VSD_NAME = "io.debezium.data.VariableScaleDecimal"
VSD = {
    "type": "record",
    "name": "VariableScaleDecimal",
    "namespace": "io.debezium.data",
    "fields": [{"name": "scale", "type": "int"}, {"name": "value", "type": "bytes"}],
    "connect.doc": "Variable scaled decimal",
    "connect.version": 1,
    "connect.name": VSD_NAME,
}


def decimal(scale: int = 2, precision: int = 12) -> dict[str, Any]:
    return {
        "type": "bytes",
        "scale": scale,
        "precision": precision,
        "connect.version": 1,
        "connect.parameters": {"scale": str(scale), "connect.decimal.precision": str(precision)},
        "connect.name": "org.apache.kafka.connect.data.Decimal",
        "logicalType": "decimal",
    }


def optional(avro_type: Any) -> list[Any]:
    return ["null", avro_type]


def envelope_schema(value_fields: list[dict[str, Any]], table: str = "invoices") -> dict[str, Any]:
    namespace = f"nexacloud.public.{table}"
    value = {"type": "record", "name": "Value", "namespace": namespace, "fields": value_fields}
    return {
        "type": "record",
        "name": "Envelope",
        "namespace": namespace,
        "fields": [
            {"name": "before", "type": optional(value | {"connect.name": f"{namespace}.Value"}), "default": None},
            {"name": "after", "type": optional("Value"), "default": None},
            {"name": "source", "type": SOURCE},
            {"name": "transaction", "type": optional(BLOCK), "default": None},
            {"name": "op", "type": "string"},
            {"name": "ts_ms", "type": optional("long"), "default": None},
        ],
        "connect.version": 2,
        "connect.name": f"{namespace}.Envelope",
    }


KEY_SCHEMA = {
    "type": "record",
    "name": "Key",
    "namespace": "nexacloud.public.invoices",
    "fields": [{"name": "id", "type": UUID}],
    "connect.name": "nexacloud.public.invoices.Key",
}


def source(table: str = "invoices", **overrides: Any) -> dict[str, Any]:
    """The JSON tests' source block, with the nullable fields the Avro schema declares."""
    return source_block(table, **{"sequence": None, "xmin": None, **overrides})


def record(op: str, before: Any = None, after: Any = None, transaction: Any = None, **overrides: Any) -> dict[str, Any]:
    table = overrides.pop("table", "invoices")
    return {
        "before": before,
        "after": after,
        "source": source(table, **overrides),
        "transaction": transaction,
        "op": op,
        "ts_ms": 1709296496200,
    }


def frame(schema_id: int, schema: dict[str, Any], datum: Any) -> bytes:
    """Confluent wire format: magic byte 0, big-endian schema id, Avro binary body (fastavro)."""
    body = io.BytesIO()
    fastavro.schemaless_writer(body, parse_schema(schema), datum)
    return b"\x00" + schema_id.to_bytes(4, "big") + body.getvalue()


def avro_row(logical: dict[str, object], mode: str) -> tuple[list[dict[str, Any]], dict[str, object]]:
    """A logical row in one decimal mode: its Avro fields (as the AvroConverter writes them) and values."""
    fields: list[dict[str, Any]] = []
    values: dict[str, object] = {}
    vsd_defined = False
    for column, value in logical.items():
        avro_type: Any
        if isinstance(value, Decimal):
            if mode == "precise":
                avro_type, wire = decimal(), value
            elif mode == "string":
                avro_type, wire = "string", f"{value:.2f}"
            elif mode == "double":
                avro_type, wire = "double", float(value)
            else:
                avro_type = VSD_NAME if vsd_defined else VSD
                vsd_defined = True
                wire = {"scale": 2, "value": int(value.scaleb(2)).to_bytes(4, "big", signed=True)}
        elif isinstance(value, datetime):
            avro_type, wire = ZONED, value.isoformat().replace("+00:00", "Z")
        elif isinstance(value, int):
            avro_type, wire = "int", value
        elif column.endswith("id") and column != "stripe_invoice_id":
            avro_type, wire = UUID, value
        else:
            avro_type, wire = "string", value
        fields.append({"name": column, "type": optional(avro_type), "default": None})
        values[column] = wire
    return fields, values


def decode(decoder: AvroDecoder, value: bytes | None, key: bytes | None = None) -> ChangeEvent | None:
    return decoder.decode(TOPIC, 2, 7, key, value)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("table", "logical"), [("invoices", INVOICE), ("invoice_items", ITEM)], ids=["invoice", "item"]
)
def test_every_decimal_mode_decodes_like_json(
    registry: Registry, decoder: AvroDecoder, table: str, logical: dict[str, object], mode: str
) -> None:
    fields, values = avro_row(logical, mode)
    schema = envelope_schema(fields, table)
    value = frame(registry.register(schema), schema, record("c", after=values, table=table))
    json_fields, json_values = wire_row(logical, mode)
    from_json = JsonDecoder().decode(
        TOPIC, 2, 7, None, message(json_envelope("c", after=json_values, table=table), json_fields, table)
    )

    event = decode(decoder, value)

    assert event is not None
    assert event.row == logical
    assert {k: type(v) for k, v in event.row.items()} == {k: type(v) for k, v in logical.items()}
    assert event == from_json


VALUE_CASES = [
    pytest.param(
        {"type": "long", "connect.version": 1, "connect.name": "io.debezium.time.MicroTimestamp"},
        1709296496123456,
        CREATED,
        id="micro-timestamp",
    ),
    pytest.param({"type": "long", "logicalType": "timestamp-micros"}, 1709296496123456, CREATED, id="timestamp-micros"),
    pytest.param(
        {"type": "long", "connect.name": "io.debezium.time.MicroTimestamp", "logicalType": "timestamp-micros"},
        1709296496123456,
        CREATED,
        id="micro-timestamp-with-logical-type",
    ),
    pytest.param(
        {"type": "long", "connect.name": "org.apache.kafka.connect.data.Timestamp", "logicalType": "timestamp-millis"},
        1709296496123,
        datetime(2024, 3, 1, 12, 34, 56, 123000, tzinfo=UTC),
        id="connect-timestamp-millis",
    ),
    pytest.param(
        {"type": "long", "connect.name": "io.debezium.time.NanoTimestamp"},
        1709296496123456999,
        CREATED,
        id="nano-timestamp",
    ),
    pytest.param(
        {"type": "int", "connect.version": 1, "connect.name": "io.debezium.time.Date"},
        19783,
        date(2024, 3, 1),
        id="debezium-date",
    ),
    pytest.param(
        {"type": "int", "connect.name": "org.apache.kafka.connect.data.Date", "logicalType": "date"},
        19783,
        date(2024, 3, 1),
        id="date",
    ),
    pytest.param(ZONED, "2024-03-01T12:34:56.123456Z", CREATED, id="zoned"),
    pytest.param(
        decimal(scale=3, precision=20),
        Decimal("-12345678901234567.891"),
        Decimal("-12345678901234567.891"),
        id="decimal",
    ),
    pytest.param(
        {"type": "bytes", "logicalType": "decimal", "precision": 5, "scale": 1},
        Decimal("-2.5"),
        Decimal("-2.5"),
        id="decimal-plain-avro",
    ),
    pytest.param(VSD, {"scale": 4, "value": b"\x30\x39"}, Decimal("1.2345"), id="variable-scale-decimal"),
    pytest.param("double", 0.1, Decimal("0.1"), id="double-mode"),
    pytest.param("float", 2.5, Decimal("2.5"), id="float"),
    pytest.param(UUID, INVOICE_ID, INVOICE_ID, id="uuid"),
    pytest.param({"type": "string", "logicalType": "uuid"}, INVOICE_ID, INVOICE_ID, id="uuid-logical-type"),
    pytest.param("long", 2**40, 2**40, id="long"),
    pytest.param("boolean", False, False, id="boolean"),
    pytest.param("bytes", b"\x00\xff", b"\x00\xff", id="bytes"),
    pytest.param("string", PLACEHOLDER, UNAVAILABLE, id="toast-text"),
    pytest.param(ZONED, PLACEHOLDER, UNAVAILABLE, id="toast-zoned"),
    pytest.param(decimal(), PLACEHOLDER_BYTES, UNAVAILABLE, id="toast-decimal"),
    pytest.param("bytes", PLACEHOLDER_BYTES, UNAVAILABLE, id="toast-bytes"),
    pytest.param(VSD, {"scale": 0, "value": PLACEHOLDER_BYTES}, UNAVAILABLE, id="toast-variable-scale-decimal"),
    pytest.param(decimal(), None, None, id="null"),
]


@pytest.mark.parametrize(("avro_type", "written", "expected"), VALUE_CASES)
def test_value_decoded_by_its_avro_schema(
    registry: Registry, decoder: AvroDecoder, avro_type: Any, written: object, expected: object
) -> None:
    fields = [{"name": "id", "type": UUID}, {"name": "x", "type": optional(avro_type), "default": None}]
    schema = envelope_schema(fields)
    value = frame(registry.register(schema), schema, record("c", after={"id": INVOICE_ID, "x": written}))

    event = decode(decoder, value)

    assert event is not None
    assert event.row is not None
    assert event.row["x"] == expected
    assert type(event.row["x"]) is type(expected)


def test_money_text_in_string_mode_is_decimal(registry: Registry, decoder: AvroDecoder) -> None:
    schema = envelope_schema([{"name": "id", "type": UUID}, {"name": "amount", "type": "string"}])
    value = frame(registry.register(schema), schema, record("u", after={"id": INVOICE_ID, "amount": "-0.50"}))

    event = decode(decoder, value)

    assert event is not None
    assert event.row == {"id": INVOICE_ID, "amount": Decimal("-0.50")}


ROW_SCHEMA = envelope_schema(
    [{"name": "id", "type": UUID}, {"name": "status", "type": optional("string"), "default": None}]
)


@pytest.mark.parametrize(
    ("op", "snapshot", "before", "after", "row"),
    [
        ("c", "false", None, {"id": INVOICE_ID, "status": "open"}, {"id": INVOICE_ID, "status": "open"}),
        (
            "u",
            "false",
            {"id": INVOICE_ID, "status": "open"},
            {"id": INVOICE_ID, "status": "paid"},
            {"id": INVOICE_ID, "status": "paid"},
        ),
        ("r", "first", None, {"id": INVOICE_ID, "status": "open"}, {"id": INVOICE_ID, "status": "open"}),
        ("r", "incremental", None, {"id": INVOICE_ID, "status": "void"}, {"id": INVOICE_ID, "status": "void"}),
        ("d", "false", {"id": INVOICE_ID, "status": "void"}, None, {"id": INVOICE_ID, "status": "void"}),
    ],
)
def test_row_ops(
    registry: Registry, decoder: AvroDecoder, op: str, snapshot: str, before: Any, after: Any, row: Any
) -> None:
    value = frame(registry.register(ROW_SCHEMA), ROW_SCHEMA, record(op, before, after, snapshot=snapshot))

    event = decode(decoder, value)

    assert event == expected_change(op, row, snapshot != "false", Origin(TOPIC, 2, 7))


def test_truncate_and_transaction_block(registry: Registry, decoder: AvroDecoder) -> None:
    block = {"id": "775:23460000", "total_order": 1, "data_collection_order": 1}
    value = frame(registry.register(ROW_SCHEMA), ROW_SCHEMA, record("t", transaction=block, txId=None, lsn=23460000))

    event = decode(decoder, value)

    assert event is not None
    assert (event.op, event.row, event.key, event.tx_id, event.lsn) == ("t", None, "", "775:23460000", 23460000)


def test_tombstone_is_none(decoder: AvroDecoder) -> None:
    assert decode(decoder, None, key=b"\x00\x00\x00\x00\x01") is None


def test_delete_without_before_image_takes_the_avro_key(registry: Registry, decoder: AvroDecoder) -> None:
    key = frame(registry.register(KEY_SCHEMA), KEY_SCHEMA, {"id": INVOICE_ID})
    value = frame(registry.register(ROW_SCHEMA), ROW_SCHEMA, record("d"))

    event = decode(decoder, value, key=key)

    assert event is not None
    assert (event.op, event.key, event.row) == ("d", INVOICE_ID, {})


def test_each_writer_schema_is_fetched_once(registry: Registry, decoder: AvroDecoder) -> None:
    first, second = (
        registry.register(ROW_SCHEMA),
        registry.register(envelope_schema([{"name": "id", "type": "string"}])),
    )
    messages = [
        frame(first, ROW_SCHEMA, record("c", after={"id": INVOICE_ID, "status": "open"})),
        frame(second, envelope_schema([{"name": "id", "type": "string"}]), record("c", after={"id": "x"})),
    ] * 3

    keys = [event.key for event in (decode(decoder, value) for value in messages) if event]

    assert keys == [INVOICE_ID, "x"] * 3
    assert registry.hits == {first: 1, second: 1}


# Poison messages and an unavailable registry.

GOOD_VALUES = {"id": INVOICE_ID, "status": "open"}


def good_body() -> bytes:
    return frame(0, ROW_SCHEMA, record("c", after=GOOD_VALUES))[5:]


def framed(schema_id: int, body: bytes) -> bytes:
    return b"\x00" + schema_id.to_bytes(4, "big") + body


INVALID = [
    pytest.param(lambda sid: b"", r"too short for the Confluent wire format \(0 bytes\)", id="empty"),
    pytest.param(lambda sid: b"\x00\x00\x00", r"too short", id="shorter-than-the-header"),
    pytest.param(lambda sid: b"\x01" + framed(sid, good_body())[1:], r"magic byte 0 \(got 1\)", id="wrong-magic-byte"),
    pytest.param(lambda sid: b'{"schema":{}}', r"magic byte 0 \(got 123\)", id="json-instead-of-avro"),
    pytest.param(lambda sid: framed(999, good_body()), r"schema id 999 is unknown", id="unknown-schema-id"),
    pytest.param(lambda sid: framed(sid, good_body()[:-3]), r"not an Avro body of writer schema", id="truncated-body"),
    pytest.param(lambda sid: framed(sid, b""), r"not an Avro body", id="empty-body"),
    pytest.param(lambda sid: framed(sid, good_body() + b"\x00\x01"), r"2 bytes left after", id="trailing-bytes"),
    pytest.param(lambda sid: framed(sid, b"\x09\xff\xfe garbage"), r"not an Avro body", id="garbage-body"),
    pytest.param(
        lambda sid: frame(sid, ROW_SCHEMA, record("x", after=GOOD_VALUES)), r"unknown op 'x'", id="unknown-op"
    ),
    pytest.param(
        lambda sid: frame(sid, ROW_SCHEMA, record("c", snapshot="perhaps", after=GOOD_VALUES)),
        r"unknown source.snapshot 'perhaps'",
        id="unknown-snapshot",
    ),
    pytest.param(
        lambda sid: frame(sid, ROW_SCHEMA, record("c")), r"row image is not a record: None", id="create-without-after"
    ),
]


@pytest.mark.parametrize(("build", "reason"), INVALID)
def test_invalid_message(registry: Registry, decoder: AvroDecoder, build: Any, reason: str) -> None:
    value = build(registry.register(ROW_SCHEMA))

    with pytest.raises(InvalidMessage, match=reason):
        decode(decoder, value)


@pytest.mark.parametrize(
    ("schema", "schema_type", "reason"),
    [
        (KEY_SCHEMA, None, r"not a Debezium envelope"),
        ('syntax = "proto3"; message Value {}', "PROTOBUF", r"is a PROTOBUF schema, not Avro"),
        (
            '{"type": "record", "name": "X", "fields": [{"name": "a", "type": "nope"}]}',
            None,
            r"not a valid Avro schema",
        ),
        ("{not json", None, r"not a valid Avro schema"),
    ],
    ids=["key-schema-as-value", "protobuf", "unknown-avro-type", "schema-not-json"],
)
def test_writer_schema_that_cannot_decode_a_change(
    registry: Registry, decoder: AvroDecoder, schema: Any, schema_type: str | None, reason: str
) -> None:
    schema_id = registry.register(schema, schema_type)
    body = frame(0, KEY_SCHEMA, {"id": INVOICE_ID})[5:]

    with pytest.raises(InvalidMessage, match=reason):
        decode(decoder, framed(schema_id, body))


def test_decimal_scale_that_is_not_a_number(registry: Registry, decoder: AvroDecoder) -> None:
    column = {"type": "bytes", "connect.name": DECIMAL, "connect.parameters": {"scale": "two"}}
    schema = envelope_schema([{"name": "id", "type": UUID}, {"name": "x", "type": column}])
    value = frame(registry.register(schema), schema, record("c", after={"id": INVOICE_ID, "x": b"\x01"}))

    with pytest.raises(InvalidMessage, match=r"column 'x': bad decimal scale 'two'"):
        decode(decoder, value)


@pytest.mark.parametrize("status", [500, 503, 429, 403])
def test_registry_errors_are_transient(registry: Registry, decoder: AvroDecoder, status: int) -> None:
    value = frame(registry.register(ROW_SCHEMA), ROW_SCHEMA, record("c", after=GOOD_VALUES))
    registry.status = status

    with pytest.raises(SchemaRegistryUnavailable, match=rf"answered HTTP {status}"):
        decode(decoder, value)

    registry.status = None
    event = decode(decoder, value)
    assert event is not None
    assert event.key == INVOICE_ID


def test_wrong_registry_path_is_not_an_unknown_schema(registry: Registry) -> None:
    schema_id = registry.register(ROW_SCHEMA)
    client = SchemaRegistry(registry.url + "/not-the-registry", timeout=5)

    with pytest.raises(SchemaRegistryUnavailable, match=r"answered HTTP 404"):
        AvroDecoder(client).decode(TOPIC, 0, 0, None, frame(schema_id, ROW_SCHEMA, record("c", after=GOOD_VALUES)))
    client.close()


def test_unreachable_registry_is_transient() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = SchemaRegistry(f"http://127.0.0.1:{port}", timeout=2)

    with pytest.raises(SchemaRegistryUnavailable, match=r"ConnectError"):
        AvroDecoder(client).decode(TOPIC, 0, 0, None, frame(1, ROW_SCHEMA, record("c", after=GOOD_VALUES)))
    client.close()


@pytest.mark.parametrize(
    ("url_user", "password", "accepted"),
    [
        ("reader", Secret("s3cret"), True),
        ("reader:s3cret", None, True),
        ("reader:wrong", Secret("s3cret"), True),
        ("reader", Secret("wrong"), False),
        ("", None, False),
    ],
    ids=["password-setting", "password-in-url", "setting-wins", "wrong-password", "no-credentials"],
)
def test_basic_auth(registry: Registry, url_user: str, password: Secret | None, accepted: bool) -> None:
    registry.credentials = "reader:s3cret"
    schema_id = registry.register(ROW_SCHEMA)
    url = registry.url.replace("http://", f"http://{url_user}@" if url_user else "http://")
    client = SchemaRegistry(url, password=password, timeout=5)
    value = frame(schema_id, ROW_SCHEMA, record("c", after=GOOD_VALUES))

    try:
        if accepted:
            event = AvroDecoder(client).decode(TOPIC, 0, 0, None, value)
            assert event is not None
            assert event.key == INVOICE_ID
        else:
            with pytest.raises(SchemaRegistryUnavailable, match=r"HTTP 401"):
                AvroDecoder(client).decode(TOPIC, 0, 0, None, value)
    finally:
        client.close()
    assert "s3cret" not in client.url


def test_from_settings(registry: Registry) -> None:
    registry.credentials = "reader:s3cret"
    settings = load_settings(
        environ={},
        value_format="avro",
        schema_registry_url=registry.url.replace("http://", "http://reader@"),
        schema_registry_password="s3cret",
    )
    value = frame(registry.register(ROW_SCHEMA), ROW_SCHEMA, record("c", after=GOOD_VALUES))

    event = AvroDecoder.from_settings(settings).decode(TOPIC, 0, 0, None, value)

    assert event is not None
    assert event.key == INVOICE_ID

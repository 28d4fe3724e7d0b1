"""Debezium's PostgreSQL change envelopes, as Kafka Connect's JsonConverter writes them, → ChangeEvent.

Two shapes arrive, depending on the converter's ``schemas.enable``:

* ``{"schema": {...}, "payload": {...}}``: every value is decoded by its Connect type and
  logical name (``org.apache.kafka.connect.data.Decimal``, ``io.debezium.time.ZonedTimestamp``...).
  Field decoders are built once per distinct schema and cached by the schema's raw bytes, so
  a message whose schema was seen before costs one parse of its payload only.
* the payload alone: values are decoded by column, from the types DESIGN §2 gives the columns
  we use; any other column keeps its JSON value.

Either way Debezium's unchanged-TOAST placeholder ``__debezium_unavailable_value`` (for a
binary column: the base64 of that text) becomes :data:`events.UNAVAILABLE`. The value
conversions and the envelope reading are shared with ``avro.py``, so both formats produce the
same rows: ``Decimal`` money (never float arithmetic), timezone-aware ``datetime``, ``date``,
``str`` ids.
"""

from __future__ import annotations

import base64
import binascii
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import MAX_PREC, Context, Decimal
from typing import Any

import orjson

from .errors import InvalidMessage
from .events import UNAVAILABLE, ChangeEvent, Origin

PLACEHOLDER = "__debezium_unavailable_value"
PLACEHOLDER_BYTES = PLACEHOLDER.encode()

DECIMAL = "org.apache.kafka.connect.data.Decimal"
VARIABLE_SCALE_DECIMAL = "io.debezium.data.VariableScaleDecimal"
ZONED_TIMESTAMP = "io.debezium.time.ZonedTimestamp"
MICRO_TIMESTAMP = "io.debezium.time.MicroTimestamp"
NANO_TIMESTAMP = "io.debezium.time.NanoTimestamp"
CONNECT_TIMESTAMP = "org.apache.kafka.connect.data.Timestamp"
MILLI_TIMESTAMPS = frozenset({"io.debezium.time.Timestamp", CONNECT_TIMESTAMP})
CONNECT_DATE = "org.apache.kafka.connect.data.Date"
DATES = frozenset({"io.debezium.time.Date", CONNECT_DATE})

MONEY_COLUMNS = frozenset({"subtotal", "tax", "amount_paid", "unit_price", "amount"})
MONEY_SCALE = 2
TIME_COLUMNS = frozenset({"created_at", "paid_at"})
ID_COLUMNS = frozenset({"id", "invoice_id", "user_id", "subscription_id"})

OPS = frozenset({"c", "u", "d", "r", "t"})
_SNAPSHOT: Mapping[object, bool] = {
    "true": True,
    "first": True,
    "first_in_data_collection": True,
    "last": True,
    "last_in_data_collection": True,
    "incremental": True,
    "false": False,
    None: False,
    True: True,
    False: False,
}

Decode = Callable[[Any], Any]
"""Turns one non-null wire value into its Python value; raises ValueError/TypeError if it cannot."""
Binary = Callable[[Any], bytes]
"""Turns the wire form of a binary value into bytes (base64 text in JSON, bytes in Avro)."""

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_EXACT = Context(prec=MAX_PREC)
_DECIMAL_TEXT = re.compile(r"-?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?|-?\.\d+|NaN|-?Infinity")


def _show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _type_error(expected: str, value: object) -> TypeError:
    return TypeError(f"expected {expected}, got {type(value).__name__} {_show(value)}")


# Value conversions, shared with avro.py.


def decimal_from_unscaled(raw: bytes, scale: int) -> Decimal:
    """A Connect ``Decimal``: big-endian two's-complement unscaled integer and its scale."""
    if not raw:
        raise ValueError("a decimal needs at least one byte")
    return Decimal(int.from_bytes(raw, "big", signed=True)).scaleb(-scale, _EXACT)


def decimal_from_text(text: str) -> Decimal:
    """A decimal written as text (``decimal.handling.mode=string``), strictly: no spaces or ``_``."""
    if not _DECIMAL_TEXT.fullmatch(text):
        raise ValueError(f"not a decimal number: {_show(text)}")
    return Decimal(text)


def decimal_from_number(value: object) -> Decimal:
    """A JSON/Avro number (``decimal.handling.mode=double``) as the decimal it was written as.

    A float goes through its shortest round-trip text (``repr``), never through float arithmetic.
    """
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    raise _type_error("a number", value)


def datetime_from_iso(text: str) -> datetime:
    """An ISO-8601 timestamp (``ZonedTimestamp``); one without an offset is taken as UTC."""
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def datetime_from_micros(micros: int) -> datetime:
    """Microseconds since the epoch (``MicroTimestamp``, a timestamp without zone) as UTC."""
    return _EPOCH + timedelta(microseconds=micros)


def date_from_days(days: int) -> date:
    """Days since the epoch (``io.debezium.time.Date``)."""
    return date.fromordinal(_EPOCH_ORDINAL + days)


# Field decoders: each takes a non-null wire value.


def _integer(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise _type_error("an integer", value)


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    raise _type_error("a boolean", value)


def _text(value: Any) -> object:
    if isinstance(value, str):
        return UNAVAILABLE if value == PLACEHOLDER else value
    raise _type_error("text", value)


def _keep(value: Any) -> object:
    return UNAVAILABLE if value == PLACEHOLDER else value


def _money_text(value: Any) -> object:
    text = _text(value)
    return text if text is UNAVAILABLE else decimal_from_text(text)  # type: ignore[arg-type]


def _zoned(value: Any) -> object:
    text = _text(value)
    return text if text is UNAVAILABLE else datetime_from_iso(text)  # type: ignore[arg-type]


def _micros(value: Any) -> datetime:
    return datetime_from_micros(_integer(value))


def _millis(value: Any) -> datetime:
    return _EPOCH + timedelta(milliseconds=_integer(value))


def _nanos(value: Any) -> datetime:
    return datetime_from_micros(_integer(value) // 1000)


def _days(value: Any) -> date:
    return date_from_days(_integer(value))


def base64_bytes(value: Any) -> bytes:
    """JsonConverter's form of a binary value: standard base64 text."""
    if not isinstance(value, str):
        raise _type_error("base64 text", value)
    return base64.b64decode(value, validate=True)


def raw_bytes(value: Any) -> bytes:
    """Avro's form of a binary value: bytes as they are."""
    if not isinstance(value, bytes):
        raise _type_error("bytes", value)
    return value


def _binary(binary: Binary) -> Decode:
    def decode(value: Any) -> object:
        raw = binary(value)
        return UNAVAILABLE if raw == PLACEHOLDER_BYTES else raw

    return decode


def _decimal(scale: int, binary: Binary) -> Decode:
    def decode(value: Any) -> object:
        raw = binary(value)
        return UNAVAILABLE if raw == PLACEHOLDER_BYTES else decimal_from_unscaled(raw, scale)

    return decode


def _variable_scale(binary: Binary) -> Decode:
    def decode(value: Any) -> object:
        if not isinstance(value, dict):
            raise _type_error("a {scale, value} struct", value)
        scale, raw = value.get("scale"), binary(value.get("value"))
        if raw == PLACEHOLDER_BYTES:
            return UNAVAILABLE
        return decimal_from_unscaled(raw, _integer(scale))

    return decode


def field_decoder(column: str, logical: str | None, kind: str, scale: int | None, binary: Binary) -> Decode:
    """The decoder of one column, from its Connect logical name and type.

    Args:
        column: the column's name; a money column written as text (``decimal.handling.mode=string``)
            becomes a ``Decimal``, other text stays text.
        logical: the Connect logical name (``connect.name`` in Avro), if any.
        kind: the Connect type as JsonConverter names it: ``int8``..``int64``, ``float``, ``double``,
            ``boolean``, ``string``, ``bytes``, ``struct``, ``array``, ``map``.
        scale: the scale of a ``Decimal``.
        binary: how this format carries binary values.

    Returns:
        A function of the non-null wire value; any value a Connect type cannot hold raises
        ``ValueError`` or ``TypeError``.
    """
    if logical == DECIMAL:
        if scale is None:
            raise InvalidMessage(f"column {column!r}: a Decimal schema without a scale")
        return _decimal(scale, binary)
    if logical == VARIABLE_SCALE_DECIMAL:
        return _variable_scale(binary)
    if logical == ZONED_TIMESTAMP:
        return _zoned
    if logical == MICRO_TIMESTAMP:
        return _micros
    if logical == NANO_TIMESTAMP:
        return _nanos
    if logical in MILLI_TIMESTAMPS:
        return _millis
    if logical in DATES:
        return _days
    if kind in ("float", "double"):
        return decimal_from_number
    if kind == "string":
        return _money_text if column in MONEY_COLUMNS else _text
    if kind in ("int8", "int16", "int32", "int64"):
        return _integer
    if kind == "boolean":
        return _boolean
    if kind == "bytes":
        return _binary(binary)
    return _keep


# Schemaless JSON: decoders by column (DESIGN §2).

_json_variable_scale = _variable_scale(base64_bytes)


def _loose_money(value: Any) -> object:
    """numeric(12,2) in any ``decimal.handling.mode``: base64 bytes, text, number or struct.

    Text with a point or a minus sign is a decimal (string mode always writes the scale's
    digits); other text is the base64 of the unscaled value (precise mode).
    """
    if isinstance(value, str):
        if value == PLACEHOLDER:
            return UNAVAILABLE
        if "." in value or value.startswith("-"):
            return decimal_from_text(value)
        raw = base64.b64decode(value, validate=True)
        return UNAVAILABLE if raw == PLACEHOLDER_BYTES else decimal_from_unscaled(raw, MONEY_SCALE)
    if isinstance(value, dict):
        return _json_variable_scale(value)
    return decimal_from_number(value)


def _loose_quantity(value: Any) -> object:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        return _money_text(value)
    if isinstance(value, dict):
        return _json_variable_scale(value)
    return decimal_from_number(value)


def _loose_moment(value: Any) -> object:
    if isinstance(value, str):
        return _zoned(value)
    return _micros(value)


def _loose_id(value: Any) -> str:
    if isinstance(value, str):
        return value
    raise _type_error("text", value)


_SCHEMALESS_COLUMNS: Mapping[str, Decode] = {
    **dict.fromkeys(MONEY_COLUMNS, _loose_money),
    **dict.fromkeys(TIME_COLUMNS, _loose_moment),
    **dict.fromkeys(ID_COLUMNS, _loose_id),
    "quantity": _loose_quantity,
}


# The envelope, shared with avro.py.


@dataclass(frozen=True, slots=True)
class RowDecoders:
    """How to decode the before- and after-images of one envelope schema.

    Columns missing from a mapping are decoded by ``default`` (schema evolution: an extra
    column keeps its value).
    """

    before: Mapping[str, Decode] = field(default_factory=dict)
    after: Mapping[str, Decode] = field(default_factory=dict)
    default: Decode = _keep


SCHEMALESS = RowDecoders(before=_SCHEMALESS_COLUMNS, after=_SCHEMALESS_COLUMNS)
"""Decoders for envelopes without a schema: by column name."""


def decode_row(image: object, decoders: Mapping[str, Decode], default: Decode) -> dict[str, object]:
    """Decode a before/after image column by column; raise InvalidMessage naming the bad column."""
    if not isinstance(image, dict):
        raise InvalidMessage(f"the row image is not a record: {_show(image)}")
    row: dict[str, object] = {}
    name = ""
    try:
        for name, value in image.items():
            row[name] = None if value is None else decoders.get(name, default)(value)
    except (TypeError, ValueError, ArithmeticError, binascii.Error) as exc:
        raise InvalidMessage(f"column {name!r}: {exc}") from None
    return row


def key_text(key: object) -> str | None:
    """The primary key in a decoded message key: its ``id`` field, or its only field."""
    if isinstance(key, dict):
        if "id" in key:
            key = key["id"]
        elif len(key) == 1:
            (key,) = key.values()
        else:
            return None
    if isinstance(key, bool) or not isinstance(key, (str, int)):
        return None
    return str(key)


def _source_int(source: Mapping[str, object], name: str, *, required: bool) -> int | None:
    value = source.get(name)
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidMessage(f"source.{name} must be an integer, got {_show(value)}")
    return value


def build_event(
    payload: object,
    decoders: RowDecoders,
    message_key: Callable[[], str | None],
    origin: Origin,
) -> ChangeEvent:
    """Read a Debezium envelope (already parsed into dicts) into a ChangeEvent.

    Args:
        payload: the envelope: ``op``, ``source``, ``before``, ``after``, ``transaction``.
        decoders: how to decode its row images.
        message_key: gives the message key's primary key; called only when the row has no ``id``.
        origin: where the message was read.

    Raises:
        InvalidMessage: the envelope is not one, or a value cannot be decoded.
    """
    if not isinstance(payload, dict):
        raise InvalidMessage(f"not a Debezium envelope: {_show(payload)}")
    op = payload.get("op")
    if op is None:
        raise InvalidMessage("not a Debezium change event: no op (a transaction or schema-change message?)")
    if op not in OPS:
        raise InvalidMessage(f"unknown op {_show(op)}")
    source = payload.get("source")
    if not isinstance(source, dict):
        raise InvalidMessage("the envelope has no source block")
    table = source.get("table")
    if not isinstance(table, str) or not table:
        raise InvalidMessage(f"source.table must be a table name, got {_show(table)}")
    ts_ms = _source_int(source, "ts_ms", required=True)
    lsn = _source_int(source, "lsn", required=False) or 0
    snapshot = source.get("snapshot")
    if not isinstance(snapshot, (str, bool, type(None))) or snapshot not in _SNAPSHOT:
        raise InvalidMessage(f"unknown source.snapshot {_show(snapshot)}")
    tx_id = _source_int(source, "txId", required=False)
    if tx_id is None:
        transaction = payload.get("transaction")
        tx = transaction.get("id") if isinstance(transaction, dict) else None
    else:
        tx = str(tx_id)
    if op == "t":
        row, key = None, ""
    else:
        if op == "d":
            image = payload.get("before")
            row = {} if image is None else decode_row(image, decoders.before, decoders.default)
        else:
            row = decode_row(payload.get("after"), decoders.after, decoders.default)
        key = key_text(row.get("id")) or message_key()
        if not key:
            raise InvalidMessage(f"op {op!r} on {table}: no primary key in the row nor in the message key")
    return ChangeEvent(
        table=table,
        op=op,
        key=key,
        row=row,
        lsn=lsn,
        ts_ms=ts_ms,  # type: ignore[arg-type]
        snapshot=_SNAPSHOT[snapshot],
        tx_id=tx if isinstance(tx, str) else None,
        origin=origin,
    )


# JsonConverter with schemas.


def _connect_row(schema: object, where: str) -> dict[str, Decode]:
    if schema is None:
        return {}
    if not isinstance(schema, dict) or schema.get("type") != "struct" or not isinstance(schema.get("fields"), list):
        raise InvalidMessage(f"the schema of {where} is not a struct")
    decoders: dict[str, Decode] = {}
    for spec in schema["fields"]:
        column = spec.get("field") if isinstance(spec, dict) else None
        if not isinstance(column, str):
            raise InvalidMessage(f"a field of {where} has no name: {_show(spec)}")
        parameters = spec.get("parameters") or {}
        try:
            scale = int(parameters["scale"]) if "scale" in parameters else None
        except (TypeError, ValueError):
            raise InvalidMessage(f"column {column!r}: bad decimal scale {_show(parameters)}") from None
        decoders[column] = field_decoder(column, spec.get("name"), str(spec.get("type")), scale, base64_bytes)
    return decoders


def connect_row_decoders(schema: object) -> RowDecoders:
    """Row decoders for a Connect envelope schema (``None``: the payload has no schema)."""
    if schema is None:
        return SCHEMALESS
    if not isinstance(schema, dict) or not isinstance(schema.get("fields"), list):
        raise InvalidMessage("the message schema is not a Connect struct schema")
    fields = {spec.get("field"): spec for spec in schema["fields"] if isinstance(spec, dict)}
    if "op" not in fields or "source" not in fields:
        raise InvalidMessage(f"the schema {schema.get('name')!r} is not a Debezium envelope (no op or source)")
    return RowDecoders(
        before=_connect_row(fields.get("before"), "before"),
        after=_connect_row(fields.get("after"), "after"),
    )


_HEAD = b'{"schema":'
_SPLIT = b',"payload":'
_CACHE_LIMIT = 256


def _loads(data: bytes | memoryview, what: str) -> Any:
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise InvalidMessage(f"{what} is not valid JSON: {exc}") from None


class EnvelopeDecoder(ABC):
    """Kafka message → ChangeEvent, for one converter's wire format (JSON here, Avro in ``avro.py``)."""

    def decode(
        self, topic: str, partition: int, offset: int, key: bytes | None, value: bytes | None
    ) -> ChangeEvent | None:
        """Decode one Kafka message.

        Returns:
            The change, or ``None`` for a tombstone (a null value, which follows a delete).

        Raises:
            InvalidMessage: the message cannot be decoded or is not a Debezium change.
        """
        if value is None:
            return None
        envelope, decoders = self.read_envelope(value)
        return build_event(envelope, decoders, lambda: self.read_key(key), Origin(topic, partition, offset))

    @abstractmethod
    def read_envelope(self, value: bytes) -> tuple[Any, RowDecoders]:
        """The envelope in a message value, and the decoders of its rows."""

    @abstractmethod
    def read_key(self, key: bytes | None) -> str | None:
        """The primary key in a message key, if it has one."""


class JsonDecoder(EnvelopeDecoder):
    """Decodes messages written by Kafka Connect's JsonConverter, with or without schemas.

    Keeps the row decoders of the schemas it has seen (a handful: one per table and schema
    version), keyed by the schema's bytes.
    """

    def __init__(self) -> None:
        self._by_schema: dict[bytes, RowDecoders] = {}

    def read_envelope(self, value: bytes) -> tuple[Any, RowDecoders]:
        """The payload of a message value and the decoders of its schema."""
        # JsonConverter writes {"schema":<schema>,"payload":<payload>} compactly, in that order:
        # the bytes before the first ',"payload":' are the schema when they parse as JSON on
        # their own (a cut inside the schema leaves it unbalanced), so a known schema costs a
        # dict lookup and only the payload is parsed. Anything else takes the general path.
        if value.startswith(_HEAD):
            cut = value.find(_SPLIT)
            tail = value.rstrip()
            if cut > 0 and tail.endswith(b"}"):
                view = memoryview(value)
                schema_bytes = value[len(_HEAD) : cut]
                decoders = self._by_schema.get(schema_bytes)
                try:
                    if decoders is None:
                        decoders = self._remember(schema_bytes, orjson.loads(schema_bytes))
                    return orjson.loads(view[cut + len(_SPLIT) : len(tail) - 1]), decoders
                except orjson.JSONDecodeError:
                    pass
        document = _loads(value, "the message value")
        if not isinstance(document, dict):
            raise InvalidMessage(f"the message value is not a JSON object: {_show(document)}")
        if "schema" in document and "payload" in document:
            schema = document["schema"]
            schema_bytes = orjson.dumps(schema, option=orjson.OPT_SORT_KEYS)
            decoders = self._by_schema.get(schema_bytes) or self._remember(schema_bytes, schema)
            return document["payload"], decoders
        return document, SCHEMALESS

    def _remember(self, schema_bytes: bytes, schema: object) -> RowDecoders:
        decoders = connect_row_decoders(schema)
        if len(self._by_schema) >= _CACHE_LIMIT:
            self._by_schema.clear()
        self._by_schema[schema_bytes] = decoders
        return decoders

    def read_key(self, key: bytes | None) -> str | None:
        """The primary key in a JSON message key, with or without its schema."""
        if key is None:
            return None
        document = _loads(key, "the message key")
        if isinstance(document, dict) and "schema" in document and "payload" in document:
            document = document["payload"]
        return key_text(document)

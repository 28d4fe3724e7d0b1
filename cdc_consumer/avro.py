"""Debezium through Confluent's AvroConverter: Confluent wire format + Avro → ChangeEvent.

A message is one magic byte ``0``, the writer schema's id (4 bytes, big-endian) and the Avro
binary body. The writer schema comes from a Confluent-compatible schema registry's REST API
(``GET /schemas/ids/{id}``, the call Confluent's own deserializers make; Karapace, Redpanda and
Apicurio's compatibility API answer it too) and is kept by id: an id never changes meaning.

fastavro reads the body with the schema's logical types removed, so values arrive as written
(unscaled decimal bytes, epoch micros, days, text) and go through the same field decoders as
the JSON path (``decoding.py``): both formats give identical rows, and the unchanged-TOAST
placeholder is recognised in binary columns too, which fastavro's decimal reader would turn
into a number.

The registry is reached over plain httpx rather than confluent-kafka's ``SchemaRegistryClient``:
that client retries with sleeps inside the call (a stalled consumer loop) and, in confluent-kafka
2.16, needs its ``schemaregistry`` extra (authlib, httpx2, attrs, cachetools); here a failed
fetch is reported at once and the runner backs off while it keeps polling (DESIGN §6).
"""

from __future__ import annotations

import io
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

import httpx
import orjson
from fastavro import schemaless_reader
from fastavro.schema import expand_schema, parse_schema

from .config import Secret, Settings, mask_url
from .decoding import (
    CONNECT_DATE,
    CONNECT_TIMESTAMP,
    DECIMAL,
    MICRO_TIMESTAMP,
    Decode,
    EnvelopeDecoder,
    RowDecoders,
    field_decoder,
    key_text,
    raw_bytes,
)
from .errors import InvalidMessage, SchemaRegistryUnavailable

log = logging.getLogger(__name__)

MAGIC = 0
HEADER_SIZE = 5
SCHEMA_NOT_FOUND = 40403
"""The registry's error code for an unknown schema id (HTTP 404 alone may be a wrong URL)."""

_ACCEPT = "application/vnd.schemaregistry.v1+json, application/vnd.schemaregistry+json, application/json"
_CONNECT_KINDS: Mapping[str, str] = {
    "int": "int32",
    "long": "int64",
    "float": "float",
    "double": "double",
    "string": "string",
    "enum": "string",
    "bytes": "bytes",
    "fixed": "bytes",
    "boolean": "boolean",
    "record": "struct",
    "array": "array",
    "map": "map",
}
_LOGICAL_NAMES: Mapping[str, str] = {
    "decimal": DECIMAL,
    "timestamp-micros": MICRO_TIMESTAMP,
    "local-timestamp-micros": MICRO_TIMESTAMP,
    "timestamp-millis": CONNECT_TIMESTAMP,
    "local-timestamp-millis": CONNECT_TIMESTAMP,
    "date": CONNECT_DATE,
}


class SchemaRegistry:
    """Avro writer schemas by id, from a Confluent-compatible schema registry.

    Args:
        url: the registry's base URL; a user name in it (``https://user@host``) enables basic auth.
        password: the basic-auth password (else the one in ``url``, if any).
        timeout: seconds for one HTTP request.
    """

    def __init__(
        self,
        url: str,
        *,
        password: Secret | None = None,
        timeout: float = 10.0,
    ) -> None:
        parts = urlsplit(url)
        auth = None
        if parts.username:
            secret = password.reveal() if password else unquote(parts.password or "")
            auth = httpx.BasicAuth(unquote(parts.username), secret)
            parts = parts._replace(netloc=parts.netloc.rsplit("@", 1)[1])
        self.url = mask_url(url)
        self._client = httpx.Client(
            base_url=urlunsplit(parts),
            auth=auth,
            timeout=timeout,
            headers={"Accept": _ACCEPT},
        )

    def writer_schema(self, schema_id: int) -> str:
        """The Avro schema (JSON text) registered under ``schema_id``.

        Raises:
            InvalidMessage: the registry does not know the id, or the schema is not Avro.
            SchemaRegistryUnavailable: the registry could not be asked or answered oddly.
        """
        try:
            response = self._client.get(f"schemas/ids/{schema_id}")
        except httpx.HTTPError as exc:
            raise SchemaRegistryUnavailable(f"schema registry {self.url}: {type(exc).__name__}: {exc}") from None
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise SchemaRegistryUnavailable(
                f"schema registry {self.url} answered HTTP {response.status_code} without a JSON object"
            )
        if response.status_code == 404 and body.get("error_code") == SCHEMA_NOT_FOUND:
            raise InvalidMessage(f"schema id {schema_id} is unknown to the schema registry")
        if response.status_code != 200 or not isinstance(body.get("schema"), str):
            raise SchemaRegistryUnavailable(
                f"schema registry {self.url} answered HTTP {response.status_code} for schema id {schema_id}: "
                f"{body.get('message', '')}"
            )
        schema_type = body.get("schemaType") or "AVRO"
        if schema_type != "AVRO":
            raise InvalidMessage(f"schema id {schema_id} is a {schema_type} schema, not Avro")
        return body["schema"]

    def close(self) -> None:
        """Release the HTTP connections."""
        self._client.close()


def _without_logical_types(schema: Any) -> Any:
    if isinstance(schema, dict):
        return {k: _without_logical_types(v) for k, v in schema.items() if k != "logicalType"}
    if isinstance(schema, list):
        return [_without_logical_types(item) for item in schema]
    return schema


def _non_null(avro_type: Any) -> Any:
    if isinstance(avro_type, list):
        branches = [branch for branch in avro_type if branch != "null"]
        return branches[0] if len(branches) == 1 else branches
    return avro_type


def _avro_field(column: str, avro_type: Any) -> Decode:
    avro_type = _non_null(avro_type)
    if isinstance(avro_type, str):
        return field_decoder(column, None, _CONNECT_KINDS.get(avro_type, avro_type), None, raw_bytes)
    if not isinstance(avro_type, dict):
        return field_decoder(column, None, "union", None, raw_bytes)
    logical = avro_type.get("connect.name") or _LOGICAL_NAMES.get(avro_type.get("logicalType", ""))
    scale = avro_type.get("scale")
    if scale is None and logical == DECIMAL:
        scale = (avro_type.get("connect.parameters") or {}).get("scale", 0)
    if scale is not None and not str(scale).isdigit():
        raise InvalidMessage(f"column {column!r}: bad decimal scale {scale!r}")
    scale = None if scale is None else int(scale)
    kind = avro_type.get("type")
    return field_decoder(column, logical, _CONNECT_KINDS.get(kind, str(kind)), scale, raw_bytes)


def _avro_row(envelope_field: Mapping[str, Any] | None, where: str) -> dict[str, Decode]:
    if envelope_field is None:
        return {}
    record = _non_null(envelope_field.get("type"))
    if not isinstance(record, dict) or record.get("type") != "record":
        raise InvalidMessage(f"the schema of {where} is not a record")
    return {spec["name"]: _avro_field(spec["name"], spec["type"]) for spec in record["fields"]}


def avro_row_decoders(schema: Any) -> RowDecoders:
    """Row decoders for a Debezium envelope's Avro schema (named types expanded)."""
    if not isinstance(schema, dict) or schema.get("type") != "record":
        raise InvalidMessage("the writer schema is not an Avro record")
    fields = {spec["name"]: spec for spec in schema["fields"]}
    if "op" not in fields or "source" not in fields:
        raise InvalidMessage(f"the writer schema {schema.get('name')!r} is not a Debezium envelope (no op or source)")
    return RowDecoders(before=_avro_row(fields.get("before"), "before"), after=_avro_row(fields.get("after"), "after"))


@dataclass(slots=True)
class _Writer:
    schema_id: int
    parsed: Any
    expanded: Any
    decoders: RowDecoders | None = None


class AvroDecoder(EnvelopeDecoder):
    """Decodes messages written by Confluent's AvroConverter (Confluent wire format).

    ``decode`` raises :class:`SchemaRegistryUnavailable` besides ``InvalidMessage`` when a
    writer schema cannot be fetched: retry the message later.

    Args:
        registry: where writer schemas come from; each id is fetched once.
    """

    def __init__(self, registry: SchemaRegistry) -> None:
        self._registry = registry
        self._writers: dict[int, _Writer] = {}

    @classmethod
    def from_settings(cls, settings: Settings) -> AvroDecoder:
        """A decoder whose registry is ``schema_registry_url`` with ``schema_registry_password``."""
        return cls(SchemaRegistry(settings.schema_registry_url, password=settings.schema_registry_password))

    def read_envelope(self, value: bytes) -> tuple[Any, RowDecoders]:
        """The envelope record of a message value, and the decoders of its writer schema."""
        writer, envelope = self._read(value, "the message value")
        if writer.decoders is None:
            writer.decoders = avro_row_decoders(writer.expanded)
        return envelope, writer.decoders

    def read_key(self, key: bytes | None) -> str | None:
        """The primary key in an Avro message key."""
        return None if key is None else key_text(self._read(key, "the message key")[1])

    def _read(self, data: bytes, what: str) -> tuple[_Writer, Any]:
        if len(data) < HEADER_SIZE:
            raise InvalidMessage(f"{what} is too short for the Confluent wire format ({len(data)} bytes)")
        if data[0] != MAGIC:
            raise InvalidMessage(f"{what} does not start with the Confluent magic byte 0 (got {data[0]})")
        writer = self._writer(int.from_bytes(data[1:HEADER_SIZE], "big"))
        stream = io.BytesIO(data)
        stream.seek(HEADER_SIZE)
        try:
            record = schemaless_reader(stream, writer.parsed, None)
        # Untrusted bytes: fastavro reports a body that does not fit the schema with whatever
        # error its reader hit (EOFError, IndexError, ValueError, UnicodeDecodeError...).
        except Exception as exc:
            raise InvalidMessage(
                f"{what} is not an Avro body of writer schema {writer.schema_id}: {type(exc).__name__}: {exc}"
            ) from None
        if stream.tell() != len(data):
            raise InvalidMessage(
                f"{what} has {len(data) - stream.tell()} bytes left after its writer schema {writer.schema_id} record"
            )
        return writer, record

    def _writer(self, schema_id: int) -> _Writer:
        writer = self._writers.get(schema_id)
        if writer is None:
            text = self._registry.writer_schema(schema_id)
            try:
                schema = orjson.loads(text)
                writer = _Writer(schema_id, parse_schema(_without_logical_types(schema)), expand_schema(schema))
            except Exception as exc:  # fastavro's schema errors have no common base
                raise InvalidMessage(f"writer schema {schema_id} is not a valid Avro schema: {exc}") from None
            self._writers[schema_id] = writer
            log.info("avro writer schema loaded", extra={"schema_id": schema_id, "registry": self._registry.url})
        return writer

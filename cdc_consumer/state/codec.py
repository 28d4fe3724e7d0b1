"""Row images as JSON text that round-trips the decoded Python types exactly.

Plain JSON would turn ``Decimal("12.30")`` into a float and a datetime into an ambiguous
string. Values JSON cannot hold are written as one-key objects naming their type::

    {"$decimal": "12.30"}  {"$datetime": "2024-05-01T10:00:00.123456+00:00"}
    {"$date": "2024-05-01"}  {"$time": "10:00:00"}  {"$bytes": "<base64>"}

A datetime keeps its instant and UTC offset (a ``ZoneInfo`` comes back as the fixed offset it
had). Every column is kept, extra ones included; a value of any other type is kept as its text
(and a float NaN or infinity, which JSON cannot hold, as null). Decoded rows hold scalars and
arrays only (Debezium sends JSON columns as strings), so a one-key object with a ``$`` key is
never a column value of its own.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping
from datetime import date, datetime, time
from decimal import Decimal

import orjson

_DECODERS: Mapping[str, Callable[[str], object]] = {
    "$decimal": Decimal,
    "$datetime": datetime.fromisoformat,
    "$date": date.fromisoformat,
    "$time": time.fromisoformat,
    "$bytes": base64.b64decode,
}
_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME


def _tagged(value: object) -> object:
    if isinstance(value, Decimal):
        return {"$decimal": str(value)}
    if isinstance(value, datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if isinstance(value, time):
        return {"$time": value.isoformat()}
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {"$bytes": base64.b64encode(bytes(value)).decode("ascii")}
    return str(value)


def _untagged(value: object) -> object:
    if isinstance(value, dict):
        if len(value) == 1:
            [(tag, text)] = value.items()
            decoder = _DECODERS.get(tag)
            if decoder is not None and isinstance(text, str):
                return decoder(text)
        return {k: _untagged(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_untagged(v) for v in value]
    return value


def encode_row(row: Mapping[str, object]) -> str:
    """The row as JSON text (see the module docstring for the typed values)."""
    return orjson.dumps(row if isinstance(row, dict) else dict(row), default=_tagged, option=_OPTIONS).decode()


def decode_row(text: str) -> dict[str, object]:
    """The row :func:`encode_row` wrote, with its original types."""
    row = orjson.loads(text)
    if not isinstance(row, dict):
        raise ValueError("a stored row must be a JSON object")
    return {name: _untagged(value) if isinstance(value, (dict, list)) else value for name, value in row.items()}

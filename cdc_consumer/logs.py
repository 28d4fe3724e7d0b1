"""Structured logs: one JSON object per line (or ``key=value`` text), fields from ``extra``.

Nothing secret is ever passed to a log call; as a second line of defence, values that look like
URLs have their password masked.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

from .config import mask_url

_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


def _fields(record: logging.LogRecord) -> dict[str, object]:
    out: dict[str, object] = {
        "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
        "level": record.levelname.lower(),
        "logger": record.name,
        "msg": record.getMessage(),
    }
    for key, value in record.__dict__.items():
        if key not in _STANDARD and not key.startswith("_"):
            out[key] = mask_url(value) if isinstance(value, str) and "://" in value else value
    if record.exc_info:
        out["exc"] = logging.Formatter().formatException(record.exc_info)
    return out


class JsonFormatter(logging.Formatter):
    """One JSON object per line."""

    def format(self, record: logging.LogRecord) -> str:
        return json.dumps(_fields(record), default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """``ts level logger msg key=value ...``, for people at a terminal."""

    def format(self, record: logging.LogRecord) -> str:
        fields = _fields(record)
        head = f"{fields.pop('ts')} {str(fields.pop('level')).upper():7} {fields.pop('logger')}: {fields.pop('msg')}"
        tail = " ".join(f"{k}={v}" for k, v in fields.items())
        return f"{head} {tail}".rstrip()


def configure(level: str = "INFO", fmt: str = "json") -> None:
    """Send the package's logs to stderr in the chosen format."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("odoorpc").setLevel(logging.WARNING)

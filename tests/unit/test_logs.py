"""Structured logs: one JSON object per line, extra fields kept, URL passwords masked."""

from __future__ import annotations

import json
import logging

import pytest

from cdc_consumer.logs import JsonFormatter, TextFormatter


def record(**extra: object) -> logging.LogRecord:
    rec = logging.makeLogRecord({"name": "cdc", "levelname": "INFO", "msg": "hello %s", "args": ("world",)})
    rec.__dict__.update(extra)
    return rec


def test_json_lines_carry_extra_fields() -> None:
    line = JsonFormatter().format(record(partition=2, topic="t"))
    data = json.loads(line)
    assert data["msg"] == "hello world"
    assert (data["partition"], data["topic"], data["level"]) == (2, "t", "info")


@pytest.mark.parametrize("formatter", [JsonFormatter(), TextFormatter()])
def test_passwords_in_urls_are_masked(formatter: logging.Formatter) -> None:
    out = formatter.format(record(dsn="postgresql://u:s3cret@h/db"))
    assert "s3cret" not in out
    assert "u:***@h" in out

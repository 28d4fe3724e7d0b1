"""The operator commands' command lines: help that says what they do, usage errors before any I/O."""

from __future__ import annotations

import pytest

from cdc_consumer import cli


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["offsets", "reset", "--help"], ("--to-datetime ISO", "--execute", "refuses while", "clamped")),
        (["snapshot", "--help"], ("execute-snapshot", "--where CONDITION", "invoice_items", "offsets are not touched")),
        (["post", "--help"], ("--dry-run", "--family F", "--from DATE", "Stripe journal", "Exits 1")),
        (["audit", "--help"], ("--json", "missing", "duplicate", "payment_mismatch", "orphan", "Exits 0")),
        (["status", "--help"], ("lag", "members", "pending")),
    ],
)
def test_each_command_explains_itself(argv, expected, capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(argv)
    assert exit_.value.code == 0
    text = capsys.readouterr().out
    for words in expected:
        assert words in text


@pytest.mark.parametrize(
    "argv",
    [
        ["offsets"],
        ["offsets", "reset"],
        ["offsets", "reset", "--to-earliest", "--to-latest"],
        ["offsets", "reset", "--to-offset", "x"],
        ["snapshot", "--table", "users"],
        ["post", "--from", "yesterday"],
    ],
)
def test_usage_errors_exit_2(argv, capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(argv)
    assert exit_.value.code == 2
    assert "usage: cdc-consumer" in capsys.readouterr().err


def test_a_bad_datetime_is_refused_before_kafka_is_asked(monkeypatch, capsys):
    monkeypatch.setenv("CDC_KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:1")
    assert cli.main(["offsets", "reset", "--to-datetime", "soon"]) == 2
    assert "is not an ISO 8601 date-time" in capsys.readouterr().err

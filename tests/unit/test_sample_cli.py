"""`cdc-consumer sample-data`: arguments, validation and messages (no database needed)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from cdc_consumer.cli import build_parser, main


def test_generate_arguments() -> None:
    args = build_parser().parse_args(["sample-data", "generate", "--count", "25", "--seed", "abc", "--dsn", "x"])
    assert (args.action, args.count, args.seed, args.dsn, args.start, args.no_schema) == (
        "generate", 25, "abc", "x", 0, False,
    )  # fmt: skip


def test_change_arguments_are_typed() -> None:
    args = build_parser().parse_args(
        ["sample-data", "change", "pay", "inv-1", "--amount-paid", "50.00", "--paid-at", "2026-05-27T14:00:00+00:00"]
    )
    assert (args.change, args.invoice_id, args.amount_paid) == ("pay", "inv-1", Decimal("50.00"))
    assert args.paid_at == datetime(2026, 5, 27, 14, tzinfo=UTC)
    args = build_parser().parse_args(["sample-data", "change", "add-item", "inv-1", "Unused time on X", "-10.00"])
    assert args.amount == Decimal("-10.00")


@pytest.mark.parametrize(
    "argv",
    [
        ["sample-data", "generate"],  # --count is required
        ["sample-data", "generate", "--count", "0"],
        ["sample-data", "change", "pay", "inv-1", "--amount-paid", "1.234"],  # not cents
        ["sample-data", "change", "pay", "inv-1", "--amount-paid", "NaN"],
        ["sample-data", "change", "pay", "inv-1", "--paid-at", "2026-05-27T14:00:00"],  # no zone
        ["sample-data", "change", "finalize", "inv-1", "--amount-paid", "1.00"],  # only pay takes it
        ["sample-data", "stream", "--rate", "-1"],
    ],
)
def test_bad_arguments_are_usage_errors(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        build_parser().parse_args(argv)
    assert exc.value.code == 2
    assert "error:" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [["sample-data", "--help"], ["sample-data", "change", "--help"]])
def test_help(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert "generate" in out or "set-amount" in out


def test_unreachable_database_is_reported_without_the_password(capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["sample-data", "summary", "--dsn", "postgresql://u:s3cret@127.0.0.1:1/db?connect_timeout=2"])
    err = capsys.readouterr().err
    assert status == 1
    assert "cannot connect to postgresql://u:***@127.0.0.1:1/db" in err
    assert "s3cret" not in err


def test_stream_needs_an_end(capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["sample-data", "stream", "--dsn", "postgresql://u@127.0.0.1:1/db?connect_timeout=2"])
    assert status == 2
    assert "--count or --duration" in capsys.readouterr().err

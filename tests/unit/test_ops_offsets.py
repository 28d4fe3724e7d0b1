"""Offset reset plans: targets, clamping, topic choice, the printed table."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from cdc_consumer.errors import ConfigError
from cdc_consumer.ops.group import PartitionOffsets
from cdc_consumer.ops.offsets import (
    PlannedReset,
    ResetTarget,
    parse_datetime,
    parse_topic,
    plan_reset,
    render_plan,
    select_partitions,
)

T = "nexacloud.public.invoices"
OFFSETS = [
    PartitionOffsets(T, 0, committed=40, low=10, high=100),
    PartitionOffsets(T, 1, committed=None, low=5, high=50),
]


def news(plans: list[PlannedReset]) -> list[int]:
    return [p.new for p in plans]


def test_earliest_and_latest_use_the_watermarks():
    assert news(plan_reset(ResetTarget("earliest"), OFFSETS)) == [10, 5]
    assert news(plan_reset(ResetTarget("latest"), OFFSETS)) == [100, 50]


def test_a_partition_without_a_committed_offset_shifts_from_its_earliest_offset():
    plans = plan_reset(ResetTarget("shift", 3), OFFSETS)
    assert news(plans) == [43, 8]
    assert [p.current for p in plans] == [40, None]
    assert not any(p.warning for p in plans)


def test_targets_outside_the_log_are_clamped_with_a_warning():
    low = plan_reset(ResetTarget("offset", 7), OFFSETS)
    assert news(low) == [10, 7]
    assert "lower than the earliest offset 10" in (low[0].warning or "")
    assert low[1].warning is None
    high = plan_reset(ResetTarget("shift", 1000), OFFSETS)
    assert news(high) == [100, 50]
    assert all("higher than the latest offset" in (p.warning or "") for p in high)


def test_a_datetime_goes_to_the_offset_found_or_to_the_end_when_nothing_is_that_late():
    at_time = {(T, 0): 42, (T, 1): None}
    assert news(plan_reset(ResetTarget("datetime", 1), OFFSETS, at_time)) == [42, 50]


def test_a_naive_datetime_is_taken_in_the_company_timezone():
    toronto = ZoneInfo("America/Toronto")
    assert parse_datetime("2026-01-31T18:00", toronto) == datetime(2026, 1, 31, 23, 0, tzinfo=UTC)
    assert parse_datetime("2026-01-31T18:00:00Z", toronto) == datetime(2026, 1, 31, 18, 0, tzinfo=UTC)
    with pytest.raises(ConfigError, match="ISO 8601"):
        parse_datetime("last tuesday", toronto)


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("a.b.c", ("a.b.c", None)),
        ("a.b.c:2,0", ("a.b.c", (0, 2))),
        ("a.b.c:1", ("a.b.c", (1,))),
    ],
)
def test_topic_specs(spec, expected):
    assert parse_topic(spec) == expected


@pytest.mark.parametrize("spec", [":1", "t:x", "t:", "t:-1"])
def test_bad_topic_specs_are_refused(spec):
    with pytest.raises(ConfigError):
        parse_topic(spec)


def test_partitions_are_checked_against_the_topic():
    existing = {"a": [0, 1, 2], "b": [0, 1, 2]}
    assert select_partitions([("a", (2,)), ("b", None)], existing) == [("a", 2), ("b", 0), ("b", 1), ("b", 2)]
    with pytest.raises(ConfigError, match=r"not \[5\]"):
        select_partitions([("a", (1, 5))], existing)


def test_the_plan_prints_a_table_with_warnings_and_says_whether_it_was_applied():
    plans = plan_reset(ResetTarget("offset", 7), OFFSETS)
    dry = render_plan("g", ResetTarget("offset", 7), plans, executed=False)
    lines = dry.splitlines()
    assert lines[0] == "Consumer group 'g': reset to offset 7"
    assert any(line.startswith(f"WARNING {T}[0]: new offset 7 is lower") for line in lines)
    header = next(i for i, line in enumerate(lines) if line.startswith("TOPIC"))
    assert lines[header].split() == ["TOPIC", "PARTITION", "CURRENT", "NEW", "CHANGE"]
    assert lines[header + 1].split() == [T, "0", "40", "10", "-30"]
    assert lines[header + 2].split() == [T, "1", "-", "7", "-"]
    assert "Dry run: nothing was changed" in dry
    assert "Committed the new offsets of 2 partition(s)" in render_plan(
        "g", ResetTarget("latest"), plans, executed=True
    )


def test_a_datetime_target_is_described_in_utc():
    moment = datetime(2026, 1, 1, 5, tzinfo=UTC)
    target = ResetTarget("datetime", int(moment.timestamp() * 1000))
    assert target.describe() == "the first message at or after 2026-01-01T05:00:00+00:00"

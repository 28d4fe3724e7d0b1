"""Offset reset plans, as ``kafka-consumer-groups.sh --reset-offsets`` makes them (pure).

A plan says, per partition, where the group stands and where it will stand. Targets outside
the log are clamped to ``[low, high]`` with a warning, like the Kafka tool. A partition where
the group has committed nothing counts as being at its earliest offset, which is where the
consumer (``auto.offset.reset=earliest``) would start.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal
from zoneinfo import ZoneInfo

from ..errors import ConfigError
from .group import PartitionOffsets, TopicPartitionKey
from .table import format_table

TargetKind = Literal["earliest", "latest", "datetime", "offset", "shift"]


@dataclass(frozen=True, slots=True)
class ResetTarget:
    """Where to move the group: ``value`` is the offset, the shift or the epoch milliseconds."""

    kind: TargetKind
    value: int = 0

    def describe(self) -> str:
        """The target in words, for the plan's heading."""
        if self.kind == "datetime":
            moment = datetime.fromtimestamp(self.value / 1000, UTC)
            return f"the first message at or after {moment.isoformat()}"
        if self.kind == "offset":
            return f"offset {self.value}"
        if self.kind == "shift":
            return f"the current offset shifted by {self.value:+d}"
        return f"the {self.kind} offset"


@dataclass(frozen=True, slots=True)
class PlannedReset:
    """One partition's move: ``current`` is ``None`` when the group committed nothing there."""

    topic: str
    partition: int
    current: int | None
    new: int
    warning: str | None = None


def parse_datetime(text: str, timezone: ZoneInfo) -> datetime:
    """An ISO 8601 date-time; without an offset it is taken in ``timezone`` (the company's).

    Raises:
        ConfigError: ``text`` is not an ISO 8601 date or date-time.
    """
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ConfigError(
            f"--to-datetime {text!r} is not an ISO 8601 date-time (e.g. 2026-01-31T18:00:00-05:00)"
        ) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone)


def parse_topic(spec: str) -> tuple[str, tuple[int, ...] | None]:
    """``topic`` or ``topic:0,2`` → the topic and its chosen partitions (``None``: all).

    Raises:
        ConfigError: an empty topic or a partition that is not a whole number.
    """
    topic, sep, parts = spec.rpartition(":") if ":" in spec else (spec, "", "")
    if not topic:
        raise ConfigError(f"--topic {spec!r} names no topic")
    if not sep:
        return topic, None
    try:
        numbers = tuple(sorted({int(p) for p in parts.split(",") if p.strip()}))
    except ValueError:
        raise ConfigError(f"--topic {spec!r}: partitions must be whole numbers, as in {topic}:0,2") from None
    if not numbers or min(numbers) < 0:
        raise ConfigError(f"--topic {spec!r}: list partitions as in {topic}:0,2")
    return topic, numbers


def select_partitions(
    specs: Sequence[tuple[str, tuple[int, ...] | None]], existing: Mapping[str, Sequence[int]]
) -> list[TopicPartitionKey]:
    """The partitions the specs name, checked against those that exist.

    Raises:
        ConfigError: a partition that the topic does not have.
    """
    chosen: set[TopicPartitionKey] = set()
    for topic, partitions in specs:
        have = existing[topic]
        missing = sorted(set(partitions or ()) - set(have))
        if missing:
            raise ConfigError(f"topic {topic!r} has partitions {list(have)}, not {missing}")
        chosen.update((topic, p) for p in (partitions or have))
    return sorted(chosen)


def _clamp(wanted: int, p: PartitionOffsets) -> tuple[int, str | None]:
    if wanted < p.low:
        return p.low, f"new offset {wanted} is lower than the earliest offset {p.low}; it will be set to {p.low}"
    if wanted > p.high:
        return p.high, f"new offset {wanted} is higher than the latest offset {p.high}; it will be set to {p.high}"
    return wanted, None


def plan_reset(
    target: ResetTarget,
    offsets: Sequence[PartitionOffsets],
    at_time: Mapping[TopicPartitionKey, int | None] | None = None,
) -> list[PlannedReset]:
    """Where each partition goes for ``target``.

    Args:
        target: the reset wanted.
        offsets: the group's committed offsets and the watermarks.
        at_time: for a ``datetime`` target, the first offset at or after the time per
            partition (``None``: no message that late, so the end of the log).
    """
    plans = []
    for p in offsets:
        position = p.committed if p.committed is not None else p.low
        if target.kind == "earliest":
            wanted = p.low
        elif target.kind == "latest":
            wanted = p.high
        elif target.kind == "offset":
            wanted = target.value
        elif target.kind == "shift":
            wanted = position + target.value
        else:
            found = (at_time or {}).get(p.key)
            wanted = p.high if found is None else found
        new, warning = _clamp(wanted, p)
        plans.append(PlannedReset(p.topic, p.partition, p.committed, new, warning))
    return plans


def render_plan(group_id: str, target: ResetTarget, plans: Sequence[PlannedReset], *, executed: bool) -> str:
    """The plan as the operator reads it: heading, warnings, the table, and what happened."""
    lines = [f"Consumer group {group_id!r}: reset to {target.describe()}", ""]
    lines += [f"WARNING {p.topic}[{p.partition}]: {p.warning}" for p in plans if p.warning]
    if any(p.warning for p in plans):
        lines.append("")
    lines.append(
        format_table(
            ("TOPIC", "PARTITION", "CURRENT", "NEW", "CHANGE"),
            [
                (p.topic, p.partition, p.current, p.new, "-" if p.current is None else f"{p.new - p.current:+d}")
                for p in plans
            ],
        )
    )
    lines.append("")
    if executed:
        lines.append(f"Committed the new offsets of {len(plans)} partition(s) for group {group_id!r}.")
    else:
        lines.append("Dry run: nothing was changed. Add --execute to commit these offsets.")
    return "\n".join(lines)

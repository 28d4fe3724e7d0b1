"""One JSON line per figure: its name, value and unit, the parameters it was measured with, the
machine's core count and the target it is held to (``target``/``met`` are ``null`` without one)."""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO

import orjson


@dataclass(frozen=True)
class Target:
    """A bound a figure must stay within: ``op`` is ``<=`` or ``>=``."""

    op: str
    bound: float

    def met(self, value: float) -> bool:
        """Whether ``value`` is within the bound."""
        return value <= self.bound if self.op == "<=" else value >= self.bound

    def __str__(self) -> str:
        return f"{self.op} {self.bound:g}"


@dataclass(frozen=True)
class Figure:
    """One measured figure."""

    name: str
    value: float
    unit: str
    params: Mapping[str, object] = field(default_factory=dict)
    target: Target | None = None

    def to_json(self) -> dict[str, object]:
        """The JSON object of the figure's line (parameters at the top level, like the value)."""
        return {
            "figure": self.name,
            "value": round(self.value, 3),
            "unit": self.unit,
            **self.params,
            "cores": os.cpu_count(),
            "target": None if self.target is None else str(self.target),
            "met": None if self.target is None else self.target.met(self.value),
        }


def emit(figure: Figure, out: IO[str] | None = None) -> None:
    """Write the figure as one JSON line, flushed at once (a long run shows each as it comes)."""
    stream = out or sys.stdout
    stream.write(orjson.dumps(figure.to_json()).decode() + "\n")
    stream.flush()


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0–100) by the nearest-rank method: a value that was measured.

    Raises:
        ValueError: no values, or ``q`` outside 0–100.
    """
    if not values or not 0 <= q <= 100:
        raise ValueError("percentile needs values and 0 <= q <= 100")
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]

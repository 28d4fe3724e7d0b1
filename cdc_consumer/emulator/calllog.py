"""The inspectable log of every call the emulator answered, for tests to count calls and writes."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

#: Methods that change data; ``writes()`` counts these.
WRITE_METHODS = frozenset(
    {
        "create",
        "write",
        "unlink",
        "action_post",
        "button_draft",
        "button_cancel",
        "action_create_payments",
        "refund_moves",
        "modify_moves",
    }
)


@dataclass(frozen=True)
class CallRecord:
    """One answered (or refused) call.

    Attributes:
        seq: position in the log, from 1.
        at: when the call arrived (UTC, timezone-aware).
        service: ``common``, ``object``, ``db``, or the HTTP route for non-RPC routes.
        model: the model of an ``object`` call, else ``""``.
        method: the method called.
        args: positional arguments after the credentials.
        kwargs: keyword arguments (the context included).
        outcome: ``ok``, ``error`` (Odoo answered an error) or ``fault:<kind>`` (injected).
        error: the ``data.name`` of an error answer, else ``""``.
        duration_ms: time spent answering.
    """

    seq: int
    at: datetime
    service: str
    model: str
    method: str
    args: list[Any]
    kwargs: dict[str, Any]
    outcome: str
    error: str = ""
    duration_ms: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The record as JSON-ready data (the time as ISO 8601)."""
        data = asdict(self)
        data["at"] = self.at.isoformat()
        return data


class CallLog:
    """A thread-safe, append-only list of :class:`CallRecord`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: list[CallRecord] = []

    def append(
        self,
        *,
        service: str,
        model: str,
        method: str,
        args: list[Any],
        kwargs: dict[str, Any],
        outcome: str,
        error: str = "",
        started: datetime,
        duration_ms: float,
    ) -> CallRecord:
        """Add one call; returns the record."""
        with self._lock:
            record = CallRecord(
                seq=len(self._records) + 1,
                at=started,
                service=service,
                model=model,
                method=method,
                args=args,
                kwargs=kwargs,
                outcome=outcome,
                error=error,
                duration_ms=duration_ms,
            )
            self._records.append(record)
            return record

    def records(self, *, model: str | None = None, method: str | None = None) -> list[CallRecord]:
        """The calls so far, optionally only those on ``model`` and/or of ``method``."""
        with self._lock:
            snapshot = list(self._records)
        return [r for r in snapshot if (model is None or r.model == model) and (method is None or r.method == method)]

    def count(self, *, model: str | None = None, method: str | None = None, outcome: str | None = None) -> int:
        """How many calls match ``model``, ``method`` and ``outcome`` (each optional)."""
        return sum(1 for r in self.records(model=model, method=method) if outcome is None or r.outcome == outcome)

    def writes(self, *, model: str | None = None) -> list[CallRecord]:
        """The successful calls that changed data (create, write, unlink, post, pay...)."""
        return [r for r in self.records(model=model) if r.method in WRITE_METHODS and r.outcome == "ok"]

    def clear(self) -> None:
        """Forget every call."""
        with self._lock:
            self._records.clear()

    def to_json(self, records: Iterable[CallRecord] | None = None) -> list[dict[str, Any]]:
        """The log (or ``records``) as JSON-ready data."""
        return [r.to_json() for r in (self.records() if records is None else records)]

    def __len__(self) -> int:
        with self._lock:
            return len(self._records)


def now() -> datetime:
    """The current time, timezone-aware (UTC)."""
    return datetime.now(UTC)

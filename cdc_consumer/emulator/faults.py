"""Faults injected into the emulator at run time, to test how the consumer copes with a bad Odoo.

Kinds:

- ``latency``: wait ``seconds`` before answering.
- ``http_error``: answer HTTP ``status`` (5xx) with an HTML body instead of JSON-RPC.
- ``drop``: close the connection without answering.
- ``serialization``: answer Odoo's envelope for PostgreSQL's ``could not serialize access due
  to concurrent update`` (the call is rolled back).
- ``down``: stop listening (connection refused) for ``seconds`` (or until brought up again).

``http_error`` and ``drop`` happen ``when="before"`` the call is applied (the call is lost) or
``"after"`` (the call took effect, its answer is lost: the case idempotent writes must survive).
Each fault may be limited to the next ``times`` matching calls and to some ``models`` /
``methods`` (``services`` for the non-object services); unlimited faults last until cleared.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from typing import Any

KINDS = ("latency", "http_error", "drop", "serialization", "down")
WHEN = ("before", "after")


@dataclass
class Fault:
    """One injected fault; see the module docstring for the kinds and options."""

    kind: str
    id: int = 0
    times: int | None = None
    models: frozenset[str] | None = None
    methods: frozenset[str] | None = None
    services: frozenset[str] | None = None
    seconds: float = 0.0
    status: int = 503
    when: str = "before"

    def matches(self, service: str, model: str, method: str) -> bool:
        """Whether a call of ``service`` / ``model`` / ``method`` is subject to this fault."""
        return (
            (self.services is None or service in self.services)
            and (self.models is None or model in self.models)
            and (self.methods is None or method in self.methods)
        )

    def to_json(self) -> dict[str, Any]:
        """The fault as JSON-ready data."""
        data = asdict(self)
        for key in ("models", "methods", "services"):
            data[key] = sorted(data[key]) if data[key] is not None else None
        return data


def _names(value: Iterable[str] | str | None) -> frozenset[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return frozenset({value})
    return frozenset(value)


class FaultInjector:
    """The switchboard of faults, shared by the HTTP handler threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._ids = itertools.count(1)
        self._down_listener: Callable[[float | None], None] | None = None

    def set_down_listener(self, listener: Callable[[float | None], None]) -> None:
        """Register what takes the server down when a ``down`` fault is added."""
        self._down_listener = listener

    def add(
        self,
        kind: str,
        *,
        times: int | None = None,
        models: Iterable[str] | str | None = None,
        methods: Iterable[str] | str | None = None,
        services: Iterable[str] | str | None = None,
        seconds: float = 0.0,
        status: int = 503,
        when: str = "before",
    ) -> Fault:
        """Switch a fault on; returns it (its ``id`` removes it).

        Raises:
            ValueError: an unknown kind, ``when``, a non-5xx status or a negative count.
        """
        if kind not in KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; one of {', '.join(KINDS)}")
        if when not in WHEN:
            raise ValueError(f"'when' must be 'before' or 'after', got {when!r}")
        if not 500 <= int(status) <= 599:
            raise ValueError(f"an HTTP error fault needs a 5xx status, got {status}")
        if times is not None and int(times) < 1:
            raise ValueError("'times' must be at least 1")
        if float(seconds) < 0:
            raise ValueError("'seconds' must not be negative")
        fault = Fault(
            kind=kind,
            id=next(self._ids),
            times=None if times is None else int(times),
            models=_names(models),
            methods=_names(methods),
            services=_names(services),
            seconds=float(seconds),
            status=int(status),
            when=when,
        )
        if kind == "down":
            if self._down_listener is None:
                raise ValueError("this emulator cannot go down (not serving)")
            self._down_listener(fault.seconds or None)
            return fault
        with self._lock:
            self._faults.append(fault)
        return fault

    def latency(self, seconds: float, **options: Any) -> Fault:
        """Delay matching calls by ``seconds``."""
        return self.add("latency", seconds=seconds, **options)

    def http_error(self, status: int = 503, **options: Any) -> Fault:
        """Answer matching calls with HTTP ``status``."""
        return self.add("http_error", status=status, **options)

    def drop(self, **options: Any) -> Fault:
        """Close the connection of matching calls without an answer."""
        return self.add("drop", **options)

    def serialization_failure(self, **options: Any) -> Fault:
        """Answer matching calls with Odoo's serialization-failure error."""
        return self.add("serialization", **options)

    def down(self, seconds: float | None = None) -> Fault:
        """Stop listening for ``seconds`` (``None``: until the emulator is brought up)."""
        return self.add("down", seconds=seconds or 0.0)

    def remove(self, fault_id: int) -> bool:
        """Switch one fault off; whether it was on."""
        with self._lock:
            before = len(self._faults)
            self._faults = [f for f in self._faults if f.id != fault_id]
            return len(self._faults) != before

    def clear(self) -> None:
        """Switch every fault off."""
        with self._lock:
            self._faults.clear()

    def active(self) -> list[Fault]:
        """The faults currently on."""
        with self._lock:
            return list(self._faults)

    def take(self, service: str, model: str, method: str) -> list[Fault]:
        """The faults that apply to this call, counting it against their ``times``.

        Every matching ``latency`` applies; of the other kinds only the first match does.
        """
        chosen: list[Fault] = []
        terminal = False
        with self._lock:
            for fault in list(self._faults):
                if not fault.matches(service, model, method):
                    continue
                if fault.kind != "latency":
                    if terminal:
                        continue
                    terminal = True
                chosen.append(fault)
                if fault.times is not None:
                    fault.times -= 1
                    if fault.times <= 0:
                        self._faults.remove(fault)
        return chosen

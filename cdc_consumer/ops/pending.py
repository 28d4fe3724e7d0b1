"""The state store's pending invoices, read without creating a store where there is none.

The operator commands run beside the consumer, often on another machine: a SQLite path that
does not exist means "not this machine's store", and opening it would create an empty one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..config import mask_url
from ..state import PendingRecord, open_state_store

SQLITE_PREFIX = "sqlite:///"


@dataclass(frozen=True, slots=True)
class PendingView:
    """The pending invoices, or why they could not be read (``records`` is then ``None``)."""

    records: list[PendingRecord] | None
    note: str = ""


def read_pending(state_dsn: str) -> PendingView:
    """Every pending invoice of the state store ``state_dsn`` names, oldest first.

    Raises:
        StateUnavailable: the PostgreSQL store cannot be reached.
    """
    if state_dsn.startswith(SQLITE_PREFIX):
        path = state_dsn[len(SQLITE_PREFIX) :]
        if path == ":memory:" or not Path(path).is_file():
            return PendingView(None, f"no state store at {path}: pending invoices unknown (set CDC_STATE_DSN)")
    store = open_state_store(state_dsn)
    try:
        return PendingView(store.pending(), f"state store {mask_url(state_dsn)}")
    finally:
        store.close()

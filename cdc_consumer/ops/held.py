"""What Odoo holds for NexaCloud invoices: the moves carrying ``x_fc_nexacloud_invoice_id``.

Reads are batched — one ``search_read`` per few thousand source ids, or per page of a scan in
id order (keyset paging, so moves created meanwhile neither shift nor repeat pages) — and
include archived records (``active_test`` off), as the writer's reads do.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from ..ledger import OUT_INVOICE, OUT_REFUND, OdooMove
from ..odoo.gateway import Gateway
from ..odoo.writer import MOVE_FIELDS, to_move

SOURCE_FIELD = "x_fc_nexacloud_invoice_id"
HELD_FIELDS = [*MOVE_FIELDS, "name", "ref", "invoice_date"]
NEXACLOUD_MOVES: list[Any] = [(SOURCE_FIELD, "!=", False)]
INVOICE_TYPES: list[Any] = [("move_type", "in", [OUT_INVOICE, OUT_REFUND])]
CONTEXT = {"active_test": False}


@dataclass(frozen=True, slots=True)
class HeldMove:
    """One Odoo move of a NexaCloud invoice: the ledger's view of it plus what names it."""

    source_id: str
    name: str
    ref: str
    invoice_date: date | None
    move: OdooMove

    @property
    def id(self) -> int:
        """The ``account.move`` id."""
        return self.move.id


def _held(row: dict[str, Any]) -> HeldMove:
    return HeldMove(
        source_id=row[SOURCE_FIELD],
        name=row.get("name") or "",
        ref=row.get("ref") or "",
        invoice_date=date.fromisoformat(row["invoice_date"]) if row.get("invoice_date") else None,
        move=to_move(row),
    )


def moves_for(gateway: Gateway, source_ids: Sequence[str]) -> dict[str, list[HeldMove]]:
    """The moves of each source id (one ``search_read``), oldest first; ids without moves are absent."""
    found: dict[str, list[HeldMove]] = {}
    if not source_ids:
        return found
    rows = gateway.call(
        "account.move",
        "search_read",
        [[(SOURCE_FIELD, "in", list(source_ids))]],
        {"fields": HELD_FIELDS, "order": "id", "context": CONTEXT},
    )
    for row in rows:
        found.setdefault(row[SOURCE_FIELD], []).append(_held(row))
    return found


def scan(gateway: Gateway, domain: Iterable[Any], batch_size: int) -> Iterator[list[HeldMove]]:
    """Every NexaCloud move matching ``domain``, ``batch_size`` per call, in id order."""
    last = 0
    while True:
        rows = gateway.call(
            "account.move",
            "search_read",
            [[*NEXACLOUD_MOVES, *domain, ("id", ">", last)]],
            {"fields": HELD_FIELDS, "order": "id", "limit": batch_size, "context": CONTEXT},
        )
        if not rows:
            return
        yield [_held(row) for row in rows]
        last = rows[-1]["id"]


def count(gateway: Gateway, domain: Iterable[Any]) -> int:
    """How many NexaCloud moves match ``domain`` (for a progress total)."""
    return int(gateway.call("account.move", "search_count", [[*NEXACLOUD_MOVES, *domain]], {"context": CONTEXT}))

"""From stored rows to a validated invoice: what the runner writes, or why it cannot yet.

Pure. An invoice is written only when it is complete: its header is stored and its live items
add up to its subtotal. Until then :func:`assemble` says what is missing, with the amounts, so
the invoice can be recorded as pending and reported once the grace period has passed.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .errors import InvalidMessage
from .invoice import InvoiceHeader, InvoiceLine, SourceInvoice
from .state.model import INCONSISTENT, INVALID, NO_HEADER, StoredInvoice


@dataclass(frozen=True, slots=True)
class Assembled:
    """What the stored rows of one invoice amount to.

    Exactly one case holds:

    - complete: ``invoice`` is set, ``incomplete`` is ``None``;
    - gone: both are ``None``: the invoice row was deleted at the source, or nothing of it is
      left (Odoo's copy, if any, must follow);
    - incomplete: ``incomplete`` names the pending reason (``no_header``, ``inconsistent``,
      ``invalid``) and ``detail`` explains it.

    Attributes:
        invoice: the complete invoice.
        incomplete: why the invoice cannot be written yet.
        detail: a readable explanation for the audit report and the logs.
        subtotal: the header's subtotal, when a valid header is stored.
        lines_total: the sum of the live items' amounts, when they are valid.
        line_count: how many live items are stored.
    """

    invoice: SourceInvoice | None = None
    incomplete: str | None = None
    detail: str = ""
    subtotal: Decimal | None = None
    lines_total: Decimal | None = None
    line_count: int = 0

    @property
    def gone(self) -> bool:
        """Whether the invoice no longer exists at the source."""
        return self.invoice is None and self.incomplete is None


def assemble(stored: StoredInvoice) -> Assembled:
    """Validate and assemble one stored invoice.

    Lines are ordered by item id, so the same rows always give the same invoice.

    Args:
        stored: the invoice's stored header, live items and sync state.

    Returns:
        The complete invoice, or why there is none (see :class:`Assembled`).
    """
    count = len(stored.items)
    if stored.deleted or (stored.header is None and not stored.items):
        return Assembled(line_count=count)
    try:
        lines = tuple(sorted((InvoiceLine.from_row(item.row or {}) for item in stored.items), key=lambda line: line.id))
    except InvalidMessage as exc:
        return Assembled(incomplete=INVALID, detail=f"invalid item: {exc}", line_count=count)
    lines_total = sum((line.amount for line in lines), Decimal(0))
    if stored.header is None or stored.header.row is None:
        return Assembled(
            incomplete=NO_HEADER,
            detail=f"{count} item(s) totalling {lines_total} are stored, the invoice row is not",
            lines_total=lines_total,
            line_count=count,
        )
    try:
        header = InvoiceHeader.from_row(stored.header.row)
    except InvalidMessage as exc:
        return Assembled(
            incomplete=INVALID, detail=f"invalid invoice: {exc}", lines_total=lines_total, line_count=count
        )
    invoice = SourceInvoice(header, lines)
    if not invoice.consistent:
        return Assembled(
            incomplete=INCONSISTENT,
            detail=f"{count} item(s) total {lines_total}, the subtotal is {header.subtotal}",
            subtotal=header.subtotal,
            lines_total=lines_total,
            line_count=count,
        )
    return Assembled(invoice=invoice, subtotal=header.subtotal, lines_total=lines_total, line_count=count)

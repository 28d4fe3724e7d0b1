"""The bulk post's rules: which reviewed drafts may be posted, and why the others may not (pure).

The consumer's own rules decide (``ledger.decide`` in posting mode ``auto``): a draft is posted
when its source invoice is consistent, billed (``open``, ``paid``, ``uncollectible``) and its
tax matches; a ``paid`` one then gets its Stripe payment. Everything else stays a draft, and
the report says why: the pending reason (tax mismatch, inconsistent, ...) or the source status.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from ..families import family_of
from ..invoice import SourceInvoice
from ..ledger import Decision, Post, RegisterPayment
from .table import format_table

STATUS_REASONS = {
    "draft": "the source invoice is still a draft",
    "void": "the source invoice was voided (the consumer cancels its draft)",
}


def within_families(invoice: SourceInvoice, families: Collection[str], keywords: Mapping[str, Sequence[str]]) -> bool:
    """Whether every line of ``invoice`` is of one of ``families`` (always, when none are given)."""
    return not families or all(family_of(line.description, keywords) in families for line in invoice.lines)


def why_not(decision: Decision, invoice: SourceInvoice) -> str | None:
    """Why the decision does not post the draft; ``None`` when it does."""
    if any(isinstance(step, Post) for step in decision.steps):
        return None
    if decision.pending is not None:
        return f"{decision.pending.reason}: {decision.pending.detail}"
    status = invoice.header.status
    return STATUS_REASONS.get(status, f"nothing to post for a {status} invoice ({decision.action})")


def payment_of(decision: Decision) -> Decimal:
    """The payment the decision registers once the move is posted (0 when none)."""
    return sum((s.amount for s in decision.steps if isinstance(s, RegisterPayment)), Decimal(0))


@dataclass(frozen=True, slots=True)
class PostOutcome:
    """One draft: posted (or, in a dry run, to be posted) or not, with what happened or why not."""

    invoice_id: str
    ref: str
    move_id: int | None
    posted: bool
    detail: str


@dataclass
class PostReport:
    """The bulk post's result."""

    dry_run: bool
    outcomes: list[PostOutcome] = field(default_factory=list)
    outside_families: int = 0

    @property
    def posted(self) -> list[PostOutcome]:
        """The drafts posted (or to be posted)."""
        return [o for o in self.outcomes if o.posted]

    @property
    def refused(self) -> list[PostOutcome]:
        """The drafts that could not be posted."""
        return [o for o in self.outcomes if not o.posted]

    def render(self) -> str:
        """What was posted and what was not, with the reasons."""
        verb = "Would post" if self.dry_run else "Posted"
        lines = [f"{verb} {len(self.posted)} draft(s); {len(self.refused)} could not be posted."]
        if self.outside_families:
            lines.append(f"{self.outside_families} draft(s) left alone: lines outside the chosen families.")
        for title, last, outcomes in ((f"{verb}:", "WHAT", self.posted), ("Not posted:", "WHY", self.refused)):
            if outcomes:
                rows = [(o.ref, o.move_id, o.invoice_id, o.detail) for o in outcomes]
                lines += ["", title, format_table(("REF", "MOVE", "SOURCE ID", last), rows)]
        if self.dry_run:
            lines += ["", "Dry run: nothing was changed in Odoo."]
        return "\n".join(lines)

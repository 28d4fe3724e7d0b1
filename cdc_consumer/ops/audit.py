"""The audit's rules: how a source invoice and the Odoo moves carrying its id may disagree (pure).

What the consumer's rules (DESIGN §5) make of a source invoice is what the audit expects:

- one move per source id (more is ``duplicate``);
- a move for every consistent invoice that is not void (``missing``; a source draft may be left
  out by ``skip_draft_invoices``); an invoice whose items do not add up to its subtotal is
  ``inconsistent`` (never written until it does), one whose row does not validate ``invalid``;
- the source's type and amounts on the move: ``out_refund`` with signs flipped for a negative
  subtotal; untaxed, tax and total to the cent (``amount_mismatch``);
- a status Odoo can hold (``status_mismatch``): a cancelled or reversed move for a billed
  invoice; a void invoice still draft, or posted and not reversed;
- on a posted move, what Stripe was paid (``payment_mismatch``): the source's ``amount_paid``
  (at most the total) for a ``paid`` invoice, nothing for the others, and a fully paid
  invoice in payment state ``paid`` (``in_payment`` on Enterprise);
- no move for an id the source does not hold (``orphan``: deleted at the source).

A draft of a paid invoice is not a mismatch: in posting mode ``draft`` the consumer leaves
posting (and so payments) to the bulk post command.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

from ..invoice import InvoiceHeader
from ..ledger import OUT_INVOICE, OUT_REFUND
from .held import HeldMove
from .pending import PendingView
from .source import SourceRecord
from .table import format_table

KINDS = (
    "missing",
    "duplicate",
    "amount_mismatch",
    "status_mismatch",
    "payment_mismatch",
    "inconsistent",
    "invalid",
    "orphan",
)
PAID_STATES = frozenset({"paid", "in_payment"})


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing that is off about one source invoice (or one orphan move)."""

    kind: str
    invoice_id: str
    ref: str
    detail: str
    move_ids: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class Expected:
    """What the move of a source invoice holds: its type and amounts as Odoo shows them."""

    move_type: str
    untaxed: Decimal
    tax: Decimal
    total: Decimal
    paid: Decimal

    @classmethod
    def of(cls, header: InvoiceHeader) -> Expected:
        """The expectation for ``header`` (a credit invoice becomes a positive ``out_refund``)."""
        sign = -1 if header.subtotal < 0 else 1
        untaxed, tax = sign * header.subtotal, sign * header.tax
        total = untaxed + tax
        paid = min(sign * header.amount_paid, total) if header.status == "paid" else Decimal(0)
        return cls(OUT_REFUND if sign < 0 else OUT_INVOICE, untaxed, tax, total, max(paid, Decimal(0)))


def check_invoice(
    record: SourceRecord, moves: Sequence[HeldMove], *, skip_draft_invoices: bool = False
) -> list[Finding]:
    """What is off between one source invoice and the moves carrying its id."""

    def finding(kind: str, detail: str) -> list[Finding]:
        return [Finding(kind, record.invoice_id, record.ref, detail, tuple(m.id for m in moves))]

    if record.invoice is None:
        return finding("invalid", f"the source row does not validate: {record.invalid}")
    if len(moves) > 1:
        names = ", ".join(f"{m.name or m.id} ({m.move.state})" for m in moves)
        return finding("duplicate", f"{len(moves)} Odoo moves carry this source id: {names}")
    invoice, header = record.invoice, record.invoice.header
    held = moves[0] if moves else None
    if header.status == "void":
        return finding("status_mismatch", detail) if (detail := _void_mismatch(held)) else []
    if not invoice.consistent:
        return finding(
            "inconsistent",
            f"{len(invoice.lines)} item(s) add up to {invoice.lines_total}, the subtotal is {header.subtotal}",
        )
    if held is None:
        if header.status == "draft" and skip_draft_invoices:
            return []
        return finding(
            "missing", f"{header.status} invoice of {header.subtotal + header.tax} {header.currency} is not in Odoo"
        )
    move, expected = held.move, Expected.of(header)
    if move.state == "cancel":
        return finding("status_mismatch", f"cancelled in Odoo, but the source invoice is {header.status}")
    found: list[Finding] = []
    wanted = (expected.move_type, expected.untaxed, expected.tax, expected.total)
    have = (move.move_type, move.amount_untaxed, move.amount_tax, move.amount_total)
    if have != wanted:
        found += finding(
            "amount_mismatch",
            f"Odoo {have[0]} holds untaxed {have[1]}, tax {have[2]}, total {have[3]}; "
            f"the source says {wanted[0]} untaxed {wanted[1]}, tax {wanted[2]}, total {wanted[3]}",
        )
    if move.state == "posted":
        found += [
            Finding(kind, record.invoice_id, record.ref, detail, (move.id,))
            for kind, detail in _posted_mismatches(header, held, expected)
        ]
    return found


def _void_mismatch(held: HeldMove | None) -> str | None:
    if held is None or held.move.state == "cancel" or held.move.payment_state == "reversed":
        return None
    if held.move.state == "draft":
        return "voided at the source, still a draft in Odoo (it should be cancelled)"
    return "voided at the source, but posted and not reversed in Odoo"


def _posted_mismatches(header: InvoiceHeader, held: HeldMove, expected: Expected) -> list[tuple[str, str]]:
    move = held.move
    if move.payment_state == "reversed":
        return [("status_mismatch", f"reversed in Odoo, but the source invoice is {header.status}")]
    settled = move.amount_paid
    source = f"the source is {header.status} with {header.amount_paid} paid"
    if settled != expected.paid:
        return [("payment_mismatch", f"{source}; Odoo holds {settled} paid (payment state {move.payment_state})")]
    if expected.paid and expected.paid == expected.total and move.payment_state not in PAID_STATES:
        return [("payment_mismatch", f"{source}; Odoo's payment state is {move.payment_state}")]
    return []


def check_orphan(source_id: str, moves: Sequence[HeldMove]) -> Finding:
    """The finding for moves whose source id the source does not hold."""
    states = ", ".join(f"{m.name or m.id} ({m.move.state})" for m in moves)
    return Finding(
        "orphan",
        source_id,
        moves[0].ref,
        f"not in the source (deleted?); Odoo holds {states}",
        tuple(m.id for m in moves),
    )


@dataclass
class AuditReport:
    """Everything the audit found, with what it looked at."""

    invoices: int = 0
    moves: int = 0
    findings: list[Finding] = field(default_factory=list)
    pending: PendingView = field(default_factory=lambda: PendingView(None))

    @property
    def ok(self) -> bool:
        """Whether nothing is off: no finding and no pending invoice."""
        return not self.findings and not self.pending.records

    def counts(self) -> dict[str, int]:
        """Findings per kind (every kind listed), and pending invoices."""
        by_kind = Counter(f.kind for f in self.findings)
        counts = {kind: by_kind.get(kind, 0) for kind in KINDS}
        counts["pending"] = len(self.pending.records or [])
        return counts

    def to_json(self) -> dict[str, Any]:
        """The report as JSON data (amounts and details as text)."""
        return {
            "ok": self.ok,
            "invoices_checked": self.invoices,
            "odoo_moves": self.moves,
            "counts": self.counts(),
            "findings": [{**asdict(f), "move_ids": list(f.move_ids)} for f in self.findings],
            "pending": None
            if self.pending.records is None
            else [
                {
                    "invoice_id": p.invoice_id,
                    "reason": p.reason,
                    "detail": p.detail,
                    "since": p.since.isoformat(),
                    "attempts": p.attempts,
                }
                for p in self.pending.records
            ],
            "pending_note": self.pending.note,
        }

    def render(self) -> str:
        """The report as tables for a terminal."""
        lines = [f"Audit of {self.invoices} source invoice(s) against {self.moves} Odoo move(s)", ""]
        if self.findings:
            ordered = sorted(self.findings, key=lambda f: (KINDS.index(f.kind), f.ref, f.invoice_id))
            lines.append(
                format_table(
                    ("KIND", "REF", "SOURCE ID", "MOVES", "DETAIL"),
                    [(f.kind, f.ref, f.invoice_id, ",".join(map(str, f.move_ids)) or None, f.detail) for f in ordered],
                )
            )
            lines.append("")
        if self.pending.records:
            lines.append(f"Pending in the state store ({self.pending.note}):")
            lines.append(
                format_table(
                    ("REASON", "SOURCE ID", "SINCE", "ATTEMPTS", "DETAIL"),
                    [
                        (p.reason, p.invoice_id, p.since.isoformat(timespec="seconds"), p.attempts, p.detail)
                        for p in self.pending.records
                    ],
                )
            )
            lines.append("")
        elif self.pending.records is None:
            lines += [f"Pending invoices not checked: {self.pending.note}", ""]
        counts = {k: v for k, v in self.counts().items() if v}
        if self.ok:
            lines.append("Everything matches.")
        else:
            lines.append("Off: " + ", ".join(f"{kind} {n}" for kind, n in counts.items()))
        return "\n".join(lines)

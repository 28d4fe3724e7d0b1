"""The accounting rules: what Odoo should hold for a source invoice, and the steps to get there.

Pure decision logic (DESIGN §5): :func:`decide` compares a :class:`SourceInvoice` with what
Odoo holds for it (:class:`OdooMove`) and returns a :class:`Decision`: the idempotent steps
(:data:`Step`) the writer carries out and, when something needs a person, a :class:`Pending`
report. Nothing here talks to Odoo, Kafka or a database, and nothing reads the clock unless
the caller leaves ``now`` out.

The status lifecycle, given the Odoo move (``-`` = none):

=================  =========================  ==============================================
source             Odoo move                  decision
=================  =========================  ==============================================
draft              -, draft                   write the draft (``skipped`` when
                                              ``skip_draft_invoices``)
open               -, draft                   write the draft; post when posting mode ``auto``
paid               -, draft                   as open; once posted, register what Stripe was
                                              paid beyond what Odoo holds (mode ``auto`` only)
uncollectible      -, draft                   as open, labelled ``uncollectible``
draft/open/paid/   posted                     amounts equal: nothing (a paid invoice gets its
uncollectible                                 missing payment in mode ``auto``); amounts or
                                              type differ: ``conflict``, never rewritten
draft/open/paid/   cancel                     ``conflict``: Odoo was cancelled by hand, the
uncollectible                                 source still bills; a person decides
void               -                          ``skipped``: a voided invoice never was revenue
void               draft                      cancel
void               posted                     reverse by a credit note, or ``void_posted``
                                              when ``void_posted`` is ``report``
void               cancel, posted + reversed  unchanged
deleted            -                          unchanged
deleted            draft, cancel              delete
deleted            posted                     ``deleted_posted``, never deleted
=================  =========================  ==============================================

Before any write: an inactive or unknown currency is ``failed`` and an inconsistent invoice
(no items, or items not adding up to the subtotal) is ``inconsistent``, both without steps.
A tax that cannot reproduce the source tax still gives a draft, with ``tax_mismatch``, and is
never posted. Posting needs a consistent, tax-matching invoice with lines; the writer must
not post a move without a partner. In posting mode ``draft`` nothing is posted and no payment
is registered; the bulk post command decides again with mode ``auto``.

The action label is ``pending`` whenever there is a :class:`Pending`, ``unchanged`` when there
is nothing to do, ``skipped`` when the invoice stays out of Odoo, ``uncollectible`` for an
uncollectible invoice with steps, and otherwise what the last step achieves: ``created``,
``updated``, ``posted``, ``paid``, ``cancelled``, ``reversed`` or ``deleted``.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, is_dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Literal, TypeAlias
from zoneinfo import ZoneInfo

from .config import DEFAULT_FAMILY_KEYWORDS
from .errors import StartupCheckError
from .families import OTHER, family_of
from .invoice import InvoiceHeader, InvoiceLine, SourceInvoice
from .taxes import ROUNDINGS, Rounding, TaxInfo, choose_tax, to_cents

if TYPE_CHECKING:
    from .config import Settings

OUT_INVOICE = "out_invoice"
OUT_REFUND = "out_refund"
POSTABLE_STATUSES = frozenset({"open", "paid", "uncollectible"})
FINGERPRINT_VERSION = 1
"""Part of every fingerprint: raise it when the rules change what Odoo receives."""

PendingReason: TypeAlias = Literal[
    "inconsistent", "tax_mismatch", "conflict", "failed", "deleted_posted", "void_posted", "overpaid"
]
Action: TypeAlias = Literal[
    "created",
    "updated",
    "posted",
    "paid",
    "cancelled",
    "reversed",
    "deleted",
    "unchanged",
    "skipped",
    "uncollectible",
    "pending",
]


@dataclass(frozen=True)
class LedgerContext:
    """What the rules need from Odoo and the settings, built once per run.

    Attributes:
        taxes: the company's taxes (``account.tax``); only usable sale taxes are chosen.
        rounding: the company's ``tax_calculation_rounding_method``.
        active_currencies: ISO codes of the currencies active in Odoo (any case).
        timezone: the company's timezone, in which invoice and payment dates are taken.
        posting_mode: ``draft`` (never post) or ``auto`` (post what may be posted).
        skip_draft_invoices: whether source drafts stay out of Odoo.
        void_posted: ``reverse`` a posted move whose source was voided, or ``report`` it.
        family_keywords: family → keywords, in priority order.

    Raises:
        StartupCheckError: Odoo uses a tax rounding method these rules do not reproduce.
    """

    taxes: tuple[TaxInfo, ...]
    rounding: Rounding
    active_currencies: frozenset[str]
    timezone: ZoneInfo
    posting_mode: Literal["draft", "auto"] = "draft"
    skip_draft_invoices: bool = False
    void_posted: Literal["reverse", "report"] = "reverse"
    family_keywords: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: dict(DEFAULT_FAMILY_KEYWORDS))

    def __post_init__(self) -> None:
        if self.rounding not in ROUNDINGS:
            raise StartupCheckError(
                f"Odoo's tax rounding method {self.rounding!r} is not supported "
                f"(expected one of {', '.join(sorted(ROUNDINGS))})"
            )
        object.__setattr__(self, "active_currencies", frozenset(c.upper() for c in self.active_currencies))

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        taxes: Iterable[TaxInfo],
        rounding: str,
        active_currencies: Iterable[str],
    ) -> LedgerContext:
        """The context for these settings and what was read from Odoo."""
        return cls(
            taxes=tuple(taxes),
            rounding=rounding,  # type: ignore[arg-type]  # checked in __post_init__
            active_currencies=frozenset(active_currencies),
            timezone=settings.timezone,
            posting_mode=settings.posting_mode,  # type: ignore[arg-type]  # validated by config
            skip_draft_invoices=settings.skip_draft_invoices,
            void_posted=settings.void_posted,  # type: ignore[arg-type]  # validated by config
            family_keywords={k: tuple(v) for k, v in settings.family_keywords.items()},
        )

    def tax(self, tax_id: int | None) -> TaxInfo | None:
        """The tax with this id (as a :class:`DesiredMove` names it), or ``None``."""
        return next((t for t in self.taxes if t.id == tax_id), None)


@dataclass(frozen=True, slots=True)
class DesiredLine:
    """One invoice line as Odoo should hold it; the writer maps ``family`` to its account."""

    name: str
    quantity: Decimal
    price_unit: Decimal
    family: str
    source_item_id: str

    @property
    def subtotal(self) -> Decimal:
        """The line's untaxed amount in Odoo."""
        return self.quantity * self.price_unit


@dataclass(frozen=True, slots=True)
class DesiredMove:
    """What Odoo should hold for one source invoice.

    Amounts are as Odoo shows them: a credit invoice (negative subtotal) is an
    ``out_refund`` whose lines, untaxed amount, tax and total have their signs flipped.
    ``tax`` is the source's tax; Odoo's own computation with ``tax_id`` is
    ``compute_tax(lines, ctx.tax(tax_id), ctx.rounding)``, which differs only on a mismatch.
    """

    source_id: str
    stripe_id: str | None
    ref: str
    move_type: Literal["out_invoice", "out_refund"]
    invoice_date: date
    currency: str
    user_id: str
    tax_id: int | None
    lines: tuple[DesiredLine, ...]
    untaxed: Decimal
    tax: Decimal
    total: Decimal

    def fingerprint(self) -> str:
        """A stable hash of everything Odoo would receive: equal iff a rewrite would change nothing."""
        payload = json.dumps(
            [FINGERPRINT_VERSION, _plain(self)], ensure_ascii=False, separators=(",", ":"), sort_keys=True
        )
        return hashlib.sha256(payload.encode()).hexdigest()


def _plain(value: object) -> object:
    """``value`` as JSON data, with numerically equal decimals written alike (1.0 and 1.00)."""
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, tuple):
        return [_plain(item) for item in value]
    if isinstance(value, Decimal):
        return "0" if value == 0 else format(value.normalize(), "f")
    if isinstance(value, date):
        return value.isoformat()
    return value


@dataclass(frozen=True, slots=True)
class OdooMove:
    """What Odoo holds now for a source invoice, as the writer read it."""

    id: int
    state: Literal["draft", "posted", "cancel"]
    move_type: str
    payment_state: str
    amount_untaxed: Decimal
    amount_tax: Decimal
    amount_total: Decimal
    amount_residual: Decimal

    @property
    def amount_paid(self) -> Decimal:
        """What is already settled on a posted move (payments, or a reversal)."""
        return to_cents(self.amount_total - self.amount_residual) if self.state == "posted" else Decimal(0)


@dataclass(frozen=True, slots=True)
class WriteDraft:
    """Create the draft move, or rewrite the existing draft, to hold ``move`` exactly."""

    move: DesiredMove


@dataclass(frozen=True, slots=True)
class Post:
    """Post the draft move (``action_post``)."""


@dataclass(frozen=True, slots=True)
class RegisterPayment:
    """Register a payment of ``amount`` on ``date`` in the Stripe journal, reconciled with the move."""

    amount: Decimal
    date: date


@dataclass(frozen=True, slots=True)
class Cancel:
    """Cancel the draft move (``button_cancel``)."""


@dataclass(frozen=True, slots=True)
class Reverse:
    """Reverse the posted move by a posted credit note dated ``date``."""

    reason: str
    date: date


@dataclass(frozen=True, slots=True)
class Delete:
    """Delete the draft or cancelled move (``unlink``)."""


Step: TypeAlias = WriteDraft | Post | RegisterPayment | Cancel | Reverse | Delete


@dataclass(frozen=True, slots=True)
class Pending:
    """Why an invoice needs a person: reported (metric, audit), retried on its next change."""

    reason: PendingReason
    detail: str


@dataclass(frozen=True, slots=True)
class Decision:
    """What to do for one source invoice.

    Attributes:
        action: the label for metrics and dry-run counts.
        steps: what the writer carries out, in order; each is idempotent given ``decide``'s input.
        pending: why a person must look, if so; steps may still be given (a mismatching
            draft is written, an overpaid invoice gets what it is owed).
        move: what Odoo should hold, when the invoice could be turned into a move; the writer
            stores ``move.fingerprint()`` once a :class:`WriteDraft` of it succeeded.
    """

    action: Action
    steps: tuple[Step, ...] = ()
    pending: Pending | None = None
    move: DesiredMove | None = None


def local_date(moment: datetime, timezone: ZoneInfo) -> date:
    """The calendar date of ``moment`` in ``timezone`` (2026-05-01T02:30Z is 2026-04-30 in Toronto)."""
    return moment.astimezone(timezone).date()


def _whole_cents(value: Decimal) -> bool:
    return value == to_cents(value)


def _line(item: InvoiceLine, keywords: Mapping[str, tuple[str, ...]], sign: int) -> DesiredLine:
    """One Odoo line for a source item.

    Quantity and unit price are kept when they give the amount exactly and Odoo can hold them
    (whole cents: Odoo's default price and quantity precision); otherwise — proration, no unit
    price — the line is 1 × amount, so Odoo's line total is always the source amount.
    """
    quantity, price = item.quantity, item.unit_price
    if price is None or quantity * price != item.amount or not (_whole_cents(quantity) and _whole_cents(price)):
        quantity, price = Decimal(1), item.amount
    return DesiredLine(
        name=item.description,
        quantity=quantity,
        price_unit=sign * price,
        family=family_of(item.description, keywords),
        source_item_id=item.id,
    )


def desired_move(source: SourceInvoice, ctx: LedgerContext) -> tuple[DesiredMove | None, Pending | None]:
    """The move Odoo should hold for ``source``, or why there cannot be one yet.

    Returns:
        ``(None, Pending("failed"))`` for an inactive or unknown currency,
        ``(None, Pending("inconsistent"))`` for an invoice whose items do not add up,
        ``(move, Pending("tax_mismatch"))`` when no tax reproduces the source tax (the nearest
        tax is on the move), else ``(move, None)``.
    """
    header = source.header
    currency = header.currency.upper()
    if currency not in ctx.active_currencies:
        return None, Pending("failed", f"currency {currency} is not active in Odoo")
    if not source.consistent:
        detail = (
            "the invoice has no items"
            if not source.lines
            else f"the items add up to {source.lines_total}, the subtotal is {header.subtotal}"
        )
        return None, Pending("inconsistent", detail)
    sign = -1 if header.subtotal < 0 else 1
    lines = tuple(
        sorted((_line(item, ctx.family_keywords, sign) for item in source.lines), key=lambda ln: ln.source_item_id)
    )
    untaxed, tax = sign * header.subtotal, sign * header.tax
    choice = choose_tax(lines, untaxed, tax, ctx.taxes, ctx.rounding)
    move = DesiredMove(
        source_id=header.id,
        stripe_id=header.stripe_invoice_id,
        ref=header.invoice_number,
        move_type=OUT_REFUND if sign < 0 else OUT_INVOICE,
        invoice_date=local_date(header.created_at, ctx.timezone),
        currency=currency,
        user_id=header.user_id,
        tax_id=choice.tax.id if choice.tax else None,
        lines=lines,
        untaxed=untaxed,
        tax=tax,
        total=untaxed + tax,
    )
    if choice.matches:
        return move, None
    with_tax = f"with {choice.tax.name}" if choice.tax else "without a tax (no usable sale tax)"
    return move, Pending("tax_mismatch", f"the source tax is {tax}, Odoo would compute {choice.computed} {with_tax}")


def _payment(
    header: InvoiceHeader, move: DesiredMove, already_paid: Decimal, ctx: LedgerContext
) -> tuple[tuple[Step, ...], Pending | None]:
    """The payment still to register on a posted (or about to be posted) move of a paid invoice.

    The payment is what Stripe was paid (``amount_paid``, sign-flipped for a credit note)
    minus what Odoo already holds, on ``paid_at`` (else ``created_at``) in the company
    timezone; nothing when that is not positive. Odoo holding more than the source paid, or
    the source having been paid more than the total, is reported as ``overpaid``; in the
    latter case only the remaining total is registered.
    """
    if header.status != "paid":
        return (), None
    paid = header.amount_paid if move.move_type == OUT_INVOICE else -header.amount_paid
    on = local_date(header.paid_at or header.created_at, ctx.timezone)
    if already_paid > paid:
        return (), Pending("overpaid", f"Odoo holds {already_paid} of payments, the source was paid {paid}")
    pending = None
    if paid > move.total:
        pending = Pending("overpaid", f"the source was paid {paid}, more than the total {move.total}")
        paid = move.total
    due = paid - already_paid
    return ((RegisterPayment(due, on),) if due > 0 else ()), pending


def _label(steps: tuple[Step, ...], pending: Pending | None, status: str, created: bool) -> Action:
    """The action label of a decision: ``pending`` first, then what its last step achieves."""
    if pending is not None:
        return "pending"
    if not steps:
        return "unchanged"
    if status == "uncollectible":
        return "uncollectible"
    last = steps[-1]
    if isinstance(last, RegisterPayment):
        return "paid"
    if isinstance(last, Post):
        return "posted"
    return "created" if created else "updated"


def _unposted(
    header: InvoiceHeader,
    move: DesiredMove,
    tax_pending: Pending | None,
    odoo: OdooMove | None,
    last_fingerprint: str | None,
    ctx: LedgerContext,
) -> Decision:
    """An invoice with no move yet, or a draft one: write it when it changed, post when allowed."""
    steps: list[Step] = []
    if odoo is None or move.fingerprint() != last_fingerprint:
        steps.append(WriteDraft(move))
    pending = tax_pending
    if tax_pending is None and ctx.posting_mode == "auto" and header.status in POSTABLE_STATUSES:
        steps.append(Post())
        paying, pending = _payment(header, move, Decimal(0), ctx)
        steps.extend(paying)
    done = tuple(steps)
    return Decision(_label(done, pending, header.status, odoo is None), done, pending, move)


def _posted(header: InvoiceHeader, move: DesiredMove, odoo: OdooMove, ctx: LedgerContext) -> Decision:
    """A posted move is immutable: compare it with the source, register a missing payment."""
    held = (odoo.move_type, to_cents(odoo.amount_untaxed), to_cents(odoo.amount_tax), to_cents(odoo.amount_total))
    wanted = (move.move_type, move.untaxed, move.tax, move.total)
    if held != wanted:
        return Decision(
            "pending",
            pending=Pending(
                "conflict",
                f"Odoo's posted {held[0]} holds untaxed {held[1]}, tax {held[2]}, total {held[3]}; "
                f"the source now says {wanted[0]} untaxed {wanted[1]}, tax {wanted[2]}, total {wanted[3]}",
            ),
            move=move,
        )
    if ctx.posting_mode != "auto":
        return Decision("unchanged", move=move)
    steps, pending = _payment(header, move, odoo.amount_paid, ctx)
    return Decision(_label(steps, pending, header.status, created=False), steps, pending, move)


def _voided(header: InvoiceHeader, odoo: OdooMove | None, ctx: LedgerContext, now: datetime) -> Decision:
    """A voided source invoice: cancel a draft, reverse (or report) a posted move.

    With no move in Odoo there is nothing to record: a voided invoice never was revenue, so
    it is ``skipped`` rather than created only to be cancelled. A reversal is dated the day
    the decision is made (the source keeps no void date), which is also the day the credit
    note enters an open period.
    """
    if odoo is None:
        return Decision("skipped")
    if odoo.state == "cancel" or odoo.payment_state == "reversed":
        return Decision("unchanged")
    if odoo.state == "draft":
        return Decision("cancelled", (Cancel(),))
    if ctx.void_posted == "report":
        return Decision(
            "pending", pending=Pending("void_posted", f"{header.invoice_number} was voided but is posted in Odoo")
        )
    reason = f"NexaCloud invoice {header.invoice_number} was voided"
    return Decision("reversed", (Reverse(reason, local_date(now, ctx.timezone)),))


def _deleted(odoo: OdooMove | None) -> Decision:
    """A source invoice deleted: a draft or cancelled move goes too, a posted one is reported."""
    if odoo is None:
        return Decision("unchanged")
    if odoo.state == "posted":
        return Decision(
            "pending",
            pending=Pending("deleted_posted", f"the source invoice was deleted but Odoo move {odoo.id} is posted"),
        )
    return Decision("deleted", (Delete(),))


def decide(
    source: SourceInvoice | None,
    odoo: OdooMove | None,
    ctx: LedgerContext,
    last_fingerprint: str | None = None,
    *,
    now: datetime | None = None,
) -> Decision:
    """Decide what to do in Odoo for one source invoice (see the module docstring's table).

    Args:
        source: the invoice as the source holds it now; ``None`` when it was deleted.
        odoo: the move Odoo holds for it, or ``None`` when there is none.
        ctx: taxes, currencies and settings.
        last_fingerprint: the fingerprint of the last draft written for it; an unchanged
            draft is not rewritten.
        now: when the decision is made (dates a reversal); defaults to the current time.

    Returns:
        The decision; carrying it out and deciding again with the result yields no steps.
    """
    if source is None:
        return _deleted(odoo)
    header = source.header
    if header.status == "void":
        return _voided(header, odoo, ctx, now or datetime.now(UTC))
    if header.status == "draft" and ctx.skip_draft_invoices:
        return Decision("skipped")
    move, pending = desired_move(source, ctx)
    if move is None:
        return Decision("pending", pending=pending)
    if odoo is None or odoo.state == "draft":
        return _unposted(header, move, pending, odoo, last_fingerprint, ctx)
    if odoo.state == "posted":
        return _posted(header, move, odoo, ctx)
    return Decision(
        "pending",
        pending=Pending("conflict", f"Odoo move {odoo.id} is cancelled but the source invoice is {header.status}"),
        move=move,
    )


@dataclass(frozen=True, slots=True)
class FamilyTotal:
    """Revenue of one family in one currency (credit notes count negative)."""

    currency: str
    family: str
    amount: Decimal
    lines: int


@dataclass(frozen=True, slots=True)
class OtherLine:
    """A line no family keyword matched: what to look at to fix the mapping."""

    source_id: str
    ref: str
    currency: str
    name: str
    amount: Decimal


@dataclass(frozen=True, slots=True)
class FamilyReport:
    """The dry-run view of revenue: totals per currency and family, and every ``other`` line."""

    totals: tuple[FamilyTotal, ...]
    other_lines: tuple[OtherLine, ...]


def family_report(moves: Iterable[DesiredMove]) -> FamilyReport:
    """Totals per (currency, family) and the ``other`` lines of ``moves``, in a stable order.

    Amounts are revenue as the source billed it: a credit note's lines count negative.
    """
    amounts: defaultdict[tuple[str, str], Decimal] = defaultdict(Decimal)
    counts: defaultdict[tuple[str, str], int] = defaultdict(int)
    others: list[OtherLine] = []
    for move in moves:
        sign = -1 if move.move_type == OUT_REFUND else 1
        for line in move.lines:
            key = (move.currency, line.family)
            amounts[key] += sign * line.subtotal
            counts[key] += 1
            if line.family == OTHER:
                others.append(OtherLine(move.source_id, move.ref, move.currency, line.name, sign * line.subtotal))
    totals = tuple(FamilyTotal(cur, fam, amounts[cur, fam], counts[cur, fam]) for cur, fam in sorted(amounts))
    return FamilyReport(totals, tuple(sorted(others, key=lambda o: (o.currency, o.ref, o.source_id, o.name))))

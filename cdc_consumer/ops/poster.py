"""The bulk post run: reviewed drafts in Odoo, re-decided from the source, posted and paid.

The source invoices are read directly from the source database, read-only (one ``REPEATABLE
READ READ ONLY`` snapshot), not from the consumer's state store: the store may live with the
consumer on another machine (SQLite), and the source is what the posted invoice must match
now. Each draft is decided again with posting mode ``auto`` by the consumer's own writer, which
rewrites the draft from the source first (so what is posted is exactly the source), checks the
tax Odoo computes, posts, and registers the Stripe payment of a paid invoice.

Drafts are scanned page by page (``batch_size`` per Odoo call); a page costs one source query,
one planning read, and the writer's batched writes. A rerun after an interruption continues
where it stopped: posted moves are no longer drafts.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from decimal import Decimal
from typing import Any, TextIO

from ..config import Settings
from ..odoo.gateway import Gateway
from ..odoo.writer import Job, OdooWriter
from . import held
from .post import PostOutcome, PostReport, payment_of, why_not, within_families
from .progress import Progress
from .source import SourceReader

DEFAULT_BATCH_SIZE = 500


def draft_domain(date_from: date | None, date_to: date | None) -> list[Any]:
    """The Odoo domain of NexaCloud customer-invoice drafts dated within the bounds (inclusive)."""
    domain: list[Any] = [("state", "=", "draft"), *held.INVOICE_TYPES]
    if date_from is not None:
        domain.append(("invoice_date", ">=", date_from.isoformat()))
    if date_to is not None:
        domain.append(("invoice_date", "<=", date_to.isoformat()))
    return domain


def bulk_post(
    settings: Settings,
    gateway: Gateway,
    writer: OdooWriter,
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    families: Collection[str] = (),
    dry_run: bool = False,
    batch_size: int = DEFAULT_BATCH_SIZE,
    stream: TextIO | None = None,
) -> PostReport:
    """Post the drafts that may be posted; report the others with the reason.

    Args:
        settings: the source DSN and the family keywords.
        gateway: the Odoo connection.
        writer: the consumer's writer in posting mode ``auto``.
        date_from, date_to: only drafts whose invoice date is within (inclusive).
        families: only invoices all of whose lines are of these families.
        dry_run: decide and report, change nothing.
        batch_size: drafts per Odoo call.
        stream: where the progress goes (standard error by default).

    Raises:
        SourceUnavailable, OdooUnavailable: a system failed; what was posted stays posted.
    """
    report = PostReport(dry_run)
    domain = draft_domain(date_from, date_to)
    with SourceReader(settings.source_dsn) as source, Progress("post", held.count(gateway, domain), stream) as progress:
        for page in held.scan(gateway, domain, batch_size):
            _post_page(page, source, writer, gateway, report, families, settings)
            progress.advance(len(page))
    return report


def _post_page(
    page: list[held.HeldMove],
    source: SourceReader,
    writer: OdooWriter,
    gateway: Gateway,
    report: PostReport,
    families: Collection[str],
    settings: Settings,
) -> None:
    records = source.invoices({m.source_id for m in page})
    refs = {m.source_id: (m.ref, m.id) for m in page}
    jobs: dict[str, Job] = {}
    for move in page:
        record = records.get(move.source_id)
        if record is None or record.invoice is None:
            why = (
                "not in the source (deleted?)"
                if record is None
                else f"the source row does not validate: {record.invalid}"
            )
            report.outcomes.append(PostOutcome(move.source_id, move.ref, move.id, False, why))
        elif not within_families(record.invoice, families, settings.family_keywords):
            report.outside_families += 1
        else:
            jobs[move.source_id] = Job(move.source_id, record.invoice)
    ready: list[Job] = []
    payments: dict[str, Decimal] = {}
    for job, decision, move_id in writer.plan(list(jobs.values())):
        assert job.source is not None
        reason = why_not(decision, job.source)
        if reason is not None:
            report.outcomes.append(PostOutcome(job.invoice_id, refs[job.invoice_id][0], move_id, False, reason))
            continue
        ready.append(job)
        payments[job.invoice_id] = payment_of(decision)
    if report.dry_run:
        report.outcomes += [
            PostOutcome(
                j.invoice_id, refs[j.invoice_id][0], refs[j.invoice_id][1], True, _would(payments[j.invoice_id])
            )
            for j in ready
        ]
        return
    results = writer.sync(ready)
    states = _states(gateway, [r.move_id for r in results if r.move_id])
    for r in results:
        state, payment_state = states.get(r.move_id or 0, ("missing", ""))
        ref = refs[r.invoice_id][0]
        if state == "posted":
            report.outcomes.append(
                PostOutcome(r.invoice_id, ref, r.move_id, True, f"posted, payment state {payment_state}")
            )
        else:
            why = r.failure or (f"{r.pending.reason}: {r.pending.detail}" if r.pending else f"still {state}")
            report.outcomes.append(PostOutcome(r.invoice_id, ref, r.move_id, False, why))


def _would(payment: Decimal) -> str:
    return f"post and register a payment of {payment}" if payment else "post"


def _states(gateway: Gateway, move_ids: list[int]) -> dict[int, tuple[str, str]]:
    """State and payment state of each move, read back after the writer's work."""
    if not move_ids:
        return {}
    rows = gateway.call("account.move", "read", [move_ids], {"fields": ["state", "payment_state"]})
    return {row["id"]: (row["state"], row["payment_state"]) for row in rows}

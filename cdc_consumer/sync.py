"""From stored events to Odoo writes for one batch: the bridge between the state store and the writer.

``apply_and_write`` stores a batch's events (marking the touched invoices dirty), assembles every
dirty invoice of this instance's partitions, hands the complete ones to the writer, and records
each outcome. An invoice whose source projection has not changed since its last successful
write costs no Odoo call at all.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Collection, Sequence
from datetime import UTC, datetime, timedelta
from typing import Protocol

from . import metrics
from .assembly import Assembled, assemble
from .events import ChangeEvent
from .odoo.writer import Job, Result
from .state.model import INCOMPLETE_REASONS, StateStore, StoredInvoice, SyncOutcome

log = logging.getLogger(__name__)


class Writer(Protocol):
    """What the sync needs from the Odoo side (``OdooWriter``, or a dry-run stand-in)."""

    def sync(self, jobs: Sequence[Job], keep_alive: Callable[[], None] | None = None) -> list[Result]:
        """Bring each job's invoice in line in Odoo."""
        ...


class InvoiceSync:
    """Stores events and writes the invoices they made dirty.

    Args:
        state: the state store.
        writer: carries out decisions in Odoo.
        grace_seconds: how long an incomplete invoice may wait before it counts as overdue.
        batch_limit: the most dirty invoices written per call (the rest wait for the next).
    """

    def __init__(
        self,
        state: StateStore,
        writer: Writer,
        grace_seconds: float,
        batch_limit: int = 2000,
        chunk_size: int = 200,
    ) -> None:
        self._state = state
        self._writer = writer
        self._grace = timedelta(seconds=grace_seconds)
        self._limit = batch_limit
        self._chunk = chunk_size
        self.actions: Counter[str] = Counter()

    def apply_and_write(
        self,
        events: Sequence[ChangeEvent],
        partitions: Collection[int],
        keep_alive: Callable[[], None] | None = None,
    ) -> None:
        """Store ``events`` and write every due dirty invoice of ``partitions``.

        The writes go in chunks of ``chunk_size`` invoices, each recorded as soon as it is
        done; ``keep_alive`` is called between chunks, so a long write (a slow Odoo, payments
        in mode ``auto``) never outlasts the consumer's poll interval. It may raise to stop.

        Raises:
            OdooUnavailable, SourceUnavailable, StateUnavailable: the chunk under way was not
                recorded; retry. Whatever ``keep_alive`` raises.
        """
        if events:
            result = self._state.apply(events)
            metrics.STALE_EVENTS.inc(result.stale + result.duplicate)
        ids = self._state.dirty(partitions, self._limit, datetime.now(UTC))
        for start in range(0, len(ids), self._chunk):
            if start and keep_alive is not None:
                keep_alive()
            self._write(ids[start : start + self._chunk], keep_alive)

    def _write(self, ids: Sequence[str], keep_alive: Callable[[], None] | None) -> None:
        stored = self._state.load(ids)
        jobs: list[Job] = []
        outcomes: list[SyncOutcome] = []
        for invoice_id in ids:
            invoice = stored.get(invoice_id)
            if invoice is None:
                continue
            job_or_outcome = self._job(invoice, assemble(invoice))
            if isinstance(job_or_outcome, Job):
                jobs.append(job_or_outcome)
            else:
                outcomes.append(job_or_outcome)
        results = self._writer.sync(jobs, keep_alive)
        versions = {i: stored[i].sync.version for i in ids if i in stored}
        outcomes += [self._outcome(r, versions.get(r.invoice_id)) for r in results]
        self._state.record(outcomes)
        for r in results:
            self.actions[r.action] += 1
            metrics.INVOICES.labels(r.action).inc()

    def _job(self, invoice: StoredInvoice, assembled: Assembled) -> Job | SyncOutcome:
        sync = invoice.sync
        if assembled.incomplete is not None:
            return SyncOutcome(
                invoice.invoice_id,
                move_id=sync.move_id,
                fingerprint=sync.fingerprint,
                pending=assembled.incomplete,
                detail=assembled.detail,
                version=sync.version,
            )
        return Job(invoice.invoice_id, assembled.invoice, sync.fingerprint)

    @staticmethod
    def _outcome(result: Result, version: int | None) -> SyncOutcome:
        if result.failure is not None:
            return SyncOutcome(
                result.invoice_id,
                result.move_id,
                result.fingerprint,
                "failed",
                result.failure,
                retry=True,
                version=version,
            )
        pending = result.pending
        return SyncOutcome(
            result.invoice_id,
            result.move_id,
            result.fingerprint,
            pending.reason if pending else None,
            pending.detail if pending else "",
            version=version,
        )

    def report_pending(self, now: datetime) -> None:
        """Refresh the pending gauges, overdue ones (past the grace period) apart."""
        by_reason: Counter[str] = Counter()
        overdue: Counter[str] = Counter()
        for record in self._state.pending():
            by_reason[record.reason] += 1
            if record.reason not in INCOMPLETE_REASONS or now - record.since >= self._grace:
                overdue[record.reason] += 1
        for reason in set(by_reason) | {"inconsistent", "tax_mismatch", "failed", "conflict"}:
            metrics.PENDING.labels(reason).set(by_reason.get(reason, 0))
            metrics.PENDING_OVERDUE.labels(reason).set(overdue.get(reason, 0))

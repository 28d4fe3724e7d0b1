"""The audit run: the source against Odoo, batch by batch, then the moves the source lacks.

1. The source is read in one read-only snapshot, ``batch_size`` invoices at a time; the moves of
   each batch's ids come from Odoo in one ``search_read``.
2. A scan of every NexaCloud move in Odoo (``batch_size`` per call) finds ids the source does
   not hold: orphans.
3. The state store's pending invoices are added, with their reasons.

Odoo is read while the consumer may be writing: an invoice changed during the audit can show
up as a mismatch that a second audit no longer reports.
"""

from __future__ import annotations

from typing import TextIO

from ..config import Settings
from ..odoo.gateway import Gateway
from . import held
from .audit import AuditReport, check_invoice, check_orphan
from .pending import read_pending
from .progress import Progress
from .source import SourceReader

DEFAULT_BATCH_SIZE = 2000


def run_audit(
    settings: Settings, gateway: Gateway, *, batch_size: int = DEFAULT_BATCH_SIZE, stream: TextIO | None = None
) -> AuditReport:
    """Compare the source with Odoo and collect the pending invoices.

    Args:
        settings: the source DSN, the state store and the accounting settings.
        gateway: the Odoo connection.
        batch_size: invoices (and moves) per database query and per Odoo call.
        stream: where the progress goes (standard error by default).

    Raises:
        SourceUnavailable, OdooUnavailable, StateUnavailable: a system could not be read.
    """
    report = AuditReport()
    source_ids: set[str] = set()
    with SourceReader(settings.source_dsn) as source:
        total = source.count()
        with Progress("audit: source invoices", total, stream) as progress:
            for batch in source.batches(batch_size):
                ids = [r.invoice_id for r in batch]
                moves = held.moves_for(gateway, ids)
                for record in batch:
                    mine = moves.get(record.invoice_id, [])
                    report.findings += check_invoice(record, mine, skip_draft_invoices=settings.skip_draft_invoices)
                source_ids.update(ids)
                report.invoices += len(batch)
                progress.advance(len(batch))
    with Progress("audit: Odoo moves", held.count(gateway, []), stream) as progress:
        orphans: dict[str, list[held.HeldMove]] = {}
        for page in held.scan(gateway, [], batch_size):
            report.moves += len(page)
            for move in page:
                if move.source_id not in source_ids:
                    orphans.setdefault(move.source_id, []).append(move)
            progress.advance(len(page))
    report.findings += [check_orphan(source_id, moves) for source_id, moves in sorted(orphans.items())]
    report.pending = read_pending(settings.state_dsn)
    return report

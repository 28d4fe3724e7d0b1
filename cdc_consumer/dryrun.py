"""``run --dry-run``: decide everything, write nothing, and report what would happen."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence

from .ledger import DesiredMove, family_report
from .odoo.writer import Job, OdooWriter, Result


class DryRunWriter:
    """Stands in for the writer: reads Odoo to decide, records the decisions, executes none."""

    def __init__(self, writer: OdooWriter) -> None:
        self._writer = writer
        self.actions: Counter[str] = Counter()
        self.moves: list[DesiredMove] = []

    def sync(self, jobs: Sequence[Job], keep_alive: Callable[[], None] | None = None) -> list[Result]:
        """Decide each job; keep the counts and the desired moves for :meth:`report`."""
        results = []
        for job, decision, move_id in self._writer.plan(jobs):
            self.actions[decision.action] += 1
            if decision.move is not None:
                self.moves.append(decision.move)
            results.append(Result(job.invoice_id, decision.action, move_id, pending=decision.pending))
        return results

    def report(self) -> str:
        """Totals per family, counts per action, and every line that fell in ``other``."""
        report = family_report(self.moves)
        lines = ["Dry run: nothing was written to Odoo and no offset was committed.", "", "Totals per family:"]
        lines += [f"  {t.currency} {t.family:<10} {t.lines:>7} lines  {t.amount:>14}" for t in report.totals]
        lines += ["", "Invoices per action:"]
        lines += [f"  {action:<14} {count:>7}" for action, count in sorted(self.actions.items())]
        lines += ["", f"Lines in 'other' ({len(report.other_lines)}): map them with family_keywords"]
        lines += [f"  {o.ref}  {o.currency} {o.amount:>12}  {o.name}" for o in report.other_lines]
        return "\n".join(lines)

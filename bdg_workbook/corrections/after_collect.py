"""What a collection does to the correction loop, for the CLI and the web app alike: record the loop's
automatic events (when the records folder is the season's) and apply the Ban's counting rule."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from bdg_workbook.corrections import counting, sync
from bdg_workbook.corrections.journal import Journal
from bdg_workbook.corrections.states import STATE_VI
from bdg_workbook.documents.settings import loop_settings
from bdg_workbook.domain.result import CollectResult


@dataclass
class LoopOutcome:
    """The result the master is written from, and the lines the officer reads about the loop."""

    result: CollectResult
    lines: list[str] = field(default_factory=list)


def sync_lines(report: sync.SyncReport) -> list[str]:
    """What the officer reads after a collection: each change of state, each comparison."""
    lines = [f"Vòng bổ sung: {e.unit} → {STATE_VI[e.state]}: {e.reason}" for e in report.events]
    for comp in report.comparisons.values():
        lines += comp.lines()
    lines += [f"Lưu ý: {n}" for n in report.notes]
    return lines


def apply_loop(result: CollectResult, inbox: Path, journal: Journal, record: bool) -> LoopOutcome:
    """Record the loop in ``journal`` when ``record`` (else only observe it), then apply the counting rule.

    Raises TemplateError for a bad ``corrections`` config and OSError when the journal cannot be written.
    """
    setup = result.setup
    settings = loop_settings(setup.config)
    units = [d.code for d in setup.departments]
    lines = [f"Cảnh báo: {note}" for note in journal.notes]
    if record:
        lines += sync_lines(sync.record(journal, result, inbox))
        loops = journal.loops(units)
    else:                      # written elsewhere: the season's decisions still apply, nothing is recorded
        loops = journal.loops(units)
        sync.observe(result, loops)
    return LoopOutcome(counting.apply_counting(result, loops, settings), lines)

"""Run the per-file rules on an inline submission and look at the findings as (code, cell) pairs."""

from __future__ import annotations

from bdg_workbook.domain.model import Setup
from bdg_workbook.collect.rules.pipeline import FileAnalysis, analyse
from bdg_workbook.domain.submission import Submission


def run(setup: Setup, sub: Submission) -> FileAnalysis:
    """Analyse one submission of the default setup."""
    dept = next(d for d in setup.departments if d.code == sub.department)
    return analyse(setup, sub, dept)


def pairs(analysis: FileAnalysis) -> set[tuple[str, str]]:
    """Findings as (code, cell)."""
    return {(f.code, f.cell) for f in analysis.findings}


def codes(analysis: FileAnalysis) -> list[str]:
    """Finding codes in order."""
    return [f.code for f in analysis.findings]

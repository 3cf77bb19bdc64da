"""Rules across files: identity of each file, duplicates, missing and late departments, shared documents.

Emits: E10 (unknown department), F03 (another template), F04 (another year), W08 (superseded file),
W13 (no return), W07 (returned late), W12 (a document claimed by two departments).
"""

from __future__ import annotations

from typing import Iterable

from bdg_workbook.domain.findings import Finding, make
from bdg_workbook.domain.model import Department, Setup
from bdg_workbook.domain.submission import Submission
from bdg_workbook.collect.rules.pipeline import FileAnalysis

CODES = ("E10", "F03", "F04", "W08", "W13", "W07", "W12")


def identify(setup: Setup, sub: Submission) -> tuple[Department | None, list[Finding]]:
    """The department a file belongs to, or the findings that reject it (unknown unit, template, year)."""
    meta, table = sub.meta, setup.table
    where = {"file": sub.display_name, "sheet": "meta", "department": sub.department}
    found: list[Finding] = []
    if meta.get("template_id") != table.template_id or meta.get("template_hash") != table.content_hash:
        got = f"{meta.get('template_id', '')}@{meta.get('template_hash', '')[:12]}"
        found.append(make("F03", value=got, expected=f"{table.template_id}@{table.content_hash[:12]}", **where))
    if meta.get("year") != str(setup.config.year):
        found.append(make("F04", value=meta.get("year", ""), expected=setup.config.year, **where))
    dept = next((d for d in setup.departments if d.code == sub.department), None)
    if dept is None:
        found.append(make("E10", value=sub.department, **where))
    return (dept if not found else None), found


def latest_order(a: FileAnalysis) -> tuple:
    """What ``keep_latest`` sorts a department's files by: self-assessment date, file time, file name."""
    return (a.submitted.toordinal() if a.submitted else 0, a.sub.mtime, a.sub.display_name)


def keep_latest(analyses: list[FileAnalysis]) -> tuple[list[FileAnalysis], list[FileAnalysis], list[Finding]]:
    """One file per department: the latest by self-assessment date, then file time; the others reported."""
    by_dept: dict[str, list[FileAnalysis]] = {}
    for a in analyses:
        by_dept.setdefault(a.department.code, []).append(a)
    kept, dropped, found = [], [], []
    for group in by_dept.values():
        group.sort(key=latest_order)   # stable: of equal keys the later in ``analyses`` is kept
        latest = group[-1]
        kept.append(latest)
        for older in group[:-1]:
            dropped.append(older)
            found.append(make("W08", department=older.department.code, file=older.sub.display_name,
                              value=older.sub.display_name, kept=latest.sub.display_name))
    return kept, dropped, found


def missing_departments(setup: Setup, kept: Iterable[FileAnalysis]) -> tuple[list[Department], list[Finding]]:
    """Departments without a collected file."""
    have = {a.department.code for a in kept}
    missing = [d for d in setup.departments if d.code not in have]
    return missing, [make("W13", department=d.code, value=d.name) for d in missing]


def late_returns(setup: Setup, kept: Iterable[FileAnalysis]) -> list[Finding]:
    """Files whose self-assessment date is after the department deadline."""
    deadline = setup.config.department_deadline
    if deadline is None:
        return []
    out = []
    for a in kept:
        if a.submitted and a.submitted > deadline:
            cell = a.sub.inputs.get("info_date")
            out.append(make("W07", department=a.department.code, file=a.sub.display_name,
                            sheet=cell.sheet if cell else "", cell=cell.ref if cell else "",
                            value=a.submitted.strftime("%d/%m/%Y"), deadline=deadline.strftime("%d/%m/%Y")))
    return out


def shared_documents(kept: list[FileAnalysis]) -> list[Finding]:
    """A document claimed as evidence by two departments: flagged for the ward to decide."""
    first: dict[str, FileAnalysis] = {}
    out = []
    for a in kept:
        for key, (criterion, sheet, cell) in a.documents.items():
            owner = first.setdefault(key, a)
            if owner is not a:
                out.append(make("W12", department=a.department.code, file=a.sub.display_name, sheet=sheet,
                                cell=cell, value=key, criterion=criterion, other=owner.department.code))
    return out

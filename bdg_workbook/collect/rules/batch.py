"""Rules across files: identity of each file, duplicates, missing and late departments, shared documents.

Emits: E10 (unknown department), F03 (another template), F04 (another year), F13 (another season's form), W08 (superseded file),
W13 (no return), W07 (returned late), W12 (a document claimed by two departments), W21 (a unit whose only
files are not counted), F22 (no filled form at all).

Which file counts for a unit (issue 12): only a file without a file-level error
(``findings.is_file_level_error``: bad or missing signature, changed locked content, layout, blank form) is
ever kept; among those a verified one beats an unverified one, then the latest by date, file time, name.
Lateness is judged on the receipt time (email Date header, or when the program first saw the file), never
on the date the unit typed, which is shown beside it.
"""

from __future__ import annotations

import datetime as dt
from typing import Iterable, Mapping

from bdg_workbook.domain.findings import Finding, is_file_level_error, make
from bdg_workbook.domain.model import Department, Setup
from bdg_workbook.domain.submission import Submission
from bdg_workbook.collect.rules.pipeline import FileAnalysis

CODES = ("E10", "F03", "F04", "F13", "W08", "W13", "W07", "W12", "W21", "F22")


def identify(setup: Setup, sub: Submission) -> tuple[Department | None, list[Finding]]:
    """The department a file belongs to, or the findings that reject it (unknown unit, template, year)."""
    meta, table = sub.meta, setup.table
    where = {"file": sub.display_name, "sheet": "meta", "department": sub.department}
    found: list[Finding] = []
    other_form = meta.get("template_id") != table.template_id or meta.get("template_hash") != table.content_hash
    other_year = meta.get("year") != str(setup.config.year)
    if other_form and other_year:   # a return made on another season's form: one finding naming both seasons
        found.append(make("F13", value=meta.get("year", ""), expected=setup.config.year,
                          found_form=_form_name(meta.get("template_id", ""), meta.get("template_version", ""),
                                                meta.get("template_hash", "")),
                          expected_form=_form_name(table.template_id, table.version, table.content_hash), **where))
    elif other_form:
        got = f"{meta.get('template_id', '')}@{meta.get('template_hash', '')[:12]}"
        found.append(make("F03", value=got, expected=f"{table.template_id}@{table.content_hash[:12]}", **where))
    elif other_year:
        found.append(make("F04", value=meta.get("year", ""), expected=setup.config.year, **where))
    dept = next((d for d in setup.departments if d.code == sub.department), None)
    if dept is None:
        found.append(make("E10", value=sub.department, **where))
    return (dept if not found else None), found


def _form_name(template_id: str, version: str, digest: str) -> str:
    return f"{template_id or '(không rõ)'}" + (f" phiên bản {version}" if version else "") + f", mã băm {digest[:12]}"


def latest_order(a: FileAnalysis) -> tuple:
    """What ``keep_latest`` sorts a department's files by: self-assessment date, file time, file name."""
    return (a.submitted.toordinal() if a.submitted else 0, a.sub.mtime, a.sub.display_name)


def counted(a: FileAnalysis) -> bool:
    """False when the file has a file-level error: it never enters totals or ranks."""
    return not any(is_file_level_error(f) for f in a.findings)


def not_counted_reason(a: FileAnalysis) -> str:
    """Why a file is not counted: its file-level errors, code and title, e.g. 'E17 Chữ ký số không hợp lệ'."""
    from bdg_workbook.domain.findings import CATALOGUE
    codes = list(dict.fromkeys(f.code for f in a.findings if is_file_level_error(f)))
    return "; ".join(f"{c} {CATALOGUE[c].title.lower()}" for c in codes)


def selection_key(a: FileAnalysis) -> tuple:
    """What picks a unit's file: counted first, then verified (no W15/W22), then ``latest_order``."""
    verified = not any(f.code in ("W15", "W22") for f in a.findings)
    return (counted(a), verified, *latest_order(a))


def keep_latest(analyses: list[FileAnalysis]) -> tuple[list[FileAnalysis], list[FileAnalysis], list[Finding]]:
    """One counted file per department: verified before unverified, then the latest by self-assessment date and
    file time; the other counted files reported (W08). Files with a file-level error are never kept."""
    by_dept: dict[str, list[FileAnalysis]] = {}
    for a in analyses:
        if counted(a):
            by_dept.setdefault(a.department.code, []).append(a)
    kept, dropped, found = [], [], []
    for group in by_dept.values():
        group.sort(key=selection_key)   # stable: of equal keys the later in ``analyses`` is kept
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


Receipt = tuple[dt.datetime, str]    # when a file was received, and how that is known (Vietnamese)


def received_date(when: dt.datetime) -> dt.date:
    """The local calendar day of a receipt time (an aware time is converted to this machine's zone)."""
    return when.astimezone().date() if when.tzinfo is not None else when.date()


def late_returns(setup: Setup, kept: Iterable[FileAnalysis],
                 received: Mapping[str, Receipt] | None = None) -> list[Finding]:
    """Kept files received after the department deadline (``received``: display name -> receipt time and
    source). A file with no known receipt time is late only when the date the unit typed says so."""
    deadline = setup.config.department_deadline
    if deadline is None:
        return []
    out = []
    for a in kept:
        receipt = (received or {}).get(a.sub.display_name)
        typed = a.submitted.strftime("%d/%m/%Y") if a.submitted else "(không ghi)"
        if receipt is not None:
            late = received_date(receipt[0]) > deadline
            when = f"nhận lúc {receipt[0].strftime('%H:%M %d/%m/%Y')} ({receipt[1]})"
        else:
            late = a.submitted is not None and a.submitted > deadline
            when = "chưa có thời điểm nhận; theo ngày đơn vị tự ghi"
        if late:
            cell = a.sub.inputs.get("info_date")
            out.append(make("W07", department=a.department.code, file=a.sub.display_name,
                            sheet=cell.sheet if cell else "", cell=cell.ref if cell else "",
                            value=typed, received=when, deadline=deadline.strftime("%d/%m/%Y")))
    return out


def not_valid_units(missing: Iterable[Department], refused: Iterable[tuple[str, str, str]]) -> list[Finding]:
    """W21 for each missing unit that sent only files that are not counted (``refused``: department code,
    file name, reason), replacing its W13."""
    by_code: dict[str, list[tuple[str, str]]] = {}
    for code, name, reason in refused:
        by_code.setdefault(code, []).append((name, reason))
    out = []
    for d in missing:
        files = by_code.get(d.code)
        if files:
            out.append(make("W21", department=d.code, value=", ".join(n for n, _r in files),
                            reason="; ".join(dict.fromkeys(r for _n, r in files))))
    return out


def no_filled_form(inbox_label: str, files: int, blank: int) -> Finding:
    """F22: the run found no form to count."""
    reason = f"{files} tệp" + (f", trong đó {blank} biểu mẫu chưa điền" if blank else "")
    return make("F22", value=inbox_label, reason=reason)


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

"""A blank form is not a submission: a returned workbook in which the department typed no answer.

Emits: F21 (every answer cell — criterion result, "Không áp dụng", target — holds what the issued form held,
and there is no evidence row and no bonus line). What the ward pre-fills (targets, "Áp dụng", the unit's
details) is not an answer: a form holding only that is still blank.
"""

from __future__ import annotations

from bdg_workbook.collect.rules.context import norm_key
from bdg_workbook.domain.findings import Finding, make
from bdg_workbook.domain.model import Department, Setup
from bdg_workbook.domain.submission import Cell, Submission
from bdg_workbook.untrusted.cells import REF_RE, col_number
from bdg_workbook.untrusted.form_contract import issued_cells

CODES = ("F21",)


def _same(got: Cell, issued: Cell | None) -> bool:
    """True when a cell holds what the issued form held there (blank text counts as blank)."""
    if got.formula is not None or got.error is not None:
        return False
    want = issued.value if issued is not None else None
    return norm_key(got.value) == norm_key(want)


def is_blank_form(setup: Setup, dept: Department, sub: Submission) -> bool:
    """True when no answer cell differs from the issued form and no evidence row or bonus line was written."""
    if sub.evidence or sub.bonus:       # the reader keeps only lines with something in them
        return False
    issued = issued_cells(setup, dept)
    for name, cell in sub.inputs.items():
        if not name.startswith("in_"):
            continue
        m = REF_RE.match(cell.ref)
        position = (cell.sheet, int(m.group(2)), col_number(m.group(1))) if m else None
        if not _same(cell, issued.get(position) if position else None):
            return False
    return True


def blank_form_finding(sub: Submission) -> Finding:
    """The F21 finding of a blank form (only file-level errors are kept beside it)."""
    return make("F21", department=sub.department, file=sub.display_name, sheet="", value=sub.department)

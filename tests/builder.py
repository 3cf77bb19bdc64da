"""Build a Submission from a small inline table, as if read from a returned workbook (no spreadsheet needed)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from bdg_workbook.layout.department import (BONUS_FIRST_ROW, COL_NA, NA_LOCKED, COL_TARGET, COL_VALUE, EVIDENCE_COLUMNS,
                                 EVIDENCE_FIRST_ROW, LAYOUT_VERSION, SHEET_BONUS, SHEET_EVIDENCE, SHEET_INFO,
                                 SHEET_SCORE, Layout)
from bdg_workbook.workbook.locked import expected_locked_content
from bdg_workbook.domain.model import Setup
from bdg_workbook.domain.submission import BonusClaim, Cell, EvidenceRow, Submission


def _value(v: Any) -> Any:
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return Decimal(str(v))
    return v


def submission(setup: Setup, dept: str = "HLHPN", answers: dict[str, Any] | None = None,
               targets: dict[str, Any] | None = None, na: tuple[str, ...] = (),
               evidence: list[tuple[str, str]] | None = None, claims: list[dict[str, Any]] | None = None,
               info: dict[str, Any] | None = None, name: str = "TDCD_2024_X.xlsx", **meta: str) -> Submission:
    """A submission: ``answers`` code -> value (``"Có"``, numbers, raw text), ``evidence`` (code, doc) rows."""
    table = setup.table
    lay = Layout(table)
    department = next(d for d in setup.departments if d.code == dept)
    base_meta = {"layout_version": LAYOUT_VERSION, "template_id": table.template_id,
                 "template_hash": table.content_hash, "year": str(setup.config.year), "department_code": dept}
    base_meta.update(meta)
    inputs: dict[str, Cell] = {}
    answers, targets = answers or {}, targets or {}
    for crit in table.criteria:
        row = lay.criterion_rows[crit.code]
        value = _value(answers.get(crit.code))
        if crit.method == "percent" and isinstance(value, Decimal):   # the cell holds 85% as 0.85 (issue 13.6)
            value = value / 100
        inputs[f"in_{crit.key}_value"] = Cell(SHEET_SCORE, f"{COL_VALUE}{row}", value)
        if crit.method == "ratio":
            target = targets.get(crit.code, department.target_for(crit))
            inputs[f"in_{crit.key}_target"] = Cell(SHEET_SCORE, f"{COL_TARGET}{row}", _value(target))
        if crit.allow_na:
            locked = None if department.may_be_na(crit) else NA_LOCKED   # the Ban's locked "Áp dụng"
            inputs[f"in_{crit.key}_na"] = Cell(SHEET_SCORE, f"{COL_NA}{row}",
                                                "Không áp dụng" if crit.code in na else locked)
    info_values = {"preparer": "Nguyễn Thị A", "head": "Trần Văn B", "date": dt.date(2024, 9, 10).isoformat(),
                   "dept_code": dept, "dept_name": department.name}
    info_values.update(info or {})
    for key, value in info_values.items():
        sheet, cell = lay.names[f"info_{key}"]
        inputs[f"info_{key}"] = Cell(sheet, cell, _value(value))
    expected = expected_locked_content(setup, department)
    locked, computed = {}, {}
    for key, want in expected.items():
        sheet, cell = lay.names[key]
        if key.startswith(("txt_", "max_")):
            locked[key] = Cell(sheet, cell, _value(Decimal(want)) if key.startswith("max_") else want)
        elif want.startswith("="):
            computed[key] = Cell(sheet, cell, None, want[1:])
    sub = Submission(name, name, "0" * 64, 1000, 0.0, base_meta, inputs, computed, locked)
    sub.evidence = [_evidence_row(i, code, doc) for i, (code, doc) in enumerate(evidence or [])]
    sub.bonus = [_claim(setup, i, c) for i, c in enumerate(claims or [])]
    return sub


def _evidence_row(i: int, code: str, doc: str) -> EvidenceRow:
    row = EVIDENCE_FIRST_ROW + i
    cells = {role: Cell(SHEET_EVIDENCE, f"{col}{row}") for role, (col, _h) in EVIDENCE_COLUMNS.items()}
    cells["code"] = Cell(SHEET_EVIDENCE, cells["code"].ref, code)
    cells["doc"] = Cell(SHEET_EVIDENCE, cells["doc"].ref, doc)
    cells["date"] = Cell(SHEET_EVIDENCE, cells["date"].ref, "15/05/2024")
    cells.pop("no")
    return EvidenceRow(row, **cells)


def _claim(setup: Setup, i: int, claim: dict[str, Any]) -> BonusClaim:
    row = BONUS_FIRST_ROW + i
    lay = Layout(setup.table)
    cols = lay.bonus_columns

    def cell(role: str, value: Any) -> Cell:
        return Cell(SHEET_BONUS, f"{cols[role]}{row}", value)
    fields = {f.key: cell(f.key, claim.get(f.key, f"{f.label} của mô hình")) for f in setup.table.justification_fields}
    return BonusClaim(row, cell("code", claim["code"]), cell("name", claim.get("name", "Mô hình")), fields,
                      cell("doc", claim.get("doc")))


INFO_SHEET = SHEET_INFO

"""What the locked cells of an issued workbook hold: texts, maxima, formulas and their blank-form values.

No spreadsheet library here, so the collector can import it to detect edited locked content and to
compare cached formula results.
"""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from functools import lru_cache
from typing import Mapping

from bdg_workbook.workbook.formulas import all_formulas
from bdg_workbook.layout.department import (COL_COUNTED, COL_EVIDENCE, COL_ISSUE, COL_PCT, COL_POINTS, NA_LOCKED,
                                            SHEET_SCORE, Layout, layout_of)
from bdg_workbook.domain.model import CriteriaTable, Department, Setup
from bdg_workbook.domain.scoring import ItemInput, ScoreCard, score


def number_text(value: Decimal | int | None) -> str:
    """Canonical text of a number in locked content: ``5``, ``2.5`` (no exponent, no trailing zeros)."""
    text = format(Decimal(value or 0), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def blank_inputs(table: CriteriaTable) -> dict[str, ItemInput]:
    """Inputs of a blank form: ratio targets prefilled with the default target, everything else empty."""
    return {c.code: ItemInput(target=c.default_target) for c in table.criteria if c.method == "ratio"}


def blank_score(table: CriteriaTable) -> ScoreCard:
    """Score card of a blank form (what every formula cell caches when issued)."""
    return score(table, blank_inputs(table))


def formula_values(lay: Layout, card: ScoreCard, evidence_counts: Mapping[str, int] | None = None,
                   counted: ScoreCard | None = None, issues: Mapping[str, str] | None = None
                   ) -> dict[str, Decimal | str]:
    """Value every formula cell of the scoring sheet shows for a score card (self-assessed, and ``counted``
    for column L, by default the same), keyed like ``all_formulas``."""
    counts, counted, issues = evidence_counts or {}, counted or card, issues or {}
    out: dict[str, Decimal | str] = {}
    for crit in lay.table.criteria:
        item = card.items[crit.code]
        out[lay.cell(COL_PCT, crit.code)] = item.completion_pct
        out[lay.cell(COL_POINTS, crit.code)] = item.formula_points
        out[lay.cell(COL_EVIDENCE, crit.code)] = Decimal(counts.get(crit.code, 0))
        out[lay.cell(COL_COUNTED, crit.code)] = counted.items[crit.code].points
        out[lay.cell(COL_ISSUE, crit.code)] = issues.get(crit.code, "")
    for column, which in ((COL_POINTS, card), (COL_COUNTED, counted)):
        for code, row in lay.section_rows.items():
            out[f"{column}{row}"] = which.sections[code].capped
        totals = {"base_raw": which.base_raw, "applicable_max": which.applicable_max, "base": which.base,
                  "bonus": which.bonus, "penalty": which.penalty, "total": which.total, "rating": which.rating}
        for name, row in lay.totals_rows.items():
            out[f"{column}{row}"] = totals[name]
    out[f"{COL_PCT}{lay.totals_rows['bonus']}"] = card.bonus_raw
    out[f"{COL_PCT}{lay.totals_rows['penalty']}"] = card.penalty_raw
    return out


def score_cell_names(lay: Layout) -> dict[str, str]:
    """Scoring-sheet cell address -> its defined name (single cells only)."""
    return dict(_score_cell_names(lay))


@lru_cache(maxsize=8)
def _score_cell_names(lay: Layout) -> dict[str, str]:
    return {cell: name for name, (sheet, cell) in lay.names.items() if sheet == SHEET_SCORE and ":" not in cell}


_EXPECTED: dict[tuple[int, int], tuple[CriteriaTable, Department, dict[str, str], str]] = {}


def expected_locked_content(setup: Setup, dept: Department) -> dict[str, str]:
    """Defined name -> text, number or formula its locked cell must hold in the issued workbook."""
    return dict(_expected(setup, dept)[2])


def expected_locked_hash(setup: Setup, dept: Department) -> str:
    """``locked_hash(expected_locked_content(setup, dept))``, computed once per department."""
    return _expected(setup, dept)[3]


def _expected(setup: Setup, dept: Department) -> tuple[CriteriaTable, Department, dict[str, str], str]:
    key = (id(setup.table), id(dept))      # the collector asks for every file of a department: kept by identity
    entry = _EXPECTED.get(key)
    if entry is None or entry[0] is not setup.table or entry[1] is not dept:
        while len(_EXPECTED) >= 64:
            _EXPECTED.pop(next(iter(_EXPECTED)))
        content = _expected_locked_content(setup.table, dept)
        entry = _EXPECTED[key] = (setup.table, dept, content, locked_hash(content))
    return entry


def dept_locked_values(table: CriteriaTable, dept: Department) -> dict[str, str]:
    """The department's own locked cells: code, name, the Ban's targets and the N/A cells it may not use."""
    out: dict[str, str] = {"info_dept_code": dept.code, "info_dept_name": dept.name}
    for crit in table.criteria:
        if crit.method == "ratio" and not crit.target_proposable:
            out[f"in_{crit.key}_target"] = number_text(dept.target_for(crit))
        if crit.allow_na and not dept.may_be_na(crit):
            out[f"in_{crit.key}_na"] = NA_LOCKED
    return out


def _expected_locked_content(table: CriteriaTable, dept: Department) -> dict[str, str]:
    lay = layout_of(table)
    out: dict[str, str] = dept_locked_values(table, dept)
    for crit in table.criteria:
        out[f"txt_{crit.key}"] = crit.text
        out[f"max_{crit.key}"] = number_text(crit.max)
    names = score_cell_names(lay)
    for cell, formula in all_formulas(lay).items():
        if cell in names:
            out[names[cell]] = formula
    return out


def locked_hash(content: Mapping[str, str]) -> str:
    """sha256 hex of the canonical JSON (sorted keys, UTF-8, no spaces) of the locked content."""
    payload = json.dumps(dict(content), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()

"""LibreOffice recalculates generated (and filled) workbooks to exactly what scoring.py computes (DESIGN.md §3).

Needs soffice: the test FAILS without it (CI installs LibreOffice). Seed: BDG_TEST_SEED (printed).
"""

from __future__ import annotations

import os
import random
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from libreoffice import recalc, soffice_available

from bdg_workbook.demo.fill import Answers, fill_workbook, random_valid_answers
from bdg_workbook.workbook.generate import generate_workbooks, workbook_filename
from bdg_workbook.layout.department import BONUS_COMPLETE, BONUS_FIRST_ROW, SHEET_BONUS, Layout
from bdg_workbook.workbook.locked import blank_inputs
from bdg_workbook.domain.model import Setup
from bdg_workbook.domain.scoring import ScoreCard, score

pytestmark = pytest.mark.libreoffice

FILLED = 40
CENT = Decimal("0.01")
TOTALS = ("base_raw", "applicable_max", "base", "bonus_raw", "bonus", "penalty_raw", "penalty", "total")


def _read(wb: openpyxl.Workbook, lay: Layout, name: str):
    sheet, ref = lay.names[name]
    return wb[sheet][ref].value


def _expected(setup: Setup, card: ScoreCard) -> dict[str, Decimal | str]:
    table = setup.table
    out: dict[str, Decimal | str] = {}
    for crit in table.criteria:
        out[f"pct_{crit.key}"] = card.items[crit.code].completion_pct
        out[f"pts_{crit.key}"] = card.items[crit.code].formula_points
    for sec in table.sections:
        out[f"sec_{sec.code}"] = card.sections[sec.code].capped
    for name in TOTALS:
        out[name] = getattr(card, name)
    out["rating"] = card.rating
    return out


def _mismatches(wb: openpyxl.Workbook, lay: Layout, want: dict[str, Decimal | str]) -> list[str]:
    bad = []
    for name, value in want.items():
        got = _read(wb, lay, name)
        if isinstance(value, str):
            ok = got == value
        else:
            ok = isinstance(got, (int, float)) and Decimal(str(got)).quantize(CENT) == value.quantize(CENT)
        if not ok:
            bad.append(f"{name}: LibreOffice {got!r}, scoring.py {value}")
    return bad


def _check_filled(setup: Setup, wb: openpyxl.Workbook, answers: Answers) -> Decimal:
    lay = Layout(setup.table)
    card = score(setup.table, answers.item_inputs(setup.table))
    bad = _mismatches(wb, lay, _expected(setup, card))
    counts = answers.evidence_counts()
    bad += [f"evcount_{c.key}" for c in setup.table.criteria
            if _read(wb, lay, f"evcount_{c.key}") != counts.get(c.code, 0)]
    complete = lay.bonus_columns["complete"]
    flags = [wb[SHEET_BONUS][f"{complete}{BONUS_FIRST_ROW + i}"].value for i in range(len(answers.bonus))]
    bad += [f"bonus_complete row {i}" for i, flag in enumerate(flags) if flag != BONUS_COMPLETE]
    assert not bad, bad
    return card.total


def _stale_cache_probe(path: Path) -> Path:
    """An xlsxwriter file whose cached result is wrong (0 for =1+1): recalculation must fix it."""
    path.parent.mkdir(parents=True)
    wb = xlsxwriter.Workbook(str(path))
    wb.add_worksheet().write_formula("A1", "=1+1", None, 0)
    wb.close()
    return path


def test_libreoffice_results_equal_scoring(setup: Setup, tmp_path: Path):
    assert soffice_available(), "Cần LibreOffice (soffice) để chạy kiểm thử này; CI cài gói libreoffice-calc."
    seed = int(os.environ.get("BDG_TEST_SEED", "20240506"))
    print(f"BDG_TEST_SEED={seed}")
    rng = random.Random(seed)
    blanks = generate_workbooks(setup, tmp_path / "blank")
    lay = Layout(setup.table)
    blank_want = _expected(setup, score(setup.table, blank_inputs(setup.table)))
    for path in blanks:   # cached values, before any spreadsheet application touched the file
        assert not _mismatches(openpyxl.load_workbook(path, data_only=True), lay, blank_want), path.name
    cases: dict[Path, Answers] = {}
    (tmp_path / "filled").mkdir()
    for i in range(FILLED):
        dept = setup.departments[i % len(setup.departments)]
        dst = tmp_path / "filled" / f"F{i:02d}_{dept.code}.xlsx"
        cases[dst] = random_valid_answers(setup, dept, rng)
        fill_workbook(tmp_path / "blank" / workbook_filename(setup, dept), dst, cases[dst])
    probe = _stale_cache_probe(tmp_path / "probe" / "STALE_PROBE.xlsx")
    results = recalc(blanks + list(cases) + [probe], tmp_path / "recalc")
    probe_wb = openpyxl.load_workbook(results[probe.resolve()], data_only=True)
    assert probe_wb.active["A1"].value == 2, "LibreOffice kept a stale cached value: the profile does not recalc"
    for path in blanks:
        wb = openpyxl.load_workbook(results[path.resolve()], data_only=True)
        assert not _mismatches(wb, lay, blank_want), path.name
    totals = []
    for path, answers in cases.items():
        wb = openpyxl.load_workbook(results[path.resolve()], data_only=True)
        totals.append(_check_filled(setup, wb, answers))
    # guard against "reads 0 everywhere": filled forms score, and differently
    assert sum(1 for t in totals if t > 0) >= FILLED * 0.9 and len(set(totals)) >= FILLED // 2

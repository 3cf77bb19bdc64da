"""The LibreOffice oracle on invalid answers: the formulas' error branches are proven too (issue 10).

Departments paste or type values the validation would refuse (text in number cells, negative counts,
150 %, a target of 0, "Không áp dụng" beside a value, …). LibreOffice recalculates each workbook; the
collector then reads it and recomputes what the sheet shows: every cached formula value must agree with
the collector (no W04, no E13), and the sheet's own total must equal the collector's self-scored total.
Seed fixed by default, printed; explore with ``BDG_LO_SEED=<seed>``.
"""

from __future__ import annotations

import os
import random
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

import libreoffice
from bdg_workbook.collect.collector import InputFile, collect_files
from bdg_workbook.demo.fill import Answers, ItemAnswer, fill_workbook, random_valid_answers
from bdg_workbook.domain.model import Criterion, Setup
from bdg_workbook.domain.scoring import excel_round
from bdg_workbook.layout.department import Layout
from bdg_workbook.workbook.generate import generate_workbooks

pytestmark = pytest.mark.libreoffice

FILES = 12
INVALID_BY_METHOD = {
    "yesno": ["x", "có lẽ", "1", 5, "Khong", "  "],
    "ratio": [-3, "mười", 10**7, "1,5", 0.000001],
    "percent": [150, -5, "85%", "nhiều", 100.0000001, 99.999],
    "count": [-1, 2.5, 10**6, "ba", 0],
}
INVALID_TARGETS = [0, -2, "không", 0.0001, ""]


def _seed() -> int:
    return int(os.environ.get("BDG_LO_SEED") or "20240502")


def _invalid(crit: Criterion, dept, rng: random.Random) -> ItemAnswer:
    """A value the validation would refuse, sometimes with a bad target or an N/A beside a value (only in the
    cells the unit can type in: the Ban's targets and the N/A cells it may not use are locked, issue 13)."""
    value = rng.choice(INVALID_BY_METHOD[crit.method])
    typed_target = crit.method == "ratio" and crit.target_proposable and rng.random() < 0.4
    target = rng.choice(INVALID_TARGETS) if typed_target else None
    return ItemAnswer(value=value, target=target, not_applicable=dept.may_be_na(crit) and rng.random() < 0.2)


def _invalid_answers(setup: Setup, dept, rng: random.Random) -> Answers:
    """Valid random answers with about a third of the criteria replaced by invalid ones."""
    answers = random_valid_answers(setup, dept, rng)
    for crit in setup.table.criteria:
        if rng.random() < 0.35:
            answers.items[crit.code] = _invalid(crit, dept, rng)
    return answers


def test_libreoffice_agrees_with_the_collector_on_invalid_answers(setup: Setup, tmp_path: Path):
    assert libreoffice.soffice_available(), "Cần LibreOffice (soffice) để chạy kiểm tra này; cài libreoffice-calc."
    seed = _seed()
    print(f"BDG_LO_SEED={seed}")
    rng = random.Random(seed)
    forms = generate_workbooks(setup, tmp_path / "forms")
    filled = []
    for n in range(FILES):
        index = n % len(setup.departments)
        dept, form = setup.departments[index], forms[index]
        path = tmp_path / "filled" / f"{form.stem}_{n}.xlsx"
        path.parent.mkdir(exist_ok=True)
        fill_workbook(form, path, _invalid_answers(setup, dept, rng))
        filled.append(path)
    saved = libreoffice.recalc(filled, tmp_path / "libreoffice")
    assert len(saved) == FILES
    sheet, cell = Layout(setup.table).names["total"]
    problems, input_codes = [], set()
    for dst in saved.values():
        result = collect_files(setup, [InputFile(dst, dst.name)], "lo", jobs=1)
        input_codes |= {f.code for f in result.findings}
        problems += [f"{f.code} {f.file} {f.cell}: {f.value} — {f.message}" for f in result.findings
                     if f.code in ("W04", "E13")]
        shown = openpyxl.load_workbook(dst, data_only=True)[sheet][cell].value
        for r in result.departments:
            lo = excel_round(Decimal(str(shown))) if isinstance(shown, (int, float)) else shown
            if lo != r.self_card.total:
                problems.append(f"{dst.name}: LibreOffice total {shown!r}, collector's self-scored {r.self_card.total}")
    assert problems == [], f"BDG_LO_SEED={seed}: " + "\n".join(problems[:20])
    assert len(input_codes & {"E05", "E06", "E07", "E08", "E11", "E12", "E14"}) >= 3, input_codes   # really invalid

"""fill.py: random answers are valid and realistic; filling writes by defined name into a copy, keeping the form."""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from bdg_workbook.domain.errors import BdgError
from bdg_workbook.demo.fill import Answers, BonusClaim, EvidenceRow, ItemAnswer, fill_workbook, random_valid_answers
from bdg_workbook.workbook.generate import workbook_filename
from bdg_workbook.layout.department import BONUS_COMPLETE, SHEET_META, Layout
from bdg_workbook.domain.scoring import NOT_APPLICABLE, item_points

SEEDS = (1, 2, 3)


def _value(wb, lay: Layout, name: str, index: int = 0):
    sheet, ref = lay.names[name]
    first = ref.split(":")[0]
    col, row = first.rstrip("0123456789"), int(first.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    return wb[sheet][f"{col}{row + index}"].value


@pytest.mark.parametrize("seed", SEEDS)
def test_random_answers_are_valid(setup, seed):
    rng = random.Random(seed)
    table = setup.table
    base = {s.code for s in table.sections_of("base")}
    bonus = table.sections_of("bonus")[0]
    fields = {f.key for f in table.justification_fields}
    for dept in setup.departments:
        answers = random_valid_answers(setup, dept, rng)
        inputs = answers.item_inputs(table, dept)
        docs = [e.doc for e in answers.evidence]
        assert len(docs) == len(set(docs)) and all(docs)
        counts = answers.evidence_counts()
        for crit in table.criteria:
            inp, points = inputs[crit.code], item_points(crit, inputs[crit.code])
            if crit.method == "ratio" and not inp.not_applicable:
                assert inp.target and inp.target > 0
            if crit.method == "percent" and isinstance(inp.value, Decimal):
                assert 0 <= inp.value <= 100 and inp.value == inp.value.quantize(Decimal("0.1"))
            if inp.not_applicable:
                assert dept.may_be_na(crit)
            if points > 0 and crit.section in base:
                assert counts.get(crit.code, 0) >= 1, (dept.code, crit.code)
            if points > 0 and crit.section == bonus.code:
                claims = [c for c in answers.bonus if c.code == crit.code]
                need = 1 if crit.method != "count" else int(inp.value)
                assert len(claims) >= need and all(set(c.fields) == fields and all(c.fields.values()) and c.doc
                                                   for c in claims)
        assert set(answers.info) == {"preparer", "position", "phone", "email", "head", "date"}


def test_random_answers_vary(setup):
    rng = random.Random(7)
    dept = setup.departments[0]
    runs = [random_valid_answers(setup, dept, rng) for _ in range(12)]
    assert len({tuple(sorted((k, str(v.value), v.not_applicable) for k, v in a.items.items())) for a in runs}) > 6
    assert any(v.not_applicable for a in runs for v in a.items.values())
    assert any(a.items.get(c.code) and a.items[c.code].value for a in runs
               for c in setup.table.sections_of("penalty")[0].criteria)
    over = [a for a in runs for c in setup.table.criteria if c.method == "ratio" and a.items.get(c.code)
            and isinstance(a.items[c.code].value, Decimal)
            and a.items[c.code].value > (a.items[c.code].target or c.default_target)]
    assert over


def test_fill_writes_by_name_into_a_copy(setup, generated_workbooks, tmp_path):
    dept = next(d for d in setup.departments if d.code == "HLHPN")
    src = generated_workbooks / workbook_filename(setup, dept)
    before = hashlib.sha256(src.read_bytes()).hexdigest()
    field_values = {f.key: f"Nội dung {f.label}" for f in setup.table.justification_fields}
    answers = Answers(
        items={"I.1": ItemAnswer(True), "I.3": ItemAnswer(Decimal("3"), target=Decimal("5")),
               "II.2": ItemAnswer(not_applicable=True), "II.7": ItemAnswer(Decimal("87.5")),
               "I.5": ItemAnswer("=1+1"), "V.1": ItemAnswer(2), "III.1": ItemAnswer(None, target="")},
        evidence=[EvidenceRow("I.1", "Kế hoạch năm", "12/KH-HPN", dt.date(2024, 3, 5), "Hội LHPN", "kh.pdf", ""),
                  EvidenceRow("I.3", "Công văn", "15/CV-HPN", dt.date(2024, 4, 1))],
        bonus=[BonusClaim("IV.1", "Mô hình thử", field_values, "20/BC-HPN")],
        info={"preparer": "Nguyễn Thị Lan", "date": dt.date(2024, 9, 15)},
    )
    dst = tmp_path / "filled.xlsx"
    fill_workbook(src, dst, answers)
    assert hashlib.sha256(src.read_bytes()).hexdigest() == before
    lay = Layout(setup.table)
    wb = openpyxl.load_workbook(dst)
    assert _value(wb, lay, "in_I_1_value") == "Có" and _value(wb, lay, "in_I_3_value") == 3
    assert _value(wb, lay, "in_I_3_target") == 5 and _value(wb, lay, "in_III_1_target") is None
    assert _value(wb, lay, "in_II_2_na") == NOT_APPLICABLE and _value(wb, lay, "in_II_7_value") == 0.875   # 87.5% held as a percentage
    assert _value(wb, lay, "in_I_5_value") == "=1+1"                 # typed text, not a formula
    sheet, ref = lay.names["in_I_5_value"]
    assert wb[sheet][ref].data_type == "s"
    assert _value(wb, lay, "ev_doc", 1) == "15/CV-HPN" and _value(wb, lay, "ev_date", 0) == dt.datetime(2024, 3, 5)
    assert _value(wb, lay, "bonus_code") == "IV.1" and _value(wb, lay, "bonus_doc") == "20/BC-HPN"
    assert _value(wb, lay, "info_preparer") == "Nguyễn Thị Lan"
    original = openpyxl.load_workbook(src)
    for name in ("Chấm điểm", "Minh chứng", "Điểm thưởng"):
        assert wb[name].protection.sheet
        assert len(wb[name].data_validations.dataValidation) == len(original[name].data_validations.dataValidation)
        assert len(wb[name].conditional_formatting) == len(original[name].conditional_formatting)
    assert set(wb.defined_names) == set(original.defined_names) and wb[SHEET_META].sheet_state != "visible"
    inputs = answers.item_inputs(setup.table)
    assert inputs["I.5"].value is None and inputs["III.1"].target is None and inputs["I.1"].value is True
    assert BONUS_COMPLETE == "Đủ"


def test_fill_refuses_to_overwrite_the_source(setup, generated_workbooks, tmp_path):
    src = tmp_path / "form.xlsx"
    src.write_bytes((generated_workbooks / workbook_filename(setup, setup.departments[0])).read_bytes())
    with pytest.raises(BdgError):
        fill_workbook(src, src, Answers())
    with pytest.raises(BdgError, match="tối đa"):
        fill_workbook(src, tmp_path / "x.xlsx", Answers(evidence=[EvidenceRow("I.1", doc=str(i)) for i in range(151)]))
    assert not (tmp_path / "x.xlsx").exists() and list(Path(tmp_path).glob(".*.tmp")) == []

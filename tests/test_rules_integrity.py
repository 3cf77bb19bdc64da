"""Locked content must be as issued; cached formula results are compared with the recomputation."""

import dataclasses
from decimal import Decimal

from bdg_workbook.collect.rules.integrity import normalise_formula

from builder import submission
from rules_helpers import codes, pairs, run


def test_untouched_submission_has_no_integrity_findings(setup):
    a = run(setup, submission(setup))
    assert "E13" not in codes(a) and "W04" not in codes(a)


def test_edited_criterion_text_max_and_formula_are_e13(setup):
    sub = submission(setup)
    sub.locked["txt_II_1"] = dataclasses.replace(sub.locked["txt_II_1"], value="Tuyên truyền (sửa)")
    sub.locked["max_II_1"] = dataclasses.replace(sub.locked["max_II_1"], value=Decimal(40))
    sub.computed["pts_II_2"] = dataclasses.replace(sub.computed["pts_II_2"], formula="10")
    a = run(setup, sub)
    found = {(f.code, f.cell) for f in a.findings if f.code == "E13"}
    assert found == {("E13", sub.locked["txt_II_1"].ref), ("E13", sub.locked["max_II_1"].ref),
                     ("E13", sub.computed["pts_II_2"].ref)}


def test_cached_value_differing_from_recomputation_is_w04(setup):
    sub = submission(setup, answers={"I.1": "Có"}, evidence=[("I.1", "KH 1")])
    sub.computed["pts_I_1"] = dataclasses.replace(sub.computed["pts_I_1"], value=Decimal(3))
    sub.computed["total"] = dataclasses.replace(sub.computed["total"], value=Decimal("5"))
    a = run(setup, sub)
    assert ("W04", sub.computed["pts_I_1"].ref) in pairs(a)
    assert ("W04", sub.computed["total"].ref) not in pairs(a)    # 5 is right


def test_formula_spellings_are_equivalent():
    assert normalise_formula('=if(G14="Có", C14, 0)') == normalise_formula('IF($G$14="Có",C14,0)')
    assert normalise_formula('=IF(G14="có",C14,0)') != normalise_formula('=IF(G14="Có",C14,0)')


def test_formula_typed_into_input_cell_is_e14(setup):
    sub = submission(setup)
    cell = sub.inputs["in_II_1_value"]
    sub.inputs["in_II_1_value"] = dataclasses.replace(cell, value=Decimal(4), formula="2+2")
    a = run(setup, sub)
    assert ("E14", cell.ref) in pairs(a)
    assert a.card.items["II.1"].points == 0

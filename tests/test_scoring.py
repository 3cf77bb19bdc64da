"""scoring.py against DESIGN.md §3, on the shipped default table (I 20, II 140, III 20; IV cap 20; V cap 20).

Every expected number below is worked out by hand in the comment next to it.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal as D

import pytest

from bdg_workbook.domain.model import CriteriaTable
from bdg_workbook.domain.scoring import (ItemInput, completion_pct, excel_round, item_points, normalised_base, rating,
                                  score)


def full_base_inputs(table: CriteriaTable) -> dict[str, ItemInput]:
    """Full marks on every base item (I-III); bonus and deductions left blank."""
    out = {}
    for crit in table.criteria:
        if crit.section not in {s.code for s in table.sections_of("base")}:
            continue
        if crit.method == "yesno":
            out[crit.code] = ItemInput(True)
        elif crit.method == "ratio":
            out[crit.code] = ItemInput(crit.default_target, crit.default_target)
        else:  # percent (the default table has no count item in parts I-III)
            out[crit.code] = ItemInput(D(100))
    return out


def crit(setup, code):
    found = setup.table.criterion(code)
    assert found is not None, code
    return found


# ---------------------------------------------------------------- rounding


@pytest.mark.parametrize("value, excel, python_round", [
    ("2.675", "2.68", "2.68"),   # both up here: 7 is odd, so half-even also goes to 8 ...
    ("1.005", "1.01", "1.00"),   # ... but here half-even keeps the even 0
    ("-1.005", "-1.01", "-1.00"),
    ("0.125", "0.13", "0.12"),
    ("2.665", "2.67", "2.66"),
    ("112.545", "112.55", "112.54"),
    ("1.004999", "1.00", "1.00"),
])
def test_excel_round_is_half_away_from_zero(value, excel, python_round):
    assert excel_round(D(value)) == D(excel)
    assert str(excel_round(D(value))) == excel  # always two places
    assert round(D(value), 2) == D(python_round)  # what we must NOT use


def test_excel_round_python_float_round_differs():
    # float 2.675 is 2.67499999...: Python rounds it to 2.67, Excel's ROUND shows 2.68 for the typed value.
    assert round(2.675, 2) == 2.67
    assert excel_round(D("2.675")) == D("2.68")


# ---------------------------------------------------------------- item methods


def test_yesno(setup):
    c = crit(setup, "I.1")  # yesno, max 5
    assert item_points(c, ItemInput(True)) == D(5)
    assert item_points(c, ItemInput(False)) == 0
    assert item_points(c, ItemInput(None)) == 0
    assert completion_pct(c, ItemInput(True)) == 100


@pytest.mark.parametrize("actual, target, points", [
    ("2", "2", "4"),       # 4 × min(1, 2/2)
    ("1", "2", "2.00"),    # 4 × 1/2
    ("5", "2", "4"),       # over target: capped at the max
    ("1", "6", "0.67"),    # 4 × 1/6 = 0.6666…
    ("1", "3", "1.33"),    # 4 × 1/3 = 1.3333…
    ("0", "2", "0"),
    ("-3", "2", "0"),      # negative actual counts as 0
    ("2", "0", "0"),       # target 0: no points (the rules raise a finding)
    ("2", "-1", "0"),      # target below 0: no points
    ("2", None, "0"),      # blank target
    (None, "2", "0"),      # blank actual
])
def test_ratio(setup, actual, target, points):
    c = crit(setup, "I.3")  # ratio, max 4, default target 2
    inp = ItemInput(D(actual) if actual is not None else None, D(target) if target is not None else None)
    assert item_points(c, inp) == D(points)


def test_ratio_completion_pct(setup):
    c = crit(setup, "I.3")
    assert completion_pct(c, ItemInput(D(1), D(3))) == D("33.33")
    assert completion_pct(c, ItemInput(D(9), D(3))) == 100
    assert completion_pct(c, ItemInput(D(1), D(0))) == 0


@pytest.mark.parametrize("pct, points", [
    ("100", "3"), ("50", "1.50"), ("33.5", "1.01"),  # 3 × 33.5 / 100 = 1.005 -> 1.01 (half away from zero)
    ("150", "3"), ("-5", "0"), ("0", "0"),
])
def test_percent(setup, pct, points):
    c = crit(setup, "I.5")  # percent, max 3
    assert item_points(c, ItemInput(D(pct))) == D(points)


@pytest.mark.parametrize("code, count, points", [
    ("IV.1", 1, "5"), ("IV.1", 2, "10"), ("IV.1", 3, "10"),  # 5 each, item cap 10
    ("V.1", 2, "4"), ("V.1", 10, "6"),                        # 2 each, item cap 6
    ("V.3", 0, "0"), ("V.3", -1, "0"),
])
def test_count_with_item_cap(setup, code, count, points):
    assert item_points(crit(setup, code), ItemInput(D(count))) == D(points)


def test_not_applicable_only_where_allowed(setup):
    allowed, never = crit(setup, "II.5"), crit(setup, "I.1")
    assert allowed.allow_na and not never.allow_na
    assert item_points(allowed, ItemInput(D(30), D(30), not_applicable=True)) == 0
    # Part I never allows "Không áp dụng": the mark is ignored and the answer scores.
    card = score(setup.table, {"I.1": ItemInput(True, not_applicable=True)})
    assert card.items["I.1"].points == D(5)
    assert card.items["I.1"].applicable


# ---------------------------------------------------------------- whole card


def test_full_marks(setup):
    card = score(setup.table, full_base_inputs(setup.table))
    assert card.base_raw == card.base == D(180)
    assert card.applicable_max == D(180)
    assert [card.section_points(s) for s in ("I", "II", "III", "IV", "V")] == [D(20), D(140), D(20), 0, 0]
    assert card.total == D(180)
    assert card.rating == "Xuất sắc"


def test_not_applicable_normalisation_hand_computed(setup):
    inputs = full_base_inputs(setup.table)
    inputs["II.5"] = ItemInput(not_applicable=True)   # max 15 out
    inputs["II.8"] = ItemInput(not_applicable=True)   # max 10 out
    inputs["II.1"] = ItemInput(D(2), D(4))            # 20 × 2/4 = 10 of 20
    card = score(setup.table, inputs)
    # achieved = 180 - 15 - 10 - 10 = 145; applicable max = 180 - 25 = 155; 145 × 180 / 155 = 168.387… -> 168.39
    assert card.base_raw == D(145)
    assert card.applicable_max == D(155)
    assert card.sections["II"].applicable_max == D(115)
    assert card.base == D("168.39")
    assert card.total == D("168.39")
    assert card.rating == "Tốt"
    assert not card.items["II.5"].applicable


def test_not_applicable_all_full_stays_180(setup):
    inputs = full_base_inputs(setup.table)
    for code in ("II.2", "II.6", "II.9"):
        inputs[code] = ItemInput(not_applicable=True)
    card = score(setup.table, inputs)
    assert card.base_raw == D(180 - 10 - 15 - 10)
    assert card.base == D(180)


def test_normalised_base_rounds_half_away_from_zero():
    # 100.04 × 180 / 160 = 112.545 exactly -> 112.55 (banker's rounding would give 112.54)
    assert normalised_base(D("100.04"), D(160), D(180)) == D("112.55")
    assert normalised_base(D(50), D(180), D(180)) == D(50)
    assert normalised_base(D(0), D(0), D(180)) == 0


def test_base_section_cap(setup):
    # A table whose part I is capped at 10 although its items add up to 20: the subtotal stops at 10.
    table = setup.table
    sections = tuple(dataclasses.replace(s, max=D(10)) if s.code == "I" else s for s in table.sections)
    capped = dataclasses.replace(table, sections=sections)
    card = score(capped, full_base_inputs(table))
    assert card.sections["I"].raw == D(20)
    assert card.sections["I"].capped == D(10)


def test_bonus_cap_20(setup):
    inputs = full_base_inputs(setup.table)
    inputs.update({"IV.1": ItemInput(D(2)), "IV.2": ItemInput(True), "IV.3": ItemInput(True), "IV.4": ItemInput(D(2))})
    card = score(setup.table, inputs)
    assert card.bonus_raw == D(24)   # 10 + 5 + 5 + 4
    assert card.bonus == D(20)
    assert card.total == D(200)


def test_deductions_cap_20_and_total(setup):
    inputs = full_base_inputs(setup.table)
    inputs.update({"V.1": ItemInput(D(3)), "V.2": ItemInput(D(3)), "V.3": ItemInput(D(2)), "V.4": ItemInput(D(2))})
    card = score(setup.table, inputs)
    assert card.penalty_raw == D(32)  # 6 + 6 + 10 + 10
    assert card.penalty == D(20)
    assert card.total == D(160)
    assert card.rating == "Tốt"


def test_total_floored_at_zero(setup):
    card = score(setup.table, {"V.3": ItemInput(D(2)), "V.4": ItemInput(D(2))})
    assert card.base == 0
    assert card.penalty == D(20)
    assert card.total == 0
    assert card.rating == "Yếu"


def test_excluded_items_count_zero_but_stay_applicable(setup):
    card = score(setup.table, full_base_inputs(setup.table), excluded={"II.1": "Không có minh chứng"})
    item = card.items["II.1"]
    assert (item.formula_points, item.points, item.applicable) == (D(20), 0, True)
    assert card.applicable_max == D(180)      # not normalised back up
    assert card.base == D(160)
    assert card.excluded == {"II.1": "Không có minh chứng"}


# ---------------------------------------------------------------- rating bands


@pytest.mark.parametrize("deduction, expected, total", [
    ("V.1", "Xuất sắc", "198"),   # 180 + 20 - 2: V.1 does not block the top band
    ("V.3", "Tốt", "195"),        # 180 + 20 - 5: a V.3 deduction does
    ("V.4", "Tốt", "195"),
])
def test_top_band_blocked_by_v3_v4(setup, deduction, expected, total):
    inputs = full_base_inputs(setup.table)
    inputs.update({"IV.1": ItemInput(D(2)), "IV.2": ItemInput(True), "IV.3": ItemInput(True)})  # bonus 20
    inputs[deduction] = ItemInput(D(1))
    card = score(setup.table, inputs)
    assert card.total == D(total)
    assert card.rating == expected


def test_part_ii_below_80_percent_blocks_top_band(setup):
    table = setup.table
    # Lower the top band to 170 so a total of 170 with II = 110 (< 112) would reach it but for the condition.
    bands = (dataclasses.replace(table.bands[0], min=D(170)),) + table.bands[1:]
    lowered = dataclasses.replace(table, bands=bands)
    inputs = full_base_inputs(table)
    inputs["II.1"] = ItemInput(D(0), D(4))   # -20
    inputs["II.2"] = ItemInput(D(0), D(6))   # -10  -> II = 110, base 150
    inputs.update({"IV.1": ItemInput(D(2)), "IV.2": ItemInput(True), "IV.3": ItemInput(True)})  # +20 -> 170
    card = score(lowered, inputs)
    assert card.total == D(170)
    assert card.rating == "Tốt"
    inputs["II.2"] = ItemInput(D(6), D(6))   # II = 120 ≥ 112, total 180
    assert score(lowered, inputs).rating == "Xuất sắc"


@pytest.mark.parametrize("total, expected", [
    ("200", "Xuất sắc"), ("180", "Xuất sắc"), ("179.99", "Tốt"), ("160", "Tốt"), ("159.99", "Khá"),
    ("130", "Khá"), ("100", "Trung bình"), ("99.99", "Yếu"), ("0", "Yếu"),
])
def test_band_boundaries_inclusive_lower_bound(setup, total, expected):
    card = score(setup.table, full_base_inputs(setup.table))  # top-band conditions hold
    assert rating(setup.table, D(total), card.items, card.sections) == expected


def test_rounded_total_decides_the_band(setup):
    # 179.995 is never a total: totals are rounded first (half away from zero) and 180.00 is "Xuất sắc".
    assert excel_round(D("179.995")) == D("180.00")
    inputs = full_base_inputs(setup.table)
    inputs["I.5"] = ItemInput(D("99.9"))   # 3 × 99.9 / 100 = 2.997 -> 3.00
    card = score(setup.table, inputs)
    assert card.items["I.5"].points == D("3.00")
    assert card.rating == "Xuất sắc"

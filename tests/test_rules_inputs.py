"""Invalid input values are reported at their cell and not counted (DESIGN §3, issue 3 rules)."""

from decimal import Decimal

from bdg_workbook.layout.department import Layout

from builder import submission
from rules_helpers import codes, pairs, run


def cell(setup, column, code):
    return Layout(setup.table).cell(column, code)


def test_valid_answers_give_no_input_findings(setup):
    sub = submission(setup, answers={"I.1": "Có", "I.3": 2}, evidence=[("I.1", "KH 1"), ("I.3", "CV 2")])
    a = run(setup, sub)
    assert not [c for c in codes(a) if c.startswith("E")]
    assert a.card.items["I.1"].points == 5 and a.card.items["I.3"].points == 4


def test_negative_number_is_e06(setup):
    a = run(setup, submission(setup, answers={"II.1": -3}))
    assert ("E06", cell(setup, "G", "II.1")) in pairs(a)
    assert a.card.items["II.1"].points == 0


def test_text_in_number_cell_is_e06_unless_unambiguous(setup):
    a = run(setup, submission(setup, answers={"II.1": "bốn", "II.2": "3"}, evidence=[("II.2", "BC 1")]))
    assert ("E06", cell(setup, "G", "II.1")) in pairs(a)
    assert ("E06", cell(setup, "G", "II.2")) not in pairs(a)
    assert ("W16", cell(setup, "G", "II.2")) in pairs(a)      # told that the sheet itself saw 0
    assert a.card.items["II.2"].points == Decimal("5")   # 3/6 of 10, read from text
    assert a.self_card.items["II.2"].points == 0         # the spreadsheet itself saw text (ISNUMBER false)


def test_ambiguous_thousands_text_is_e06(setup):
    a = run(setup, submission(setup, answers={"II.8": "1.234"}))
    assert ("E06", cell(setup, "G", "II.8")) in pairs(a)


def test_percent_above_100_is_e07(setup):
    a = run(setup, submission(setup, answers={"I.5": 120}, evidence=[("I.5", "BC 5")]))
    assert ("E07", cell(setup, "G", "I.5")) in pairs(a)
    assert a.card.items["I.5"].points == 0
    assert a.self_card.items["I.5"].points == 3   # the sheet clamps at 100 %


def test_yes_no_other_value_is_e08(setup):
    a = run(setup, submission(setup, answers={"I.1": "Rồi"}))
    assert ("E08", cell(setup, "G", "I.1")) in pairs(a)


def test_yes_no_is_case_and_space_insensitive(setup):
    a = run(setup, submission(setup, answers={"I.1": " có "}, evidence=[("I.1", "KH 1")]))
    assert "E08" not in codes(a)
    assert a.card.items["I.1"].points == 5


def test_not_applicable_where_not_allowed_is_e11(setup):
    a = run(setup, submission(setup, answers={"I.4": "Không áp dụng"}))
    assert ("E11", cell(setup, "G", "I.4")) in pairs(a)


def test_ratio_without_target_is_e05(setup):
    a = run(setup, submission(setup, answers={"II.1": 3}, targets={"II.1": 0}))
    assert ("E05", cell(setup, "G", "II.1")) in pairs(a)
    assert a.card.items["II.1"].points == 0


def test_over_target_is_warning_w03_and_capped(setup):
    a = run(setup, submission(setup, answers={"II.1": 9}, evidence=[("II.1", "BB 1")]))
    assert ("W03", cell(setup, "G", "II.1")) in pairs(a)
    assert a.card.items["II.1"].points == 20


def test_non_integer_count_is_e12(setup):
    a = run(setup, submission(setup, answers={"V.1": 1.5}))
    assert ("E12", cell(setup, "G", "V.1")) in pairs(a)


def test_na_with_data_is_w06_and_not_counted(setup):
    a = run(setup, submission(setup, answers={"II.8": 30}, na=("II.8",)))
    assert ("W06", cell(setup, "G", "II.8")) in pairs(a)
    assert not a.card.items["II.8"].applicable


def test_missing_preparer_is_w09(setup):
    a = run(setup, submission(setup, info={"preparer": None}))
    assert "W09" in codes(a)

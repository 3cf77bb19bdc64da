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


def test_text_in_number_cell_is_e06_as_the_sheet_sees_it(setup):
    """Issue 12.5: a number pasted as text is 0 in the sheet (ISNUMBER false), so the ward does not count it."""
    a = run(setup, submission(setup, answers={"II.1": "bốn", "II.2": "3"}, evidence=[("II.2", "BC 1")]))
    assert ("E06", cell(setup, "G", "II.1")) in pairs(a)
    assert ("E06", cell(setup, "G", "II.2")) in pairs(a)
    assert a.card.items["II.2"].points == 0
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
    a = run(setup, submission(setup, answers={"II.8": 3}, targets={"II.8": None}))   # II.8: the unit proposes
    assert ("E05", cell(setup, "G", "II.8")) in pairs(a)
    assert a.card.items["II.8"].points == 0


def test_locked_target_is_the_bans_whatever_the_file_says(setup):
    """Issue 13.1: II.6's target is the Ban's (10), a file saying 1 still scores 1.5 points, not 15."""
    a = run(setup, submission(setup, answers={"II.6": 1}, targets={"II.6": 1}, evidence=[("II.6", "DS 1/2024")]))
    assert a.card.items["II.6"].points == Decimal("1.5")
    assert a.self_card.items["II.6"].points == 15        # what the (edited) sheet itself computes


def test_proposed_target_below_the_bans_is_e32(setup):
    a = run(setup, submission(setup, answers={"II.8": 10}, targets={"II.8": 5}, evidence=[("II.8", "SO 1/2024")]))
    assert ("E32", cell(setup, "F", "II.8")) in pairs(a)
    assert a.card.items["II.8"].points == 0
    b = run(setup, submission(setup, answers={"II.8": 60}, targets={"II.8": 120}, evidence=[("II.8", "SO 1/2024")]))
    assert "E32" not in codes(b) and b.card.items["II.8"].points == 5


def test_na_not_allowed_for_the_unit_is_e11_and_scores_0(setup):
    """Issue 13.2: HLHPN may mark II.5 and II.9 N/A only; II.8 N/A (a tampered locked cell) counts 0."""
    a = run(setup, submission(setup, answers={"II.8": 30}, na=("II.8",), evidence=[("II.8", "SO 1/2024")]))
    assert ("E11", cell(setup, "H", "II.8")) in pairs(a)
    assert a.card.items["II.8"].applicable and a.card.items["II.8"].points == 0


def test_na_pasted_with_trailing_space_or_nfd_follows_the_sheet(setup):
    """Issue 12.5: "Không áp dụng " (TRIM) is N/A on both sides, an NFD spelling on neither."""
    import unicodedata
    a = run(setup, submission(setup, na=("II.5",)))
    a2 = run(setup, submission(setup, answers={}, na=()))
    assert not a.card.items["II.5"].applicable and a2.card.items["II.5"].applicable
    nfd = unicodedata.normalize("NFD", "Có")
    b = run(setup, submission(setup, answers={"I.1": nfd, "I.4": "Có "}, evidence=[("I.1", "KH 1"), ("I.4", "QĐ 2")]))
    assert b.card.items["I.1"].points == 0 and b.self_card.items["I.1"].points == 0
    assert ("E08", cell(setup, "G", "I.1")) in pairs(b)
    assert b.card.items["I.4"].points == 2


def test_over_target_is_warning_w03_and_capped(setup):
    a = run(setup, submission(setup, answers={"II.1": 9}, evidence=[("II.1", "BB 1")]))
    assert ("W03", cell(setup, "G", "II.1")) in pairs(a)
    assert a.card.items["II.1"].points == 20


def test_non_integer_count_is_e12(setup):
    a = run(setup, submission(setup, answers={"V.1": 1.5}))
    assert ("E12", cell(setup, "G", "V.1")) in pairs(a)


def test_na_with_data_is_w06_and_not_counted(setup):
    a = run(setup, submission(setup, answers={"II.5": 30}, na=("II.5",)))
    assert ("W06", cell(setup, "G", "II.5")) in pairs(a)
    assert not a.card.items["II.5"].applicable


def test_missing_preparer_is_w09(setup):
    a = run(setup, submission(setup, info={"preparer": None}))
    assert "W09" in codes(a)

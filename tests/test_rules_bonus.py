"""Bonus claims need the five justifications and their own evidence; caps of bonus and deductions."""

from bdg_workbook.layout.department import Layout

from builder import submission
from rules_helpers import codes, pairs, run


def test_complete_claim_counts(setup):
    a = run(setup, submission(setup, answers={"IV.2": "Có"}, claims=[{"code": "IV.2", "doc": "QĐ 7/QĐ-UBND"}]))
    assert a.card.items["IV.2"].points == 5 and "E04" not in codes(a)


def test_missing_justification_field_is_e04(setup):
    claim = {"code": "IV.2", "doc": "QĐ 7", "sang_tao": None}
    a = run(setup, submission(setup, answers={"IV.2": "Có"}, claims=[claim]))
    lay = Layout(setup.table)
    assert ("E04", f"{lay.bonus_columns['code']}5") in pairs(a)
    assert a.card.items["IV.2"].points == 0


def test_bonus_without_any_claim_is_e04(setup):
    a = run(setup, submission(setup, answers={"IV.3": "Có"}))
    assert ("E04", Layout(setup.table).cell("G", "IV.3")) in pairs(a)
    assert a.card.bonus == 0


def test_bonus_evidence_reused_from_base_is_e16(setup):
    sub = submission(setup, answers={"II.10": 4, "IV.1": 1}, evidence=[("II.10", "QĐ 3/QĐ-HPN")],
                     claims=[{"code": "IV.1", "doc": "qđ 3/qđ-hpn"}])
    a = run(setup, sub)
    assert "E16" in codes(a)
    assert a.card.items["IV.1"].points == 0 and a.card.items["II.10"].points == 15


def test_count_above_claims_is_limited_w14(setup):
    a = run(setup, submission(setup, answers={"IV.1": 2}, claims=[{"code": "IV.1", "doc": "KH 9"}]))
    assert "W14" in codes(a)
    assert a.card.items["IV.1"].points == 5 and a.self_card.items["IV.1"].points == 10


def test_bonus_cap_20_and_warning(setup):
    answers = {"IV.1": 2, "IV.2": "Có", "IV.3": "Có", "IV.4": 2}
    claims = [{"code": "IV.1", "doc": "QĐ A1"}, {"code": "IV.1", "doc": "QĐ A2"}, {"code": "IV.2", "doc": "QĐ B1"},
              {"code": "IV.3", "doc": "BB C1"}, {"code": "IV.4", "doc": "QĐ D1"}, {"code": "IV.4", "doc": "QĐ D2"}]
    a = run(setup, submission(setup, answers=answers, claims=claims))
    assert a.card.bonus_raw == 24 and a.card.bonus == 20
    assert "W01" in codes(a)


def test_deductions_cap_20_and_warning(setup):
    a = run(setup, submission(setup, answers={"V.1": 3, "V.2": 3, "V.3": 2, "V.4": 2}))
    assert a.card.penalty_raw == 32 and a.card.penalty == 20
    assert "W02" in codes(a)


def test_bonus_reference_must_identify_a_document(setup):
    """Issue 13.4: a bonus claim whose evidence is "x" is incomplete (E04), as the bonus sheet shows it."""
    a = run(setup, submission(setup, answers={"IV.2": "Có"}, claims=[{"code": "IV.2", "doc": "x"}]))
    assert "E04" in codes(a) and a.card.items["IV.2"].points == 0

"""Rules across files: identity, duplicates, missing and late departments, shared documents."""


from bdg_workbook.collect.rules.batch import identify, keep_latest, late_returns, missing_departments, shared_documents

from builder import submission
from rules_helpers import run


def test_identity_unknown_department_template_year(setup):
    assert identify(setup, submission(setup))[0].code == "HLHPN"
    sub = submission(setup)
    sub.meta["department_code"] = "XYZ"
    assert [f.code for f in identify(setup, sub)[1]] == ["E10"]
    sub = submission(setup, template_hash="deadbeef")
    assert [f.code for f in identify(setup, sub)[1]] == ["F03"]
    sub = submission(setup, year="2023")
    assert [f.code for f in identify(setup, sub)[1]] == ["F04"]


def test_latest_file_by_self_assessment_date_is_kept(setup):
    old = run(setup, submission(setup, name="a.xlsx", info={"date": "2024-09-01"}))
    new = run(setup, submission(setup, name="b.xlsx", info={"date": "2024-09-05"}))
    kept, dropped, found = keep_latest([new, old])
    assert [k.sub.display_name for k in kept] == ["b.xlsx"]
    assert [(f.code, f.file) for f in found] == [("W08", "a.xlsx")]


def test_missing_and_late(setup):
    a = run(setup, submission(setup, info={"date": "2024-09-25"}))
    missing, found = missing_departments(setup, [a])
    assert len(missing) == len(setup.departments) - 1 and all(f.code == "W13" for f in found)
    late = late_returns(setup, [a])
    assert [(f.code, f.value) for f in late] == [("W07", "25/09/2024")]


def test_document_claimed_by_two_departments_is_w12(setup):
    a = run(setup, submission(setup, "HLHPN", answers={"II.1": 4}, evidence=[("II.1", "KH 01/KH-LT")]))
    b = run(setup, submission(setup, "MTTQ", answers={"II.1": 4}, evidence=[("II.1", "KH 01/KH-LT")]))
    found = shared_documents([a, b])
    assert [(f.code, f.department) for f in found] == [("W12", "MTTQ")]

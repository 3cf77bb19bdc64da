"""Points need evidence; one document counts for one criterion of a department (first in table order)."""

from bdg_workbook.layout.department import Layout

from builder import submission
from rules_helpers import pairs, run


def test_points_without_evidence_are_not_counted(setup):
    a = run(setup, submission(setup, answers={"I.1": "Có", "I.2": "Có"}, evidence=[("I.1", "KH 12/KH-HPN")]))
    g = Layout(setup.table).cell("G", "I.2")
    assert ("E02", g) in pairs(a)
    assert a.card.items["I.2"].points == 0 and a.card.items["I.1"].points == 5
    assert a.self_card.items["I.2"].points == 3


def test_same_document_for_two_criteria_counts_once(setup):
    sub = submission(setup, answers={"II.1": 4, "II.3": 3},
                     evidence=[("II.3", "KH 05/KH-HPN"), ("II.1", "kh  05/kh-hpn ")])
    a = run(setup, sub)
    found = [f for f in a.findings if f.code == "E03"]
    assert len(found) == 1 and found[0].criterion == "II.3"     # II.1 comes first in table order
    assert found[0].cell == "D5"                                 # the register row of II.3
    assert a.card.items["II.1"].points == 20 and a.card.items["II.3"].points == 0


def test_document_numbers_compare_as_the_sheet_does(setup):
    """Issue 12.5: the register's formula compares TRIM(doc) with "=": case and spaces do not matter, the Unicode
    form does (LibreOffice and Excel do not normalise), so the ward decides the same way."""
    import unicodedata
    nfd = unicodedata.normalize("NFD", "Biên bản số 3")
    a = run(setup, submission(setup, answers={"II.1": 4, "II.3": 3},
                              evidence=[("II.1", "Biên bản số 3"), ("II.3", nfd)]))
    assert not any(f.code == "E03" for f in a.findings)
    b = run(setup, submission(setup, answers={"II.1": 4, "II.3": 3},
                              evidence=[("II.1", "Biên bản số 3"), ("II.3", " BIÊN BẢN  số 3 ")]))
    assert any(f.code == "E03" for f in b.findings)


def test_reference_that_identifies_nothing_is_e31(setup):
    """Issue 13.4: "x", ".", "-", "có" are not documents; a number, a date or a file name is."""
    bad = ["x", ".", "-", "có", " ", "KH"]
    good = ["12/KH-HPN", "15/3/2024", "kehoach.pdf"]
    evidence = [("I.1", d) for d in bad + good]
    a = run(setup, submission(setup, answers={"I.1": "Có"}, evidence=evidence))
    e31 = [f for f in a.findings if f.code == "E31"]
    assert len(e31) == len(bad)          # a code with a lone-space reference is red in the sheet too
    assert a.card.items["I.1"].points == 5
    b = run(setup, submission(setup, answers={"I.1": "Có"}, evidence=[("I.1", d) for d in bad]))
    assert "E02" in [f.code for f in b.findings] and b.card.items["I.1"].points == 0


def test_reused_document_costs_only_what_it_backed(setup):
    """Issue 13.5: II.3 with three documents, one reused from II.1, keeps its 15 points (with W31); with its only
    document reused it loses all (E03, the points named)."""
    a = run(setup, submission(setup, answers={"II.1": 4, "II.3": 3},
                              evidence=[("II.1", "BB 1/2024"), ("II.3", "BB 1/2024"), ("II.3", "KH 7/2024"),
                                        ("II.3", "BC 9/2024")]))
    assert a.card.items["II.3"].points == 15 and "W31" in [f.code for f in a.findings]
    b = run(setup, submission(setup, answers={"II.1": 4, "II.3": 3},
                              evidence=[("II.1", "BB 1/2024"), ("II.3", "BB 1/2024")]))
    e03 = [f for f in b.findings if f.code == "E03"]
    assert b.card.items["II.3"].points == 0 and e03 and "15" in e03[0].message


def test_unknown_code_in_register_is_e15(setup):
    a = run(setup, submission(setup, evidence=[("II.99", "CV 1")]))
    assert ("E15", "B5") in pairs(a)


def test_deductions_need_no_evidence(setup):
    a = run(setup, submission(setup, answers={"V.1": 2}))
    assert a.card.penalty == 4 and not any(f.code == "E02" for f in a.findings)

"""The rules the workbook's formulas mirror: text compared as TRIM(cell)="…", references that identify a
document, and what a reused document costs (issues 12.5, 13.4, 13.5)."""

from __future__ import annotations

import unicodedata
from decimal import Decimal

import pytest

from bdg_workbook.domain.model import Criterion
from bdg_workbook.domain.scoring import (ItemInput, doc_key, evidence_decision, identifies_document, sheet_equal,
                                         sheet_trim)


@pytest.mark.parametrize("text, same", [
    ("Có", True), (" Có  ", True), ("CÓ", True), ("có", True),
    (unicodedata.normalize("NFD", "Có"), False),      # LibreOffice and Excel do not normalise Unicode
    ("Có\u00a0", False),                               # TRIM removes spaces only, not non-breaking spaces
    ("Có rồi", False), ("", False),
])
def test_sheet_equal_is_trim_and_case_insensitive(text, same):
    assert sheet_equal(text, "Có") is same


def test_sheet_trim_is_excel_trim():
    assert sheet_trim("  a   b  ") == "a b" and sheet_trim("\ta ") == "\ta"


@pytest.mark.parametrize("text, ok", [
    ("x", False), (".", False), ("-", False), ("có", False), (" ", False), ("KH", False), ("Biên bản", False),
    ("...", False), ("a.", False), ("12", False),
    ("12/KH-HPN", True), ("15/3/2024", True), ("kehoach.pdf", True), ("KH 1", True), (" 207/kh-MTTQ ", True),
    (Decimal("45366"), True),                          # a date typed into the reference cell: its serial number
])
def test_identifies_document(text, ok):
    assert identifies_document(text) is ok


def test_doc_key_matches_as_the_sheet_does():
    assert doc_key(" 207/KH-mttq ") == doc_key("207/kh-MTTQ")
    assert doc_key(unicodedata.normalize("NFD", "Biên bản số 3")) != doc_key("Biên bản số 3")


RATIO = Criterion("II.3", "II", "t", Decimal(15), "ratio", unit="hoạt động", default_target=Decimal(3))
COUNT = Criterion("II.9", "II", "t", Decimal(10), "count", points_each=Decimal(2))


def test_reused_document_costs_a_count_item_one_occurrence():
    inp = ItemInput(Decimal(4))
    counted, points, code = evidence_decision(COUNT, inp, Decimal(8), evidence=4, reused=1)
    assert (counted.value, points, code) == (Decimal(3), Decimal(6), "E03")


def test_reused_document_costs_other_items_only_without_other_evidence():
    inp = ItemInput(Decimal(3), Decimal(3))
    assert evidence_decision(RATIO, inp, Decimal(15), evidence=3, reused=1)[1:] == (Decimal(15), "")
    assert evidence_decision(RATIO, inp, Decimal(15), evidence=1, reused=1)[1:] == (Decimal(0), "E03")
    assert evidence_decision(RATIO, inp, Decimal(15), evidence=0, reused=0)[1:] == (Decimal(0), "E02")
    assert evidence_decision(RATIO, ItemInput(), Decimal(0), evidence=0, reused=0)[1:] == (Decimal(0), "")

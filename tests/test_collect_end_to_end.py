"""End to end (issue 3, tests §2): generate → fill like departments → collect → master workbook read back.

Fourteen departments return (three break a rule, one returns twice), one does not. Every number of the
master's summary is compared with ``scoring.score`` of the answers each department typed (with the
exclusions its break must cause), not with the collector's own result.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import random
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from bdg_workbook.master import report
from bdg_workbook.collect.collector import collect
from bdg_workbook.demo.fill import Answers, BonusClaim, ItemAnswer, fill_workbook, random_valid_answers
from bdg_workbook.workbook.generate import generate_workbooks, workbook_filename
from bdg_workbook.layout.department import BONUS_FIRST_ROW, COL_VALUE, SHEET_SCORE, Layout
from bdg_workbook.layout.master import SHEET_BONUS, SHEET_EVIDENCE, SHEET_FINDINGS, SHEET_MISSING, SHEET_SUMMARY
from bdg_workbook.domain.model import Setup
from bdg_workbook.master.sheets import FIRST_DATA_ROW
from bdg_workbook.domain.result import STATUS_COLLECTED, STATUS_SUPERSEDED, CollectResult
from bdg_workbook.domain.scoring import ItemInput, ScoreCard, score
from bdg_workbook.trust.signing import KeyRing, ensure_key_pair, load_private_key

SEED = 20240917
MISSING = "HND"
DUPLICATE = "MTTQ"            # returns an older and a newer file
SHARED = ("HLHPN", "VHTT")    # the second lists a document the first already listed: flagged, not excluded
OLD_COPY = f"TDCD_2024_{DUPLICATE}_ban_dau.xlsx"


@dataclasses.dataclass
class Expected:
    """What one department typed and what the collector must count."""

    answers: Answers
    overrides: dict[str, ItemInput] = dataclasses.field(default_factory=dict)
    excluded: dict[str, str] = dataclasses.field(default_factory=dict)
    errors: list[tuple[str, str]] = dataclasses.field(default_factory=list)     # (code, cell)

    def card(self, setup: Setup) -> ScoreCard:
        """``scoring.score`` of the answers with the break's overrides and exclusions."""
        inputs = {**self.answers.item_inputs(setup.table), **self.overrides}
        return score(setup.table, inputs, self.excluded)


def _break(setup: Setup, code: str, exp: Expected) -> None:
    """Three departments break a rule (as the demo does); the others stay valid."""
    lay, ans = Layout(setup.table), exp.answers
    if code == "TYT":                                     # points without evidence
        ans.items["II.8"] = ItemAnswer(Decimal(40))
        ans.evidence = [e for e in ans.evidence if e.code != "II.8"]
        exp.excluded["II.8"] = "E02"
        exp.errors.append(("E02", lay.cell(COL_VALUE, "II.8")))
    elif code == "CA":                                    # percent above 100
        ans.items["I.5"] = ItemAnswer(Decimal(120))
        exp.overrides["I.5"] = ItemInput()
        exp.errors.append(("E07", lay.cell(COL_VALUE, "I.5")))
    elif code == "DTN":                                   # bonus claim without all five fields
        ans.items["IV.2"] = ItemAnswer(True)
        ans.bonus = [b for b in ans.bonus if b.code != "IV.2"]
        fields = {f.key: "có nội dung" for f in setup.table.justification_fields if f.key != "sang_tao"}
        ans.bonus.append(BonusClaim("IV.2", "Giấy khen của UBND thị xã", fields, "152/QĐ-UBND"))
        exp.excluded["IV.2"] = "E04"
        exp.errors.append(("E04", f"B{BONUS_FIRST_ROW + len(ans.bonus) - 1}"))


@pytest.fixture(scope="module")
def season(setup: Setup, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Issue signed forms, fill them like departments, and collect the inbox with one and two workers."""
    root = tmp_path_factory.mktemp("season")
    key = load_private_key(ensure_key_pair(root / "keys" / "ward-signing.key").private_path)
    forms = generate_workbooks(setup, root / "forms", signer=key.sign)
    inbox = root / "inbox"
    inbox.mkdir()
    rng = random.Random(SEED)
    expected: dict[str, Expected] = {}
    for dept, form in zip(setup.departments, forms):
        exp = Expected(random_valid_answers(setup, dept, rng))
        if dept.code == MISSING:
            continue
        _break(setup, dept.code, exp)
        if dept.code == SHARED[1]:
            exp.answers.evidence[0].doc = expected[SHARED[0]].answers.evidence[0].doc
        if dept.code == DUPLICATE:
            old = random_valid_answers(setup, dept, rng)
            old.info["date"] = dt.date(2024, 9, 2)
            fill_workbook(form, inbox / OLD_COPY, old)
            exp.answers.info["date"] = dt.date(2024, 9, 12)
        fill_workbook(form, inbox / workbook_filename(setup, dept), exp.answers)
        expected[dept.code] = exp
    before = _hashes(inbox)
    ring = KeyRing.of(key.private_key.public_key())
    one = collect(inbox, setup, jobs=1, keyring=ring)
    two = collect(inbox, setup, jobs=2, keyring=ring)
    master = root / "TONGHOP_2024_NHONHUNG.xlsx"
    report.write_master(two, master)
    return {"inbox": inbox, "before": before, "one": one, "two": two, "expected": expected,
            "book": openpyxl.load_workbook(master), "master": master}


def _hashes(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def _rows(ws) -> list[tuple]:
    return list(ws.iter_rows(values_only=True))


def _summary_row(ws, short_name: str) -> tuple:
    return next(r for r in ws.iter_rows(values_only=True) if r[1] == short_name)


# ---------------------------------------------------------------- the collect result


def test_counted_scores_equal_scoring_of_what_departments_typed(season, setup):
    result: CollectResult = season["two"]
    assert [r.department.code for r in result.departments] == [d.code for d in setup.departments
                                                               if d.code != MISSING]
    for r in result.departments:
        want = season["expected"][r.department.code].card(setup)
        assert r.card.total == want.total, r.department.code
        assert r.card.sections == want.sections and r.card.rating == want.rating, r.department.code


def test_errors_are_exactly_the_three_breaks(season, setup):
    result: CollectResult = season["two"]
    errors = sorted((f.department, f.code, f.cell) for f in result.findings if f.severity == "error")
    want = sorted((code, c, cell) for code, exp in season["expected"].items() for c, cell in exp.errors)
    assert errors == want
    by_code = {r.department.code: r.errors for r in result.departments}
    assert by_code == {code: len(exp.errors) for code, exp in season["expected"].items()}


def test_duplicate_keeps_the_later_file_and_missing_department_is_reported(season, setup):
    result: CollectResult = season["two"]
    status = {f.display_name: f.status for f in result.files}
    assert status[OLD_COPY] == STATUS_SUPERSEDED
    assert status[workbook_filename(setup, next(d for d in setup.departments if d.code == DUPLICATE))] \
        == STATUS_COLLECTED
    assert [(f.code, f.file) for f in result.findings if f.code == "W08"] == [("W08", OLD_COPY)]
    assert [d.code for d in result.missing] == [MISSING]
    assert [f.department for f in result.findings if f.code == "W13"] == [MISSING]
    assert not [f for f in result.findings if f.code in ("W15", "E17")]          # signed, key trusted


def test_a_document_claimed_by_two_departments_is_flagged_once(season):
    result: CollectResult = season["two"]
    shared = [(f.department, f.sheet, f.cell, f.value) for f in result.findings if f.code == "W12"]
    doc = season["expected"][SHARED[1]].answers.evidence[0].doc
    assert shared == [(SHARED[1], "Minh chứng", "D5", doc.casefold())]


def test_input_files_are_never_modified(season):
    assert _hashes(season["inbox"]) == season["before"]
    assert not [p for p in season["inbox"].iterdir() if not p.name.endswith(".xlsx")]


def test_one_and_two_workers_give_the_same_result(season):
    one, two = season["one"].as_dict(), season["two"].as_dict()
    assert one.pop("generated_at") and two.pop("generated_at")
    assert one == two


# ---------------------------------------------------------------- the master workbook


def test_master_summary_numbers_ranks_and_ratings(season, setup):
    ws = season["book"][SHEET_SUMMARY]
    result: CollectResult = season["two"]
    base = [s.code for s in setup.table.sections_of("base")]
    for r in result.departments:
        want = season["expected"][r.department.code].card(setup)
        row = _summary_row(ws, r.department.short_name)
        numbers = [want.sections[s].capped for s in base] + [want.base, want.bonus, want.penalty, want.total]
        assert list(row[2:9]) == pytest.approx([float(n) for n in numbers]), r.department.code
        assert (row[9], row[10]) == (r.rank, want.rating)
        assert (row[11], row[12]) == (len(season["expected"][r.department.code].errors), r.warnings)
    totals = {r.department.code: r.card.total for r in result.departments}
    ranks = {r.department.code: r.rank for r in result.departments}
    assert min(ranks.values()) == 1 and ranks[max(totals, key=totals.get)] == 1
    for a in totals:
        for b in totals:
            if totals[a] > totals[b]:
                assert ranks[a] < ranks[b], (a, b)


def test_master_lists_the_missing_department(season, setup):
    book = season["book"]
    dept = next(d for d in setup.departments if d.code == MISSING)
    row = _summary_row(book[SHEET_SUMMARY], dept.short_name)
    assert row[2] == "Chưa nộp" and all(v is None for v in row[3:])
    missing = _rows(book[SHEET_MISSING])[FIRST_DATA_ROW:]
    assert [(r[1], r[2]) for r in missing] == [(dept.code, dept.name)]


def test_master_findings_sheet_has_every_finding(season):
    rows = _rows(season["book"][SHEET_FINDINGS])[FIRST_DATA_ROW:]
    result: CollectResult = season["two"]
    assert [(r[1], r[2] or "", r[6] or "") for r in rows] == [(f.code, f.department, f.cell) for f in result.findings]
    codes = {r[1] for r in rows}
    assert {"E02", "E07", "E04", "W08", "W13"} <= codes
    tyt = next(r for r in rows if r[1] == "E02")
    assert (tyt[2], tyt[3], tyt[5], tyt[6]) == ("TYT", "II.8", SHEET_SCORE, season["expected"]["TYT"].errors[0][1])


def test_master_evidence_register_is_every_kept_row(season):
    rows = _rows(season["book"][SHEET_EVIDENCE])[FIRST_DATA_ROW:]
    want = sorted((code, e.code, e.doc) for code, exp in season["expected"].items() for e in exp.answers.evidence)
    assert sorted((r[0], r[1], r[3]) for r in rows) == want


def test_master_bonus_sheet_shows_claims_and_counted_points(season, setup):
    rows = _rows(season["book"][SHEET_BONUS])[FIRST_DATA_ROW:]
    want = sorted((code, b.code, b.doc) for code, exp in season["expected"].items() for b in exp.answers.bonus)
    assert sorted((r[0], r[1], r[8]) for r in rows) == want
    for r in rows:
        card = season["expected"][r[0]].card(setup)
        assert r[10] == pytest.approx(float(card.items[r[1]].points)), r
    dtn = next(r for r in rows if r[0] == "DTN" and r[1] == "IV.2")
    assert dtn[9] == "Thiếu" and dtn[10] == 0

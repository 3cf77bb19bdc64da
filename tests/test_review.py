"""Issue 7, must-have 1: the ward's review round — edits read from the master, checked, applied, audited, reranked."""

from __future__ import annotations

import dataclasses
import hashlib
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from bdg_workbook.master import report
from bdg_workbook.domain.findings import ERROR
from bdg_workbook.layout.master import REVIEWED_DATA_COLUMNS, SHEET_AUDIT, SHEET_REVIEW, review_name
from bdg_workbook.untrusted.master_reader import check_integrity, parse_data, read_master
from bdg_workbook.domain.result import DepartmentResult
from bdg_workbook.review.review_round import ReviewError, ReviewOutcome, next_version_path, review_master
from bdg_workbook.review.report import write_reviewed_master
from bdg_workbook.domain.scoring import excel_round, score_points
from bdg_workbook.trust.signing import SIGNED_MASTER_KEYS, VALID, KeyRing, load_private_key
from wards import Ward, edit_master, named_cell

D = Decimal


@pytest.fixture(scope="module")
def ward(demo_wards: list[Ward]) -> Ward:
    return demo_wards[0]


@pytest.fixture(scope="module")
def keyring(ward: Ward) -> KeyRing:
    return KeyRing.load(ward.public_key)


def _signer(ward: Ward):
    key = load_private_key(ward.key)
    return lambda meta: key.sign(meta, SIGNED_MASTER_KEYS)


def _collected(ward: Ward) -> list[DepartmentResult]:
    return sorted(ward.run.result.departments, key=lambda r: r.rank)


def _rv(dept: str, code: str) -> str:
    return review_name("verified", dept, code)


def _rr(dept: str, code: str) -> str:
    return review_name("reason", dept, code)


def _by_cell(outcome: ReviewOutcome) -> dict[str, str]:
    return {f.cell: f.code for f in outcome.findings}


def _counted(r: DepartmentResult) -> dict[str, Decimal]:
    return {code: item.points for code, item in r.card.items.items()}


def _na(r: DepartmentResult) -> list[str]:
    return [code for code, item in r.card.items.items() if not item.applicable]


def _reviewed(outcome: ReviewOutcome, code: str):
    return next(d for d in outcome.departments if d.result.department.code == code)


# ---------------------------------------------------------------- edits applied


def _valid_edits(ward: Ward) -> tuple[DepartmentResult, dict, list[tuple[str, Decimal, str]]]:
    r = _collected(ward)[0]
    table = ward.setup.table
    lower = next(c for c in table.criteria if r.card.items[c.code].applicable and r.card.items[c.code].points > 1
                 and c.section == "II")
    higher = next(c for c in table.criteria if r.card.items[c.code].applicable
                  and r.card.items[c.code].points < c.max and c.section in ("I", "II", "III"))
    edits = [(lower.code, r.card.items[lower.code].points - 1, "Biên bản chỉ ghi nhận một phần hoạt động"),
             (higher.code, higher.max, "Bổ sung minh chứng tại buổi thẩm định")]
    order = [c.code for c in table.criteria]
    edits.sort(key=lambda e: order.index(e[0]))                 # findings and audit lines come in table order
    values = {}
    for code, value, reason in edits:
        values[_rv(r.department.code, code)] = float(value)
        values[_rr(r.department.code, code)] = reason
    return r, values, edits


def test_edits_within_limits_are_applied_audited_and_rescored(ward, keyring, tmp_path):
    r, values, edits = _valid_edits(ward)
    edited = edit_master(ward.master, tmp_path / "TONGHOP_2024_PHUONG1.xlsx", values)
    outcome = review_master(ward.setup, edited, keyring, now="2024-09-26T09:00:00")
    assert not outcome.blocked and outcome.error_count == 0
    assert [(f.code, f.criterion) for f in outcome.findings] == [("R11", code) for code, _v, _r in edits]
    assert [(e.department, e.criterion, e.before, e.after, e.reason, e.round, e.when) for e in outcome.edits] == [
        (r.department.code, code, r.card.items[code].points, value, reason, 1, "2024-09-26T09:00:00")
        for code, value, reason in edits]
    points = _counted(r) | {code: value for code, value, _reason in edits}
    expected = score_points(ward.setup.table, points, _na(r))
    mine = _reviewed(outcome, r.department.code)
    assert mine.result.card.total == expected.total and mine.result.card.rating == expected.rating
    assert mine.counted_card.total == r.card.total and mine.result.self_card.total == r.self_card.total
    target = next_version_path(edited, outcome.round)
    assert target.name == "TONGHOP_2024_PHUONG1_thamdinh_v2.xlsx"
    write_reviewed_master(outcome, target, _signer(ward))
    again = read_master(target, review=True)
    assert again.meta["review_round"] == "1" and again.meta["previous_file"] == edited.name
    assert again.meta["previous_sha256"] == hashlib.sha256(edited.read_bytes()).hexdigest()
    integrity = check_integrity(again, keyring)
    assert integrity.problems == () and integrity.verification.status == VALID
    assert tuple(again.data[0]) == REVIEWED_DATA_COLUMNS
    dept = next(d for d in parse_data(again.data, [c.code for c in ward.setup.table.criteria])
                if d.code == r.department.code)
    for code, value, _reason in edits:
        assert (dept.number(code, 1), dept.number(code, 2)) == (r.card.items[code].points, value)
        assert again.review[_rv(r.department.code, code)].value == value      # prefilled for the next round
    assert dept.number("total", 2) == expected.total
    assert [row[4] for row in again.audit[1:]] == [code for code, _v, _r in edits]


def test_reviewed_master_is_printable_and_protected(ward, keyring, tmp_path):
    r, values, _edits = _valid_edits(ward)
    edited = edit_master(ward.master, tmp_path / "m.xlsx", values)
    outcome = review_master(ward.setup, edited, keyring)
    target = tmp_path / "m_v2.xlsx"
    write_reviewed_master(outcome, target, _signer(ward))
    book = openpyxl.load_workbook(target)
    review, audit = book[SHEET_REVIEW], book[SHEET_AUDIT]
    assert review.protection.sheet and audit.protection.sheet
    cell = named_cell(book, _rv(r.department.code, "I.1"))
    assert cell.protection.locked is False
    assert named_cell(book, _rr(r.department.code, "I.1")).protection.locked is False
    assert named_cell(book, review_name("counted", r.department.code, "I.1")).protection.locked is not False
    validations = review.data_validations.dataValidation
    assert any(cell.coordinate in v.sqref and v.type == "decimal" and v.error for v in validations)
    for ws in (book["Tổng hợp"], book["Phụ lục chi tiết"], review, audit):
        one_page = ws.title == "Tổng hợp"      # the report is printed on one page (issue 13.8)
        assert ws.page_setup.paperSize == 9 and ws.page_setup.fitToHeight == (None if one_page else 0)
    texts = [v for row in book["Tổng hợp"].iter_rows(values_only=True) for v in row if isinstance(v, str)]
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in texts and any("Vòng thẩm định thứ 1" in t for t in texts)
    with pytest.raises(ValueError):
        write_reviewed_master(outcome, edited, None)            # never over the file that was reviewed


# ---------------------------------------------------------------- edits refused


def test_bad_edits_are_findings_and_not_applied(ward, keyring, tmp_path):
    r = _collected(ward)[1]
    code = r.department.code
    table = ward.setup.table
    usable = [c for c in table.criteria if r.card.items[c.code].applicable and c.section in ("I", "II", "III")]
    na = next(c for c in table.criteria if not r.card.items[c.code].applicable)
    cases = [(usable[0], float(usable[0].max) + 1, "vượt", "R02"), (usable[1], -1, "âm", "R02"),
             (usable[2], "mười", "chữ", "R01"), (usable[3], "=1+1", "công thức", "R03"),
             (usable[4], float(r.card.items[usable[4].code].points) / 2 + 0.25, None, "R04"),
             (na, 1, None, "R12")]           # overturning "Không áp dụng" needs a reason (issue 13.2)
    values = {}
    for crit, value, reason, _code in cases:
        values[_rv(code, crit.code)] = value
        if reason:
            values[_rr(code, crit.code)] = reason
    edited = edit_master(ward.master, tmp_path / "bad.xlsx", values)
    outcome = review_master(ward.setup, edited, keyring)
    book = openpyxl.load_workbook(edited)
    found = _by_cell(outcome)
    for crit, _value, _reason, expected in cases:
        cell = named_cell(book, _rv(code, crit.code)).coordinate
        assert found.get(cell) == expected, (crit.code, expected)
    mine = _reviewed(outcome, code)
    assert outcome.edits == [] and not outcome.blocked
    assert {c: mine.result.card.items[c].points for c in mine.result.card.items} == _counted(r)
    assert mine.result.card.total == r.card.total and outcome.error_count == len(cases)


def test_an_edited_locked_cell_is_a_finding_and_not_used(ward, keyring, tmp_path):
    r = _collected(ward)[2]
    code = r.department.code
    values = {review_name("counted", code, "I.1"): 0, review_name("self", code, "II.1"): 99}
    edited = edit_master(ward.master, tmp_path / "locked.xlsx", values)
    outcome = review_master(ward.setup, edited, keyring)
    codes = [(f.code, f.criterion) for f in outcome.findings]
    assert codes == [("R05", "I.1"), ("R05", "II.1")]
    mine = _reviewed(outcome, code)
    assert mine.counted_card.total == r.card.total and mine.result.self_card.total == r.self_card.total
    assert mine.result.card.items["I.1"].points == r.card.items["I.1"].points


def test_an_edited_data_sheet_or_meta_blocks_the_review(ward, keyring, tmp_path):
    r = _collected(ward)[0]
    data = edit_master(ward.master, tmp_path / "data.xlsx", data={(r.department.code, "II.1", 6): 0})
    outcome = review_master(ward.setup, data, keyring)
    assert outcome.blocked and [(f.code, f.sheet) for f in outcome.findings] == [("R06", "Dữ liệu")]
    meta = edit_master(ward.master, tmp_path / "meta.xlsx", meta={"collected": "15"})
    outcome = review_master(ward.setup, meta, keyring)
    assert outcome.blocked and [f.code for f in outcome.findings] == ["R07"]
    assert all(f.severity == ERROR for f in outcome.findings)


def test_unsigned_master_is_a_warning_without_keys_and_an_error_with_them(ward, keyring, tmp_path):
    unsigned = tmp_path / "unsigned.xlsx"
    report.write_master(ward.run.result, unsigned)
    outcome = review_master(ward.setup, unsigned, None)
    assert [f.code for f in outcome.findings] == ["R08"] and not outcome.blocked
    outcome = review_master(ward.setup, unsigned, keyring)
    assert [f.code for f in outcome.findings] == ["R07"] and outcome.blocked


# ---------------------------------------------------------------- rounds and ranks


def test_second_review_keeps_the_first_rounds_audit_lines(ward, keyring, tmp_path):
    r, values, edits = _valid_edits(ward)
    code, first_code = r.department.code, edits[0][0]
    v1 = edit_master(ward.master, tmp_path / "TONGHOP.xlsx", values)
    round1 = review_master(ward.setup, v1, keyring, now="2024-09-26T09:00:00")
    v2 = next_version_path(v1, round1.round)
    write_reviewed_master(round1, v2, _signer(ward))
    again = excel_round(edits[0][1] / 2)
    v2_edited = edit_master(v2, tmp_path / "edited" / v2.name,
                            {_rv(code, first_code): float(again), _rr(code, first_code): "Vòng 2: đối chiếu lại"})
    round2 = review_master(ward.setup, v2_edited, keyring, now="2024-09-28T15:30:00")
    assert round2.round == 2 and not round2.blocked and round2.error_count == 0
    assert [(a.round, a.criterion, a.before, a.after) for a in round2.audit] == [
        (1, edits[0][0], r.card.items[edits[0][0]].points, edits[0][1]),
        (1, edits[1][0], r.card.items[edits[1][0]].points, edits[1][1]),
        (2, first_code, edits[0][1], again)]
    v3 = next_version_path(v2_edited, round2.round)
    assert v3.name == "TONGHOP_thamdinh_v3.xlsx"
    write_reviewed_master(round2, v3, _signer(ward))
    book = openpyxl.load_workbook(v3)
    lines = [row for row in book[SHEET_AUDIT].iter_rows(min_row=4, values_only=True) if row[0] is not None]
    assert [(row[0], row[1], row[4]) for row in lines] == [
        (1, "2024-09-26T09:00:00", edits[0][0]), (1, "2024-09-26T09:00:00", edits[1][0]),
        (2, "2024-09-28T15:30:00", first_code)]
    third = review_master(ward.setup, v3, keyring)
    assert third.round == 3 and len(third.audit) == 3 and third.findings == []


def test_ranks_follow_the_verified_points(ward, keyring, tmp_path):
    ranked = _collected(ward)
    top, last = ranked[0], ranked[-1]
    code = top.department.code
    points = _counted(top)
    values = {}
    for crit in sorted(ward.setup.table.sections_of("base")[1].criteria, key=lambda c: -points[c.code]):
        if score_points(ward.setup.table, points, _na(top)).total < last.card.total:
            break
        if points[crit.code] > 0 and top.card.items[crit.code].applicable:
            points[crit.code] = D(0)
            values[_rv(code, crit.code)] = 0
            values[_rr(code, crit.code)] = "Không có hồ sơ minh chứng khi thẩm định"
    edited = edit_master(ward.master, tmp_path / "rank.xlsx", values)
    outcome = review_master(ward.setup, edited, keyring)
    assert outcome.error_count == 0 and len(outcome.edits) == len(values) // 2
    ranks = {d.result.department.code: (d.counted_rank, d.result.rank) for d in outcome.departments}
    assert ranks[code] == (1, len(ranked))
    for other in ranked[1:]:
        assert ranks[other.department.code] == (other.rank, other.rank - 1)
    by_rank = sorted(outcome.departments, key=lambda d: d.result.rank)
    totals = [d.result.card.total for d in by_rank]
    assert totals == sorted(totals, reverse=True)


def test_deductions_stay_within_their_caps(ward, keyring, tmp_path):
    r = _collected(ward)[0]
    code, table = r.department.code, ward.setup.table
    penalty = table.sections_of("penalty")[0]
    values = {}
    for crit in penalty.criteria:
        values[_rv(code, crit.code)] = float(crit.max)
        values[_rr(code, crit.code)] = "Biên bản thẩm định của Thường trực Ban"
    edited = edit_master(ward.master, tmp_path / "penalty.xlsx", values)
    outcome = review_master(ward.setup, edited, keyring)
    mine = _reviewed(outcome, code).result.card
    assert sum(c.max for c in penalty.criteria) > penalty.max
    assert mine.penalty_raw == sum(c.max for c in penalty.criteria) and mine.penalty == penalty.max
    assert mine.total == max(D(0), mine.base + mine.bonus - penalty.max)
    assert mine.rating != table.bands[0].label                      # V.3/V.4 deductions bar the top band
    assert [(f.code, f.criterion) for f in outcome.findings if f.severity != "info"] == [("R10", penalty.code)]


def test_next_version_names():
    assert next_version_path(Path("out/TONGHOP_2024_X.xlsx"), 1) == Path("out/TONGHOP_2024_X_thamdinh_v2.xlsx")
    assert next_version_path(Path("TONGHOP_2024_X_thamdinh_v2.xlsx"), 2) == Path("TONGHOP_2024_X_thamdinh_v3.xlsx")


def test_master_of_another_criteria_table_or_not_a_master_is_refused(ward, keyring):
    other = dataclasses.replace(ward.setup, table=dataclasses.replace(ward.setup.table, content_hash="0" * 64))
    with pytest.raises(ReviewError, match="bảng tiêu chí khác"):
        review_master(other, ward.master, keyring)

"""Issue 13, items 8 and 2 (review part): every reviewed version is complete, and the ward can overturn a
unit's "Không áp dụng" with a reason, audited."""

from __future__ import annotations

import dataclasses
import subprocess
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from bdg_workbook.domain.result import CollectResult
from bdg_workbook.domain.scoring import NOT_APPLICABLE, ItemInput, score
from bdg_workbook.layout.master import (CARRIED_TABLES, MASTER_SHEETS, SHEET_AUDIT, SHEET_BONUS, SHEET_EVIDENCE,
                                        SHEET_FILES, SHEET_FINDINGS, SHEET_SUMMARY, review_name)
from bdg_workbook.master import report
from bdg_workbook.master.sheets import FIRST_DATA_ROW
from bdg_workbook.review.report import write_reviewed_master
from bdg_workbook.review.review_round import review_master
from bdg_workbook.trust.signing import SIGNED_MASTER_KEYS, KeyRing, ensure_key_pair, load_private_key, public_key_path
from bdg_workbook.untrusted.master_reader import check_integrity, parse_data, read_master
from libreoffice import convert, soffice_available
from test_report_master import make_result
from wards import edit_master, named_cell

D = Decimal


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory):
    path = tmp_path_factory.mktemp("key") / "ward-signing.key"
    ensure_key_pair(path)
    key = load_private_key(path)
    return (lambda meta: key.sign(meta, SIGNED_MASTER_KEYS)), KeyRing.load(public_key_path(path))


def _with_not_applicable(setup, result: CollectResult) -> tuple[CollectResult, str, str]:
    """The hand-made result with one unit that marked an N/A-able criterion "Không áp dụng"."""
    crit = next(c for c in setup.table.criteria if c.allow_na and c.method == "ratio")
    r = result.departments[1]
    inputs = {c.code: ItemInput(D(0) if c.method != "yesno" else True, c.default_target) for c in setup.table.criteria}
    inputs[crit.code] = ItemInput(None, crit.default_target, not_applicable=True)
    card = score(setup.table, inputs)
    departments = list(result.departments)
    departments[1] = dataclasses.replace(r, self_card=card, card=card)
    return dataclasses.replace(result, departments=departments), r.department.code, crit.code


@pytest.fixture(scope="module")
def versions(setup, keys, tmp_path_factory: pytest.TempPathFactory):
    """Collect master, then two review rounds: round 1 lowers one criterion and a bonus criterion, round 2 none."""
    sign, ring = keys
    folder = tmp_path_factory.mktemp("versions")
    result, _na_dept, _na_code = _with_not_applicable(setup, make_result(setup))
    master = folder / "TONGHOP_2024_X.xlsx"
    report.write_master(result, master, sign)
    claimed = {code for r in result.departments for claim in r.submission.bonus for code in [claim.code.value]}
    r0 = next(r for r in result.departments if any(r.card.items[c].points > 0 for c in claimed))
    base = next(c for c, it in r0.card.items.items() if it.points > 0 and c.startswith("I."))
    bonus = next(c for c in claimed if r0.card.items[c].points > 0)
    dept = r0.department.code
    edited = edit_master(master, folder / "edit1.xlsx", {
        review_name("verified", dept, base): 0, review_name("reason", dept, base): "Không có văn bản",
        review_name("verified", dept, bonus): 0, review_name("reason", dept, bonus): "Thuyết minh không đạt"})
    first = review_master(setup, edited, ring)
    v2 = folder / "TONGHOP_2024_X_thamdinh_v2.xlsx"
    write_reviewed_master(first, v2, sign)
    second = review_master(setup, v2, ring)
    v3 = folder / "TONGHOP_2024_X_thamdinh_v3.xlsx"
    write_reviewed_master(second, v3, sign)
    return {"result": result, "master": master, "v2": v2, "v3": v3, "first": first, "second": second,
            "dept": dept, "bonus": bonus, "ring": ring}


def _table(path: Path, sheet: str) -> list[tuple]:
    book = openpyxl.load_workbook(path)
    name = CARRIED_TABLES[sheet]
    ws_name, ref = next(book.defined_names[name].destinations)
    return [tuple(c.value.strip() if isinstance(c.value, str) else c.value for c in row)   # read back trimmed
            for row in book[ws_name][ref.replace("$", "")]]


def test_every_version_keeps_every_sheet_and_table(versions):
    for key in ("master", "v2", "v3"):
        assert tuple(openpyxl.load_workbook(versions[key]).sheetnames) == MASTER_SHEETS
    for sheet in (SHEET_EVIDENCE, SHEET_FILES):
        original = _table(versions["master"], sheet)
        assert len(original) > 2
        assert _table(versions["v2"], sheet) == original == _table(versions["v3"], sheet)


def test_findings_accumulate_and_counts_are_current(versions):
    collected = _table(versions["master"], SHEET_FINDINGS)
    v2 = _table(versions["v2"], SHEET_FINDINGS)
    assert v2[:len(collected)] == collected
    added = v2[len(collected):]
    assert [row[1] for row in added] == ["R11", "R11"] and {row[2] for row in added} == {versions["dept"]}
    assert _table(versions["v3"], SHEET_FINDINGS) == v2      # round 2 changed nothing and found nothing
    book = openpyxl.load_workbook(versions["v3"])
    note = book[SHEET_FINDINGS]["A2"].value
    errors = sum(1 for row in v2[1:] if row[0] == "LỖI")
    warnings = sum(1 for row in v2[1:] if row[0] == "CẢNH BÁO")
    assert note.startswith(f"{errors} lỗi, {warnings} cảnh báo, {len(v2) - 1} dòng") and "2 vòng thẩm định" in note


def test_bonus_table_shows_the_points_in_force(versions):
    before = {(r[0], r[1]): r[-2] for r in _table(versions["master"], SHEET_BONUS)[1:]}
    after = {(r[0], r[1]): r[-2] for r in _table(versions["v2"], SHEET_BONUS)[1:]}
    key = (versions["dept"], versions["bonus"])
    assert key in before and before[key] > 0 and after[key] == 0
    assert {k: v for k, v in before.items() if k != key} == {k: v for k, v in after.items() if k != key}


def test_carried_tables_are_covered_by_the_hash_and_signature(versions, setup, tmp_path):
    master = read_master(versions["v2"])
    assert set(master.tables) == set(CARRIED_TABLES) and not check_integrity(master, versions["ring"]).problems
    book = openpyxl.load_workbook(versions["v2"])
    ws = book[SHEET_EVIDENCE]
    ws.cell(FIRST_DATA_ROW + 1, 4).value = "99/QĐ-GIẢ"
    book.save(tmp_path / "edited.xlsx")
    outcome = review_master(setup, tmp_path / "edited.xlsx", versions["ring"])
    assert outcome.blocked and ("R06", SHEET_FINDINGS) in {(f.code, f.sheet) for f in outcome.findings}


# ---------------------------------------------------------------- overturning "Không áp dụng"


@pytest.fixture(scope="module")
def na_master(setup, keys, tmp_path_factory: pytest.TempPathFactory):
    sign, _ring = keys
    result, dept, code = _with_not_applicable(setup, make_result(setup))
    path = tmp_path_factory.mktemp("na") / "TONGHOP_2024_NA.xlsx"
    report.write_master(result, path, sign)
    return path, result, dept, code


def test_na_row_is_prefilled_with_the_text_and_kept_when_left(na_master, setup, keys):
    path, _result, dept, code = na_master
    cell = named_cell(openpyxl.load_workbook(path), review_name("verified", dept, code))
    assert cell.value == NOT_APPLICABLE
    outcome = review_master(setup, path, keys[1])
    assert not [f for f in outcome.findings if f.criterion == code]
    reviewed = next(d for d in outcome.departments if d.result.department.code == dept)
    assert not reviewed.result.card.items[code].applicable


def test_overturn_needs_a_reason(na_master, setup, keys, tmp_path):
    path, _result, dept, code = na_master
    edited = edit_master(path, tmp_path / "e.xlsx", {review_name("verified", dept, code): 3})
    outcome = review_master(setup, edited, keys[1])
    assert ("R12", code) in {(f.code, f.criterion) for f in outcome.findings} and not outcome.edits
    zero = edit_master(path, tmp_path / "z.xlsx", {review_name("verified", dept, code): 0})
    assert not [f for f in review_master(setup, zero, keys[1]).findings if f.criterion == code]


def test_overturned_na_is_scored_audited_and_kept_in_later_rounds(na_master, setup, keys, tmp_path):
    path, result, dept, code = na_master
    sign, ring = keys
    crit = setup.table.criterion(code)
    edited = edit_master(path, tmp_path / "e.xlsx", {review_name("verified", dept, code): 2,
                                                     review_name("reason", dept, code): "Đơn vị có thực hiện"})
    outcome = review_master(setup, edited, ring)
    assert ("R20", code) in {(f.code, f.criterion) for f in outcome.findings} and not outcome.error_count
    reviewed = next(d for d in outcome.departments if d.result.department.code == dept)
    card = reviewed.result.card
    counted = next(r for r in result.departments if r.department.code == dept).card
    assert card.items[code].applicable and card.items[code].points == 2
    assert card.applicable_max == counted.applicable_max + crit.max          # back on the full scale
    [line] = outcome.edits
    assert (line.criterion, line.before, line.after) == (code, 0, 2) and "Không áp dụng" in line.reason
    v2 = tmp_path / "v2.xlsx"
    write_reviewed_master(outcome, v2, sign)
    audit = openpyxl.load_workbook(v2)[SHEET_AUDIT]
    assert any(row[4] == code and "Đơn vị có thực hiện" in (row[7] or "")
               for row in audit.iter_rows(min_row=FIRST_DATA_ROW, values_only=True))
    data = {d.code: d for d in parse_data(read_master(v2).data, [c.code for c in setup.table.criteria])}
    assert data[dept].not_applicable == (code,) and data[dept].not_applicable_at(2) == ()
    again = review_master(setup, v2, ring)            # round 2: the overturn stays, nothing is re-reported
    assert not again.blocked and not [f for f in again.findings if f.criterion == code]
    kept = next(d for d in again.departments if d.result.department.code == dept).result.card
    assert kept.items[code].applicable and kept.total == card.total
    assert named_cell(openpyxl.load_workbook(v2), review_name("verified", dept, code)).value == 2


# ---------------------------------------------------------------- the report prints on one page


def _report_pages(pdf: Path) -> int:
    """Pages before the appendix ("Phụ lục") in the PDF of a whole master."""
    pages = int(next(line.split()[1] for line in subprocess.run(["pdfinfo", str(pdf)], capture_output=True,
                                                                 text=True, check=True).stdout.splitlines()
                     if line.startswith("Pages:")))
    for page in range(1, pages + 1):
        text = subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), str(pdf), "-"], capture_output=True,
                              text=True, check=True).stdout
        if "BẢNG TỔNG HỢP ĐIỂM CHI TIẾT" in text:
            return page - 1
    return pages


@pytest.mark.skipif(not soffice_available(), reason="LibreOffice (soffice) không có trên máy")
def test_report_page_prints_on_one_page_in_every_version(versions, tmp_path):
    pdfs = convert([versions["master"], versions["v2"], versions["v3"]], tmp_path, "pdf")
    assert [_report_pages(pdf) for pdf in pdfs.values()] == [1, 1, 1]
    summary = openpyxl.load_workbook(versions["v3"])[SHEET_SUMMARY]
    assert summary.sheet_properties.pageSetUpPr.fitToPage
    assert (summary.page_setup.fitToHeight or 1, summary.page_setup.fitToWidth or 1) == (1, 1)

"""The ward master workbook and its exports (issue 3 item 3; issue 4 items 3-4), built from a hand-made result."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import hashlib
import io
import json
import unicodedata
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from bdg_workbook.domain import findings as fnd
from bdg_workbook.master import report
from bdg_workbook.layout.master import (DATA_COLUMNS, HIDDEN_SHEETS, MASTER_META_KEYS, MASTER_SHEETS,
                                        SHEET_APPENDIX, SHEET_BONUS, SHEET_CHART, SHEET_DATA, SHEET_EVIDENCE,
                                        SHEET_FILES, SHEET_FINDINGS, SHEET_META, SHEET_MISSING, SHEET_SUMMARY)
from bdg_workbook.domain.model import Setup
from bdg_workbook.master.sheets import FIRST_DATA_ROW, HEADER_ROW
from bdg_workbook.domain.result import (STATUS_COLLECTED, STATUS_REJECTED, STATUS_SUPERSEDED, CollectResult,
                                 DepartmentResult, FileOutcome, assign_ranks)
from bdg_workbook.domain.scoring import ItemInput, score
from bdg_workbook.domain.submission import BonusClaim, Cell, EvidenceRow, Submission

LONG = "Dài " * 10_000                                          # 40,000 characters
NFD = unicodedata.normalize("NFD", "Hội nghị tuyên truyền bình đẳng giới")
HOSTILE = ["=1+1", "@SUM(A1)", "+84 912", "-x", "\tthụt lề", '=HYPERLINK("http://x.invalid","bấm")',
           "=cmd|' /C calc'!A0", LONG, "a\x07b\x00c\x1bd", NFD]
MISSING_INDEX = 4          # this department does not return


# ---------------------------------------------------------------- a hand-made result


def _inputs(setup: Setup, i: int) -> dict[str, ItemInput]:
    out = {}
    for j, crit in enumerate(setup.table.criteria):
        if crit.method == "yesno":
            out[crit.code] = ItemInput((i + j) % 4 != 0)
        elif crit.method == "ratio":
            out[crit.code] = ItemInput(Decimal((i * 3 + j) % 6), crit.default_target)
        elif crit.method == "percent":
            out[crit.code] = ItemInput(Decimal(55 + (i * 7 + j) % 46))
        else:
            out[crit.code] = ItemInput(Decimal((i + j) % 3) if crit.section != "V" else Decimal(i % 2))
    return out


def _cell(sheet: str, ref: str, value: object) -> Cell:
    return Cell(sheet, ref, value)


def _evidence(i: int) -> list[EvidenceRow]:
    rows = []
    for k, text in enumerate(HOSTILE if i == 0 else ["Hội nghị tuyên truyền", "Kế hoạch năm"]):
        r = 5 + k
        rows.append(EvidenceRow(r, _cell("Minh chứng", f"B{r}", "II.1" if k % 2 else "I.1"),
                                _cell("Minh chứng", f"C{r}", text),
                                _cell("Minh chứng", f"D{r}", f"{k + 1:02d}/KH-{i}" if k != 1 else "=2*3"),
                                _cell("Minh chứng", f"E{r}", Decimal(45413) if k % 2 else "2024-05-06"),
                                _cell("Minh chứng", f"F{r}", "UBND phường"), _cell("Minh chứng", f"G{r}", None),
                                _cell("Minh chứng", f"H{r}", "@ghi chú" if k == 0 else None)))
    blank = 5 + len(rows)
    rows.append(EvidenceRow(blank, *[_cell("Minh chứng", f"{c}{blank}", None) for c in "BCDEFGH"]))
    return rows


def _bonus(setup: Setup, i: int) -> list[BonusClaim]:
    keys = [f.key for f in setup.table.justification_fields]
    fields = {k: _cell("Điểm thưởng", f"{chr(68 + n)}5", "=1+1" if n == 0 else f"Nội dung {n}")
              for n, k in enumerate(keys)}
    if i % 2:
        fields[keys[-1]] = _cell("Điểm thưởng", "H5", None)
    return [BonusClaim(5, _cell("Điểm thưởng", "B5", "IV.1"), _cell("Điểm thưởng", "C5", "+Mô hình hay"),
                       fields, _cell("Điểm thưởng", "I5", "05/QĐ-UBND"))]


def make_result(setup: Setup) -> CollectResult:
    """Every department but one scored from made-up inputs, with findings and hostile texts."""
    table = setup.table
    results, files, all_findings = [], [], []
    for i, dept in enumerate(setup.departments):
        name = f"TDCD_2024_{dept.code}.xlsx"
        sha = hashlib.sha256(name.encode()).hexdigest()
        if i == MISSING_INDEX:
            continue
        excluded = {"II.1": "E02"} if i % 3 == 0 else {}
        inputs = _inputs(setup, i)
        sub = Submission(f"inbox/{name}", name, sha, 20_000 + i, 0.0, {"department_code": dept.code},
                         {}, {}, {}, _evidence(i), _bonus(setup, i))
        found = []
        if excluded:
            found.append(fnd.make("E02", department=dept.code, file=name, sheet="Chấm điểm", cell="J14",
                                  value="=1+1" if i == 0 else "10", criterion="II.1", points="10"))
        found.append(fnd.make("W04", department=dept.code, file=name, sheet="Chấm điểm", cell="J40",
                              value="@SUM(A1)", name="total", expected="1"))
        errors = sum(f.severity == fnd.ERROR for f in found)
        warnings = sum(f.severity == fnd.WARNING for f in found)
        results.append(DepartmentResult(dept, name, sha, dt.date(2024, 9, 1 + i % 20), sub,
                                        score(table, inputs), score(table, inputs, excluded),
                                        errors=errors, warnings=warnings))
        files.append(FileOutcome(f"inbox/{name}", name, sha, 20_000 + i, dept.code, STATUS_COLLECTED,
                                 errors, warnings))
        all_findings += found
    files.append(FileOutcome("inbox/=evil.xlsx", "=evil.xlsx", "0" * 64, 10, "", STATUS_REJECTED, 1, 0))
    files.append(FileOutcome("inbox/old.xlsx", "old.xlsx", "1" * 64, 11, setup.departments[0].code,
                             STATUS_SUPERSEDED, 0, 1))
    all_findings.append(fnd.make("F01", file="=evil.xlsx", reason="không phải tệp zip"))
    all_findings.append(fnd.make("W13", department=setup.departments[MISSING_INDEX].code))
    assign_ranks(results, table.sections_of("penalty")[0].code)
    return CollectResult(setup, "inbox", "2024-09-25T08:30:00+07:00", results,
                         [setup.departments[MISSING_INDEX]], files, all_findings)


@pytest.fixture(scope="module")
def result(setup: Setup) -> CollectResult:
    return make_result(setup)


@pytest.fixture(scope="module")
def master(result: CollectResult, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("master") / "TONGHOP_2024_NHONHUNG.xlsx"
    report.write_master(result, path)
    return path


@pytest.fixture(scope="module")
def book(master: Path) -> openpyxl.Workbook:
    return openpyxl.load_workbook(master)


def _rows(ws) -> list[tuple]:
    return list(ws.iter_rows(values_only=True))


def _summary_row(ws, short_name: str) -> tuple:
    return next(r for r in ws.iter_rows(values_only=True) if r[1] == short_name)


# ---------------------------------------------------------------- the workbook


def test_sheet_names_order_and_hidden(book):
    assert tuple(book.sheetnames) == MASTER_SHEETS
    assert all(len(name) <= 31 for name in book.sheetnames)
    hidden = {ws.title for ws in book.worksheets if ws.sheet_state == "hidden"}
    assert hidden == set(HIDDEN_SHEETS)


def test_summary_numbers_ranks_ratings(book, result):
    ws = book[SHEET_SUMMARY]
    for r in result.departments:
        row = _summary_row(ws, r.department.short_name)
        card = r.card
        sections = [float(card.sections[s.code].capped) for s in result.setup.table.sections_of("base")]
        assert list(row[2:5]) == pytest.approx(sections)
        assert row[5:9] == pytest.approx((float(card.base), float(card.bonus), float(card.penalty), float(card.total)))
        assert (row[9], row[10], row[11], row[12]) == (r.rank, card.rating, r.errors, r.warnings)
    ranks = sorted(r.rank for r in result.departments)
    assert ranks[0] == 1 and ranks[-1] <= len(result.departments)
    assert ws["F" + str(_row_number(ws, result.departments[0].department.short_name))].number_format == "0.00"


def _row_number(ws, short_name: str) -> int:
    return next(c.row for c in ws["B"] if c.value == short_name)


def test_summary_rows_follow_departments_yaml_and_missing_says_chua_nop(book, setup):
    ws = book[SHEET_SUMMARY]
    names = [d.short_name for d in setup.departments]
    rows = [r for r in _rows(ws) if r[1] in names]
    assert [r[1] for r in rows] == names and [r[0] for r in rows] == list(range(1, len(names) + 1))
    missing = _summary_row(ws, setup.departments[MISSING_INDEX].short_name)
    assert missing[2] == "Chưa nộp" and all(v is None for v in missing[3:])


def test_summary_header_title_and_signature_block(book, setup):
    texts = [v for row in _rows(book[SHEET_SUMMARY]) for v in row if isinstance(v, str)]
    cfg = setup.config
    for expected in (*cfg.aggregator_header, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
                     f"Số: …/{cfg.report_symbol}", f"{cfg.place_name}, ngày … tháng … năm {cfg.year}", "BÁO CÁO",
                     f"Kính gửi: {cfg.sends_to}.", "Nơi nhận:", *cfg.signer_lines, cfg.signer_name):
        assert expected in texts
    assert any(t.startswith("Kết quả chấm điểm phong trào thi đua “Vì sự tiến bộ") for t in texts)
    assert all(f"- {r}" in texts for r in cfg.recipients)
    lead = next(t for t in texts if "đã gửi bảng tự chấm điểm 14 đơn vị" in t)
    assert "chưa gửi 1 đơn vị" in lead and "Điểm tổng bình quân" in lead


def test_injection_texts_are_strings_never_formulas(book):
    ws = book[SHEET_EVIDENCE]
    cells = [c for row in ws.iter_rows(min_row=FIRST_DATA_ROW + 1) for c in row if c.value is not None]
    by_value = {c.value: c for c in cells}
    for text in ("=1+1", "@SUM(A1)", "+84 912", "-x", "\tthụt lề", '=HYPERLINK("http://x.invalid","bấm")',
                 "=cmd|' /C calc'!A0", "=2*3", "@ghi chú"):
        assert by_value[text].data_type == "s", text
    assert all(c.data_type != "f" for c in cells)
    for name in book.sheetnames:
        assert all(c.data_type != "f" for row in book[name].iter_rows() for c in row), name
    assert not book[SHEET_EVIDENCE]._hyperlinks


def test_long_control_and_nfd_texts_are_cleaned(book):
    values = [c.value for row in book[SHEET_EVIDENCE].iter_rows() for c in row if isinstance(c.value, str)]
    long = next(v for v in values if v.startswith("Dài Dài"))
    assert len(long) == 32_767 and long.endswith("…")
    assert "abcd" in values
    assert unicodedata.normalize("NFC", NFD) in values and NFD not in values


def test_evidence_register_merges_rows_skips_blank_and_shows_dates(book, result):
    ws = book[SHEET_EVIDENCE]
    header = [c.value for c in ws[HEADER_ROW + 1]]
    assert header[:8] == ["Đơn vị", "Mã tiêu chí", "Tên hoạt động/kết quả", "Số, ký hiệu văn bản", "Ngày",
                          "Cơ quan ban hành/người ký", "Tệp", "Ghi chú"]
    rows = _rows(ws)[FIRST_DATA_ROW:]
    assert len(rows) == len(HOSTILE) + 2 * (len(result.departments) - 1)
    assert {r[4] for r in rows} == {"06/05/2024", "01/05/2024"}
    assert ws.auto_filter.ref == f"A{HEADER_ROW + 1}:I{HEADER_ROW + len(rows) + 1}"


def test_findings_sheet_has_every_finding_with_filter_and_frozen_header(book, result):
    ws = book[SHEET_FINDINGS]
    rows = _rows(ws)[FIRST_DATA_ROW:]
    assert [(r[1], r[2], r[6]) for r in rows] == [(f.code, f.department or None, f.cell or None)
                                                  for f in result.findings]
    assert {r[0] for r in rows} == {"LỖI", "CẢNH BÁO"}
    assert ws.auto_filter.ref.startswith(f"A{HEADER_ROW + 1}:")
    assert ws.freeze_panes == f"A{FIRST_DATA_ROW + 1}"
    assert ws.cell(FIRST_DATA_ROW + 1, 8).data_type == "s"       # Giá trị "=1+1" kept as text


def test_bonus_missing_and_files_sheets(book, result, setup):
    bonus = _rows(book[SHEET_BONUS])[FIRST_DATA_ROW:]
    assert len(bonus) == len(result.departments)
    first = result.departments[0]
    row = next(r for r in bonus if r[0] == first.department.code)
    assert row[2] == "+Mô hình hay" and row[3] == "=1+1" and row[9] == "Đủ"
    assert row[10] == pytest.approx(float(first.card.items["IV.1"].points))
    assert any(r[9] == "Thiếu" for r in bonus)
    missing = _rows(book[SHEET_MISSING])[FIRST_DATA_ROW:]
    assert [r[1] for r in missing] == [setup.departments[MISSING_INDEX].code]
    files = _rows(book[SHEET_FILES])[FIRST_DATA_ROW:]
    assert len(files) == len(result.files)
    assert {r[3] for r in files} >= {"Đã tổng hợp", "Bị từ chối"}
    assert files[-2][1] == "=evil.xlsx" and files[-2][4] == "0" * 64


def test_appendix_matrix_counted_points_and_rating(book, result, setup):
    ws = book[SHEET_APPENDIX]
    rows = _rows(ws)
    header = next(r for r in rows if r[0] == "Mã")
    codes = [d.code for d in setup.departments]
    assert list(header[3:3 + len(codes)]) == codes
    first = result.departments[0]
    col = 3 + codes.index(first.department.code)
    crit_row = next(r for r in rows if r[0] == "II.1")                    # block A comes first
    assert crit_row[col] == pytest.approx(float(first.card.items["II.1"].points))
    self_row = [r for r in rows if r[0] == "II.1"][1]                      # block B: self-assessed
    assert self_row[col] == pytest.approx(float(first.self_card.items["II.1"].points))
    ratings = next(r for r in rows if r[0] == "Xếp loại")
    assert ratings[col] == first.card.rating and ratings[3 + MISSING_INDEX] == "Chưa nộp"
    section = next(r for r in rows if r[0] == "II")
    assert section[col] == pytest.approx(float(first.card.sections["II"].capped))


def test_print_setup(book):
    summary, appendix = book[SHEET_SUMMARY], book[SHEET_APPENDIX]
    for ws in (summary, appendix, book[SHEET_FINDINGS], book[SHEET_CHART]):
        assert ws.page_setup.paperSize == 9
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth in (None, 1)  # 1 = default
        assert ws.page_setup.fitToHeight == (None if ws is summary else 0)   # the report: one page (issue 13.8)
    assert summary.page_setup.orientation == "portrait" and appendix.page_setup.orientation == "landscape"
    assert summary.print_title_rows and appendix.print_title_rows
    assert summary.HeaderFooter.differentFirst and "&P" in summary.oddHeader.center.text
    assert summary.page_margins.left == pytest.approx(1.18)
    fonts = {c.font.name for row in summary.iter_rows() for c in row if c.value is not None}
    assert fonts == {"Times New Roman"}


def _closing_row(ws) -> int:
    return next(c.row for c in ws["A"] if isinstance(c.value, str) and c.value.startswith("Trên đây là báo cáo"))


def test_signature_block_is_never_split_across_pages(book, setup, tmp_path):
    summary = book[SHEET_SUMMARY]
    assert not summary.row_breaks.brk                        # 15 departments: one page, no break
    def sheet_for(count: int):
        units = tuple(dataclasses.replace(setup.departments[i % len(setup.departments)], code=f"D{i:02d}",
                                          short_name=f"Đơn vị số {i}") for i in range(count))
        path = tmp_path / f"m{count}.xlsx"
        report.write_master(make_result(dataclasses.replace(setup, departments=units)), path)
        return openpyxl.load_workbook(path)[SHEET_SUMMARY]

    ws = sheet_for(20)          # up to ~35 departments the report is printed fit to one page (issue 13.8)
    assert not ws.row_breaks.brk and ws.page_setup.fitToHeight is None
    ws = sheet_for(76)
    # 76 departments: the closing line and signer would straddle pages (checked in a PDF render), so a
    # page starts two table rows above the closing line (last table row, blank row, closing line)
    assert [b.id for b in ws.row_breaks.brk] == [_closing_row(ws) - 4] and ws.page_setup.fitToHeight == 0


def test_meta_sheet_keys_and_data_sheet(book, result, setup):
    meta = book[SHEET_META]
    values = {r[0]: r[1] for r in _rows(meta)}
    assert tuple(values) == MASTER_META_KEYS
    assert values["kind"] == "ward_master" and values["year"] == str(setup.config.year)
    assert values["template_hash"] == setup.table.content_hash and values["ward"] == setup.config.ward
    assert values["generated_at"] == result.generated_at and values["collected"] == "14"
    assert values["key_id"] is None and values["signature"] is None
    assert book.defined_names["meta_kind"].attr_text == "'meta'!$B$1"
    data = _rows(book[SHEET_DATA])
    assert data[0] == DATA_COLUMNS
    first = result.departments[0]
    got = {r[3]: (r[4], r[5]) for r in data if r[0] == first.department.code}
    assert got["II.1"] == pytest.approx((float(first.self_card.items["II.1"].points),
                                         float(first.card.items["II.1"].points)))
    assert got["total"][1] == pytest.approx(float(first.card.total)) and got["rating"][1] == first.card.rating
    assert got["rank"][1] == first.rank and got["sha256"][1] == first.sha256
    assert [r[2] for r in data if r[0] == setup.departments[MISSING_INDEX].code] == ["missing"]
    assert book.defined_names["master_data"].attr_text == f"'{SHEET_DATA}'!$A$1:$F${len(data)}"
    assert values["data_hash"] == report.data_hash([list(r) for r in data])


def test_signer_fills_the_signature_rows(result, tmp_path):
    seen = []

    def signer(meta):
        seen.append(meta)
        return "ab" * 8, "c2lnbmF0dXJl"
    path = tmp_path / "signed.xlsx"
    report.write_master(result, path, signer=signer)
    values = {r[0]: r[1] for r in _rows(openpyxl.load_workbook(path)[SHEET_META])}
    assert (values["key_id"], values["signature"]) == ("ab" * 8, "c2lnbmF0dXJl")
    assert seen[0]["data_hash"] == values["data_hash"] and seen[0]["kind"] == "ward_master"


def test_chart_refers_to_summary_totals(master):
    import zipfile
    with zipfile.ZipFile(master) as zf:
        chart = zf.read("xl/charts/chart1.xml").decode()
    assert "<c:barChart>" in chart and f"'{SHEET_SUMMARY}'!$I$" in chart and f"'{SHEET_SUMMARY}'!$B$" in chart


def test_nobody_returned_still_gives_a_complete_master(setup, tmp_path):
    empty = CollectResult(setup, "inbox", "2024-09-25T08:30:00", [], list(setup.departments), [], [])
    path = tmp_path / "empty.xlsx"
    report.write_master(empty, path)
    book = openpyxl.load_workbook(path)
    rows = [r for r in _rows(book[SHEET_SUMMARY]) if r[1] in {d.short_name for d in setup.departments}]
    assert len(rows) == len(setup.departments) and {r[2] for r in rows} == {"Chưa nộp"}
    assert _rows(book[SHEET_FINDINGS])[FIRST_DATA_ROW][0] == "(Không có)"
    assert len(_rows(book[SHEET_MISSING])) == FIRST_DATA_ROW + len(setup.departments)


def test_master_is_deterministic(result, master, tmp_path):
    again = tmp_path / "again.xlsx"
    report.write_master(result, again)
    assert again.read_bytes() == master.read_bytes()


def test_atomic_write_keeps_previous_master_when_writing_fails(result, master, tmp_path, monkeypatch):
    path = tmp_path / "TONGHOP.xlsx"
    path.write_bytes(master.read_bytes())
    before = path.read_bytes()

    def explode(*args, **kwargs):
        raise RuntimeError("hỏng giữa chừng")
    monkeypatch.setattr(report, "write_chart", explode)
    with pytest.raises(RuntimeError):
        report.write_master(result, path)
    monkeypatch.undo()
    monkeypatch.setattr("bdg_workbook.writing.safe_text.os.fsync", explode)
    with pytest.raises(RuntimeError):
        report.write_outputs(result, path, csv_folder=tmp_path / "csv")
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["TONGHOP.xlsx"]


# ---------------------------------------------------------------- JSON, CSV, manifest


def _csv(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    delimiter = ";" if path.name in report.CSV_FILES else ","   # Excel-in-Vietnamese copies vs machine tables
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""), delimiter=delimiter))


def test_csv_exports_are_neutralised(result, tmp_path):
    paths = report.write_csv_exports(result, tmp_path)
    assert [p.name for p in paths] == ["summary.csv", "findings.csv", "evidence.csv", "criteria.csv", "detail.csv"]
    evidence = _csv(tmp_path / "evidence.csv")
    titles = {row[2] for row in evidence[1:]}
    for text in ("'=1+1", "'@SUM(A1)", "'+84 912", "'-x", "'\tthụt lề", "'=cmd|' /C calc'!A0"):
        assert text in titles
    assert not any(cell[:1] in "=+-@\t\r" for row in evidence for cell in row if cell)
    findings = _csv(tmp_path / "findings.csv")
    assert len(findings) == len(result.findings) + 1 and findings[1][7] == "'=1+1"
    summary = _csv(tmp_path / "summary.csv")
    first = result.departments[0]
    row = next(r for r in summary if r[1] == first.department.code)
    assert row[10] == format(first.card.total, ".2f").replace(".", ",") and row[12] == first.card.rating
    assert next(r for r in summary if r[3] == "Chưa nộp")[4:] == [""] * (len(row) - 4)


def test_json_equals_library_result(result, tmp_path):
    path = tmp_path / "r.json"
    report.write_json(result, path)
    assert json.loads(path.read_text("utf-8")) == json.loads(json.dumps(result.as_dict()))


def test_write_outputs_and_manifest(result, tmp_path):
    master = tmp_path / "TONGHOP.xlsx"
    written = report.write_outputs(result, master, json_path=tmp_path / "TONGHOP.json", csv_folder=tmp_path / "csv")
    manifest = tmp_path / "TONGHOP.manifest.json"
    assert written[-1] == manifest
    data = json.loads(manifest.read_text("utf-8"))
    assert [(i["file"], i["sha256"], i["department"], i["status"], i["errors"], i["warnings"])
            for i in data["inputs"]] == [(f.display_name, f.sha256, f.department, f.status, f.errors, f.warnings)
                                         for f in result.files]
    outputs = {o["file"]: o["sha256"] for o in data["outputs"]}
    assert set(outputs) == {"TONGHOP.xlsx", "TONGHOP.json", "csv/summary.csv", "csv/findings.csv", "csv/evidence.csv",
                            "csv/criteria.csv", "csv/detail.csv"}
    assert outputs["TONGHOP.xlsx"] == hashlib.sha256(master.read_bytes()).hexdigest()
    assert data["counts"]["missing"] == 1


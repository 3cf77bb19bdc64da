"""The Ban's criteria spreadsheet and season-to-season diffs (issue 15, items 1 and 2), end to end through the CLI."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import openpyxl
import pytest
import yaml

from bdg_workbook.cli.main import main
from bdg_workbook.config.criteria_sheet import CRITERIA_COLUMNS, SHEET_CRITERIA, SHEET_INFO, SHEET_SECTIONS
from bdg_workbook.config.load import load_criteria
from bdg_workbook.config.templates import TEMPLATES_DIR

DEFAULT = TEMPLATES_DIR / "criteria-2024.yaml"
COL = {key: chr(ord("A") + i) for i, (key, *_rest) in enumerate(CRITERIA_COLUMNS)}


@pytest.fixture
def exported(tmp_path: Path, runner) -> Path:
    """The default table exported by the CLI."""
    target = tmp_path / "bang-tieu-chi.xlsx"
    result = runner.invoke(main, ["criteria", "export", str(target), "--criteria", str(DEFAULT)])
    assert result.exit_code == 0, result.output
    return target


def _row_of(sheet, code: str) -> int:
    return next(r for r in range(2, sheet.max_row + 1) if sheet[f"B{r}"].value == code)


def test_export_then_import_is_lossless(exported: Path, tmp_path: Path, runner):
    out = tmp_path / "criteria-2024.yaml"
    result = runner.invoke(main, ["criteria", "import", str(exported), "-o", str(out)])
    assert result.exit_code == 0, result.output
    original, imported = load_criteria(DEFAULT), load_criteria(out)
    assert imported.content_hash == original.content_hash and imported == original
    assert original.content_hash[:12] in result.output
    check = runner.invoke(main, ["criteria", "check", "--criteria", str(out)])
    assert check.exit_code == 0, check.output


def test_the_sheet_has_the_documented_layout(exported: Path):
    book = openpyxl.load_workbook(exported)
    assert {SHEET_CRITERIA, SHEET_SECTIONS, SHEET_INFO} <= set(book.sheetnames)
    crit = book[SHEET_CRITERIA]
    assert [c.value for c in crit[1]][:len(CRITERIA_COLUMNS)] == [h for _k, h, _w, _e in CRITERIA_COLUMNS]
    row = _row_of(crit, "II.1")
    assert crit[f"{COL['max']}{row}"].value == 20 and crit[f"{COL['method']}{row}"].value == "ratio"
    assert crit[f"{COL['default_target']}{row}"].value == 4 and crit[f"{COL['allow_na']}{row}"].value == "Có"
    assert "\n" in crit[f"{COL['evidence']}{row}"].value
    assert book[SHEET_SECTIONS]["F2"].value == "Xuất sắc" and book[SHEET_SECTIONS]["G2"].value == 180


def test_a_table_edited_in_a_spreadsheet_app_imports_with_its_changes(exported: Path, tmp_path: Path, runner):
    book = openpyxl.load_workbook(exported)
    crit = book[SHEET_CRITERIA]
    row = _row_of(crit, "II.3")
    crit[f"{COL['text']}{row}"] = "Hưởng ứng Tháng hành động (nội dung 2025)"
    crit[f"{COL['method']}{row}"] = "Tỷ lệ"                                  # the Vietnamese label is accepted
    info = book[SHEET_INFO]
    for r in range(2, info.max_row + 1):
        if info[f"A{r}"].value == "year":
            info[f"C{r}"] = 2025
        if info[f"A{r}"].value == "id":
            info[f"C{r}"] = "TDCD-BDG-2025"
    book.save(exported)
    out = tmp_path / "c.yaml"
    assert runner.invoke(main, ["criteria", "import", str(exported), "-o", str(out)]).exit_code == 0
    table = load_criteria(out)
    assert table.year == 2025 and table.season == 2025 and table.template_id == "TDCD-BDG-2025"
    assert table.criterion("II.3").text.endswith("(nội dung 2025)") and table.criterion("II.3").method == "ratio"
    assert table.content_hash != load_criteria(DEFAULT).content_hash


def test_every_problem_is_named_by_sheet_row_and_column(exported: Path, tmp_path: Path, runner):
    book = openpyxl.load_workbook(exported)
    crit = book[SHEET_CRITERIA]
    r1, r2, r3 = _row_of(crit, "I.1"), _row_of(crit, "II.2"), _row_of(crit, "IV.1")
    crit[f"{COL['max']}{r1}"] = "mười"
    crit[f"{COL['method']}{r2}"] = "đoán"
    crit[f"{COL['allow_na']}{r3}"] = "có lẽ"
    crit[f"A{crit.max_row + 1}"] = "VII"
    crit[f"B{crit.max_row}"] = "VII.1"
    book.save(exported)
    out = tmp_path / "never.yaml"
    result = runner.invoke(main, ["criteria", "import", str(exported), "-o", str(out)])
    assert result.exit_code == 2 and not out.exists()
    text = result.output
    assert f"trang 'Tiêu chí', dòng {r1}, cột {COL['max']} (Điểm tối đa)" in text and "'mười'" in text
    assert f"trang 'Tiêu chí', dòng {r2}, cột {COL['method']} (Cách chấm)" in text
    assert f"trang 'Tiêu chí', dòng {r3}, cột {COL['allow_na']}" in text and "'Có' hoặc 'Không'" in text
    assert "Phần 'VII'" in text


def test_a_blank_sheet_exports_and_its_import_lists_what_is_missing(tmp_path: Path, runner):
    blank = tmp_path / "trong.xlsx"
    assert runner.invoke(main, ["criteria", "export", "--blank", str(blank)]).exit_code == 0
    book = openpyxl.load_workbook(blank)
    assert book[SHEET_CRITERIA].max_row == 1 and book[SHEET_INFO]["A2"].value == "id"
    result = runner.invoke(main, ["criteria", "import", str(blank), "-o", str(tmp_path / "x.yaml")])
    assert result.exit_code == 2
    assert "trang 'Thông tin chung', dòng 2, cột C" in result.output and "Chưa có phần nào" in result.output


def test_a_hostile_or_broken_spreadsheet_is_refused_cleanly(tmp_path: Path, runner):
    fake = tmp_path / "fake.xlsx"
    fake.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    result = runner.invoke(main, ["criteria", "import", str(fake)])
    assert result.exit_code == 2 and ".xls" in result.output and "Traceback" not in result.output
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
        zf.writestr("xl/worksheets/sheet1.xml", b"0" * (20 * 1024 * 1024))
    result = runner.invoke(main, ["criteria", "import", str(bomb)])
    assert result.exit_code == 2 and "bom nén" in result.output


def test_import_never_overwrites_a_different_template(exported: Path, tmp_path: Path, runner):
    out = tmp_path / "criteria.yaml"
    out.write_text("# bảng của phường, đã sửa tay\n", encoding="utf-8")
    result = runner.invoke(main, ["criteria", "import", str(exported), "-o", str(out)])
    assert result.exit_code == 2 and "không ghi đè" in result.output
    assert out.read_text(encoding="utf-8") == "# bảng của phường, đã sửa tay\n"
    assert runner.invoke(main, ["criteria", "import", str(exported), "-o", str(out), "--force"]).exit_code == 0


def _edited_copy(tmp_path: Path) -> Path:
    data = yaml.safe_load(DEFAULT.read_text(encoding="utf-8"))
    data["meta"].update({"version": "2025.1", "year": 2025, "id": "TDCD-BDG-2025"})
    sec1 = data["sections"][0]["criteria"]
    sec1[0]["max"], sec1[1]["max"] = 4, 4                       # I.1 5 -> 4, I.2 3 -> 4 (sum unchanged)
    removed = sec1.pop()                                          # I.6 removed …
    sec1.append({**removed, "code": "I.7", "text": "Tiêu chí mới năm 2025."})   # … and I.7 added
    sec2 = data["sections"][1]["criteria"]
    sec2[0]["default_target"] = 6                                 # II.1 target 4 -> 6
    sec2[2]["text"] = "Nội dung mới của II.3."
    sec2[1]["method"], sec2[1]["unit"] = "percent", "%"           # II.2 ratio -> percent
    sec2[1].pop("default_target")
    path = tmp_path / "criteria-2025.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def test_diff_lists_added_removed_and_changed_criteria(tmp_path: Path, runner, exported: Path):
    new = _edited_copy(tmp_path)
    result = runner.invoke(main, ["criteria", "diff", str(DEFAULT), str(new)])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "năm 2024" in out and "năm 2025" in out and "phiên bản 2025.1" in out
    assert "+ I.7" in out and "- I.6" in out and "~ I.1:" in out and "điểm tối đa: 5 → 4" in out
    assert "chỉ tiêu: 4 → 6" in out and "cách chấm: Tỷ lệ → Nhập %" in out and "Nội dung mới của II.3." in out
    data = json.loads(runner.invoke(main, ["criteria", "diff", str(exported), str(new), "--format", "json"]).output)
    assert data["added"] == ["I.7"] and data["removed"] == ["I.6"] and not data["same"]
    assert {c["field"] for c in data["changed"]["II.2"]} >= {"method", "default_target", "unit"}
    assert data["changed"]["II.1"] == [{"field": "default_target", "old": "4", "new": "6"}]
    assert data["old"]["year"] == 2024 and data["new"]["year"] == 2025
    same = runner.invoke(main, ["criteria", "diff", str(DEFAULT), str(exported)])
    assert "giống hệt nhau" in same.output


def test_year_is_optional_and_a_table_without_it_keeps_its_hash(tmp_path: Path):
    data = yaml.safe_load(DEFAULT.read_text(encoding="utf-8"))
    base = load_criteria(DEFAULT)
    data["meta"]["year"] = 2024
    path = tmp_path / "with-year.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with_year = load_criteria(path)
    assert base.year is None and base.season == 2024 and with_year.year == 2024
    assert with_year.content_hash != base.content_hash        # the year is content once it is written


def test_every_field_of_the_table_has_a_place_in_the_sheet():
    """A field added to the model must get a column (or a setting) here, else export → import would lose it."""
    import dataclasses as dc
    from bdg_workbook.config.criteria_sheet import INFO_KEYS
    from bdg_workbook.domain.model import CriteriaTable, Criterion
    columns = {key for key, *_rest in CRITERIA_COLUMNS} | {"requires_justification"}
    assert {f.name for f in dc.fields(Criterion)} <= columns
    info = {key for key, *_rest in INFO_KEYS}
    elsewhere = {"template_id": "id", "top_no_deductions_in": "no_deductions_in", "top_section_min": "top_section",
                 "sections": None, "bands": None, "content_hash": None}     # None: its own sheet, or computed
    for f in dc.fields(CriteriaTable):
        name = elsewhere.get(f.name, f.name)
        assert name is None or name in info, f"CriteriaTable.{f.name} has no row in '{SHEET_INFO}'"

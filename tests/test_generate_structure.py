"""The generated department workbook keeps the layout contract: protection, inputs, validations, names, formulas."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils.cell import range_boundaries
from openpyxl.utils.datetime import to_excel
from openpyxl.worksheet.cell_range import CellRange
from xlsxwriter.workbook import Workbook

from bdg_workbook.domain.errors import BdgError
from bdg_workbook.workbook.formulas import all_formulas
from bdg_workbook.workbook.generate import build_workbook, generate_workbooks, workbook_filename
from bdg_workbook.layout.department import (BONUS_FIRST_ROW, BONUS_HEADER_ROW, BONUS_ROWS, EVIDENCE_HEADER_ROW, INFO_ROWS,
                                 SCORE_HEADER_ROW, SHEET_BONUS, SHEET_EVIDENCE, SHEET_META, SHEET_SCORE, SHEETS,
                                 CHECK_HEADER_ROW, SHEET_CHECK,
                                 Layout, absolute)
from bdg_workbook.workbook.locked import blank_score, expected_locked_content, formula_values, locked_hash, number_text
from bdg_workbook.domain.model import Criterion, Setup
from bdg_workbook.workbook.strict_writer import checked, guard

SAMPLE = ("HLHPN", "DTN", "LDTBXH")   # Quốc hiệu + seal, Đoàn heading, công chức without seal
CENT = Decimal("0.01")


@pytest.fixture(scope="module")
def books(setup: Setup, generated_workbooks: Path) -> dict[str, openpyxl.Workbook]:
    """The sample departments' generated workbooks, loaded with openpyxl."""
    out = {}
    for dept in setup.departments:
        if dept.code in SAMPLE:
            out[dept.code] = openpyxl.load_workbook(generated_workbooks / workbook_filename(setup, dept))
    return out


def cells_of(ref: str) -> set[str]:
    """Cell addresses of an ``A1`` or ``A1:B3`` reference (``$`` allowed)."""
    rng = CellRange(ref.replace("$", ""))
    return {f"{openpyxl.utils.get_column_letter(c)}{r}" for r, c in rng.cells}


def expected_inputs(lay: Layout, dept=None) -> set[tuple[str, str]]:
    """(sheet, cell) of every input named by the layout (less what the Ban locks for ``dept``)."""
    out = set()
    names = lay.input_names() if dept is None else lay.unit_input_names(dept)
    for name in names + lay.input_ranges():
        sheet, ref = lay.names[name]
        out |= {(sheet, c) for c in cells_of(ref)}
    return out


def test_every_sheet_present_and_protected(books):
    for wb in books.values():
        assert tuple(wb.sheetnames) == SHEETS
        for ws in wb:
            prot = ws.protection
            assert prot.sheet, ws.title
            assert prot.insertRows and prot.deleteRows and prot.insertColumns and prot.deleteColumns
            assert not prot.formatColumns and not prot.formatRows   # people may widen columns/rows


def test_unlocked_cells_are_exactly_the_layout_inputs(setup, books):
    lay = Layout(setup.table)
    depts = {d.code: d for d in setup.departments}
    for code, wb in books.items():
        want = expected_inputs(lay, depts[code])
        unlocked = {(ws.title, c.coordinate) for ws in wb for row in ws.iter_rows() for c in row
                    if c.protection.locked is False}
        assert unlocked == want, code
        for ws in wb:
            for dims in (ws.column_dimensions, ws.row_dimensions):
                assert all(d.protection.locked is not False for d in dims.values()), ws.title
        fills = {wb[s][c].fill.fill_type for s, c in want}
        assert fills == {None}      # the yellow cue is a conditional format, off paper (test_print_department)


def _expected_validations(setup: Setup, dept) -> dict[frozenset, tuple]:
    """Cells of each validation -> (type, operator, formula1, formula2) in ``dept``'s form."""
    lay, out = Layout(setup.table), {}
    year = setup.config.year
    in_year = ("date", "between", str(int(to_excel(dt.date(year, 1, 1)))),
               str(int(to_excel(dt.date(year, 12, 31)))))

    def put(name: str, spec: tuple) -> None:
        sheet, ref = lay.names[name]
        out[frozenset((sheet, c) for c in cells_of(ref))] = spec

    by_method = {"yesno": ("list", None, '"Có,Không"', None), "ratio": ("decimal", "greaterThanOrEqual", "0", None),
                 "percent": ("decimal", "between", "0", "1"), "count": ("whole", "greaterThanOrEqual", "0", None)}
    for crit in setup.table.criteria:
        put(f"in_{crit.key}_value", by_method[crit.method])
        if crit.method == "ratio" and crit.target_proposable:   # the Ban's target is the least
            put(f"in_{crit.key}_target", ("decimal", "greaterThanOrEqual", None, None))
        if dept.may_be_na(crit):
            put(f"in_{crit.key}_na", ("list", None, '"Không áp dụng"', None))
    for key, (_row, _label, is_input) in INFO_ROWS.items():
        if is_input:
            put(f"info_{key}", in_year if key == "date" else ("textLength", "lessThanOrEqual",
                                                                                        "200", None))
    codes = ",".join(c.code for c in setup.table.criteria)
    bonus = ",".join(c.code for s in setup.table.sections_of("bonus") for c in s.criteria)
    for name in lay.input_ranges():
        role = name.split("_", 1)[1]
        if role == "code":
            put(name, ("list", None, f'"{codes if name.startswith("ev_") else bonus}"', None))
        elif role == "date":
            put(name, ("date", "between", None, None))
        else:
            put(name, ("textLength", "lessThanOrEqual", "1000", None))
    return out


def test_each_validation_covers_exactly_its_cells_with_vietnamese_messages(setup, books):
    depts = {d.code: d for d in setup.departments}
    for code, wb in books.items():
        want = _expected_validations(setup, depts[code])
        seen = {}
        for ws in wb:
            for dv in ws.data_validations.dataValidation:
                cells = frozenset((ws.title, c) for rng in dv.sqref.ranges for c in cells_of(rng.coord))
                assert cells not in seen, (code, ws.title, dv.sqref)
                got = (dv.type, dv.operator, dv.formula1, dv.formula2)
                spec = want.get(cells)
                assert spec is not None, (code, ws.title, str(dv.sqref))
                assert got[0] == spec[0] and (spec[1] is None or (got[1] or "between") == spec[1]), (dv.sqref, got)
                assert spec[2] is None or got[2] == spec[2], (dv.sqref, got, spec)
                assert spec[3] is None or got[3] == spec[3], (dv.sqref, got, spec)
                assert dv.promptTitle and dv.errorTitle, dv.sqref
                for text in (dv.prompt, dv.error):
                    assert text and any(ord(ch) > 127 for ch in text), (dv.sqref, text)
                assert dv.showInputMessage and dv.showErrorMessage and dv.errorStyle in (None, "stop")
                seen[cells] = got
        assert set(seen) == set(want), code


def test_defined_names_are_exactly_the_layout(setup, books):
    lay = Layout(setup.table)
    for wb in books.values():
        assert set(wb.defined_names) == set(lay.names)
        for name, (sheet, cell) in lay.names.items():
            assert wb.defined_names[name].attr_text == absolute(sheet, cell), name
        assert all(len(ws.defined_names) == 0 for ws in wb)


def test_formulas_and_locked_content_are_as_issued(setup, books):
    lay = Layout(setup.table)
    formulas = all_formulas(lay)
    for code, wb in books.items():
        dept = next(d for d in setup.departments if d.code == code)
        score = wb[SHEET_SCORE]
        for cell, formula in formulas.items():
            assert score[cell].value == formula, cell
        complete = lay.bonus_columns["complete"]
        for row in range(BONUS_FIRST_ROW, BONUS_FIRST_ROW + BONUS_ROWS):
            assert wb[SHEET_BONUS][f"{complete}{row}"].value.startswith("=IF(")
        content = expected_locked_content(setup, dept)
        assert {n for n in content if n.startswith(("pts_", "pct_", "sec_"))} <= set(lay.names)
        for name, want in content.items():
            sheet, ref = lay.names[name]
            got = wb[sheet][ref].value
            assert (number_text(Decimal(str(got))) if isinstance(got, (int, float)) else got) == want, name


def test_blank_form_caches_the_scoring_values(setup, generated_workbooks):
    lay = Layout(setup.table)
    want = formula_values(lay, blank_score(setup.table))
    wb = openpyxl.load_workbook(generated_workbooks / workbook_filename(setup, setup.departments[0]), data_only=True)
    for cell, value in want.items():
        got = wb[SHEET_SCORE][cell].value
        if isinstance(value, str):
            assert (got or "") == value, cell
        else:
            assert Decimal(str(got)).quantize(CENT) == value.quantize(CENT), cell
    assert want[lay.names["applicable_max"][1]] == setup.table.base_max


def test_meta_sheet_hidden_with_keys(setup, books):
    lay = Layout(setup.table)
    for code, wb in books.items():
        dept = next(d for d in setup.departments if d.code == code)
        ws = wb[SHEET_META]
        assert ws.sheet_state in ("hidden", "veryHidden")
        meta = {}
        for name, (sheet, ref) in lay.names.items():
            if name.startswith("meta_"):
                key = name[5:]
                assert ws[ref.replace("B", "A")].value == key
                meta[key] = ws[ref].value
        assert meta["department_code"] == code and meta["year"] == str(setup.config.year)
        assert meta["template_hash"] == setup.table.content_hash and meta["generator"] == "bdg-workbook"
        assert meta["issued_at"] == setup.config.issue_date.isoformat()
        assert meta["locked_hash"] == locked_hash(expected_locked_content(setup, dept))
        assert meta["key_id"] in (None, "") and meta["signature"] in (None, "")


def test_print_setup(books):
    titles = {SHEET_SCORE: f"${SCORE_HEADER_ROW}:${SCORE_HEADER_ROW + 1}",
              SHEET_EVIDENCE: f"${EVIDENCE_HEADER_ROW}:${EVIDENCE_HEADER_ROW}",
              SHEET_BONUS: f"${BONUS_HEADER_ROW}:${BONUS_HEADER_ROW}",
              SHEET_CHECK: f"${CHECK_HEADER_ROW}:${CHECK_HEADER_ROW}"}
    for wb in books.values():
        for ws in wb:
            if ws.title == SHEET_META:
                continue
            ps = ws.page_setup
            assert ps.orientation == "landscape" and int(ps.paperSize) == 9 and ps.blackAndWhite
            assert ws.sheet_properties.pageSetUpPr.fitToPage and (ps.fitToWidth or 1) == 1 and ps.fitToHeight == 0
            assert ws.page_margins.left == pytest.approx(1.18) and ws.page_margins.right == pytest.approx(0.59)
            assert ws.HeaderFooter.differentFirst and "&P" in ws.oddHeader.center.text
            assert ws.print_title_rows == titles.get(ws.title)


def test_times_new_roman_and_row_heights(setup, books):
    lay = Layout(setup.table)
    for wb in books.values():
        assert wb._named_styles["Normal"].font.name == "Times New Roman"
        ws = wb[SHEET_SCORE]
        assert {c.font.name for row in ws.iter_rows() for c in row if c.value is not None} == {"Times New Roman"}
        for row in lay.criterion_rows.values():
            assert ws.row_dimensions[row].height and ws.row_dimensions[row].height >= 30


def _texts(ws) -> list[str]:
    return [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]


def test_header_and_signature_blocks(setup, books):
    cfg = setup.config
    hl, dtn, cc = (_texts(books[c][SHEET_SCORE]) for c in SAMPLE)
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in hl and "Độc lập - Tự do - Hạnh phúc" in hl
    assert "ĐOÀN TNCS HỒ CHÍ MINH" in dtn and "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" not in dtn
    for texts in (hl, dtn, cc):
        assert f"{cfg.place_name}, ngày …… tháng …… năm {cfg.year}" in texts and "BẢNG TỰ CHẤM ĐIỂM" in texts
    assert "(Ký, ghi rõ họ tên, đóng dấu)" in hl and "(Ký, ghi rõ họ tên, đóng dấu)" not in cc
    assert cc.count("NGƯỜI LẬP BIỂU") == 1 and hl.count("NGƯỜI LẬP BIỂU") == 1


def test_guide_sheet_carries_deadline_and_disclaimer(setup, books):
    text = " ".join(_texts(books["HLHPN"][SHEETS[0]]))
    assert setup.config.department_deadline.strftime("%d/%m/%Y") in text
    assert not setup.table.official and setup.table.disclaimer in text
    assert f"trang “{SHEET_CHECK}”" in text     # issue 13.7: the guide sends the unit to the check sheet


def test_checked_and_guard_raise_on_xlsxwriter_refusals():
    wb = Workbook(io.BytesIO(), {"in_memory": True})
    ws = wb.add_worksheet()
    too_long = [f"MỤC{i:03d}" for i in range(60)]
    with pytest.raises(BdgError, match="xlsxwriter"):
        with guard("thử"):
            checked(ws.data_validation("A1", {"validate": "list", "source": too_long}), "danh sách dài")
    with pytest.raises(BdgError, match="xlsxwriter"):
        with guard("thử"):
            ws.set_header("x" * 300)   # only warns, returns None
    assert checked(0, "ok") == 0 and checked(None, "ok") is None
    with pytest.raises(BdgError):
        checked(-1, "lỗi")
    wb.close()


def test_long_code_list_moves_to_the_meta_sheet(setup):
    sec = setup.table.section("II")
    many = tuple(Criterion(code=f"II.{i}", section="II", text=f"Tiêu chí thử {i}", max=Decimal(2), method="yesno",
                           allow_na=True) for i in range(1, 71))
    table = dataclasses.replace(setup.table, sections=tuple(
        dataclasses.replace(s, criteria=many) if s is sec else s for s in setup.table.sections))
    big = dataclasses.replace(setup, table=table)
    wb = openpyxl.load_workbook(io.BytesIO(build_workbook(big, big.departments[0])))
    codes = [c.code for c in table.criteria]
    dv = next(d for d in wb[SHEET_EVIDENCE].data_validations.dataValidation if d.type == "list")
    assert dv.formula1 == absolute(SHEET_META, f"D1:D{len(codes)}")
    assert [wb[SHEET_META][f"D{i + 1}"].value for i in range(len(codes))] == codes
    _min_col, _min_row, _max_col, max_row = range_boundaries(Layout(table).names["total"][1])
    assert wb[SHEET_SCORE][f"J{max_row}"].value.startswith("=MAX(")


def test_unknown_department_code_is_refused(setup, tmp_path):
    with pytest.raises(BdgError, match="XYZ"):
        generate_workbooks(setup, tmp_path, ["DTN", "XYZ"])
    assert list(tmp_path.iterdir()) == []
    written = generate_workbooks(setup, tmp_path, ["DTN", "CA"])
    assert sorted(p.name for p in written) == ["TDCD_2024_CA.xlsx", "TDCD_2024_DTN.xlsx"]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in written)


def test_too_many_header_lines_is_a_clear_error(setup):
    dept = dataclasses.replace(setup.departments[0], header_left=tuple(f"DÒNG {i}" for i in range(7)))
    with pytest.raises(BdgError, match="header_left"):
        build_workbook(setup, dept)

"""Writing the criteria table as the Ban's spreadsheet (layout in ``config.criteria_sheet``), or a blank one."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

from xlsxwriter.workbook import Workbook

from bdg_workbook.config.criteria_sheet import (BAND_COLUMNS, BAND_FIRST_COL, CRITERIA_COLUMNS, INFO_KEYS, NO,
                                                SECTION_COLUMNS, SHEET_CRITERIA, SHEET_GUIDE, SHEET_INFO,
                                                SHEET_SECTIONS, YES, band_rows, criteria_rows, info_values,
                                                na_policy_of, section_rows)
from bdg_workbook.domain.model import METHODS, SECTION_KINDS, CriteriaTable

FONT = "Times New Roman"
GUIDE = (
    "BẢNG TIÊU CHÍ THI ĐUA — MẪU BẢNG TÍNH ĐỂ BAN SOẠN VÀ NHẬP VÀO bdg-workbook",
    "",
    f"Trang '{SHEET_CRITERIA}': mỗi dòng một tiêu chí; cột và ý nghĩa như dưới đây.",
    f"Trang '{SHEET_SECTIONS}': cột A-D là các phần (I, II, …); cột F-G là các mức xếp loại, từ cao xuống thấp, "
    "mức cuối có điểm tối thiểu 0.",
    f"Trang '{SHEET_INFO}': mã bảng, phiên bản, năm, thang điểm và điều kiện mức cao nhất (cột C).",
    "Không đổi tên trang, không đổi thứ tự cột; dòng 1 là tiêu đề; dòng trống được bỏ qua.",
    "Nhập vào chương trình: bdg-workbook criteria import TỆP.xlsx -o templates/criteria-NĂM.yaml",
    "Mọi lỗi được báo kèm trang, dòng, cột và cách sửa; sửa rồi nhập lại.",
    "",
)


def criteria_workbook_bytes(table: CriteriaTable | None) -> bytes:
    """The spreadsheet for ``table`` (a blank one with headers, guide and lists when ``table`` is None)."""
    buffer = io.BytesIO()
    book = Workbook(buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
                             "strings_to_numbers": False,
                             "default_format_properties": {"font_name": FONT, "font_size": 11}})
    book.set_properties({"title": table.title if table else "Bảng tiêu chí (mẫu trống)", "author": "bdg-workbook",
                         "created": _fixed_date()})
    head = book.add_format({"bold": True, "text_wrap": True, "valign": "vcenter", "align": "center", "border": 1,
                            "bg_color": "#D9E1F2"})
    wrap = book.add_format({"text_wrap": True, "valign": "top", "border": 1})
    num = book.add_format({"valign": "top", "border": 1, "num_format": "General"})
    _guide(book, head, wrap)
    _criteria_sheet(book, table, head, wrap, num)
    _sections_sheet(book, table, head, wrap, num)
    _info_sheet(book, table, head, wrap, num)
    book.worksheets()[1].activate()
    book.close()
    return buffer.getvalue()


def _fixed_date() -> Any:
    import datetime as dt
    return dt.datetime(2024, 1, 1)   # deterministic bytes: same table, same file


def _guide(book: Workbook, head: Any, wrap: Any) -> None:
    sheet = book.add_worksheet(SHEET_GUIDE)
    sheet.set_column(0, 0, 24)
    sheet.set_column(1, 1, 90)
    row = 0
    for line in GUIDE:
        sheet.write_string(row, 0, line)
        row += 1
    sheet.write_string(row, 0, "Cột", head)
    sheet.write_string(row, 1, "Ý nghĩa", head)
    for _key, header, _w, explanation in CRITERIA_COLUMNS:
        row += 1
        sheet.write_string(row, 0, header, wrap)
        sheet.write_string(row, 1, explanation, wrap)


def _put(sheet: Any, row: int, col: int, value: Any, wrap: Any, num: Any) -> None:
    if value is None:
        sheet.write_blank(row, col, None, wrap)
    elif isinstance(value, (Decimal, int, float)) and not isinstance(value, bool):
        sheet.write_number(row, col, float(value), num)
    else:
        sheet.write_string(row, col, str(value), wrap)


def _criteria_sheet(book: Workbook, table: CriteriaTable | None, head: Any, wrap: Any, num: Any) -> None:
    sheet = book.add_worksheet(SHEET_CRITERIA)
    for i, (_key, header, width, explanation) in enumerate(CRITERIA_COLUMNS):
        sheet.set_column(i, i, width)
        sheet.write_string(0, i, header, head)
        sheet.write_comment(0, i, explanation)
    sheet.freeze_panes(1, 2)
    rows = criteria_rows(table)
    for r, values in enumerate(rows, 1):
        for c, value in enumerate(values):
            _put(sheet, r, c, value, wrap, num)
    last = max(len(rows) + 200, 300)
    keys = [k for k, *_ in CRITERIA_COLUMNS]
    _list(sheet, 1, keys.index("method"), last, list(METHODS))
    for key in ("allow_na", "requires_five_point_justification", "target_proposable", "on_time"):
        _list(sheet, 1, keys.index(key), last, [YES, NO])
    sheet.set_landscape()
    sheet.set_paper(9)
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(0)


def _list(sheet: Any, first: int, col: int, last: int, values: list[str]) -> None:
    result = sheet.data_validation(first, col, last, col, {"validate": "list", "source": values})
    if result not in (0, None):
        raise ValueError(f"data validation rejected by xlsxwriter ({result})")


def _sections_sheet(book: Workbook, table: CriteriaTable | None, head: Any, wrap: Any, num: Any) -> None:
    sheet = book.add_worksheet(SHEET_SECTIONS)
    for i, (_key, header, width) in enumerate(SECTION_COLUMNS):
        sheet.set_column(i, i, width)
        sheet.write_string(0, i, header, head)
    sheet.set_column(len(SECTION_COLUMNS), len(SECTION_COLUMNS), 3)
    for i, (_key, header, width) in enumerate(BAND_COLUMNS):
        sheet.set_column(BAND_FIRST_COL + i, BAND_FIRST_COL + i, width)
        sheet.write_string(0, BAND_FIRST_COL + i, header, head)
    for r, values in enumerate(section_rows(table), 1):
        for c, value in enumerate(values):
            _put(sheet, r, c, value, wrap, num)
    for r, values in enumerate(band_rows(table), 1):
        for c, value in enumerate(values):
            _put(sheet, r, BAND_FIRST_COL + c, value, wrap, num)
    _list(sheet, 1, 2, 50, list(SECTION_KINDS))


def _info_sheet(book: Workbook, table: CriteriaTable | None, head: Any, wrap: Any, num: Any) -> None:
    sheet = book.add_worksheet(SHEET_INFO)
    for i, (header, width) in enumerate((("Khóa", 22), ("Tên", 34), ("Giá trị", 60), ("Giải thích", 50))):
        sheet.set_column(i, i, width)
        sheet.write_string(0, i, header, head)
    never, allowed = na_policy_of(table) if table is not None else ((), True)
    values = info_values(table, never, allowed)
    for r, (key, label, explanation) in enumerate(INFO_KEYS, 1):
        sheet.write_string(r, 0, key, wrap)
        sheet.write_string(r, 1, label, wrap)
        _put(sheet, r, 2, values.get(key), wrap, num)
        sheet.write_string(r, 3, explanation, wrap)

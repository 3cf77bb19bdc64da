"""The master's working sheets: filterable tables, the chart, and the hidden data and meta sheets."""

from __future__ import annotations

from typing import Any

from xlsxwriter.workbook import Workbook

from bdg_workbook.layout.department import absolute
from bdg_workbook.layout.master import (DATA_NAME, MASTER_META_KEYS, SHEET_META, SHEET_SUMMARY, data_range, meta_cell,
                            meta_key_cell)
from bdg_workbook.master.print_pages import SummaryPlacement
from bdg_workbook.master.style import (FONT, PrintSheet, Styles, estimate_lines, merge_text, page_setup, put_number, put_text,
                           row_height)
from bdg_workbook.master.tables import INTEGER, NUMBER, Table
from bdg_workbook.domain.numbers import format_number
from bdg_workbook.writing.safe_text import clean_cell_text
from bdg_workbook.domain.result import CollectResult

TITLE_ROW, NOTE_ROW, HEADER_ROW = 0, 1, 2     # 0-based rows of every table sheet
FIRST_DATA_ROW = HEADER_ROW + 1
SIZE = 11                 # font size of the table sheets
MAX_PRINT_LINES = 12      # a row is never taller than this many lines (the cell keeps its full text)


def write_table(sheet: PrintSheet, st: Styles, title: str, note: str, table: Table,
                landscape: bool = True, empty_text: str = "(Không có)") -> None:
    """Title, note, a bold header (frozen, repeated on print, autofilter) and the rows, all text as strings."""
    last = len(table.columns) - 1
    for i, col in enumerate(table.columns):
        sheet.set_column(i, i, col.width)
    merge_text(sheet, TITLE_ROW, 0, TITLE_ROW, last, title, st(size=14, bold=True, align="center"))
    merge_text(sheet, NOTE_ROW, 0, NOTE_ROW, last, note, st(size=SIZE, italic=True, align="center", text_wrap=True))
    sheet.set_row(NOTE_ROW, row_height(estimate_lines(note, sum(c.width for c in table.columns), SIZE), SIZE))
    th = st(size=SIZE, bold=True, align="center", valign="vcenter", text_wrap=True, border=1, bg_color="#D9D9D9")
    for i, col in enumerate(table.columns):
        put_text(sheet, HEADER_ROW, i, col.label, th)
    sheet.set_row(HEADER_ROW, row_height(_lines([c.label for c in table.columns], table, SIZE * 1.2) + 1, SIZE))
    formats = {NUMBER: st(size=SIZE, num_format="0.00", valign="top", border=1),
               INTEGER: st(size=SIZE, num_format="0", align="center", valign="top", border=1)}
    text = st(size=SIZE, valign="top", text_wrap=True, border=1)
    for r, values in enumerate(table.rows, FIRST_DATA_ROW):
        for c, (col, value) in enumerate(zip(table.columns, values)):
            if col.kind in formats:
                put_number(sheet, r, c, value, formats[col.kind])
            else:
                put_text(sheet, r, c, "" if value is None else value, text)
        sheet.set_row(r, row_height(_lines(values, table, SIZE), SIZE))
    last_row = HEADER_ROW + len(table.rows)
    if not table.rows:
        merge_text(sheet, FIRST_DATA_ROW, 0, FIRST_DATA_ROW, last, empty_text, st(size=SIZE, italic=True, align="center"))
    sheet.autofilter(HEADER_ROW, 0, last_row, last)
    sheet.freeze_panes(FIRST_DATA_ROW, 0)
    sheet.print_area(0, 0, max(last_row, FIRST_DATA_ROW), last)
    page_setup(sheet, landscape=landscape, repeat=(HEADER_ROW, HEADER_ROW))


def _lines(values: list[Any], table: Table, size: float) -> int:
    """Lines the tallest text cell of a row needs (at most MAX_PRINT_LINES; the cell keeps all its text)."""
    lines = [estimate_lines(clean_cell_text(v, 4000), col.width, size)
             for col, v in zip(table.columns, values) if isinstance(v, str)]
    return min(MAX_PRINT_LINES, max(lines, default=1))


def write_chart(workbook: Workbook, sheet: PrintSheet, st: Styles, result: CollectResult,
                placement: SummaryPlacement) -> None:
    """A bar chart of every department's total, drawn from the summary sheet's cells."""
    cfg, table = result.setup.config, result.setup.table
    sheet.set_column(0, 14, 9)
    merge_text(sheet, 0, 0, 0, 14, f"BIỂU ĐỒ TỔNG ĐIỂM CỦA CÁC ĐƠN VỊ NĂM {cfg.year}",
               st(size=14, bold=True, align="center"))
    merge_text(sheet, 1, 0, 1, 14, f"(thang {format_number(table.total_max)} điểm; số liệu lấy từ trang "
               f"“{SHEET_SUMMARY}”; đơn vị chưa nộp không có cột)", st(size=11, italic=True, align="center"))
    chart = workbook.add_chart({"type": "bar"})
    first, last = placement.first_row, placement.last_row
    font = {"name": FONT, "size": 10}
    chart.add_series({
        "name": "Tổng điểm",
        "categories": [SHEET_SUMMARY, first, placement.name_col, last, placement.name_col],
        "values": [SHEET_SUMMARY, first, placement.total_col, last, placement.total_col],
        "fill": {"color": "#4F81BD"},
        "data_labels": {"value": True, "num_format": "0.00", "font": font},
        "gap": 60,
    })
    chart.set_title({"name": f"Tổng điểm thi đua năm {cfg.year}", "name_font": {"name": FONT, "size": 13}})
    chart.set_x_axis({"min": 0, "max": float(table.total_max), "major_unit": 20, "num_font": font,
                      "major_gridlines": {"visible": True, "line": {"color": "#BFBFBF"}}})
    chart.set_y_axis({"reverse": True, "crossing": "max", "num_font": font})
    chart.set_legend({"none": True})
    chart.set_size({"width": 1000, "height": 620})
    sheet.insert_chart(2, 0, chart, {"x_offset": 4, "y_offset": 6})
    sheet.print_area(0, 0, 33, 14)
    page_setup(sheet, landscape=True)


def write_cells(sheet: PrintSheet, rows: list[list[Any]]) -> None:
    """Rows of plain values from A1: text always as text, numbers as numbers, None left blank."""
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            if value is None:
                continue
            if isinstance(value, str):
                put_text(sheet, r, c, value)
            else:
                put_number(sheet, r, c, value)


def write_data(workbook: Workbook, sheet: PrintSheet, rows: list[list[Any]], sheet_name: str) -> None:
    """The hidden machine-readable sheet (master_layout.MASTER_LAYOUT_DOC); defined name ``master_data``."""
    write_cells(sheet, rows)
    width = len(rows[0]) if rows else 1
    sheet.set_column(0, 1, 14)
    sheet.set_column(2, width - 1, 12)
    workbook.define_name(DATA_NAME, "=" + absolute(sheet_name, data_range(len(rows), width)))
    sheet.hide()


def write_meta(workbook: Workbook, sheet: PrintSheet, meta: dict[str, str]) -> None:
    """The hidden meta sheet: key in column A, value in column B, and a defined name ``meta_<key>`` each."""
    sheet.set_column(0, 0, 20)
    sheet.set_column(1, 1, 70)
    for key in MASTER_META_KEYS:
        sheet.write_string(meta_key_cell(key), key)
        if meta.get(key):
            sheet.write_string(meta_cell(key), clean_cell_text(meta[key]))
        workbook.define_name(f"meta_{key}", "=" + absolute(SHEET_META, meta_cell(key)))
    sheet.hide()

"""Cell formats, row-height estimates and page setup of the department workbook (NĐ 30/2020, domain-vi §6.3)."""

from __future__ import annotations

import math
from typing import Any

from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from bdg_workbook.workbook.strict_writer import checked

FONT = "Times New Roman"
INPUT_FILL = "#FFF2CC"
SECTION_FILL = "#E7E6E6"
LINE_HEIGHT = 15.75          # points per line of TNR 12
PROTECT_PASSWORD = "bdg"     # deters accidental edits; the collector detects edited locked cells anyway

_BOX = {"border": 1, "valign": "vcenter"}
_INPUT = {**_BOX, "locked": False}        # no fill: the yellow cue is conditional (workbook.print_setup)
_ROW_INPUT = {"valign": "vcenter", "locked": False}     # register rows: bordered only once used (print_setup)

STYLES: dict[str, dict[str, Any]] = {
    "plain": {},
    "wrap": {"text_wrap": True, "valign": "top"},
    "hdr_plain": {"align": "center", "font_size": 13},
    "hdr_bold": {"align": "center", "font_size": 13, "bold": True},
    "quoc_hieu": {"align": "center", "font_size": 12, "bold": True},
    "tieu_ngu": {"align": "center", "font_size": 13, "bold": True, "underline": 1},
    "rule": {"align": "center", "font_size": 8, "underline": 1},
    "place_date": {"align": "center", "font_size": 13, "italic": True},
    "doc_title": {"align": "center", "font_size": 14, "bold": True},
    "subtitle": {"align": "center", "valign": "vcenter", "font_size": 13, "bold": True, "text_wrap": True},
    "plan_ref": {"align": "center", "valign": "vcenter", "italic": True, "text_wrap": True},
    "unit_line": {"bold": True},
    "th": {**_BOX, "bold": True, "align": "center", "text_wrap": True},
    "th_index": {**_BOX, "italic": True, "align": "center", "font_size": 11},
    "sec_code": {**_BOX, "bold": True, "align": "center", "bg_color": SECTION_FILL},
    "sec_title": {**_BOX, "bold": True, "text_wrap": True, "bg_color": SECTION_FILL},
    "sec_num": {**_BOX, "bold": True, "align": "center", "bg_color": SECTION_FILL},
    "sec_fill": {**_BOX, "bg_color": SECTION_FILL},
    "sec_pts": {**_BOX, "bold": True, "align": "center", "num_format": "0.00", "bg_color": SECTION_FILL},
    "code": {**_BOX, "align": "center"},
    "crit_text": {**_BOX, "text_wrap": True, "align": "justify"},
    "center_wrap": {**_BOX, "align": "center", "text_wrap": True},
    "num": {**_BOX, "align": "center"},
    "box": dict(_BOX),
    "input": {**_INPUT, "align": "center"},
    "input_text": {**_INPUT, "text_wrap": True},
    "input_date": {**_INPUT, "align": "center", "num_format": "dd/mm/yyyy"},
    "row_input": {**_ROW_INPUT, "align": "center"},
    "row_input_text": {**_ROW_INPUT, "text_wrap": True},
    "row_input_date": {**_ROW_INPUT, "align": "center", "num_format": "dd/mm/yyyy"},
    "row_border": {"border": 1},
    "input_cue": {"bg_color": INPUT_FILL},
    # a percentage typed as 85% (or 85 in Excel, which then adds the %) is stored as 0.85 and shown 85.0%
    "input_pct": {**_INPUT, "align": "center", "num_format": "0.0%"},
    "pct": {**_BOX, "align": "center", "num_format": "0.00"},
    "pts": {**_BOX, "align": "center", "num_format": "0.00", "bold": True},
    "count": {**_BOX, "align": "center", "num_format": "0"},
    "total_label": {**_BOX, "bold": True, "text_wrap": True},
    "total_hint": {**_BOX, "italic": True, "align": "right", "font_size": 11},
    "total_raw": {**_BOX, "italic": True, "align": "center", "num_format": "0.00"},
    "total_val": {**_BOX, "bold": True, "align": "center", "num_format": "0.00"},
    "rating": {**_BOX, "bold": True, "align": "center", "text_wrap": True},
    "sig_title": {"align": "center", "bold": True, "font_size": 13},
    "sig_note": {"align": "center", "italic": True},
    "guide_title": {"align": "center", "valign": "vcenter", "bold": True, "font_size": 14, "text_wrap": True},
    "guide_head": {"bold": True, "text_wrap": True, "valign": "top"},
    "guide_note": {"italic": True, "bold": True, "text_wrap": True, "valign": "top", "font_color": "#C00000"},
    "label": {**_BOX, "bold": True, "text_wrap": True},
    "locked_value": {**_BOX, "text_wrap": True},
    "sheet_title": {"bold": True, "font_size": 14, "align": "center", "valign": "vcenter"},
    "sheet_hint": {"italic": True, "text_wrap": True, "valign": "top"},
    "formula_text": {**_BOX, "align": "center", "bold": True},
    "red": {"bg_color": "#FFC7CE", "font_color": "#9C0006"},
}


class Styles:
    """The workbook's formats, created once per workbook by name."""

    def __init__(self, wb: Workbook) -> None:
        # font_scheme "none": a theme ("minor") font would show as the theme's font, not Times New Roman
        self._formats = {name: wb.add_format({**props, "font_scheme": "none"}) for name, props in STYLES.items()}

    def __getitem__(self, name: str) -> Format:
        return self._formats[name]


def wrapped_lines(text: str, width_chars: float) -> int:
    """Lines a wrapped TNR-12 text needs in a column of ``width_chars`` (greedy word wrap; the cell's padding,
    about one character, holds no text: measured on LibreOffice's PDF output, issue 13.9)."""
    capacity = max(4, int((width_chars - 1) * 1.2))
    lines = 0
    for paragraph in str(text).split("\n"):
        used, lines = 0, lines + 1
        for word in paragraph.split():
            need = len(word) if used == 0 else used + 1 + len(word)
            if need <= capacity:
                used = need
            else:
                extra = max(1, math.ceil(len(word) / capacity))
                lines += extra if used else extra - 1
                used = len(word) % capacity or capacity
    return max(1, lines)


def row_height(texts_and_widths: list[tuple[str, float]], minimum: int = 1) -> float:
    """Explicit height (points) for a row of wrapped cells: the tallest cell decides."""
    lines = max([minimum] + [wrapped_lines(t, w) for t, w in texts_and_widths if t])
    return round(lines * LINE_HEIGHT + 3, 2)


def page_setup(ws: Worksheet, repeat_rows: tuple[int, int] | None = None, print_area: str | None = None) -> None:
    """A4 landscape, NĐ 30 margins, one page wide, page number at the top (not on page 1), black and white."""
    ws.set_paper(9)
    ws.set_landscape()
    ws.set_margins(left=1.18, right=0.59, top=0.79, bottom=0.79)
    ws.set_header('&C&"Times New Roman,Regular"&13&P', {"margin": 0.31})
    ws.set_footer("", {"margin": 0.31})
    ws.fit_to_pages(1, 0)
    ws.print_black_and_white()
    ws.center_horizontally()
    ws.set_start_page(1)
    if repeat_rows:
        checked(ws.repeat_rows(repeat_rows[0] - 1, repeat_rows[1] - 1), "lặp dòng tiêu đề khi in")
    if print_area:
        checked(ws.print_area(print_area), "vùng in")


def protect(ws: Worksheet) -> None:
    """Protect the sheet: only unlocked (input) cells editable; columns/rows may be resized."""
    ws.protect(PROTECT_PASSWORD, {
        "select_locked_cells": True, "select_unlocked_cells": True,
        "format_columns": True, "format_rows": True,
        "insert_rows": False, "insert_columns": False, "delete_rows": False, "delete_columns": False,
    })

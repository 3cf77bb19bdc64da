"""Shared xlsxwriter plumbing for the master: cached formats, text-only cell writers, A4 page setup."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from bdg_workbook.workbook.strict_writer import PrintWorksheet as PrintSheet

from bdg_workbook.domain.errors import BdgError
from bdg_workbook.writing.safe_text import clean_cell_text

FONT = "Times New Roman"
PAPER_A4 = 9
# NĐ 30/2020 margins (domain-vi.md §6.3), inches: left 3 cm, right 1.5 cm, top/bottom 2 cm
MARGINS = {"left": 1.18, "right": 0.59, "top": 0.79, "bottom": 0.79}
HEADER_MARGIN = 0.31
PAGE_NUMBER_HEADER = f'&C&"{FONT},Regular"&13&P'
CHARS_PER_UNIT = 1.18   # Times New Roman 12: average characters per column unit (measured, Vietnamese text)
CELL_PADDING_UNITS = 1.0  # a cell's left and right padding, lost to the text


class Styles:
    """Formats created once per workbook and looked up by their properties."""

    def __init__(self, workbook: Workbook) -> None:
        self.workbook = workbook
        self._cache: dict[tuple, Any] = {}

    def __call__(self, **props: Any) -> Any:
        """The format with these xlsxwriter properties (Times New Roman unless given)."""
        props.setdefault("font_name", FONT)
        key = tuple(sorted(props.items()))
        if key not in self._cache:
            self._cache[key] = self.workbook.add_format(props)
        return self._cache[key]


def _check(ret: int | None, sheet: Worksheet, row: int, col: int) -> None:
    if ret is not None and ret < 0:
        raise BdgError(f"Không ghi được ô (dòng {row + 1}, cột {col + 1}) trang '{sheet.name}' "
                       f"của bảng tổng hợp (mã lỗi xlsxwriter {ret}).")


def put_text(sheet: Worksheet, row: int, col: int, value: Any, fmt: Any = None) -> None:
    """Write any text as a string cell (never a formula or link), cleaned for Excel; empty text as a blank."""
    text = clean_cell_text(value)
    if not text:
        _check(sheet.write_blank(row, col, None, fmt), sheet, row, col)
        return
    _check(sheet.write_string(row, col, text, fmt), sheet, row, col)


def put_number(sheet: Worksheet, row: int, col: int, value: Any, fmt: Any = None) -> None:
    """Write a number (Decimal or int); None leaves a formatted blank cell."""
    if value is None:
        _check(sheet.write_blank(row, col, None, fmt), sheet, row, col)
        return
    number = float(value) if isinstance(value, Decimal) else value
    _check(sheet.write_number(row, col, number, fmt), sheet, row, col)


def merge_text(sheet: Worksheet, first_row: int, first_col: int, last_row: int, last_col: int,
               value: Any, fmt: Any) -> None:
    """Merge a range and put text in it (the merge itself is written empty, then the text as a string)."""
    if first_row == last_row and first_col == last_col:
        put_text(sheet, first_row, first_col, value, fmt)
        return
    _check(sheet.merge_range(first_row, first_col, last_row, last_col, "", fmt), sheet, first_row, first_col)
    put_text(sheet, first_row, first_col, value, fmt)


def page_setup(sheet: PrintSheet, landscape: bool, repeat: tuple[int, int] | None = None,
               hide_first_number: bool = False) -> None:
    """A4, NĐ 30 margins, one page wide, page number centred in the header, black and white."""
    sheet.set_paper(PAPER_A4)
    if landscape:
        sheet.set_landscape()
    else:
        sheet.set_portrait()
    sheet.set_margins(**MARGINS)
    sheet.fit_to_pages(1, 0)
    sheet.center_horizontally()
    sheet.print_black_and_white()
    sheet.set_header(PAGE_NUMBER_HEADER, {"margin": HEADER_MARGIN})
    sheet.different_first = hide_first_number
    if repeat is not None:
        sheet.repeat_rows(*repeat)


def estimate_lines(text: str, width_units: float, font_size: float) -> int:
    """Lines a wrapped text needs in a cell ``width_units`` wide (column units of the 12 pt default font).

    Greedy word wrap over an average character width measured on LibreOffice's PDF output.
    """
    capacity = max(1.0, (width_units - CELL_PADDING_UNITS) * CHARS_PER_UNIT * 12 / font_size)
    lines = 0
    for part in text.split("\n"):
        lines += _wrapped_lines(part, capacity)
    return lines


def _wrapped_lines(text: str, capacity: float) -> int:
    lines, used = 1, 0.0
    for word in text.split(" "):
        need = len(word) if used == 0 else used + 1 + len(word)
        if used and need > capacity:
            lines += 1
            need = len(word)
        while need > capacity:          # a word longer than the line breaks anywhere
            lines += 1
            need -= capacity
        used = need
    return lines


def row_height(lines: int, font_size: float) -> float:
    """Row height in points for ``lines`` lines of text."""
    return min(409.0, round(lines * font_size * 1.25 + 3, 1))

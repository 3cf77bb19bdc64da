"""The unit's own returned workbook with its problem cells marked, written as a NEW file (issue 16).

A returned file is untrusted input, so this lives here: the loop's kept copy of the return passes the
container checks (``SafeZip``: size, entries, bombs, macros) before openpyxl loads it (defusedxml active;
only files the collector already read without a file-level error are marked); each finding's cell gets a red fill and a comment
saying what is wrong and how to fix it, a first sheet "Cần sửa" lists them all, and the result is saved
atomically under a new name. Neither the inbox file nor the kept copy is ever written to.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

from bdg_workbook.domain.errors import WorkbookError
from bdg_workbook.untrusted.container import SafeZip
from bdg_workbook.writing.safe_text import atomic_write_bytes, clean_cell_text

MARK_FILL = "FFC7CE"
MARK_SHEET = "Cần sửa"
_CELL = re.compile(r"^\$?[A-Z]{1,3}\$?\d{1,7}$")


class MarkingError(Exception):
    """The workbook could not be marked (the letter is still written, without the marked copy)."""


def marked_name(file_name: str) -> str:
    """``TDCD_2024_MTTQ.xlsx`` -> ``TDCD_2024_MTTQ_can-sua.xlsx``."""
    stem = Path(file_name).stem
    return f"{stem}_can-sua.xlsx"


def mark_workbook(source: Path, target: Path, findings: list[dict[str, str]], author: str) -> int:
    """Write ``target``: ``source`` with every located finding marked; the number of cells marked."""
    import openpyxl
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill

    if target.resolve() == source.resolve():
        raise MarkingError(f"Không ghi đè tệp gốc {source}.")
    data = source.read_bytes()
    try:
        SafeZip(data)
    except WorkbookError as exc:
        raise MarkingError(f"tệp {source.name} không qua kiểm tra an toàn ({exc.message}).") from exc
    try:
        wb = openpyxl.load_workbook(io.BytesIO(data))
    except Exception as exc:
        raise MarkingError(f"không mở được {source.name} để đánh dấu ({type(exc).__name__}).") from exc
    fill = PatternFill("solid", start_color=MARK_FILL, end_color=MARK_FILL)
    by_cell: dict[tuple[str, str], list[dict[str, str]]] = {}
    for f in findings:
        if f.get("sheet") in wb.sheetnames and _CELL.match(f.get("cell", "")):
            by_cell.setdefault((f["sheet"], f["cell"].replace("$", "")), []).append(f)
    for (sheet, cell), items in by_cell.items():
        target_cell = wb[sheet][cell]
        target_cell.fill = fill
        text = "\n".join(f"[{f['code']}] {f['message']} Cách sửa: {f['fix']}" for f in items)
        comment = Comment(clean_cell_text(text, 2000), clean_cell_text(author, 100) or "bdg-workbook")
        comment.width, comment.height = 360, 160
        target_cell.comment = comment
    sheet = wb.create_sheet(MARK_SHEET, 0)
    sheet.append(["TT", "Mã", "Trang", "Ô", "Tiêu chí", "Nội dung chưa đúng", "Cách sửa"])
    for i, f in enumerate(findings, 1):
        texts = [clean_cell_text(f.get(k, ""), 2000) for k in ("sheet", "cell", "criterion", "message", "fix")]
        sheet.append([i, f.get("code", ""), *texts])
        lines = max(len(texts[3]) // 50, len(texts[4]) // 45) + 1      # wrapped lines (LibreOffice keeps heights)
        sheet.row_dimensions[i + 1].height = 15 * lines
    for column, width in zip("ABCDEFG", (5, 7, 14, 8, 9, 55, 50)):
        sheet.column_dimensions[column].width = width
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.print_title_rows = "1:1"
    for row in sheet.iter_rows(min_row=1):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    wb.active = 0
    for ws in wb.worksheets:
        ws.sheet_view.tabSelected = ws.title == MARK_SHEET
    buffer = io.BytesIO()
    wb.save(buffer)
    target.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(target, buffer.getvalue())
    return len(by_cell)

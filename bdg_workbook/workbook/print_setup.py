"""What the department workbook prints (issue 13.9): only the rows in use, no input colour on paper.

Measured with LibreOffice's PDF export (7.4); Excel documented:
- A page of the print area holding no value, formula or border is not printed (LibreOffice suppresses
  empty pages, Excel does not print blank pages); a fill alone does not make a page non-empty. A dynamic
  ``Print_Area`` (OFFSET/COUNTA) is ignored by LibreOffice. So the evidence register keeps a fixed print
  area over its 150 rows and an unused row holds nothing printable there: no number, formula or border —
  the TT number and the "Kiểm tra" column stay on screen, outside the print area, and a row gets its
  borders from a conditional format once something is typed in it.
- LibreOffice ignores the page option "black and white" (Excel honours it), so the yellow that marks a cell
  to fill is a conditional format on the empty cell only (in the registers: the required columns of the
  first row and of rows in use): a completed form prints without colour in both programs.
- Overlapping conditional formats: LibreOffice applies the first true one in priority order, so the cues
  are added before every other conditional format of the workbook (``add_input_cues`` runs first).
"""

from __future__ import annotations

from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from bdg_workbook.layout.department import (BONUS_FIRST_ROW, BONUS_ROWS, EVIDENCE_COLUMNS, EVIDENCE_FIRST_ROW,
                                            EVIDENCE_INPUTS, EVIDENCE_ROWS, SHEET_BONUS, SHEET_EVIDENCE, Layout)
from bdg_workbook.domain.scoring import NOT_APPLICABLE
from bdg_workbook.workbook.strict_writer import checked

EVIDENCE_REQUIRED = ("code", "title", "doc")     # cued in the register; the other columns are optional


def evidence_print_columns() -> tuple[str, str]:
    """First and last printed column of the register: "Mã tiêu chí" to "Ghi chú" (TT stays on screen)."""
    cols = [EVIDENCE_COLUMNS[r][0] for r in EVIDENCE_INPUTS]
    return min(cols), max(cols)


def _used(first: str, last: str, row: int) -> str:
    return f"COUNTA(${first}{row}:${last}{row})>0"


def add_input_cues(sheets: dict[str, Worksheet], lay: Layout, fill: Format) -> None:
    """``fill`` (yellow) on each empty input: every single input cell of the scoring and info sheets, and in the
    evidence and bonus registers the required cells of the first row and of the rows in use."""
    for sheet, cell, condition in _single_cues(lay):
        _cue(sheets[sheet], cell, condition, fill)
    ev_first, ev_last = evidence_print_columns()
    for role in EVIDENCE_REQUIRED:
        col = EVIDENCE_COLUMNS[role][0]
        _register_cue(sheets[SHEET_EVIDENCE], col, ev_first, ev_last, EVIDENCE_FIRST_ROW, EVIDENCE_ROWS, fill)
    cols = lay.bonus_columns
    b_first, b_last = min(cols[r] for r in lay.bonus_inputs), max(cols[r] for r in lay.bonus_inputs)
    for role in lay.bonus_inputs:
        _register_cue(sheets[SHEET_BONUS], cols[role], b_first, b_last, BONUS_FIRST_ROW, BONUS_ROWS, fill)


def _single_cues(lay: Layout) -> list[tuple[str, str, str]]:
    """(sheet, cell, condition) of each single input that must be answered: the unit's info, every target,
    and the value of each base criterion unless marked "Không áp dụng" (the N/A cell itself, bonus and
    deduction counts may stay empty)."""
    names, out = lay.names, []
    for key in lay.input_names():
        if key.startswith("info_") and key in names:
            sheet, cell = names[key]
            out.append((sheet, cell, f"LEN(TRIM({cell}))=0"))
    for crit in lay.table.criteria:
        for role in ("target", "value"):
            key = f"in_{crit.key}_{role}"
            if key not in names or (role == "value" and lay.table.section(crit.section).kind != "base"):
                continue
            sheet, cell = names[key]
            condition = f"LEN(TRIM({cell}))=0"
            na = f"in_{crit.key}_na"
            if role == "value" and na in names:
                condition = f'AND({condition},TRIM({names[na][1]})<>"{NOT_APPLICABLE}")'
            out.append((sheet, cell, condition))
    return out


def _register_cue(ws: Worksheet, col: str, first: str, last: str, first_row: int, rows: int, fill: Format) -> None:
    """Cue an empty cell of a register column in the first row (where to start) and in rows in use (a row
    half filled); a completed register prints no colour."""
    cell = f"{col}{first_row}"
    condition = f"AND(LEN(TRIM({cell}))=0,OR({_used(first, last, first_row)},ROW({cell})={first_row}))"
    _cue(ws, f"{col}{first_row}:{col}{first_row + rows - 1}", condition, fill)


def _cue(ws: Worksheet, cells: str, condition: str, fill: Format) -> None:
    checked(ws.conditional_format(cells, {"type": "formula", "criteria": "=" + condition, "format": fill}),
            "tô màu ô cần nhập")


def evidence_print_setup(ws: Worksheet, border: Format) -> None:
    """Print area from the title to the last row, "Mã tiêu chí".."Ghi chú"; ``border`` only on rows in use."""
    first, last = evidence_print_columns()
    last_row = EVIDENCE_FIRST_ROW + EVIDENCE_ROWS - 1
    checked(ws.conditional_format(f"{first}{EVIDENCE_FIRST_ROW}:{last}{last_row}", {
        "type": "formula", "criteria": "=" + _used(first, last, EVIDENCE_FIRST_ROW), "format": border}),
        "khung dòng đã dùng")
    checked(ws.print_area(f"{first}1:{last}{last_row}"), "vùng in")

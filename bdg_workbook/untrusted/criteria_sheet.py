"""Reading the Ban's criteria spreadsheet (an .xlsx someone filled in) as untrusted input.

The container checks of ``untrusted.container`` (size, zip bomb, entry count, macros, encryption, renamed
.xls/.ods) run first; then openpyxl in read-only mode (defused XML via defusedxml) reads only the
expected sheets, at most ``MAX_ROWS`` rows × ``MAX_COLS`` columns each. Text is normalised at the boundary
(NFC, no control characters, trimmed, empty -> None); line breaks inside a cell are kept.
"""

from __future__ import annotations

import io
import re
import unicodedata
import warnings
from pathlib import Path
from typing import Any

from bdg_workbook.config.criteria_sheet import MAX_ROWS, SHEET_CRITERIA, SHEET_INFO, SHEET_SECTIONS, SheetCell, SheetRows
from bdg_workbook.domain.errors import WorkbookError
from bdg_workbook.untrusted.container import SafeZip

MAX_COLS = 26
MAX_FILE_BYTES = 10 * 1024 * 1024
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_ESCAPE_RE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def read_criteria_sheet(path: Path) -> SheetRows:
    """The data rows of the three criteria sheets (absent sheets absent); WorkbookError when unreadable."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise WorkbookError("F01", f"không đọc được tệp '{path}': {exc.strerror or exc}") from exc
    if len(data) > MAX_FILE_BYTES:
        raise WorkbookError("F10", f"tệp quá lớn ({len(data) // (1024 * 1024)} MiB)")
    SafeZip(data)   # raises WorkbookError for bombs, macros, encryption, renamed .xls/.ods, broken zips
    try:
        import openpyxl
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")   # "Data Validation extension is not supported" and the like
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            return {name: _rows(book[_find(book.sheetnames, name)], name)
                    for name in (SHEET_CRITERIA, SHEET_SECTIONS, SHEET_INFO) if _find(book.sheetnames, name)}
        finally:
            book.close()
    except WorkbookError:
        raise
    except Exception as exc:  # noqa: BLE001 - openpyxl raises a dozen types on a broken file (see PITFALLS)
        raise WorkbookError("F01", f"không đọc được bảng tính ({type(exc).__name__}: {str(exc)[:120]})") from exc


def _find(names: list[str], wanted: str) -> str | None:
    """The sheet whose name equals ``wanted`` after NFC and trimming (sheet names typed by hand)."""
    key = unicodedata.normalize("NFC", wanted).strip().casefold()
    return next((n for n in names if unicodedata.normalize("NFC", n).strip().casefold() == key), None)


def _rows(sheet: Any, name: str) -> list[list[SheetCell]]:
    out: list[list[SheetCell]] = []
    for number, values in enumerate(sheet.iter_rows(min_row=1, max_row=MAX_ROWS + 1, max_col=MAX_COLS,
                                                    values_only=True), 1):
        if number == 1:
            continue   # the header row
        cells = [SheetCell(name, number, _letter(i), _clean(v)) for i, v in enumerate(values)]
        cells += [SheetCell(name, number, _letter(i), None) for i in range(len(cells), MAX_COLS)]
        out.append(cells)
    return out


def _letter(index: int) -> str:
    return chr(ord("A") + index)


def _clean(value: Any) -> Any:
    """Text: NFC, _xHHHH_ escapes decoded, control characters removed, lines trimmed; empty -> None."""
    if isinstance(value, str):
        text = _ESCAPE_RE.sub(lambda m: chr(int(m.group(1), 16)), value)
        text = unicodedata.normalize("NFC", text).replace("\u00a0", " ").replace("\r\n", "\n")
        text = "\n".join(line.strip() for line in _CONTROL_RE.sub("", text).split("\n")).strip()
        return text[:32767] or None
    if isinstance(value, float) and value != value:
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value

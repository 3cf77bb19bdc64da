"""What a master shows, in canonical form: the hash its signature covers (meta ``view_hash``, issue 12).

Every non-empty cell of every sheet but the hidden ``meta`` (the hash and the signature) and ``Dữ liệu``
(signed through ``data_hash``), in workbook
order: sheet name (NFC), then (cell reference, type, value) in row/column order. Values are canonical so
a re-save by Excel or LibreOffice still verifies: a number is the double the file holds, written as its
shortest round-trip decimal (``8.3699999999999992`` and ``8.37`` are the same); text is NFC, trimmed, with
``_xHHHH_`` escapes decoded; a formula is its text (a master has none: one added is a change). Blank cells,
styles, widths and merges are not content. On the 'Thẩm định' sheet, below its header, the officer's entries
("Điểm thẩm định", "Lý do điều chỉnh") may change after signing and the self/counted points are checked
one by one by ``review`` (R05): those four columns are left out — by position from the layout, never from
names the file defines.
"""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal

from defusedxml import ElementTree as DET
from defusedxml.common import DefusedXmlException

from bdg_workbook.domain.errors import WorkbookError
from bdg_workbook.domain.submission import Cell
from bdg_workbook.layout.master import REVIEW_HEADER_ROW, SHEET_DATA, SHEET_META, SHEET_REVIEW, review_column
from bdg_workbook.untrusted.cells import (_M, REF_RE, Package, _cell_content, _new_cell, _shared_strings, col_number,
                                          normalise_read_text)
from bdg_workbook.untrusted.container import SafeZip

VIEW_CONTEXT = "bdg-workbook/master-view/1"
MAX_VIEW_CELLS = 400_000
# 1-based (row from, columns) of the review sheet left out: what the officer types ("Điểm thẩm định", "Lý do"),
# and the locked self/counted points, which ``review`` checks cell by cell against the data sheet (R05)
REVIEW_EDITABLE = (REVIEW_HEADER_ROW + 2, tuple(review_column(role) + 1
                                                for role in ("self", "counted", "verified", "reason")))
# hidden sheets with their own signed hash (data_hash) or holding the signature: not the printed view
NOT_VIEW = (SHEET_META, SHEET_DATA)


def view_digest_bytes(data: bytes) -> str:
    """``view_digest`` of an xlsx file's bytes (used when writing a master, before it is signed)."""
    return view_digest(Package(SafeZip(data)))


def view_digest(pkg: Package) -> str:
    """SHA-256 (hex) of the canonical visible content of every sheet except 'meta'."""
    sheets = []
    budget = [MAX_VIEW_CELLS]
    for raw_name, part in pkg.sheet_list:
        name = normalise_read_text(raw_name) or ""
        if name in NOT_VIEW:
            continue
        if part is None or not pkg.zf.has(part):
            sheets.append([name, None])
            continue
        sheets.append([name, _sheet_entries(pkg, name, part, budget)])
    body = json.dumps([VIEW_CONTEXT, sheets], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def _sheet_entries(pkg: Package, sheet: str, part: str, budget: list[int]) -> list[list[str]]:
    """(ref, type, canonical value) of every non-empty cell of one sheet, in row then column order."""
    raw = _scan_all(pkg.zf, part, budget)
    strings = _shared_strings(pkg, {v for (kind, v, _f) in raw.values() if kind == "s" and isinstance(v, int)})
    editable_from, editable_cols = REVIEW_EDITABLE
    out = []
    for (row, col) in sorted(raw):
        if sheet == SHEET_REVIEW and row >= editable_from and col in editable_cols:
            continue
        kind, value, formula = raw[(row, col)]
        if formula.__class__ is tuple:
            formula = "shared:" + "|".join(formula)
        if kind == "s":
            text = strings.get(value) if isinstance(value, int) else None
            cell = Cell(sheet, "", normalise_read_text(text) if text is not None else None, formula)
        else:
            cell = _new_cell(sheet, row, col, kind, value, formula)
        entry = canonical(cell)
        if entry is not None:
            out.append([f"{col}:{row}", *entry])
    return out


def canonical(cell: Cell) -> tuple[str, str] | None:
    """(type, value) of a cell as the signature sees it; None for an empty cell."""
    if cell.formula:
        return "f", "".join(cell.formula.lstrip("=").split())
    if cell.error:
        return "e", cell.error
    value = cell.value
    if value is None:
        return None
    if isinstance(value, bool):
        return "b", "1" if value else "0"
    if isinstance(value, Decimal):
        double = float(value)
        if double.is_integer() and abs(double) < 1e15:
            return "n", str(int(double))
        return "n", repr(double)
    text = str(value)
    return ("s", text) if text else None


def _scan_all(zf: SafeZip, part: str, budget: list[int]) -> dict[tuple[int, int], tuple]:
    """Every cell of a sheet part as (kind, value, formula), with defused parsing and a bound on the count."""
    found: dict[tuple[int, int], tuple] = {}
    row_no, col_no = 0, 0
    with zf.open(part) as stream:
        try:
            for event, elem in DET.iterparse(stream, events=("start", "end"), forbid_dtd=True):
                tag = elem.tag
                if event == "start":
                    if tag == _M + "row":
                        row_no = int(elem.get("r") or row_no + 1)
                        col_no = 0
                    continue
                if tag == _M + "c":
                    ref = elem.get("r")
                    m = REF_RE.match(ref) if ref else None
                    col_no = col_number(m.group(1)) if m else col_no + 1
                    budget[0] -= 1
                    if budget[0] < 0:
                        raise WorkbookError("F10", f"tệp tổng hợp có quá nhiều ô (hơn {MAX_VIEW_CELLS})")
                    found[(row_no, col_no)] = _cell_content(elem)
                    elem.clear()
                elif tag == _M + "row":
                    elem.clear()
                elif tag == _M + "sheetData":
                    break
        except WorkbookError:
            raise
        except DefusedXmlException as exc:
            raise WorkbookError("F09", f"phần '{part}' chứa DOCTYPE/thực thể XML (có thể là tấn công)") from exc
        except Exception as exc:  # noqa: BLE001 - any parse problem of a hostile file
            raise WorkbookError("F01", f"phần '{part}' không đọc được ({type(exc).__name__})") from exc
    return found

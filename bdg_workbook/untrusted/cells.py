"""Reading selected cells of an xlsx package with defused XML parsing and bounded work.

Only the cells that defined names point at are kept; a sheet is parsed up to the last row any name
needs (or the end of its sheetData) and no further, so a value at XFD1048576 or a million appended
rows costs nothing. Sheets and shared strings are read by the fast byte reader (``xlsxfast``) when
their XML has the plain form every spreadsheet program writes, else by the defused ElementTree reader
below, which is the reference: both give the same cells (tests/test_reader_equivalence.py).
"""

from __future__ import annotations

import posixpath
import re
import unicodedata
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Iterable

from defusedxml import ElementTree as DET
from defusedxml.common import DefusedXmlException

from bdg_workbook.layout.department import col_index
from bdg_workbook.untrusted import fast_xml as xlsxfast
from bdg_workbook.domain.errors import WorkbookError
from bdg_workbook.domain.submission import Cell
from bdg_workbook.untrusted.container import SafeZip
from bdg_workbook.untrusted.doubles import as_double
from bdg_workbook.untrusted.shared_formulas import expand_shared, shared_masters

NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_M = "{%s}" % NS_MAIN
REF_RE = re.compile(r"^\$?([A-Z]{1,3})\$?([0-9]{1,7})$")
_ESCAPE_RE = re.compile(r"_x([0-9A-Fa-f]{4})_")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
MAX_TEXT = 32767
_PLAIN_START = re.compile(rb"""(?:\xef\xbb\xbf)?(?:<\?xml\s+version\s*=\s*(["'])1\.[0-9]+\1"""
                          rb"""(?:\s+encoding\s*=\s*(["'])[Uu][Tt][Ff]-8\2)?"""
                          rb"""(?:\s+standalone\s*=\s*(["'])(?:yes|no)\3)?\s*\?>)?\s*<[A-Za-z_]""")

#: False makes every read use the reference reader (tests compare the two).
FAST_READER = True
MAX_CACHED_TEXT = 2048                 # longer values are never kept in the cell cache


@dataclass(frozen=True)
class NameTarget:
    """A defined name resolved to a sheet and a rectangle of cells (1-based, inclusive)."""

    sheet: str
    first_row: int
    first_col: int
    last_row: int
    last_col: int

    def cells(self) -> list[tuple[int, int]]:
        """Every (row, col) of the rectangle, row by row."""
        return [(r, c) for r in range(self.first_row, self.last_row + 1)
                for c in range(self.first_col, self.last_col + 1)]


def col_number(letters: str) -> int:
    """1-based column number of column letters (the contract's converter, shifted)."""
    return col_index(letters) + 1


@lru_cache(maxsize=1 << 15)
def ref_name(row: int, col: int) -> str:
    """``(14, 7)`` -> ``G14``."""
    out, n = "", col
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return f"{out}{row}"


def parse_xml(data: bytes, part: str):
    """Parse a whole small XML part with DTDs and entities forbidden."""
    try:
        if FAST_READER and _PLAIN_START.match(data):
            # starts with the root element (after an optional UTF-8 declaration): no DOCTYPE can
            # follow, so no entity can be declared; the C parser is then as safe as the defused one
            return ET.fromstring(data)
        return DET.fromstring(data, forbid_dtd=True)
    except DefusedXmlException as exc:
        raise WorkbookError("F09", f"phần '{part}' chứa DOCTYPE/thực thể XML (có thể là tấn công)") from exc
    except Exception as exc:  # ParseError and anything expat raises
        raise WorkbookError("F01", f"phần '{part}' không phải XML hợp lệ ({type(exc).__name__})") from exc


_RELS_PART = "xl/_rels/workbook.xml.rels"
# Files of one form share their structure (workbook.xml and rels, byte for byte): the last few are kept
# with what is derived from them (``Package.memo``), within bounds a hostile file cannot stretch
MAX_STRUCTURES = 16
MAX_STRUCTURE_BYTES = 1 << 18          # workbook.xml + rels
MAX_PLANNED_CELLS = 20_000             # wanted cells whose read plan is kept
MAX_PLANS = 64                         # read plans kept per structure (one per department form)
_STRUCTURES: dict[tuple[bytes, bytes], tuple] = {}


def _structure_key(zf: SafeZip) -> tuple[bytes, bytes] | None:
    """workbook.xml and its rels, the bytes the workbook structure is parsed from (None if unreadable)."""
    try:
        return zf.read("xl/workbook.xml"), zf.read(_RELS_PART)
    except WorkbookError:
        return None          # parsed the long way, which reports the problem in its usual order


class Package:
    """Workbook-level structure: sheets by name and defined names."""

    def __init__(self, zf: SafeZip) -> None:
        self.zf = zf
        key = _structure_key(zf) if FAST_READER else None
        if key is not None and len(key[0]) + len(key[1]) > MAX_STRUCTURE_BYTES:
            key = None
        known = _STRUCTURES.get(key) if key is not None else None
        if known is None:
            self._parse()
            known = (self.sheet_parts, self.hidden, self.names, self.shared_part, {}, self.sheet_list, self.name_list)
            if key is not None:
                if len(_STRUCTURES) >= MAX_STRUCTURES:
                    del _STRUCTURES[next(iter(_STRUCTURES))]
                _STRUCTURES[key] = known
        # files with byte-identical workbook.xml and rels share these (read-only) and ``memo``
        self.sheet_parts, self.hidden, self.names, self.shared_part, self.memo, self.sheet_list, self.name_list = known

    def _parse(self) -> None:
        root = parse_xml(self.zf.read("xl/workbook.xml"), "xl/workbook.xml")
        rels = self._rels(_RELS_PART)
        self.sheet_parts: dict[str, str] = {}
        self.hidden: set[str] = set()
        # every sheet as written (name not normalised, its part or None) and every defined name
        # (name, localSheetId or None, text): what ``form_contract.check_structure`` compares with the issue
        self.sheet_list: tuple[tuple[str, str | None], ...] = ()
        self.name_list: tuple[tuple[str, str | None, str], ...] = ()
        sheets = []
        for sheet in root.iter(_M + "sheet"):
            raw_name = sheet.get("name", "")
            name = unicodedata.normalize("NFC", raw_name)
            target = rels.get(sheet.get("{%s}id" % NS_REL, ""))
            sheets.append((raw_name, target))
            if target:
                self.sheet_parts[name] = target
            if sheet.get("state") in ("hidden", "veryHidden"):
                self.hidden.add(name)
        self.names: dict[str, str] = {}
        names = []
        for dn in root.iter(_M + "definedName"):
            names.append((dn.get("name") or "", dn.get("localSheetId"), (dn.text or "").strip()))
            if dn.get("localSheetId") is None and dn.get("name"):
                self.names[dn.get("name")] = (dn.text or "").strip()
        self.sheet_list, self.name_list = tuple(sheets), tuple(names)
        shared = [t for t, kind in rels.items() if kind.endswith("sharedStrings.xml")]
        self.shared_part = rels[shared[0]] if shared else None

    def _rels(self, part: str) -> dict[str, str]:
        if not self.zf.has(part):
            raise WorkbookError("F01", f"thiếu phần '{part}'")
        out = {}
        for rel in parse_xml(self.zf.read(part), part).iter("{%s}Relationship" % NS_PKG_REL):
            target = rel.get("Target", "")
            if rel.get("TargetMode") == "External":
                continue
            path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
            out[rel.get("Id", "")] = path
        return out

    def resolve(self, name: str) -> NameTarget | None:
        """Sheet and rectangle a defined name points at, or None when absent or not a plain reference."""
        resolved = self.memo.setdefault("resolved", {})
        if name not in resolved:
            resolved[name] = self._resolve(name)
        return resolved[name]

    def _resolve(self, name: str) -> NameTarget | None:
        text = self.names.get(name)
        if not text or "!" not in text:
            return None
        sheet_part, _, ref = text.rpartition("!")
        sheet = sheet_part[1:-1].replace("''", "'") if sheet_part.startswith("'") else sheet_part
        sheet = unicodedata.normalize("NFC", sheet)
        corners = ref.split(":")
        parsed = [REF_RE.match(c) for c in corners]
        if not all(parsed) or len(parsed) > 2:
            return None
        (c1, r1), (c2, r2) = [(col_number(m.group(1)), int(m.group(2))) for m in (parsed[0], parsed[-1])]
        return NameTarget(sheet, min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2))


def read_cells(pkg: Package, wanted: dict[str, set[tuple[int, int]]]) -> dict[tuple[str, int, int], Cell]:
    """Read the wanted (row, col) cells of each sheet; absent cells come back blank."""
    plans = pkg.memo.setdefault("plans", {})      # by the identity of ``wanted`` (one per department form)
    plan = plans.get(id(wanted))
    if plan is None or plan[0] is not wanted:
        plan = (wanted, _plan(wanted))
        if sum(map(len, wanted.values())) <= MAX_PLANNED_CELLS:
            if len(plans) >= MAX_PLANS:
                plans.pop(next(iter(plans)))
            plans[id(wanted)] = plan
    by_sheet, blanks = plan[1]
    out: dict[tuple[str, int, int], Cell] = dict(blanks)
    shared_needed: dict[tuple[str, int, int], tuple[int, str | None]] = {}
    for sheet, (cells, by_row) in by_sheet.items():
        part = pkg.sheet_parts.get(sheet)
        if part is None:
            raise WorkbookError("F02", f"thiếu trang '{sheet}'")
        raw = _scan_sheet(pkg.zf, part, cells, by_row)
        masters: dict[str, tuple[int, int, str]] | None = None
        for (row, col), (kind, value, formula) in raw.items():
            if formula.__class__ is tuple:           # a shared formula: expanded from its master
                if masters is None:
                    masters = shared_masters(raw)
                formula = expand_shared(formula, row, col, masters)
            key = (sheet, row, col)
            if kind == "s":                          # a shared string (Gnumeric: a formula's cached text result)
                shared_needed[key] = (value, formula)
                continue
            out[key] = _make_cell(sheet, row, col, kind, value, formula)
    strings = _shared_strings(pkg, {index for index, _f in shared_needed.values()})
    for key, (index, formula) in shared_needed.items():
        text = strings.get(index)
        sheet, row, col = key
        out[key] = Cell(sheet, ref_name(row, col), normalise_read_text(text) if text is not None else None, formula,
                        raw=raw_read_text(text))
    return out


def _plan(wanted: dict[str, set[tuple[int, int]]]) -> tuple[dict, dict]:
    """Per sheet the wanted cells and their columns by row; every wanted cell as a blank Cell."""
    by_sheet: dict[str, tuple[set[tuple[int, int]], dict[int, set[int]]]] = {}
    blanks: dict[tuple[str, int, int], Cell] = {}
    for sheet, cells in wanted.items():
        by_row: dict[int, set[int]] = {}
        for row, col in cells:
            by_row.setdefault(row, set()).add(col)
            blanks[(sheet, row, col)] = Cell(sheet, ref_name(row, col))
        if cells:
            by_sheet[sheet] = (cells, by_row)
    return by_sheet, blanks


def _scan_sheet(zf: SafeZip, part: str, cells: set[tuple[int, int]],
                by_row: dict[int, set[int]]) -> dict[tuple[int, int], tuple]:
    if FAST_READER:
        try:
            with zf.open(part) as stream:
                return xlsxfast.scan_sheet(stream, by_row, _cell_tuple)
        except Exception:  # noqa: BLE001 - anything unusual (or broken) is decided by the reference reader
            pass
    return _scan_sheet_reference(zf, part, cells)


def _scan_sheet_reference(zf: SafeZip, part: str, cells: set[tuple[int, int]]) -> dict[tuple[int, int], tuple]:
    max_row = max(r for r, _c in cells)
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
                        if row_no > max_row:
                            break
                    continue
                if tag == _M + "c":
                    ref = elem.get("r")
                    if ref:
                        m = REF_RE.match(ref)
                        col_no = col_number(m.group(1)) if m else col_no + 1
                    else:
                        col_no += 1
                    if (row_no, col_no) in cells:
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
        except Exception as exc:
            raise WorkbookError("F01", f"phần '{part}' không đọc được ({type(exc).__name__})") from exc
    return found


def _cell_content(elem) -> tuple:
    f = elem.find(_M + "f")
    formula = None
    if f is not None:
        formula = ("shared", f.get("si") or "", f.text or "") if f.get("t") == "shared" else (f.text or "")
    v = elem.find(_M + "v")
    node = elem.find(_M + "is")
    inline = [t.text or "" for t in node.iter(_M + "t")] if node is not None else None
    return _cell_tuple(elem.get("t", "n"), formula, v.text if v is not None else None, inline)


def _cell_tuple(kind: str, formula: str | None, vtext: str | None, inline: list[str] | None) -> tuple:
    """(kind, value, formula) of one cell from its type, formula text, <v> text and inline-string runs."""
    if kind == "inlineStr":
        vtext = "".join(inline) if inline is not None else None
        kind = "str"
    if kind == "s":
        try:
            return ("s", int(vtext or ""), formula)
        except ValueError:
            return ("e", "#REF!", formula)
    return (kind, vtext, formula)


def _make_cell(sheet: str, row: int, col: int, kind: str, value: str | None, formula: str | None) -> Cell:
    if len(value or "") <= MAX_CACHED_TEXT and len(formula or "") <= MAX_CACHED_TEXT:
        return _known_cell(sheet, row, col, kind, value, formula)
    return _new_cell(sheet, row, col, kind, value, formula)


@lru_cache(maxsize=1 << 13)   # the locked text and formulas of a form come back in every file
def _known_cell(sheet: str, row: int, col: int, kind: str, value: str | None, formula: str | None) -> Cell:
    return _new_cell(sheet, row, col, kind, value, formula)


def _new_cell(sheet: str, row: int, col: int, kind: str, value: str | None, formula: str | None) -> Cell:
    ref = ref_name(row, col)
    if kind == "e":
        return Cell(sheet, ref, None, formula, value or "#ERR")
    if kind == "b":
        return Cell(sheet, ref, value in ("1", "true"), formula)
    if kind in ("str", "d"):
        return Cell(sheet, ref, normalise_read_text(value), formula, raw=raw_read_text(value))
    if value is None or value == "":
        return Cell(sheet, ref, None, formula)
    try:
        number = Decimal(value.strip())
    except InvalidOperation:
        return Cell(sheet, ref, normalise_read_text(value), formula, "#NUM")
    if not number.is_finite():
        return Cell(sheet, ref, value.strip(), formula, "#NUM")
    if not value.isascii() or "_" in value:      # Decimal() takes "２" and "1_0"; no spreadsheet writes them
        return Cell(sheet, ref, normalise_read_text(value), formula, "#NUM")
    return Cell(sheet, ref, as_double(number), formula)


def _shared_strings(pkg: Package, needed: set[int]) -> dict[int, str]:
    if not needed or pkg.shared_part is None or not pkg.zf.has(pkg.shared_part):
        return {}
    if FAST_READER:
        try:
            with pkg.zf.open(pkg.shared_part) as stream:
                return xlsxfast.shared_strings(stream, needed)
        except Exception:  # noqa: BLE001 - the reference reader decides
            pass
    return _shared_strings_reference(pkg, needed)


def _shared_strings_reference(pkg: Package, needed: set[int]) -> dict[int, str]:
    out: dict[int, str] = {}
    last = max(needed)
    index = -1
    with pkg.zf.open(pkg.shared_part) as stream:
        try:
            for _event, elem in DET.iterparse(stream, events=("end",), forbid_dtd=True):
                if elem.tag != _M + "si":
                    continue
                index += 1
                if index in needed:
                    out[index] = "".join(_si_texts(elem))
                elem.clear()
                if index >= last:
                    break
        except WorkbookError:
            raise
        except DefusedXmlException as exc:
            raise WorkbookError("F09", "phần chuỗi dùng chung chứa DOCTYPE/thực thể XML") from exc
        except Exception as exc:
            raise WorkbookError("F01", f"phần chuỗi dùng chung không đọc được ({type(exc).__name__})") from exc
    return out


def _si_texts(si) -> Iterable[str]:
    for node in si.iter():
        if node.tag == _M + "t":
            yield node.text or ""
        elif node.tag in (_M + "rPh",):
            break


def raw_read_text(text: str | None) -> str | None:
    """The text as the spreadsheet holds it (only _xHHHH_ escapes decoded, bounded length), for the rules that
    must decide as the sheet's formulas do (issue 12.5); None when there is no text."""
    if text is None:
        return None
    if "_x" in text:
        text = _ESCAPE_RE.sub(lambda m: chr(int(m.group(1), 16)), text)
    return text[:MAX_TEXT]


def normalise_read_text(text: str | None) -> str | None:
    """Normalise text at the boundary: _xHHHH_ escapes, NFC, no control chars, trimmed; empty -> None."""
    if text is None:
        return None
    if "_x" in text:
        text = _ESCAPE_RE.sub(lambda m: chr(int(m.group(1), 16)), text)
    text = unicodedata.normalize("NFC", text).replace("\u00a0", " ")
    text = _CONTROL_RE.sub("", text).strip()
    if len(text) > MAX_TEXT:
        text = text[:MAX_TEXT]
    return text or None

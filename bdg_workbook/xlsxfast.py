"""Fast reader of sheet cells and shared strings: expat checks the bytes, regular expressions pick the cells.

It only takes the plain form of the XML that Excel, LibreOffice, openpyxl and xlsxwriter write: UTF-8,
no DTD, comment, CDATA or processing instruction, the main namespace as the one default namespace,
every cell's ``r`` attribute first and in canonical form. Each region it reads is first checked by
expat (namespace-aware, no DOCTYPE or entity declaration allowed), so the patterns below only ever
see well-formed XML. Anything else raises ``Unusual`` and the caller reads the part with the defused
ElementTree reader, which stays the reference: both give identical results (tests/test_reader_equivalence.py).
"""

from __future__ import annotations

import re
from typing import Callable
from xml.parsers import expat

NS_MAIN = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
CHUNK = 1 << 16

_ATTRS = rb"""(?:\s+[^\s=/<>"']+\s*=\s*(?:"[^"]*"|'[^']*'))*"""
_ATTR_RE = re.compile(rb"""([^\s=/<>"']+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_PROLOG_RE = re.compile(
    rb"""(?:\xef\xbb\xbf)?(?:<\?xml\s+version\s*=\s*(["'])1\.[0-9]+\1"""
    rb"""(?:\s+encoding\s*=\s*(["'])([A-Za-z][A-Za-z0-9._-]*)\2)?(?:\s+standalone\s*=\s*(["'])(?:yes|no)\4)?\s*\?>)?"""
    rb"""\s*<([A-Za-z_][^\s/<>:"'=]*)(""" + _ATTRS + rb""")\s*(/?)>""")
_ROW_RE = re.compile(rb"<row(" + _ATTRS + rb")\s*/?>|</sheetData\s*>|<sheetData" + _ATTRS + rb"\s*/>")
_CELL_RE = re.compile(
    rb"""<c\s+r\s*=\s*(["'])\$?([A-Z]{1,3})\$?[0-9]{1,7}\1(""" + _ATTRS + rb""")\s*"""
    rb"""(?:(/)>|>([^<]*(?:<(?!/?c[\s/>])[^<]*)*)</c\s*>)""")
_CONTENT_RE = re.compile(
    rb"""\s*(?:<f(""" + _ATTRS + rb""")\s*(?:/>|>([^<]*)</f\s*>)\s*)?"""
    rb"""(?:<v""" + _ATTRS + rb"""\s*(?:/>|>([^<]*)</v\s*>)\s*)?"""
    rb"""(?:<is""" + _ATTRS + rb"""\s*(?:/>|>([^<]*(?:<(?!/?is[\s/>])[^<]*)*)</is\s*>)\s*)?""")
_SI_RE = re.compile(rb"<si" + _ATTRS + rb"\s*(?:/>|>([^<]*(?:<(?!/?si[\s/>])[^<]*)*)</si\s*>)")
_T_RE = re.compile(rb"<t" + _ATTRS + rb"\s*(?:/>|>([^<]*)</t\s*>)")
_RPH_RE = re.compile(rb"<rPh[\s/>]")
_ENTITY_RE = re.compile(r"&(#x[0-9A-Fa-f]+|#[0-9]+|amp|lt|gt|quot|apos);")
_NAMED = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}
_COLUMNS: dict[bytes, int] = {}
_KINDS: dict[bytes, str] = {}
#: the only cell types whose empty cell is not blank ("#REF!", "#ERR", FALSE)
_FILLED_WHEN_EMPTY = frozenset(("s", "e", "b"))

CellTuple = tuple          # (kind, value, formula), as xlsxcells._cell_content returns
MakeTuple = Callable[[str, str | None, str | None, "list[str] | None"], CellTuple]


class Unusual(Exception):
    """The fast reader declines this part: read it with the reference (defused ElementTree) reader."""


def scan_sheet(stream, cells: set[tuple[int, int]], make: MakeTuple) -> dict[tuple[int, int], CellTuple]:
    """The wanted cells of one sheet part, as ``make(kind, formula, vtext, inline_texts)`` tuples."""
    by_row: dict[int, set[int]] = {}
    for row, col in cells:
        by_row.setdefault(row, set()).add(col)
    buf, rows, body_end, end = _sheet_region(stream, max(by_row))
    _check_region(buf, end)
    found: dict[tuple[int, int], CellTuple] = {}
    for i, (row_no, start) in enumerate(rows):
        cols = by_row.get(row_no)
        if cols is None:
            continue
        stop = rows[i + 1][1] if i + 1 < len(rows) else body_end
        _scan_row(buf, start, stop, row_no, cols, make, found)
    return found


def _sheet_region(stream, max_row: int) -> tuple[bytearray, list[tuple[int, int]], int, int]:
    """Inflate up to the first row past ``max_row`` (or the end of sheetData); rows as (number, content start)."""
    buf, rows, pos, row_no = bytearray(), [], 0, 0
    while True:
        chunk = stream.read(CHUNK)
        buf += chunk
        for m in _ROW_RE.finditer(buf, pos):
            pos = m.end()
            if buf[m.start() + 1] != ord("r"):                      # </sheetData> or <sheetData/>
                return buf, rows, m.start(), m.end()
            attrs = _attributes(m.group(1))
            row_no = int(attrs.get("r") or row_no + 1)
            if row_no > max_row:
                return buf, rows, m.start(), m.end()
            if rows and row_no <= rows[-1][0]:
                raise Unusual("rows out of order")
            rows.append((row_no, m.end()))
        if not chunk:
            return buf, rows, len(buf), len(buf)
        pos = max(pos, buf.rfind(b"<", pos))


def _scan_row(buf: bytearray, start: int, stop: int, row_no: int, cols: set[int], make: MakeTuple,
              found: dict[tuple[int, int], CellTuple]) -> None:
    cells = _CELL_RE.findall(buf, start, stop)
    if len(cells) != buf.count(b"<c", start, stop):
        raise Unusual("cell without a plain r attribute")
    if len(cells) > 1 and len({c[1] for c in cells}) != len(cells):
        raise Unusual("two cells in one column")
    for _q, letters, attrs, slash, content in cells:
        kind = _KINDS.get(attrs) or _kind(attrs)
        if slash and kind not in _FILLED_WHEN_EMPTY:
            continue                                               # <c r=".." s=".." t="n"/>: blank, as if absent
        col = _COLUMNS.get(letters) or _column(letters)
        if col in cols:
            found[(row_no, col)] = make(kind, None, None, None) if slash else _cell(kind, content, make)


def _cell(kind: str, content: bytes, make: MakeTuple) -> CellTuple:
    parts = _CONTENT_RE.fullmatch(content)
    if parts is None:
        raise Unusual("cell content")
    f_attrs, f_text, v_text, is_content = parts.groups()
    formula = None
    if parts.start(1) >= 0:
        formula = _text(f_text) if f_text else ("<shared>" if _attributes(f_attrs).get("t") == "shared" else "")
    inline = None
    if kind == "inlineStr" and (parts.start(4) >= 0 or b"<is" in content):
        inline = _t_texts(is_content or b"")
    return make(kind, formula, _text(v_text) if v_text else None, inline)


def shared_strings(stream, needed: set[int]) -> dict[int, str]:
    """Texts of the needed shared strings (indexes into the sharedStrings part)."""
    last = max(needed)
    buf, pos, found = bytearray(), 0, []
    end = None
    while end is None:
        chunk = stream.read(CHUNK)
        buf += chunk
        for m in _SI_RE.finditer(buf, pos):
            found.append((m.start(), m.start(1), m.end(1)))
            pos = m.end()
            if len(found) > last:
                end = pos
                break
        if not chunk and end is None:
            end = len(buf)
    root_end = _check_region(buf, end)
    if buf.count(b"<si", root_end, end) != len(found) or (found and found[0][0] < root_end):
        raise Unusual("shared string layout")
    out = {}
    for index in needed:
        if 0 <= index < len(found):
            _start, first, stop = found[index]
            content = bytes(buf[first:stop]) if first >= 0 else b""
            cut = _RPH_RE.search(content)
            out[index] = "".join(_t_texts(content[:cut.start()] if cut else content))
    return out


def _t_texts(content: bytes) -> list[str]:
    texts = _T_RE.findall(content)
    if len(texts) != content.count(b"<t"):
        raise Unusual("text run layout")
    return [_text(t) for t in texts]


# ---------------------------------------------------------------- checking a region


def _check_region(buf: bytearray, end: int) -> int:
    """Check ``buf[:end]`` is plain, well-formed (as far as it goes) XML; returns where the root tag ends."""
    head = _PROLOG_RE.match(buf)
    if head is None or (head.group(3) and head.group(3).lower() != b"utf-8") or head.group(7) or head.end() > end:
        raise Unusual("prolog")
    root = _attributes(head.group(6))
    if root.get("xmlns", "").encode() != NS_MAIN or any(v.encode() == NS_MAIN for k, v in root.items() if k != "xmlns"):
        raise Unusual("namespace")
    root_end = head.end()
    for marker in (b"xmlns", b"<!", b"<?", b"\x00"):
        if buf.find(marker, root_end, end) >= 0:
            raise Unusual("namespace, comment, CDATA or processing instruction")
    parser = expat.ParserCreate(namespace_separator="}")
    parser.StartDoctypeDeclHandler = _refuse
    parser.EntityDeclHandler = _refuse
    try:
        parser.Parse(memoryview(buf)[:end], False)
    except expat.ExpatError as exc:
        raise Unusual(f"not well-formed: {exc}") from exc
    return root_end


def _refuse(*_args: object) -> None:
    raise Unusual("DTD")


# ---------------------------------------------------------------- decoding


def _attributes(raw: bytes) -> dict[str, str]:
    return {name.decode("utf-8"): _attr_value(dq or sq) for name, dq, sq in _ATTR_RE.findall(raw)}


def _attr_value(raw: bytes) -> str:
    text = raw.decode("utf-8")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\n" in text or "\t" in text:
        text = text.replace("\n", " ").replace("\t", " ")
    return _ENTITY_RE.sub(_entity, text) if "&" in text else text


def _text(raw: bytes) -> str:
    text = raw.decode("utf-8")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _ENTITY_RE.sub(_entity, text) if "&" in text else text


def _entity(m: re.Match) -> str:
    name = m.group(1)
    if name[0] != "#":
        return _NAMED[name]
    return chr(int(name[2:], 16) if name[1] in "xX" else int(name[1:]))


def _kind(attrs: bytes) -> str:
    """The cell type (``t`` attribute, default ``n``) of a cell's attributes after ``r``, cached by their bytes."""
    kind = _attributes(attrs).get("t", "n") if attrs else "n"
    if len(_KINDS) < 4096:
        _KINDS[attrs] = kind
    return kind


def _column(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    if len(_COLUMNS) < 20000:
        _COLUMNS[letters] = n
    return n

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

from bdg_workbook.layout.department import col_index

NS_MAIN = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_NS_MAIN_TEXT = NS_MAIN.decode()
CHUNK = 1 << 16
WHOLE_SHEET = 1 << 20      # a sheet whose sheetData ends within this is read whole; longer ones row by row

_ATTRS = rb"""(?:\s+[^\s=/<>"']+\s*=\s*(?:"[^"]*"|'[^']*'))*"""
_ATTR_RE = re.compile(rb"""([^\s=/<>"']+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_PROLOG_RE = re.compile(
    rb"""(?:\xef\xbb\xbf)?(?:<\?xml\s+version\s*=\s*(["'])1\.[0-9]+\1"""
    rb"""(?:\s+encoding\s*=\s*(["'])([A-Za-z][A-Za-z0-9._-]*)\2)?(?:\s+standalone\s*=\s*(["'])(?:yes|no)\4)?\s*\?>)?"""
    rb"""\s*<([A-Za-z_][^\s/<>:"'=]*)(""" + _ATTRS + rb""")\s*(/?)>""")
# an attribute value holding ">" (legal, but no spreadsheet program writes it): the patterns below
# take ">" as the end of a tag, so such a part goes to the reference reader
_GT_IN_VALUE = re.compile(rb"""=\s*(?:"[^"<>]*>|'[^'<>]*>)""")
_ROW_RE = re.compile(rb"""<row(?:\s+r="([0-9]{1,7})"(?=[\s/>])|(?=[\s/>]))([^>]*)>|</sheetData\s*>"""
                     rb"""|<sheetData(?=[\s/>])[^>]*/>""")
_ROW_R_RE = re.compile(rb'(?:^|\s)r\s*=\s*"([^"]*)"')
# a row (its r when first and plain, and its other attributes) or a cell (column letters, attributes after r,
# content); a cell's content stops at any <c or </c, so a cell inside a cell is not a token (and is counted)
_TOKEN_RE = re.compile(rb"""<(?:row(?:\s+r="([0-9]{1,7})"(?=[\s/>])|(?=[\s/>]))([^>]*)>"""
                       rb"""|c r="([A-Z]{1,3})[0-9]{1,7}"([^>]*)(?:(?<=/)>|>([^<]*(?:<(?!/?c[\s/>])[^<]*)*)</c\s*>))""")
_DATA_START_RE = re.compile(rb"<sheetData(?=[\s/>])[^>]*?(/?)>")
_DATA_END_RE = re.compile(rb"</sheetData\s*>|<sheetData(?=[\s/>])[^>]*/>")
_CONTENT_RE = re.compile(
    rb"""\s*(?:<f(?=[\s/>])([^>]*?)(?:/>|>([^<]*)</f\s*>)\s*)?"""
    rb"""(?:<v(?=[\s/>])[^>]*?(?:/>|>([^<]*)</v\s*>)\s*)?"""
    rb"""(?:<is(?=[\s/>])[^>]*?(?:/>|>(.*?)</is\s*>)\s*)?""", re.S)
_SI_RE = re.compile(rb"<si(?=[\s/>])[^>]*?(?:/>|>([^<]*(?:<(?!/?si[\s/>])[^<]*)*)</si\s*>)")
_SI_EMPTY_RE = re.compile(rb"<si(?=[\s/])[^>]*/>")
_T_RE = re.compile(rb"<t(?=[\s/>])[^>]*?(?:/>|>([^<]*)</t\s*>)")
_RPH_RE = re.compile(rb"<rPh[\s/>]")
_ENTITY_RE = re.compile(r"&(#x[0-9A-Fa-f]+|#[0-9]+|amp|lt|gt|quot|apos);")
_NAMED = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}
MAX_CACHED = 8192                      # entries of each cache below, so that they stay small:
MAX_CACHED_BYTES = 2048                # longer keys are never kept
_COLUMNS: dict[bytes, int] = {}                              # column letters -> number
_KINDS: dict[bytes, str] = {}                                # a cell's attributes after r -> its type
_CONTENTS: dict[tuple, tuple] = {}                           # (make, type, content) -> cell tuple: the locked text and
                                                             # formulas of a form repeat in every returned file
#: the only cell types whose empty cell is not blank ("#REF!", "#ERR", FALSE)
_FILLED_WHEN_EMPTY = frozenset(("s", "e", "b"))

CellTuple = tuple          # (kind, value, formula), as xlsxcells._cell_tuple returns
MakeTuple = Callable[[str, "str | None", "str | None", "list[str] | None"], CellTuple]


class Unusual(Exception):
    """The fast reader declines this part: read it with the reference (defused ElementTree) reader."""


def scan_sheet(stream, by_row: dict[int, set[int]], make: MakeTuple) -> dict[tuple[int, int], CellTuple]:
    """The wanted cells (columns by row) of one sheet part, as ``make(kind, formula, vtext, inline)`` tuples."""
    max_row = max(by_row)
    buf, body_end, end = _sheet_data(stream, max_row)
    root_end = _check_region(buf, end, final=end == len(buf) and not stream.read(1))
    opening = _DATA_START_RE.search(buf, root_end, end)
    if opening is None or _TOKEN_RE.search(buf, root_end, opening.start()):
        raise Unusual("rows or cells outside sheetData")
    start = opening.end() if not opening.group(1) else body_end
    tokens = _TOKEN_RE.findall(buf, start, body_end)
    if len(tokens) != buf.count(b"<row", start, body_end) + buf.count(b"<c", start, body_end):
        raise Unusual("a row or cell in a form this reader does not take")
    return _pick(tokens, by_row, max_row, make)


def _sheet_data(stream, max_row: int) -> tuple[bytearray, int, int]:
    """The sheet read through sheetData (rows as far as the reference reader goes): bytes, end of rows, end."""
    buf = bytearray()
    while len(buf) < WHOLE_SHEET:
        chunk = stream.read(CHUNK)
        cut = max(0, buf.rfind(b"<"))                      # where a tag cut by the chunk boundary starts
        buf += chunk
        close = _DATA_END_RE.search(buf, cut)
        if close is not None:
            return buf, close.start(), close.end()
        if not chunk:
            return buf, len(buf), len(buf)
    return _sheet_region(stream, buf, max_row)


def _sheet_region(stream, buf: bytearray, max_row: int) -> tuple[bytearray, int, int]:
    """(A long sheet) read on only up to the first row past ``max_row``, or the end of sheetData."""
    pos, row_no = 0, 0
    while True:
        for m in _ROW_RE.finditer(buf, pos):
            pos = m.end()
            number = m.group(1)
            if number:
                row_no = int(number)
            elif buf[m.start() + 1] == 114:                    # "r": a row whose r is not first or not plain
                row_no = _row_number(m.group(2), row_no)
            else:                                              # </sheetData> or <sheetData/>
                return buf, m.start(), pos
            if row_no > max_row:
                return buf, m.start(), pos
        pos = _resume(buf, pos)
        while True:                                        # read on to a chunk where some tag ends
            chunk = stream.read(CHUNK)
            if not chunk:
                return buf, len(buf), len(buf)
            buf += chunk
            if b">" in chunk:
                break


def _resume(buf: bytearray, pos: int) -> int:
    """Where to match again once more bytes come: at an unfinished tag, else after everything read."""
    last = buf.rfind(b"<", pos)
    return last if last >= 0 and buf.find(b">", last) < 0 else len(buf)


def _row_number(attrs: bytes, previous: int) -> int:
    """The row's number as the reference reader takes it: its r attribute, else the previous row's + 1."""
    if b"'" in attrs:
        value = _attributes(attrs).get("r")
    else:
        m = _ROW_R_RE.search(attrs)
        value = _attr_value(m.group(1)) if m else None
    return int(value or previous + 1)


def _pick(tokens: list[tuple], by_row: dict[int, set[int]], max_row: int,
          make: MakeTuple) -> dict[tuple[int, int], CellTuple]:
    """Cells of the wanted columns, in document order: a later cell at the same place wins, and the first
    row past ``max_row`` ends the sheet (as in the reference reader)."""
    found: dict[tuple[int, int], CellTuple] = {}
    columns, kinds, row_no, cols = _COLUMNS, _KINDS, 0, None
    for number, row_attrs, letters, attrs, content in tokens:
        if not letters:                                    # a row
            row_no = int(number) if number else _row_number(row_attrs, row_no)
            if row_no > max_row:
                break
            cols = by_row.get(row_no)
        elif cols is not None and (col := columns.get(letters) or _column(letters)) in cols:
            kind = kinds.get(attrs) or _kind(attrs)
            if attrs[-1:] != b"/":
                found[(row_no, col)] = _cell(kind, content, make)
            elif kind in _FILLED_WHEN_EMPTY:
                found[(row_no, col)] = make(kind, None, None, None)
            elif found:
                found.pop((row_no, col), None)                   # <c r=".." s=".."/>: blank (a later cell wins)
    return found


def _cell(kind: str, content: bytes, make: MakeTuple) -> CellTuple:
    key = (make, kind, content)
    known = _CONTENTS.get(key)
    if known is not None:
        return known
    parts = _CONTENT_RE.fullmatch(content)
    if parts is None:
        raise Unusual("cell content")
    f_attrs, f_text, v_text, is_content = parts.groups()
    formula = None
    if parts.start(1) >= 0:
        formula = _text(f_text) if f_text else ""
        if b"shared" in f_attrs:
            attrs = _attributes(f_attrs)
            if attrs.get("t") == "shared":
                formula = ("shared", attrs.get("si") or "", formula)
    inline = None
    if kind == "inlineStr" and (parts.start(4) >= 0 or b"<is" in content):
        inline = _t_texts(is_content or b"")
    known = make(kind, formula, _text(v_text) if v_text else None, inline)
    if len(content) <= MAX_CACHED_BYTES:
        if len(_CONTENTS) >= MAX_CACHED:
            _CONTENTS.clear()
        _CONTENTS[key] = known
    return known


def shared_strings(stream, needed: set[int]) -> dict[int, str]:
    """Texts of the needed shared strings (indexes into the sharedStrings part)."""
    last = max(needed)
    buf, pos, found = bytearray(), 0, []
    end = None
    while end is None:
        chunk = stream.read(CHUNK)
        buf += chunk
        fresh = max(pos, len(buf) - len(chunk) - 256)
        if chunk and buf.find(b"</si", fresh) < 0 and not _SI_EMPTY_RE.search(buf, fresh):
            continue                                   # no string ends here (keeps a huge string linear)
        for m in _SI_RE.finditer(buf, pos):
            found.append((m.start(), m.start(1), m.end(1)))
            pos = m.end()
            if len(found) > last:
                end = pos
                break
        if not chunk and end is None:
            end = len(buf)
    root_end = _check_region(buf, end, final=end == len(buf) and not stream.read(1))
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


def _check_region(buf: bytearray, end: int, final: bool = False) -> int:
    """Check ``buf[:end]`` is plain, well-formed XML (as far as it goes; to its end if ``final``: the part
    ended there); returns where the root tag ends."""
    head = _PROLOG_RE.match(buf)
    if head is None or (head.group(3) and head.group(3).lower() != b"utf-8") or head.group(7) or head.end() > end:
        raise Unusual("prolog")
    root = _attributes(head.group(6))
    if root.get("xmlns", "").encode() != NS_MAIN or any(v.encode() == NS_MAIN for k, v in root.items() if k != "xmlns"):
        raise Unusual("namespace")
    root_end = head.end()
    # as many ">" as "<" means every ">" ends a tag (the usual case, checked at memchr speed)
    if buf.count(b">", root_end, end) != buf.count(b"<", root_end, end) and _GT_IN_VALUE.search(buf, root_end, end):
        raise Unusual("'>' inside an attribute value")
    parser = expat.ParserCreate(namespace_separator="}")
    # called only when met, so free on plain parts: any of these sends the part to the reference reader
    parser.StartDoctypeDeclHandler = parser.EntityDeclHandler = _refuse
    parser.CommentHandler = parser.StartCdataSectionHandler = parser.ProcessingInstructionHandler = _refuse
    parser.StartNamespaceDeclHandler = _namespace
    try:
        parser.Parse(memoryview(buf)[:end], final)
    except expat.ExpatError as exc:
        raise Unusual(f"not well-formed: {exc}") from exc
    return root_end


def _refuse(*_args: object) -> None:
    raise Unusual("DTD, comment, CDATA or processing instruction")


def _namespace(prefix: str | None, uri: str | None) -> None:
    """Only the main namespace may be the default one, and no prefix may stand for it."""
    if (prefix is None) != (uri == _NS_MAIN_TEXT):
        raise Unusual("namespace")


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
    if len(_KINDS) < MAX_CACHED and len(attrs) <= MAX_CACHED_BYTES:
        _KINDS[attrs] = kind
    return kind


def _column(letters: bytes) -> int:
    """1-based column number of ASCII column letters, cached (the contract's converter underneath)."""
    n = col_index(letters.decode("ascii")) + 1
    if len(_COLUMNS) < MAX_CACHED:
        _COLUMNS[letters] = n
    return n

"""Raw zip/XML edits of a generated workbook for issue 12 (identity, layout, number format), no library re-save.

Each function takes the bytes of a workbook and returns the bytes of the edited one; sheets are found by
their names in workbook.xml and its rels, as a spreadsheet program finds them.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal

from hostile import Members, _add_part, pack, set_cell, sheet_parts, unpack

from bdg_workbook.untrusted.shared_formulas import shift_formula

WORKSHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
WORKSHEET_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"
NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _xml_attr(text: str) -> str:
    return text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")


def _quote(sheet: str) -> str:
    return "'" + sheet.replace("'", "''") + "'"


def _book(members: Members) -> str:
    return members["xl/workbook.xml"].decode("utf-8")


def redirect_name(data: bytes, name: str, reference: str) -> bytes:
    """The defined name ``name`` repointed to ``reference`` (e.g. ``'Chấm điểm'!$Z$200``)."""
    members = unpack(data)
    book = _book(members)
    pattern = re.compile(r'(<definedName name="%s"[^>]*>)[^<]*(</definedName>)' % re.escape(name))
    assert pattern.search(book), name
    book = pattern.sub(lambda m: m.group(1) + _xml_attr(reference) + m.group(2), book, count=1)
    members["xl/workbook.xml"] = book.encode("utf-8")
    return pack(members)


def delete_name(data: bytes, name: str) -> bytes:
    """The defined name ``name`` removed."""
    members = unpack(data)
    book = re.sub(r'<definedName name="%s"[^>]*>[^<]*</definedName>' % re.escape(name), "", _book(members))
    members["xl/workbook.xml"] = book.encode("utf-8")
    return pack(members)


def put(data: bytes, sheet: str, ref: str, cell_xml: str) -> bytes:
    """Cell ``ref`` of sheet ``sheet`` replaced by ``cell_xml`` (added if absent)."""
    members = unpack(data)
    part = sheet_parts(members)[sheet]
    members[part] = set_cell(members[part].decode("utf-8"), ref, cell_xml).encode("utf-8")
    return pack(members)


def add_sheet(data: bytes, name: str, state: str | None = None, rows_xml: str = "") -> bytes:
    """A new worksheet ``name`` (``state`` hidden/veryHidden if given) holding ``rows_xml`` in its sheetData."""
    members = unpack(data)
    number = 1 + max(int(n) for n in re.findall(r"xl/worksheets/sheet([0-9]+)\.xml", " ".join(members)))
    part = f"xl/worksheets/sheet{number}.xml"
    members[part] = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{NS_MAIN}">'
                     f"<sheetData>{rows_xml}</sheetData></worksheet>").encode("utf-8")
    rid = _add_part(members, part, WORKSHEET_TYPE, WORKSHEET_REL, f"worksheets/sheet{number}.xml")
    book = _book(members)
    sheet_id = 1 + max(int(n) for n in re.findall(r'sheetId="([0-9]+)"', book))
    state_attr = f' state="{state}"' if state else ""
    book = book.replace("</sheets>", f'<sheet xmlns:r="{NS_REL}" name="{_xml_attr(name)}" sheetId="{sheet_id}"'
                                     f'{state_attr} r:id="{rid}"/></sheets>', 1)
    members["xl/workbook.xml"] = book.encode("utf-8")
    return pack(members)


def rename_sheet(data: bytes, old: str, new: str, names_too: bool = True) -> bytes:
    """Sheet ``old`` renamed ``new``; its defined names follow (as Excel does) unless ``names_too`` is False."""
    members = unpack(data)
    book = _book(members)
    book = book.replace(f'name="{_xml_attr(old)}"', f'name="{_xml_attr(new)}"', 1)
    if names_too:
        book = book.replace(_xml_attr(_quote(old)) + "!", _xml_attr(_quote(new)) + "!")
        book = book.replace(f">{_xml_attr(old)}!", f">{_xml_attr(new)}!")
    members["xl/workbook.xml"] = book.encode("utf-8")
    return pack(members)


def remove_sheet(data: bytes, name: str) -> bytes:
    """Sheet ``name`` removed from workbook.xml (its part stays, unreferenced); names pointing at it removed."""
    members = unpack(data)
    book = _book(members)
    book = re.sub(r'<sheet\b[^>]*\sname="%s"[^>]*/>' % re.escape(_xml_attr(name)), "", book)
    book = re.sub(r'<definedName name="[^"]*"[^>]*>%s![^<]*</definedName>' % re.escape(_xml_attr(_quote(name))),
                  "", book)
    members["xl/workbook.xml"] = book.encode("utf-8")
    return pack(members)


def nfd(text: str) -> str:
    """The decomposed (NFD) spelling of ``text``: looks the same, compares different."""
    return unicodedata.normalize("NFD", text)


def excel_numbers(data: bytes, sheet: str, refs: list[str]) -> bytes:
    """Number cells ``refs`` of ``sheet`` rewritten with 17 significant digits, as Excel writes them
    (typed 8.37 -> ``8.3699999999999992``); the double they stand for is unchanged."""
    members = unpack(data)
    part = sheet_parts(members)[sheet]
    xml = members[part].decode("utf-8")
    for ref in refs:
        pattern = re.compile(r'(<c r="%s"(?:\s[^>]*?)?>(?:<f>[^<]*</f>)?<v>)([^<]*)(</v>)' % ref)
        m = pattern.search(xml)
        if m is None or re.search(r'\st="(?!n")', m.group(1)) or not re.fullmatch(r"-?[0-9.]+(?:E-?[0-9]+)?",
                                                                                      m.group(2), re.I):
            continue                                  # not a number cell (text, shared string, no cached value)
        xml = xml[:m.start()] + m.group(1) + excel_17(m.group(2)) + m.group(3) + xml[m.end():]
    members[part] = xml.encode("utf-8")
    return pack(members)


def excel_17(text: str) -> str:
    """A number's text in Excel's 17-significant-digit form."""
    value = float(text)
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return "%.17g" % value


def formula_of(xml: str, ref: str) -> str | None:
    """The formula text of cell ``ref`` in a sheet's XML (entities undone), or None."""
    m = re.search(r'<c r="%s"(?:\s[^>]*?)?>(?:(?!</c>).)*?<f>([^<]*)</f>' % ref, xml, re.S)
    return None if m is None else m.group(1).replace("&quot;", '"').replace("&lt;", "<").replace("&gt;", ">") \
        .replace("&amp;", "&")


def share_formulas(data: bytes, sheet: str, column: str, first: int, last: int, si: str = "0",
                   master_formula: str | None = None) -> bytes:
    """Rows ``first``..``last`` of ``column`` turned into one shared formula, as Excel saves a filled-down
    block: the first cell keeps the text (``t="shared" ref=.. si=..``), the others hold ``<f t="shared" si=../>``
    and their cached values. ``master_formula`` replaces the master's text if given."""
    members = unpack(data)
    part = sheet_parts(members)[sheet]
    xml = members[part].decode("utf-8")
    for row in range(first, last + 1):
        ref = f"{column}{row}"
        pattern = re.compile(r'(<c r="%s"(?:\s[^>]*?)?>)<f>([^<]*)</f>' % ref)
        m = pattern.search(xml)
        assert m is not None, ref
        if row == first:
            text = _xml_text(master_formula) if master_formula is not None else m.group(2)
            new = f'{m.group(1)}<f t="shared" ref="{column}{first}:{column}{last}" si="{si}">{text}</f>'
        else:
            new = f'{m.group(1)}<f t="shared" si="{si}"/>'
        xml = xml[:m.start()] + new + xml[m.end():]
    members[part] = xml.encode("utf-8")
    return pack(members)


def _xml_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def shareable_run(xml: str, column: str, rows: range, length: int = 3) -> tuple[int, int] | None:
    """The first ``length`` consecutive rows of ``column`` whose formulas are one formula filled down."""
    formulas = {row: formula_of(xml, f"{column}{row}") for row in rows}
    for start in rows:
        run = [formulas.get(start + k) for k in range(length)]
        if all(run) and all(shift_formula(run[0], k, 0) == run[k] for k in range(length)):
            return start, start + length - 1
    return None


def half_cent_value(maximum: Decimal, target: Decimal) -> Decimal | None:
    """A value with two decimals whose points ``maximum * value / target`` fall exactly on a half cent while
    the value's 17-digit form lies below it (so reading that text as an exact decimal rounds down)."""
    for hundredths in range(1, int(target * 100)):
        value = Decimal(hundredths) / 100
        exact = maximum * value / target
        if exact * 1000 % 10 == 5 and exact * 1000 == (exact * 1000).to_integral_value():
            seventeen = Decimal(excel_17(str(value)))
            if seventeen < value:
                return value
    return None

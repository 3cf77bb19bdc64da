"""A generator of hostile and broken returned workbooks (issue 4 item 2), each built from a valid one.

Every builder takes the bytes of a valid filled workbook and returns the bytes of the bad file; cells
are found through the workbook's own defined names, so no cell address is written here. The XML of
sheets is patched as text (never re-saved through openpyxl, which would drop or "repair" the very
things under test). ``CASES`` lists the builders that need nothing but the bytes, with the finding
code the collector must report for each.
"""

from __future__ import annotations

import io
import re
import tempfile
import unicodedata
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
EXTERNAL_LINK_TYPE = NS_REL + "/externalLink"
MACRO_TYPE = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
SHARED_STRINGS_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
EXCEL_CELL_LIMIT = 32_767

Members = dict[str, bytes]


# ---------------------------------------------------------------- zip plumbing


def unpack(data: bytes) -> Members:
    """Every member of a zip, in order."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {info.filename: zf.read(info) for info in zf.infolist()}


def pack(members: Members | list[tuple[str, bytes]], level: int = 6) -> bytes:
    """A deflated zip of the members (a list may repeat a name: the duplicate warning is silenced here)."""
    items = members.items() if isinstance(members, dict) else members
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Duplicate name", category=UserWarning)
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as zf:
            for name, body in items:
                zf.writestr(zipfile.ZipInfo(name, (2024, 1, 1, 0, 0, 0)), body, zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def _edit(data: bytes, part: str, change: Callable[[str], str]) -> bytes:
    members = unpack(data)
    members[part] = change(members[part].decode("utf-8")).encode("utf-8")
    return pack(members)


# ---------------------------------------------------------------- finding cells by defined name


@dataclass(frozen=True)
class Target:
    """Where a defined name points: the sheet's part, and the first cell's column and row."""

    part: str
    column: str
    row: int

    def ref(self, index: int = 0) -> str:
        """The address of the ``index``-th cell down from the first."""
        return f"{self.column}{self.row + index}"


def sheet_parts(members: Members) -> dict[str, str]:
    """Sheet name -> part path, from workbook.xml and its relationships."""
    book = members["xl/workbook.xml"].decode("utf-8")
    rels = members["xl/_rels/workbook.xml.rels"].decode("utf-8")
    targets = {}
    for rel in re.finditer(r"<Relationship\b[^>]*>", rels):
        rid, target = re.search(r'Id="([^"]+)"', rel.group(0)), re.search(r'Target="([^"]+)"', rel.group(0))
        if rid and target:
            path = target.group(1)
            targets[rid.group(1)] = path.lstrip("/") if path.startswith("/") else "xl/" + path
    out = {}
    for sheet in re.finditer(r"<sheet\b[^>]*>", book):
        name = re.search(r'name="([^"]*)"', sheet.group(0)).group(1)
        rid = re.search(r'r:id="([^"]+)"', sheet.group(0)).group(1)
        out[_unescape(name)] = targets[rid]
    return out


def _unescape(text: str) -> str:
    return text.replace("&quot;", '"').replace("&apos;", "'").replace("&lt;", "<").replace("&gt;", ">") \
        .replace("&amp;", "&")


def locate(members: Members, name: str) -> Target:
    """The part and first cell of a workbook-level defined name."""
    book = members["xl/workbook.xml"].decode("utf-8")
    m = re.search(r'<definedName name="%s"[^>]*>([^<]+)</definedName>' % re.escape(name), book)
    if m is None:
        raise KeyError(name)
    sheet, _, ref = _unescape(m.group(1)).rpartition("!")
    sheet = sheet[1:-1].replace("''", "'") if sheet.startswith("'") else sheet
    cell = re.match(r"\$?([A-Z]+)\$?([0-9]+)", ref)
    return Target(sheet_parts(members)[unicodedata.normalize("NFC", sheet)], cell.group(1), int(cell.group(2)))


def _cell_re(ref: str) -> re.Pattern[str]:
    return re.compile(r'<c r="%s"(?:\s[^>]*?)?(?:/>|>.*?</c>)' % ref, re.S)


def set_cell(xml: str, ref: str, cell_xml: str) -> str:
    """Replace cell ``ref`` of a sheet's XML by ``cell_xml`` (added to its row, or a new row, if absent)."""
    pattern = _cell_re(ref)
    if pattern.search(xml):
        return pattern.sub(lambda _m: cell_xml, xml, count=1)
    row = int(re.search(r"[0-9]+", ref).group(0))
    row_re = re.compile(r'(<row r="%d"[^>]*?)(/>|>(.*?)</row>)' % row, re.S)
    m = row_re.search(xml)
    if m:   # cells of a row must stay in column order: this helper is only used for the last column
        inner = m.group(3) or ""
        return xml[:m.start()] + f'{m.group(1)}>{inner}{cell_xml}</row>' + xml[m.end():]
    return _append_row(xml, f'<row r="{row}">{cell_xml}</row>')


def _append_row(xml: str, row_xml: str) -> str:
    if "<sheetData/>" in xml:
        return xml.replace("<sheetData/>", f"<sheetData>{row_xml}</sheetData>", 1)
    return xml.replace("</sheetData>", row_xml + "</sheetData>", 1)


def _xml_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def number_cell(ref: str, raw: str) -> str:
    """A number cell whose ``<v>`` holds ``raw`` verbatim (e.g. ``NaN``)."""
    return f'<c r="{ref}" t="n"><v>{raw}</v></c>'


def text_cell(ref: str, text: str) -> str:
    """An inline-string cell (what openpyxl writes); ``text`` is escaped for XML, ``_xHHHH_`` kept."""
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{_xml_text(text)}</t></is></c>'


def put_cells(data: bytes, cells: dict[tuple[str, int], str], kind: str = "text") -> bytes:
    """Set cells given as (defined name, row index) -> raw text; ``kind`` is ``text`` or ``number``."""
    members = unpack(data)
    for (name, index), raw in cells.items():
        target = locate(members, name)
        ref = target.ref(index)
        cell = number_cell(ref, raw) if kind == "number" else text_cell(ref, raw)
        members[target.part] = set_cell(members[target.part].decode("utf-8"), ref, cell).encode("utf-8")
    return pack(members)


# ---------------------------------------------------------------- not a workbook at all


def not_a_zip(_data: bytes) -> bytes:
    """An HTML page saved with a .xlsx name (webmail "download" gone wrong)."""
    return "<!DOCTYPE html><html><body>Phiên đăng nhập đã hết hạn</body></html>".encode("utf-8")


def truncated(data: bytes) -> bytes:
    """The first half of the file (an interrupted download)."""
    return data[: len(data) // 2]


def truncated_member(data: bytes) -> bytes:
    """The evidence sheet's XML cut inside the register, then zipped again (the zip itself is sound)."""
    members = unpack(data)
    target = locate(members, "ev_doc")
    xml = members[target.part]
    members[target.part] = xml[: xml.index(b'<row r="%d"' % (target.row + 3))]
    return pack(members)


def empty(_data: bytes) -> bytes:
    """Zero bytes."""
    return b""


def illegal_xml_character(data: bytes) -> bytes:
    """A raw U+0001 inside the meta sheet's XML (not well-formed XML 1.0; Excel never writes it)."""
    members = unpack(data)
    target = locate(members, "meta_department_code")
    xml = members[target.part].decode("utf-8")
    members[target.part] = set_cell(xml, target.ref(), text_cell(target.ref(), "AB\x01C")).encode("utf-8")
    return pack(members)


# ---------------------------------------------------------------- zip structure


def bomb_in_read_part(data: bytes) -> bytes:
    """The meta sheet followed by 40 MB of spaces: inflates ~1:1000 while the reader streams it."""
    members = unpack(data)
    part = locate(members, "meta_department_code").part
    members[part] = members[part] + b" " * (40 * 1024 * 1024)
    return pack(members, level=9)


def bomb_in_unread_part(data: bytes) -> bytes:
    """A 40 MB member of zero bytes that the reader never needs (an "image")."""
    members = unpack(data)
    members["xl/media/image1.png"] = b"\0" * (40 * 1024 * 1024)
    return pack(members, level=9)


def too_many_entries(data: bytes) -> bytes:
    """1,001 extra tiny members (POI's limit is 1,000 entries)."""
    members = unpack(data)
    for i in range(1001):
        members[f"customXml/item{i}.xml"] = b"<a/>"
    return pack(members)


def unknown_zip_version(data: bytes) -> bytes:
    """The central directory says a member needs zip version 14.8 to extract (Python raises NotImplementedError)."""
    at = data.index(b"PK\x01\x02") + 6          # "version needed to extract" of the first central entry
    return data[:at] + bytes((148, 0)) + data[at + 2:]


def duplicate_names(data: bytes) -> bytes:
    """A second ``xl/workbook.xml`` after the first (which one a reader takes differs between tools)."""
    members = list(unpack(data).items())
    book = dict(members)["xl/workbook.xml"]
    return pack(members + [("xl/workbook.xml", book.replace(b"definedName", b"definedNamX"))])


def whole_sheet_name(data: bytes) -> bytes:
    """The evidence-title defined name widened to a whole sheet, ``A1:XFD1048576`` (17 billion cells)."""
    def change(xml: str) -> str:
        return re.sub(r'(<definedName name="ev_title"[^>]*>)[^<]*(</definedName>)',
                      lambda m: m.group(1) + "'Minh chứng'!$A$1:$XFD$1048576" + m.group(2), xml)
    return _edit(data, "xl/workbook.xml", change)


# ---------------------------------------------------------------- XML entity attacks

_LAUGHS = ('<!DOCTYPE lolz [<!ENTITY lol "lol">'
           + "".join(f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 if i > 1 else "")) * 10}">' for i in range(1, 10))
           + "]>")


def _with_doctype(xml: str, doctype: str) -> str:
    if xml.startswith("<?xml"):
        end = xml.index("?>") + 2
        return xml[:end] + doctype + xml[end:]
    return doctype + xml


def billion_laughs_workbook(data: bytes) -> bytes:
    """workbook.xml with the classic nested-entity DOCTYPE and an entity used in a defined name."""
    def change(xml: str) -> str:
        xml = xml.replace("</definedNames>", '<definedName name="lol">&lol9;</definedName></definedNames>', 1)
        return _with_doctype(xml, _LAUGHS)
    return _edit(data, "xl/workbook.xml", change)


def billion_laughs_shared_strings(data: bytes) -> bytes:
    """A shared-strings part with the nested-entity DOCTYPE, used by the department-code cell of meta."""
    members = unpack(data)
    target = locate(members, "meta_department_code")
    xml = members[target.part].decode("utf-8")
    value = re.sub(r"<[^>]+>", "", _cell_re(target.ref()).search(xml).group(0))
    strings = (f'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="2" uniqueCount="2">'
               f"<si><t>{value}</t></si><si><t>&lol9;</t></si></sst>")
    members["xl/sharedStrings.xml"] = _with_doctype(strings, _LAUGHS).encode("utf-8")
    members[target.part] = set_cell(xml, target.ref(), f'<c r="{target.ref()}" t="s"><v>0</v></c>').encode("utf-8")
    _add_part(members, "xl/sharedStrings.xml", SHARED_STRINGS_TYPE, NS_REL + "/sharedStrings", "sharedStrings.xml")
    return pack(members)


def _add_part(members: Members, part: str, content_type: str, rel_type: str, target: str) -> str:
    types = members["[Content_Types].xml"].decode("utf-8")
    if f'PartName="/{part}"' not in types:
        types = types.replace("</Types>", f'<Override PartName="/{part}" ContentType="{content_type}"/></Types>')
        members["[Content_Types].xml"] = types.encode("utf-8")
    rels = members["xl/_rels/workbook.xml.rels"].decode("utf-8")
    rid = "rIdHostile%d" % rels.count("<Relationship ")
    rels = rels.replace("</Relationships>", f'<Relationship Id="{rid}" Type="{rel_type}" Target="{target}"/>'
                                            "</Relationships>")
    members["xl/_rels/workbook.xml.rels"] = rels.encode("utf-8")
    return rid


def external_entity(data: bytes) -> bytes:
    """The scoring sheet declares ``SYSTEM "file:///etc/passwd"`` and uses it in an input cell."""
    members = unpack(data)
    target = locate(members, "in_I_1_value")
    xml = members[target.part].decode("utf-8")
    xml = set_cell(xml, target.ref(), f'<c r="{target.ref()}" t="inlineStr"><is><t>&xxe;</t></is></c>')
    members[target.part] = _with_doctype(xml, '<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>') \
        .encode("utf-8")
    return pack(members)


# ---------------------------------------------------------------- other kinds of file


def encrypted(data: bytes, password: str = "matkhau") -> bytes:
    """A real password-encrypted workbook (ECMA-376 agile encryption, as Excel's "Encrypt with Password")."""
    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    OOXMLFile(io.BytesIO(data)).encrypt(password, out)
    return out.getvalue()


def macro_enabled(data: bytes) -> bytes:
    """The workbook turned into an .xlsm: a VBA project part and the macro-enabled content type."""
    members = unpack(data)
    types = members["[Content_Types].xml"].decode("utf-8")
    types = re.sub(r'(PartName="/xl/workbook.xml" ContentType=")[^"]+"', r'\g<1>%s"' % MACRO_TYPE, types)
    types = types.replace("</Types>", '<Default Extension="bin" '
                                      'ContentType="application/vnd.ms-office.vbaProject"/></Types>')
    members["[Content_Types].xml"] = types.encode("utf-8")
    members["xl/vbaProject.bin"] = bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 504 + b"Attribute VB_Name"
    rels = members["xl/_rels/workbook.xml.rels"].decode("utf-8").replace(
        "</Relationships>", '<Relationship Id="rIdVba" Type="http://schemas.microsoft.com/office/2006/relationships/'
                            'vbaProject" Target="vbaProject.bin"/></Relationships>')
    members["xl/_rels/workbook.xml.rels"] = rels.encode("utf-8")
    return pack(members)


def unrelated_workbook(_data: bytes) -> bytes:
    """A plain spreadsheet that has nothing to do with the form (someone's own table)."""
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("Sheet1")
    rows = [("STT", "Họ tên", "Điểm"), (1, "Nguyễn Thị Lan", 95), (2, "Trần Văn Hùng", 88)]
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    book.close()
    return buffer.getvalue()


def meta_removed(data: bytes) -> bytes:
    """Our workbook with its hidden meta sheet deleted (the sheet, its part and its defined names)."""
    members = unpack(data)
    part = locate(members, "meta_department_code").part
    book = members["xl/workbook.xml"].decode("utf-8")
    book = re.sub(r'<sheet\b[^>]*name="meta"[^>]*/>', "", book)
    book = re.sub(r'<definedName name="meta_[^"]*"[^>]*>[^<]*</definedName>', "", book)
    members["xl/workbook.xml"] = book.encode("utf-8")
    del members[part]
    return pack(members)


def with_external_link(data: bytes) -> bytes:
    """A DDE link part (``cmd|' /C calc'``) wired into the workbook, as a hostile "linked" file has."""
    members = unpack(data)
    members["xl/externalLinks/externalLink1.xml"] = (
        '<externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<ddeLink ddeService="cmd" ddeTopic="/C calc"><ddeItems><ddeItem name="A0" advise="1"/></ddeItems>'
        "</ddeLink></externalLink>").encode("utf-8")
    rid = _add_part(members, "xl/externalLinks/externalLink1.xml",
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.externalLink+xml",
                    EXTERNAL_LINK_TYPE, "externalLinks/externalLink1.xml")
    book = members["xl/workbook.xml"].decode("utf-8")
    book = book.replace("<definedNames>", f'<externalReferences xmlns:r="{NS_REL}"><externalReference r:id="{rid}"/>'
                                          "</externalReferences><definedNames>", 1)
    members["xl/workbook.xml"] = book.encode("utf-8")
    return pack(members)


# ---------------------------------------------------------------- far outside the form


def far_cell(data: bytes) -> bytes:
    """A value at XFD1048576, the last cell of a sheet, on the scoring sheet (dimension says so too)."""
    members = unpack(data)
    part = locate(members, "in_I_1_value").part
    xml = members[part].decode("utf-8")
    xml = re.sub(r'<dimension ref="[^"]*"\s*/>', '<dimension ref="A1:XFD1048576"/>', xml, count=1)
    members[part] = _append_row(xml, '<row r="1048576"><c r="XFD1048576" t="n"><v>1</v></c></row>').encode("utf-8")
    return pack(members)


def million_rows(data: bytes, rows: int = 1_000_000) -> bytes:
    """A million rows appended after the evidence register, written straight into the sheet XML."""
    members = unpack(data)
    target = locate(members, "ev_doc")
    xml = members[target.part].decode("utf-8")
    last = max(int(r) for r in re.findall(r'<row r="([0-9]+)"', xml))
    first = last + 1
    body = "".join(f'<row r="{r}"><c r="A{r}" t="n"><v>{r}</v></c></row>' for r in range(first, first + rows))
    xml = re.sub(r'<dimension ref="[^"]*"\s*/>', f'<dimension ref="A1:H{first + rows - 1}"/>', xml, count=1)
    members[target.part] = _append_row(xml, body).encode("utf-8")
    return pack(members, level=1)


# ---------------------------------------------------------------- hostile values

BAD_NUMBERS = {  # input defined name -> raw <v> text (cell type n)
    "in_I_3_value": "NaN",
    "in_I_5_value": "Infinity",
    "in_III_1_value": "1e400",
    "in_IV_1_value": "-Infinity",
}
FULL_WIDTH_TEXT = ("in_III_5_value", "１２")      # typed as text in a number cell
FULL_WIDTH_NUMBER = ("in_V_1_value", "２")       # written into <v> of a number cell


def bad_numbers(data: bytes) -> bytes:
    """NaN, Infinity, 1e400 and -Infinity in number cells; full-width digits as text and inside ``<v>``."""
    data = put_cells(data, {(name, 0): raw for name, raw in BAD_NUMBERS.items()}, kind="number")
    data = put_cells(data, {(FULL_WIDTH_TEXT[0], 0): FULL_WIDTH_TEXT[1]}, kind="text")
    return put_cells(data, {(FULL_WIDTH_NUMBER[0], 0): FULL_WIDTH_NUMBER[1]}, kind="number")


CONTROL_TEXT = "Hội nghị_x0007_ tuyên\u0001 truyền_x001B_ bình đẳng giới\u000b"   # \x01, \x0b as _xHHHH_
LONG_TEXT = "Dài " * 10_000                                                   # 40,000 characters


def control_and_long_texts(data: bytes) -> bytes:
    """Evidence texts with control characters (stored as ``_xHHHH_`` escapes, as Excel does) and 40,000 chars."""
    escaped = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", lambda m: "_x%04X_" % ord(m.group(0)), CONTROL_TEXT)
    return put_cells(data, {("ev_title", 0): escaped, ("ev_note", 0): LONG_TEXT, ("ev_note", 1): "a\tb\r\nc"})


# ---------------------------------------------------------------- LibreOffice conversions


def legacy_formats(data: bytes) -> tuple[bytes, bytes]:
    """The workbook converted by LibreOffice to a real .xls and a real .ods (two batched soffice calls)."""
    from libreoffice import convert

    with tempfile.TemporaryDirectory(prefix="bdg-hostile-") as tmp:
        src = Path(tmp) / "src" / "bieu_mau.xlsx"
        src.parent.mkdir()
        src.write_bytes(data)
        xls = convert([src], Path(tmp) / "xls", "xls:MS Excel 97", recalc=False)[src.resolve()].read_bytes()
        ods = convert([src], Path(tmp) / "ods", "ods", recalc=False)[src.resolve()].read_bytes()
    return xls, ods


# ---------------------------------------------------------------- the catalogue

CASES: dict[str, tuple[Callable[[bytes], bytes], str]] = {
    "khong_phai_zip": (not_a_zip, "F01"),
    "bi_cat_cut": (truncated, "F01"),
    "rong": (empty, "F01"),
    "xml_co_ky_tu_cam": (illegal_xml_character, "F01"),
    "bom_nen_phan_doc": (bomb_in_read_part, "F05"),
    "bom_nen_phan_khong_doc": (bomb_in_unread_part, "F05"),
    "qua_nhieu_muc": (too_many_entries, "F05"),
    "trung_ten_muc": (duplicate_names, "F05"),
    "phien_ban_zip_la": (unknown_zip_version, "F01"),
    "billion_laughs_workbook": (billion_laughs_workbook, "F09"),
    "billion_laughs_sharedstrings": (billion_laughs_shared_strings, "F09"),
    "thuc_the_ngoai": (external_entity, "F09"),
    "co_mat_khau": (encrypted, "F06"),
    "co_macro": (macro_enabled, "F07"),
    "bang_tinh_khac": (unrelated_workbook, "F02"),
    "xoa_trang_meta": (meta_removed, "F02"),
    "ten_vung_ca_trang": (whole_sheet_name, "F32"),     # a name pointing elsewhere than issued (issue 12)
    "phan_xml_bi_cat": (truncated_member, "F01"),
}
"""Rejected cases: file stem -> (builder, the finding code that rejects it)."""



# ---------------------------------------------------------------- valid inputs to start from


def signed_forms(setup, folder: Path, codes: list[str]) -> tuple[list[Path], Path]:
    """Signed blank workbooks of ``codes`` in ``folder``/forms, and the ward's public key file."""
    from bdg_workbook.workbook.generate import generate_workbooks
    from bdg_workbook.trust.signing import ensure_key_pair, load_private_key

    pair = ensure_key_pair(folder / "keys" / "ward-signing.key")
    key = load_private_key(pair.private_path)
    return generate_workbooks(setup, folder / "forms", only=codes, signer=key.sign), pair.public_path


def filled(setup, form: Path, dst: Path, seed: int, change: Callable | None = None) -> bytes:
    """Fill ``form`` with realistic valid answers (``change(answers)`` may edit them); returns the bytes."""
    import random

    from bdg_workbook.demo.fill import fill_workbook, random_valid_answers

    code = form.stem.rsplit("_", 1)[-1]
    dept = next(d for d in setup.departments if d.code == code)
    answers = random_valid_answers(setup, dept, random.Random(seed))
    if change is not None:
        change(answers)
    fill_workbook(form, dst, answers)
    return dst.read_bytes()

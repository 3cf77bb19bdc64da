"""A Word (.docx) document in the layout of Nghị định 30/2020/NĐ-CP (Phụ lục I), built with python-docx.

A4 portrait (or landscape), margins top/bottom 20 mm, left 30 mm, right 15 mm; Times New Roman 13 pt
body; the header table (issuing body left, Quốc hiệu and Tiêu ngữ right, each with its short rule), the
number and symbol, place and date, the document kind and its subject, "Kính gửi", the body, then the
"Nơi nhận" list beside the signature block. Page numbers centred in the top margin from page 2.
Every string passes through ``clean_cell_text`` (department text may hold XML-illegal characters).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from bdg_workbook.writing.safe_text import atomic_write_bytes, clean_cell_text

FONT = "Times New Roman"
BODY_PT = 13
NATION = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
DOTS = "…" * 3


@dataclass(frozen=True)
class Letterhead:
    """What the header and the first lines say: issuing body, number/symbol, place and date."""

    issuer: tuple[str, ...]          # e.g. ("ỦY BAN NHÂN DÂN", "PHƯỜNG NHƠN HƯNG")
    symbol: str                      # e.g. "BC-UBND" -> "Số: …/BC-UBND"
    place: str                       # địa danh, e.g. "Nhơn Hưng"
    date: dt.date | None = None      # None: "ngày … tháng … năm <year>" for the officer to fill
    year: int | None = None


def vn_date_line(place: str, date: dt.date | None, year: int | None = None) -> str:
    """``Nhơn Hưng, ngày 05 tháng 10 năm 2024`` (days and months 1–2 written with a leading zero, per NĐ 30)."""
    if date is None:
        return f"{place}, ngày {DOTS} tháng {DOTS} năm {year or DOTS}"
    day = f"{date.day:02d}" if date.day < 10 else str(date.day)
    month = f"{date.month:02d}" if date.month < 3 else str(date.month)
    return f"{place}, ngày {day} tháng {month} năm {date.year}"


def _issuer_bold_from(lines: Sequence[str]) -> int:
    """UBND names its own body over two lines (all bold); otherwise only the last line is the issuer."""
    if lines and lines[0].upper().startswith("ỦY BAN NHÂN DÂN"):
        return 0
    return max(len(lines) - 1, 0)


class Nd30Document:
    """An administrative document being built, section by section, in NĐ 30 layout."""

    def __init__(self, letterhead: Letterhead, landscape: bool = False) -> None:
        self.doc = Document()
        self.letterhead = letterhead
        self._page_setup(landscape)
        self._base_style()
        self._header_table()

    # ------------------------------------------------------------------ page and styles

    def _page_setup(self, landscape: bool) -> None:
        section = self.doc.sections[0]
        if landscape:
            section.orientation = WD_ORIENT.LANDSCAPE
            section.page_width, section.page_height = Mm(297), Mm(210)
        else:
            section.page_width, section.page_height = Mm(210), Mm(297)
        section.top_margin = section.bottom_margin = Mm(20)
        section.left_margin, section.right_margin = Mm(30), Mm(15)
        section.header_distance = Mm(10)
        section.different_first_page_header_footer = True
        para = section.header.paragraphs[0]
        para.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _page_field(para)

    @property
    def text_width(self) -> int:
        """Width between the margins (EMU)."""
        section = self.doc.sections[0]
        return section.page_width - section.left_margin - section.right_margin

    def _base_style(self) -> None:
        style = self.doc.styles["Normal"]
        style.font.name = FONT
        style.font.size = Pt(BODY_PT)
        fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
        for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
            fonts.set(qn(attr), FONT)
        fmt = style.paragraph_format
        fmt.space_before, fmt.space_after, fmt.line_spacing = Pt(0), Pt(0), 1.0
        props = self.doc.core_properties
        props.author = props.last_modified_by = "bdg-workbook"
        stamp = dt.datetime.combine(self.letterhead.date or dt.date(self.letterhead.year or 2000, 1, 1), dt.time())
        props.created = props.modified = stamp

    # ------------------------------------------------------------------ header

    def _header_table(self) -> None:
        lh = self.letterhead
        table = self.doc.add_table(rows=2, cols=2)
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False
        left_w = int(self.text_width * 0.40)
        _widths(table, [left_w, self.text_width - left_w])
        left, right = table.cell(0, 0), table.cell(0, 1)
        bold_from = _issuer_bold_from(lh.issuer)
        for i, line in enumerate(lh.issuer):
            self._cell_line(left, line.upper(), bold=i >= bold_from, size=13, first=i == 0)
        _rule(self._cell_line(left, "", size=2), (left_w - Mm(24)) // 2)
        self._cell_line(right, NATION, bold=True, size=12, first=True)
        _rule(self._cell_line(right, MOTTO, bold=True, size=13), Mm(15))
        number = self._cell_line(table.cell(1, 0), f"Số: {DOTS}/{lh.symbol}", size=13, first=True)
        place = self._cell_line(table.cell(1, 1), vn_date_line(lh.place, lh.date, lh.year), italic=True, size=13,
                                first=True)
        number.paragraph_format.space_before = place.paragraph_format.space_before = Pt(8)
        self.spacer(6)

    def _cell_line(self, cell: Any, text: str, bold: bool = False, italic: bool = False, size: float = BODY_PT,
                   first: bool = False) -> Any:
        para = cell.paragraphs[0] if first else cell.add_paragraph()
        para.alignment = WD_ALIGN_PARAGRAPH.CENTER
        if text:
            _run(para, text, bold=bold, italic=italic, size=size)
        else:
            para.paragraph_format.line_spacing = Pt(size)
        return para

    # ------------------------------------------------------------------ content

    def heading(self, kind: str, subject: str = "") -> None:
        """The document kind in capitals (BÁO CÁO, BIÊN BẢN…) and its subject (trích yếu) below, bold, centred."""
        para = self.doc.add_paragraph()
        para.alignment = WD_ALIGN_PARAGRAPH.CENTER
        para.paragraph_format.space_before = Pt(12)
        _run(para, kind.upper(), bold=True, size=14)
        if subject:
            para = self.doc.add_paragraph()
            para.alignment = WD_ALIGN_PARAGRAPH.CENTER
            _run(para, subject, bold=True, size=14)
            rule = self.doc.add_paragraph()
            rule.paragraph_format.line_spacing = Pt(4)
            _rule(rule, (self.text_width - Mm(40)) // 2)
        self.spacer(6)

    def addressee(self, names: Sequence[str]) -> None:
        """``Kính gửi: …`` centred (one name), or the names listed under it."""
        names = [n for n in names if n]
        if not names:
            return
        para = self.doc.add_paragraph()
        para.alignment = WD_ALIGN_PARAGRAPH.CENTER
        para.paragraph_format.space_after = Pt(6)
        _run(para, "Kính gửi: ", size=14)
        _run(para, names[0] if len(names) == 1 else "", size=14)
        if len(names) > 1:
            for name in names:
                item = self.doc.add_paragraph()
                item.paragraph_format.left_indent = Mm(60)
                _run(item, f"- {name};", size=14)

    def paragraph(self, text: str = "", bold: bool = False, italic: bool = False, indent: bool = True,
                  align: str = "justify", size: float = BODY_PT) -> Any:
        """One body paragraph: justified, first line indented 1 cm, 6 pt before, single-and-a-bit spacing."""
        para = self.doc.add_paragraph()
        para.alignment = {"justify": WD_ALIGN_PARAGRAPH.JUSTIFY, "center": WD_ALIGN_PARAGRAPH.CENTER,
                          "left": WD_ALIGN_PARAGRAPH.LEFT, "right": WD_ALIGN_PARAGRAPH.RIGHT}[align]
        fmt = para.paragraph_format
        fmt.space_before, fmt.line_spacing = Pt(6), 1.15
        if indent:
            fmt.first_line_indent = Mm(10)
        if text:
            _run(para, text, bold=bold, italic=italic, size=size)
        return para

    def section_heading(self, text: str) -> None:
        """A numbered part of the body (``I. KẾT QUẢ …``), bold."""
        self.paragraph(text, bold=True)

    def blank_lines(self, count: int = 3, hint: str = "") -> None:
        """Dotted lines for the officer to complete by hand or in Word, with an italic hint first."""
        if hint:
            self.paragraph(hint, italic=True)
        for _ in range(count):
            self.paragraph("…" * 34, indent=False)

    def table(self, headers: Sequence[str], rows: Sequence[Sequence[Any]], widths: Sequence[float],
              numeric: Sequence[int] = (), size: float = 11, bold_last: bool = False) -> Any:
        """A bordered table: bold centred headers repeated on every page, ``widths`` as fractions of the line."""
        table = self.doc.add_table(rows=1, cols=len(headers))
        table.style = self.doc.styles["Table Grid"]
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False
        total = sum(widths)
        _widths(table, [int(self.text_width * w / total) for w in widths])
        for cell, text in zip(table.rows[0].cells, headers):
            para = cell.paragraphs[0]
            para.alignment = WD_ALIGN_PARAGRAPH.CENTER
            _run(para, text, bold=True, size=size)
        _repeat_header(table.rows[0])
        for index, values in enumerate(rows):
            cells = table.add_row().cells
            bold = bold_last and index == len(rows) - 1
            for col, (cell, value) in enumerate(zip(cells, values)):
                para = cell.paragraphs[0]
                para.alignment = WD_ALIGN_PARAGRAPH.RIGHT if col in numeric else WD_ALIGN_PARAGRAPH.LEFT
                _run(para, "" if value is None else str(value), bold=bold, size=size)
        _widths(table, [int(self.text_width * w / total) for w in widths])
        self.spacer(4)
        return table

    def spacer(self, points: float = 6) -> None:
        """Vertical space of ``points``."""
        para = self.doc.add_paragraph()
        para.paragraph_format.line_spacing = Pt(points)

    def closing(self, recipients: Sequence[str], signer_lines: Sequence[str], signer_name: str,
                left_signer: tuple[Sequence[str], str] | None = None) -> None:
        """Nơi nhận (left, 12/11 pt) beside the signature block (right); or two signature blocks (biên bản)."""
        self.spacer(6)
        table = self.doc.add_table(rows=1, cols=2)
        table.autofit = False
        left_w = int(self.text_width * 0.45)
        _widths(table, [left_w, self.text_width - left_w])
        left, right = table.cell(0, 0), table.cell(0, 1)
        if left_signer is not None:
            self._signature(left, *left_signer)
        else:
            para = left.paragraphs[0]
            _run(para, "Nơi nhận:", bold=True, italic=True, size=12)
            for name in recipients:
                item = left.add_paragraph()
                _run(item, f"- {name}", size=11)
        self._signature(right, signer_lines, signer_name)

    def _signature(self, cell: Any, lines: Sequence[str], name: str) -> None:
        for i, line in enumerate(lines):
            self._cell_line(cell, line.upper(), bold=True, size=13, first=i == 0)
        hint = self._cell_line(cell, "(Ký, ghi rõ họ tên, đóng dấu)" if lines else "", italic=True, size=12,
                               first=not lines)
        hint.paragraph_format.space_after = Pt(60)
        self._cell_line(cell, name or DOTS * 3, bold=True, size=13)

    # ------------------------------------------------------------------ output

    def to_bytes(self) -> bytes:
        """The finished .docx as bytes."""
        buffer = io.BytesIO()
        self.doc.save(buffer)
        return buffer.getvalue()

    def save(self, path: Path) -> Path:
        """Write the document atomically (temporary file, then rename)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(path, self.to_bytes())
        return path


# ---------------------------------------------------------------------- low-level helpers


def _run(para: Any, text: str, bold: bool = False, italic: bool = False, size: float = BODY_PT) -> Any:
    run = para.add_run(clean_cell_text(text, 20_000))
    run.bold, run.italic = bold, italic
    run.font.size = Pt(size)
    run.font.name = FONT
    return run


def _widths(table: Any, widths: Sequence[int]) -> None:
    """Set column widths on the grid and on every cell (Word reads one, LibreOffice the other)."""
    for column, width in zip(table.columns, widths):
        column.width = width
    for row in table.rows:
        for cell, width in zip(row.cells, widths):
            cell.width = width


def _rule(para: Any, side: int) -> None:
    """A centred horizontal line under ``para``: a bottom border, ``side`` EMU indented from each edge."""
    props = para.paragraph_format.element.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        bottom.set(qn(key), value)
    borders.append(bottom)
    props.append(borders)
    para.alignment = WD_ALIGN_PARAGRAPH.CENTER
    para.paragraph_format.left_indent = para.paragraph_format.right_indent = side


def _repeat_header(row: Any) -> None:
    """Mark a table row as the header repeated at the top of each page."""
    tr = row.cells[0].paragraphs[0].paragraph_format.element.getparent().getparent()
    props = tr.get_or_add_trPr()
    flag = OxmlElement("w:tblHeader")
    flag.set(qn("w:val"), "true")
    props.append(flag)


def _page_field(para: Any) -> None:
    """A PAGE field (page number) in ``para``."""
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "2"
    run.append(text)
    field.append(run)
    para.paragraph_format.element.append(field)

"""The printed part of the master: the ward's report (NĐ 30/2020, portrait) and its detail appendix (landscape)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Callable, Sequence

from bdg_workbook.domain.numbers import format_points
from bdg_workbook.layout.master import NOT_RETURNED_VI
from bdg_workbook.domain.model import CriteriaTable, Section
from bdg_workbook.master.style import (PrintSheet, Styles, estimate_lines, merge_text, page_setup, put_number, put_text,
                           row_height)
from bdg_workbook.master.tables import average_total, rating_counts, summary_rows
from bdg_workbook.domain.result import CollectResult, DepartmentResult
from bdg_workbook.domain.scoring import ScoreCard

MOVEMENT = "phong trào thi đua “Vì sự tiến bộ của phụ nữ và Bình đẳng giới”"
SUBJECT_LINES = ("Kết quả chấm điểm phong trào thi đua “Vì sự tiến bộ của phụ nữ", "và Bình đẳng giới” năm {year}")
RULE = "─" * 9
PORTRAIT_WIDTH_MM = 165    # A4 portrait minus NĐ 30 margins (30 + 15 mm)
PORTRAIT_HEIGHT_PT = 718   # A4 portrait minus 2 × 20 mm margins (728 pt), less a little for the header
MM_PER_UNIT = 2.38         # printed width of one column unit (Times New Roman 12, padding included; measured)
DEFAULT_ROW_PT = 16.0      # height of a row left at the default
NAME_WIDTH = 18.5          # summary: department column
TEXT_WIDTH = 46            # appendix: criterion text column
LABEL_LIMIT = 112          # appendix: criterion text cut to two lines
ONE_PAGE_MIN_SCALE = 0.75  # the report is shrunk to one page when it needs no more than this (12 pt -> 9 pt)


@dataclass(frozen=True)
class SummaryColumn:
    """One column of the summary table: header text, width (characters) and what it shows."""

    header: str
    width: float
    key: str


def summary_columns(table: CriteriaTable) -> list[SummaryColumn]:
    """TT, Đơn vị, each base section, base, bonus, penalty, total, rank, rating, errors, warnings."""
    bonus, penalty = table.sections_of("bonus")[0], table.sections_of("penalty")[0]
    cols = [SummaryColumn("TT", 4, "no"), SummaryColumn("Đơn vị", NAME_WIDTH, "name")]
    cols += [SummaryColumn(f"{s.code}\n({_n(s.max)})", 5.6, f"sec:{s.code}") for s in table.sections_of("base")]
    cols += [SummaryColumn(f"Điểm cơ bản\n({_n(table.base_max)})", 6.6, "base"),
             SummaryColumn(f"{bonus.code}\n(+{_n(bonus.max)})", 5.6, "bonus"),
             SummaryColumn(f"{penalty.code}\n(−{_n(penalty.max)})", 5.6, "penalty"),
             SummaryColumn(f"Tổng điểm\n({_n(table.total_max)})", 6.6, "total"),
             SummaryColumn("Xếp hạng", 5.4, "rank"), SummaryColumn("Xếp loại", 8.6, "rating"),
             SummaryColumn("Số lỗi", 4.6, "errors"), SummaryColumn("Số cảnh báo", 6.2, "warnings")]
    return cols


def _n(value: Decimal) -> str:
    return format(value.normalize(), "f")


# ---------------------------------------------------------------- summary sheet


@dataclass
class SummaryPlacement:
    """Where the summary table landed (0-based rows/columns), for the chart and the tests."""

    header_row: int
    first_row: int
    last_row: int
    name_col: int
    total_col: int


def write_summary(sheet: PrintSheet, st: Styles, result: CollectResult,
                  paragraphs: Sequence[str] | None = None) -> SummaryPlacement:
    """The ward's report: NĐ 30 header, title, summary paragraph, table per department, recipients, signer.

    ``paragraphs`` replaces the default text above the table (``summary_paragraphs``), e.g. after a review.
    """
    cfg, table = result.setup.config, result.setup.table
    cols = summary_columns(table)
    last = len(cols) - 1
    for i, col in enumerate(cols):
        sheet.set_column(i, i, col.width)
    width = sum(c.width for c in cols)
    split = 4  # left header block: columns 0..split-1; right block: split..last
    row = _national_header(sheet, st, result, split, last)
    row = _title_block(sheet, st, result, row + 1, last, width)
    for para in (summary_paragraphs(result) if paragraphs is None else paragraphs):
        lines = estimate_lines(para, width, 13)
        merge_text(sheet, row, 0, row, last, para, st(size=13, align="justify", valign="top", text_wrap=True))
        sheet.set_row(row, row_height(lines, 13))
        row += 1
    sheet.set_row(row, 8)
    row += 1
    placement = _summary_table(sheet, st, result, cols, row)
    row = placement.last_row + 2
    closing = (f"Trên đây là báo cáo kết quả chấm điểm {MOVEMENT} năm {cfg.year} của "
               f"{cfg.aggregator_name or cfg.ward}./.")
    merge_text(sheet, row, 0, row, last, closing, st(size=13, align="justify", valign="top", text_wrap=True))
    sheet.set_row(row, row_height(estimate_lines(closing, width, 13), 13))
    end = _signature_block(sheet, st, result, row + 2, split, last)
    one_page = fits_one_page(sheet, end, width)
    if not one_page:
        keep_together(sheet, row, end, width, carry_from=max(placement.first_row, placement.last_row - 1))
    sheet.print_area(0, 0, end, last)
    page_setup(sheet, landscape=False, repeat=(placement.header_row, placement.header_row),
               hide_first_number=True)
    if one_page:
        sheet.fit_to_pages(1, 1)
    return placement


def fits_one_page(sheet: PrintSheet, last: int, width_units: float) -> bool:
    """Whether rows 0..``last`` go on one A4 page when shrunk at most to ONE_PAGE_MIN_SCALE (then the report
    is printed fit to one page, in Excel and LibreOffice alike); longer reports run over pages."""
    scale = min(1.0, PORTRAIT_WIDTH_MM / (width_units * MM_PER_UNIT))
    height = sum(_row_points(sheet, r) for r in range(last + 1))
    return height * scale * ONE_PAGE_MIN_SCALE <= PORTRAIT_HEIGHT_PT


def _title_block(sheet: PrintSheet, st: Styles, result: CollectResult, row: int, last: int, width: float) -> int:
    """"BÁO CÁO", the subject on two lines, a short rule and "Kính gửi"; returns the next free row."""
    cfg = result.setup.config
    merge_text(sheet, row, 0, row, last, "BÁO CÁO", st(bold=True, size=14, align="center"))
    subject = "\n".join(SUBJECT_LINES).format(year=cfg.year)
    merge_text(sheet, row + 1, 0, row + 1, last, subject,
               st(bold=True, size=14, align="center", valign="top", text_wrap=True))
    sheet.set_row(row + 1, row_height(len(SUBJECT_LINES), 14))
    merge_text(sheet, row + 2, 0, row + 2, last, RULE, st(size=12, align="center", valign="top"))
    sheet.set_row(row + 2, 12)
    row += 4
    if cfg.sends_to:
        text = f"Kính gửi: {cfg.sends_to}."
        merge_text(sheet, row, 0, row, last, text, st(size=14, align="center", text_wrap=True))
        sheet.set_row(row, row_height(estimate_lines(text, width, 14), 14))
        row += 2
    return row


def keep_together(sheet: PrintSheet, first: int, last: int, width_units: float, carry_from: int) -> None:
    """If rows ``first``..``last`` (closing line, signature) would split, start a page at ``carry_from``.

    ``carry_from`` is a row before ``first`` (the last table rows), so the new page does not begin with a
    lone repeated header. The page height is estimated from the row heights and the fit-to-width scale
    (repeated header rows on later pages are not counted), measured against LibreOffice's PDF output.
    """
    width_mm = width_units * MM_PER_UNIT
    scale = min(1.0, PORTRAIT_WIDTH_MM / width_mm)
    page = PORTRAIT_HEIGHT_PT / scale
    heights = [_row_points(sheet, r) for r in range(last + 1)]
    top, bottom = sum(heights[:first]), sum(heights)
    if int(top // page) != int(bottom // page):
        sheet.set_h_pagebreaks([min(first, carry_from)])


def _row_points(sheet: PrintSheet, row: int) -> float:
    """Height of a row in points, as given to ``set_row`` (``PrintSheet.row_points``; not xlsxwriter's own record)."""
    return sheet.row_points.get(row) or DEFAULT_ROW_PT


def _national_header(sheet: PrintSheet, st: Styles, result: CollectResult, split: int, last: int) -> int:
    """Issuer lines left, Quốc hiệu/Tiêu ngữ right, rule, number and place/date; returns the next free row."""
    cfg = result.setup.config
    return national_header(sheet, st, list(cfg.aggregator_header) or [cfg.ward.upper()],
                           f"Số: …/{cfg.report_symbol}", f"{cfg.place_name}, ngày … tháng … năm {cfg.year}",
                           split, last)


def national_header(sheet: PrintSheet, st: Styles, lines: Sequence[str], number: str, place_date: str,
                    split: int, last: int, bold_lines: int = 1) -> int:
    """NĐ 30/2020 header: issuer lines (the last ``bold_lines`` bold) left, Quốc hiệu/Tiêu ngữ right, rules,
    number and place/date (italic); returns the next free row."""
    lines = list(lines)
    for i, text in enumerate(lines):
        merge_text(sheet, i, 0, i, split - 1, text,
                   st(size=12, bold=i >= len(lines) - bold_lines, align="center", valign="vcenter"))
    merge_text(sheet, 0, split, 0, last, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
               st(size=12, bold=True, align="center", valign="vcenter"))
    merge_text(sheet, 1, split, 1, last, "Độc lập - Tự do - Hạnh phúc",
               st(size=13, bold=True, underline=1, align="center", valign="vcenter"))
    rule_row = max(len(lines), 2)
    merge_text(sheet, rule_row, 0, rule_row, split - 1, RULE, st(size=12, align="center", valign="top"))
    sheet.set_row(rule_row, 12)
    number_row = rule_row + 1
    merge_text(sheet, number_row, 0, number_row, split - 1, number, st(size=13, align="center", valign="vcenter"))
    merge_text(sheet, number_row, split, number_row, last, place_date,
               st(size=13, italic=True, align="center", valign="vcenter"))
    for r in range(number_row + 1):
        if r != rule_row:
            sheet.set_row(r, 18)
    return number_row + 1


def summary_paragraphs(result: CollectResult) -> list[str]:
    """The report's text: what was collected, average, ratings, findings, then the table's lead-in."""
    cfg = result.setup.config
    returned = len(result.departments)
    listed = len(summary_rows(result))
    missing = [r.department.short_name for r in summary_rows(result) if r.result is None]
    lead = (f"Thực hiện {cfg.plan_ref}, {cfg.aggregator_name or cfg.ward} tổng hợp kết quả tự chấm điểm và "
            f"kiểm tra bảng điểm của các đơn vị thành viên Ban Vì sự tiến bộ của phụ nữ và Bình đẳng giới "
            f"{cfg.ward} như sau: tổng số {listed} đơn vị, đã gửi bảng tự chấm điểm {returned} đơn vị, "
            f"chưa gửi {len(missing)} đơn vị" + (f" ({', '.join(missing)})" if missing else "") + ".")
    avg = average_total(result)
    table = result.setup.table
    if avg is not None:
        bands = "; ".join(f"{label}: {count} đơn vị" for label, count in rating_counts(result))
        lead += (f" Điểm tổng bình quân của các đơn vị đã gửi là {format_points(avg)}/{_n(table.total_max)} điểm."
                 f" Xếp loại: {bands}.")
    check = (f"Qua kiểm tra, hệ thống ghi nhận {result.error_count} lỗi và {result.warning_count} cảnh báo "
             f"(chi tiết tại trang “Phát hiện”); điểm của từng đơn vị dưới đây là điểm được tính sau kiểm tra. "
             f"Kết quả cụ thể như sau:")
    return ["    " + lead, "    " + check]


def _summary_table(sheet: PrintSheet, st: Styles, result: CollectResult, cols: list[SummaryColumn],
                   header_row: int) -> SummaryPlacement:
    th = st(size=11, bold=True, align="center", valign="vcenter", text_wrap=True, border=1)
    for i, col in enumerate(cols):
        put_text(sheet, header_row, i, col.header, th)
    sheet.set_row(header_row, row_height(3, 11))
    row = header_row + 1
    for i, item in enumerate(summary_rows(result), 1):
        put_number(sheet, row, 0, i, st(size=11, align="center", valign="vcenter", border=1))
        put_text(sheet, row, 1, item.department.short_name,
                 st(size=11, valign="vcenter", text_wrap=True, border=1))
        sheet.set_row(row, row_height(estimate_lines(item.department.short_name, NAME_WIDTH, 11), 11))
        if item.result is None:
            merge_text(sheet, row, 2, row, len(cols) - 3, result.not_returned_label(item.department.code),
                       st(size=11, italic=True, align="center", valign="vcenter", border=1))
            for c in (len(cols) - 2, len(cols) - 1):
                put_number(sheet, row, c, None, st(size=11, border=1))
        else:
            _summary_cells(sheet, st, cols, row, item.result)
        row += 1
    names = [c.key for c in cols]
    return SummaryPlacement(header_row, header_row + 1, row - 1, names.index("name"), names.index("total"))


def _summary_cells(sheet: PrintSheet, st: Styles, cols: list[SummaryColumn], row: int, r: DepartmentResult) -> None:
    num = st(size=11, num_format="0.00", align="right", valign="vcenter", border=1)
    total = st(size=11, num_format="0.00", bold=True, align="right", valign="vcenter", border=1)
    integer = st(size=11, num_format="0", align="center", valign="vcenter", border=1)
    card = r.card
    values = {"base": card.base, "bonus": card.bonus, "penalty": card.penalty, "total": card.total}
    for i, col in enumerate(cols[2:], 2):
        if col.key.startswith("sec:"):
            put_number(sheet, row, i, card.sections[col.key[4:]].capped, num)
        elif col.key in values:
            put_number(sheet, row, i, values[col.key], total if col.key == "total" else num)
        elif col.key == "rating":
            put_text(sheet, row, i, card.rating, st(size=11, align="center", valign="vcenter", border=1))
        else:
            put_number(sheet, row, i, getattr(r, col.key), integer)


def _signature_block(sheet: PrintSheet, st: Styles, result: CollectResult, row: int, split: int, last: int) -> int:
    """"Nơi nhận:" bottom left, signer titles, signing space and name right; returns the last row used."""
    cfg = result.setup.config
    return signature_block(sheet, st, cfg.recipients, cfg.signer_lines, cfg.signer_name, row, split, last)


def signature_block(sheet: PrintSheet, st: Styles, recipients: Sequence[str], signer_lines: Sequence[str],
                    signer_name: str, row: int, split: int, last: int) -> int:
    """"Nơi nhận:" and its list bottom left, signer titles, signing space and name right; returns the last row."""
    put_text(sheet, row, 0, "Nơi nhận:", st(size=12, bold=True, italic=True))
    for i, text in enumerate(recipients, 1):
        put_text(sheet, row + i, 0, "- " + text, st(size=11))
    for i, text in enumerate(signer_lines):
        merge_text(sheet, row + i, split + 1, row + i, last, text, st(size=13, bold=True, align="center"))
    name_row = row + len(signer_lines) + 5
    merge_text(sheet, name_row, split + 1, name_row, last, signer_name, st(size=13, bold=True, align="center"))
    return max(name_row, row + len(recipients))


# ---------------------------------------------------------------- appendix


def short_label(text: str, limit: int = 110) -> str:
    """A criterion's text cut at a word boundary for the matrix (the full text is in the table)."""
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + " …"


CardOf = Callable[[DepartmentResult], ScoreCard]
DEFAULT_BLOCKS: tuple[tuple[str, CardOf], ...] = (
    ("A. ĐIỂM ĐƯỢC TÍNH SAU KIỂM TRA", lambda r: r.card),
    ("B. ĐIỂM ĐƠN VỊ TỰ CHẤM (THEO CÔNG THỨC TRONG TỆP ĐƠN VỊ GỬI)", lambda r: r.self_card),
)


def write_appendix(sheet: PrintSheet, st: Styles, result: CollectResult,
                   blocks: Sequence[tuple[str, CardOf]] = DEFAULT_BLOCKS) -> None:
    """Criterion × department matrices, one per block (default: counted points, then self-assessed points)."""
    cfg, table = result.setup.config, result.setup.table
    items = summary_rows(result)
    last = 2 + len(items)
    sheet.set_column(0, 0, 5)
    sheet.set_column(1, 1, TEXT_WIDTH)
    sheet.set_column(2, 2, 5.6)
    sheet.set_column(3, last, 5.6)
    merge_text(sheet, 0, 0, 0, last, "Phụ lục", st(size=14, bold=True, align="center"))
    merge_text(sheet, 1, 0, 1, last, "BẢNG TỔNG HỢP ĐIỂM CHI TIẾT THEO TIÊU CHÍ", st(size=13, bold=True, align="center"))
    merge_text(sheet, 2, 0, 2, last,
               f"(Kèm theo Báo cáo số …/{cfg.report_symbol} ngày … tháng … năm {cfg.year} của "
               f"{cfg.aggregator_name or cfg.ward})", st(size=13, italic=True, align="center"))
    merge_text(sheet, 4, 0, 4, last, blocks[0][0], st(size=12, bold=True))
    header = 5
    th = st(size=10, bold=True, align="center", valign="vcenter", text_wrap=True, border=1)
    for i, text in enumerate(("Mã", "Nội dung tiêu chí", "Điểm tối đa")):
        put_text(sheet, header, i, text, th)
    rotated = st(size=10, bold=True, align="center", valign="vcenter", rotation=90, border=1)
    for i, item in enumerate(items):
        put_text(sheet, header, 3 + i, item.department.code, rotated)
    sheet.set_row(header, 62)
    row = _matrix(sheet, st, table, items, header + 1, blocks[0][1])
    breaks = []
    for title, card_of in blocks[1:]:
        breaks.append(row + 1)
        merge_text(sheet, row + 1, 0, row + 1, last, title, st(size=12, bold=True))
        row = _matrix(sheet, st, table, items, row + 2, card_of)
    sheet.set_h_pagebreaks(breaks)
    legend = "Ký hiệu đơn vị: " + "; ".join(f"{it.department.code}: {it.department.short_name}" for it in items) + "."
    merge_text(sheet, row + 1, 0, row + 1, last, legend, st(size=11, italic=True, align="justify", valign="top", text_wrap=True))
    sheet.set_row(row + 1, row_height(estimate_lines(legend, TEXT_WIDTH + 11 + 5.6 * len(items), 11), 11))
    sheet.print_area(0, 0, row + 1, last)
    sheet.freeze_panes(header + 1, 3)
    page_setup(sheet, landscape=True, repeat=(header, header))


def _matrix(sheet: PrintSheet, st: Styles, table: CriteriaTable, items: list, row: int, card_of: CardOf) -> int:
    """One block of the matrix from ``row``; returns the row after it."""
    cards: list[ScoreCard | None] = [None if it.result is None else card_of(it.result) for it in items]
    for sec in table.sections:
        row = _section_rows(sheet, st, sec, cards, row)
    bold_num = st(size=10, bold=True, num_format="0.00", align="right", valign="vcenter", border=1)
    label = st(size=10, bold=True, valign="vcenter", text_wrap=True, border=1)
    bonus, penalty = table.sections_of("bonus")[0], table.sections_of("penalty")[0]
    totals = (("base", f"Điểm cơ bản (quy đổi thang {_n(table.base_max)})", table.base_max),
              ("bonus", f"Điểm thưởng (phần {bonus.code}, tối đa {_n(bonus.max)})", bonus.max),
              ("penalty", f"Điểm trừ (phần {penalty.code}, tối đa {_n(penalty.max)})", penalty.max),
              ("total", f"TỔNG ĐIỂM (thang {_n(table.total_max)})", table.total_max))
    for key, text, top in totals:
        merge_text(sheet, row, 0, row, 1, text, label)
        put_number(sheet, row, 2, top, bold_num)
        for i, card in enumerate(cards):
            put_number(sheet, row, 3 + i, None if card is None else getattr(card, key), bold_num)
        row += 1
    merge_text(sheet, row, 0, row, 2, "Xếp loại", label)
    for i, card in enumerate(cards):
        text = NOT_RETURNED_VI if card is None else card.rating
        put_text(sheet, row, 3 + i, text, st(size=9, align="center", valign="vcenter", text_wrap=True,
                                              italic=card is None, border=1))
    sheet.set_row(row, row_height(2, 9))
    return row + 1


def _section_rows(sheet: PrintSheet, st: Styles, sec: Section, cards: list, row: int) -> int:
    head = st(size=10, bold=True, valign="vcenter", text_wrap=True, border=1)
    head_num = st(size=10, bold=True, num_format="0.00", align="right", valign="vcenter", border=1)
    put_text(sheet, row, 0, sec.code, st(size=10, bold=True, align="center", valign="vcenter", border=1))
    put_text(sheet, row, 1, sec.title, head)
    put_number(sheet, row, 2, sec.max, head_num)
    for i, card in enumerate(cards):
        put_number(sheet, row, 3 + i, None if card is None else card.sections[sec.code].capped, head_num)
    sheet.set_row(row, row_height(estimate_lines(sec.title, TEXT_WIDTH, 10 * 1.1), 10))
    text_fmt = st(size=10, valign="vcenter", text_wrap=True, border=1)
    num = st(size=10, num_format="0.00", align="right", valign="vcenter", border=1)
    for crit in sec.criteria:
        row += 1
        put_text(sheet, row, 0, crit.code, st(size=10, align="center", valign="vcenter", border=1))
        label = short_label(crit.text, LABEL_LIMIT)
        put_text(sheet, row, 1, label, text_fmt)
        put_number(sheet, row, 2, crit.max, num)
        for i, card in enumerate(cards):
            put_number(sheet, row, 3 + i, None if card is None else card.items[crit.code].points, num)
        sheet.set_row(row, row_height(estimate_lines(label, TEXT_WIDTH, 10), 10))
    return row + 1

"""The ward's Báo cáo kết quả chấm điểm thi đua (.docx, NĐ 30) from a collected or reviewed master.

Results come from the master (counted points, or verified points after a review round): the return
count, one row per unit (parts, bonus, deductions, total, rank, rating), the rating summary. The
"tồn tại, hạn chế" and "đề xuất, kiến nghị" parts list the facts the data gives (units with errors,
units that did not return) and leave dotted lines for the officer to write the assessment.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from bdg_workbook.domain.numbers import format_number

from bdg_workbook.documents.nd30 import Letterhead, Nd30Document
from bdg_workbook.documents.settings import level_above
from bdg_workbook.domain.result import CollectResult, DepartmentResult

CAMPAIGN = "“Vì sự tiến bộ của phụ nữ và Bình đẳng giới”"


def number_text(value: Decimal) -> str:
    """Vietnamese number: ``185,48``; whole numbers without decimals."""
    return format_number(Decimal(value).quantize(Decimal("0.01")))


def ward_letterhead(result: CollectResult, symbol: str, date: dt.date | None = None) -> Letterhead:
    """The UBND phường's header (aggregator lines of config.yaml)."""
    cfg = result.setup.config
    return Letterhead(cfg.aggregator_header, symbol, cfg.place_name, date, cfg.year)


def ordered(result: CollectResult) -> list[DepartmentResult]:
    """Collected units by rank, then name."""
    return sorted(result.departments, key=lambda r: (r.rank or 10**6, r.department.name))


def results_table(doc: Nd30Document, result: CollectResult) -> None:
    """One row per unit: base parts, bonus, deductions, total, rank, rating; units without a return at the end."""
    table = result.setup.table
    parts = [s.code for s in table.sections_of("base")]
    headers = ["TT", "Đơn vị", *[f"Phần {p}" for p in parts], "Thưởng", "Trừ", "Tổng điểm", "Xếp hạng", "Xếp loại"]
    rows = []
    for i, r in enumerate(ordered(result), 1):
        card = r.card
        rows.append([i, r.department.short_name or r.department.name, *[number_text(card.sections[p].capped) for p in parts],
                     number_text(card.bonus), number_text(card.penalty), number_text(card.total), r.rank, card.rating])
    start = len(rows)
    for i, dept in enumerate(result.missing, start + 1):
        rows.append([i, dept.short_name or dept.name, *([""] * len(parts)), "", "", "", "", "Chưa nộp"])
    numeric = set(range(2, 2 + len(parts) + 4))
    doc.table(headers, rows, [0.6, 2.1, *([0.9] * len(parts)), 1.0, 0.65, 1.0, 0.8, 1.15], numeric=numeric, size=10)


def rating_table(doc: Nd30Document, result: CollectResult) -> None:
    """How many units got each rating, and which."""
    rows = []
    for band in result.setup.table.bands:
        names = [r.department.short_name or r.department.name for r in ordered(result) if r.card.rating == band.label]
        rows.append([band.label, len(names), "; ".join(names)])
    rows.append(["Chưa nộp", len(result.missing), "; ".join(d.short_name or d.name for d in result.missing)])
    doc.table(["Xếp loại", "Số đơn vị", "Đơn vị"], rows, [1.2, 0.8, 6], numeric={1}, size=11)


def build_ward_report(result: CollectResult, date: dt.date | None = None) -> Nd30Document:
    """The Báo cáo kết quả of the ward, ready to save; the date line is left blank unless ``date`` is given."""
    cfg = result.setup.config
    doc = Nd30Document(ward_letterhead(result, cfg.report_symbol, date))
    doc.heading("BÁO CÁO", f"Kết quả chấm điểm thi đua {CAMPAIGN} năm {cfg.year}")
    doc.addressee([level_above(cfg)])
    total = len(result.setup.departments)
    doc.paragraph(f"Thực hiện {cfg.plan_ref}, {cfg.aggregator_name or 'UBND ' + cfg.ward} báo cáo kết quả chấm "
                  f"điểm thi đua {CAMPAIGN} năm {cfg.year} của các ngành, đoàn thể thành viên Ban (thời gian đánh "
                  f"giá từ ngày {cfg.period_start:%d/%m/%Y} đến ngày {cfg.period_end:%d/%m/%Y}) như sau:")
    doc.section_heading("I. KẾT QUẢ THỰC HIỆN")
    doc.paragraph(f"1. Tình hình tự chấm điểm: {len(result.departments)}/{total} đơn vị gửi bảng tự chấm điểm"
                  + (f"; chưa gửi: {', '.join(d.name for d in result.missing)}." if result.missing else "."))
    doc.paragraph("2. Kết quả chấm điểm sau kiểm tra (điểm được tính sau khi đối chiếu minh chứng; chi tiết từng "
                  "tiêu chí tại tệp tổng hợp kèm theo):")
    results_table(doc, result)
    doc.paragraph("3. Tổng hợp xếp loại:")
    rating_table(doc, result)
    doc.section_heading("II. TỒN TẠI, HẠN CHẾ")
    with_errors = [r for r in ordered(result) if r.errors]
    if with_errors:
        doc.paragraph("Qua kiểm tra, các đơn vị sau có nội dung chưa đúng quy định (điểm không được tính): "
                      + "; ".join(f"{r.department.name} ({r.errors} lỗi)" for r in with_errors) + ".")
    doc.blank_lines(3, "(Thường trực Ban đánh giá tồn tại, hạn chế và nguyên nhân.)")
    doc.section_heading("III. ĐỀ XUẤT, KIẾN NGHỊ")
    doc.blank_lines(3, "(Thường trực Ban ghi đề xuất, kiến nghị với cấp trên.)")
    doc.paragraph(f"Trên đây là báo cáo kết quả chấm điểm thi đua {CAMPAIGN} năm {cfg.year} của "
                  f"{cfg.aggregator_name or 'UBND ' + cfg.ward}./.")
    doc.closing(cfg.recipients, cfg.signer_lines, cfg.signer_name)
    return doc

"""The biên bản thẩm định (.docx, NĐ 30) from a review outcome: scores before and after, every audited change."""

from __future__ import annotations

import datetime as dt

from bdg_workbook.documents.nd30 import Nd30Document
from bdg_workbook.documents.settings import DocumentSettings
from bdg_workbook.documents.ward_report import CAMPAIGN, number_text, ward_letterhead
from bdg_workbook.review.review_round import ReviewOutcome


def build_review_minutes(outcome: ReviewOutcome, settings: DocumentSettings,
                         date: dt.date | None = None) -> Nd30Document:
    """Biên bản thẩm định: per unit self, counted and verified totals; the audit log of every round."""
    view = outcome.view()
    cfg = outcome.setup.config
    doc = Nd30Document(ward_letterhead(view, settings.minutes_symbol, date))
    doc.heading("BIÊN BẢN", f"Thẩm định kết quả chấm điểm thi đua {CAMPAIGN} năm {cfg.year}")
    when = f"ngày {date:%d/%m/%Y}" if date else "ngày …… tháng …… năm " + str(cfg.year)
    doc.paragraph(f"Hôm nay, {when}, tại {cfg.aggregator_name or 'UBND ' + cfg.ward}, Thường trực Ban Vì sự tiến "
                  f"bộ của phụ nữ và Bình đẳng giới tiến hành thẩm định kết quả tự chấm điểm thi đua năm {cfg.year} "
                  f"của các ngành, đoàn thể thành viên Ban, căn cứ {cfg.plan_ref}.")
    doc.paragraph("Thành phần tham dự:", bold=True)
    doc.blank_lines(3, "(Ghi họ tên, chức vụ người chủ trì, thư ký và các thành viên.)")
    doc.section_heading("I. KẾT QUẢ THẨM ĐỊNH")
    rounds = max((line.round for line in outcome.audit), default=0)
    doc.paragraph(f"Tệp tổng hợp: {outcome.master.display_name} (mã SHA-256 {outcome.master.sha256[:16]}…); "
                  f"số vòng thẩm định đã thực hiện: {rounds}.")
    rows = []
    for i, item in enumerate(sorted(outcome.departments, key=lambda d: d.result.rank or 10**6), 1):
        r = item.result
        diff = r.card.total - r.self_card.total
        rows.append([i, r.department.name, number_text(r.self_card.total), number_text(item.counted_card.total),
                     number_text(r.card.total), ("+" if diff > 0 else "") + number_text(diff), r.rank, r.card.rating])
    for i, dept in enumerate(outcome.missing, len(rows) + 1):
        rows.append([i, dept.name, "", "", "", "", "", "Chưa nộp"])
    doc.table(["TT", "Đơn vị", "Tự chấm", "Kiểm tra", "Thẩm định", "Chênh lệch", "Xếp hạng", "Xếp loại"], rows,
              [0.6, 3.0, 0.85, 0.85, 0.9, 0.85, 0.75, 1.1], numeric={2, 3, 4, 5, 6}, size=10)
    doc.section_heading("II. CÁC ĐIỂM ĐƯỢC ĐIỀU CHỈNH")
    if outcome.audit:
        doc.table(["Vòng", "Đơn vị", "Tiêu chí", "Trước", "Sau", "Lý do"],
                  [[line.round, line.department_name or line.department, line.criterion, number_text(line.before),
                    number_text(line.after), line.reason] for line in outcome.audit],
                  [0.55, 2.4, 0.8, 0.75, 0.75, 3.6], numeric={0, 3, 4}, size=10)
    else:
        doc.paragraph("Không có điểm nào được điều chỉnh so với điểm được tính sau kiểm tra.")
    if outcome.findings:
        doc.paragraph(f"Chương trình kiểm tra ghi nhận {outcome.error_count} lỗi và {outcome.warning_count} cảnh báo "
                      "về điểm thẩm định (xem trang “Phát hiện” của tệp thẩm định).")
    doc.section_heading("III. Ý KIẾN CỦA CÁC THÀNH VIÊN")
    doc.blank_lines(3)
    doc.paragraph("Biên bản kết thúc lúc …… giờ …… cùng ngày, đã được đọc lại cho các thành viên cùng nghe và thống "
                  "nhất thông qua./.")
    doc.closing((), cfg.signer_lines[:1] + ("CHỦ TRÌ",) if cfg.signer_lines else ("CHỦ TRÌ",), cfg.signer_name,
                left_signer=(("THƯ KÝ",), settings.officer_name))
    return doc

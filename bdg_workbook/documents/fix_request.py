"""The phiếu đề nghị bổ sung (.docx, NĐ 30): what a unit must correct in its return, where, how, and by when."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from bdg_workbook.documents.nd30 import Letterhead, Nd30Document
from bdg_workbook.documents.settings import DocumentSettings
from bdg_workbook.documents.ward_report import CAMPAIGN
from bdg_workbook.domain.findings import Finding
from bdg_workbook.domain.model import Department, Setup

_CELL = re.compile(r"^\$?([A-Z]{1,3})\$?(\d+)$")


@dataclass(frozen=True)
class FixRequest:
    """Everything the letter says: the unit, its file, the findings to fix, notes, the deadline and the round."""

    department: Department
    file_name: str
    received: dt.date | None
    findings: tuple[Finding, ...]
    notes: tuple[Finding, ...]
    deadline: dt.date
    round: int
    marked_name: str = ""


def place_text(finding: Finding) -> tuple[str, str]:
    """(sheet, ``dòng 28 (ô G28)``) of a finding; the cell alone when it is not a plain address."""
    match = _CELL.match(finding.cell or "")
    where = f"dòng {match.group(2)} (ô {finding.cell})" if match else (finding.cell or "—")
    return finding.sheet or "—", where


def build_fix_request(setup: Setup, request: FixRequest, settings: DocumentSettings,
                      date: dt.date | None = None) -> Nd30Document:
    """The letter: header, Kính gửi the unit, the table of findings (sheet, row/cell, criterion, what, how), deadline."""
    cfg = setup.config
    sender = cfg.aggregator_name or f"UBND {cfg.ward}"
    doc = Nd30Document(Letterhead(cfg.aggregator_header, settings.fix_request_symbol, cfg.place_name, date, cfg.year))
    doc.heading("PHIẾU ĐỀ NGHỊ BỔ SUNG", f"Bảng tự chấm điểm thi đua {CAMPAIGN} năm {cfg.year}"
                + (f" (lần {request.round})" if request.round > 1 else ""))
    doc.addressee([request.department.name])
    received = f"ngày {request.received:%d/%m/%Y} " if request.received else ""
    doc.paragraph(f"{sender} đã nhận bảng tự chấm điểm của đơn vị {received}(tệp {request.file_name}). Qua kiểm "
                  f"tra, bảng còn {len(request.findings)} nội dung chưa đúng quy định; các điểm này hiện chưa được "
                  "tính. Đề nghị đơn vị chỉnh sửa, bổ sung như sau:")
    rows = []
    for i, finding in enumerate(request.findings, 1):
        sheet, where = place_text(finding)
        rows.append([i, sheet, where, finding.criterion or "—", finding.message, finding.fix])
    doc.table(["TT", "Trang", "Dòng, ô", "Tiêu chí", "Nội dung chưa đúng", "Cách sửa"], rows,
              [0.6, 1.0, 0.95, 0.75, 3.1, 3.0], size=10)
    if request.notes:
        doc.paragraph("Lưu ý thêm (không bắt buộc sửa, đơn vị xem lại cho chính xác):", italic=True)
        for note in request.notes:
            sheet, where = place_text(note)
            doc.paragraph(f"- Trang '{sheet}', {where}: {note.message}", indent=False, size=12)
    marked = (f" Các ô cần sửa được tô màu và ghi chú trong tệp đính kèm {request.marked_name} (chỉ để xem; "
              "đơn vị sửa trên tệp của mình).") if request.marked_name else ""
    doc.paragraph(f"Đơn vị sửa trực tiếp trên bảng tự chấm đã gửi (chỉ nhập vào ô màu vàng, không đổi tên tệp),{marked} "
                  f"Sau khi sửa, lưu dạng Excel (.xlsx) và gửi lại trước ngày {request.deadline:%d/%m/%Y} (trả lời "
                  "thư này kèm tệp). Quá hạn, Ban tổng hợp theo số liệu hiện có.", bold=False)
    contact = f" Mọi vướng mắc xin liên hệ: {cfg.contact}" + (f", điện thoại {cfg.contact_phone}" if cfg.contact_phone
                                                             else "") + "." if cfg.contact else ""
    doc.paragraph(f"Trân trọng./.{contact}" if not contact else contact.strip() + " Trân trọng./.")
    doc.closing((f"{request.department.name} (để thực hiện);", "Lưu: VT, VHXH."), cfg.signer_lines, cfg.signer_name)
    return doc

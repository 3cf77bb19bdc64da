"""The correction request of one unit: the phiếu đề nghị bổ sung (.docx), the marked workbook, the email.

Only a unit in "cần bổ sung" gets one: its last return's error findings (or the officer's request) are
listed with sheet, row/cell, what is wrong and how to fix it; the deadline is today + ``fix_days``, never
after ``close_date``. Files go to ``corrections/<UNIT>/lan-<n>/``; the request is journaled.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from bdg_workbook.corrections.journal import Journal
from bdg_workbook.corrections.states import (
    A_ASK_FIX,
    A_REQUEST_SENT,
    NEEDS_FIX,
    NOT_SUBMITTED,
    Event,
    UnitLoop,
    now_text,
)
from bdg_workbook.corrections.sync import kept_copy
from bdg_workbook.documents.fix_request import FixRequest, build_fix_request, place_text
from bdg_workbook.documents.settings import DocumentSettings, LoopSettings
from bdg_workbook.domain.errors import BdgError
from bdg_workbook.domain.findings import ERROR, WARNING, Finding
from bdg_workbook.domain.model import Department, Setup
from bdg_workbook.mail.letters import build_letter, write_letter_draft
from bdg_workbook.untrusted.marking import MarkingError, mark_workbook, marked_name

#: warnings a unit cannot act on in its workbook (late, duplicates in the inbox, not returned)
NOT_FOR_UNIT = ("W07", "W08", "W13", "W12", "L01")


class RequestError(BdgError):
    """No request can be made for this unit (unknown, nothing returned, season closed)."""


@dataclass
class RequestOutcome:
    """What ``request-fix`` did for one unit."""

    unit: str
    needed: bool
    message: str
    round: int = 0
    deadline: dt.date | None = None
    letter: Path | None = None
    marked: Path | None = None
    draft: Path | None = None
    findings: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def log_key(self) -> str:
        """The send-log key of this request (unit, round, letter)."""
        return hashlib.sha256(f"{self.unit}:{self.round}:{self.letter.name if self.letter else ''}".encode()).hexdigest()


def _finding(d: dict[str, str], unit: str) -> Finding:
    return Finding(d.get("code", ""), d.get("severity", ERROR), unit, d.get("file", ""), d.get("sheet", ""),
                   d.get("cell", ""), "", d.get("message", ""), d.get("fix", ""), d.get("criterion", ""))


def officer_items(loop: UnitLoop, unit: str) -> list[Finding]:
    """The officer's own "ask for more" comments since the last return, as items of the letter."""
    items = []
    for event in loop.history:
        if event.sha256 == loop.sha256 and event.action == A_ASK_FIX:
            items.append(Finding("YC", ERROR, unit, loop.file, "", "", "", f"Ý kiến Thường trực Ban: {event.reason}",
                                 "Bổ sung, giải trình theo ý kiến trên.", ""))
    return items


def fix_deadline(settings: LoopSettings, today: dt.date) -> dt.date:
    """today + fix_days, capped at the close date; RequestError once the season is closed."""
    if today > settings.close_date:
        raise RequestError(f"Đã quá ngày khóa sổ {settings.close_date:%d/%m/%Y} (corrections.close_date trong "
                           "config.yaml): không nhận bổ sung nữa.")
    return min(today + dt.timedelta(days=settings.fix_days), settings.close_date)


def write_request(setup: Setup, journal: Journal, dept: Department, loop: UnitLoop, loop_settings: LoopSettings,
                  doc_settings: DocumentSettings, today: dt.date | None = None) -> RequestOutcome:
    """Write the letter, the marked workbook and the .eml draft of one unit; journal the request."""
    today = today or dt.date.today()
    if loop.state == NOT_SUBMITTED:
        raise RequestError(f"{dept.code} chưa nộp bài (hoặc chưa chạy 'bdg-workbook collect'): chưa có gì để đề nghị "
                           "bổ sung.")
    errors = [_finding(f, dept.code) for f in loop.findings if f.get("severity") == ERROR]
    items = errors + officer_items(loop, dept.code)
    if loop.state != NEEDS_FIX or not items:
        return RequestOutcome(dept.code, False, f"{dept.code}: bài '{loop.file}' không có lỗi cần sửa (trạng thái "
                                                f"{loop.state_vi.lower()}); không lập phiếu đề nghị bổ sung.")
    notes = [_finding(f, dept.code) for f in loop.findings
             if f.get("severity") == WARNING and f.get("code") not in NOT_FOR_UNIT]
    deadline = fix_deadline(loop_settings, today)
    rnd = max(loop.rounds, 1)
    folder = journal.unit_folder(dept.code) / f"lan-{rnd}"
    outcome = RequestOutcome(dept.code, True, "", rnd, deadline, findings=len(items))
    source = kept_copy(journal, dept.code, loop.sha256) if loop.points else None   # only files read cleanly
    if source is not None:
        target = folder / marked_name(loop.file)
        try:
            mark_workbook(source, target, [_as_dict(f) for f in items + notes], doc_settings.officer_name)
            outcome.marked = target
        except MarkingError as exc:
            outcome.notes.append(f"Không đánh dấu được bảng tính: {exc} Phiếu vẫn được lập.")
    elif loop.points:
        outcome.notes.append(f"Không tìm thấy bản lưu của tệp {loop.file}: thư không kèm bảng tính đánh dấu.")
    received = _received_date(loop)
    request = FixRequest(dept, loop.file, received, tuple(items), tuple(notes), deadline, rnd,
                         outcome.marked.name if outcome.marked else "")
    stem = f"PHIEU_BO_SUNG_{setup.config.year}_{dept.code}_lan-{rnd}"
    outcome.letter = build_fix_request(setup, request, doc_settings, today).save(folder / f"{stem}.docx")
    attachments = [outcome.letter] + ([outcome.marked] if outcome.marked else [])
    msg = build_letter(setup, dept, email_subject(setup, request), email_body(setup, request), attachments)
    outcome.draft = write_letter_draft(msg, folder / f"{stem}.eml")
    outcome.message = (f"{dept.code}: đã lập phiếu đề nghị bổ sung lần {rnd} ({len(items)} nội dung), hạn gửi lại "
                       f"{deadline:%d/%m/%Y}.")
    journal.append([Event(now_text(), setup.config.year, dept.code, A_REQUEST_SENT, NEEDS_FIX,
                          doc_settings.officer_name, f"Lập phiếu đề nghị bổ sung lần {rnd}, hạn {deadline:%d/%m/%Y}.",
                          loop.file, loop.sha256, rnd, deadline=deadline.isoformat(),
                          details={"letter": str(outcome.letter), "draft": str(outcome.draft),
                                   "marked": str(outcome.marked or "")})])
    return outcome


def _as_dict(f: Finding) -> dict[str, str]:
    return {"code": f.code, "sheet": f.sheet, "cell": f.cell, "criterion": f.criterion, "message": f.message,
            "fix": f.fix}


def _received_date(loop: UnitLoop) -> dt.date | None:
    for event in reversed(loop.history):
        if event.sha256 == loop.sha256 and event.action in ("received", "resubmitted"):
            try:
                return dt.datetime.fromisoformat(event.time).date()
            except ValueError:
                return None
    return None


def email_subject(setup: Setup, request: FixRequest) -> str:
    """The subject line of the request email."""
    again = f" (lần {request.round})" if request.round > 1 else ""
    return (f"Đề nghị bổ sung bảng tự chấm điểm thi đua năm {setup.config.year}{again} - "
            f"{request.department.name}")


def email_body(setup: Setup, request: FixRequest) -> str:
    """The plain-text letter: what to fix (sheet, row/cell, what, how), the deadline, the attachments."""
    cfg = setup.config
    sender = cfg.aggregator_name or f"UBND {cfg.ward}"
    opening = (f"{sender} đã nhận bảng tự chấm điểm của {request.department.name} (tệp {request.file_name}). "
               f"Bảng còn {len(request.findings)} nội dung cần sửa, bổ sung:")
    lines = [f"Kính gửi: {request.department.contact or request.department.name}.", "", opening, ""]
    for i, f in enumerate(request.findings, 1):
        sheet, where = place_text(f)
        lines.append(f"{i}. Trang '{sheet}', {where}: {f.message}")
        lines.append(f"   Cách sửa: {f.fix}")
    resend = (f"Đề nghị đơn vị sửa trên bảng tự chấm của mình, lưu dạng .xlsx và gửi lại trước ngày "
              f"{request.deadline:%d/%m/%Y} (trả lời thư này kèm tệp).")
    marked = f" và bảng tính đã đánh dấu các ô cần sửa ({request.marked_name})." if request.marked_name else "."
    lines += ["", resend, "Kèm theo: phiếu đề nghị bổ sung (.docx)" + marked, "", "Trân trọng.", sender]
    return "\n".join(lines)

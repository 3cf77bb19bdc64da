"""Pages "Tổng quan" (season, deadlines, counts, last collection, next step) and "Bảng tiêu chí"."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from flask import Blueprint, render_template, url_for

from bdg_workbook.collect import status as _status
from bdg_workbook.config import criteria_view as _criteria_view
from bdg_workbook.domain.model import METHOD_LABELS, Setup
from bdg_workbook.domain.numbers import format_number
from bdg_workbook.mail.drafts import SEND_LOG_NAME
from bdg_workbook.web import common
from bdg_workbook.web.workspace import InboxState, Workspace
from bdg_workbook.workbook.generate import workbook_filename

blueprint = Blueprint("overview", __name__)


@dataclass(frozen=True)
class Deadline:
    """One deadline and the days left (negative once passed)."""

    label: str
    day: dt.date | None
    days_left: int | None


@dataclass(frozen=True)
class NextStep:
    """What the officer should do next, and the page where it is done."""

    text: str
    endpoint: str
    label: str


@blueprint.get("/")
def dashboard() -> str:
    """Tổng quan."""
    setup = common.setup()
    ws = common.workspace()
    state = ws.inbox_state(setup)
    today = dt.date.today()
    cfg = setup.config
    deadlines = [Deadline("Hạn các đơn vị gửi phường", cfg.department_deadline, _days(cfg.department_deadline, today)),
                 Deadline("Hạn phường gửi cấp trên", cfg.district_deadline, _days(cfg.district_deadline, today))]
    counts = {key: sum(1 for d in state.status.departments if d.status == key) for key in _status.STATUS_VI}
    counts[_status.REJECTED] = len(state.status.rejected_files)
    master = ws.current_master(setup)
    collected_at = dt.datetime.fromtimestamp(master.stat().st_mtime) if master.is_file() else None
    step = next_step(ws, setup, state, collected_at)
    return render_template("dashboard.html", setup=setup, deadlines=deadlines, counts=counts,
                           labels=_status.STATUS_VI, collected_at=collected_at, checked_at=state.checked_at,
                           step=step, step_url=url_for(step.endpoint), files=len(state.result.files))


def _days(day: dt.date | None, today: dt.date) -> int | None:
    return (day - today).days if day else None


def next_step(ws: Workspace, setup: Setup, state: InboxState, collected_at: dt.datetime | None) -> NextStep:
    """The next thing to do in the season, from what exists in the working folder."""
    year = ws.year_folder(setup)
    if not all((year / workbook_filename(setup, d)).is_file() for d in setup.departments):
        return NextStep("Kiểm tra bảng tiêu chí rồi tạo biểu mẫu cho các đơn vị.", "forms.workbooks", "Tạo biểu mẫu")
    mailed = any(ws.mail_folder.glob("*.eml")) or (ws.mail_folder / SEND_LOG_NAME).is_file()
    if not state.result.files and not mailed:
        return NextStep("Gửi biểu mẫu cho các đơn vị (tạo thư nháp hoặc gửi qua máy chủ thư).", "forms.mail",
                        "Gửi thư")
    if not state.result.files:
        return NextStep("Chờ các đơn vị gửi lại; khi nhận được tệp, đưa vào trang Nhận bài.", "inbox.upload",
                        "Nhận bài")
    newest = max((p.stat().st_mtime for p in ws.inbox.rglob("*") if p.is_file()), default=0.0)
    if collected_at is None or newest > collected_at.timestamp():
        missing = sum(1 for d in state.status.departments if d.status == _status.MISSING)
        extra = f" ({missing} đơn vị chưa nộp)" if missing else ""
        return NextStep(f"Có tệp mới từ lần tổng hợp trước: tổng hợp lại{extra}.", "inbox.master", "Tổng hợp")
    if not any(year.glob("*_thamdinh_v*.xlsx")):
        return NextStep("Thẩm định điểm các đơn vị, ghi bản thẩm định có chữ ký.", "review.review", "Thẩm định")
    return NextStep("Gửi bản tổng hợp (bản thẩm định mới nhất) và khóa công khai cho cấp trên.", "review.district",
                    "Cấp trên")


@blueprint.get("/tieu-chi")
def criteria() -> str:
    """Bảng tiêu chí: what ``criteria check`` prints, the not-official warning and the table itself."""
    setup = common.setup()
    files = [p for p in common.workspace().setup_files()]
    return render_template("criteria.html", setup=setup, table=setup.table,
                           summary=_criteria_view.summary_lines(setup),
                           warning=_criteria_view.official_warning(setup.table),
                           number=format_number, methods=METHOD_LABELS,
                           files=[_shown(p) for p in files])


def _shown(path: Path | None) -> str:
    return str(path) if path is not None else "(mẫu có sẵn của chương trình)"

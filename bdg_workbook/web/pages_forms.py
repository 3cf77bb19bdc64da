"""Pages "Biểu mẫu" (generate, download one or all) and "Gửi thư" (drafts, SMTP send, send log)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from flask import Blueprint, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from bdg_workbook.domain.errors import BdgError, TemplateError
from bdg_workbook.mail import drafts as _mail
from bdg_workbook.mail import smtp_send as _mailsend
from bdg_workbook.web import common
from bdg_workbook.workbook import generate as _generate

blueprint = Blueprint("forms", __name__)


@blueprint.get("/bieu-mau")
def workbooks() -> str:
    """Biểu mẫu: one row per unit with its workbook (if generated) and the download links."""
    setup = common.setup()
    ws = common.workspace()
    folder = ws.year_folder(setup)
    rows = []
    for dept in setup.departments:
        path = folder / _generate.workbook_filename(setup, dept)
        made = dt.datetime.fromtimestamp(path.stat().st_mtime) if path.is_file() else None
        rows.append({"dept": dept, "name": path.name, "made": made})
    key = _key_or_none(ws)
    return render_template("workbooks.html", setup=setup, rows=rows, key=key, notice=common.notice_from_request(),
                           folder=folder, all_made=all(r["made"] for r in rows))


def _key_or_none(ws: common.Workspace):
    try:
        return ws.signing_key()
    except BdgError:
        return None


@blueprint.post("/bieu-mau")
def generate() -> Response:
    """Generate (and sign) the workbooks of every unit, or of the units ticked."""
    setup = common.setup()
    ws = common.workspace()
    only = [code for code in request.form.getlist("only") if code]
    try:
        key = ws.signing_key()
    except BdgError as exc:
        return _back("forms.workbooks", {"error": f"Khóa ký của phường không dùng được: {exc}"})
    with ws.lock:
        try:
            paths = _generate.generate_workbooks(setup, ws.year_folder(setup), only or None,
                                                 key.sign if key else None)
        except BdgError as exc:
            return _back("forms.workbooks", {"error": str(exc)})
        except OSError as exc:
            return _back("forms.workbooks", {"error": f"Không ghi được biểu mẫu: {exc.strerror or exc}. "
                                                      "Đóng tệp nếu đang mở trong Excel rồi thử lại."})
    signed = f"đã ký số bằng khóa {key.key_id}" if key else "CHƯA ký số (thư mục làm việc chưa có khóa ký)"
    return _back("forms.workbooks", {"ok": f"Đã tạo {len(paths)} biểu mẫu; {signed}.",
                                     "files": [p.name for p in paths]})


def _back(endpoint: str, notice: dict) -> Response:
    return redirect(url_for(endpoint, kq=common.notices().put(notice)), code=303)


# ---------------------------------------------------------------- mail


@blueprint.get("/gui-thu")
def mail() -> str:
    """Gửi thư: each unit's address and draft, the SMTP settings, the send log."""
    setup = common.setup()
    ws = common.workspace()
    folder = ws.mail_folder
    rows = []
    for dept in setup.departments:
        draft = folder / _mail.DRAFT_NAME.format(year=setup.config.year, code=dept.code)
        workbook = _mail.workbook_path(setup, ws.year_folder(setup), dept)
        rows.append({"dept": dept, "draft": draft.name if draft.is_file() else "", "workbook": workbook.is_file()})
    return render_template("mail.html", setup=setup, rows=rows, smtp=setup.config.smtp, log=_send_log(folder),
                           notice=common.notice_from_request())


def _send_log(folder: Path) -> list[dict]:
    """The send log's lines, newest first (damaged lines skipped)."""
    try:
        lines = (folder / _mail.SEND_LOG_NAME).read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []
    out = []
    for line in lines:
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict):
            out.append(entry)
    return list(reversed(out))


@blueprint.post("/gui-thu")
def mail_send() -> Response:
    """Write drafts (``action=nhap``) or send through SMTP (``action=gui``) with the password typed now."""
    setup = common.setup()
    ws = common.workspace()
    only = [code for code in request.form.getlist("only") if code]
    action = request.form.get("action", "nhap")
    try:
        template = _mail.load_email_template(_mail.find_email_template(None, None, ws.templates))
    except TemplateError as exc:
        return _back("forms.mail", {"error": "Mẫu thư (email.yaml) có lỗi: " + "; ".join(map(str, exc.problems))})
    workbooks = ws.year_folder(setup)
    with ws.mail_lock:
        try:
            if action == "gui":
                smtp = setup.config.smtp
                env = {smtp.password_env: request.form.get("password", "")} if smtp else {}
                report = _mailsend.send_messages(setup, ws.mail_folder, workbooks, template, only or None, env=env)
            else:
                report = _mail.write_drafts(setup, ws.mail_folder, workbooks, template, only or None)
        except _mail.MailError as exc:
            return _back("forms.mail", {"error": str(exc)})
        except OSError as exc:
            return _back("forms.mail", {"error": f"Không ghi được vào {ws.mail_folder}: {exc.strerror or exc}."})
        ws.archive_run(lambda archive: archive.record_sends(setup, report, str(workbooks), action == "gui"))
    outcomes = [{"code": o.code, "name": o.name, "status": _mail.STATUS_VI[o.status], "ok": o.ok,
                 "message": o.message} for o in report.outcomes]
    counts = [f"{report.count(s)} {_mail.STATUS_VI[s].lower()}" for s in _mail.STATUS_VI if report.count(s)]
    summary = f"Tổng {len(report.outcomes)} đơn vị: {', '.join(counts) or 'không có đơn vị nào'}."
    return _back("forms.mail", {"ok": summary, "outcomes": outcomes, "notes": report.notes})

"""Pages "Thẩm định" (review scores typed in a form, judged like ``review``, next signed version) and
"Cấp trên" (ward masters and public keys uploaded, the district roll-up and its downloads)."""

from __future__ import annotations

import io
import json
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    abort,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from werkzeug.wrappers import Response

from bdg_workbook.collect import receipts as _receipts
from bdg_workbook.collect.inbox import InboxError
from bdg_workbook.domain.errors import BdgError, WorkbookError
from bdg_workbook.domain.model import Setup
from bdg_workbook.domain.submission import Cell
from bdg_workbook.layout.master import AUDIT_COLUMNS, SHEET_REVIEW, review_name
from bdg_workbook.master.keep_reviews import later_rounds
from bdg_workbook.review import report as _review_report
from bdg_workbook.review import review_round as _review
from bdg_workbook.rollup import report as _district_report
from bdg_workbook.rollup import wards as _district
from bdg_workbook.trust import signing as _signing
from bdg_workbook.untrusted.master_reader import DataError, parse_data, read_master
from bdg_workbook.web import common
from bdg_workbook.writing.terminal_text import ascii_slug

blueprint = Blueprint("review", __name__)
_NUMBER = re.compile(r"^[+-]?\d+([.,]\d+)?$")


def master_versions(ws: common.Workspace, setup: Setup) -> list[Path]:
    """The current ward master and its review versions beside it, oldest first ([] before any collection)."""
    base = ws.current_master(setup)
    return [base, *later_rounds(base)] if base.is_file() else []


@blueprint.get("/tham-dinh")
def review() -> str:
    """Thẩm định: the latest version, one unit's criteria with the points in force, the rounds so far."""
    setup = common.setup()
    ws = common.workspace()
    versions = master_versions(ws, setup)
    notice = common.notice_from_request()
    context: dict[str, Any] = {"setup": setup, "versions": [p.name for p in versions], "notice": notice,
                               "audit_columns": AUDIT_COLUMNS, "units": [], "rows": [], "audit": [], "error": ""}
    if not versions:
        return render_template("review.html", **context)
    latest = versions[-1]
    try:
        master = read_master(latest, review=True)
        depts = [d for d in parse_data(master.data, [c.code for c in setup.table.criteria]) if d.collected]
    except (WorkbookError, DataError, OSError) as exc:
        context["error"] = f"Không đọc được {latest.name}: {getattr(exc, 'message', exc)}"
        return render_template("review.html", **context)
    codes = [d.code for d in depts]
    chosen = request.args.get("don-vi", "")
    chosen = chosen if chosen in codes else (codes[0] if codes else "")
    typed = (notice or {}).get("typed", {}) if (notice or {}).get("unit") == chosen else {}
    rows = []
    for crit in setup.table.criteria:
        value = master.review.get(review_name("verified", chosen, crit.code))
        reason = master.review.get(review_name("reason", chosen, crit.code))
        rows.append({"code": crit.code, "text": crit.text, "max": crit.max,
                     "value": typed.get("v_" + crit.code, _shown(value)),
                     "reason": typed.get("r_" + crit.code, _shown(reason))})
    context.update(latest=latest.name, round=master.review_round, units=[(d.code, d.name) for d in depts],
                   chosen=chosen, rows=rows, audit=(master.audit or [])[1:])
    return render_template("review.html", **context)


def _shown(cell: Cell | None) -> str:
    """A review cell as the form shows it (decimal comma)."""
    if cell is None or cell.value is None:
        return ""
    if isinstance(cell.value, Decimal):
        return cell.text().replace(".", ",")
    return cell.text()


def form_cell(text: str, ref: str) -> Cell:
    """What the officer typed, as the cell the sheet would hold: a number (comma or point), text, or blank."""
    text = " ".join(text.split())
    if not text:
        return Cell(SHEET_REVIEW, ref)
    if _NUMBER.match(text):
        try:
            return Cell(SHEET_REVIEW, ref, Decimal(text.replace(",", ".")))
        except InvalidOperation:
            pass
    return Cell(SHEET_REVIEW, ref, text)


@blueprint.post("/tham-dinh")
def submit_review() -> Response:
    """Judge the form's scores exactly like ``review`` and write the next signed version when they are usable."""
    setup = common.setup()
    ws = common.workspace()
    unit = request.form.get("unit", "")
    typed = {k: v for k, v in request.form.items() if k.startswith(("v_", "r_"))}
    back = {"unit": unit, "typed": typed}
    with ws.lock:
        versions = master_versions(ws, setup)
        if not versions:
            return _back({**back, "error": "Chưa có bảng tổng hợp: vào trang Tổng hợp trước."}, unit)
        latest = versions[-1]
        try:
            current = read_master(latest, review=True)
            if review_name("verified", unit, setup.table.criteria[0].code) not in current.review:
                return _back({"error": f"Đơn vị '{unit}' không có trong {latest.name} (hoặc chưa nộp): chọn lại "
                                       "đơn vị trong danh sách."}, "")
            entries = {}
            for crit in setup.table.criteria:
                for role, prefix in (("verified", "v_"), ("reason", "r_")):
                    name = review_name(role, unit, crit.code)
                    if name in current.review and prefix + crit.code in typed:
                        entries[name] = form_cell(typed[prefix + crit.code], current.review[name].ref)
            outcome = _review.review_master(setup, latest, ws.keyring(), entries=entries)
        except _review.ReviewError as exc:
            return _back({**back, "error": str(exc)}, unit)
        except (WorkbookError, BdgError, OSError) as exc:
            return _back({**back, "error": f"Không đọc được {latest.name}: {getattr(exc, 'message', exc)}"}, unit)
        findings = common.finding_rows([f for f in outcome.findings if f.code != "R11"])
        if outcome.blocked or outcome.error_count:
            why = ("tệp tổng hợp không còn nguyên vẹn" if outcome.blocked
                   else f"có {outcome.error_count} lỗi; sửa các ô được báo rồi ghi lại")
            return _back({**back, "error": f"Chưa ghi bản thẩm định: {why}.", "findings": findings}, unit)
        if not outcome.edits:
            return _back({**back, "ok": "Không có điểm nào khác điểm đang được tính; không ghi bản mới.",
                          "findings": findings}, unit)
        target = _review.next_version_path(latest, outcome.round)
        if target.exists():
            return _back({**back, "error": f"'{target.name}' đã có; không ghi đè."}, unit)
        try:
            _review_report.write_reviewed_master(outcome, target, ws.master_signer())
        except OSError as exc:
            return _back({**back, "error": f"Không ghi được '{target.name}': {exc.strerror or exc}."}, unit)
        ws.archive_run(lambda archive: archive.record_review(outcome, latest, target))   # issue 15
    edits = [f"{e.department} {e.criterion}: {common.points(e.before)} → {common.points(e.after)} ({e.reason})"
             for e in outcome.edits]
    return _back({"unit": unit, "ok": f"Đã ghi bản thẩm định vòng {outcome.round}: {target.name} "
                                      f"({len(edits)} điều chỉnh).", "edits": edits, "findings": findings}, unit)


def _back(notice: dict[str, Any], unit: str) -> Response:
    return redirect(url_for("review.review", **{"don-vi": unit, "kq": common.notices().put(notice)}), code=303)


# ---------------------------------------------------------------- district


def district_master_path(ws: common.Workspace, result: _district.DistrictResult) -> Path:
    """The CLI's default target (``output/<year>/TONGHOP_HUYEN_<year>_<DISTRICT>.xlsx``), in the working folder."""
    slug = ascii_slug(_district_report.place_of(result.district))
    return ws.root / _district_report.default_district_path(result, slug)


def last_district_master(ws: common.Workspace, setup: Setup) -> Path | None:
    """The roll-up written last in output/<year>/, if any."""
    found = [p for p in ws.year_folder(setup).glob("TONGHOP_HUYEN_*.xlsx") if p.is_file()]
    return max(found, key=lambda p: p.stat().st_mtime) if found else None


@blueprint.get("/cap-tren")
def district() -> str:
    """Cấp trên: the ward masters and keys received, the last roll-up and its downloads."""
    setup = common.setup()
    ws = common.workspace()
    path = last_district_master(ws, setup)
    try:
        summary = json.loads(path.with_suffix(".json").read_text(encoding="utf-8")) if path else None
    except (OSError, ValueError):
        summary = None
    masters = sorted(p.name for p in ws.district_inbox.glob("*.xlsx")) if ws.district_inbox.is_dir() else []
    keys = sorted(p.name for p in ws.district_keys.glob("*.pub")) if ws.district_keys.is_dir() else []
    downloads = [p.name for p in (path, path.with_suffix(".json")) if p.is_file()] if path else []
    return render_template("district.html", setup=setup, masters=masters, keys=keys, summary=summary,
                           downloads=downloads, notice=common.notice_from_request(), own_key=_own_key(ws))


def _own_key(ws: common.Workspace) -> str:
    """The ward's own key id ('' when there is no usable key)."""
    try:
        key = ws.signing_key()
    except BdgError:
        return ""
    return key.key_id if key else ""


@blueprint.get("/cap-tren/khoa-phuong.pub")
def own_public_key() -> Response:
    """The ward's public key with its ward, district and province (what ``keys export`` writes), to send up."""
    setup = common.setup()
    try:
        key = common.workspace().signing_key()
    except BdgError:
        key = None
    if key is None:
        abort(404)
    cfg = setup.config
    pem = _signing.export_public_key(key, cfg.ward, cfg.district, cfg.province)
    return send_file(io.BytesIO(pem), mimetype="application/x-pem-file", as_attachment=True,
                     download_name=f"khoa-phuong-{key.key_id}.pub", max_age=0)


@blueprint.post("/cap-tren/tai-len")
def district_upload() -> Response:
    """Save uploaded ward masters (.xlsx, .eml) and public keys (.pub), never overwriting."""
    ws = common.workspace()
    saved, refused = [], []
    for item in common.read_uploads("files"):
        lower = item.name.lower()
        folder = ws.district_keys if lower.endswith(".pub") else ws.district_inbox
        if not lower.endswith((".xlsx", ".eml", ".pub")):
            refused.append(f"{item.name}: chỉ nhận bảng tổng hợp (.xlsx, .eml) và khóa công khai (.pub).")
            continue
        folder.mkdir(parents=True, exist_ok=True)
        try:
            saved.append(_receipts.receive(folder, item.name, item.data).saved_name)
        except InboxError as exc:
            refused.append(f"{item.name}: {exc}")
    notice = {"ok": f"Đã lưu {len(saved)} tệp: {', '.join(saved)}." if saved else "", "refused": refused}
    return redirect(url_for("review.district", kq=common.notices().put(notice)), code=303)


@blueprint.post("/cap-tren")
def district_run() -> Response:
    """The district roll-up of the ward masters received, checked against the wards' public keys."""
    setup = common.setup()
    ws = common.workspace()
    with ws.lock:
        try:
            if not ws.district_inbox.is_dir() or not any(ws.district_inbox.iterdir()):
                raise InboxError("Chưa có bảng tổng hợp nào của các phường: tải lên ở mục 1.")
            keyring = _signing.KeyRing.load(ws.district_keys)
            result = _district.collect_district(ws.district_inbox, setup, keyring)
            target = district_master_path(ws, result)
            target.parent.mkdir(parents=True, exist_ok=True)
            written = _district_report.write_district_outputs(result, target, ws.master_signer())
        except (_signing.KeyFileError, InboxError, BdgError) as exc:
            notice: dict[str, Any] = {"error": str(exc)}
        except OSError as exc:
            notice = {"error": f"Không ghi được tệp tổng hợp cấp trên: {exc.strerror or exc}."}
        else:
            notice = {"ok": f"Đã tổng hợp {len(result.wards)} phường từ {len(result.files)} tệp; "
                            f"{result.error_count} lỗi, {result.warning_count} cảnh báo.",
                      "files": [p.name for p in written],
                      "findings": common.finding_rows(result.findings)}
    return redirect(url_for("review.district", kq=common.notices().put(notice)), code=303)

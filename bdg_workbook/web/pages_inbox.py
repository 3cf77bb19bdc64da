"""Pages "Nhận bài" (upload, receipt, immediate check), "Tình hình nộp" (+ one unit) and "Tổng hợp"."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from flask import Blueprint, abort, redirect, render_template, url_for
from werkzeug.wrappers import Response

from bdg_workbook.corrections.overview import loop_infos
from bdg_workbook.collect import receipts as _receipts
from bdg_workbook.collect import status as _status
from bdg_workbook.collect.inbox import InboxError
from bdg_workbook.domain.errors import BdgError
from bdg_workbook.domain.result import (
    STATUS_BLANK,
    STATUS_COLLECTED,
    STATUS_REJECTED,
    STATUS_SUPERSEDED,
    STATUS_UNTRUSTED,
    CollectResult,
)
from bdg_workbook.master.outputs import collect_output_paths
from bdg_workbook.master.report import manifest_path_for
from bdg_workbook.web import common

blueprint = Blueprint("inbox", __name__)
ACCEPTED_SUFFIXES = (".xlsx", ".eml")
FILE_STATUS_VI = {STATUS_COLLECTED: "Đã nhận, đọc được", STATUS_REJECTED: "Bị từ chối",
                  STATUS_SUPERSEDED: "Không dùng (đơn vị có tệp mới hơn)",
                  STATUS_UNTRUSTED: "Không được tính (tệp không còn nguyên mẫu hoặc chữ ký không hợp lệ)",
                  STATUS_BLANK: "Không được tính (biểu mẫu trống, chưa nhập gì)"}


@blueprint.get("/nhan-bai")
def upload() -> str:
    """Nhận bài: the upload form and the receipts so far (newest first)."""
    ws = common.workspace()
    receipts = list(reversed(_receipts.read_receipts(ws.inbox)))
    return render_template("upload.html", receipts=receipts[:200], notice=common.notice_from_request(),
                           limits=common.limits(), accepted=", ".join(ACCEPTED_SUFFIXES))


@blueprint.post("/nhan-bai")
def receive() -> Response:
    """Save each uploaded file into inbox/ (new name when taken), record its receipt, check it at once."""
    setup = common.setup()
    ws = common.workspace()
    uploads = common.read_uploads("files")
    saved: list[tuple[_receipts.Receipt, Path]] = []
    refused: list[dict[str, str]] = []
    for item in uploads:
        if not item.name.lower().endswith(ACCEPTED_SUFFIXES):
            refused.append({"name": item.name, "reason": "Chỉ nhận tệp Excel (.xlsx) hoặc thư đã lưu (.eml); "
                                                          "tệp này không được lưu."})
            continue
        try:
            receipt = _receipts.receive(ws.inbox, item.name, item.data)
        except InboxError as exc:
            refused.append({"name": item.name, "reason": str(exc)})
            continue
        saved.append((receipt, ws.inbox / receipt.saved_name))
    rows = _checked_rows(ws.check_files(setup, [p for _r, p in saved]), saved) if saved else []
    notice = {"rows": rows, "refused": refused}
    return redirect(url_for("inbox.upload", kq=common.notices().put(notice)), code=303)


def _checked_rows(result: CollectResult, saved: list[tuple[_receipts.Receipt, Path]]) -> list[dict[str, Any]]:
    """One row per file read (an email gives one per attachment): receipt, unit, status, total, findings."""
    by_file = {r.file: r for r in result.departments}
    names = {d.code: d.name for d in result.setup.departments}
    rows = []
    for receipt, _path in saved:
        outcomes = [f for f in result.files if f.display_name == receipt.saved_name
                    or f.display_name.startswith(receipt.saved_name + " → ")]
        notes = [f for f in result.findings if f.file.startswith(receipt.saved_name) and f.code == "F12"]
        for outcome in outcomes or [None]:
            label = outcome.display_name if outcome else receipt.saved_name
            dept = by_file.get(label) if outcome else None
            mine = [f for f in result.findings if f.file == label and f.code != "W13"]
            state = FILE_STATUS_VI.get(outcome.status, outcome.status) if outcome else "Không có tệp .xlsx để đọc"
            if dept is not None:
                state = "Đã nộp, có lỗi" if dept.errors else "Đã nộp, hợp lệ"
            rows.append({"receipt": receipt, "label": label, "status": state,
                         "ok": dept is not None and not dept.errors,
                         "code": outcome.department if outcome else "",
                         "unit": names.get(outcome.department, "") if outcome else "",
                         "reason": getattr(outcome, "reason", "") if outcome else "",
                         "total": common.points(dept.card.total) if dept else "",
                         "rating": dept.card.rating if dept else "",
                         "findings": common.finding_rows(mine if outcome else notes)})
    return rows


# ---------------------------------------------------------------- status


@blueprint.get("/tinh-hinh")
def status() -> str:
    """Tình hình nộp: one row per unit (status, total, rating, errors, warnings)."""
    setup = common.setup()
    state = common.workspace().inbox_state(setup)
    cards = {r.department.code: r for r in state.result.departments}
    loops = loop_infos(setup, state.result, common.workspace().year_folder(setup))   # issue 16: the loop
    rows = [{"d": d, "label": _status.STATUS_VI.get(d.status, d.status), "result": cards.get(d.code),
             "loop": loops.get(d.code)} for d in state.status.departments]
    return render_template("status.html", setup=setup, rows=rows, state=state,
                           rejected=state.status.rejected_files)


@blueprint.get("/tinh-hinh/<code>")
def unit(code: str) -> str:
    """One unit: its findings (sheet, cell, value, how to fix) and self-scored vs counted points."""
    setup = common.setup()
    dept = next((d for d in setup.departments if d.code == code), None)
    if dept is None:
        abort(404)
    state = common.workspace().inbox_state(setup)
    line = next(d for d in state.status.departments if d.code == code)
    result = next((r for r in state.result.departments if r.department.code == code), None)
    files = [f for f in state.result.files if f.department == code]
    names = {f.display_name for f in files}
    findings = [f for f in state.result.findings if f.department == code or (f.file and f.file in names)]
    criteria = []
    if result is not None:
        for sec in setup.table.sections:
            for crit in sec.criteria:
                own, counted = result.self_card.items[crit.code].points, result.card.items[crit.code].points
                criteria.append({"code": crit.code, "text": crit.text, "max": crit.max, "self": own,
                                 "counted": counted, "differs": own != counted})
    label = _status.STATUS_VI.get(line.status, line.status)
    return render_template("unit.html", setup=setup, dept=dept, line=line, label=label, result=result, files=files,
                           file_status=FILE_STATUS_VI, findings=common.finding_rows(findings), criteria=criteria)


# ---------------------------------------------------------------- master


@blueprint.get("/tong-hop")
def master() -> str:
    """Tổng hợp: the last master's ranking and chart (from the JSON written beside it), the downloads."""
    setup = common.setup()
    ws = common.workspace()
    path = ws.current_master(setup)
    summary = _read_summary(path)
    downloads = _master_downloads(path)
    newest = max((p.stat().st_mtime for p in ws.inbox.rglob("*") if p.is_file()), default=0.0)
    stale = summary is not None and path.is_file() and newest > path.stat().st_mtime
    made = dt.datetime.fromtimestamp(path.stat().st_mtime) if path.is_file() else None
    return render_template("master.html", setup=setup, summary=summary, downloads=downloads, stale=stale,
                           made=made, notice=common.notice_from_request(), chart=_chart(summary, setup))


def _read_summary(master: Path) -> dict[str, Any] | None:
    """The JSON the app wrote beside the master (the same as ``collect --format json``), or None."""
    json_path, _csv = collect_output_paths(master)
    try:
        data = json.loads(json_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _master_downloads(master: Path) -> list[dict[str, str]]:
    """The master and the files written with it that exist, as (label, area, name)."""
    json_path, csv_folder = collect_output_paths(master)
    out = []
    for label, path in (("Bảng tổng hợp (Excel, có chữ ký số)", master), ("Kết quả dạng JSON", json_path),
                        ("Bảng kê các tệp (manifest)", manifest_path_for(master))):
        if path.is_file():
            out.append({"label": label, "area": "tong-hop", "name": path.name})
    for path in sorted(csv_folder.glob("*.csv")):
        out.append({"label": f"Bảng CSV {path.name}", "area": "csv", "name": path.name})
    return out


def _chart(summary: dict[str, Any] | None, setup: Any) -> list[dict[str, Any]]:
    """Bars of the ranking chart (SVG drawn by the template): label, total, width in per mille of the maximum."""
    if not summary:
        return []
    top = float(setup.table.total_max) or 1.0
    depts = sorted(summary.get("departments", []), key=lambda d: d.get("rank", 0))
    return [{"code": d["code"], "total": d["total"], "width": max(0.0, min(1.0, float(d["total"]) / top)) * 1000,
             "y": i * 24} for i, d in enumerate(depts)]


@blueprint.post("/tong-hop")
def run_collect() -> Response:
    """Collect every return and write master, JSON, CSV and manifest (one collection at a time)."""
    setup = common.setup()
    ws = common.workspace()
    try:
        result, written, kept = ws.collect_and_write(setup)
    except BdgError as exc:   # the inbox or the signing key cannot be used
        notice: dict[str, Any] = {"error": str(exc)}
    except OSError as exc:
        notice = {"error": f"Không ghi được tệp tổng hợp: {exc.strerror or exc}. Đóng tệp nếu đang mở trong Excel "
                           "rồi thử lại; bản tổng hợp trước vẫn giữ nguyên."}
    else:
        notice = {"ok": f"Đã tổng hợp {len(result.departments)} đơn vị từ {len(result.files)} tệp; chưa nộp "
                        f"{len(result.missing)}; {result.error_count} lỗi, {result.warning_count} cảnh báo.",
                  "files": [p.name for p in written], "notes": [kept] if kept else []}
    return redirect(url_for("inbox.master", kq=common.notices().put(notice)), code=303)

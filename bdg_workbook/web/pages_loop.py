"""Page "Bổ sung": the correction loop in the browser (issue 16) — each unit's state, rounds and days to the
deadline; the officer's decisions (duyệt, từ chối, yêu cầu bổ sung, ghi chú); the phiếu đề nghị bổ sung with
its marked workbook and email draft. The same library calls as ``request-fix``/``approve``/``reject``."""

from __future__ import annotations

import fnmatch
import io
from pathlib import Path
from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, send_file, url_for
from werkzeug.wrappers import Response

from bdg_workbook.collect.inbox import safe_name
from bdg_workbook.corrections import decisions
from bdg_workbook.corrections import request as fix_request
from bdg_workbook.corrections.journal import Journal
from bdg_workbook.corrections.overview import loop_infos
from bdg_workbook.corrections.states import A_APPROVE, A_ASK_FIX, A_COMMENT, A_REJECT, ACTION_VI, STATE_VI
from bdg_workbook.documents.settings import document_settings, loop_settings
from bdg_workbook.domain.errors import BdgError, TemplateError
from bdg_workbook.web import common

blueprint = Blueprint("loop", __name__)
ACTIONS = {"duyet": A_APPROVE, "tu-choi": A_REJECT, "yeu-cau-bo-sung": A_ASK_FIX, "ghi-chu": A_COMMENT}
LETTER_PATTERNS = ("PHIEU_BO_SUNG_*.docx", "PHIEU_BO_SUNG_*.eml", "*_can-sua.xlsx")


def _journal() -> Journal:
    setup = common.setup()
    return Journal(common.workspace().year_folder(setup), setup.config.year)


@blueprint.get("/bo-sung")
def loop() -> str:
    """Each unit's state in the loop, its rounds, days to the deadline, the last events and the actions."""
    setup = common.setup()
    ws = common.workspace()
    state = ws.inbox_state(setup)
    infos = loop_infos(setup, state.result, ws.year_folder(setup))
    journal = _journal()
    letters = {e.unit: e for e in journal.events if e.details.get("letter")}
    rows = [{"d": d, "info": infos.get(d.code), "letter": _letter_files(letters.get(d.code))}
            for d in setup.departments]
    events = list(reversed(journal.events))[:30]
    return render_template("loop.html", rows=rows, events=events, actions=ACTIONS, action_vi=ACTION_VI,
                           state_vi=STATE_VI, notice=common.notice_from_request(), journal=journal.path)


def _letter_files(event: Any) -> list[dict[str, str]]:
    """The letter, marked workbook and draft of the unit's last request, as download links."""
    if event is None:
        return []
    out = []
    for key in ("letter", "marked", "draft"):
        path = Path(event.details.get(key) or "")
        if path.name and path.is_file():
            out.append({"name": path.name, "round": path.parent.name.removeprefix("lan-"), "unit": event.unit})
    return out


@blueprint.post("/bo-sung/<code>/phieu")
def write_letter(code: str) -> Response:
    """Write the phiếu đề nghị bổ sung, the marked workbook and the email draft of one unit."""
    setup = common.setup()
    ws = common.workspace()
    try:
        unit = decisions.check_unit(setup, code)
        loop_cfg, doc_cfg = loop_settings(setup.config), document_settings(setup.config, setup.table)
        with ws.lock:
            journal = _journal()
            result = ws.inbox_state(setup).result
            from bdg_workbook.corrections import sync
            sync.record(journal, result, ws.inbox)
            loops = journal.loops([d.code for d in setup.departments])
            dept = next(d for d in setup.departments if d.code == unit)
            outcome = fix_request.write_request(setup, journal, dept, loops[unit], loop_cfg, doc_cfg)
    except TemplateError as exc:
        notice: dict[str, Any] = {"error": "; ".join(str(p) for p in exc.problems)}
    except (BdgError, OSError) as exc:
        notice = {"error": str(exc)}
    else:
        notice = {"ok": outcome.message, "notes": outcome.notes}
    return redirect(url_for("loop.loop", kq=common.notices().put(notice)), code=303)


@blueprint.post("/bo-sung/<code>/quyet-dinh")
def decide(code: str) -> Response:
    """The officer's decision on one unit's return, with the reason (required except to approve)."""
    setup = common.setup()
    action = ACTIONS.get(request.form.get("action", ""))
    if action is None:
        abort(400)
    reason = (request.form.get("reason") or "").strip()
    try:
        officer = loop_settings(setup.config).officer_name
        with common.workspace().lock:
            _event, notes = decisions.decide(setup, _journal(), code, action, reason, officer)
    except TemplateError as exc:
        notice: dict[str, Any] = {"error": "; ".join(str(p) for p in exc.problems)}
    except (BdgError, OSError) as exc:
        notice = {"error": str(exc)}
    else:
        notice = {"ok": f"{code}: đã ghi “{ACTION_VI[action]}”.", "notes": notes}
    return redirect(url_for("loop.loop", kq=common.notices().put(notice)), code=303)


@blueprint.get("/tai/bo-sung/<code>/<int:round_no>/<name>")
def download(code: str, round_no: int, name: str) -> Response:
    """A file of a unit's correction request the app wrote (letter, marked workbook, draft)."""
    setup = common.setup()
    if code not in {d.code for d in setup.departments} or safe_name(name) != name or name.startswith("."):
        abort(404)
    if not any(fnmatch.fnmatchcase(name, p) for p in LETTER_PATTERNS):
        abort(404)
    folder = _journal().unit_folder(code) / f"lan-{round_no}"
    path = folder / name
    try:
        real, base = path.resolve(strict=True), folder.resolve(strict=True)
    except OSError:
        abort(404)
    if real.parent != base or path.is_symlink() or not real.is_file():
        abort(404)
    return send_file(io.BytesIO(real.read_bytes()), as_attachment=True, download_name=real.name, max_age=0,
                     mimetype="application/octet-stream")

"""Downloads: only files the app itself writes (workbooks, drafts and send log, masters and their exports),
named by an area and a plain file name; never a path the browser chose."""

from __future__ import annotations

import fnmatch
import io
import shutil
import tempfile
from pathlib import Path

from flask import Blueprint, abort, send_file
from werkzeug.wrappers import Response

from bdg_workbook.collect.inbox import safe_name
from bdg_workbook.mail.drafts import SEND_LOG_NAME
from bdg_workbook.master.outputs import collect_output_paths
from bdg_workbook.web import common
from bdg_workbook.workbook.generate import workbook_filename

blueprint = Blueprint("downloads", __name__)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MIME = {".xlsx": XLSX, ".json": "application/json", ".csv": "text/csv; charset=utf-8", ".eml": "message/rfc822",
        ".jsonl": "application/json"}


def allowed_file(area: str, name: str) -> Path | None:
    """The file ``name`` of a download area when it is one the app writes and it exists, else None."""
    if not name or safe_name(name) != name or "/" in name or "\\" in name or name.startswith("."):
        return None
    setup = common.setup()
    ws = common.workspace()
    year = ws.year_folder(setup)
    areas: dict[str, tuple[Path, tuple[str, ...]]] = {
        "bieu-mau": (year, tuple(workbook_filename(setup, d) for d in setup.departments)),
        "thu": (ws.mail_folder, ("TDCD_*.eml", SEND_LOG_NAME)),
        "tong-hop": (year, ("TONGHOP_*.xlsx", "TONGHOP_*.json")),
        "csv": (collect_output_paths(ws.current_master(setup))[1], ("*.csv",)),
    }
    if area not in areas:
        return None
    folder, patterns = areas[area]
    if not any(fnmatch.fnmatchcase(name, p) for p in patterns):
        return None
    path = folder / name
    try:
        real, base = path.resolve(strict=True), folder.resolve(strict=True)
    except OSError:
        return None
    if real.parent != base or not real.is_file() or path.is_symlink():
        return None
    return real


@blueprint.get("/tai/<area>/<name>")
def download(area: str, name: str) -> Response:
    """One file the app wrote, as an attachment."""
    path = allowed_file(area, name)
    if path is None:
        abort(404)
    data = path.read_bytes()   # small files; read at once so no handle stays open after the response
    return send_file(io.BytesIO(data), mimetype=MIME.get(path.suffix.lower(), "application/octet-stream"),
                     as_attachment=True, download_name=path.name, max_age=0)


@blueprint.get("/tai/bieu-mau.zip")
def all_workbooks() -> Response:
    """Every unit's generated workbook in one zip (the web layer never touches zipfile itself: shutil does)."""
    setup = common.setup()
    found = [p for p in (allowed_file("bieu-mau", workbook_filename(setup, d)) for d in setup.departments) if p]
    if not found:
        abort(404)
    with tempfile.TemporaryDirectory(prefix="bdg-zip-") as work:
        folder = Path(work) / "bieu-mau"
        folder.mkdir()
        for path in found:
            shutil.copyfile(path, folder / path.name)
        archive = shutil.make_archive(str(Path(work) / "bieu-mau"), "zip", root_dir=folder)
        data = Path(archive).read_bytes()
    return send_file(io.BytesIO(data), mimetype="application/zip", as_attachment=True,
                     download_name=f"BieuMau_{setup.config.year}.zip", max_age=0)

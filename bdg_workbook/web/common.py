"""Helpers shared by the page modules: the workspace of the app, the setup (or its problems), short-lived
notices for redirect-after-POST, uploaded files read within the limits, and number formatting."""

from __future__ import annotations

import datetime as dt
import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flask import abort, current_app, request
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import RequestEntityTooLarge

from bdg_workbook.domain.errors import TemplateError
from bdg_workbook.domain.findings import CATALOGUE, ERROR, SEVERITY_VI, WARNING, Finding
from bdg_workbook.domain.model import Setup
from bdg_workbook.domain.numbers import format_points
from bdg_workbook.web.security import Limits, limits_of
from bdg_workbook.web.workspace import Workspace

MAX_NOTICES = 50


def workspace() -> Workspace:
    """The working folder this server serves."""
    return current_app.extensions["bdg_workspace"]


class SetupProblem(Exception):
    """The setup files have problems: pages that need the setup show them instead."""

    def __init__(self, error: TemplateError) -> None:
        super().__init__(str(error))
        self.error = error


def setup() -> Setup:
    """The season's setup; SetupProblem (rendered as a page listing every problem) when it cannot be loaded."""
    value = workspace().setup_or_error()
    if isinstance(value, TemplateError):
        raise SetupProblem(value)
    return value


class Notices:
    """Results of a POST kept briefly under a random id, so the page after the redirect can show them."""

    def __init__(self) -> None:
        self._items: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def put(self, value: dict[str, Any]) -> str:
        """Store ``value``; returns its id."""
        key = secrets.token_urlsafe(12)
        with self._lock:
            self._items[key] = value
            while len(self._items) > MAX_NOTICES:
                self._items.popitem(last=False)
        return key

    def get(self, key: str | None) -> dict[str, Any] | None:
        """The stored value (kept, so a reload shows it again), or None."""
        if not key:
            return None
        with self._lock:
            return self._items.get(key)


def notices() -> Notices:
    """The app's notice store."""
    return current_app.extensions["bdg_notices"]


def notice_from_request() -> dict[str, Any] | None:
    """The notice named by ``?kq=`` in the URL, if any."""
    return notices().get(request.args.get("kq"))


@dataclass(frozen=True)
class Upload:
    """One uploaded file read into memory (name as sent, bytes)."""

    name: str
    data: bytes


def limits() -> Limits:
    """The upload limits of this server."""
    return limits_of(current_app)


def read_uploads(field: str) -> list[Upload]:
    """The files of a multipart field, refused with 413 when there are too many or one is too large."""
    limits = limits_of(current_app)
    files: list[FileStorage] = [f for f in request.files.getlist(field) if f and f.filename]
    if len(files) > limits.files:
        raise RequestEntityTooLarge(f"too many files: {len(files)}")
    out = []
    for item in files:
        data = item.stream.read(limits.file_bytes + 1)
        if len(data) > limits.file_bytes:
            raise RequestEntityTooLarge(f"file too large: {item.filename}")
        out.append(Upload(item.filename or "", data))
    if not out:
        abort(400, description="Chưa chọn tệp nào để gửi lên.")
    return out


def points(value: Decimal | float | None) -> str:
    """Points with two decimals and a decimal comma (``152,75``); empty for None."""
    return "" if value is None else format_points(Decimal(str(value)))


def finding_rows(findings: list[Finding]) -> list[dict[str, str]]:
    """Findings as table rows (level, code, title, place, value, message, fix), errors first."""
    order = {ERROR: 0, WARNING: 1}
    rows = []
    for f in sorted(findings, key=lambda f: order.get(f.severity, 2)):
        rows.append({"severity": f.severity, "level": SEVERITY_VI.get(f.severity, f.severity), "code": f.code,
                     "title": CATALOGUE[f.code].title if f.code in CATALOGUE else "", "file": f.file,
                     "sheet": f.sheet, "cell": f.cell, "value": f.value, "message": f.message, "fix": f.fix,
                     "department": f.department, "criterion": f.criterion})
    return rows



def when(text: str | None) -> str:
    """An ISO time as the officer reads it (``14:34:28 03/12/2026``); other text unchanged."""
    if not text:
        return ""
    try:
        moment = dt.datetime.fromisoformat(str(text))
    except ValueError:
        return str(text)
    return moment.strftime("%H:%M:%S %d/%m/%Y")

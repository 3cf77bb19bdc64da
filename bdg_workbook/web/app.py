"""The Flask application factory: security first, then the page modules, the error pages and the layout's
helpers (navigation, CSRF token, number formats)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask, g, render_template, request
from werkzeug.exceptions import HTTPException

from bdg_workbook import __version__
from bdg_workbook.web import common
from bdg_workbook.web.security import CSRF_FIELD, Guard, Limits, install
from bdg_workbook.web.workspace import Workspace

#: (endpoint, label) of the navigation, in the order of the season
NAVIGATION = (
    ("overview.dashboard", "Tổng quan"),
    ("overview.criteria", "Bảng tiêu chí"),
    ("forms.workbooks", "Biểu mẫu"),
    ("forms.mail", "Gửi thư"),
    ("inbox.upload", "Nhận bài"),
    ("inbox.status", "Tình hình nộp"),
    ("loop.loop", "Bổ sung"),
    ("inbox.master", "Tổng hợp"),
    ("review.review", "Thẩm định"),
    ("review.district", "Cấp trên"),
)

FORBIDDEN_TEXT = {
    "host": "Địa chỉ máy chủ trong yêu cầu không phải 127.0.0.1 hay localhost của ứng dụng này.",
    "token": "Mã truy cập trong địa chỉ không đúng.",
    "cookie": "Trình duyệt này chưa được mở bằng địa chỉ có mã truy cập.",
    "origin": "Yêu cầu đến từ một trang web khác.",
    "csrf": "Biểu mẫu thiếu hoặc sai mã chống giả mạo (có thể trang đã mở từ lần chạy trước).",
}


def create_app(root: Path, port: int, limits: Limits | None = None, guard: Guard | None = None,
               jobs: int | None = None, warm: bool = False) -> Flask:
    """The web app for the working folder ``root``, accepting only 127.0.0.1/localhost on ``port``; with
    ``warm`` the setup is loaded at once and the reader's form contract built in the background."""
    app = Flask(__name__)
    guard = guard or Guard(port)
    install(app, guard, limits or Limits())
    app.extensions["bdg_workspace"] = workspace = Workspace(Path(root), jobs=jobs, warm=warm)
    if warm:
        workspace.setup_or_error()
    app.extensions["bdg_notices"] = common.Notices()
    app.jinja_env.filters["points"] = common.points
    app.jinja_env.filters["when"] = common.when
    app.jinja_env.autoescape = True

    from bdg_workbook.web import (
        downloads,
        pages_forms,
        pages_inbox,
        pages_loop,
        pages_overview,
        pages_review,
    )
    for module in (pages_overview, pages_forms, pages_inbox, pages_loop, pages_review, downloads):
        app.register_blueprint(module.blueprint)

    @app.context_processor
    def _layout() -> dict[str, Any]:
        return {"navigation": NAVIGATION, "csrf_field": CSRF_FIELD, "csrf_token": g.get("csrf_token", ""),
                "version": __version__, "folder": str(Path(root).resolve())}

    @app.errorhandler(common.SetupProblem)
    def _setup_problem(exc: common.SetupProblem) -> tuple[str, int]:
        return render_template("setup_problem.html", problems=exc.error.problems), 200

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> tuple[str, int]:
        return _error_page(exc, limits or Limits()), exc.code or 500

    return app


def _error_page(exc: HTTPException, limits: Limits) -> str:
    """A calm Vietnamese page for every refusal."""
    code = exc.code or 500
    if code == 403:
        title = "Không được phép truy cập (403)"
        text = FORBIDDEN_TEXT.get(str(exc.description), "Yêu cầu bị từ chối.")
        hint = ("Mở ứng dụng bằng đúng địa chỉ in ra khi chạy 'bdg-workbook serve' (địa chỉ có ?token=…), "
                "trên chính máy này; nếu đã khởi động lại ứng dụng, dùng địa chỉ mới.")
    elif code == 413:
        title = "Tệp gửi lên quá lớn hoặc quá nhiều (413)"
        text = (f"Mỗi lần gửi tối đa {limits.files} tệp, mỗi tệp tối đa {limits.file_bytes // (1024 * 1024)} MiB, "
                f"tổng cộng tối đa {limits.request_bytes // (1024 * 1024)} MiB.")
        hint = "Chia thành nhiều lần gửi, hoặc đề nghị đơn vị gửi lại đúng biểu mẫu (tệp biểu mẫu chỉ vài chục KB)."
    elif code == 404:
        title = "Không có trang hoặc tệp này (404)"
        text = "Địa chỉ không đúng, hoặc tệp chưa được tạo."
        hint = "Quay lại Tổng quan và chọn từ thanh điều hướng."
    elif code == 400:
        title = "Yêu cầu không hợp lệ (400)"
        own = exc.description and exc.description != type(exc).description
        text = str(exc.description) if own else "Dữ liệu gửi lên không đúng."
        hint = "Quay lại trang trước và thử lại."
    else:
        title = f"Lỗi {code}"
        text = "Ứng dụng không xử lý được yêu cầu này."
        hint = "Thử lại; nếu vẫn lỗi, chạy lệnh tương ứng trong cửa sổ dòng lệnh để xem chi tiết."
    return render_template("error.html", title=title, text=text, hint=hint, path=request.path, code=code)

"""``serve``: the local web app for a working folder (the officer's main way in)."""

from __future__ import annotations

import socket
import sys
import threading
import webbrowser
from pathlib import Path

import click

from bdg_workbook.cli.app import EXIT_USAGE, main
from bdg_workbook.config import workspace as _workspace
from bdg_workbook.domain.errors import BdgError

DEFAULT_PORT = 8765
THREADS = 6


@main.command("serve")
@click.argument("folder", required=False, default=".", type=click.Path(path_type=Path, file_okay=False))
@click.option("--port", type=click.IntRange(0, 65535), default=DEFAULT_PORT, show_default=True,
              help="Cổng trên 127.0.0.1 (0: chọn cổng trống bất kỳ).")
@click.option("--no-browser", is_flag=True, help="Không tự mở trình duyệt (chỉ in địa chỉ).")
def serve_command(folder: Path, port: int, no_browser: bool) -> None:
    """Mở ứng dụng web trên máy này cho thư mục làm việc FOLDER (mặc định: thư mục hiện tại)."""
    from waitress import create_server

    from bdg_workbook.web.app import create_app
    from bdg_workbook.web.security import Guard

    _ensure_workspace(folder)
    try:
        _check_port(port)    # before waitress, which leaves its socket open when the bind fails
        server = create_server(_Placeholder(), host="127.0.0.1", port=port, threads=THREADS, ident="bdg-workbook")
    except OSError as exc:
        click.echo(f"Lỗi: không mở được cổng {port} trên 127.0.0.1 ({exc.strerror or exc}). Cổng đang bận? "
                   "Chạy lại với --port số khác (ví dụ --port 8800) hoặc --port 0.", err=True)
        sys.exit(EXIT_USAGE)
    actual = server.effective_port
    guard = Guard(actual)
    server.application = create_app(folder.resolve(), actual, guard=guard, warm=True)
    url = guard.start_url()
    click.echo(f"Ứng dụng bdg-workbook cho thư mục {folder.resolve()}")
    click.echo("Mở địa chỉ này trong trình duyệt (chỉ trên máy này; địa chỉ có mã truy cập, đừng gửi cho ai):")
    click.echo(f"  {url}")
    click.echo("Dừng ứng dụng: bấm Ctrl+C trong cửa sổ này.")
    if not no_browser:
        threading.Timer(0.5, lambda: webbrowser.open(url)).start()
    try:
        server.run()
    except KeyboardInterrupt:
        click.echo("Đã dừng ứng dụng.")
    finally:
        server.close()


def _ensure_workspace(folder: Path) -> None:
    """Offer to create the working folder (as ``init`` does) when FOLDER is not one yet; exit 2 if refused."""
    if _workspace.find_templates(folder) is not None:
        return
    click.echo(f"'{folder.resolve()}' chưa phải thư mục làm việc (chưa có templates/criteria*.yaml).")
    if not click.confirm("Tạo thư mục làm việc ở đây (mẫu để sửa, inbox/, output/, khóa ký của phường)?",
                         default=True):
        click.echo("Chưa làm gì. Chạy 'bdg-workbook serve THƯ_MỤC' với thư mục làm việc đã có.", err=True)
        sys.exit(EXIT_USAGE)
    try:
        result = _workspace.init_workspace(folder)
    except (BdgError, OSError) as exc:
        click.echo(f"Lỗi: không tạo được thư mục làm việc '{folder}': {exc}", err=True)
        sys.exit(EXIT_USAGE)
    click.echo(f"Đã tạo thư mục làm việc {result.root.resolve()} (khóa ký mã {result.key.key_id}). "
               "Sửa templates/config.yaml và departments.yaml cho đúng phường.")


def _check_port(port: int) -> None:
    """OSError when ``port`` cannot be bound on 127.0.0.1 (0 is always free)."""
    if port:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            if sys.platform != "win32":   # as waitress does: a port in TIME_WAIT after a restart is free
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(("127.0.0.1", port))


class _Placeholder:
    """The WSGI app until the real one knows the port it was bound to."""

    def __call__(self, environ: dict, start_response: object) -> list[bytes]:  # pragma: no cover - never served
        start_response("503 Service Unavailable", [("Content-Type", "text/plain; charset=utf-8")])  # type: ignore
        return ["Đang khởi động…".encode()]

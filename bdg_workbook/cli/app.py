"""Command line: the click group, shared options and helpers; the commands live in ``*_commands`` modules
and ``main.py`` assembles them.

Thin by design: parse options, call the library, print, set the exit code (0 clean, 1 findings at
error level, 2 usage or unreadable setup).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Callable

import click

from bdg_workbook import __version__
from bdg_workbook.cli.click_vi import translate_command_texts, vietnamese_click
from bdg_workbook.cli.console_encoding import configure_console
from bdg_workbook.writing import terminal_text as _console
from bdg_workbook.trust import signing as _signing
from bdg_workbook.domain.errors import TemplateError
from bdg_workbook.domain.model import Setup
from bdg_workbook.config.load import load_setup

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2
EXIT_INTERRUPTED = 130   # Ctrl+C, as shells report SIGINT
INTERRUPTED_VI = "Đã dừng theo yêu cầu (Ctrl+C). Các tệp đã ghi trước đó vẫn nguyên; chạy lại lệnh khi cần."

PathOption = click.Path(path_type=Path, dir_okay=False, exists=False)


def setup_options(func: Callable) -> Callable:
    """--criteria/--departments/--config options (defaults: the files shipped in templates/)."""
    func = click.option("--config", "config_path", type=PathOption, help="Tệp cấu hình mùa thi đua (config.yaml).")(func)
    func = click.option("--departments", "departments_path", type=PathOption, help="Danh sách đơn vị (departments.yaml).")(func)
    func = click.option("--criteria", "criteria_path", type=PathOption, help="Bảng tiêu chí (criteria-2024.yaml).")(func)
    return func


def load_setup_or_exit(criteria_path: Path | None, departments_path: Path | None, config_path: Path | None) -> Setup:
    """Load the three setup files or print every problem and exit 2.

    Files not given on the command line come from ``./templates/`` when the current folder is a working
    folder made by ``init``, else from the built-in default shipped with the package.
    """
    local = Path.cwd() / "templates"
    criteria_path = criteria_path or _existing(local / "criteria-2024.yaml")
    departments_path = departments_path or _existing(local / "departments.yaml")
    config_path = config_path or _existing(local / "config.yaml")
    try:
        return load_setup(criteria_path, departments_path, config_path)
    except TemplateError as exc:
        fail_with_problems(exc)
        raise  # unreachable


def _existing(path: Path) -> Path | None:
    return path if path.is_file() else None


def fail_with_problems(exc: TemplateError) -> None:
    """Print one line per template problem to stderr and exit 2."""
    click.echo(f"Lỗi: mẫu cấu hình có {len(exc.problems)} vấn đề, chưa làm gì:", err=True)
    for problem in exc.problems:
        click.echo(f"  - {problem}", err=True)
    sys.exit(EXIT_USAGE)


class VietnameseGroup(click.Group):
    """The program's group: at start the console is made safe for Vietnamese text (UTF-8 or a readable
    fallback, never UnicodeEncodeError) and click's own texts are in Vietnamese while it runs."""

    def main(self, *args, **kwargs):  # type: ignore[override]
        """Run the program (also what ``CliRunner.invoke`` calls)."""
        configure_console()
        translate_command_texts(self)
        with vietnamese_click():
            return super().main(*args, **kwargs)

    def invoke(self, ctx: click.Context) -> object:
        """Run the command; Ctrl+C (or an aborted prompt) prints one Vietnamese line, no traceback, exit 130."""
        try:
            return super().invoke(ctx)
        except (KeyboardInterrupt, click.Abort):
            click.echo(INTERRUPTED_VI, err=True)
            ctx.exit(EXIT_INTERRUPTED)


@click.group(cls=VietnameseGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="bdg-workbook", message="%(prog)s, phiên bản %(version)s",
                      help="Hiện số phiên bản rồi thoát.")
def main() -> None:
    """bdg-workbook: tạo, thu và tổng hợp bảng tự chấm điểm thi đua
    "Vì sự tiến bộ của phụ nữ và Bình đẳng giới" bằng Excel."""


KeyOption = click.option(
    "--key", "key_path", type=click.Path(path_type=Path, dir_okay=False),
    help=f"Tệp khóa ký của phường (mặc định: ${_signing.KEY_ENV}, nếu không thì keys/{_signing.KEY_FILE}).")


def default_master_path(setup: Setup) -> Path:
    """``output/<year>/TONGHOP_<year>_<WARD>.xlsx``."""
    cfg = setup.config
    return Path("output") / str(cfg.year) / f"TONGHOP_{cfg.year}_{_console.ascii_slug(cfg.place_name)}.xlsx"


def write_collect_outputs(result, master: Path, key_path: Path | None = None) -> list[Path]:
    """Master workbook (signed with the ward's key when there is one), JSON, CSV exports and the run manifest."""
    from bdg_workbook.master import outputs as _outputs
    master.parent.mkdir(parents=True, exist_ok=True)
    return _outputs.write_collect_outputs(result, master, master_signer_or_exit(key_path))


def key_search_note(key_path: Path | None = None) -> str:
    """Where the ward's key was looked for and how to pass it (Vietnamese), for "key not found" messages."""
    env = os.environ.get(_signing.KEY_ENV, "").strip()
    places = [f"--key {key_path}" if key_path is not None else "không có --keys/--key",
              f"biến môi trường {_signing.KEY_ENV}={env}" if env else f"biến môi trường {_signing.KEY_ENV} chưa đặt",
              f"tệp {_signing.default_key_path()} không có"]
    return ("không tìm thấy khóa của phường (đã tìm: " + "; ".join(places) + "). Chạy lệnh trong thư mục làm việc "
            f"của phường, hoặc chỉ khóa bằng --keys TỆP.pub, --key TỆP.key hoặc biến môi trường {_signing.KEY_ENV}. "
            "Không chạy lại 'bdg-workbook init' (sẽ tạo khóa thứ hai).")


def trusted_keys_or_exit(keys_path: Path | None, key_path: Path | None = None) -> "_signing.KeyRing | None":
    """The keys signatures are checked with: --keys, else the ward's own key (--key, env, workspace) if any."""
    try:
        if keys_path is not None:
            return _signing.KeyRing.load(keys_path)
        own = _signing.find_signing_key(key_path)
        return _signing.KeyRing.load(own) if own is not None else None
    except (_signing.KeyFileError, OSError) as exc:
        click.echo(f"Lỗi: không đọc được khóa kiểm tra chữ ký: {exc}", err=True)
        sys.exit(EXIT_USAGE)


def signing_key_or_exit(key_path: Path | None) -> _signing.SigningKey | None:
    """The ward's signing key if one is configured (None when there is none yet); exit 2 when unusable."""
    try:
        path = _signing.find_signing_key(key_path)
        key = _signing.load_private_key(path) if path is not None else None
    except _signing.KeyFileError as exc:
        click.echo(f"Lỗi: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    if key is not None and key.warning:
        click.echo(key.warning, err=True)
    return key


def master_signer_or_exit(key_path: Path | None) -> "Callable | None":
    """Sign new masters with the ward's key when there is one (SIGNED_MASTER_KEYS); exit 2 when unusable."""
    key = signing_key_or_exit(key_path)
    if key is None:
        return None
    return lambda meta: key.sign(meta, _signing.SIGNED_MASTER_KEYS)

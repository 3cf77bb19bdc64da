"""Commands that prepare a season: ``init``, ``keys``, ``criteria``, ``findings``."""

from __future__ import annotations

import json as _json
import os
import shutil as _shutil
import sys
from pathlib import Path

import click

from bdg_workbook.writing.safe_text import write_exclusive
from bdg_workbook.config import criteria_view as _criteria_view
from bdg_workbook.trust import signing as _signing
from bdg_workbook.config import workspace as _workspace
from bdg_workbook.domain.errors import BdgError

from bdg_workbook.cli.app import (EXIT_USAGE, KeyOption, load_setup_or_exit, main, setup_options)


@main.command("init")
@click.argument("directory", required=False, default=".", type=click.Path(path_type=Path, file_okay=False))
def init_command(directory: Path) -> None:
    """Tạo thư mục làm việc: bản sao mẫu để sửa, inbox/, output/ và khóa ký của phường."""
    try:
        result = _workspace.init_workspace(directory)
    except (BdgError, OSError) as exc:
        click.echo(f"Lỗi: không tạo được thư mục làm việc '{directory}': {exc}", err=True)
        sys.exit(EXIT_USAGE)
    for line in _init_lines(result):
        click.echo(line)
    if result.key.public_mismatch:
        click.echo(f"Cảnh báo: '{result.key.public_path}' không khớp khóa bí mật; xóa tệp .pub đó rồi chạy "
                   "lại 'bdg-workbook init' để tạo lại.", err=True)
    warning = _signing.permission_warning(result.key.private_path)
    if warning:
        click.echo(warning, err=True)
    if _signing.KEY_ENV in os.environ:
        click.echo(f"Lưu ý: biến môi trường {_signing.KEY_ENV} đang đặt; các lệnh sẽ ký bằng khóa đó, "
                   "không phải khóa vừa tạo ở keys/.", err=True)


def _init_lines(result: _workspace.InitResult) -> list[str]:
    """The Vietnamese summary printed by ``init``: what was created/kept and what to do next."""
    root = result.root.resolve()
    lines = [f"Thư mục làm việc: {root}"]
    for entry in result.entries[1:]:
        rel = entry.path.resolve().relative_to(root).as_posix() + ("/" if entry.kind == "folder" else "")
        lines.append(f"  {('+ đã tạo' if entry.created else '= đã có, giữ nguyên'):<20} {rel}")
    key_rel = result.key.private_path.resolve().relative_to(root).as_posix()
    lines += [
        f"Khóa ký của phường: {key_rel} (mã khóa {result.key.key_id}). Giữ bí mật, sao lưu ra USB cất riêng;",
        "  không gửi tệp .key cho ai. Cấp trên chỉ cần khóa công khai (.pub).",
        "Các bước tiếp theo (gõ đúng lệnh sau dấu ':'; chạy được cả trên Windows):",
        (f"  1. Vào thư mục làm việc: cd {_quoted(root)}" if Path(".").resolve() != root
         else "  1. (đang ở đúng thư mục làm việc)"),
        "  2. Sửa templates/config.yaml (phường, năm, hạn nộp) và templates/departments.yaml (đơn vị, email).",
        "  3. Kiểm tra bảng tiêu chí: bdg-workbook criteria check",
        "  4. Tạo và ký biểu mẫu cho từng đơn vị vào output/: bdg-workbook generate",
        f"  5. Xuất khóa công khai để gửi cấp trên: bdg-workbook keys export --out khoa-phuong-{result.key.key_id}.pub",
        "  6. Lưu các tệp đơn vị gửi lại vào inbox/ rồi thu và tổng hợp: bdg-workbook collect inbox",
    ]
    return lines


def _quoted(path: Path) -> str:
    """``path`` as typed in a shell: in double quotes when it has a space (bash and Windows cmd alike)."""
    text = str(path)
    return f'"{text}"' if any(c.isspace() for c in text) else text


@main.group("keys")
def keys_group() -> None:
    """Khóa ký của phường: xem mã khóa, xuất khóa công khai cho cấp trên."""


def _load_key_or_exit(key_path: Path | None) -> _signing.SigningKey:
    """Resolve and load the ward's private key, printing the permission warning; exit 2 when unusable."""
    path, source = _signing.resolve_key_path(key_path)
    try:
        key = _signing.load_private_key(path)
    except _signing.KeyFileError as exc:
        click.echo(f"Lỗi: {exc} (đường dẫn lấy theo {source}).", err=True)
        sys.exit(EXIT_USAGE)
    if key.warning:
        click.echo(key.warning, err=True)
    return key


@keys_group.command("show")
@KeyOption
def keys_show_command(key_path: Path | None) -> None:
    """In mã khóa (key_id) và nơi để khóa ký."""
    key = _load_key_or_exit(key_path)
    click.echo(f"Mã khóa: {key.key_id}")
    click.echo(f"Khóa bí mật: {key.path}")
    public = _signing.public_key_path(key.path)
    click.echo(f"Khóa công khai: {public}" + ("" if public.is_file() else " (chưa có; dùng 'keys export')"))


@keys_group.command("export")
@KeyOption
@click.option("--out", "out_path", type=click.Path(path_type=Path, dir_okay=False),
              help="Ghi khóa công khai vào tệp này (mặc định: in ra màn hình).")
@click.option("--config", "config_path", type=click.Path(path_type=Path, dir_okay=False),
              help="Tệp cấu hình mùa thi đua (config.yaml) lấy tên phường, quận/huyện, tỉnh ghi vào tệp khóa.")
def keys_export_command(key_path: Path | None, out_path: Path | None, config_path: Path | None = None) -> None:
    """Xuất khóa công khai để gửi cấp trên kiểm tra chữ ký: tệp ghi tên phường, quận/huyện, tỉnh (do chính
    khóa ký) và khóa PEM; cấp trên chỉ nhận bảng tổng hợp của đúng phường ghi trong tệp khóa."""
    from bdg_workbook.cli.app import load_setup_or_exit
    cfg = load_setup_or_exit(None, None, config_path).config
    if config_path is None and not (Path.cwd() / "templates" / "config.yaml").is_file():
        click.echo(f"Lưu ý: không thấy templates/config.yaml ở thư mục đang chạy; tệp khóa ghi theo cấu hình mặc định "
                   f"({cfg.ward}, {cfg.district}). Chạy trong thư mục làm việc của phường hoặc chỉ --config.", err=True)
    key = _load_key_or_exit(key_path)
    try:
        pem = _signing.export_public_key(key, cfg.ward, cfg.district, cfg.province)
    except ValueError as exc:
        click.echo(f"Lỗi: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    if out_path is None:
        click.echo(pem.decode("utf-8"), nl=False)
        return
    if out_path.exists() and out_path.read_bytes() != pem:
        click.echo(f"Lỗi: '{out_path}' đã có và chứa nội dung khác; chọn tên tệp khác (không ghi đè).", err=True)
        sys.exit(EXIT_USAGE)
    try:
        write_exclusive(out_path, pem, 0o644)
    except OSError as exc:
        click.echo(f"Lỗi: không ghi được '{out_path}': {exc.strerror or exc}.", err=True)
        sys.exit(EXIT_USAGE)
    click.echo(f"Đã ghi khóa công khai (mã khóa {key.key_id}) của {cfg.ward}, {cfg.district} vào {out_path}. "
               "Gửi tệp này cho cấp trên qua kênh tin cậy.")


@main.group("criteria", invoke_without_command=True)
@click.pass_context
def criteria_group(ctx: click.Context) -> None:
    """Bảng tiêu chí: kiểm tra (check), xem (show), bảng tính của Ban (export, import), so sánh (diff).
    Không ghi subcommand thì chạy 'check'."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(criteria_check_command)


@criteria_group.command("check")
@setup_options
def criteria_check_command(criteria_path: Path | None = None, departments_path: Path | None = None,
                           config_path: Path | None = None) -> None:
    """Kiểm tra bảng tiêu chí, danh sách đơn vị và cấu hình; báo mọi lỗi kèm tệp:dòng (mã thoát 2 nếu có lỗi)."""
    setup = load_setup_or_exit(criteria_path, departments_path, config_path)
    for line in _criteria_view.summary_lines(setup):
        click.echo(line)
    warning = _criteria_view.official_warning(setup.table)
    if warning:
        click.echo(click.style(warning, fg="yellow", bold=True))


@criteria_group.command("show")
@setup_options
@click.option("--format", "output_format", type=click.Choice(["table", "json"]), default="table", show_default=True,
              help="table: bảng đọc trên màn hình; json: dữ liệu cho máy (số ghi dạng chuỗi, ví dụ \"2.5\").")
@click.option("--width", type=click.IntRange(60, 500), default=None,
              help="Độ rộng bảng tính bằng ký tự (mặc định: theo cửa sổ dòng lệnh).")
def criteria_show_command(criteria_path: Path | None, departments_path: Path | None, config_path: Path | None,
                          output_format: str, width: int | None) -> None:
    """In bảng tiêu chí: phần, mã, điểm, cách chấm, đơn vị tính, chỉ tiêu, Không áp dụng, thuyết minh, nội dung."""
    setup = load_setup_or_exit(criteria_path, departments_path, config_path)
    if output_format == "json":
        click.echo(_json.dumps(_criteria_view.table_to_dict(setup.table), ensure_ascii=False, indent=2))
        return
    columns = width or max(60, _shutil.get_terminal_size((120, 24)).columns)
    click.echo(_criteria_view.render_table(setup.table, columns))


@main.command("findings")
@click.option("--format", "output_format", type=click.Choice(["text", "markdown"]), default="text", show_default=True)
def findings_command(output_format: str) -> None:
    """Danh mục mã phát hiện mà lệnh collect có thể báo (mức, nội dung, cách sửa)."""
    from bdg_workbook.domain import findings_doc as catalogue_doc
    click.echo(catalogue_doc.render_markdown() if output_format == "markdown" else catalogue_doc.render_text(), nl=False)
    if output_format == "text":
        click.echo()

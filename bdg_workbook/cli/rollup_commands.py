"""``rollup``: the level above (district or province) merges the signed ward masters of a folder (issue 12).

The roll-up is an explicit command, never inferred from what a folder holds: ``collect`` reads department
workbooks only (a master found in its inbox is reported and skipped). Every master must verify with a key
of ``--keys`` that is bound to the ward the master names (``keys export``).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from bdg_workbook.cli.app import KeyOption, PathOption, load_setup_or_exit, main, setup_options
from bdg_workbook.cli.collect_commands import district_collect


@main.command("rollup")
@click.argument("folder", type=click.Path(path_type=Path, exists=True, file_okay=False))
@setup_options
@click.option("--keys", "keys_path", type=click.Path(path_type=Path, exists=True), required=True,
              help="Thư mục khóa công khai của các phường (mỗi phường một tệp .pub xuất bằng 'bdg-workbook keys "
                   "export', có ghi tên phường).")
@KeyOption
@click.option("--out", "out_path", type=PathOption, help="Tệp tổng hợp của cấp trên (mặc định trong output/).")
@click.option("--format", "output_format", type=click.Choice(["table", "json"]), default="table", show_default=True,
              help="table: bảng tóm tắt; json: toàn bộ kết quả dạng JSON.")
@click.option("--strict", is_flag=True, help="Coi cả cảnh báo là lỗi khi tính mã thoát.")
def rollup_command(folder: Path, criteria_path: Path | None, departments_path: Path | None, config_path: Path | None,
                   keys_path: Path, key_path: Path | None, out_path: Path | None, output_format: str,
                   strict: bool) -> None:
    """Tổng hợp bảng tổng hợp đã ký của các phường trong FOLDER (cấp huyện/tỉnh): kiểm tra chữ ký bằng khóa
    của đúng phường ghi trong tệp, từ chối tệp bị sửa hoặc ký bằng khóa của phường khác."""
    setup = load_setup_or_exit(criteria_path, departments_path, config_path)
    sys.exit(district_collect(folder, setup, keys_path, out_path, output_format, strict, key_path))

"""``criteria export``, ``criteria import`` and ``criteria diff``: the Ban's spreadsheet and season-to-season changes."""

from __future__ import annotations

import json as _json
import sys
from pathlib import Path

import click

from bdg_workbook.cli.app import EXIT_OK, EXIT_USAGE, PathOption, fail_with_problems
from bdg_workbook.cli.setup_commands import criteria_group
from bdg_workbook.config import criteria_diff as _diff
from bdg_workbook.config import criteria_sheet_import as _sheet
from bdg_workbook.config.load import load_criteria
from bdg_workbook.domain.errors import TemplateError, WorkbookError
from bdg_workbook.domain.model import CriteriaTable
from bdg_workbook.writing.safe_text import atomic_write_bytes, atomic_write_text


def _default_criteria() -> Path | None:
    local = Path.cwd() / "templates" / "criteria-2024.yaml"
    return local if local.is_file() else None


def load_table_or_exit(path: Path | None) -> tuple[CriteriaTable, dict | None]:
    """A table from YAML, or from the Ban's .xlsx (then also its YAML mapping); problems printed, exit 2."""
    try:
        if path is not None and path.suffix.lower() == ".xlsx":
            from bdg_workbook.untrusted.criteria_sheet import read_criteria_sheet
            return _sheet.table_from_rows(read_criteria_sheet(path), path)
        return load_criteria(path or _default_criteria()), None
    except WorkbookError as exc:
        click.echo(f"Lỗi: không đọc được bảng tính '{path}': {exc.message}. Mở bằng Excel/LibreOffice, lưu lại dạng "
                   ".xlsx rồi chạy lại.", err=True)
        sys.exit(EXIT_USAGE)
    except TemplateError as exc:
        fail_with_problems(exc)
        raise  # unreachable


@criteria_group.command("export")
@click.argument("target", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--criteria", "criteria_path", type=PathOption, help="Bảng tiêu chí (mặc định: templates/criteria-2024.yaml).")
@click.option("--blank", is_flag=True, help="Ghi bảng tính trống (chỉ tiêu đề, hướng dẫn, danh sách chọn) để Ban điền.")
def criteria_export_command(target: Path, criteria_path: Path | None, blank: bool) -> None:
    """Ghi bảng tiêu chí ra bảng tính Excel theo mẫu đơn giản (mỗi tiêu chí một dòng) để Ban sửa rồi nhập lại."""
    from bdg_workbook.workbook.criteria_export import criteria_workbook_bytes
    table = None if blank else load_table_or_exit(criteria_path)[0]
    try:
        atomic_write_bytes(target, criteria_workbook_bytes(table))
    except OSError as exc:
        click.echo(f"Lỗi: không ghi được '{target}': {exc.strerror or exc}. Đóng tệp nếu đang mở trong Excel.", err=True)
        sys.exit(EXIT_USAGE)
    what = "bảng trống" if table is None else (f"{len(table.criteria)} tiêu chí, mã {table.template_id}, mã băm "
                                               f"{table.content_hash[:12]}")
    click.echo(f"Đã ghi {target} ({what}). Sửa trong Excel/LibreOffice rồi nhập: bdg-workbook criteria import {target}")


@criteria_group.command("import")
@click.argument("source", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("-o", "--out", "out_path", type=PathOption,
              help="Tệp YAML ghi ra (mặc định: templates/criteria-<năm>.yaml trong thư mục làm việc, nếu không "
                   "thì criteria-<năm>.yaml).")
@click.option("--force", is_flag=True, help="Cho phép ghi đè tệp YAML đã có nội dung khác.")
def criteria_import_command(source: Path, out_path: Path | None, force: bool) -> None:
    """Đọc bảng tiêu chí từ bảng tính của Ban, kiểm tra như 'criteria check' (lỗi ghi trang, dòng, cột) và ghi YAML."""
    table, data = load_table_or_exit(source)
    assert data is not None
    text = _sheet.yaml_text(data, source.name)
    label = table.season or table.template_id
    target = out_path or ((Path("templates") if Path("templates").is_dir() else Path(".")) / f"criteria-{label}.yaml")
    if target.exists() and not force and target.read_text(encoding="utf-8", errors="replace") != text:
        click.echo(f"Lỗi: '{target}' đã có nội dung khác; không ghi đè. Chọn tệp khác bằng -o, hoặc thêm --force.",
                   err=True)
        sys.exit(EXIT_USAGE)
    try:
        atomic_write_text(target, text)
    except OSError as exc:
        click.echo(f"Lỗi: không ghi được '{target}': {exc.strerror or exc}.", err=True)
        sys.exit(EXIT_USAGE)
    click.echo(f"Bảng tiêu chí hợp lệ: mã {table.template_id}, phiên bản {table.version or '(không ghi)'}, năm "
               f"{table.season or '(không ghi)'}, {len(table.criteria)} tiêu chí, mã băm {table.content_hash[:12]}.")
    click.echo(f"Đã ghi {target}. Dùng: bdg-workbook generate --criteria {target}")


@criteria_group.command("diff")
@click.argument("old", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.argument("new", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("--format", "output_format", type=click.Choice(["table", "json"]), default="table", show_default=True)
def criteria_diff_command(old: Path, new: Path, output_format: str) -> None:
    """So sánh hai bảng tiêu chí (YAML hoặc bảng tính .xlsx): tiêu chí thêm, bỏ, sửa (nội dung, điểm, cách chấm, chỉ tiêu)."""
    result = _diff.diff_tables(load_table_or_exit(old)[0], load_table_or_exit(new)[0])
    if output_format == "json":
        click.echo(_json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
    else:
        for line in _diff.diff_lines(result):
            click.echo(line)
    sys.exit(EXIT_OK)

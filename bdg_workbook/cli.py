"""Command line: thin click commands that parse options, call the library, print, and set the exit code."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Callable

import click

from . import __version__
from .errors import BdgError, TemplateError
from .model import Setup, load_setup

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2

PathOption = click.Path(path_type=Path, dir_okay=False, exists=False)


def setup_options(func: Callable) -> Callable:
    """--criteria/--departments/--config options (defaults: the files shipped in templates/)."""
    func = click.option("--config", "config_path", type=PathOption, help="Tệp cấu hình mùa thi đua (config.yaml).")(func)
    func = click.option("--departments", "departments_path", type=PathOption, help="Danh sách đơn vị (departments.yaml).")(func)
    func = click.option("--criteria", "criteria_path", type=PathOption, help="Bảng tiêu chí (criteria-2024.yaml).")(func)
    return func


def load_setup_or_exit(criteria_path: Path | None, departments_path: Path | None, config_path: Path | None) -> Setup:
    """Load the three setup files or print every problem and exit 2."""
    try:
        return load_setup(criteria_path, departments_path, config_path)
    except TemplateError as exc:
        fail_with_problems(exc)
        raise  # unreachable


def fail_with_problems(exc: TemplateError) -> None:
    """Print one line per template problem to stderr and exit 2."""
    click.echo(f"Lỗi: mẫu cấu hình có {len(exc.problems)} vấn đề, chưa làm gì:", err=True)
    for problem in exc.problems:
        click.echo(f"  - {problem}", err=True)
    sys.exit(EXIT_USAGE)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="bdg-workbook")
def main() -> None:
    """bdg-workbook: tạo, thu và tổng hợp bảng tự chấm điểm thi đua
    "Vì sự tiến bộ của phụ nữ và Bình đẳng giới" bằng Excel."""


# --- commands are registered below, one block per command family ---

"""``history``: what the season archive holds (runs, review rounds, sends) and two seasons side by side."""

from __future__ import annotations

import json as _json
import sqlite3
import sys
from pathlib import Path

import click

from bdg_workbook.archive import compare as _compare
from bdg_workbook.archive.schema import ARCHIVE_FILE, ArchiveError
from bdg_workbook.archive.store import Archive, resolve_archive_path
from bdg_workbook.cli.app import EXIT_OK, EXIT_USAGE, main
from bdg_workbook.domain.numbers import plain_number


@main.command("history")
@click.option("--archive", "archive_path", type=click.Path(path_type=Path, dir_okay=False),
              help=f"Tệp kho lưu trữ (mặc định: {ARCHIVE_FILE} trong thư mục làm việc, hoặc $BDG_ARCHIVE).")
@click.option("--season", type=int, default=None, help="Chỉ liệt kê các lần chạy của một năm.")
@click.option("--compare", nargs=2, type=int, default=None, metavar="NĂM1 NĂM2",
              help="So sánh tổng điểm, xếp loại từng đơn vị giữa hai năm.")
@click.option("--format", "output_format", type=click.Choice(["table", "json"]), default="table", show_default=True)
def history_command(archive_path: Path | None, season: int | None, compare: tuple[int, int] | None,
                    output_format: str) -> None:
    """Lịch sử các mùa thi đua: các lần thu bài, vòng thẩm định, lần gửi thư; so sánh hai năm theo từng đơn vị."""
    path = resolve_archive_path(archive_path)
    if path is None or not path.is_file():
        click.echo(f"Lỗi: chưa có kho lưu trữ ({path or ARCHIVE_FILE}). Kho được tạo khi chạy 'bdg-workbook collect' "
                   "trong thư mục làm việc (thư mục có inbox/), hoặc chỉ tệp bằng --archive.", err=True)
        sys.exit(EXIT_USAGE)
    try:
        with Archive(path) as archive:
            if compare is not None:
                rows = _compare.compare_seasons(archive, *compare)
                _print_compare(rows, compare, output_format)
            else:
                _print_runs(archive, season, output_format)
    except (ArchiveError, sqlite3.Error) as exc:
        click.echo(f"Lỗi: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    sys.exit(EXIT_OK)


def _print_runs(archive: Archive, season: int | None, output_format: str) -> None:
    runs = archive.runs(season)
    if output_format == "json":
        click.echo(_json.dumps([dict(vars(r), changes=[list(c) for c in archive.changes(r.id)]) for r in runs],
                               ensure_ascii=False, indent=2))
        return
    click.echo(f"Kho lưu trữ: {archive.path}")
    for line in _compare.run_lines(runs):
        click.echo(line)
    rounds = [r for r in runs if r.kind == "review"]
    for r in rounds:
        changes = archive.changes(r.id)
        click.echo(f"Vòng thẩm định {r.review_round} (lần chạy {r.id}, năm {r.season}): {len(changes)} điểm điều chỉnh.")
        for dept, crit, before, after, reason in changes:
            click.echo(f"    {dept} {crit}: {before} → {after} ({reason})")


def _print_compare(rows: list[_compare.UnitComparison], years: tuple[int, int], output_format: str) -> None:
    if output_format == "json":
        def side(s: object) -> object:
            return None if s is None else {"total": plain_number(s.total), "rating": s.rating,  # type: ignore[attr-defined]
                                           "status": s.status}  # type: ignore[attr-defined]
        click.echo(_json.dumps([{"department": r.department, "name": r.name, str(years[0]): side(r.before),
                                 str(years[1]): side(r.after), "change": plain_number(r.change)} for r in rows],
                               ensure_ascii=False, indent=2))
        return
    for line in _compare.compare_lines(rows, *years):
        click.echo(line)

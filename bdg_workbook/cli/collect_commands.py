"""Commands that read returned files: ``collect`` (ward and district), ``review``."""

from __future__ import annotations

import json as _cjson
import sys
import time as _time
from pathlib import Path

import click

from bdg_workbook.collect import collector as _collector
from bdg_workbook.writing import terminal_text as _console
from bdg_workbook.rollup import wards as _district
from bdg_workbook.review import review_round as _review
from bdg_workbook.domain.errors import WorkbookError as _WorkbookError
from bdg_workbook.collect.inbox import InboxError as _InboxError
from bdg_workbook.domain.model import Setup
from bdg_workbook.domain.numbers import format_points
from bdg_workbook.domain.result import PreviousSeason
from bdg_workbook.archive import hooks as _archive
from bdg_workbook.cli import loop_commands as _loop

from bdg_workbook.cli.app import (EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, KeyOption, PathOption, default_master_path,
                  key_search_note, load_setup_or_exit, main, master_signer_or_exit, setup_options,
                  trusted_keys_or_exit, write_collect_outputs)


@main.command("collect")
@click.argument("inbox", type=click.Path(path_type=Path, exists=True, file_okay=False))
@setup_options
@click.option("--out", "out_path", type=PathOption, help="Tệp tổng hợp (mặc định output/<năm>/TONGHOP_<năm>_<PHƯỜNG>.xlsx).")
@click.option("--format", "output_format", type=click.Choice(["table", "json"]), default="table", show_default=True,
              help="table: bảng tóm tắt; json: toàn bộ kết quả dạng JSON (giống tệp .json ghi kèm).")
@click.option("--strict", is_flag=True, help="Coi cả cảnh báo là lỗi khi tính mã thoát.")
@click.option("--jobs", type=click.IntRange(1, 64), default=None, help="Số tiến trình đọc song song (mặc định: số lõi CPU).")
@click.option("--keys", "keys_path", type=click.Path(path_type=Path, exists=True),
              help="Khóa công khai tin cậy (tệp .pub hoặc thư mục chứa các tệp .pub); mặc định: khóa ký của phường. "
                   "Cấp trên: thư mục khóa công khai của các phường (bắt buộc).")
@click.option("--previous", "previous_path", type=click.Path(path_type=Path, exists=True, dir_okay=False),
              help="Bảng tổng hợp năm trước (TONGHOP_…xlsx) để so sánh; mặc định lấy từ kho lưu trữ nếu có.")
@_loop.RecordsOption
@KeyOption
def collect_command(inbox: Path, criteria_path: Path | None, departments_path: Path | None, config_path: Path | None,
                    out_path: Path | None, output_format: str, strict: bool, jobs: int | None,
                    keys_path: Path | None, previous_path: Path | None = None, records: Path | None = None,
                    key_path: Path | None = None) -> None:
    """Đọc các tệp đơn vị gửi về trong INBOX, kiểm tra, chấm lại điểm và ghi tệp tổng hợp của phường.

    Nếu INBOX chứa bảng tổng hợp của các phường (cấp trên: huyện hoặc tỉnh theo reports_to), tổng hợp các phường (cần --keys)."""
    setup = load_setup_or_exit(criteria_path, departments_path, config_path)
    # issue 12: the roll-up of ward masters is its own command ('rollup'); a master found here is skipped (F23)
    keyring = trusted_keys_or_exit(keys_path, key_path)
    if keyring is None:
        click.echo("Lưu ý: " + key_search_note(key_path) + " Tệp có chữ ký chưa được xác minh; tệp tổng hợp không được ký.", err=True)
    master = out_path or default_master_path(setup)
    started = _time.perf_counter()
    bar_holder: list = []

    def progress(done: int, total: int) -> None:
        if not bar_holder:
            bar_holder.append(click.progressbar(length=max(total, 1), label="Đang đọc tệp", file=sys.stderr))
            bar_holder[0].__enter__()
        bar_holder[0].update(done - bar_holder[0].pos)

    archive = _archive.open_or_none(warn=_warn)   # issue 15: reuse files already read, record the run
    cache = _archive.cache_for(archive, setup, keyring)
    try:
        result = _collector.collect(inbox, setup, jobs=jobs, progress=progress, keyring=keyring, cache=cache,
                                    record_receipts=True)
    except _InboxError as exc:
        click.echo(f"Lỗi: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    finally:
        if bar_holder:
            bar_holder[0].__exit__(None, None, None)
    result = _loop.after_collect(result, inbox, setup, out_path, records,   # issue 16: loop + counting rule
                                 lambda line: click.echo(line, err=output_format == "json"))
    result.previous = previous_or_exit(previous_path, archive, setup.config.year)   # issue 15
    master, kept_note = master_target_or_exit(master, setup)
    try:
        written = write_collect_outputs(result, master, key_path)
    except OSError as exc:
        click.echo(f"Lỗi: không ghi được tệp tổng hợp '{master}': {exc.strerror or exc}. "
                   "Kiểm tra thư mục và đóng tệp nếu đang mở trong Excel.", err=True)
        sys.exit(EXIT_USAGE)
    run_id = _archive.after_collect(archive, cache, result, master, warn=_warn)
    elapsed = _time.perf_counter() - started
    if output_format == "json":
        click.echo(_cjson.dumps(result.as_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(_console.summary_text(result))
        for line in _console.finding_lines(result.findings):
            click.echo("  " + line)
        if kept_note:
            click.echo(kept_note)
        click.echo(f"Tệp tổng hợp: {master}")
        click.echo(f"Kèm theo: {', '.join(str(p.name) for p in written[1:])}")
        if any(f.code == "F23" for f in result.findings):
            click.echo("Thư mục có bảng tổng hợp (đã bỏ qua). Để tổng hợp các phường, dùng: "
                       "bdg-workbook rollup THƯ_MỤC --keys THƯ_MỤC_KHÓA")
        click.echo(f"Thời gian: {format_points(elapsed)} giây cho {len(result.files)} tệp.")
        if run_id is not None and cache is not None:
            click.echo(f"Kho lưu trữ: {archive.path} (lần thu số {run_id}; dùng lại {cache.hits} tệp đã đọc, "
                       f"đọc mới {cache.misses} tệp).")
    failing = result.error_count > 0 or (strict and result.warning_count > 0)
    sys.exit(EXIT_FINDINGS if failing else EXIT_OK)


@main.command("review")
@click.argument("master", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@setup_options
@click.option("--out", "out_path", type=PathOption,
              help="Tệp bản thẩm định (mặc định: <tên tệp>_thamdinh_v<N>.xlsx cạnh tệp đưa vào).")
@click.option("--keys", "keys_path", type=click.Path(path_type=Path, exists=True),
              help="Khóa công khai dùng kiểm tra chữ ký của tệp tổng hợp (mặc định: khóa ký của phường).")
@KeyOption
@click.option("--format", "output_format", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--strict", is_flag=True, help="Coi cả cảnh báo là lỗi khi tính mã thoát.")
def review_command(master: Path, criteria_path: Path | None, departments_path: Path | None,
                   config_path: Path | None, out_path: Path | None, keys_path: Path | None, key_path: Path | None,
                   output_format: str, strict: bool) -> None:
    """Đọc điểm thẩm định (trang 'Thẩm định') của tệp tổng hợp, kiểm tra, tính lại và ghi bản thẩm định kế tiếp."""
    from bdg_workbook.review import report as _review_report
    setup = load_setup_or_exit(criteria_path, departments_path, config_path)
    keyring = trusted_keys_or_exit(keys_path, key_path)
    try:
        outcome = _review.review_master(setup, master, keyring)
    except _review.ReviewError as exc:
        click.echo(f"Lỗi: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    except (_WorkbookError, OSError) as exc:
        click.echo(f"Lỗi: không đọc được tệp tổng hợp '{master}': {getattr(exc, 'message', exc)}.", err=True)
        sys.exit(EXIT_USAGE)
    target = out_path or _review.next_version_path(master, outcome.round)
    archive = None if outcome.blocked else _archive.open_or_none(warn=_warn)
    if not outcome.blocked:
        if target.resolve() == master.resolve() or (out_path is None and target.exists()):
            click.echo(f"Lỗi: '{target}' đã có (hoặc là tệp đang thẩm định); không ghi đè. Chỉ tên khác bằng --out, "
                       "hoặc đổi tên/xóa bản cũ.", err=True)
            sys.exit(EXIT_USAGE)
        signer = master_signer_or_exit(key_path)
        if signer is None and outcome.master.meta.get("signature", "").strip():
            click.echo(f"Lỗi: tệp '{master}' có chữ ký của phường nhưng {key_search_note(key_path)} "
                       "Không ghi bản thẩm định chưa ký từ một tệp đã ký.", err=True)
            sys.exit(EXIT_USAGE)
        try:
            _review_report.write_reviewed_master(outcome, target, signer)
        except OSError as exc:
            click.echo(f"Lỗi: không ghi được '{target}': {exc.strerror or exc}. Đóng tệp nếu đang mở trong Excel.",
                       err=True)
            sys.exit(EXIT_USAGE)
        _archive.after_review(archive, outcome, master, target, warn=_warn)
    if output_format == "json":
        click.echo(_cjson.dumps(outcome.as_dict(), ensure_ascii=False, indent=2))
    else:
        for line in _review_report.summary_lines(outcome, None if outcome.blocked else target):
            click.echo(line)
    failing = outcome.error_count > 0 or (strict and outcome.warning_count > 0)
    sys.exit(EXIT_FINDINGS if failing else EXIT_OK)


def master_target_or_exit(master: Path, setup: Setup) -> tuple[Path, str]:
    """Where ``collect`` writes: never over a master holding review entries or with a later review round
    (issue 12); the path and a Vietnamese note saying which file was kept and where the new one goes."""
    from bdg_workbook.master.keep_reviews import choose_target
    try:
        target = choose_target(master, setup)
    except OSError as exc:
        click.echo(f"Lỗi: không chọn được tên tệp tổng hợp mới cạnh '{master}': {exc}.", err=True)
        sys.exit(EXIT_USAGE)
    if target.kept is None:
        return target.path, ""
    note = (f"Lưu ý: không ghi đè '{target.kept}' ({target.why}); bản tổng hợp mới ghi vào '{target.path}'. "
            "Điểm thẩm định đã nhập vẫn ở tệp cũ.")
    click.echo(note, err=True)
    return target.path, note


def _warn(text: str) -> None:
    click.echo(text, err=True)


def previous_or_exit(path: Path | None, archive: "_archive.Archive | None", year: int) -> "PreviousSeason | None":
    """Last season for the master: from --previous (a master file), else from the archive; exit 2 on a bad file."""
    if path is None:
        return _archive.previous_season(archive, year)
    from bdg_workbook.master.previous_season import previous_from_master
    try:
        previous = previous_from_master(path)
    except (_WorkbookError, OSError) as exc:
        click.echo(f"Lỗi: không dùng được bảng tổng hợp năm trước '{path}': {getattr(exc, 'message', exc)}. "
                   "Chỉ tệp TONGHOP_… do bdg-workbook ghi (hoặc bản thẩm định của nó).", err=True)
        sys.exit(EXIT_USAGE)
    if previous.season >= year:
        click.echo(f"Lỗi: '{path}' là bảng tổng hợp năm {previous.season}, không phải của một năm trước {year}. "
                   "Chỉ tệp tổng hợp của mùa trước bằng --previous.", err=True)
        sys.exit(EXIT_USAGE)
    return previous


def district_mode_or_exit(inbox: Path) -> bool:
    """True when INBOX holds ward masters (district roll-up); exit 2 when it mixes them with department files."""
    try:
        return _district.detect_mode(inbox) == _district.MODE_DISTRICT
    except _district.MixedFolderError as exc:
        click.echo(f"Lỗi: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    except _InboxError as exc:
        click.echo(f"Lỗi: {exc}", err=True)
        sys.exit(EXIT_USAGE)


def district_collect(inbox: Path, setup: Setup, keys_path: Path | None, out_path: Path | None,
                     output_format: str, strict: bool, key_path: Path | None = None) -> int:
    """The district roll-up of ward masters: verify, merge, write the district master and JSON; the exit code."""
    from bdg_workbook.rollup import report as _district_report
    if keys_path is None:
        click.echo("Lỗi: thư mục này chứa bảng tổng hợp của các phường; cần chỉ thư mục khóa công khai của các "
                   "phường bằng --keys THƯ_MỤC (mỗi phường một tệp .pub, xuất bằng 'bdg-workbook keys export').",
                   err=True)
        return EXIT_USAGE
    keyring = trusted_keys_or_exit(keys_path)
    started = _time.perf_counter()
    try:
        result = _district.collect_district(inbox, setup, keyring)
    except _InboxError as exc:
        click.echo(f"Lỗi: {exc}", err=True)
        return EXIT_USAGE
    target = out_path or _district_report.default_district_path(result, _console.ascii_slug(
        _district_report.place_of(result.district)))
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        written = _district_report.write_district_outputs(result, target, master_signer_or_exit(key_path))
    except OSError as exc:
        click.echo(f"Lỗi: không ghi được tệp tổng hợp '{target}': {exc.strerror or exc}.", err=True)
        return EXIT_USAGE
    if output_format == "json":
        click.echo(_cjson.dumps(result.as_dict(), ensure_ascii=False, indent=2))
    else:
        for line in _district_report.summary_lines(result, written, _time.perf_counter() - started):
            click.echo(line)
    failing = result.error_count > 0 or (strict and result.warning_count > 0)
    return EXIT_FINDINGS if failing else EXIT_OK

"""``bdg-workbook report docx``: the ward's Word documents (Báo cáo kết quả, biên bản thẩm định, danh sách đề nghị
khen thưởng) in NĐ 30/2020 layout, from the ward master (or its latest reviewed version)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import click

from bdg_workbook.cli.app import (
    EXIT_OK,
    EXIT_USAGE,
    default_master_path,
    load_setup_or_exit,
    main,
    setup_options,
    trusted_keys_or_exit,
)
from bdg_workbook.domain.errors import BdgError as BdgErrorBase
from bdg_workbook.domain.errors import TemplateError, WorkbookError
from bdg_workbook.domain.model import Setup

_VERSION = re.compile(r"_thamdinh_v(\d+)$")


def latest_master(setup: Setup) -> Path:
    """The default master, or its reviewed version with the highest number beside it."""
    base = default_master_path(setup)
    versions = [(int(m.group(1)), p) for p in base.parent.glob(f"{base.stem}_thamdinh_v*.xlsx")
                if (m := _VERSION.search(p.stem))]
    return max(versions)[1] if versions else base


def document_names(setup: Setup) -> dict[str, str]:
    """File names of the three documents: ``BAOCAO_2024_NHONHUNG.docx`` …"""
    from bdg_workbook.writing.terminal_text import ascii_slug
    tail = f"{setup.config.year}_{ascii_slug(setup.config.place_name)}.docx"
    return {"report": f"BAOCAO_{tail}", "minutes": f"BIENBAN_THAMDINH_{tail}", "awards": f"DS_KHENTHUONG_{tail}"}


def write_documents(setup: Setup, outcome, settings, target: Path) -> list[Path]:
    """The Báo cáo, biên bản thẩm định and danh sách khen thưởng of a (reviewed) master into ``target``."""
    from bdg_workbook.documents.awards import build_awards_list
    from bdg_workbook.documents.review_minutes import build_review_minutes
    from bdg_workbook.documents.ward_report import build_ward_report
    names = document_names(setup)
    result = outcome.view()
    return [build_ward_report(result).save(target / names["report"]),
            build_review_minutes(outcome, settings).save(target / names["minutes"]),
            build_awards_list(result, settings).save(target / names["awards"])]


def demo_documents(setup: Setup, master: Path, public_key: Path) -> list[str]:
    """The demo's step: the three Word documents beside its master; lines to print (never fails the demo)."""
    from bdg_workbook.documents.settings import document_settings
    from bdg_workbook.review.review_round import review_master
    from bdg_workbook.trust.signing import KeyRing
    try:
        outcome = review_master(setup, master, KeyRing.load(public_key))
        if outcome.blocked:
            return ["Văn bản Word: bảng tổng hợp không qua kiểm tra toàn vẹn, không lập."]
        paths = write_documents(setup, outcome, document_settings(setup.config, setup.table), master.parent)
    except (BdgErrorBase, OSError) as exc:
        return [f"Văn bản Word: không lập được ({exc})."]
    return [f"Văn bản Word (NĐ 30, lệnh 'bdg-workbook report docx'): {', '.join(p.name for p in paths)}"]


@main.group("report")
def report_group() -> None:
    """Văn bản Word (.docx) theo thể thức Nghị định 30/2020 từ bảng tổng hợp của phường."""


@report_group.command("docx")
@click.option("--master", "master_path", type=click.Path(path_type=Path, exists=True, dir_okay=False), default=None,
              help="Bảng tổng hợp (mặc định: output/<năm>/TONGHOP_…xlsx, hoặc bản thẩm định mới nhất cạnh nó).")
@click.option("-o", "--out", "out_dir", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Thư mục ghi văn bản (mặc định: thư mục của bảng tổng hợp).")
@click.option("--keys", "keys_path", type=click.Path(path_type=Path, exists=True),
              help="Khóa công khai kiểm tra chữ ký bảng tổng hợp (mặc định: khóa ký của phường).")
@setup_options
def report_docx_command(master_path: Path | None, out_dir: Path | None, keys_path: Path | None,
                        criteria_path: Path | None, departments_path: Path | None, config_path: Path | None) -> None:
    """Ghi Báo cáo kết quả, Biên bản thẩm định và Danh sách đề nghị khen thưởng (.docx) từ bảng tổng hợp."""
    from bdg_workbook.documents.awards import proposed_units
    from bdg_workbook.documents.settings import document_settings
    from bdg_workbook.review.review_round import ReviewError, review_master

    setup = load_setup_or_exit(criteria_path, departments_path, config_path)
    try:
        settings = document_settings(setup.config, setup.table)
    except TemplateError as exc:
        click.echo(f"Lỗi: {'; '.join(str(p) for p in exc.problems)}", err=True)
        sys.exit(EXIT_USAGE)
    master = master_path or latest_master(setup)
    if not master.is_file():
        click.echo(f"Lỗi: chưa có bảng tổng hợp {master}: chạy 'bdg-workbook collect inbox' trước, hoặc chỉ tệp bằng "
                   "--master.", err=True)
        sys.exit(EXIT_USAGE)
    try:
        outcome = review_master(setup, master, trusted_keys_or_exit(keys_path))
    except (ReviewError, WorkbookError, OSError) as exc:
        click.echo(f"Lỗi: không đọc được bảng tổng hợp '{master}': {getattr(exc, 'message', exc)}.", err=True)
        sys.exit(EXIT_USAGE)
    if outcome.blocked:
        click.echo(f"Lỗi: bảng tổng hợp '{master}' không qua kiểm tra toàn vẹn; không lập văn bản từ tệp này:", err=True)
        for finding in outcome.findings:
            click.echo("  " + finding.text(), err=True)
        sys.exit(EXIT_USAGE)
    target = out_dir or master.parent
    result = outcome.view()
    try:
        written = write_documents(setup, outcome, settings, target)
    except OSError as exc:
        click.echo(f"Lỗi: không ghi được văn bản vào {target}: {exc.strerror or exc}. Đóng tệp nếu đang mở trong "
                   "Word.", err=True)
        sys.exit(EXIT_USAGE)
    source = "điểm thẩm định" if outcome.round > 1 else "điểm sau kiểm tra"
    click.echo(f"Từ bảng tổng hợp {master} ({source}; {len(result.departments)} đơn vị đã nộp):")
    for path in written:
        click.echo(f"  {path}")
    click.echo(f"Đề nghị khen thưởng: {len(proposed_units(result, settings.awards))} đơn vị. Mở bằng Word/LibreOffice, "
               "ghi số văn bản, ngày, hoàn thiện phần tồn tại và đề xuất, trình ký.")
    sys.exit(EXIT_OK)

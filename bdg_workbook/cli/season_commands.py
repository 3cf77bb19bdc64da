"""Commands of the season: ``generate``, ``mail``, ``demo``, ``status``."""

from __future__ import annotations

import json as _json

import sys
from pathlib import Path

import click

from bdg_workbook.domain.numbers import format_points
from bdg_workbook.collect import collector as _collector
from bdg_workbook.writing import terminal_text as _console
from bdg_workbook.mail import drafts as _mail
from bdg_workbook.mail import smtp_send as _mailsend
from bdg_workbook.trust import signing as _signing
from bdg_workbook.domain.errors import BdgError, TemplateError
from bdg_workbook.collect.inbox import InboxError as _InboxError
from bdg_workbook.config.workspace import find_templates as _find_templates

from bdg_workbook.cli.app import (EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, KeyOption, PathOption, fail_with_problems,
                  load_setup_or_exit, main, setup_options, signing_key_or_exit, trusted_keys_or_exit,
                  write_collect_outputs)


@main.command("generate")
@setup_options
@click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Thư mục ghi biểu mẫu (mặc định: output/<năm>/).")
@click.option("--only", "only", multiple=True, metavar="MÃ",
              help="Chỉ tạo biểu mẫu cho các đơn vị này (lặp lại --only, hoặc ghi mttq,HLHPN; chữ hoa hay thường đều được).")
@KeyOption
def generate_command(criteria_path: Path | None, departments_path: Path | None, config_path: Path | None,
                     out_dir: Path | None, only: tuple[str, ...], key_path: Path | None) -> None:
    """Tạo biểu mẫu tự chấm điểm (.xlsx) cho từng đơn vị, ký số nếu phường có khóa ký."""
    import time

    from bdg_workbook.workbook import generate as _generate

    setup = load_setup_or_exit(criteria_path, departments_path, config_path)
    key = signing_key_or_exit(key_path)
    target = out_dir if out_dir is not None else Path("output") / str(setup.config.year)
    started = time.perf_counter()
    try:
        paths = _generate.generate_workbooks(setup, target, only or None, key.sign if key else None)
    except BdgError as exc:
        click.echo(f"Lỗi: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    except OSError as exc:
        click.echo(f"Lỗi: không ghi được biểu mẫu vào {target}: {exc.strerror or exc}.", err=True)
        sys.exit(EXIT_FINDINGS)
    for path in paths:
        click.echo(f"Đã tạo: {path}")
    elapsed = format_points(time.perf_counter() - started)
    signed = f"đã ký số bằng khóa {key.key_id}" if key else "CHƯA ký số (chưa có khóa; chạy 'bdg-workbook init')"
    click.echo(f"Xong: {len(paths)} biểu mẫu trong {elapsed} giây; {signed}.")


@main.command("mail")
@click.option("--only", "only", multiple=True, metavar="MÃ",
              help="Chỉ làm cho các đơn vị này (lặp lại --only, hoặc ghi MTTQ,HLHPN).")
@click.option("--send", "send", is_flag=True,
              help="Gửi thật qua máy chủ SMTP trong config.yaml (mật khẩu lấy từ biến môi trường).")
@click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False), default=Path("output/mail"),
              show_default=True, help="Thư mục ghi thư nháp (.eml) và nhật ký gửi (send-log.jsonl).")
@click.option("--workbooks", "workbooks_dir", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Thư mục các biểu mẫu đã tạo (mặc định: output/<năm>).")
@click.option("--email-template", "template_path", type=PathOption, default=None,
              help="Mẫu thư (mặc định: email.yaml cạnh config.yaml, templates/email.yaml, hoặc mẫu có sẵn).")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="text: từng dòng cho người đọc; json: kết quả từng đơn vị cho máy.")
@setup_options
def mail_command(only: tuple[str, ...], send: bool, out_dir: Path, workbooks_dir: Path | None,
                 template_path: Path | None, output_format: str, criteria_path: Path | None,
                 departments_path: Path | None, config_path: Path | None) -> None:
    """Mỗi đơn vị một thư kèm biểu mẫu của mình: tạo thư nháp .eml (mặc định) hoặc gửi qua SMTP (--send)."""
    setup = load_setup_or_exit(criteria_path, departments_path, config_path)
    try:
        template_file = _mail.find_email_template(template_path, config_path, _find_templates(Path.cwd()))
        template = _mail.load_email_template(template_file)
    except TemplateError as exc:
        fail_with_problems(exc)
    workbooks = workbooks_dir or _mail.default_workbooks_dir(setup)
    try:
        if send:
            report = _mailsend.send_messages(setup, out_dir, workbooks, template, only)
        else:
            report = _mail.write_drafts(setup, out_dir, workbooks, template, only)
    except _mail.MailError as exc:
        click.echo(f"Lỗi: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    except OSError as exc:
        click.echo(f"Lỗi: không ghi được vào {out_dir}: {exc.strerror or exc}.", err=True)
        sys.exit(EXIT_USAGE)
    from bdg_workbook.archive import hooks as _archive   # issue 15: every send recorded in the season archive
    _archive.after_mail(_archive.open_or_none(warn=_warn), setup, report, workbooks, send, warn=_warn)
    if output_format == "json":
        click.echo(_json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        for line in _mail_lines(report, send, out_dir):
            click.echo(line)
    sys.exit(EXIT_OK if report.ok else EXIT_FINDINGS)


def _warn(text: str) -> None:
    click.echo(text, err=True)


def _mail_lines(report: _mail.MailReport, send: bool, out_dir: Path) -> list[str]:
    """The Vietnamese summary printed by ``mail``: one line per department, notes, totals, next step."""
    lines = [f"Lưu ý: {note}" for note in report.notes]
    width = max((len(_mail.STATUS_VI[o.status]) for o in report.outcomes), default=0) + 2
    for o in report.outcomes:
        lines.append(f"  {'[' + _mail.STATUS_VI[o.status] + ']':<{width}} {o.code:<7} {o.message}")
    counts = [f"{report.count(s)} {_mail.STATUS_VI[s].lower()}" for s in _mail.STATUS_VI if report.count(s)]
    lines.append(f"Tổng {len(report.outcomes)} đơn vị: {', '.join(counts) or 'không có đơn vị nào'}.")
    if not send and report.count(_mail.DRAFTED):
        lines.append(f"Mở các tệp .eml trong {out_dir} bằng Thunderbird hoặc Outlook, kiểm tra rồi bấm Gửi; "
                     "hoặc chạy lại với --send để gửi qua máy chủ thư.")
    return lines


@main.command("demo")
@setup_options
@click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False), default=Path("output") / "demo",
              show_default=True, help="Thư mục ghi toàn bộ kết quả chạy thử.")
@click.option("--seed", type=int, default=2024, show_default=True, help="Hạt giống ngẫu nhiên cho số liệu mẫu.")
@click.option("--jobs", type=click.IntRange(1, 64), default=None, help="Số tiến trình đọc song song.")
def demo_command(criteria_path: Path | None, departments_path: Path | None, config_path: Path | None,
                 out_dir: Path, seed: int, jobs: int | None) -> None:
    """Chạy thử cả mùa thi đua trên bộ mẫu mặc định: tạo biểu mẫu, điền số liệu mẫu, thu và tổng hợp."""
    from bdg_workbook.demo import season as _demo
    setup = load_setup_or_exit(criteria_path, departments_path, config_path)
    click.echo(f"1. Tạo {len(setup.departments)} biểu mẫu vào {out_dir / str(setup.config.year)} …")
    run = _demo.run_demo(setup, out_dir, seed=seed, jobs=jobs)
    click.echo(f"   xong trong {format_points(run.timings['generate'])} giây; ký số bằng khóa chạy thử {run.key_id} "
               f"({out_dir / 'keys'}).")
    returned = len(list(run.inbox.glob("*.xlsx")))
    click.echo(f"2. Điền số liệu mẫu như các đơn vị và lưu {returned} tệp gửi về vào {run.inbox} "
               f"(đơn vị {_demo.NOT_RETURNING} không gửi). Cố ý sai quy định ở:")
    for code, what in _demo.SCENARIOS.items():
        click.echo(f"   - {code}: {what}")
    click.echo(f"3. Thu và chấm lại {returned} tệp trong {format_points(run.timings['collect'])} giây:")
    master = out_dir / f"TONGHOP_{setup.config.year}_{_console.ascii_slug(setup.config.place_name)}.xlsx"
    written = write_collect_outputs(run.result, master, out_dir / "keys" / _signing.KEY_FILE)
    click.echo(_console.summary_text(run.result))
    for line in _console.finding_lines(run.result.findings, limit=25):
        click.echo("  " + line)
    click.echo(f"4. Tệp tổng hợp của phường: {master}")
    click.echo(f"   Kèm theo: {', '.join(p.name for p in written[1:])}")
    for line in _demo.archive_demo(out_dir, run.result, master):   # issue 15: the season archive
        click.echo("   " + line)
    from bdg_workbook.cli.report_commands import demo_documents    # issue 15.6: the Word documents
    for line in demo_documents(setup, master, _signing.public_key_path(out_dir / "keys" / _signing.KEY_FILE)):
        click.echo("   " + line)
    click.echo(f"Mở tệp tổng hợp bằng Excel/LibreOffice để xem, in, ký và gửi {setup.config.above.office_short}.")


@main.command("status")
@click.argument("inbox", type=click.Path(path_type=Path, exists=True, file_okay=False))
@setup_options
@click.option("--format", "output_format", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--keys", "keys_path", type=click.Path(path_type=Path, exists=True),
              help="Khóa công khai tin cậy (mặc định: khóa ký của phường).")
@click.option("--records", "records", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Thư mục nhật ký vòng bổ sung (mặc định: output/<năm>).")
def status_command(inbox: Path, criteria_path: Path | None, departments_path: Path | None, config_path: Path | None,
                   output_format: str, keys_path: Path | None, records: Path | None = None) -> None:
    """Ai đã nộp tệp hợp lệ, ai nộp tệp có lỗi, ai chưa nộp, còn bao nhiêu ngày đến hạn (không ghi tệp nào)."""
    from bdg_workbook.collect import status as _status
    setup = load_setup_or_exit(criteria_path, departments_path, config_path)
    try:
        result = _collector.collect(inbox, setup, keyring=trusted_keys_or_exit(keys_path))
    except _InboxError as exc:
        click.echo(f"Lỗi: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    from bdg_workbook.corrections.overview import loop_infos   # issue 16: the correction loop, read-only
    loop = loop_infos(setup, result, records)
    state = _status.season_status(result, today=None, loop=loop)
    if output_format == "json":
        click.echo(_json.dumps(state.as_dict(), ensure_ascii=False, indent=2))
        return
    rows = [[d.code, d.name[:36], _status.STATUS_VI[d.status], d.file, str(d.errors) if d.file else "",
             d.submitted.strftime("%d/%m/%Y") if d.submitted else "", loop[d.code].state_vi,
             str(loop[d.code].rounds), "" if loop[d.code].days_left is None else str(loop[d.code].days_left)]
            for d in state.departments]
    click.echo(_console.table(["Mã", "Đơn vị", "Tình trạng", "Tệp", "Lỗi", "Ngày tự chấm", "Vòng bổ sung", "Số lần",
                               "Còn ngày"], rows, right={4, 7, 8}))
    counts = state.as_dict()["counts"]
    click.echo(f"Hợp lệ: {counts['valid']}; có lỗi: {counts['errors']}; chưa nộp: {counts['missing']}.")
    for name in state.rejected_files:
        click.echo(f"Tệp bị từ chối: {name} (chạy 'bdg-workbook collect' để xem lý do).")
    if state.days_left is None:
        click.echo("Chưa đặt hạn nộp của đơn vị (deadlines.department_to_ward trong config.yaml).")
    elif state.days_left >= 0:
        click.echo(f"Còn {state.days_left} ngày đến hạn nộp {state.deadline:%d/%m/%Y}.")
    else:
        click.echo(f"Đã quá hạn nộp {state.deadline:%d/%m/%Y} được {-state.days_left} ngày.")

"""The correction loop on the command line (issue 16): ``request-fix``, ``approve``, ``reject``, ``ask-fix``,
``comment``, ``loop-log``; and the hooks ``collect`` and ``status`` call (record the loop, counting rule)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import click

from bdg_workbook.cli.app import (
    EXIT_FINDINGS,
    EXIT_OK,
    EXIT_USAGE,
    load_setup_or_exit,
    main,
    setup_options,
    trusted_keys_or_exit,
)
from bdg_workbook.collect import collector as _collector
from bdg_workbook.collect.inbox import InboxError
from bdg_workbook.corrections import decisions, request, sync
from bdg_workbook.corrections.after_collect import apply_loop, sync_lines
from bdg_workbook.corrections.journal import Journal, season_folder
from bdg_workbook.corrections.states import (
    A_APPROVE,
    A_ASK_FIX,
    A_COMMENT,
    A_REJECT,
    ACTION_VI,
    STATE_VI,
)
from bdg_workbook.documents.settings import document_settings, loop_settings
from bdg_workbook.domain.errors import BdgError, TemplateError
from bdg_workbook.domain.model import Setup
from bdg_workbook.domain.result import CollectResult

RecordsOption = click.option(
    "--records", "records", type=click.Path(path_type=Path, file_okay=False), default=None,
    help="Thư mục nhật ký vòng bổ sung (corrections.jsonl) của mùa thi đua (mặc định: output/<năm>).")


def _fail(message: str) -> None:
    click.echo(f"Lỗi: {message}", err=True)
    sys.exit(EXIT_USAGE)


def _settings_or_exit(setup: Setup):
    try:
        return loop_settings(setup.config), document_settings(setup.config, setup.table)
    except TemplateError as exc:
        _fail("; ".join(str(p) for p in exc.problems))
        raise  # unreachable


def _journal(setup: Setup, records: Path | None) -> Journal:
    journal = Journal(season_folder(setup, records), setup.config.year)
    for note in journal.notes:
        click.echo(f"Cảnh báo: {note}", err=True)
    return journal


# ---------------------------------------------------------------- hooks for collect and status


def after_collect(result: CollectResult, inbox: Path, setup: Setup, out_path: Path | None, records: Path | None,
                  echo: Callable[[str], None]) -> CollectResult:
    """Record the loop (when the records folder is the season's: no --out, or --records given) and apply the
    Ban's counting rule; the result the master is written from."""
    _settings_or_exit(setup)
    journal = Journal(season_folder(setup, records), setup.config.year)
    try:
        outcome = apply_loop(result, inbox, journal, record=out_path is None or records is not None)
    except OSError as exc:
        _fail(f"không ghi được nhật ký vòng bổ sung {journal.path}: {exc.strerror or exc}.")
        raise  # unreachable
    for line in outcome.lines:
        echo(line)
    return outcome.result


# ---------------------------------------------------------------- request-fix


@main.command("request-fix")
@click.argument("unit", required=False)
@click.option("--all", "all_units", is_flag=True, help="Lập phiếu cho mọi đơn vị đang ở trạng thái 'cần bổ sung'.")
@click.option("--inbox", "inbox", type=click.Path(path_type=Path, exists=True, file_okay=False), default=Path("inbox"),
              show_default=True, help="Thư mục nhận tệp đơn vị gửi về (đọc lại để biết bài mới nhất).")
@click.option("--send", is_flag=True, help="Gửi thư qua máy chủ SMTP trong config.yaml (mặc định: chỉ tạo thư nháp .eml).")
@click.option("--keys", "keys_path", type=click.Path(path_type=Path, exists=True),
              help="Khóa công khai tin cậy (mặc định: khóa ký của phường).")
@RecordsOption
@setup_options
def request_fix_command(unit: str | None, all_units: bool, inbox: Path, send: bool, keys_path: Path | None,
                        records: Path | None, criteria_path: Path | None, departments_path: Path | None,
                        config_path: Path | None) -> None:
    """Lập phiếu đề nghị bổ sung (.docx), bảng tính đánh dấu ô cần sửa và thư (.eml hoặc gửi SMTP) cho UNIT.

    Chỉ đơn vị có bài còn lỗi (trạng thái 'cần bổ sung') mới có phiếu; bài sạch thì không."""
    setup = load_setup_or_exit(criteria_path, departments_path, config_path)
    loop_cfg, doc_cfg = _settings_or_exit(setup)
    if bool(unit) == all_units:
        _fail("ghi đúng một mã đơn vị (ví dụ 'bdg-workbook request-fix MTTQ') hoặc --all.")
    try:
        codes = [decisions.check_unit(setup, unit)] if unit else None
        result = _collector.collect(inbox, setup, keyring=trusted_keys_or_exit(keys_path))
    except (BdgError, InboxError) as exc:
        _fail(str(exc))
    journal = _journal(setup, records)
    for line in sync_lines(sync.record(journal, result, inbox)):
        click.echo(line)
    loops = journal.loops([d.code for d in setup.departments])
    codes = codes or [c for c, loop in loops.items() if loop.state == "needs_fix"]
    if not codes:
        click.echo("Không có đơn vị nào cần bổ sung.")
    failed = False
    for code in codes:
        dept = next(d for d in setup.departments if d.code == code)
        try:
            outcome = request.write_request(setup, journal, dept, loops[code], loop_cfg, doc_cfg)
        except BdgError as exc:
            click.echo(f"Lỗi: {exc}", err=True)
            failed = True
            continue
        click.echo(outcome.message)
        for note in outcome.notes:
            click.echo(f"  Lưu ý: {note}")
        if not outcome.needed:
            continue
        for label, path in (("Phiếu", outcome.letter), ("Bảng tính đánh dấu", outcome.marked),
                            ("Thư nháp", outcome.draft)):
            if path is not None:
                click.echo(f"  {label}: {path}")
        if send:
            failed |= not _send(setup, journal, dept, outcome)
    sys.exit(EXIT_FINDINGS if failed else EXIT_OK)


def _send(setup: Setup, journal: Journal, dept, outcome: request.RequestOutcome) -> bool:
    from email import policy
    from email.parser import BytesParser

    from bdg_workbook.mail import letters
    from bdg_workbook.mail.drafts import MailError
    msg = BytesParser(policy=policy.SMTP).parsebytes(outcome.draft.read_bytes())
    del msg["X-Unsent"]
    try:
        sent = letters.send_letter(setup, journal.folder / "corrections", msg, dept, outcome.log_key, outcome.letter)
    except MailError as exc:
        click.echo(f"Lỗi: {exc}", err=True)
        return False
    click.echo(f"  Gửi thư: {sent.message}")
    return sent.ok


# ---------------------------------------------------------------- officer decisions


def _decide(action: str, unit: str, reason: str, records: Path | None, criteria_path: Path | None,
            departments_path: Path | None, config_path: Path | None) -> None:
    setup = load_setup_or_exit(criteria_path, departments_path, config_path)
    loop_cfg, _ = _settings_or_exit(setup)
    journal = _journal(setup, records)
    try:
        _event, notes = decisions.decide(setup, journal, unit, action, reason, loop_cfg.officer_name)
    except decisions.DecisionError as exc:
        _fail(str(exc))
    except OSError as exc:
        _fail(f"không ghi được nhật ký {journal.path}: {exc.strerror or exc}.")
    for note in notes:
        click.echo(note)
    click.echo(f"Đã ghi vào {journal.path}.")


def _decision_command(name: str, action: str, help_text: str, reason_required: bool) -> None:
    @main.command(name, help=help_text)
    @click.argument("unit")
    @click.option("--reason", "-r", "reason", required=reason_required, default="",
                  help="Lý do / ý kiến (bắt buộc khi từ chối, yêu cầu bổ sung, ghi chú).")
    @RecordsOption
    @setup_options
    def command(unit: str, reason: str, records: Path | None, criteria_path: Path | None,
                departments_path: Path | None, config_path: Path | None) -> None:
        _decide(action, unit, reason, records, criteria_path, departments_path, config_path)


_decision_command("approve", A_APPROVE, "Duyệt bài của UNIT (ghi kèm ý kiến bằng --reason nếu cần).", False)
_decision_command("reject", A_REJECT, "Từ chối bài của UNIT; bắt buộc ghi lý do (--reason).", True)
_decision_command("ask-fix", A_ASK_FIX, "Yêu cầu UNIT bổ sung thêm (ý kiến của Thường trực Ban, --reason); "
                                       "rồi chạy 'request-fix UNIT' để lập phiếu.", True)
_decision_command("comment", A_COMMENT, "Ghi chú về bài của UNIT, không đổi trạng thái (--reason).", True)


@main.command("loop-log")
@click.argument("unit", required=False)
@RecordsOption
@setup_options
def loop_log_command(unit: str | None, records: Path | None, criteria_path: Path | None,
                     departments_path: Path | None, config_path: Path | None) -> None:
    """Nhật ký vòng bổ sung: mọi thay đổi trạng thái (thời gian, người, lý do) của UNIT hoặc của mọi đơn vị."""
    setup = load_setup_or_exit(criteria_path, departments_path, config_path)
    journal = _journal(setup, records)
    try:
        code = decisions.check_unit(setup, unit) if unit else None
    except decisions.DecisionError as exc:
        _fail(str(exc))
    events = [e for e in journal.events if code is None or e.unit == code]
    if not events:
        click.echo(f"Chưa có gì trong nhật ký {journal.path}.")
    for e in events:
        click.echo(f"{e.time}  {e.unit:<7} {ACTION_VI[e.action]:<26} → {STATE_VI[e.state]:<12} {e.by}: {e.reason}")

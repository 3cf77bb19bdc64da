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


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="bdg-workbook")
def main() -> None:
    """bdg-workbook: tạo, thu và tổng hợp bảng tự chấm điểm thi đua
    "Vì sự tiến bộ của phụ nữ và Bình đẳng giới" bằng Excel."""


# --- commands are registered below, one block per command family ---


# == init ==
import os  # noqa: E402

from . import signing as _signing  # noqa: E402  (self-contained command block)
from . import workspace as _workspace  # noqa: E402

KeyOption = click.option(
    "--key", "key_path", type=click.Path(path_type=Path, dir_okay=False),
    help=f"Tệp khóa ký của phường (mặc định: ${_signing.KEY_ENV}, nếu không thì keys/{_signing.KEY_FILE}).")


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
        "  không gửi tệp .key cho ai. Cấp huyện chỉ cần khóa công khai (.pub).",
        "Các bước tiếp theo:",
        f"  1. cd {root}" if Path(".").resolve() != root else "  1. (đang ở đúng thư mục làm việc)",
        "  2. Sửa templates/config.yaml (phường, năm, hạn nộp) và templates/departments.yaml (đơn vị, email).",
        "  3. bdg-workbook criteria      # kiểm tra bảng tiêu chí",
        "  4. bdg-workbook generate      # tạo và ký biểu mẫu cho từng đơn vị vào output/",
        f"  5. bdg-workbook keys export --out khoa-phuong-{result.key.key_id}.pub   # gửi tệp .pub cho cấp huyện",
        "  6. Lưu các tệp đơn vị gửi lại vào inbox/ rồi chạy: bdg-workbook collect",
    ]
    return lines
# == /init ==


# == keys ==
@main.group("keys")
def keys_group() -> None:
    """Khóa ký của phường: xem mã khóa, xuất khóa công khai cho cấp huyện."""


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
def keys_export_command(key_path: Path | None, out_path: Path | None) -> None:
    """Xuất khóa công khai (PEM) để gửi cấp huyện kiểm tra chữ ký."""
    key = _load_key_or_exit(key_path)
    pem = key.public_pem()
    if out_path is None:
        click.echo(pem.decode("ascii"), nl=False)
        return
    if out_path.exists() and out_path.read_bytes() != pem:
        click.echo(f"Lỗi: '{out_path}' đã có và chứa nội dung khác; chọn tên tệp khác (không ghi đè).", err=True)
        sys.exit(EXIT_USAGE)
    try:
        _signing.write_exclusive(out_path, pem, 0o644)
    except OSError as exc:
        click.echo(f"Lỗi: không ghi được '{out_path}': {exc.strerror or exc}.", err=True)
        sys.exit(EXIT_USAGE)
    click.echo(f"Đã ghi khóa công khai (mã khóa {key.key_id}) vào {out_path}. Gửi tệp này cho cấp huyện.")
# == /keys ==


# == criteria ==
import json as _json  # noqa: E402
import shutil as _shutil  # noqa: E402

from . import criteria_view as _criteria_view  # noqa: E402  (self-contained command block)


@main.group("criteria", invoke_without_command=True)
@click.pass_context
def criteria_group(ctx: click.Context) -> None:
    """Bảng tiêu chí: kiểm tra (check) và xem (show). Không ghi subcommand thì chạy 'check'."""
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
# == /criteria ==


# == collect ==
import json as _cjson  # noqa: E402
import time as _time  # noqa: E402

from . import collector as _collector  # noqa: E402  (self-contained command block)
from . import console as _console  # noqa: E402
from .inbox import InboxError as _InboxError  # noqa: E402


def default_master_path(setup: Setup) -> Path:
    """``output/<year>/TONGHOP_<year>_<WARD>.xlsx``."""
    cfg = setup.config
    return Path("output") / str(cfg.year) / f"TONGHOP_{cfg.year}_{_console.ascii_slug(cfg.place_name)}.xlsx"


def write_collect_outputs(result, master: Path, key_path: Path | None = None) -> list[Path]:
    """Master workbook (signed with the ward's key when there is one), JSON, CSV exports and the run manifest."""
    from . import report as _report
    master.parent.mkdir(parents=True, exist_ok=True)
    own = _signing.find_signing_key(key_path)
    signer = None
    if own is not None:
        key = _signing.load_private_key(own)
        signer = lambda meta: key.sign(meta, _signing.SIGNED_MASTER_KEYS)  # noqa: E731
    return _report.write_outputs(result, master, json_path=master.with_suffix(".json"),
                                 csv_folder=master.parent / (master.stem + "_csv"), signer=signer)


def trusted_keys_or_exit(keys_path: Path | None) -> "_signing.KeyRing | None":
    """The keys signatures are checked with: --keys, else the ward's own key if there is one."""
    try:
        if keys_path is not None:
            return _signing.KeyRing.load(keys_path)
        own = _signing.find_signing_key()
        return _signing.KeyRing.load(own) if own is not None else None
    except (_signing.KeyFileError, OSError) as exc:
        click.echo(f"Lỗi: không đọc được khóa kiểm tra chữ ký: {exc}", err=True)
        sys.exit(EXIT_USAGE)


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
                   "Cấp huyện: thư mục khóa công khai của các phường (bắt buộc).")
def collect_command(inbox: Path, criteria_path: Path | None, departments_path: Path | None, config_path: Path | None,
                    out_path: Path | None, output_format: str, strict: bool, jobs: int | None,
                    keys_path: Path | None) -> None:
    """Đọc các tệp đơn vị gửi về trong INBOX, kiểm tra, chấm lại điểm và ghi tệp tổng hợp của phường.

    Nếu INBOX chứa bảng tổng hợp của các phường (cấp huyện), tổng hợp các phường (cần --keys)."""
    setup = load_setup_or_exit(criteria_path, departments_path, config_path)
    if district_mode_or_exit(inbox):   # a folder of ward masters: the district roll-up (block 'district')
        sys.exit(district_collect(inbox, setup, keys_path, out_path, output_format, strict))
    keyring = trusted_keys_or_exit(keys_path)
    master = out_path or default_master_path(setup)
    started = _time.perf_counter()
    bar_holder: list = []

    def progress(done: int, total: int) -> None:
        if not bar_holder:
            bar_holder.append(click.progressbar(length=max(total, 1), label="Đang đọc tệp", file=sys.stderr))
            bar_holder[0].__enter__()
        bar_holder[0].update(done - bar_holder[0].pos)

    try:
        result = _collector.collect(inbox, setup, jobs=jobs, progress=progress, keyring=keyring)
    except _InboxError as exc:
        click.echo(f"Lỗi: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    finally:
        if bar_holder:
            bar_holder[0].__exit__(None, None, None)
    try:
        written = write_collect_outputs(result, master)
    except OSError as exc:
        click.echo(f"Lỗi: không ghi được tệp tổng hợp '{master}': {exc.strerror or exc}. "
                   "Kiểm tra thư mục và đóng tệp nếu đang mở trong Excel.", err=True)
        sys.exit(EXIT_USAGE)
    elapsed = _time.perf_counter() - started
    if output_format == "json":
        click.echo(_cjson.dumps(result.as_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(_console.summary_text(result))
        for line in _console.finding_lines(result.findings):
            click.echo("  " + line)
        click.echo(f"Tệp tổng hợp: {master}")
        click.echo(f"Kèm theo: {', '.join(str(p.name) for p in written[1:])}")
        click.echo(f"Thời gian: {elapsed:.2f} giây cho {len(result.files)} tệp.")
    failing = result.error_count > 0 or (strict and result.warning_count > 0)
    sys.exit(EXIT_FINDINGS if failing else EXIT_OK)
# == /collect ==


# == mail ==
import json as _json  # noqa: E402  (self-contained command block)

from . import mail as _mail  # noqa: E402
from . import mailsend as _mailsend  # noqa: E402
from .workspace import find_templates as _find_templates  # noqa: E402


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
    if output_format == "json":
        click.echo(_json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        for line in _mail_lines(report, send, out_dir):
            click.echo(line)
    sys.exit(EXIT_OK if report.ok else EXIT_FINDINGS)


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
# == /mail ==


# == findings ==
@main.command("findings")
@click.option("--format", "output_format", type=click.Choice(["text", "markdown"]), default="text", show_default=True)
def findings_command(output_format: str) -> None:
    """Danh mục mã phát hiện mà lệnh collect có thể báo (mức, nội dung, cách sửa)."""
    from . import catalogue_doc
    click.echo(catalogue_doc.render_markdown() if output_format == "markdown" else catalogue_doc.render_text(), nl=False)
    if output_format == "text":
        click.echo()
# == /findings ==


# == generate ==
@main.command("generate")
@setup_options
@click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Thư mục ghi biểu mẫu (mặc định: output/<năm>/).")
@click.option("--only", "only", multiple=True, metavar="MÃ",
              help="Chỉ tạo biểu mẫu cho đơn vị có mã này; lặp lại để chọn nhiều đơn vị.")
@KeyOption
def generate_command(criteria_path: Path | None, departments_path: Path | None, config_path: Path | None,
                     out_dir: Path | None, only: tuple[str, ...], key_path: Path | None) -> None:
    """Tạo biểu mẫu tự chấm điểm (.xlsx) cho từng đơn vị, ký số nếu phường có khóa ký."""
    import time

    from . import generate as _generate

    setup = load_setup_or_exit(criteria_path, departments_path, config_path)
    key = _generate_key_or_exit(key_path)
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
    elapsed = f"{time.perf_counter() - started:.2f}".replace(".", ",")
    signed = f"đã ký số bằng khóa {key.key_id}" if key else "CHƯA ký số (chưa có khóa; chạy 'bdg-workbook init')"
    click.echo(f"Xong: {len(paths)} biểu mẫu trong {elapsed} giây; {signed}.")


def _generate_key_or_exit(key_path: Path | None) -> _signing.SigningKey | None:
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
# == /generate ==


# == demo ==
@main.command("demo")
@setup_options
@click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False), default=Path("output") / "demo",
              show_default=True, help="Thư mục ghi toàn bộ kết quả chạy thử.")
@click.option("--seed", type=int, default=2024, show_default=True, help="Hạt giống ngẫu nhiên cho số liệu mẫu.")
@click.option("--jobs", type=click.IntRange(1, 64), default=None, help="Số tiến trình đọc song song.")
def demo_command(criteria_path: Path | None, departments_path: Path | None, config_path: Path | None,
                 out_dir: Path, seed: int, jobs: int | None) -> None:
    """Chạy thử cả mùa thi đua trên bộ mẫu mặc định: tạo biểu mẫu, điền số liệu mẫu, thu và tổng hợp."""
    from . import demo as _demo
    setup = load_setup_or_exit(criteria_path, departments_path, config_path)
    click.echo(f"1. Tạo {len(setup.departments)} biểu mẫu vào {out_dir / str(setup.config.year)} …")
    run = _demo.run_demo(setup, out_dir, seed=seed, jobs=jobs)
    click.echo(f"   xong trong {run.timings['generate']:.2f} giây; ký số bằng khóa chạy thử {run.key_id} "
               f"({out_dir / 'keys'}).")
    returned = len(list(run.inbox.glob("*.xlsx")))
    click.echo(f"2. Điền số liệu mẫu như các đơn vị và lưu {returned} tệp gửi về vào {run.inbox} "
               f"(đơn vị {_demo.NOT_RETURNING} không gửi). Cố ý sai quy định ở:")
    for code, what in _demo.SCENARIOS.items():
        click.echo(f"   - {code}: {what}")
    click.echo(f"3. Thu và chấm lại {returned} tệp trong {run.timings['collect']:.2f} giây:")
    master = out_dir / f"TONGHOP_{setup.config.year}_{_console.ascii_slug(setup.config.place_name)}.xlsx"
    written = write_collect_outputs(run.result, master, out_dir / "keys" / _signing.KEY_FILE)
    click.echo(_console.summary_text(run.result))
    for line in _console.finding_lines(run.result.findings, limit=25):
        click.echo("  " + line)
    click.echo(f"4. Tệp tổng hợp của phường: {master}")
    click.echo(f"   Kèm theo: {', '.join(p.name for p in written[1:])}")
    click.echo("Mở tệp tổng hợp bằng Excel/LibreOffice để xem, in, ký và gửi Phòng LĐ-TB&XH.")
# == /demo ==


# == status ==
@main.command("status")
@click.argument("inbox", type=click.Path(path_type=Path, exists=True, file_okay=False))
@setup_options
@click.option("--format", "output_format", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--keys", "keys_path", type=click.Path(path_type=Path, exists=True),
              help="Khóa công khai tin cậy (mặc định: khóa ký của phường).")
def status_command(inbox: Path, criteria_path: Path | None, departments_path: Path | None, config_path: Path | None,
                   output_format: str, keys_path: Path | None) -> None:
    """Ai đã nộp tệp hợp lệ, ai nộp tệp có lỗi, ai chưa nộp, còn bao nhiêu ngày đến hạn (không ghi tệp nào)."""
    from . import status as _status
    setup = load_setup_or_exit(criteria_path, departments_path, config_path)
    try:
        result = _collector.collect(inbox, setup, keyring=trusted_keys_or_exit(keys_path))
    except _InboxError as exc:
        click.echo(f"Lỗi: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    state = _status.season_status(result)
    if output_format == "json":
        click.echo(_cjson.dumps(state.as_dict(), ensure_ascii=False, indent=2))
        return
    rows = [[d.code, d.name[:40], _status.STATUS_VI[d.status], d.file, str(d.errors) if d.file else "",
             d.submitted.strftime("%d/%m/%Y") if d.submitted else ""] for d in state.departments]
    click.echo(_console.table(["Mã", "Đơn vị", "Tình trạng", "Tệp", "Lỗi", "Ngày tự chấm"], rows, right={4}))
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
# == /status ==


# == review ==
from . import review as _review  # noqa: E402  (self-contained command block)
from .errors import WorkbookError as _WorkbookError  # noqa: E402


def _master_signer_or_exit(key_path: Path | None) -> "Callable | None":
    """Sign new masters with the ward's key when there is one (SIGNED_MASTER_KEYS); exit 2 when unusable."""
    try:
        own = _signing.find_signing_key(key_path)
        key = _signing.load_private_key(own) if own is not None else None
    except _signing.KeyFileError as exc:
        click.echo(f"Lỗi: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    if key is None:
        return None
    return lambda meta: key.sign(meta, _signing.SIGNED_MASTER_KEYS)


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
    from . import review_report as _review_report
    setup = load_setup_or_exit(criteria_path, departments_path, config_path)
    keyring = trusted_keys_or_exit(keys_path)
    try:
        outcome = _review.review_master(setup, master, keyring)
    except _review.ReviewError as exc:
        click.echo(f"Lỗi: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    except (_WorkbookError, OSError) as exc:
        click.echo(f"Lỗi: không đọc được tệp tổng hợp '{master}': {getattr(exc, 'message', exc)}.", err=True)
        sys.exit(EXIT_USAGE)
    target = out_path or _review.next_version_path(master, outcome.round)
    if not outcome.blocked:
        if target.resolve() == master.resolve() or (out_path is None and target.exists()):
            click.echo(f"Lỗi: '{target}' đã có (hoặc là tệp đang thẩm định); không ghi đè. Chỉ tên khác bằng --out, "
                       "hoặc đổi tên/xóa bản cũ.", err=True)
            sys.exit(EXIT_USAGE)
        try:
            _review_report.write_reviewed_master(outcome, target, _master_signer_or_exit(key_path))
        except OSError as exc:
            click.echo(f"Lỗi: không ghi được '{target}': {exc.strerror or exc}. Đóng tệp nếu đang mở trong Excel.",
                       err=True)
            sys.exit(EXIT_USAGE)
    if output_format == "json":
        click.echo(_cjson.dumps(outcome.as_dict(), ensure_ascii=False, indent=2))
    else:
        for line in _review_report.summary_lines(outcome, None if outcome.blocked else target):
            click.echo(line)
    failing = outcome.error_count > 0 or (strict and outcome.warning_count > 0)
    sys.exit(EXIT_FINDINGS if failing else EXIT_OK)
# == /review ==


# == district ==
from . import district as _district  # noqa: E402  (self-contained command block; used by 'collect')


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
                     output_format: str, strict: bool) -> int:
    """The district roll-up of ward masters: verify, merge, write the district master and JSON; the exit code."""
    from . import district_report as _district_report
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
        written = _district_report.write_district_outputs(result, target, _master_signer_or_exit(None))
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
# == /district ==

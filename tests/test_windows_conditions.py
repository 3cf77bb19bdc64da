"""Issue 11 item 2: Windows and macOS conditions — no POSIX-only import, per-file isolation under ``spawn``,
a console on a legacy code page, paths with spaces and diacritics, CRLF YAML, names differing only by case.

CI runs this file (with the collect/demo/review end-to-end tests) a second time under
``.ci/windows-conditions.sh``: ``spawn`` forced, POSIX-only modules unimportable, ``PYTHONIOENCODING=cp1258``.
"""

from __future__ import annotations

import io
import os
import random
import subprocess
import sys
import time
import unicodedata
from pathlib import Path

import pytest

from bdg_workbook.cli.console_encoding import configure_stream, readable_errors
from bdg_workbook.cli.main import main
from bdg_workbook.collect import workers
from bdg_workbook.collect.collector import FileTask, InputFile, collect_files
from bdg_workbook.config.load import load_setup
from bdg_workbook.config.templates import TEMPLATE_FILES, TEMPLATES_DIR
from bdg_workbook.demo.fill import fill_workbook, random_valid_answers
from bdg_workbook.trust.signing import KeyRing, ensure_key_pair, load_private_key
from bdg_workbook.workbook.generate import build_workbook

REPO = Path(__file__).resolve().parents[1]
SIM = REPO / ".ci" / "windows-sim"
VIETNAMESE = "Đã tạo biểu mẫu: Nhơn Hưng – Điểm được tính 152,75; Ủy ban; Hội Liên hiệp Phụ nữ; Trưởng"


def _python(code: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    full = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SIM), str(REPO)]), "PYTHONIOENCODING": "utf-8",
            **(env or {})}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, env=full, cwd=cwd, timeout=300,
                          check=False)


# ---------------------------------------------------------------- no POSIX-only module


def test_the_program_starts_without_posix_only_modules(tmp_path):
    """With resource/fcntl/pwd/grp/termios unimportable (as on Windows), --help and a collect still run."""
    code = ("import sys\n"
            "from bdg_workbook.collect import workers\n"
            "assert not workers.memory_limit_supported()\n"
            "from bdg_workbook.cli.main import main\n"
            "main(['--help'])\n")
    done = _python(code, cwd=tmp_path)
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")
    assert "Cách dùng:" in done.stdout.decode("utf-8")


def test_no_module_imports_a_posix_only_module_at_top_level():
    """Every module of the package imports under the Windows simulation."""
    code = ("import pkgutil, importlib, bdg_workbook\n"
            "for m in pkgutil.walk_packages(bdg_workbook.__path__, 'bdg_workbook.'):\n"
            "    if not m.name.endswith('__main__'):\n"
            "        importlib.import_module(m.name)\n"
            "print('ok')\n")
    done = _python(code)
    assert done.returncode == 0 and done.stdout.strip() == b"ok", done.stderr.decode("utf-8", "replace")


# ---------------------------------------------------------------- isolation under spawn


def square(n: int) -> int:
    """A task for the workers (top-level, so ``spawn`` can import it)."""
    if n == 3:
        time.sleep(60)
    if n == 4:
        raise ValueError("bốn")
    return n * n


def test_start_method_is_fork_on_linux_and_honours_the_environment(monkeypatch):
    monkeypatch.setenv(workers.START_METHOD_ENV, "spawn")
    assert workers.start_context().get_start_method() == "spawn"
    monkeypatch.setenv(workers.START_METHOD_ENV, "no-such-method")
    expected = "fork" if sys.platform.startswith("linux") else "spawn"
    assert workers.start_context().get_start_method() == expected


def test_spawn_workers_keep_order_time_limit_and_exceptions(monkeypatch):
    monkeypatch.setenv(workers.START_METHOD_ENV, "spawn")
    started = time.perf_counter()
    results = workers.run_isolated(square, [1, 2, 3, 4, 5], jobs=2, timeout=3)
    assert time.perf_counter() - started < 45     # the hanging task costs its 3 s, not its 60
    assert results[0] == 1 and results[1] == 4 and results[4] == 25
    assert isinstance(results[2], workers.Failure) and results[2].kind == "timeout"
    assert isinstance(results[3], workers.Failure) and "bốn" in results[3].detail


def test_the_collect_task_survives_pickling_with_its_keys(setup, tmp_path):
    """Under spawn the task (setup and trusted public keys) is pickled into each worker."""
    import pickle
    key = load_private_key(ensure_key_pair(tmp_path / "keys" / "ward-signing.key").private_path)
    task = pickle.loads(pickle.dumps(FileTask(setup, KeyRing.of(key.private_key.public_key()))))
    assert task.keyring is not None and task.keyring.key_ids == (key.key_id,)
    assert task.setup == setup


def test_collect_under_spawn_reads_and_verifies_every_good_file(setup, tmp_path, monkeypatch):
    """The issue's failure: under spawn every good file came back F11 and every unit 'Chưa nộp'."""
    monkeypatch.setenv(workers.START_METHOD_ENV, "spawn")
    key = load_private_key(ensure_key_pair(tmp_path / "keys" / "ward-signing.key").private_path)
    inbox = tmp_path / "thư mục nhận có dấu cách"
    inbox.mkdir()
    depts = setup.departments[:3]
    items = []
    for i, dept in enumerate(depts):
        blank = tmp_path / f"blank_{dept.code}.xlsx"
        blank.write_bytes(build_workbook(setup, dept, key.sign))
        path = inbox / f"TDCD_2024_{dept.code}.xlsx"
        fill_workbook(blank, path, random_valid_answers(setup, dept, random.Random(i)))
        items.append(InputFile(path, path.name))
    result = collect_files(setup, items, str(inbox), jobs=2, keyring=KeyRing.of(key.private_key.public_key()))
    codes = {f.code for f in result.findings}
    assert "F11" not in codes and "E17" not in codes and "E18" not in codes and "W15" not in codes, codes
    assert sorted(f.department for f in result.files) == sorted(d.code for d in depts)
    assert sorted(r.department.code for r in result.departments) == sorted(d.code for d in depts)


# ---------------------------------------------------------------- console on a legacy code page


@pytest.mark.parametrize("encoding", ["cp1258", "cp1252", "ascii"])
def test_a_legacy_console_never_raises_and_stays_readable(encoding):
    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding=encoding)
    configure_stream(stream, platform="linux", environ={})
    stream.write(VIETNAMESE)
    stream.flush()
    shown = raw.getvalue().decode(encoding)
    if encoding == "cp1258":   # Vietnamese code page: every letter kept (tone marks as combining characters)
        assert unicodedata.normalize("NFC", shown) == VIETNAMESE
    else:                      # no Vietnamese letters: the text without accents, never '?' for a letter
        assert "tao bieu mau: Nhon Hung" in shown and "Uy ban" in shown and "?" not in shown


def test_windows_redirected_output_becomes_utf8_unless_the_user_chose_an_encoding():
    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding="cp1258")
    configure_stream(stream, platform="win32", environ={})
    stream.write(VIETNAMESE)
    stream.flush()
    assert raw.getvalue().decode("utf-8") == VIETNAMESE
    chosen = io.TextIOWrapper(io.BytesIO(), encoding="cp1252")
    configure_stream(chosen, platform="win32", environ={"PYTHONIOENCODING": "cp1252"})
    assert chosen.encoding == "cp1252" and chosen.errors == readable_errors("cp1252")


@pytest.mark.parametrize("command", [["criteria", "check"], ["findings"], ["status", "inbox"]])
def test_commands_print_on_a_cp1258_console(tmp_path, command):
    """``status`` and friends crashed with UnicodeEncodeError on a Vietnamese Windows code page."""
    (tmp_path / "inbox").mkdir()
    code = "import sys\nfrom bdg_workbook.cli.main import main\nmain(sys.argv[1:])\n"
    done = subprocess.run([sys.executable, "-c", code, *command], capture_output=True, cwd=tmp_path, timeout=300,
                          env={**os.environ, "PYTHONIOENCODING": "cp1258", "PYTHONPATH": str(REPO)}, check=False)
    assert done.returncode in (0, 1), done.stderr.decode("cp1258", "replace")
    assert b"UnicodeEncodeError" not in done.stderr
    text = unicodedata.normalize("NFC", done.stdout.decode("cp1258"))
    assert any(word in text for word in ("đơn vị", "Đơn vị", "Mức", "tiêu chí")), text[:300]


# ---------------------------------------------------------------- paths, CRLF, case


def test_crlf_yaml_reads_like_lf(tmp_path):
    for name in TEMPLATE_FILES:
        data = (TEMPLATES_DIR / name).read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
        (tmp_path / name).write_bytes(data)
    crlf = load_setup(tmp_path / "criteria-2024.yaml", tmp_path / "departments.yaml", tmp_path / "config.yaml")
    lf = load_setup(TEMPLATES_DIR / "criteria-2024.yaml", TEMPLATES_DIR / "departments.yaml",
                    TEMPLATES_DIR / "config.yaml")
    assert crlf.table.criteria == lf.table.criteria
    assert crlf.departments == lf.departments
    assert crlf.config == lf.config


def test_a_season_in_a_folder_with_spaces_and_diacritics(runner, tmp_path, monkeypatch):
    root = tmp_path / "Tài liệu" / "Thi đua 2024"
    root.mkdir(parents=True)
    monkeypatch.chdir(root)
    assert runner.invoke(main, ["init", "phường Nhơn Hưng"]).exit_code == 0
    monkeypatch.chdir(root / "phường Nhơn Hưng")
    generated = runner.invoke(main, ["generate", "--only", "mttq,hlhpn"])
    assert generated.exit_code == 0, generated.output
    demo = runner.invoke(main, ["demo", "--out", "chạy thử có dấu cách", "--jobs", "2"])
    assert demo.exit_code == 0, demo.output
    assert (root / "phường Nhơn Hưng" / "chạy thử có dấu cách" / "TONGHOP_2024_NHONHUNG.xlsx").is_file()


def test_two_returns_whose_names_differ_only_by_case_are_both_collected(setup, generated_workbooks, tmp_path):
    """"A.xlsx" and "a.xlsx" (two units): neither replaces the other, both are read and listed."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    paths = []
    for name, dept in (("Tra.xlsx", setup.departments[0]), ("tra.xlsx", setup.departments[1])):
        blank = generated_workbooks / f"TDCD_2024_{dept.code}.xlsx"
        sub = inbox / ("hoa" if name[0].isupper() else "thuong")
        sub.mkdir()
        path = sub / name
        fill_workbook(blank, path, random_valid_answers(setup, dept, random.Random(7)))
        paths.append(path)
    items = [InputFile(p, p.relative_to(inbox).as_posix()) for p in paths]
    result = collect_files(setup, items, str(inbox), jobs=2)
    assert sorted(f.display_name for f in result.files) == ["hoa/Tra.xlsx", "thuong/tra.xlsx"]
    assert {f.department for f in result.files} == {setup.departments[0].code, setup.departments[1].code}
    assert "F11" not in {f.code for f in result.findings}


def test_two_attachments_differing_only_by_case_are_kept_apart(tmp_path, setup, generated_workbooks):
    """Saved .eml with "A.xlsx" and "a.xlsx": extracted to two files even where names are case-blind."""
    from email.message import EmailMessage

    from bdg_workbook.collect.inbox import collect_inputs
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "a@example.org", "b@example.org", "Bài nộp"
    msg.set_content("Gửi phường.")
    for name, dept in (("BAI.xlsx", setup.departments[0]), ("bai.xlsx", setup.departments[1])):
        data = (generated_workbooks / f"TDCD_2024_{dept.code}.xlsx").read_bytes()
        msg.add_attachment(data, maintype="application", subtype="octet-stream", filename=name)
    inbox, work = tmp_path / "inbox", tmp_path / "work"
    inbox.mkdir()
    work.mkdir()
    (inbox / "thu.eml").write_bytes(bytes(msg))
    scan = collect_inputs(inbox, work)
    targets = [item.path for item in scan.items]
    assert len(targets) == 2 and len({p.name.casefold() for p in targets}) == 2, targets
    assert sorted(p.read_bytes() for p in targets) == sorted(
        (generated_workbooks / f"TDCD_2024_{d.code}.xlsx").read_bytes() for d in setup.departments[:2])


def test_the_windows_simulation_blocks_the_posix_only_modules():
    """What .ci/windows-sim refuses: resource/fcntl/pwd/grp to everyone, termios/tty to our own code (click
    picks termios or msvcrt by platform, so it keeps termios on Linux)."""
    done = _python("import importlib\n"
                   "for name in ('resource', 'fcntl', 'pwd', 'grp'):\n"
                   "    try:\n"
                   "        importlib.import_module(name)\n"
                   "    except ImportError:\n"
                   "        continue\n"
                   "    raise SystemExit(name + ' imported')\n"
                   "try:\n"
                   "    exec('import termios', {'__name__': 'bdg_workbook.probe'})\n"
                   "except ImportError:\n"
                   "    pass\n"
                   "else:\n"
                   "    raise SystemExit('termios imported by bdg_workbook')\n")
    assert done.returncode == 0, done.stdout + done.stderr

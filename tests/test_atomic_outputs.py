"""Issue 4 item 4: nothing lost — a collect interrupted while writing leaves the previous master
byte-identical and no temporary file behind; the run manifest lists every input file.

Interruptions: the rename failing, the disk filling up half-way through the master, Ctrl+C (SIGINT) and
SIGKILL delivered to a real ``bdg-workbook collect`` process while it writes the master.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

import hostile
from bdg_workbook.writing import safe_text
from bdg_workbook.cli.main import main
from bdg_workbook.domain.model import Setup
from bdg_workbook.trust.signing import KEY_ENV

VALID = ("MTTQ", "HLHPN")
MASTER = "TONGHOP.xlsx"


@pytest.fixture(scope="module")
def season(setup: Setup, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """An inbox (two valid returns, a second copy of one, a broken file) and the ward's public key."""
    root = tmp_path_factory.mktemp("atomic")
    forms, public = hostile.signed_forms(setup, root, list(VALID))
    inbox = root / "inbox"
    inbox.mkdir()
    for seed, form in enumerate(forms):
        hostile.filled(setup, form, inbox / form.name, seed)
    hostile.filled(setup, forms[0], inbox / "ban_nop_lai.xlsx", 5)
    (inbox / "hong.xlsx").write_bytes(hostile.truncated((inbox / forms[1].name).read_bytes()))
    return {"inbox": inbox, "pub": public}


def _args(season: dict[str, Path], out: Path) -> list[str]:
    return ["collect", str(season["inbox"]), "--out", str(out), "--keys", str(season["pub"]), "--jobs", "1"]


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def previous(season, tmp_path) -> tuple[Path, dict[str, bytes]]:
    """A folder holding the outputs of a first, complete run (the "previous master")."""
    out = tmp_path / "out" / MASTER
    done = CliRunner().invoke(main, _args(season, out))
    assert done.exit_code == 1, done.output          # the broken file is an error finding
    return out, _snapshot(out.parent)


def _backups_aside(files: dict[str, bytes]) -> dict[str, bytes]:
    """The snapshot without the numbered backups (issue 12), each checked to equal the file it keeps."""
    kept = {name: data for name, data in files.items() if not re.search(r"\.bak[0-9]+$", name)}
    for name, data in files.items():
        if name not in kept:
            assert data == kept[re.sub(r"\.bak[0-9]+$", "", name)], f"{name} is not a copy of its file"
    return kept


def _assert_untouched(out: Path, before: dict[str, bytes]) -> None:
    after = _backups_aside(_snapshot(out.parent))
    assert sorted(after) == sorted(before), "temporary or partial files left behind"
    assert after[MASTER] == before[MASTER], "the previous master changed"


def test_failing_rename_keeps_the_previous_master(season, previous, monkeypatch):
    out, before = previous

    def refuse(src, dst):
        raise OSError(errno.EACCES, "Permission denied", str(dst))
    monkeypatch.setattr(safe_text.os, "replace", refuse)
    done = CliRunner().invoke(main, _args(season, out))
    monkeypatch.undo()
    assert done.exit_code == 2 and "không ghi được tệp tổng hợp" in done.output, done.output
    _assert_untouched(out, before)


class _HalfWriter:
    """A file object that writes half of the first chunk, then fails as a full disk does."""

    def __init__(self, handle) -> None:
        self.handle = handle

    def write(self, data: bytes) -> int:
        self.handle.write(data[: len(data) // 2])
        self.handle.flush()
        raise OSError(errno.ENOSPC, "No space left on device")

    def __getattr__(self, name: str):
        return getattr(self.handle, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.handle.close()


def test_disk_full_half_way_through_the_master_keeps_the_previous_one(season, previous, monkeypatch):
    out, before = previous
    real = safe_text.os.fdopen
    monkeypatch.setattr(safe_text.os, "fdopen", lambda *a, **k: _HalfWriter(real(*a, **k)))
    done = CliRunner().invoke(main, _args(season, out))
    monkeypatch.undo()
    assert done.exit_code == 2 and "No space left" in done.output, done.output
    _assert_untouched(out, before)


_PAUSING_COLLECT = textwrap.dedent("""
    import os, sys, time
    from pathlib import Path
    marker = Path(sys.argv[1])
    real_fsync = os.fsync

    def pausing_fsync(fd):
        real_fsync(fd)
        name = os.readlink(f"/proc/self/fd/{fd}")
        if not marker.exists() and os.path.basename(name).startswith(".TONGHOP"):   # the master's temporary file
            marker.write_text(name)                # (not the inbox's receipts log, fsynced first)
            time.sleep(120)

    os.fsync = pausing_fsync
    from bdg_workbook.cli.main import main
    main(sys.argv[2:], prog_name="bdg-workbook")
""")


def _kill_while_writing(season, out: Path, tmp_path: Path, sig: int) -> tuple[int, Path]:
    script, marker = tmp_path / "pausing_collect.py", tmp_path / "writing.txt"
    script.write_text(_PAUSING_COLLECT, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != KEY_ENV}
    proc = subprocess.Popen([sys.executable, str(script), str(marker), *_args(season, out)], cwd=tmp_path, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not marker.exists() or not marker.read_text():
        assert proc.poll() is None, proc.stderr.read().decode()
        assert time.monotonic() < deadline, "the collect never started writing"
        time.sleep(0.05)
    proc.send_signal(sig)
    try:
        code = proc.wait(timeout=30)
    finally:
        proc.kill()
        proc.stderr.close()
    return code, Path(marker.read_text())


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc to name the temporary file")
def test_ctrl_c_while_writing_the_master_keeps_it_and_removes_the_temporary(season, previous, tmp_path):
    out, before = previous
    code, temporary = _kill_while_writing(season, out, tmp_path, signal.SIGINT)
    assert code != 0
    assert temporary.parent == out.parent and temporary.name.startswith(f".{MASTER}.")
    _assert_untouched(out, before)


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc to name the temporary file")
def test_sigkill_while_writing_the_master_keeps_it(season, previous, tmp_path):
    out, before = previous
    code, temporary = _kill_while_writing(season, out, tmp_path, signal.SIGKILL)
    assert code == -signal.SIGKILL
    after = _snapshot(out.parent)
    assert after[MASTER] == before[MASTER]
    # nothing can clean up after SIGKILL: at most the hidden temporary file of the master is left over
    assert set(after) - set(before) <= {temporary.name}
    rerun = CliRunner().invoke(main, _args(season, out))                # the next run is not disturbed by it
    assert rerun.exit_code == 1, rerun.output
    assert zipfile.ZipFile(out).testzip() is None
    rerun_files = _snapshot(out.parent)
    assert rerun_files[MASTER + ".bak1"] == before[MASTER]                 # the replaced master kept (issue 12)
    assert sorted(n for n in rerun_files if not re.search(r"\.bak[0-9]+$", n)) == sorted(after)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_manifest_lists_every_input_with_hash_department_status_and_counts(season, previous):
    out, _before = previous
    manifest = json.loads(out.with_name("TONGHOP.manifest.json").read_text("utf-8"))
    result = json.loads(out.with_suffix(".json").read_text("utf-8"))
    inputs = {i["file"]: i for i in manifest["inputs"]}
    assert set(inputs) == {p.name for p in season["inbox"].iterdir() if not p.name.startswith(".")}  # not the log
    for name, entry in inputs.items():
        assert entry["sha256"] == _sha(season["inbox"] / name), name
        assert entry["size"] == (season["inbox"] / name).stat().st_size
        mine = [f for f in result["findings"] if f["file"] == name]
        assert entry["errors"] == sum(f["severity"] == "error" for f in mine), name
        assert entry["warnings"] == sum(f["severity"] == "warning" for f in mine), name
    assert inputs["hong.xlsx"]["status"] == "rejected" and inputs["hong.xlsx"]["errors"] == 1
    assert inputs["hong.xlsx"]["department"] == ""
    statuses = sorted((i["department"], i["status"]) for i in inputs.values() if i["department"])
    assert statuses == sorted([("MTTQ", "collected"), ("MTTQ", "superseded"), ("HLHPN", "collected")])
    assert all(i["status_vi"] for i in inputs.values())
    outputs = {o["file"]: o["sha256"] for o in manifest["outputs"]}
    assert outputs[MASTER] == _sha(out)
    for name, digest in outputs.items():
        assert _sha(out.parent / name) == digest, name


def test_failure_building_a_later_export_leaves_every_previous_output(season, previous, monkeypatch):
    """All outputs are staged first: a failure on the CSV leaves master, JSON and manifest of the old run."""
    from bdg_workbook.master import report

    out, before = previous

    def broken(table):
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(report, "csv_bytes", broken)
    done = CliRunner().invoke(main, _args(season, out))
    monkeypatch.undo()
    assert done.exit_code == 2, done.output
    after = _snapshot(out.parent)
    assert after == before, "an output of the failed run replaced one of the previous run"

"""Issue 4 items 2 and 5: one inbox with every hostile or broken file beside valid ones, collected once.

Each bad file is rejected (or its bad cells reported) with its own finding code and a Vietnamese message
naming the file; the valid files are collected exactly as when they are alone; no input changes; the run
is bounded in time; a worker that crashes, hangs or runs out of memory becomes a finding (F11).
"""

from __future__ import annotations

import datetime as dt
import faulthandler
import hashlib
import json
import os
import shutil
import time
import tracemalloc
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

import hostile
from bdg_workbook.collect import collector
from bdg_workbook.cli.main import main
from bdg_workbook.collect.collector import InputFile, collect, collect_files
from bdg_workbook.demo.fill import Answers, EvidenceRow, ItemAnswer
from bdg_workbook.layout.department import Layout
from bdg_workbook.layout.master import SHEET_EVIDENCE
from bdg_workbook.domain.model import Setup
from bdg_workbook.untrusted.workbook_reader import read_bytes
from bdg_workbook.trust.signing import KeyRing
from bdg_workbook.collect.workers import Failure, run_isolated
from libreoffice import soffice_available

VALID = ("MTTQ", "HLHPN", "DTN")                 # returned normally, must be collected as when alone
COLLECTED = {                                    # hostile but readable: file stem -> (department, builder)
    "o_xa_nhat_XFD1048576": ("HND", hostile.far_cell),
    "mot_trieu_dong": ("HCCB", hostile.million_rows),
    "so_khong_hop_le": ("CA", hostile.bad_numbers),
    "ky_tu_dieu_khien_va_chu_dai": ("QS", hostile.control_and_long_texts),
    "lien_ket_dde": ("LDTBXH", hostile.with_external_link),
}
NFD_FILE, NFD_DEPT = "van_ban_nfd", "TYT"
REJECT_BASE, LEGACY_BASE = "TPHT", "VHTT"
LEGACY = {"xls_doi_ten": "F08", "ods_doi_ten": "F08"}
NFD_DOC = "Số 15/KH-Hội LHPN về hội nghị tuyên truyền bình đẳng giới"
HANG_GUARD_SECONDS = 60


@dataclass
class Run:
    """The hostile inbox, what the collector made of it, and reference runs of files collected alone."""

    inbox: Path
    master: Path
    before: dict[str, str]
    exit_code: int
    output: str
    elapsed: float
    result: dict
    alone: dict
    bases_alone: dict


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _nfd_answers(answers: Answers) -> None:
    """One Vietnamese document number backing I.1 and I.2 (other case and spacing: the same document for the
    sheet's TRIM(…)= and for the ward; an NFD spelling is another text for both since issue 12.5)."""
    answers.items["I.1"] = ItemAnswer(True)
    answers.items["I.2"] = ItemAnswer(True)
    day = dt.date(2024, 3, 6)
    answers.evidence = [r for r in answers.evidence if r.code not in ("I.1", "I.2")]   # its only evidence (13.5)
    answers.evidence.append(EvidenceRow("I.1", "Hội nghị", unicodedata.normalize("NFC", NFD_DOC), day))
    answers.evidence.append(EvidenceRow("I.2", "Hội nghị", "  " + NFD_DOC.upper().replace(" ", "  ") + " ", day))


def _build_inbox(setup: Setup, root: Path) -> tuple[Path, Path, Path, Path]:
    codes = [*VALID, *(d for d, _b in COLLECTED.values()), NFD_DEPT, REJECT_BASE, LEGACY_BASE]
    forms, public = hostile.signed_forms(setup, root, codes)
    form = {f.stem.rsplit("_", 1)[-1]: f for f in forms}
    inbox, alone, bases, work = (root / n for n in ("inbox", "alone", "bases", "work"))
    for folder in (inbox, alone, bases, work):
        folder.mkdir()
    for seed, code in enumerate(VALID):
        data = hostile.filled(setup, form[code], inbox / form[code].name, seed)
        (alone / form[code].name).write_bytes(data)
    reject_base = hostile.filled(setup, form[REJECT_BASE], work / "reject.xlsx", 10)
    for stem, (build, _code) in hostile.CASES.items():
        (inbox / f"{stem}.xlsx").write_bytes(build(reject_base))
    for seed, (stem, (code, build)) in enumerate(COLLECTED.items(), start=20):
        base = hostile.filled(setup, form[code], bases / form[code].name, seed)
        (inbox / f"{stem}.xlsx").write_bytes(build(base))
    hostile.filled(setup, form[NFD_DEPT], inbox / f"{NFD_FILE}.xlsx", 30, _nfd_answers)
    if soffice_available():
        xls, ods = hostile.legacy_formats(hostile.filled(setup, form[LEGACY_BASE], work / "legacy.xlsx", 40))
        (inbox / "xls_doi_ten.xlsx").write_bytes(xls)
        (inbox / "ods_doi_ten.xlsx").write_bytes(ods)
    return inbox, alone, bases, public


@pytest.fixture(scope="module")
def run(setup: Setup, tmp_path_factory: pytest.TempPathFactory) -> Run:
    """Build the hostile inbox, collect it once with ``bdg-workbook collect --jobs 2``, and the references."""
    root = tmp_path_factory.mktemp("hostile")
    inbox, alone, bases, public = _build_inbox(setup, root)
    before = {p.name: _sha(p) for p in inbox.iterdir()}
    master = root / "out" / "TONGHOP.xlsx"
    started = time.perf_counter()
    done = CliRunner().invoke(main, ["collect", str(inbox), "--jobs", "2", "--out", str(master),
                                     "--keys", str(public), "--format", "json"])
    elapsed = time.perf_counter() - started
    assert done.exception is None or isinstance(done.exception, SystemExit), done.output
    result = json.loads(master.with_suffix(".json").read_text("utf-8"))
    keyring = KeyRing.load(public)
    shutil.copy(inbox / ".receipts.jsonl", alone / ".receipts.jsonl")   # the same receipt times (issue 12, W07)
    alone_result = collect(alone, setup, jobs=2, keyring=keyring).as_dict()
    bases_result = collect(bases, setup, jobs=2, keyring=keyring, record_receipts=True).as_dict()
    return Run(inbox, master, before, done.exit_code, done.output, elapsed, result, alone_result, bases_result)


def _file(run: Run, stem: str) -> dict:
    return next(f for f in run.result["files"] if f["display_name"] == f"{stem}.xlsx")


def _findings(result: dict, name: str) -> list[dict]:
    return [f for f in result["findings"] if f["file"] == name]


def _department(result: dict, code: str) -> dict:
    entry = dict(next(d for d in result["departments"] if d["code"] == code))
    entry.pop("rank")                     # a rank depends on the other departments in the batch
    return entry


# ---------------------------------------------------------------- rejected files


@pytest.mark.parametrize("stem", list(hostile.CASES))
def test_bad_file_is_rejected_with_its_code_and_a_message_naming_it(run, stem):
    expected = hostile.CASES[stem][1]
    entry = _file(run, stem)
    found = _findings(run.result, f"{stem}.xlsx")
    assert entry["status"] == "rejected", (stem, found)
    assert [f["code"] for f in found] == [expected], found
    assert found[0]["severity"] == "error" and entry["errors"] == 1
    assert "Tệp" in found[0]["message"] and found[0]["fix"]


@pytest.mark.libreoffice
@pytest.mark.parametrize("stem", list(LEGACY))
def test_legacy_xls_and_ods_renamed_to_xlsx_are_rejected(run, stem):
    if not soffice_available():
        pytest.fail("LibreOffice (soffice) không có: không tạo được tệp .xls/.ods thật (CI cài libreoffice-calc-nogui)")
    found = _findings(run.result, f"{stem}.xlsx")
    assert _file(run, stem)["status"] == "rejected"
    assert [f["code"] for f in found] == [LEGACY[stem]], found


def test_every_input_is_listed_once_and_none_crashed_the_run(run):
    names = sorted(f["display_name"] for f in run.result["files"])
    assert names == sorted(run.before)
    assert not [f for f in run.result["findings"] if f["code"] == "F11"]      # no worker died, hung or raised
    assert run.exit_code == 1                                                 # errors found, master written
    assert run.master.is_file()


def test_inputs_are_unchanged(run):
    assert {p.name: _sha(p) for p in run.inbox.iterdir() if p.name != ".receipts.jsonl"} == run.before  # + the log
    assert {f["display_name"]: f["sha256"] for f in run.result["files"]} == run.before


def test_run_time_is_bounded(run):
    assert run.elapsed < HANG_GUARD_SECONDS, f"collect took {run.elapsed:.1f} s"


# ---------------------------------------------------------------- valid files beside them


def test_valid_files_are_collected_exactly_as_when_alone(run, setup):
    for code in VALID:
        name = f"TDCD_{setup.config.year}_{code}.xlsx"
        assert _file(run, name[:-5])["status"] == "collected"
        assert _department(run.result, code) == _department(run.alone, code)
        assert _findings(run.result, name) == _findings(run.alone, name)
        assert not [f for f in _findings(run.result, name) if f["severity"] == "error"], name


@pytest.mark.parametrize("stem", ["o_xa_nhat_XFD1048576", "mot_trieu_dong"])
def test_cells_far_outside_the_form_are_ignored(run, stem):
    code = COLLECTED[stem][0]
    assert _file(run, stem)["status"] == "collected"
    mine = _department(run.result, code)
    theirs = _department(run.bases_alone, code)
    assert {k: v for k, v in mine.items() if k not in ("file", "sha256")} == \
        {k: v for k, v in theirs.items() if k not in ("file", "sha256")}
    assert [f["code"] for f in _findings(run.result, f"{stem}.xlsx")] == \
        [f["code"] for f in _findings(run.bases_alone, f"TDCD_2024_{code}.xlsx")]


def test_a_million_rows_are_read_in_bounded_time_and_memory(run):
    data = (run.inbox / "mot_trieu_dong.xlsx").read_bytes()
    assert len(data) > 5_000_000
    tracemalloc.start()   # memory only: tracemalloc slows the reader, so no time is asserted here
    try:                   # (the time of this file is a figure of benchmarks/bench.py)
        sub = read_bytes(data, "x", "mot_trieu_dong.xlsx")
        _now, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert sub.department == "HCCB"
    assert peak < 32 * 1024 * 1024, f"peak {peak / 2**20:.1f} MiB besides the file itself"


# ---------------------------------------------------------------- hostile values


def _cells(setup: Setup, *names: str) -> set[str]:
    lay = Layout(setup.table)
    return {lay.names[n][1] for n in names}


def test_nan_infinity_1e400_and_full_width_text_are_E06(run, setup):
    found = _findings(run.result, "so_khong_hop_le.xlsx")
    e06 = {f["cell"] for f in found if f["code"] == "E06"}
    assert _cells(setup, *hostile.BAD_NUMBERS, hostile.FULL_WIDTH_TEXT[0]) <= e06, found
    assert _file(run, "so_khong_hop_le")["status"] == "collected"
    counted = _department(run.result, "CA")["criteria"]
    for name in (*hostile.BAD_NUMBERS, hostile.FULL_WIDTH_TEXT[0]):
        code = name[len("in_"):-len("_value")].replace("_", ".")
        assert counted[code]["counted"] == 0, code


def test_full_width_digits_inside_a_number_value_are_E06(run, setup):
    found = _findings(run.result, "so_khong_hop_le.xlsx")
    assert _cells(setup, hostile.FULL_WIDTH_NUMBER[0]) <= {f["cell"] for f in found if f["code"] == "E06"}


def test_same_document_in_nfc_and_nfd_under_two_criteria_is_E03(run):
    found = _findings(run.result, f"{NFD_FILE}.xlsx")
    e03 = [f for f in found if f["code"] == "E03"]
    assert [f["criterion"] for f in e03] == ["I.2"], found
    assert _department(run.result, NFD_DEPT)["criteria"]["I.2"]["counted"] == 0


def _master_texts(master: Path, sheet: str) -> list[str]:
    book = openpyxl.load_workbook(master, read_only=True)
    try:
        return [c for row in book[sheet].iter_rows(values_only=True) for c in row if isinstance(c, str)]
    finally:
        book.close()


def test_control_characters_and_long_texts_are_cleaned(run):
    assert _file(run, "ky_tu_dieu_khien_va_chu_dai")["status"] == "collected"
    texts = _master_texts(run.master, SHEET_EVIDENCE)
    assert "Hội nghị tuyên truyền bình đẳng giới" in texts
    long = [t for t in texts if t.startswith("Dài Dài")]
    assert len(long) == 1 and len(long[0]) <= 32_767
    assert "a\tb\nc" in texts
    assert not [t for t in texts if "_x00" in t or any(ord(ch) < 32 and ch not in "\t\n" for ch in t)]


def test_no_external_link_or_dde_is_carried_into_outputs(run):
    assert _file(run, "lien_ket_dde")["status"] == "collected"
    outputs = [p for p in run.master.parent.rglob("*") if p.is_file()]
    assert len(outputs) >= 5                       # master, JSON, 3 CSV, manifest
    with zipfile.ZipFile(run.master) as zf:
        assert not [n for n in zf.namelist() if "externalLink" in n]
        blob = b"".join(zf.read(n) for n in zf.namelist())
    assert b"ddeLink" not in blob and b"externalReference" not in blob and b"ddeService" not in blob
    for path in outputs:
        if path.suffix in (".json", ".csv"):
            text = path.read_text("utf-8-sig")
            assert "ddeService" not in text and "externalLink" not in text, path


# ---------------------------------------------------------------- per-file isolation (issue 4 item 5)


def _misbehave(name: str) -> None:
    if name == "chet.xlsx":
        faulthandler.disable()                       # (pytest's handler would print the C stack)
        os.abort()                                   # like calamine's SIGABRT on XFD1048576
    if name == "treo.xlsx":
        time.sleep(600)
    if name == "no_bo_nho.xlsx":
        hog = bytearray(3 * 1024 ** 3)               # over the worker's 1.5 GiB address-space bound
        hog[-1] = 1
    if name == "ngoai_le.xlsx":
        raise KeyError("không lường trước")


def _isolation_task(name: str) -> str:
    _misbehave(name)
    return name


def test_workers_turn_crash_hang_memory_and_exceptions_into_failures():
    names = ["a.xlsx", "chet.xlsx", "treo.xlsx", "no_bo_nho.xlsx", "ngoai_le.xlsx", "b.xlsx"]
    started = time.perf_counter()
    results = run_isolated(_isolation_task, names, jobs=2, timeout=3)
    assert time.perf_counter() - started < 20
    assert results[0] == "a.xlsx" and results[-1] == "b.xlsx"
    kinds = {n: r.kind for n, r in zip(names, results) if isinstance(r, Failure)}
    assert kinds == {"chet.xlsx": "crashed", "treo.xlsx": "timeout", "no_bo_nho.xlsx": "exception",
                     "ngoai_le.xlsx": "exception"}
    assert "bộ nhớ" in results[3].detail


def test_a_file_that_kills_its_worker_is_F11_and_the_rest_is_collected(run, setup, monkeypatch, tmp_path):
    real = collector.read_path

    def misbehaving(path: Path, display_name: str | None = None, *args, **kwargs):
        _misbehave(Path(path).name)
        return real(path, display_name, *args, **kwargs)
    monkeypatch.setattr(collector, "read_path", misbehaving)
    valid = sorted(run.inbox.glob("TDCD_*.xlsx"))
    bad = []
    for name in ("chet.xlsx", "treo.xlsx", "no_bo_nho.xlsx", "ngoai_le.xlsx"):
        (tmp_path / name).write_bytes(valid[0].read_bytes())
        bad.append(InputFile(tmp_path / name, name))
    items = [InputFile(p, p.name) for p in valid] + bad
    result = collect_files(setup, items, str(tmp_path), jobs=2, timeout=3).as_dict()
    f11 = sorted(f["file"] for f in result["findings"] if f["code"] == "F11")
    assert f11 == sorted(b.display_name for b in bad)
    assert sorted(d["code"] for d in result["departments"]) == sorted(VALID)
    assert {f["display_name"]: f["status"] for f in result["files"]} == {
        **{p.name: "collected" for p in valid}, **{b.display_name: "rejected" for b in bad}}

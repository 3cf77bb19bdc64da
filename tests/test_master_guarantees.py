"""Issue 12 items 7-10 and Ctrl+C: no review lost, key problems named, keys bound to wards, the signature covers
what is printed, an interrupt is one Vietnamese line. Edited masters are made by raw zip/XML edits."""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bdg_workbook.cli.app import INTERRUPTED_VI
from bdg_workbook.cli.main import main
from bdg_workbook.collect import collector as _collector
from bdg_workbook.layout.master import SHEET_SUMMARY
from bdg_workbook.master.outputs import write_collect_outputs
from bdg_workbook.review.review_round import review_master
from bdg_workbook.rollup.wards import MERGED, REJECTED, collect_district
from bdg_workbook.trust.signing import (KEY_ENV, SIGNED_MASTER_KEYS, KeyRing, load_private_key,
                                        read_identity, load_public_key)
from hostile import locate, number_cell, pack, set_cell, sheet_parts, text_cell, unpack
from wards import Ward, keys_folder, ward_setup


@pytest.fixture(autouse=True)
def _no_ambient_key(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Run outside any working folder: no key from the environment or the current folder."""
    monkeypatch.delenv(KEY_ENV, raising=False)
    monkeypatch.chdir(tmp_path)


def _raw_review_entry(master: Path, target: Path, value: str, reason: str) -> tuple[str, str]:
    """A copy of ``master`` with one "Điểm thẩm định" and its reason typed (raw XML); returns the two names."""
    members = unpack(master.read_bytes())
    names = re.findall(r'<definedName name="(rv_[^"]+)"', members["xl/workbook.xml"].decode("utf-8"))
    rv = names[0]
    rr = "rr_" + rv[3:]
    for name, cell in ((rv, lambda ref: number_cell(ref, value)), (rr, lambda ref: text_cell(ref, reason))):
        where = locate(members, name)
        xml = members[where.part].decode("utf-8")
        members[where.part] = set_cell(xml, where.ref(), cell(where.ref())).encode("utf-8")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(pack(members))
    return rv, rr


def _collect_args(ward: Ward, out: Path, *extra: str) -> list[str]:
    return ["collect", str(ward.run.inbox), "--keys", str(ward.public_key), "--key", str(ward.key), "--out", str(out),
            "--jobs", "1", *extra]


# ---------------------------------------------------------------- item 7: no review is ever lost


def test_collect_never_overwrites_a_master_holding_review_entries(runner, demo_wards, tmp_path):
    ward = demo_wards[0]
    out = tmp_path / "ra" / "TONGHOP.xlsx"
    assert runner.invoke(main, _collect_args(ward, out)).exit_code in (0, 1)
    _raw_review_entry(out, out, "0", "Không có biên bản")
    typed = out.read_bytes()
    again = runner.invoke(main, _collect_args(ward, out))
    assert again.exit_code in (0, 1), again.output
    assert out.read_bytes() == typed                                     # the officer's entries are still there
    fresh = tmp_path / "ra" / "TONGHOP_lan2.xlsx"
    assert fresh.is_file() and "không ghi đè" in again.output and str(fresh) in again.output
    third = runner.invoke(main, _collect_args(ward, out))              # a plain re-collection replaces _lan2
    assert str(fresh) in third.output and (tmp_path / "ra" / "TONGHOP_lan2.xlsx.bak1").is_file()
    assert not (tmp_path / "ra" / "TONGHOP_lan3.xlsx").exists() and out.read_bytes() == typed


def test_collect_never_overwrites_a_master_with_a_later_review_round(runner, demo_wards, tmp_path):
    ward = demo_wards[0]
    out = tmp_path / "ra" / "TONGHOP.xlsx"
    runner.invoke(main, _collect_args(ward, out))
    shutil.copy(out, tmp_path / "ra" / "TONGHOP_thamdinh_v2.xlsx")
    before = out.read_bytes()
    again = runner.invoke(main, _collect_args(ward, out))
    assert out.read_bytes() == before and (tmp_path / "ra" / "TONGHOP_lan2.xlsx").is_file()
    assert "TONGHOP_thamdinh_v2.xlsx" in again.output


def test_every_replaced_output_is_kept_as_a_numbered_backup(demo_wards, tmp_path):
    ward = demo_wards[0]
    out = tmp_path / "TONGHOP.xlsx"
    write_collect_outputs(ward.run.result, out)
    first = {p.name: p.read_bytes() for p in (out, out.with_suffix(".json"))}
    write_collect_outputs(ward.run.result, out)
    write_collect_outputs(ward.run.result, out)
    assert (tmp_path / "TONGHOP.xlsx.bak1").read_bytes() == first["TONGHOP.xlsx"]
    assert (tmp_path / "TONGHOP.json.bak1").read_bytes() == first["TONGHOP.json"]
    assert (tmp_path / "TONGHOP.xlsx.bak2").is_file() and not (tmp_path / "TONGHOP.xlsx.bak3").exists()
    assert not list(tmp_path.glob(".*.tmp"))


# ---------------------------------------------------------------- item 8: key problems named as such


def test_collect_outside_the_working_folder_names_the_missing_key(runner, demo_wards, tmp_path):
    ward = demo_wards[0]
    result = runner.invoke(main, ["collect", str(ward.run.inbox), "--out", str(tmp_path / "T.xlsx"), "--jobs", "1"])
    assert "không tìm thấy khóa của phường" in result.output and KEY_ENV in result.output
    assert "[CẢNH BÁO W22]" in result.output and "[CẢNH BÁO W15]" not in result.output
    assert "tệp không có chữ ký" not in result.output.lower()


def test_review_outside_the_working_folder_refuses_and_writes_nothing(runner, demo_wards, tmp_path):
    ward = demo_wards[0]
    master = tmp_path / "TONGHOP.xlsx"
    _raw_review_entry(ward.master, master, "1", "Thiếu minh chứng")
    blind = runner.invoke(main, ["review", str(master)])
    assert blind.exit_code == 1 and "[LỖI R13]" in blind.output and "[CẢNH BÁO R08]" not in blind.output
    verify_only = runner.invoke(main, ["review", str(master), "--keys", str(ward.public_key)])
    assert verify_only.exit_code == 2 and "không tìm thấy khóa của phường" in verify_only.output
    assert not list(tmp_path.glob("*_thamdinh_v*.xlsx"))                  # never an unsigned next version
    signed = runner.invoke(main, ["review", str(master), "--keys", str(ward.public_key), "--key", str(ward.key)])
    assert signed.exit_code == 0, signed.output and (tmp_path / "TONGHOP_thamdinh_v2.xlsx").is_file()


# ---------------------------------------------------------------- item 9: each key bound to its ward


def test_keys_export_binds_the_key_to_the_ward(runner, demo_wards, tmp_path):
    ward = demo_wards[0]
    out = tmp_path / "khoa.pub"
    result = runner.invoke(main, ["keys", "export", "--key", str(ward.key), "--out", str(out)])
    assert result.exit_code == 0, result.output
    cfg = ward.setup.config
    assert read_identity(out.read_bytes(), load_public_key(out)) == (cfg.ward, cfg.district, cfg.province)
    forged = out.read_bytes().replace(cfg.ward.encode("utf-8"), "xã Khác".encode("utf-8"))
    assert read_identity(forged, load_public_key(out)) == ("", "", "")     # an edited name binds nothing


def test_rollup_refuses_a_master_signed_by_another_wards_key(setup, demo_wards, tmp_path):
    one, two = demo_wards[0], demo_wards[1]
    claim = dataclasses.replace(one.run.result, setup=ward_setup(setup, two.setup.config.ward, "Giả"))
    fake = tmp_path / "nhan" / "TONGHOP_GIA.xlsx"
    key = load_private_key(one.key)
    from bdg_workbook.master.outputs import write_collect_outputs as write
    write(claim, fake, lambda meta: key.sign(meta, SIGNED_MASTER_KEYS))
    shutil.copy(two.master, tmp_path / "nhan" / two.master.name)
    result = collect_district(tmp_path / "nhan", setup, KeyRing.load(keys_folder(demo_wards, tmp_path / "k")))
    status = {f.file: f.status for f in result.files}
    assert status == {"TONGHOP_GIA.xlsx": REJECTED, two.master.name: MERGED}
    assert [f.code for f in result.findings if f.file == "TONGHOP_GIA.xlsx"] == ["D10"]
    assert [w.file for w in result.wards] == [two.master.name]


def test_rollup_refuses_a_key_that_names_no_ward(setup, demo_wards, tmp_path):
    ward = demo_wards[0]
    inbox = tmp_path / "nhan"
    inbox.mkdir()
    shutil.copy(ward.master, inbox / ward.master.name)
    result = collect_district(inbox, setup, KeyRing.load(ward.public_key))      # a bare PEM, no ward in it
    assert [f.status for f in result.files] == [REJECTED] and "D11" in {f.code for f in result.findings}


# ---------------------------------------------------------------- item 10: the signature covers what is printed


def _edit_printed_total(master: Path, target: Path) -> None:
    """Raise the first fractional number printed on the report page by 10 (raw XML: the data sheet untouched)."""
    members = unpack(master.read_bytes())
    part = sheet_parts(members)[SHEET_SUMMARY]
    xml = members[part].decode("utf-8")
    m = re.search(r'(<c r="[A-Z]+[0-9]+"[^>]*>)<v>([0-9]+\.[0-9]+)</v>', xml)
    assert m is not None
    members[part] = (xml[:m.start()] + f"{m.group(1)}<v>{float(m.group(2)) + 10}</v>" + xml[m.end():]).encode()
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(pack(members))


def test_an_edited_printed_total_is_detected_by_review_and_rollup(setup, demo_wards, tmp_path):
    ward = demo_wards[0]
    edited = tmp_path / "nhan" / ward.master.name
    _edit_printed_total(ward.master, edited)
    keys = keys_folder([ward], tmp_path / "k")
    outcome = review_master(ward.setup, edited, KeyRing.load(keys))
    assert outcome.blocked and [f.code for f in outcome.findings] == ["R06"]
    assert "view_hash" in outcome.findings[0].message
    result = collect_district(tmp_path / "nhan", setup, KeyRing.load(keys))
    assert [f.status for f in result.files] == [REJECTED] and {f.code for f in result.findings} == {"D02"}


def test_the_genuine_master_verifies(setup, demo_wards, tmp_path):
    ward = demo_wards[0]
    copy = tmp_path / "nhan" / ward.master.name
    copy.parent.mkdir()
    copy.write_bytes(pack(unpack(ward.master.read_bytes())))          # re-zipped, content unchanged
    outcome = review_master(ward.setup, copy, KeyRing.load(keys_folder([ward], tmp_path / "k")))
    assert not outcome.blocked and outcome.findings == []


# ---------------------------------------------------------------- Ctrl+C


def test_ctrl_c_prints_one_vietnamese_line(runner, demo_wards, monkeypatch, tmp_path):
    def interrupted(*_a, **_k):
        raise KeyboardInterrupt
    monkeypatch.setattr(_collector, "collect", interrupted)
    result = runner.invoke(main, ["collect", str(demo_wards[0].run.inbox), "--out", str(tmp_path / "T.xlsx")])
    assert result.exit_code == 130
    assert result.output.strip().splitlines()[-1] == INTERRUPTED_VI and "Traceback" not in result.output


@pytest.mark.skipif(os.name != "posix", reason="process groups and SIGINT as a terminal sends them")
def test_ctrl_c_while_workers_run_prints_no_traceback(demo_wards, tmp_path):
    inbox = tmp_path / "nhan"
    inbox.mkdir()
    files = sorted(demo_wards[0].run.inbox.glob("*.xlsx"))
    for i in range(20):
        for f in files:
            shutil.copy(f, inbox / f"{i:02d}_{f.name}")
    code = "import sys; from bdg_workbook.cli.main import main; sys.exit(main())"
    proc = subprocess.Popen([sys.executable, "-c", code, "collect", str(inbox), "--jobs", "2", "--out",
                             str(tmp_path / "T.xlsx")], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            cwd=tmp_path, start_new_session=True)
    time.sleep(3.0)                                                     # imported, workers reading files
    assert proc.poll() is None, "the collection ended before Ctrl+C could be sent"
    os.killpg(proc.pid, signal.SIGINT)                                  # what the terminal does on Ctrl+C
    out, err = proc.communicate(timeout=60)
    text = err.decode("utf-8", "replace")
    assert proc.returncode == 130, text
    assert "Traceback" not in text and INTERRUPTED_VI in text
    assert not (tmp_path / "T.xlsx").exists()


@pytest.mark.libreoffice
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice needed")
def test_a_master_re_saved_by_libreoffice_still_verifies(demo_wards, tmp_path):
    from bdg_workbook.untrusted.master_reader import check_integrity, read_master
    from bdg_workbook.trust.signing import VALID
    from libreoffice import save_with_libreoffice
    ward = demo_wards[1]
    saved = save_with_libreoffice([ward.master], tmp_path / "lo")[ward.master.resolve()]
    assert saved.read_bytes() != ward.master.read_bytes()                   # LibreOffice rewrote the package
    check = check_integrity(read_master(saved), KeyRing.load(keys_folder([ward], tmp_path / "k")))
    assert check.problems == () and check.verification.status == VALID
    edited = tmp_path / "sua.xlsx"
    _edit_printed_total(saved, edited)                                       # and an edit after the re-save shows
    assert check_integrity(read_master(edited), KeyRing.load(keys_folder([ward], tmp_path / "k"))).problems

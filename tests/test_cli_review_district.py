"""Issue 7 from the command line: `review` and `collect` on a folder of ward masters; a LibreOffice round trip."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from bdg_workbook.cli.main import main
from bdg_workbook.rollup.wards import MERGED, collect_district
from bdg_workbook.untrusted.master_reader import check_integrity, read_master
from bdg_workbook.review.review_round import review_master
from bdg_workbook.review.report import write_reviewed_master
from bdg_workbook.trust.signing import KEY_ENV, SIGNED_MASTER_KEYS, VALID, KeyRing, load_private_key
from libreoffice import save_with_libreoffice
from wards import Ward, edit_master, keys_folder


@pytest.fixture(autouse=True)
def _workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)                 # built-in templates, no signing key of the current folder
    monkeypatch.delenv(KEY_ENV, raising=False)


def _edit(ward: Ward, target: Path, value: float, reason: str | None) -> tuple[Path, str, str]:
    r = ward.run.result.departments[0]
    code = next(c for c, i in r.card.items.items() if i.applicable and i.points > 1 and c.startswith("II"))
    name = f"{r.department.code}_{code.replace('.', '_')}"
    values = {f"rv_{name}": value}
    if reason:
        values[f"rr_{name}"] = reason
    return edit_master(ward.master, target, values), r.department.code, code


def _review_args(ward: Ward, path: Path, *extra: str) -> list[str]:
    return ["review", str(path), "--keys", str(ward.public_key), "--key", str(ward.key), *extra]


def test_review_writes_the_next_version_and_never_overwrites(runner, demo_wards, tmp_path):
    ward = demo_wards[0]
    master, dept, code = _edit(ward, tmp_path / "TONGHOP_2024_PHUONG1.xlsx", 1.5, "Thiếu danh sách người dự")
    before = master.read_bytes()
    result = runner.invoke(main, _review_args(ward, master))
    assert result.exit_code == 0, result.output
    v2 = tmp_path / "TONGHOP_2024_PHUONG1_thamdinh_v2.xlsx"
    assert v2.is_file() and master.read_bytes() == before
    assert f"{dept} {code}: " in result.output and str(v2.name) in result.output
    written = v2.read_bytes()
    again = runner.invoke(main, _review_args(ward, master))
    assert again.exit_code == 2 and "không ghi đè" in again.output and v2.read_bytes() == written
    check = check_integrity(read_master(v2), KeyRing.load(ward.public_key))
    assert check.problems == () and check.verification.status == VALID
    as_json = runner.invoke(main, _review_args(ward, master, "--out", str(tmp_path / "khac.xlsx"), "--format",
                                               "json"))
    data = json.loads(as_json.output)
    assert as_json.exit_code == 0 and data["counts"] == {"errors": 0, "warnings": 0, "edits": 1}
    assert data["edits"][0]["department"] == dept and data["edits"][0]["after"] == 1.5


def test_review_exit_codes_for_refused_edits_altered_masters_and_other_files(runner, demo_wards, tmp_path):
    ward = demo_wards[0]
    no_reason, _dept, _code = _edit(ward, tmp_path / "a" / "TONGHOP.xlsx", 1.5, None)
    result = runner.invoke(main, _review_args(ward, no_reason))
    assert result.exit_code == 1 and "[LỖI R04]" in result.output
    assert (no_reason.parent / "TONGHOP_thamdinh_v2.xlsx").is_file()       # the master is still written
    first = ward.run.result.departments[0].department.code
    altered = edit_master(ward.master, tmp_path / "b" / "TONGHOP.xlsx", data={(first, "I.1", 6): 0})
    result = runner.invoke(main, _review_args(ward, altered))
    assert result.exit_code == 1 and "[LỖI R06]" in result.output and "KHÔNG ghi" in result.output
    assert not (altered.parent / "TONGHOP_thamdinh_v2.xlsx").exists()
    department = sorted(ward.run.inbox.glob("*.xlsx"))[0]
    result = runner.invoke(main, _review_args(ward, department))
    assert result.exit_code == 2 and result.output.startswith("Lỗi:")


def test_rollup_is_the_district_roll_up_of_a_folder_of_ward_masters(runner, demo_wards, tmp_path):
    inbox = tmp_path / "nhan"
    inbox.mkdir()
    for ward in demo_wards:
        shutil.copy(ward.master, inbox / ward.master.name)
    keys = keys_folder(demo_wards, tmp_path / "khoa")
    out = tmp_path / "out" / "HUYEN.xlsx"
    result = runner.invoke(main, ["rollup", str(inbox), "--keys", str(keys), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.is_file() and out.with_suffix(".json").is_file()
    data = json.loads(out.with_suffix(".json").read_text("utf-8"))
    assert [w["ward"] for w in sorted(data["wards"], key=lambda w: w["rank"])] == [
        w.ward for w in sorted(collect_district(inbox, demo_wards[0].setup, KeyRing.load(keys)).wards,
                               key=lambda w: w.rank)]
    default = runner.invoke(main, ["rollup", str(inbox), "--keys", str(keys)])
    assert default.exit_code == 0 and (tmp_path / "output" / "2024" / "TONGHOP_HUYEN_2024_TINHBIEN.xlsx").is_file()
    shutil.copy(keys / "phuong1.pub", tmp_path / "mot.pub")
    partial = runner.invoke(main, ["rollup", str(inbox), "--keys", str(tmp_path / "mot.pub"), "--out", str(out)])
    assert partial.exit_code == 1 and partial.output.count("[LỖI D03]") == 2
    no_keys = runner.invoke(main, ["rollup", str(inbox)])
    assert no_keys.exit_code == 2 and "--keys" in no_keys.output


def test_collect_never_rolls_up_a_folder_of_ward_masters(runner, demo_wards, tmp_path):
    """Issue 12 item 9: the roll-up is explicit; ``collect`` reports each master as skipped (F23), exit 1."""
    inbox = tmp_path / "nhan"
    inbox.mkdir()
    for ward in demo_wards:
        shutil.copy(ward.master, inbox / ward.master.name)
    out = tmp_path / "out" / "TONGHOP.xlsx"
    result = runner.invoke(main, ["collect", str(inbox), "--keys", str(demo_wards[0].public_key), "--out", str(out)])
    assert result.exit_code == 1, result.output
    assert "[CẢNH BÁO F23]" in result.output and "[LỖI F22]" in result.output
    assert "bdg-workbook rollup" in result.output and not (tmp_path / "out" / "HUYEN.xlsx").exists()
    data = json.loads(out.with_suffix(".json").read_text("utf-8"))
    assert sorted(f["file"] for f in data["findings"] if f["code"] == "F23") == sorted(w.master.name for w in demo_wards)
    assert data["departments"] == []


def test_one_master_in_a_departments_inbox_is_skipped_never_aborting_the_collection(runner, demo_wards, tmp_path):
    inbox = tmp_path / "nhan"
    inbox.mkdir()
    shutil.copy(demo_wards[0].master, inbox / demo_wards[0].master.name)
    department = sorted(demo_wards[0].run.inbox.glob("*.xlsx"))[0]
    shutil.copy(department, inbox / department.name)
    out = tmp_path / "out" / "TONGHOP.xlsx"
    result = runner.invoke(main, ["collect", str(inbox), "--keys", str(demo_wards[0].public_key), "--out", str(out),
                                  "--format", "json"])
    assert result.exit_code in (0, 1), result.output
    data = json.loads(result.stdout)
    skipped = [f for f in data["findings"] if f["code"] == "F23"]
    assert [f["file"] for f in skipped] == [demo_wards[0].master.name]
    assert len(data["departments"]) == 1 and data["departments"][0]["file"] == department.name
    assert out.is_file()


@pytest.mark.libreoffice
def test_masters_saved_by_libreoffice_still_review_and_roll_up(demo_wards, tmp_path):
    ward = demo_wards[0]
    keyring = KeyRing.load(keys_folder([ward], tmp_path / "khoa"))     # bound to the ward (issue 12)
    edited, dept, code = _edit(ward, tmp_path / "in" / "TONGHOP_SUA.xlsx", 2.25, "Đối chiếu biên bản")
    first = review_master(ward.setup, edited, keyring)
    v2 = tmp_path / "in" / "TONGHOP_SUA_thamdinh_v2.xlsx"
    key = load_private_key(ward.key)
    write_reviewed_master(first, v2, lambda meta: key.sign(meta, SIGNED_MASTER_KEYS))
    saved = save_with_libreoffice([edited, v2], tmp_path / "lo")
    outcome = review_master(ward.setup, saved[edited.resolve()], keyring)
    assert not outcome.blocked and outcome.findings[0].code == "R11"
    assert [(e.department, e.criterion, float(e.after)) for e in outcome.edits] == [(dept, code, 2.25)]
    again = review_master(ward.setup, saved[v2.resolve()], keyring)
    assert again.findings == [] and again.round == 2 and len(again.audit) == 1
    inbox = tmp_path / "district"
    inbox.mkdir()
    shutil.copy(saved[v2.resolve()], inbox / v2.name)
    result = collect_district(inbox, ward.setup, keyring)
    assert [f.status for f in result.files] == [MERGED] and result.wards[0].review_round == 1

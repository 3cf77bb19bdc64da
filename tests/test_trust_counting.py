"""Issue 12 items 2, 6 and 11: what is counted. Untrusted files never count and never beat a genuine one, a blank
form is not a submission, lateness comes from the receipt time. Every hostile file is made by raw zip/XML edits."""

from __future__ import annotations

import datetime as dt
import email.message
import email.utils
import json
from pathlib import Path

import openpyxl
import pytest

from bdg_workbook.cli.main import main
from bdg_workbook.collect.collector import InputFile, collect, collect_files
from bdg_workbook.collect.receipts import RECEIPTS_NAME, Receipt, append_receipt, read_receipts
from bdg_workbook.collect.status import MISSING, REJECTED, VALID, season_status
from bdg_workbook.domain.findings import CRITERION_LEVEL_ERRORS, is_file_level_error
from bdg_workbook.domain.result import STATUS_BLANK, STATUS_COLLECTED, STATUS_UNTRUSTED
from bdg_workbook.layout.master import SHEET_SUMMARY
from bdg_workbook.master.report import master_bytes
from bdg_workbook.trust.signing import KEY_ENV, KeyRing
from hostile import locate, pack, put_cells, set_cell, signed_forms, text_cell, unpack, filled

CODES = ("HLHPN", "MTTQ")


@pytest.fixture(scope="module")
def season(setup, tmp_path_factory):
    """Signed blank forms of two units, a filled genuine return of each, and the ward's public key."""
    root = tmp_path_factory.mktemp("trust")
    forms, pub = signed_forms(setup, root, list(CODES))
    by_code = {f.stem.rsplit("_", 1)[-1]: f for f in forms}
    genuine = {code: filled(setup, by_code[code], root / f"filled_{code}.xlsx", seed) for seed, code in
               enumerate(CODES, 5)}
    genuine["HLHPN"] = put_cells(genuine["HLHPN"], {("info_date", 0): "02/09/2024"})
    return {"forms": by_code, "pub": pub, "genuine": genuine}


def _set_meta(data: bytes, key: str, value: str) -> bytes:
    members = unpack(data)
    target = locate(members, f"meta_{key}")
    xml = members[target.part].decode("utf-8")
    members[target.part] = set_cell(xml, target.ref(), text_cell(target.ref(), value)).encode("utf-8")
    return pack(members)


def relabelled(season) -> bytes:
    """MTTQ's genuine return with its meta unit code changed to HLHPN and a later date (an edited identity)."""
    data = _set_meta(season["genuine"]["MTTQ"], "department_code", "HLHPN")
    return put_cells(data, {("info_date", 0): "19/09/2024"})


def unsigned_relabel(season) -> bytes:
    """The same, with the signature cell cleared (an unsigned file claiming HLHPN)."""
    return _set_meta(relabelled(season), "signature", "")


def changed_locked_hash(season) -> bytes:
    """HLHPN's return with the locked-content hash of its meta changed (E18), dated later."""
    data = _set_meta(season["genuine"]["HLHPN"], "locked_hash", "0" * 64)
    return put_cells(data, {("info_date", 0): "19/09/2024"})


UNTRUSTED = {"relabelled": relabelled, "unsigned_relabel": unsigned_relabel, "locked_hash": changed_locked_hash}


def _write(folder: Path, files: dict[str, bytes]) -> list[InputFile]:
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for name, data in files.items():
        (folder / name).write_bytes(data)
        out.append(InputFile(folder / name, name))
    return out


def _summary_status(result, code: str) -> str:
    book = openpyxl.load_workbook(__import__("io").BytesIO(master_bytes(result)), read_only=True)
    name = next(d.short_name for d in result.setup.departments if d.code == code)
    for row in book[SHEET_SUMMARY].iter_rows(values_only=True):
        if row[1] == name:
            return " ".join(str(v) for v in row[2:] if v is not None)
    raise AssertionError(f"{name} not on the report page")


def test_every_error_is_file_level_unless_catalogued_as_criterion_level():
    from bdg_workbook.domain.findings import make
    assert is_file_level_error(make("E17", reason="x")) and is_file_level_error(make("F21"))
    assert not any(is_file_level_error(make(code)) for code in CRITERION_LEVEL_ERRORS)


@pytest.mark.parametrize("case", sorted(UNTRUSTED))
def test_an_untrusted_file_never_supersedes_the_genuine_one(setup, season, tmp_path, case):
    items = _write(tmp_path, {"TDCD_2024_HLHPN.xlsx": season["genuine"]["HLHPN"],
                              "zz_later_HLHPN.xlsx": UNTRUSTED[case](season)})
    result = collect_files(setup, items, "test", jobs=1, keyring=KeyRing.load(season["pub"]))
    counted = {r.department.code: r.file for r in result.departments}
    assert counted == {"HLHPN": "TDCD_2024_HLHPN.xlsx"}
    files = {f.display_name: f for f in result.files}
    assert files["zz_later_HLHPN.xlsx"].status == STATUS_UNTRUSTED
    assert files["zz_later_HLHPN.xlsx"].reason.startswith(("E17", "E13", "E18"))
    assert files["TDCD_2024_HLHPN.xlsx"].status == STATUS_COLLECTED
    data = json.loads(json.dumps(result.as_dict(), ensure_ascii=False, default=str))
    assert [d["file"] for d in data["departments"]] == ["TDCD_2024_HLHPN.xlsx"]
    line = next(d for d in season_status(result).departments if d.code == "HLHPN")
    assert line.status in (VALID, "errors") and line.file == "TDCD_2024_HLHPN.xlsx"


@pytest.mark.parametrize("case", sorted(UNTRUSTED))
def test_a_unit_with_only_an_untrusted_file_stays_not_validly_returned(setup, season, tmp_path, case):
    items = _write(tmp_path, {"TDCD_2024_MTTQ.xlsx": season["genuine"]["MTTQ"], "nghi_van.xlsx": UNTRUSTED[case](season)})
    result = collect_files(setup, items, "test", jobs=1, keyring=KeyRing.load(season["pub"]))
    assert [r.department.code for r in result.departments] == ["MTTQ"] and result.departments[0].rank == 1
    assert "HLHPN" in {d.code for d in result.missing}
    refused = next(f for f in result.files if f.display_name == "nghi_van.xlsx")
    assert refused.status == STATUS_UNTRUSTED and refused.department == "HLHPN"
    codes = {(f.code, f.department) for f in result.findings}
    assert ("W21", "HLHPN") in codes and ("W13", "HLHPN") not in codes
    data = result.as_dict()
    assert {"code": "HLHPN", "name": next(d.name for d in setup.departments if d.code == "HLHPN"),
            "status": "Chưa nộp hợp lệ"} in data["missing"]
    assert _summary_status(result, "HLHPN") == "Chưa nộp hợp lệ"
    line = next(d for d in season_status(result).departments if d.code == "HLHPN")
    assert (line.status, line.file) == (REJECTED, "nghi_van.xlsx")


def test_a_returned_blank_form_is_not_a_submission(setup, season, tmp_path):
    blank = season["forms"]["HLHPN"].read_bytes()
    items = _write(tmp_path, {"TDCD_2024_HLHPN.xlsx": blank, "TDCD_2024_MTTQ.xlsx": season["genuine"]["MTTQ"]})
    result = collect_files(setup, items, "test", jobs=1, keyring=KeyRing.load(season["pub"]))
    assert [r.department.code for r in result.departments] == ["MTTQ"]
    outcome = next(f for f in result.files if f.display_name == "TDCD_2024_HLHPN.xlsx")
    assert outcome.status == STATUS_BLANK
    assert [f.code for f in result.findings if f.file == "TDCD_2024_HLHPN.xlsx"] == ["F21"]
    assert result.as_dict()["missing"][0]["status"].startswith("Chưa nộp")
    line = next(d for d in season_status(result).departments if d.code == "HLHPN")
    assert line.status == MISSING and _summary_status(result, "HLHPN") == "Chưa nộp (biểu mẫu chưa điền)"


def test_an_answer_typed_by_a_raw_edit_makes_the_form_filled(setup, season, tmp_path):
    typed = put_cells(season["forms"]["HLHPN"].read_bytes(), {("in_I_1_value", 0): "Có"})
    result = collect_files(setup, _write(tmp_path, {"a.xlsx": typed}), "test", jobs=1,
                           keyring=KeyRing.load(season["pub"]))
    assert [f.code for f in result.findings if f.code in ("F21", "F22")] == []


@pytest.fixture
def _no_key(monkeypatch, tmp_path):
    monkeypatch.delenv(KEY_ENV, raising=False)
    monkeypatch.chdir(tmp_path)


def test_collect_pointed_at_the_outgoing_forms_exits_1_and_says_no_form_was_filled(runner, season, tmp_path, _no_key):
    out = tmp_path / "ra" / "TONGHOP.xlsx"
    folder = season["forms"]["HLHPN"].parent
    result = runner.invoke(main, ["collect", str(folder), "--keys", str(season["pub"]), "--out", str(out), "--jobs", "1"])
    assert result.exit_code == 1, result.output
    assert result.output.count("[LỖI F21]") == 2 and "[LỖI F22]" in result.output
    assert "Không tìm thấy bảng tự chấm nào đã điền" in result.output
    data = json.loads(out.with_suffix(".json").read_text("utf-8"))
    assert data["departments"] == [] and {f["status"] for f in data["files"]} == {STATUS_BLANK}


# ---------------------------------------------------------------- item 11: lateness from the receipt time


def _inbox_with(tmp_path: Path, data: bytes) -> Path:
    inbox = tmp_path / "nhan"
    inbox.mkdir()
    (inbox / "TDCD_2024_HLHPN.xlsx").write_bytes(data)
    return inbox


def _w07(result) -> list:
    return [f for f in result.findings if f.code == "W07"]


def test_a_back_dated_return_received_after_the_deadline_is_late(setup, season, tmp_path):
    data = season["genuine"]["HLHPN"]                                  # typed date 02/09/2024, before the deadline
    inbox = _inbox_with(tmp_path, data)
    import hashlib
    append_receipt(inbox, Receipt("TDCD_2024_HLHPN.xlsx", "TDCD_2024_HLHPN.xlsx", hashlib.sha256(data).hexdigest(),
                                  len(data), "2024-09-23T08:30:00+07:00", "web"))
    late = _w07(collect(inbox, setup, jobs=1, keyring=KeyRing.load(season["pub"])))
    assert len(late) == 1 and late[0].value == "02/09/2024"
    assert "23/09/2024" in late[0].message and "02/09/2024" in late[0].message


def test_an_email_date_after_the_deadline_makes_the_attachment_late(setup, season, tmp_path):
    msg = email.message.EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "hlhpn@example.vn", "ubnd@example.vn", "Bảng tự chấm"
    msg["Date"] = email.utils.format_datetime(dt.datetime(2024, 9, 25, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=7))))
    msg.set_content("Gửi bảng tự chấm")
    msg.add_attachment(season["genuine"]["HLHPN"], maintype="application",
                       subtype="vnd.openxmlformats-officedocument.spreadsheetml.sheet", filename="TDCD_2024_HLHPN.xlsx")
    inbox = tmp_path / "nhan"
    inbox.mkdir()
    (inbox / "thu.eml").write_bytes(bytes(msg))
    late = _w07(collect(inbox, setup, jobs=1, keyring=KeyRing.load(season["pub"])))
    assert len(late) == 1 and "25/09/2024" in late[0].message and "thư điện tử" in late[0].message


def test_a_late_typed_date_received_in_time_is_not_late(setup, season, tmp_path):
    data = put_cells(season["genuine"]["HLHPN"], {("info_date", 0): "28/09/2024"})
    inbox = _inbox_with(tmp_path, data)
    import hashlib
    append_receipt(inbox, Receipt("a", "TDCD_2024_HLHPN.xlsx", hashlib.sha256(data).hexdigest(), len(data),
                                  "2024-09-18T10:00:00+07:00", "web"))
    assert _w07(collect(inbox, setup, jobs=1, keyring=KeyRing.load(season["pub"]))) == []


def test_collect_records_when_it_first_saw_a_file_and_keeps_that_time(setup, season, tmp_path):
    inbox = _inbox_with(tmp_path, season["genuine"]["HLHPN"])
    first = collect(inbox, setup, jobs=1, keyring=KeyRing.load(season["pub"]), record_receipts=True)
    log = read_receipts(inbox)
    assert len(log) == 1 and log[0].channel == "folder" and (inbox / RECEIPTS_NAME).is_file()
    again = collect(inbox, setup, jobs=1, keyring=KeyRing.load(season["pub"]), record_receipts=True)
    assert len(read_receipts(inbox)) == 1
    assert [f.received_at for f in first.files] == [f.received_at for f in again.files] == [log[0].received_at]
    assert _w07(again) and "lần đầu chương trình thấy tệp" in _w07(again)[0].message   # today is after 2024

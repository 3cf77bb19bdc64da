"""`inbox.collect_inputs`: .xlsx files, and .xlsx attachments of saved emails extracted safely to a work folder."""

from __future__ import annotations

import base64
import hashlib
import unicodedata
from email.message import EmailMessage
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bdg_workbook.collect.inbox import (
    ATTACHMENT_NOT_XLSX, ATTACHMENT_RENAMED, ATTACHMENT_TOO_LARGE, EML_NO_XLSX, EML_UNREADABLE, FILE_NOT_XLSX,
    MAX_NAME_CHARS, InboxError, collect_inputs, safe_name,
)
from bdg_workbook.mail.drafts import load_email_template, write_drafts

XLSX = b"PK\x03\x04" + bytes(range(256)) * 4


def snapshot(root: Path, skip: Path | None = None) -> dict[str, str]:
    """SHA-256 of every file under ``root`` (except under ``skip``), by relative path."""
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and (skip is None or skip not in p.parents)}


def reply(name: str, data: bytes, sender: str = "hoilhpn.nhonhung@example.com") -> bytes:
    """A department's reply with one attachment, as a mail program saves it."""
    msg = EmailMessage()
    msg["From"], msg["To"] = sender, "vhxh@example.org"
    msg["Subject"], msg["Date"] = "Re: Bảng tự chấm điểm", "Mon, 16 Sep 2024 08:30:00 +0700"
    msg.set_content("Đơn vị gửi lại bảng tự chấm.")
    msg.add_attachment(data, maintype="application", subtype="vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       filename=name)
    return bytes(msg)


def hostile(outside: Path) -> bytes:
    """An email whose attachment names try to escape the work folder."""
    parts = [
        'filename="../../x.xlsx"',
        f'filename="{outside / "abs.xlsx"}"',
        'filename="C:\\\\Windows\\\\evil.xlsx"',
        "filename*=utf-8''%2E%2E%2Fctl%00%07%1B%E2%80%AEname.xlsx",
        'filename=".."',
        'filename="virus.exe"',
        'filename="bang.xlsx.exe"',
    ]
    payload = base64.encodebytes(XLSX).decode("ascii")
    body = ["From: la@example.com", "To: vhxh@example.org", "Subject: hostile", "MIME-Version: 1.0",
            'Content-Type: multipart/mixed; boundary="B"', "", "--B", "Content-Type: text/plain", "", "xin chao"]
    for disposition in parts:
        body += ["--B", "Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                 "Content-Transfer-Encoding: base64", f"Content-Disposition: attachment; {disposition}", "", payload]
    body.append("--B--")
    return "\r\n".join(body).encode("ascii")


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    """An inbox with replies, a hostile email, a broken one, plain files, lock and hidden files."""
    root = tmp_path / "inbox"
    (root / "thu").mkdir(parents=True)
    (root / ".an").mkdir()
    (root / "thu" / "hlhpn.eml").write_bytes(reply("TDCD_2024_HLHPN.xlsx", XLSX))
    (root / "thu" / "hlhpn-lan2.eml").write_bytes(reply("TDCD_2024_HLHPN.xlsx", XLSX[::-1]))
    (root / "thu" / "hostile.eml").write_bytes(hostile(tmp_path / "outside"))
    (root / "thu" / "lon.eml").write_bytes(reply("TDCD_2024_DTN.xlsx", XLSX * 8))
    (root / "thu" / "chi-chu.eml").write_bytes(b"From: a@example.com\r\nSubject: khong kem tep\r\n\r\nxin chao\r\n")
    (root / "hong.eml").write_bytes(b"\x00\xff\xfe garbage \x89PNG\r\n\x1a\n")
    (root / "TDCD_2024_CA.xlsx").write_bytes(XLSX)
    (root / "~$TDCD_2024_CA.xlsx").write_bytes(b"lock")
    (root / ".an" / "TDCD_2024_QS.xlsx").write_bytes(XLSX)
    (root / ".TDCD_2024_QS.xlsx").write_bytes(XLSX)
    (root / "ban-scan.pdf").write_bytes(b"%PDF-1.4")
    return root


def test_hostile_attachment_names_stay_inside_the_work_folder(inbox, tmp_path, monkeypatch):
    work = tmp_path / "work"
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    before_inbox, before_all = snapshot(inbox), snapshot(tmp_path, skip=work)

    scan = collect_inputs(inbox, work, max_attachment_bytes=len(XLSX) * 4)

    assert snapshot(inbox) == before_inbox
    assert snapshot(tmp_path, skip=work) == before_all  # nothing new or changed outside the work folder
    assert not (tmp_path.parent / "x.xlsx").exists() and not (tmp_path / "outside").exists()
    assert list(cwd.iterdir()) == []
    extracted = [item for item in scan.items if item.origin]
    assert all(item.path.parent == work.resolve() for item in extracted)
    assert sorted(p.name for p in work.iterdir()) == sorted(item.path.name for item in extracted)
    for item in extracted:
        assert "/" not in item.display_name and "\\" not in item.display_name
        assert all(unicodedata.category(ch)[0] != "C" for ch in item.display_name)
        assert item.path.read_bytes() in (XLSX, XLSX[::-1])


def test_items_remember_their_origin_and_notes_say_why(inbox, tmp_path):
    scan = collect_inputs(inbox, tmp_path / "work", max_attachment_bytes=len(XLSX) * 4)
    by_origin = {item.origin: item for item in scan.items}
    plain = [item for item in scan.items if item.origin is None]
    assert [item.display_name for item in plain] == ["TDCD_2024_CA.xlsx"]
    assert plain[0].path == inbox / "TDCD_2024_CA.xlsx"

    first = by_origin["thu/hlhpn.eml → TDCD_2024_HLHPN.xlsx"]
    second = by_origin["thu/hlhpn-lan2.eml → TDCD_2024_HLHPN.xlsx"]
    assert {first.path.name, second.path.name} == {"TDCD_2024_HLHPN.xlsx", "TDCD_2024_HLHPN (2).xlsx"}
    assert first.sender == "hoilhpn.nhonhung@example.com" and first.sent_at.isoformat() == "2024-09-16T08:30:00+07:00"
    assert first.source == inbox / "thu" / "hlhpn.eml" and first.label == first.origin

    traversal = by_origin["thu/hostile.eml → ../../x.xlsx"]
    assert traversal.display_name == "x.xlsx"
    assert by_origin["thu/hostile.eml → C:\\Windows\\evil.xlsx"].display_name == "evil.xlsx"
    assert by_origin["thu/hostile.eml → ../ctl\\x00\\x07\\x1b\\u202ename.xlsx"].display_name == "ctlname.xlsx"
    assert by_origin["thu/hostile.eml → .."].display_name == "tep-dinh-kem.xlsx"
    assert by_origin[f"thu/hostile.eml → {tmp_path / 'outside' / 'abs.xlsx'}"].display_name == "abs.xlsx"

    kinds = {(note.kind, note.file) for note in scan.notes}
    assert (ATTACHMENT_NOT_XLSX, "thu/hostile.eml → virus.exe") in kinds
    assert (ATTACHMENT_NOT_XLSX, "thu/hostile.eml → bang.xlsx.exe") in kinds
    assert (ATTACHMENT_RENAMED, "thu/hostile.eml → ../../x.xlsx") in kinds
    assert (ATTACHMENT_TOO_LARGE, "thu/lon.eml → TDCD_2024_DTN.xlsx") in kinds
    assert (EML_NO_XLSX, "thu/chi-chu.eml") in kinds
    assert (EML_NO_XLSX, "thu/lon.eml") in kinds
    assert (EML_UNREADABLE, "hong.eml") in kinds
    assert (FILE_NOT_XLSX, "ban-scan.pdf") in kinds
    assert not any("QS" in item.display_name or "~$" in item.display_name for item in scan.items)
    assert all(note.message for note in scan.notes)


def test_work_folder_inside_the_inbox_is_refused_before_writing(inbox, tmp_path):
    before = snapshot(inbox)
    for work in (inbox / "tam", inbox, tmp_path):
        with pytest.raises(InboxError, match="không được nằm trong"):
            collect_inputs(inbox, work)
    assert snapshot(inbox) == before and not (inbox / "tam").exists()
    with pytest.raises(InboxError, match="Không thấy thư mục"):
        collect_inputs(tmp_path / "khong-co", tmp_path / "work")


def test_drafts_written_by_mail_extract_to_the_same_bytes(setup, generated_workbooks, tmp_path):
    inbox = tmp_path / "inbox"
    write_drafts(setup, inbox, generated_workbooks, load_email_template(), only=["HLHPN", "MTTQ"])
    scan = collect_inputs(inbox, tmp_path / "work")
    assert scan.notes == []
    for item in scan.items:
        assert item.path.read_bytes() == (generated_workbooks / item.display_name).read_bytes()
    assert sorted(item.display_name for item in scan.items) == ["TDCD_2024_HLHPN.xlsx", "TDCD_2024_MTTQ.xlsx"]


@pytest.mark.parametrize(("raw", "expected"), [
    ("../../x.xlsx", "x.xlsx"),
    ("/etc/passwd.xlsx", "passwd.xlsx"),
    ("C:\\Users\\a\\Bảng.XLSX", "Bảng.xlsx"),
    ("C:x.xlsx", "C_x.xlsx"),
    ("a\x00b\x07c.xlsx", "abc.xlsx"),
    (".hidden.xlsx", "hidden.xlsx"),
    ("..", "tep-dinh-kem.xlsx"),
    ("", "tep-dinh-kem.xlsx"),
    ("CON.xlsx", "_CON.xlsx"),
    (unicodedata.normalize("NFD", "Hội LHPN.xlsx"), "Hội LHPN.xlsx"),
    ("x" * 300 + ".xlsx", "x" * MAX_NAME_CHARS + ".xlsx"),
])
def test_safe_name_examples(raw, expected):
    assert safe_name(raw) == expected


@given(st.text(max_size=300))
def test_safe_name_is_always_one_harmless_component(raw):
    name = safe_name(raw)
    assert name and name not in (".", "..") and not name.startswith((".", " "))
    assert "/" not in name and "\\" not in name and ":" not in name
    assert all(unicodedata.category(ch) not in ("Cc", "Cf", "Cs") for ch in name)
    assert unicodedata.normalize("NFC", name) == name
    assert len(name.encode("utf-8")) <= 200

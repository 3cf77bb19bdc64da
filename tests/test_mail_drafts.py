"""`mail` without --send: one `.eml` draft per department that parses back with the standard library."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest

from bdg_workbook.cli.main import main
from bdg_workbook.domain.errors import TemplateError
from bdg_workbook.mail.drafts import (
    DRAFTED, NO_ADDRESS, NO_WORKBOOK, XLSX_SUBTYPE, MailError, AttachmentFile, build_message, load_email_template,
    write_drafts,
)
from bdg_workbook.domain.model import Setup, SmtpConfig
from bdg_workbook.config.templates import TEMPLATES_DIR

SENDER = "vhxh.nhonhung@example.org"


def parse_file(path: Path):
    """A draft parsed with the standard library (policy default)."""
    with path.open("rb") as fh:
        return BytesParser(policy=policy.default).parse(fh)


@pytest.fixture
def drafts(setup: Setup, generated_workbooks: Path, tmp_path: Path):
    """Drafts for every department of the default setup, with a sender in the config."""
    smtp = SmtpConfig(host="smtp.phuong.vn", port=587, sender=SENDER, sender_name="UBND phường Nhơn Hưng")
    setup = dataclasses.replace(setup, config=dataclasses.replace(setup.config, smtp=smtp))
    out = tmp_path / "mail"
    return setup, out, write_drafts(setup, out, generated_workbooks, load_email_template())


def test_drafts_parse_back_with_headers_body_and_attachment(drafts, generated_workbooks):
    setup, out, report = drafts
    assert [o.code for o in report.outcomes] == [d.code for d in setup.departments]
    for dept in setup.departments:
        path = out / f"TDCD_{setup.config.year}_{dept.code}.eml"
        msg = parse_file(path)
        workbook = generated_workbooks / f"TDCD_{setup.config.year}_{dept.code}.xlsx"
        assert msg["X-Unsent"] == "1"
        assert msg["From"].addresses[0].addr_spec == SENDER
        assert msg["From"].addresses[0].display_name == "UBND phường Nhơn Hưng"
        assert msg["Subject"] == ("Bảng tự chấm điểm thi đua Vì sự tiến bộ của phụ nữ và Bình đẳng giới năm 2024 - "
                                  + dept.name)
        if dept.email:
            assert [a.addr_spec for a in msg["To"].addresses] == [dept.email]
        else:
            assert msg["To"] is None
        body = msg.get_body(("plain",)).get_content()
        assert dept.name in body and "20/09/2024" in body and workbook.name in body
        assert setup.config.contact in body
        assert body.count("\n1. ") == body.count("\n2. ") == body.count("\n3. ") == 1
        [attachment] = list(msg.iter_attachments())
        assert attachment.get_content_type() == f"application/{XLSX_SUBTYPE}"
        assert attachment.get_filename() == workbook.name
        assert attachment.get_content() == workbook.read_bytes()
        lines = path.read_bytes().split(b"\r\n")
        assert max(len(line) for line in lines) <= 998  # RFC 5322 hard limit
        assert max(len(line) for line in lines if line.startswith((b"Subject:", b" =?utf-8?"))) <= 78


def test_department_without_address_is_reported_not_skipped(drafts):
    setup, out, report = drafts
    status = {o.code: o for o in report.outcomes}
    without = [d.code for d in setup.departments if not d.email]
    assert without, "the default list keeps departments without an address"
    for code in without:
        assert status[code].status == NO_ADDRESS
        assert "Chưa có địa chỉ email" in status[code].message and code in status[code].message
        assert status[code].path.is_file()
    assert {c for c, o in status.items() if o.status == DRAFTED} == {d.code for d in setup.departments if d.email}
    assert not report.ok


def test_missing_workbook_names_the_generate_command_and_no_temp_files_remain(setup, tmp_path):
    workbooks = tmp_path / "wb"
    workbooks.mkdir()
    (workbooks / "TDCD_2024_HLHPN.xlsx").write_bytes(b"PK\x03\x04 stand-in")
    report = write_drafts(setup, tmp_path / "mail", workbooks, load_email_template(), only=["HLHPN", "dtn"])
    assert [(o.code, o.status) for o in report.outcomes] == [("HLHPN", DRAFTED), ("DTN", NO_WORKBOOK)]
    assert "bdg-workbook generate" in report.outcomes[1].message
    assert sorted(p.name for p in (tmp_path / "mail").iterdir()) == ["TDCD_2024_HLHPN.eml"]
    with pytest.raises(MailError, match="XYZ"):
        write_drafts(setup, tmp_path / "mail", workbooks, load_email_template(), only=["XYZ"])


def test_non_ascii_attachment_name_and_no_deadline(setup, tmp_path):
    config = dataclasses.replace(setup.config, department_deadline=None)
    setup = dataclasses.replace(setup, config=config)
    data = b"PK\x03\x04 workbook bytes"
    workbook = AttachmentFile(tmp_path / "Biểu mẫu Hội LHPN phường Nhơn Hưng năm 2024.xlsx", data,
                        hashlib.sha256(data).hexdigest())
    dept = next(d for d in setup.departments if d.code == "HLHPN")
    msg = build_message(setup, load_email_template(), dept, workbook, sender=None)
    back = BytesParser(policy=policy.default).parsebytes(msg.as_bytes())
    [attachment] = list(back.iter_attachments())
    assert attachment.get_filename() == workbook.path.name
    assert attachment.get_content() == data
    assert "…/…/2024" in back.get_body(("plain",)).get_content()
    assert back["From"] is None


def test_email_template_problems_are_located(tmp_path):
    path = tmp_path / "email.yaml"
    path.write_text('subject: "Thư cho ${don_vi}\\nvà dòng hai"\nbody: "Giá 5$ ${ten_don_vi}"\n', encoding="utf-8")
    with pytest.raises(TemplateError) as caught:
        load_email_template(path)
    text = "\n".join(str(p) for p in caught.value.problems)
    assert "email.yaml:1 (subject)" in text and "${don_vi}" in text and "một dòng" in text
    assert "email.yaml:2 (body)" in text and "$$" in text


def test_cli_writes_drafts_and_reports(runner, generated_workbooks, tmp_path):
    out = tmp_path / "mail"
    args = ["mail", "--workbooks", str(generated_workbooks), "--out", str(out)]
    result = runner.invoke(main, args)
    assert result.exit_code == 1, result.output  # departments without an address
    assert "[THIẾU EMAIL]" in result.output and "[THƯ NHÁP]" in result.output
    assert len(list(out.glob("*.eml"))) == len(list(generated_workbooks.glob("*.xlsx")))

    only = runner.invoke(main, args + ["--only", "HLHPN", "--only", "DTN"])
    assert only.exit_code == 0, only.output
    assert only.output.count("[THƯ NHÁP]") == 2

    unknown = runner.invoke(main, args + ["--only", "KHONGCO"])
    assert unknown.exit_code == 2 and "KHONGCO" in unknown.output

    missing = runner.invoke(main, ["mail", "--workbooks", str(tmp_path / "trong"), "--out", str(out), "--only", "DTN"])
    assert missing.exit_code == 1 and "bdg-workbook generate" in missing.output


def test_email_template_beside_the_config_wins_and_json_output(runner, generated_workbooks, tmp_path):
    folder = tmp_path / "mau"
    folder.mkdir()
    (folder / "config.yaml").write_bytes((TEMPLATES_DIR / "config.yaml").read_bytes())
    (folder / "email.yaml").write_text('subject: "Gửi ${ma_don_vi}: hạn ${han_nop}"\nbody: "Kính gửi ${nguoi_nhan}."\n',
                                       encoding="utf-8")
    out = tmp_path / "mail"
    result = runner.invoke(main, ["mail", "--config", str(folder / "config.yaml"), "--workbooks",
                                  str(generated_workbooks), "--out", str(out), "--only", "HLHPN", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["ok"] is True and [o["status"] for o in data["outcomes"]] == [DRAFTED]
    msg = parse_file(out / "TDCD_2024_HLHPN.eml")
    assert msg["Subject"] == "Gửi HLHPN: hạn 20/09/2024"
    assert msg.get_body(("plain",)).get_content().replace("\r\n", "\n") == "Kính gửi Chủ tịch Hội LHPN phường.\n"

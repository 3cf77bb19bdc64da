"""`mail --send` against a real SMTP server on loopback (aiosmtpd): delivery, send log, refused login, rejections."""

from __future__ import annotations

import dataclasses
import json
import socket
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest
import yaml
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from bdg_workbook.cli.main import main
from bdg_workbook.domain.errors import TemplateError
from bdg_workbook.mail.drafts import (
    ALREADY_SENT, FAILED, NO_ADDRESS, REJECTED, SENT, XLSX_SUBTYPE, MailError, load_email_template,
    template_values,
)
from bdg_workbook.mail.smtp_send import send_messages
from bdg_workbook.domain.model import Setup, SmtpConfig
from bdg_workbook.config.load import load_config
from bdg_workbook.config.templates import TEMPLATES_DIR

USER, PASSWORD = "vhxh.nhonhung@example.org", "mật-khẩu-thử"
SENDER = "vhxh.nhonhung@example.org"
WITHOUT_ADDRESS = ("HND", "QS")
REJECTED_ADDRESS = "tyt.khong.ton.tai@example.org"


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Recorder:
    """aiosmtpd handler: keeps every accepted message; rejects some recipients; can fail DATA once (4xx)."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], bytes]] = []
        self.reject: set[str] = set()
        self.busy_once: set[str] = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: ANN001, N802
        if address in self.reject:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, N802
        if self.busy_once & set(envelope.rcpt_tos):
            self.busy_once -= set(envelope.rcpt_tos)
            return "451 4.3.0 Try again later"
        self.messages.append((list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


class Authenticator:
    """Accepts exactly one login and password; counts attempts."""

    def __init__(self) -> None:
        self.attempts = 0

    def __call__(self, server, session, envelope, mechanism, auth_data) -> AuthResult:  # noqa: ANN001
        self.attempts += 1
        ok = (isinstance(auth_data, LoginPassword) and auth_data.login == USER.encode()
              and auth_data.password == PASSWORD.encode())
        return AuthResult(success=ok, handled=False)


@dataclasses.dataclass
class Server:
    """A running loopback SMTP server."""

    port: int
    handler: Recorder
    auth: Authenticator


@pytest.fixture
def server():
    """A real SMTP server on 127.0.0.1 with AUTH (plain connection: loopback only)."""
    handler, auth = Recorder(), Authenticator()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, authenticator=auth, auth_require_tls=False)
    controller.start()
    yield Server(port, handler, auth)
    controller.stop()


def smtp_settings(port: int, **changes) -> SmtpConfig:
    """Loopback settings, no waiting between retries."""
    base = SmtpConfig(host="127.0.0.1", port=port, security="none", user=USER, sender=SENDER,
                      sender_name="UBND phường Nhơn Hưng", retries=2, retry_delay=0.0, timeout=5.0)
    return dataclasses.replace(base, **changes)


@pytest.fixture
def mail_setup(setup: Setup) -> Setup:
    """The default setup with an address for every department but two, one of them refused by the server."""
    emails = {d.code: ("" if d.code in WITHOUT_ADDRESS else f"{d.code.lower()}.nhonhung@example.org")
              for d in setup.departments}
    emails["TYT"] = REJECTED_ADDRESS
    departments = tuple(dataclasses.replace(d, email=emails[d.code]) for d in setup.departments)
    return dataclasses.replace(setup, departments=departments)


def with_server(setup: Setup, port: int, **changes) -> Setup:
    """``setup`` whose config points at the loopback server."""
    return dataclasses.replace(setup, config=dataclasses.replace(setup.config, smtp=smtp_settings(port, **changes)))


def send(setup: Setup, out: Path, workbooks: Path, password: str = PASSWORD, sleeps: list | None = None):
    """Run the library's send with the password in a fake environment."""
    return send_messages(setup, out, workbooks, load_email_template(), env={"BDG_SMTP_PASSWORD": password},
                         sleep=(sleeps.append if sleeps is not None else lambda _s: None))


def parse(content: bytes):
    """A received message, parsed with the standard library."""
    return BytesParser(policy=policy.default).parsebytes(content)


def log_lines(out: Path) -> list[dict]:
    """The send log as dicts."""
    path = out / "send-log.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


def test_every_department_with_an_address_receives_its_own_workbook(mail_setup, server, generated_workbooks, tmp_path):
    server.handler.reject.add(REJECTED_ADDRESS)
    setup = with_server(mail_setup, server.port)
    report = send(setup, tmp_path / "mail", generated_workbooks)

    expected = {d.email: d for d in setup.departments if d.email and d.email != REJECTED_ADDRESS}
    received = {tuple(rcpts): content for rcpts, content in server.handler.messages}
    assert sorted(received) == sorted((addr,) for addr in expected)
    template = load_email_template()
    for address, dept in expected.items():
        msg = parse(received[(address,)])
        workbook = generated_workbooks / f"TDCD_{setup.config.year}_{dept.code}.xlsx"
        assert msg["To"].addresses[0].addr_spec == address
        assert msg["From"].addresses[0].addr_spec == SENDER
        assert msg["Subject"] == template.subject.substitute(template_values(setup, dept, workbook.name))
        assert dept.name in msg["Subject"]
        [attachment] = list(msg.iter_attachments())
        assert attachment.get_content_type() == f"application/{XLSX_SUBTYPE}"
        assert attachment.get_filename() == workbook.name
        assert attachment.get_content() == workbook.read_bytes()
        assert msg.get_body(("plain",)).get_content().count(dept.name) >= 1
    status = {o.code: o.status for o in report.outcomes}
    assert [o.code for o in report.outcomes] == [d.code for d in setup.departments]
    assert {c for c, s in status.items() if s == NO_ADDRESS} == set(WITHOUT_ADDRESS)
    assert status["TYT"] == REJECTED
    assert {c for c, s in status.items() if s == SENT} == {d.code for d in expected.values()}
    assert {(e["code"], e["to"]) for e in log_lines(tmp_path / "mail")} == {(d.code, a) for a, d in expected.items()}
    assert server.auth.attempts == 1  # one connection for the whole run


def test_rerun_sends_nothing_new_but_a_regenerated_workbook_goes_again(mail_setup, server, generated_workbooks,
                                                                     tmp_path):
    workbooks = tmp_path / "wb"
    workbooks.mkdir()
    only = ("HLHPN", "DTN", "MTTQ")
    for code in only:
        name = f"TDCD_{mail_setup.config.year}_{code}.xlsx"
        (workbooks / name).write_bytes((generated_workbooks / name).read_bytes())
    setup = with_server(mail_setup, server.port)
    out = tmp_path / "mail"
    first = send_messages(setup, out, workbooks, load_email_template(), only=only, env={"BDG_SMTP_PASSWORD": PASSWORD})
    assert [o.status for o in first.outcomes] == [SENT, SENT, SENT]
    assert len(server.handler.messages) == 3

    second = send(setup, out, workbooks)
    assert len(server.handler.messages) == 3
    assert {o.code: o.status for o in second.outcomes if o.code in only} == dict.fromkeys(only, ALREADY_SENT)
    assert server.auth.attempts == 1  # nothing new to send: no connection at all

    regenerated = workbooks / f"TDCD_{setup.config.year}_HLHPN.xlsx"
    regenerated.write_bytes((generated_workbooks / f"TDCD_{setup.config.year}_TTH.xlsx").read_bytes())
    third = send(setup, out, workbooks)
    assert [o.code for o in third.outcomes if o.status == SENT] == ["HLHPN"]
    assert len(server.handler.messages) == 4
    [_, content] = server.handler.messages[-1]
    [attachment] = list(parse(content).iter_attachments())
    assert attachment.get_content() == regenerated.read_bytes()
    assert [e["code"] for e in log_lines(out)] == ["MTTQ", "HLHPN", "DTN", "HLHPN"]
    assert len({e["sha256"] for e in log_lines(out) if e["code"] == "HLHPN"}) == 2


def test_refused_login_stops_with_a_clear_error_and_sends_nothing(mail_setup, server, generated_workbooks, tmp_path):
    setup = with_server(mail_setup, server.port)
    with pytest.raises(MailError) as caught:
        send(setup, tmp_path / "mail", generated_workbooks, password="sai-mật-khẩu")
    text = str(caught.value)
    assert "từ chối đăng nhập" in text and USER in text and "BDG_SMTP_PASSWORD" in text
    assert server.handler.messages == []
    assert server.auth.attempts == 1  # a refused login is not retried
    assert log_lines(tmp_path / "mail") == []


def test_one_rejected_recipient_does_not_stop_the_others(mail_setup, server, generated_workbooks, tmp_path):
    server.handler.reject.add(REJECTED_ADDRESS)
    setup = with_server(mail_setup, server.port)
    report = send(setup, tmp_path / "mail", generated_workbooks, sleeps=(sleeps := []))
    [rejected] = [o for o in report.outcomes if o.status == REJECTED]
    assert rejected.code == "TYT" and REJECTED_ADDRESS in rejected.message and "550" in rejected.message
    after = [o.code for o in report.outcomes[report.outcomes.index(rejected) + 1:] if o.status == SENT]
    assert after, "departments after the rejected one are still sent"
    assert all(rcpts != [REJECTED_ADDRESS] for rcpts, _ in server.handler.messages)
    assert sleeps == []  # a permanent (5xx) rejection is not retried
    assert "TYT" not in {e["code"] for e in log_lines(tmp_path / "mail")}


def test_transient_failure_is_retried_with_backoff(mail_setup, server, generated_workbooks, tmp_path):
    address = next(d.email for d in mail_setup.departments if d.code == "DTN")
    server.handler.busy_once.add(address)
    setup = with_server(mail_setup, server.port, retry_delay=0.001)
    report = send(setup, tmp_path / "mail", generated_workbooks, sleeps=(sleeps := []))
    assert {o.code: o.status for o in report.outcomes}["DTN"] == SENT
    assert [rcpts for rcpts, _ in server.handler.messages].count([address]) == 1
    assert sleeps == [0.001]


def test_unreachable_server_is_reported_for_every_department_quickly(mail_setup, generated_workbooks, tmp_path):
    setup = with_server(mail_setup, free_port(), retries=1)
    report = send(setup, tmp_path / "mail", generated_workbooks, sleeps=(sleeps := []))
    failed = [o for o in report.outcomes if o.status == FAILED]
    assert len(failed) == sum(1 for d in setup.departments if d.email)
    assert all("Không kết nối được máy chủ thư 127.0.0.1" in o.message for o in failed)
    assert len(sleeps) == 1  # retried once for the first department, not once per department
    assert not report.ok


def test_missing_password_or_sender_or_placeholder_host_stops_before_connecting(mail_setup, server, generated_workbooks,
                                                                                tmp_path):
    template = load_email_template()
    setup = with_server(mail_setup, server.port)
    with pytest.raises(MailError, match="BDG_SMTP_PASSWORD"):
        send_messages(setup, tmp_path, generated_workbooks, template, env={})
    with pytest.raises(MailError, match="smtp.from"):
        send_messages(with_server(mail_setup, server.port, sender="", user="phuong"), tmp_path, generated_workbooks,
                      template, env={"BDG_SMTP_PASSWORD": PASSWORD})
    with pytest.raises(MailError, match="smtp.example.com"):
        send_messages(with_server(mail_setup, 587, host="smtp.example.com"), tmp_path, generated_workbooks, template,
                      env={"BDG_SMTP_PASSWORD": PASSWORD})
    with pytest.raises(MailError, match="security: none"):
        send_messages(with_server(mail_setup, 25, host="mail.phuong.vn"), tmp_path, generated_workbooks, template,
                      env={"BDG_SMTP_PASSWORD": PASSWORD})
    with pytest.raises(MailError, match="'smtp'"):
        send_messages(dataclasses.replace(setup, config=dataclasses.replace(setup.config, smtp=None)), tmp_path,
                      generated_workbooks, template, env={})
    assert server.auth.attempts == 0 and server.handler.messages == []


def write_config(tmp_path: Path, smtp: dict) -> Path:
    """templates/config.yaml with its smtp block replaced."""
    data = yaml.safe_load((TEMPLATES_DIR / "config.yaml").read_text(encoding="utf-8"))
    data["smtp"] = smtp
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def test_cli_send_then_rerun(runner, server, generated_workbooks, tmp_path):
    config = write_config(tmp_path, {"host": "127.0.0.1", "port": server.port, "security": "none", "user": USER,
                                     "from": SENDER, "password_env": "BDG_TEST_SMTP_PW", "retry_delay_seconds": 0})
    args = ["mail", "--send", "--config", str(config), "--workbooks", str(generated_workbooks),
            "--out", str(tmp_path / "mail")]
    result = runner.invoke(main, args, env={"BDG_TEST_SMTP_PW": PASSWORD})
    with_address = [d for d in load_setup_default().departments if d.email]
    assert result.exit_code == 1, result.output  # the default list has departments without an address
    assert result.output.count("[ĐÃ GỬI]") == len(with_address)
    assert "[THIẾU EMAIL]" in result.output
    assert len(server.handler.messages) == len(with_address)

    again = runner.invoke(main, args + ["--only", ",".join(d.code for d in with_address)],
                          env={"BDG_TEST_SMTP_PW": PASSWORD})
    assert again.exit_code == 0, again.output
    assert again.output.count("[ĐÃ GỬI TRƯỚC]") == len(with_address)
    assert len(server.handler.messages) == len(with_address)

    refused = runner.invoke(main, args, env={"BDG_TEST_SMTP_PW": ""})
    assert refused.exit_code == 2 and "BDG_TEST_SMTP_PW" in refused.output


def load_setup_default() -> Setup:
    """The built-in setup (departments with example addresses)."""
    from bdg_workbook.config.load import load_setup

    return load_setup()


def test_smtp_block_of_config_is_validated_with_locations(tmp_path):
    config = write_config(tmp_path, {"host": "smtp.phuong.vn", "port": 70000, "security": "tls",
                                     "from": "không-phải-địa-chỉ", "password_env": "BDG PASSWORD",
                                     "password": "bí-mật"})
    with pytest.raises(TemplateError) as caught:
        load_config(config)
    where = {p.location.split(" ")[-1] for p in caught.value.problems}
    assert where == {"(smtp.port)", "(smtp.security)", "(smtp.from)", "(smtp.password_env)", "(smtp.password)"}
    ok = load_config(write_config(tmp_path, {"host": "smtp.phuong.vn", "port": 465, "security": "ssl"}))
    assert ok.smtp == SmtpConfig(host="smtp.phuong.vn", port=465, security="ssl")
    assert load_config(TEMPLATES_DIR / "config.yaml").smtp.password_env == "BDG_SMTP_PASSWORD"


@pytest.mark.parametrize(("security", "expected"), [("ssl", "bắt tay bảo mật"), ("starttls", "không hỗ trợ STARTTLS")])
def test_wrong_security_for_the_server_is_a_setup_error(mail_setup, server, generated_workbooks, tmp_path,
                                                        security, expected):
    setup = with_server(mail_setup, server.port, security=security, user="")
    with pytest.raises(MailError, match=expected):
        send(setup, tmp_path / "mail", generated_workbooks)
    assert server.handler.messages == []

"""Sending over STARTTLS and over implicit TLS (SSL) to a real local SMTP server (aiosmtpd) whose test
certificate is made with ``cryptography`` at test time; the library's own connection code is used, trusting
the test authority through SSL_CERT_FILE (issue 14). Also the web app's "Gửi thư" with a typed password."""

from __future__ import annotations

import dataclasses
import datetime as dt
import ipaddress
import re
import socket
import ssl
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from web_helpers import (  # noqa: F401
    BASE,
    copy_season,
    csrf_of,
    logged_in,
    make_app,
    season_template_fixture,
)

from bdg_workbook.domain.model import Setup, SmtpConfig
from bdg_workbook.mail.drafts import SENT, MailError, load_email_template
from bdg_workbook.mail.smtp_send import send_messages

USER, PASSWORD = "vhxh.nhonhung@example.org", "mật-khẩu-TLS"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _name(text: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, text)])


@dataclasses.dataclass(frozen=True)
class Pki:
    """A test certificate authority and a server certificate for 127.0.0.1 / localhost, as PEM files."""

    ca_file: Path
    cert_file: Path
    key_file: Path
    other_ca_file: Path


def _authority(common_name: str) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(_name(common_name)).issuer_name(_name(common_name))
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(hours=1)).not_valid_after(now + dt.timedelta(days=2))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                         content_commitment=False, key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256()))
    return key, cert


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    folder = tmp_path_factory.mktemp("pki")
    ca_key, ca_cert = _authority("bdg-workbook test CA")
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(_name("127.0.0.1")).issuer_name(ca_cert.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(hours=1)).not_valid_after(now + dt.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    _other_key, other_cert = _authority("some other CA")
    pem = serialization.Encoding.PEM
    files = Pki(folder / "ca.pem", folder / "server.pem", folder / "server.key", folder / "other-ca.pem")
    files.ca_file.write_bytes(ca_cert.public_bytes(pem))
    files.cert_file.write_bytes(cert.public_bytes(pem))
    files.key_file.write_bytes(key.private_bytes(pem, serialization.PrivateFormat.PKCS8,
                                                 serialization.NoEncryption()))
    files.other_ca_file.write_bytes(other_cert.public_bytes(pem))
    return files


class Recorder:
    """Keeps each accepted message and whether its session was encrypted."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], bytes, bool]] = []

    async def handle_DATA(self, server, session, envelope):
        encrypted = server.transport is not None and server.transport.get_extra_info("ssl_object") is not None
        self.messages.append((list(envelope.rcpt_tos), envelope.content, encrypted))
        return "250 OK"


def authenticator(server, session, envelope, mechanism, auth_data) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (USER.encode(),
                                                                                           PASSWORD.encode())
    return AuthResult(success=ok, handled=False)


def _server_context(pki: Pki) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(pki.cert_file, pki.key_file)
    return context


@pytest.fixture(params=["starttls", "ssl"])
def tls_server(request: pytest.FixtureRequest, pki: Pki):
    """A loopback SMTP server requiring TLS before login: STARTTLS on a plain port, or TLS from the start."""
    handler, port = Recorder(), free_port()
    context = _server_context(pki)
    if request.param == "starttls":
        controller = Controller(handler, hostname="127.0.0.1", port=port, tls_context=context, require_starttls=True,
                                authenticator=authenticator, auth_require_tls=True)
    else:
        # implicit TLS: every byte is encrypted from the start (aiosmtpd only counts STARTTLS for auth_require_tls)
        controller = Controller(handler, hostname="127.0.0.1", port=port, ssl_context=context,
                                authenticator=authenticator, auth_require_tls=False)
    controller.start()
    yield request.param, port, handler
    controller.stop()


def with_smtp(setup: Setup, security: str, port: int) -> Setup:
    """Every department with an address, the config pointing at the local server."""
    depts = tuple(dataclasses.replace(d, email=f"{d.code.lower()}@example.org") for d in setup.departments)
    smtp = SmtpConfig(host="127.0.0.1", port=port, security=security, user=USER, sender=USER, retries=0,
                      retry_delay=0.0, timeout=10.0)
    return dataclasses.replace(setup, departments=depts, config=dataclasses.replace(setup.config, smtp=smtp))


def test_sending_over_tls_delivers_every_message_encrypted(tls_server, pki: Pki, setup: Setup,
                                                           generated_workbooks: Path, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    security, port, handler = tls_server
    monkeypatch.setenv("SSL_CERT_FILE", str(pki.ca_file))
    report = send_messages(with_smtp(setup, security, port), tmp_path / "mail", generated_workbooks,
                           load_email_template(), only=["CA", "HLHPN"], env={"BDG_SMTP_PASSWORD": PASSWORD},
                           sleep=lambda _s: None)
    assert [o.status for o in report.outcomes] == [SENT, SENT], report.to_dict()
    assert sorted(rcpt[0] for rcpt, _body, _tls in handler.messages) == ["ca@example.org", "hlhpn@example.org"]
    assert all(encrypted for _rcpt, _body, encrypted in handler.messages)
    assert PASSWORD not in (tmp_path / "mail" / "send-log.jsonl").read_text(encoding="utf-8")


def test_a_certificate_from_an_unknown_authority_stops_before_sending(tls_server, pki: Pki, setup: Setup,
                                                                     generated_workbooks: Path, tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    security, port, handler = tls_server
    monkeypatch.setenv("SSL_CERT_FILE", str(pki.other_ca_file))
    monkeypatch.setenv("SSL_CERT_DIR", str(tmp_path))
    with pytest.raises(MailError, match="Chứng chỉ bảo mật"):
        send_messages(with_smtp(setup, security, port), tmp_path / "mail", generated_workbooks, load_email_template(),
                      only=["CA"], env={"BDG_SMTP_PASSWORD": PASSWORD}, sleep=lambda _s: None)
    assert handler.messages == []


def test_the_web_page_sends_with_the_typed_password_and_keeps_it_nowhere(tls_server, pki: Pki, season_template: Path,
                                                                        tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    security, port, handler = tls_server
    monkeypatch.setenv("SSL_CERT_FILE", str(pki.ca_file))
    root = copy_season(season_template, tmp_path / "phuong")       # working folder with its signed forms
    config = root / "templates" / "config.yaml"
    text = config.read_text(encoding="utf-8")
    text = re.sub(r'host: "smtp.example.com"', 'host: "127.0.0.1"', text)
    text = re.sub(r"port: 587", f"port: {port}", text)
    text = re.sub(r"security: starttls", f"security: {security}", text)
    text = re.sub(r'user: ""', f'user: "{USER}"', text, count=1)
    text = re.sub(r"retries: 3", "retries: 0", text)
    config.write_text(text, encoding="utf-8")
    departments = root / "templates" / "departments.yaml"
    assert "email:" in departments.read_text(encoding="utf-8")
    client = logged_in(*make_app(root))
    page = client.post("/gui-thu", data={"csrf_token": csrf_of(client), "action": "gui", "password": PASSWORD,
                                         "only": ["HLHPN"]}, base_url=BASE, follow_redirects=True)
    body = page.get_data(as_text=True)
    assert "Tổng 1 đơn vị: 1 đã gửi." in body, body[body.find("<h1>"):][:1500]
    assert len(handler.messages) == 1 and handler.messages[0][2]
    for path in root.rglob("*"):
        if path.is_file():
            assert PASSWORD.encode() not in path.read_bytes(), path
    again = client.get("/gui-thu", base_url=BASE).get_data(as_text=True)
    assert PASSWORD not in again and "hlhpn" in again.lower()

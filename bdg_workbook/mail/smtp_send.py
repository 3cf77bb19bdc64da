"""Sending the department messages through SMTP, with a send log so the same workbook never goes out twice."""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import smtplib
import ssl
import time
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

from bdg_workbook.mail.drafts import (
    ALREADY_SENT, FAILED, NO_ADDRESS, REJECTED, SEND_LOG_NAME, SENT, EmailTemplate, MailError, MailOutcome,
    MailReport, AttachmentFile, build_message, deadline_note, missing_workbook, no_address_text, read_workbook,
    select_departments, sender_address, workbook_path,
)
from bdg_workbook.domain.model import Department, Setup, SmtpConfig

LOOPBACK_HOSTS = ("127.0.0.1", "::1", "localhost")
PLACEHOLDER_HOSTS = ("example.com", "example.org", "example.net", "example", "invalid")

SmtpFactory = Callable[[SmtpConfig], smtplib.SMTP]


class _Transient(Exception):
    """A failure worth retrying (network, server busy)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class SendLog:
    """JSON lines, one per message sent, keyed by department code and the attachment's SHA-256."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.notes: list[str] = []
        self._sent: dict[tuple[str, str], dict[str, Any]] = {}
        self._load()

    def _load(self) -> None:
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
                key = (entry["code"], entry["sha256"])
            except (ValueError, KeyError, TypeError):
                self.notes.append(f"{self.path.name} dòng {number} hỏng, bỏ qua dòng này.")
                continue
            if isinstance(key[0], str) and isinstance(key[1], str):
                self._sent[key] = entry

    def find(self, code: str, sha256: str) -> dict[str, Any] | None:
        """The log entry of this exact workbook sent to this department, if any."""
        return self._sent.get((code, sha256))

    def touch(self) -> None:
        """Create the log (and its folder) if needed; raises OSError when it cannot be written."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8"):
            pass

    def record(self, dept: Department, workbook: AttachmentFile, message_id: str) -> None:
        """Append one line for a message the server accepted (flushed to disk at once)."""
        entry = {"code": dept.code, "sha256": workbook.sha256, "to": dept.email, "file": workbook.path.name,
                 "sent_at": dt.datetime.now().astimezone().isoformat(timespec="seconds"), "message_id": message_id}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(entry, ensure_ascii=False) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        self._sent[(dept.code, workbook.sha256)] = entry


def default_factory(settings: SmtpConfig) -> smtplib.SMTP:
    """Open the connection the config asks for (implicit TLS, STARTTLS or plain)."""
    context = ssl.create_default_context()
    if settings.security == "ssl":
        return smtplib.SMTP_SSL(settings.host, settings.port, timeout=settings.timeout, context=context)
    smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
    try:
        if settings.security == "starttls":
            smtp.ehlo()
            smtp.starttls(context=context)
        smtp.ehlo()
    except BaseException:
        _quietly_close(smtp)
        raise
    return smtp


class SmtpSession:
    """One SMTP connection, opened and logged into on demand, reopened after a transient failure."""

    def __init__(self, settings: SmtpConfig, password: str | None, factory: SmtpFactory) -> None:
        self.settings = settings
        self.password = password
        self.factory = factory
        self.smtp: smtplib.SMTP | None = None
        self.dead = ""

    @property
    def where(self) -> str:
        """``host:port`` for messages."""
        return f"{self.settings.host}:{self.settings.port}"

    def ensure(self) -> smtplib.SMTP:
        """The open connection; raises _Transient (retry) or MailError (stop everything)."""
        if self.smtp is not None:
            return self.smtp
        try:
            smtp = self.factory(self.settings)
        except smtplib.SMTPNotSupportedError as exc:
            raise MailError(f"Máy chủ thư {self.where} không hỗ trợ STARTTLS: sửa smtp.security/port trong "
                            f"config.yaml (ssl với cổng 465, starttls với cổng 587). Chưa gửi thêm thư nào.") from exc
        except ssl.SSLCertVerificationError as exc:
            raise MailError(f"Chứng chỉ bảo mật của máy chủ thư {self.where} không hợp lệ ({exc.verify_message}): "
                            "kiểm tra lại smtp.host trong config.yaml. Chưa gửi thêm thư nào.") from exc
        except ssl.SSLError as exc:
            raise MailError(f"Không bắt tay bảo mật được với {self.where} ({exc.reason}): thường do sai kiểu bảo mật; "
                            "dùng security: ssl với cổng 465, starttls với cổng 587. Chưa gửi thêm thư nào.") from exc
        except (smtplib.SMTPServerDisconnected, smtplib.SMTPResponseException, OSError) as exc:
            raise _Transient(reason_text(exc)) from exc
        self._login(smtp)
        self.smtp = smtp
        return smtp

    def _login(self, smtp: smtplib.SMTP) -> None:
        if not self.settings.user:
            return
        try:
            login(smtp, self.settings.user, self.password or "")
        except smtplib.SMTPAuthenticationError as exc:
            _quietly_close(smtp)
            raise MailError(
                f"Máy chủ thư {self.where} từ chối đăng nhập tài khoản '{self.settings.user}' ({reason_text(exc)}): "
                f"kiểm tra smtp.user trong config.yaml và mật khẩu trong biến môi trường "
                f"{self.settings.password_env}. Dừng lại, không gửi thêm thư nào.") from exc
        except smtplib.SMTPNotSupportedError as exc:
            _quietly_close(smtp)
            raise MailError(f"Máy chủ thư {self.where} không cho đăng nhập (AUTH) trên kết nối này: kiểm tra "
                            "smtp.security và smtp.port trong config.yaml. Chưa gửi thêm thư nào.") from exc
        except (smtplib.SMTPServerDisconnected, smtplib.SMTPResponseException, OSError) as exc:
            _quietly_close(smtp)
            raise _Transient(reason_text(exc)) from exc

    def drop(self) -> None:
        """Forget a connection that failed (it is reopened on the next attempt)."""
        if self.smtp is not None:
            _quietly_close(self.smtp)
        self.smtp = None

    def close(self) -> None:
        """Say goodbye to the server."""
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (smtplib.SMTPException, OSError):
                _quietly_close(self.smtp)
        self.smtp = None


def login(smtp: smtplib.SMTP, user: str, password: str) -> None:
    """Log in; a non-ASCII (Vietnamese) user or password is sent as UTF-8 with AUTH PLAIN/LOGIN (RFC 4616)."""
    if (user + password).isascii():
        smtp.login(user, password)
        return
    smtp.ehlo_or_helo_if_needed()
    if not smtp.has_extn("auth"):
        raise smtplib.SMTPNotSupportedError("SMTP AUTH extension not supported by server.")
    mechanisms = smtp.esmtp_features["auth"].upper().split()
    if "PLAIN" in mechanisms:
        code, resp = smtp.docmd("AUTH", "PLAIN " + _b64(f"\0{user}\0{password}"))
    elif "LOGIN" in mechanisms:
        code, resp = smtp.docmd("AUTH", "LOGIN " + _b64(user))
        if code == 334:
            code, resp = smtp.docmd(_b64(password))
    else:
        raise smtplib.SMTPNotSupportedError("No suitable authentication method found.")
    if code not in (235, 503):
        raise smtplib.SMTPAuthenticationError(code, resp)


def _b64(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def _quietly_close(smtp: smtplib.SMTP) -> None:
    try:
        smtp.close()
    except OSError:
        pass


def reason_text(exc: BaseException) -> str:
    """A short reason for an SMTP or network failure."""
    if isinstance(exc, smtplib.SMTPResponseException):
        text = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        return f"máy chủ trả lời {exc.smtp_code} {text}".strip()
    if isinstance(exc, (TimeoutError,)):
        return "hết thời gian chờ"
    if isinstance(exc, ConnectionRefusedError):
        return "máy chủ không nhận kết nối"
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return "máy chủ ngắt kết nối"
    return str(exc) or type(exc).__name__


# ---------------------------------------------------------------- sending


def check_settings(setup: Setup, env: Mapping[str, str]) -> tuple[SmtpConfig, str | None]:
    """The SMTP settings and password, or MailError saying what to fix before anything is sent."""
    settings = setup.config.smtp
    if settings is None:
        raise MailError("config.yaml chưa có mục 'smtp' (máy chủ gửi thư): thêm host, port, security, user, from "
                        "rồi chạy lại; hoặc bỏ --send để chỉ tạo thư nháp.")
    host = settings.host.lower().rstrip(".")
    if any(host == p or host.endswith("." + p) for p in PLACEHOLDER_HOSTS):
        raise MailError(f"config.yaml vẫn còn máy chủ mẫu '{settings.host}': sửa smtp.host (và port, user, from) "
                        "theo hộp thư công vụ của phường.")
    if sender_address(setup) is None:
        raise MailError("config.yaml chưa có địa chỉ người gửi: điền smtp.from (hoặc smtp.user là một địa chỉ email).")
    if settings.user and settings.security == "none" and host not in LOOPBACK_HOSTS:
        raise MailError("Không đăng nhập qua kết nối không mã hóa (security: none) tới máy chủ ngoài máy này: "
                        "dùng security: starttls (cổng 587) hoặc ssl (cổng 465).")
    password = env.get(settings.password_env) if settings.user else None
    if settings.user and not password:
        raise MailError(f"Chưa có mật khẩu hộp thư: đặt biến môi trường {settings.password_env} (Windows: "
                        f"set {settings.password_env}=..., Linux/macOS: export {settings.password_env}=...) "
                        "rồi chạy lại. Chưa gửi thư nào.")
    return settings, password


def send_messages(setup: Setup, out_dir: Path, workbooks_dir: Path, template: EmailTemplate,
                  only: Iterable[str] | None = None, env: Mapping[str, str] | None = None,
                  sleep: Callable[[float], None] = time.sleep, factory: SmtpFactory = default_factory) -> MailReport:
    """Send each selected department its workbook once; the log in ``out_dir`` prevents sending it twice."""
    settings, password = check_settings(setup, os.environ if env is None else env)
    depts = select_departments(setup, only)
    log = SendLog(out_dir / SEND_LOG_NAME)
    log.touch()  # an unwritable log stops here, before anything is sent
    report = MailReport(notes=list(log.notes) + deadline_note(setup))
    pending: list[tuple[Department, AttachmentFile]] = []
    for dept in depts:
        outcome, workbook = _plan(setup, workbooks_dir, log, dept)
        if outcome is not None:
            report.outcomes.append(outcome)
        else:
            pending.append((dept, workbook))
    if pending:
        session = SmtpSession(settings, password, factory)
        try:
            for dept, workbook in pending:
                msg = build_message(setup, template, dept, workbook, sender_address(setup))
                report.outcomes.append(_send_one(session, log, msg, dept, workbook, sleep))
        finally:
            session.close()
    order = {d.code: i for i, d in enumerate(depts)}
    report.outcomes.sort(key=lambda o: order[o.code])
    return report


def _plan(setup: Setup, workbooks_dir: Path, log: SendLog,
          dept: Department) -> tuple[MailOutcome | None, AttachmentFile | None]:
    if not dept.email:
        return MailOutcome(dept.code, dept.name, NO_ADDRESS, message=no_address_text(dept)), None
    source = workbook_path(setup, workbooks_dir, dept)
    workbook = read_workbook(source)
    if workbook is None:
        return missing_workbook(dept, source), None
    prior = log.find(dept.code, workbook.sha256)
    if prior is not None:
        text = (f"Tệp {source.name} này đã gửi tới {prior.get('to', '?')} lúc {prior.get('sent_at', '?')}; "
                "không gửi lại (tệp tạo lại khác đi thì mới gửi).")
        return MailOutcome(dept.code, dept.name, ALREADY_SENT, email=dept.email, path=source, sha256=workbook.sha256,
                           message=text), None
    return None, workbook


def _send_one(session: SmtpSession, log: SendLog, msg: EmailMessage, dept: Department, workbook: AttachmentFile,
              sleep: Callable[[float], None]) -> MailOutcome:
    """Send one message, retrying transient failures with a growing pause; only MailError stops the whole run."""
    def outcome(status: str, message: str) -> MailOutcome:
        return MailOutcome(dept.code, dept.name, status, email=dept.email, path=workbook.path,
                           sha256=workbook.sha256, message=message)

    if session.dead:
        return outcome(FAILED, _unreachable_text(session))
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain=sender_address_of(msg).rpartition("@")[2] or None)
    settings, kind, reason, connected = session.settings, "", "", False
    for attempt in range(settings.retries + 1):
        if attempt:
            sleep(settings.retry_delay * 2 ** (attempt - 1))
        kind, reason = _try_send(session, msg)
        connected = connected or kind != _UNREACHABLE
        if kind == SENT:
            log.record(dept, workbook, str(msg["Message-ID"]))
            return outcome(SENT, f"Đã gửi tới {dept.email}.")
        if kind == REJECTED:
            return outcome(REJECTED, f"Máy chủ từ chối người nhận {dept.email} ({reason}): kiểm tra địa chỉ email "
                                     f"của {dept.code} trong departments.yaml; các đơn vị khác vẫn được gửi.")
        if kind == FAILED:
            return outcome(FAILED, f"Máy chủ không nhận thư ({reason}); chưa gửi được.")
    if not connected:
        session.dead = reason
        return outcome(FAILED, _unreachable_text(session))
    return outcome(FAILED, f"Gửi không thành công sau {settings.retries + 1} lần thử ({reason}); chạy lại lệnh sau.")


_RETRY, _UNREACHABLE = "retry", "unreachable"


def _try_send(session: SmtpSession, msg: EmailMessage) -> tuple[str, str]:
    """One attempt: (SENT | REJECTED | FAILED | _RETRY | _UNREACHABLE, reason)."""
    try:
        smtp = session.ensure()
    except _Transient as exc:
        return _UNREACHABLE, exc.reason
    try:
        smtp.send_message(msg)
    except smtplib.SMTPRecipientsRefused as exc:
        code, text = next(iter(exc.recipients.values()))
        return (_RETRY if 400 <= code < 500 else REJECTED), reason_text(smtplib.SMTPResponseException(code, text))
    except smtplib.SMTPResponseException as exc:
        if 400 <= exc.smtp_code < 500:
            session.drop()
            return _RETRY, reason_text(exc)
        return FAILED, reason_text(exc)
    except (smtplib.SMTPServerDisconnected, OSError) as exc:
        session.drop()
        return _RETRY, reason_text(exc)
    except smtplib.SMTPException as exc:
        return FAILED, reason_text(exc)
    return SENT, ""


def sender_address_of(msg: EmailMessage) -> str:
    """The bare address of the From header."""
    addresses = getattr(msg["From"], "addresses", ())
    return addresses[0].addr_spec if addresses else ""


def _unreachable_text(session: SmtpSession) -> str:
    return (f"Không kết nối được máy chủ thư {session.where} ({session.dead}): chưa gửi. Kiểm tra mạng và mục smtp "
            "(host, port, security) trong config.yaml rồi chạy lại.")

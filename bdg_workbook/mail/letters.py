"""A letter with attachments to one department (the correction request): `.eml` draft or SMTP send.

Uses the same header encoding, draft form, SMTP settings, retries and send log as ``mail``; the log key
is the caller's (for a correction request: the return's SHA-256 and the round), so a rerun never sends
the same request twice.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from email import policy
from email.message import EmailMessage
from pathlib import Path

from bdg_workbook.domain.model import Department, Setup
from bdg_workbook.mail.drafts import (
    ALREADY_SENT,
    NO_ADDRESS,
    SEND_LOG_NAME,
    AttachmentFile,
    MailOutcome,
    draft_bytes,
    no_address_text,
    sender_address,
    set_address,
    set_text,
)
from bdg_workbook.mail.smtp_send import (
    SendLog,
    SmtpFactory,
    SmtpSession,
    _send_one,
    check_settings,
    default_factory,
)
from bdg_workbook.writing.safe_text import atomic_write_bytes

DOCX_TYPE = ("application", "vnd.openxmlformats-officedocument.wordprocessingml.document")
XLSX_TYPE = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def build_letter(setup: Setup, dept: Department, subject: str, body: str, attachments: list[Path]) -> EmailMessage:
    """From the ward, To the department, the subject and plain-text body, the files attached (.docx, .xlsx)."""
    msg = EmailMessage(policy=policy.SMTP)
    sender = sender_address(setup)
    if sender is not None:
        set_address(msg, "From", sender.display_name, sender.addr_spec)
    if dept.email:
        set_address(msg, "To", dept.short_name, dept.email)
    set_text(msg, "Subject", " ".join(subject.split()))
    msg.set_content(body.replace("\r\n", "\n").rstrip("\n") + "\n", charset="utf-8", cte="base64")
    for path in attachments:
        maintype, subtype = DOCX_TYPE if path.suffix.lower() == ".docx" else XLSX_TYPE
        msg.add_attachment(path.read_bytes(), maintype=maintype, subtype=subtype, filename=path.name)
    return msg


def write_letter_draft(msg: EmailMessage, target: Path) -> Path:
    """Save the message as an unsent draft (``X-Unsent: 1``), atomically."""
    target.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(target, draft_bytes(msg))
    return target


def send_letter(setup: Setup, out_dir: Path, msg: EmailMessage, dept: Department, log_key: str, main_file: Path,
                env: Mapping[str, str] | None = None, sleep: Callable[[float], None] = time.sleep,
                factory: SmtpFactory = default_factory) -> MailOutcome:
    """Send once through the configured SMTP server; ``log_key`` identifies this letter in the send log."""
    settings, password = check_settings(setup, os.environ if env is None else env)
    if not dept.email:
        return MailOutcome(dept.code, dept.name, NO_ADDRESS, message=no_address_text(dept))
    log = SendLog(out_dir / SEND_LOG_NAME)
    log.touch()
    prior = log.find(dept.code, log_key)
    if prior is not None:
        return MailOutcome(dept.code, dept.name, ALREADY_SENT, email=dept.email, path=main_file, sha256=log_key,
                           message=f"Thư này đã gửi tới {prior.get('to', '?')} lúc {prior.get('sent_at', '?')}; "
                                   "không gửi lại.")
    letter = AttachmentFile(main_file, b"", log_key)
    session = SmtpSession(settings, password, factory)
    try:
        return _send_one(session, log, msg, dept, letter, sleep)
    finally:
        session.close()

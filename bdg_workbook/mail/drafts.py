"""One email per department with its workbook attached: `.eml` drafts, or sending through SMTP."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from email import policy
from email.header import Header
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formataddr
from pathlib import Path
from string import Template
from typing import Any, Iterable

from bdg_workbook.domain.selection import parse_codes
from bdg_workbook.writing.safe_text import atomic_write_bytes
from bdg_workbook.domain.errors import BdgError, TemplateError
from bdg_workbook.workbook.generate import workbook_filename
from bdg_workbook.domain.model import Department, Setup
from bdg_workbook.config.templates import TEMPLATES_DIR
from bdg_workbook.config.yaml_source import load_located

XLSX_MAINTYPE = "application"
XLSX_SUBTYPE = "vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DRAFT_NAME = "TDCD_{year}_{code}.eml"
SEND_LOG_NAME = "send-log.jsonl"
PLACEHOLDERS = ("ten_don_vi", "ma_don_vi", "nguoi_nhan", "nam", "han_nop", "ten_tep", "phuong",
                "co_quan", "ke_hoach", "lien_he", "dien_thoai")

# outcome statuses
DRAFTED, SENT, ALREADY_SENT = "drafted", "sent", "already_sent"
NO_ADDRESS, NO_WORKBOOK, REJECTED, FAILED = "no_address", "no_workbook", "rejected", "failed"
DONE_STATUSES = (DRAFTED, SENT, ALREADY_SENT)
STATUS_VI = {DRAFTED: "THƯ NHÁP", SENT: "ĐÃ GỬI", ALREADY_SENT: "ĐÃ GỬI TRƯỚC", NO_ADDRESS: "THIẾU EMAIL",
             NO_WORKBOOK: "THIẾU TỆP", REJECTED: "BỊ TỪ CHỐI", FAILED: "CHƯA GỬI"}


class MailError(BdgError):
    """Mailing cannot go on at all (unknown department, SMTP settings, refused login); nothing more is sent."""


@dataclass(frozen=True)
class EmailTemplate:
    """The editable subject and body, with ``${placeholder}`` fields."""

    subject: Template
    body: Template
    source: Path


@dataclass(frozen=True)
class MailOutcome:
    """What happened to one department's message."""

    code: str
    name: str
    status: str
    message: str
    email: str = ""
    path: Path | None = None
    sha256: str = ""

    @property
    def ok(self) -> bool:
        """True when the department's message is written or sent."""
        return self.status in DONE_STATUSES

    def to_dict(self) -> dict[str, Any]:
        """Plain dict for JSON output."""
        return {"code": self.code, "name": self.name, "status": self.status, "email": self.email,
                "path": str(self.path) if self.path else None, "sha256": self.sha256, "message": self.message}


@dataclass
class MailReport:
    """The outcome of every selected department plus general notes."""

    outcomes: list[MailOutcome] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every selected department is done."""
        return all(o.ok for o in self.outcomes)

    def count(self, status: str) -> int:
        """How many departments ended with this status."""
        return sum(1 for o in self.outcomes if o.status == status)

    def to_dict(self) -> dict[str, Any]:
        """Plain dict for ``--format json``."""
        return {"ok": self.ok, "outcomes": [o.to_dict() for o in self.outcomes], "notes": list(self.notes)}


@dataclass(frozen=True)
class AttachmentFile:
    """A department's generated workbook, read once."""

    path: Path
    data: bytes
    sha256: str


# ---------------------------------------------------------------- template


def load_email_template(path: Path | None = None) -> EmailTemplate:
    """Load templates/email.yaml (or ``path``); raises TemplateError with every located problem."""
    src = load_located(path or TEMPLATES_DIR / "email.yaml")
    data = src.data if isinstance(src.data, dict) else {}
    problems = [] if isinstance(src.data, dict) else [src.problem((), "Mẫu thư phải có hai mục 'subject' và 'body'.")]
    parts: dict[str, Template] = {}
    for key in ("subject", "body"):
        text = data.get(key)
        if not isinstance(text, str) or not text.strip():
            problems.append(src.problem((key,), f"Thiếu mục '{key}' (chuỗi chữ) trong mẫu thư."))
            continue
        if key == "subject" and "\n" in text.strip():
            problems.append(src.problem((key,), "Tiêu đề thư (subject) phải nằm trên một dòng."))
        tpl = Template(text)
        if not tpl.is_valid():
            problems.append(src.problem((key,), "Có dấu $ không đúng dạng ${tên}; muốn viết dấu $ thì gõ $$."))
            continue
        unknown = [name for name in tpl.get_identifiers() if name not in PLACEHOLDERS]
        if unknown:
            problems.append(src.problem((key,), f"Chỗ điền không có: {', '.join('${' + n + '}' for n in unknown)}; "
                                               f"dùng một trong: {', '.join(PLACEHOLDERS)}."))
        parts[key] = tpl
    if problems:
        raise TemplateError(problems)
    return EmailTemplate(parts["subject"], parts["body"], src.path)


def find_email_template(explicit: Path | None, config_path: Path | None = None,
                        workspace_templates: Path | None = None) -> Path:
    """``explicit``, else email.yaml beside config.yaml, else in the working folder's templates/, else built-in."""
    if explicit is not None:
        return explicit
    folders = [config_path.parent if config_path is not None else None, workspace_templates]
    found = [f / "email.yaml" for f in folders if f is not None and (f / "email.yaml").is_file()]
    return found[0] if found else TEMPLATES_DIR / "email.yaml"


def deadline_text(setup: Setup) -> str:
    """The department deadline as dd/mm/yyyy (``…/…/yyyy`` when config.yaml has none)."""
    deadline = setup.config.department_deadline
    return deadline.strftime("%d/%m/%Y") if deadline else f"…/…/{setup.config.year}"


def template_values(setup: Setup, dept: Department, file_name: str) -> dict[str, str]:
    """The values of every placeholder for one department."""
    cfg = setup.config
    contact = cfg.contact or cfg.aggregator_name
    phone = f", điện thoại {cfg.contact_phone}" if cfg.contact_phone else ""
    return {"ten_don_vi": dept.name, "ma_don_vi": dept.code, "nguoi_nhan": dept.contact or dept.name,
            "nam": str(cfg.year), "han_nop": deadline_text(setup), "ten_tep": file_name, "phuong": cfg.ward,
            "co_quan": cfg.aggregator_name or f"UBND {cfg.ward}", "ke_hoach": cfg.plan_ref,
            "lien_he": contact + phone, "dien_thoai": cfg.contact_phone}


# ---------------------------------------------------------------- messages


def workbook_path(setup: Setup, workbooks_dir: Path, dept: Department) -> Path:
    """Where the generator wrote this department's workbook."""
    return workbooks_dir / workbook_filename(setup, dept)


def default_workbooks_dir(setup: Setup) -> Path:
    """``output/<year>``, the generator's default folder."""
    return Path("output") / str(setup.config.year)


def read_workbook(path: Path) -> AttachmentFile | None:
    """The workbook's bytes and SHA-256, or None when the file is missing."""
    try:
        data = path.read_bytes()
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return None
    return AttachmentFile(path, data, hashlib.sha256(data).hexdigest())


def sender_address(setup: Setup) -> Address | None:
    """The From address of config.yaml (smtp.from, else smtp.user when it is an address)."""
    smtp = setup.config.smtp
    if smtp is None:
        return None
    addr = smtp.sender or (smtp.user if "@" in smtp.user else "")
    return Address(display_name=smtp.sender_name, addr_spec=addr) if addr else None


def build_message(setup: Setup, template: EmailTemplate, dept: Department, workbook: AttachmentFile,
                  sender: Address | None) -> EmailMessage:
    """The message for one department: From, To, Subject, plain-text body, the workbook attached."""
    values = template_values(setup, dept, workbook.path.name)
    msg = EmailMessage(policy=policy.SMTP)
    if sender is not None:
        set_address(msg, "From", sender.display_name, sender.addr_spec)
    if dept.email:
        set_address(msg, "To", dept.short_name, dept.email)
    set_text(msg, "Subject", " ".join(template.subject.substitute(values).split()))
    body = template.body.substitute(values).replace("\r\n", "\n").rstrip("\n") + "\n"
    msg.set_content(body, charset="utf-8", cte="base64")
    msg.add_attachment(workbook.data, maintype=XLSX_MAINTYPE, subtype=XLSX_SUBTYPE, filename=workbook.path.name)
    return msg


# CPython 3.11's header folder can drop the space between two encoded words ("Tổ quốc" arrives as "Tổquốc"),
# and its address parser adds one inside a display name split across words. Non-ASCII headers are therefore
# encoded here with the classic RFC 2047 encoder and stored as they are.


def set_text(msg: EmailMessage, name: str, text: str) -> None:
    """Set an unstructured header (Subject) so that it decodes back to exactly ``text``."""
    if text.isascii():
        msg[name] = text
    else:
        msg.set_raw(name, Header(text, "utf-8", header_name=name).encode(linesep="\r\n"))


def set_address(msg: EmailMessage, name: str, display: str, addr: str) -> None:
    """Set ``Display <addr>``; the display name is left out when it does not fit in one encoded word."""
    if not display:
        msg[name] = addr
    elif display.isascii():
        msg[name] = formataddr((display, addr))
    else:
        encoded = Header(display, "utf-8", header_name=name).encode(linesep="\r\n")
        if "\n" in encoded:
            msg[name] = addr
        else:
            msg.set_raw(name, f"{encoded}\r\n <{addr}>")


def select_departments(setup: Setup, only: Iterable[str] | None) -> list[Department]:
    """Departments in list order, restricted to ``only`` codes (comma or space separated accepted)."""
    codes = parse_codes(only)
    if not codes:
        return list(setup.departments)
    known = {d.code for d in setup.departments}
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise MailError(f"Mã đơn vị {', '.join(unknown)} không có trong departments.yaml; "
                        f"các mã hiện có: {', '.join(sorted(known))}.")
    return [d for d in setup.departments if d.code in codes]


def missing_workbook(dept: Department, path: Path) -> MailOutcome:
    """The outcome of a department whose workbook file is not there."""
    return MailOutcome(dept.code, dept.name, NO_WORKBOOK, email=dept.email, path=path, message=(
        f"Không thấy tệp biểu mẫu {path}: chạy 'bdg-workbook generate' (hoặc chỉ ra thư mục bằng "
        f"--workbooks) rồi chạy lại."))


# ---------------------------------------------------------------- drafts



def draft_bytes(msg: EmailMessage) -> bytes:
    """The message as an unsent draft (``X-Unsent: 1``) that mail programs open ready to send."""
    if "X-Unsent" not in msg:
        msg["X-Unsent"] = "1"
    return msg.as_bytes(policy=policy.SMTP)


def write_drafts(setup: Setup, out_dir: Path, workbooks_dir: Path, template: EmailTemplate,
                 only: Iterable[str] | None = None) -> MailReport:
    """Write one `.eml` draft per selected department into ``out_dir``."""
    report = MailReport(notes=deadline_note(setup))
    sender = sender_address(setup)
    for dept in select_departments(setup, only):
        source = workbook_path(setup, workbooks_dir, dept)
        workbook = read_workbook(source)
        if workbook is None:
            report.outcomes.append(missing_workbook(dept, source))
            continue
        target = out_dir / DRAFT_NAME.format(year=setup.config.year, code=dept.code)
        atomic_write_bytes(target, draft_bytes(build_message(setup, template, dept, workbook, sender)))
        if dept.email:
            report.outcomes.append(MailOutcome(dept.code, dept.name, DRAFTED, email=dept.email, path=target,
                                               sha256=workbook.sha256, message=f"Đã tạo thư nháp {target}."))
        else:
            report.outcomes.append(MailOutcome(dept.code, dept.name, NO_ADDRESS, path=target, sha256=workbook.sha256,
                                               message=no_address_text(dept, draft=target)))
    return report


def no_address_text(dept: Department, draft: Path | None = None) -> str:
    """The report line of a department without an email address."""
    where = f"thêm 'email:' cho {dept.code} trong departments.yaml rồi chạy lại"
    if draft is not None:
        return f"Chưa có địa chỉ email: thư nháp {draft} chưa có người nhận (điền khi gửi, hoặc {where})."
    return f"Chưa có địa chỉ email: {where}; chưa gửi."


def deadline_note(setup: Setup) -> list[str]:
    """A note when config.yaml has no department deadline (the message then shows ``…/…/yyyy``)."""
    if setup.config.department_deadline is not None:
        return []
    return [f"config.yaml chưa có hạn nộp (deadlines.department_to_ward): thư ghi hạn '{deadline_text(setup)}'; "
            "nên điền hạn rồi chạy lại."]

"""The returns in an inbox folder: .xlsx files, and the .xlsx attachments of saved emails (.eml), extracted safely."""

from __future__ import annotations

import datetime as dt
import os
import re
import stat
import unicodedata
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import parsedate_to_datetime
from pathlib import Path

from bdg_workbook.writing.safe_text import create_new_file
from bdg_workbook.domain.errors import BdgError

MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
MAX_EML_BYTES = 100 * 1024 * 1024
MAX_ATTACHMENTS_PER_EML = 50
MAX_NAME_CHARS = 120
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FALLBACK_NAME = "tep-dinh-kem.xlsx"
_UNSAFE_CHARS = re.compile(r'[<>:"/\\|?*]')
_DROPPED_CATEGORIES = ("Cc", "Cf", "Cs", "Co", "Zl", "Zp")
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(10)), *(f"LPT{i}" for i in range(10))}

# note kinds (stable; the collector and status may map them to findings)
EML_UNREADABLE, EML_TOO_LARGE, EML_NO_XLSX = "eml_unreadable", "eml_too_large", "eml_no_xlsx"
ATTACHMENT_TOO_LARGE, ATTACHMENT_NOT_XLSX = "attachment_too_large", "attachment_not_xlsx"
ATTACHMENT_EMPTY, ATTACHMENT_RENAMED = "attachment_empty", "attachment_renamed"
TOO_MANY_ATTACHMENTS = "too_many_attachments"
FILE_NOT_XLSX, FILE_NOT_REGULAR, OUTLOOK_MSG = "file_not_xlsx", "file_not_regular", "outlook_msg"


class InboxError(BdgError):
    """The inbox or the work folder cannot be used at all."""


@dataclass(frozen=True)
class InboxItem:
    """One returned workbook to read: a file of the inbox, or an attachment extracted from a saved email."""

    path: Path
    display_name: str
    origin: str | None = None
    source: Path | None = None
    sender: str = ""
    sent_at: dt.datetime | None = None

    @property
    def label(self) -> str:
        """How reports name the item: ``thu/mail.eml → TDCD_2024_HLHPN.xlsx`` or the inbox-relative path."""
        return self.origin or self.display_name


@dataclass(frozen=True)
class InboxNote:
    """Something in the inbox the user should know about (a skipped file, a broken email, a refused attachment)."""

    kind: str
    file: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.message}"


@dataclass
class InboxScan:
    """The workbooks found in an inbox, in path order, and the notes made on the way."""

    items: list[InboxItem] = field(default_factory=list)
    notes: list[InboxNote] = field(default_factory=list)

    def note(self, kind: str, file: str, message: str) -> None:
        """Record one note."""
        self.notes.append(InboxNote(kind, file, message))


def safe_name(raw: str | None, fallback: str = FALLBACK_NAME, limit: int = MAX_NAME_CHARS) -> str:
    """A harmless single-component file name: basename only, NFC, no control or path characters, bounded length."""
    name = unicodedata.normalize("NFC", raw or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch) not in _DROPPED_CATEGORIES)
    name = " ".join(_UNSAFE_CHARS.sub("_", name).split()).strip(" .")
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    stem = stem.strip(" .")
    if not stem:
        return fallback
    ext = ext.lower()[:16]
    if stem.split(".")[0].upper() in _RESERVED:
        stem = "_" + stem
    while len(stem) > limit or len(f"{stem}.{ext}".encode("utf-8")) > 200:
        stem = stem[:-1].rstrip(" .") or "_"
    return f"{stem}.{ext}" if ext else stem


def printable(raw: str, limit: int = 160) -> str:
    """``raw`` with control and invisible characters shown as escapes, for messages."""
    out = "".join(ch if unicodedata.category(ch) not in _DROPPED_CATEGORIES
                  else (f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}")
                  for ch in unicodedata.normalize("NFC", raw))
    return out if len(out) <= limit else out[:limit] + "…"


def collect_inputs(inbox: Path, work_dir: Path, max_attachment_bytes: int = MAX_ATTACHMENT_BYTES) -> InboxScan:
    """Walk ``inbox``: list its .xlsx files and extract the .xlsx attachments of its .eml files into ``work_dir``."""
    work_real = _check_folders(inbox, work_dir)
    scan = InboxScan()
    for path in _walk(inbox):
        rel = path.relative_to(inbox).as_posix()
        suffix = path.suffix.lower()
        if suffix not in (".xlsx", ".eml", ".msg"):
            scan.note(FILE_NOT_XLSX, rel, _not_xlsx_text(path.name))
        elif not _is_regular(path):
            scan.note(FILE_NOT_REGULAR, rel, "Không phải tệp thường (thư mục, thiết bị...); bỏ qua.")
        elif suffix == ".xlsx":
            scan.items.append(InboxItem(path=path, display_name=rel, source=path))
        elif suffix == ".msg":
            scan.note(OUTLOOK_MSG, rel, "Thư dạng .msg của Outlook chưa đọc được: trong Outlook chọn lưu thư dạng "
                                        ".eml, hoặc lưu riêng tệp Excel đính kèm vào đây.")
        else:
            _extract_eml(path, rel, work_real, scan, max_attachment_bytes)
    return scan


def _check_folders(inbox: Path, work_dir: Path) -> Path:
    if not inbox.is_dir():
        raise InboxError(f"Không thấy thư mục nhận bài {inbox}: kiểm tra lại đường dẫn.")
    inbox_real, work_real = inbox.resolve(), work_dir.resolve()
    if work_real == inbox_real or work_real.is_relative_to(inbox_real) or inbox_real.is_relative_to(work_real):
        raise InboxError(f"Thư mục tạm {work_dir} không được nằm trong (hoặc chứa) thư mục nhận bài {inbox}.")
    work_dir.mkdir(parents=True, exist_ok=True)
    return work_dir.resolve()


def _walk(inbox: Path) -> list[Path]:
    found: list[Path] = []
    for root, dirs, files in os.walk(inbox, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith((".", "~$")))
        found.extend(Path(root) / f for f in sorted(files) if not f.startswith((".", "~$")))
    return sorted(found, key=lambda p: p.relative_to(inbox).as_posix())


def _is_regular(path: Path) -> bool:
    try:
        return stat.S_ISREG(path.stat().st_mode)
    except OSError:
        return False


def _not_xlsx_text(name: str) -> str:
    lower = name.lower()
    if lower.endswith((".xls", ".xlsm", ".xlsb", ".ods")):
        return "Không phải tệp .xlsx nên không đọc; nhắc đơn vị lưu lại dạng Excel (.xlsx) từ biểu mẫu gốc."
    return "Không phải tệp .xlsx hay thư .eml; bỏ qua."


# ---------------------------------------------------------------- emails


def _extract_eml(path: Path, rel: str, work_dir: Path, scan: InboxScan, limit: int) -> None:
    """Extract the .xlsx attachments of one saved email; every problem becomes a note, never an exception."""
    try:
        size = path.stat().st_size
        if size > MAX_EML_BYTES:
            scan.note(EML_TOO_LARGE, rel, f"Thư quá lớn ({_mib(size)}; tối đa {_mib(MAX_EML_BYTES)}); không đọc. "
                                          "Lưu riêng tệp Excel đính kèm vào thư mục nhận.")
            return
        msg = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
        if not msg.keys():
            scan.note(EML_UNREADABLE, rel, "Không phải thư điện tử (.eml) hợp lệ: không có tiêu đề thư.")
            return
        found = _extract_parts(msg, _Context(rel, path, work_dir, scan, limit, _sender(msg), _date(msg)))
    except InboxError:
        raise
    except Exception as exc:  # noqa: BLE001 - a hostile or broken email must not stop the scan
        scan.note(EML_UNREADABLE, rel, f"Không đọc được thư ({type(exc).__name__}: {printable(str(exc))}); "
                                       "mở thư, lưu riêng tệp Excel đính kèm vào thư mục nhận.")
        return
    if not found:
        scan.note(EML_NO_XLSX, rel, "Thư không có tệp Excel (.xlsx) đính kèm.")


@dataclass(frozen=True)
class _Context:
    """One email being extracted: where it is, where to write, the limit, and who sent it when."""

    rel: str
    path: Path
    work_dir: Path
    scan: InboxScan
    limit: int
    sender: str
    sent_at: dt.datetime | None


def _extract_parts(msg: EmailMessage, ctx: _Context) -> int:
    found = seen = 0
    for part in msg.walk():
        if part.is_multipart():
            continue
        try:
            raw = part.get_filename()
            if raw is None and part.get_content_type() != XLSX_MIME:
                continue  # the text of the message itself
            seen += 1
            if seen > MAX_ATTACHMENTS_PER_EML:
                ctx.scan.note(TOO_MANY_ATTACHMENTS, ctx.rel, f"Thư có hơn {MAX_ATTACHMENTS_PER_EML} tệp đính kèm; "
                                                             "bỏ qua phần còn lại.")
                break
            found += _extract_part(part, raw, ctx)
        except InboxError:
            raise
        except Exception as exc:  # noqa: BLE001 - one broken part must not hide the others
            ctx.scan.note(EML_UNREADABLE, ctx.rel, f"Một phần của thư không đọc được ({type(exc).__name__}); "
                                                   "bỏ qua phần đó.")
    return found


def _extract_part(part: EmailMessage, raw: str | None, ctx: _Context) -> int:
    """Write one .xlsx attachment into the work folder; returns 1 when extracted, 0 when refused (with a note)."""
    origin = f"{ctx.rel} → {printable(raw) if raw is not None else '(không tên)'}"
    name = safe_name(raw) if raw is not None else FALLBACK_NAME
    scan = ctx.scan
    if not name.endswith(".xlsx"):
        scan.note(ATTACHMENT_NOT_XLSX, origin, _not_xlsx_text(name))
        return 0
    data = _payload(part, ctx.limit)
    if data is None:
        scan.note(ATTACHMENT_TOO_LARGE, origin, f"Tệp đính kèm lớn hơn {_mib(ctx.limit)}; không lấy ra. "
                                                "Đề nghị đơn vị gửi lại đúng biểu mẫu.")
        return 0
    if not data:
        scan.note(ATTACHMENT_EMPTY, origin, "Tệp đính kèm rỗng; đề nghị đơn vị gửi lại.")
        return 0
    if raw is not None and name != raw:
        scan.note(ATTACHMENT_RENAMED, origin, f"Tên tệp đính kèm không an toàn, đã đổi thành '{name}'.")
    target = _write_new(ctx.work_dir, name, data)
    ctx.scan.items.append(InboxItem(path=target, display_name=name, origin=origin, source=ctx.path,
                                    sender=ctx.sender, sent_at=ctx.sent_at))
    return 1


def _payload(part: EmailMessage, limit: int) -> bytes | None:
    """The decoded attachment, or None when it is larger than ``limit`` (checked before decoding too)."""
    encoded = part.get_payload(decode=False)
    if isinstance(encoded, str) and len(encoded) * 3 // 4 > limit + 4096:
        return None
    data = part.get_payload(decode=True) or b""
    return None if len(data) > limit else data


def _write_new(work_dir: Path, name: str, data: bytes) -> Path:
    """Create a new file in ``work_dir`` (never overwriting, never following a link), de-duplicating the name."""
    if os.path.basename(name) != name or name in ("", ".", ".."):
        raise InboxError(f"Tên tệp không an toàn: {name!r}")
    try:
        return create_new_file(work_dir, name, data, mode=0o600)
    except FileExistsError as exc:
        raise InboxError(f"Quá nhiều tệp trùng tên {name} trong {work_dir}.") from exc
    except OSError as exc:
        raise InboxError(f"Không ghi được tệp vào thư mục tạm {work_dir}: {exc.strerror or exc}.") from exc


def _sender(msg: EmailMessage) -> str:
    try:
        return printable(str(msg.get("From", "") or ""), limit=200)
    except Exception:  # noqa: BLE001 - a malformed header is only cosmetic here
        return ""


def _date(msg: EmailMessage) -> dt.datetime | None:
    try:
        value = msg.get("Date")
        return parsedate_to_datetime(str(value)) if value else None
    except Exception:  # noqa: BLE001 - a malformed date is only cosmetic here
        return None


def _mib(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MiB".replace(".", ",")   # a decimal comma, as everywhere a person reads

"""Receiving a returned file into the inbox: saved under a new name (never overwriting), its SHA-256 and
receipt time appended to ``inbox/.receipts.jsonl`` under a lock (the collector skips hidden files)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import threading
from dataclasses import asdict, dataclass
from pathlib import Path

from bdg_workbook.writing.safe_text import create_new_file
from bdg_workbook.collect.inbox import InboxError, safe_name

RECEIPTS_NAME = ".receipts.jsonl"
MAX_SAME_NAME = 10_000
_THREAD_LOCK = threading.Lock()


@dataclass(frozen=True)
class Receipt:
    """One file received: the name it was sent as, the name it was saved under, its hash, size and time."""

    sent_name: str
    saved_name: str
    sha256: str
    size: int
    received_at: str
    channel: str = "web"

    def as_dict(self) -> dict[str, object]:
        """Plain dict (one line of the receipts log)."""
        return asdict(self)


def receive(inbox: Path, sent_name: str, data: bytes, channel: str = "web",
            now: dt.datetime | None = None) -> Receipt:
    """Save ``data`` in ``inbox`` under a sanitised, unused name and record the receipt; InboxError when the
    inbox cannot be written."""
    name = safe_name(sent_name)
    target = _create_new(Path(inbox), name, data)
    when = (now or dt.datetime.now().astimezone()).isoformat(timespec="seconds")
    receipt = Receipt(sent_name, target.name, hashlib.sha256(data).hexdigest(), len(data), when, channel)
    append_receipt(Path(inbox), receipt)
    return receipt


def _create_new(folder: Path, name: str, data: bytes) -> Path:
    """Create ``folder/name`` (or ``name (2)`` …) exclusively, never following a link, and write ``data``."""
    if not folder.is_dir():
        raise InboxError(f"Không thấy thư mục nhận bài {folder}: chạy 'bdg-workbook init' để tạo lại.")
    try:
        return create_new_file(folder, name, data, limit=MAX_SAME_NAME)
    except FileExistsError as exc:
        raise InboxError(f"Quá nhiều tệp trùng tên {name} trong {folder}; dọn bớt thư mục nhận bài.") from exc
    except OSError as exc:
        raise InboxError(f"Không ghi được tệp {name} vào thư mục nhận bài {folder}: {exc.strerror or exc}.") from exc


def append_receipt(inbox: Path, receipt: Receipt) -> None:
    """Append one JSON line to the receipts log in a single write, under a thread and a file lock."""
    line = (json.dumps(receipt.as_dict(), ensure_ascii=False) + "\n").encode("utf-8")
    path = Path(inbox) / RECEIPTS_NAME
    with _THREAD_LOCK:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_BINARY", 0), 0o644)
        try:
            with _file_lock(fd):
                os.write(fd, line)
                os.fsync(fd)
        finally:
            os.close(fd)


def read_receipts(inbox: Path) -> list[Receipt]:
    """Every receipt recorded in the inbox, oldest first; damaged lines are skipped."""
    try:
        lines = (Path(inbox) / RECEIPTS_NAME).read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []
    out = []
    for line in lines:
        try:
            data = json.loads(line)
            out.append(Receipt(str(data["sent_name"]), str(data["saved_name"]), str(data["sha256"]),
                               int(data["size"]), str(data["received_at"]), str(data.get("channel", ""))))
        except (ValueError, KeyError, TypeError):
            continue
    return out


class _file_lock:
    """An exclusive advisory lock on an open file (fcntl on POSIX, msvcrt on Windows)."""

    def __init__(self, fd: int) -> None:
        self.fd = fd

    def __enter__(self) -> None:
        try:
            import fcntl
            fcntl.flock(self.fd, fcntl.LOCK_EX)
        except ImportError:  # Windows
            import msvcrt
            msvcrt.locking(self.fd, msvcrt.LK_LOCK, 1)

    def __exit__(self, *exc: object) -> None:
        try:
            import fcntl
            fcntl.flock(self.fd, fcntl.LOCK_UN)
        except ImportError:
            import msvcrt
            msvcrt.locking(self.fd, msvcrt.LK_UNLCK, 1)



# ---------------------------------------------------------------- receipt times for the collector (issue 12)

FIRST_SEEN = "folder"          # channel of a receipt recorded when ``collect`` first saw a file in the folder
SOURCE_VI = {"web": "nhận qua trang web", FIRST_SEEN: "lần đầu chương trình thấy tệp trong thư mục nhận"}


def first_seen_times(inbox: Path, files: list, record: bool = False,
                     now: dt.datetime | None = None) -> dict[str, tuple[dt.datetime, str]]:
    """Receipt time of each file (``files``: (item with ``display_name``, sha256, size)): the earliest receipt
    of the same bytes in the inbox's log. With ``record``, a file the log does not know is recorded now (the
    time the program first saw it), so a later run keeps that time; a read-only inbox still gets ``now``."""
    earliest: dict[str, tuple[dt.datetime, str]] = {}
    for r in read_receipts(inbox):
        try:
            when = dt.datetime.fromisoformat(r.received_at)
        except ValueError:
            continue
        known = earliest.get(r.sha256)
        if known is None or _before(when, known[0]):
            earliest[r.sha256] = (when, SOURCE_VI.get(r.channel, r.channel or "sổ nhận bài"))
    stamp = (now or dt.datetime.now().astimezone()).replace(microsecond=0)
    out: dict[str, tuple[dt.datetime, str]] = {}
    for item, sha, size in files:
        if sha not in earliest and record:
            receipt = Receipt(item.display_name, Path(str(item.path)).name, sha, size, stamp.isoformat(), FIRST_SEEN)
            try:
                append_receipt(Path(inbox), receipt)
            except OSError:
                pass    # a read-only inbox: the time is still the time of this run
            earliest[sha] = (stamp, SOURCE_VI[FIRST_SEEN])
        if sha in earliest:
            out[item.display_name] = earliest[sha]
    return out


def _before(a: dt.datetime, b: dt.datetime) -> bool:
    """``a < b`` for times that may mix naive and aware values (naive is taken as local time)."""
    return a.astimezone() < b.astimezone()

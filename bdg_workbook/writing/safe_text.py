"""Output safety: text cleaning, formula/CSV-injection neutralisation and atomic file writing.

Everything the tool writes goes through here: department text is cleaned before it reaches a
workbook cell (XML-illegal control characters removed, Unicode NFC, clipped to Excel's cell limit),
every text cell of a CSV export is neutralised (OWASP ASVS 1.2.10), and every output file is written
to a temporary file in the same folder, flushed to disk and renamed into place, so a run that dies
mid-way leaves the previous file byte-identical.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import unicodedata
from pathlib import Path
from typing import IO, Any, Callable, Iterator

EXCEL_CELL_LIMIT = 32_767
ELLIPSIS = "…"

# First characters that make a spreadsheet read a CSV value as a formula (ASVS 1.2.10), plus NUL and
# the full-width forms some spreadsheet front ends treat the same way.
FORMULA_TRIGGERS = frozenset("=+-@\t\r\0＝＋－＠")

# XML 1.0 forbids C0 controls except tab, LF, CR; U+FFFE/U+FFFF are not characters; lone surrogates
# cannot be encoded. Excel also shows C1 controls (U+0080..U+009F) as garbage: drop them too.
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff\ud800-\udfff]")


def clean_cell_text(text: Any, limit: int = EXCEL_CELL_LIMIT) -> str:
    """Text fit for a cell: NFC, no XML-illegal control characters, LF line breaks, at most ``limit`` UTF-16 units."""
    if text is None:
        return ""
    value = _ILLEGAL.sub("", str(text)).replace("\r\n", "\n").replace("\r", "\n")
    return clip(unicodedata.normalize("NFC", value), limit)


def clip(text: str, limit: int = EXCEL_CELL_LIMIT) -> str:
    """Cut ``text`` so that it fits ``limit`` UTF-16 code units (Excel's measure), ending with an ellipsis."""
    if len(text) <= limit // 2 or _utf16_len(text) <= limit:
        return text
    budget = limit - 1  # room for the ellipsis (one BMP character)
    out_len = used = 0
    for ch in text:
        width = 2 if ord(ch) > 0xFFFF else 1
        if used + width > budget:
            break
        used += width
        out_len += 1
    return text[:out_len] + ELLIPSIS


def _utf16_len(text: str) -> int:
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def csv_safe(text: Any) -> str:
    """Neutralise a CSV text value: a leading ``=``, ``+``, ``-``, ``@``, tab or CR gets a ``'`` (ASVS 1.2.10)."""
    value = "" if text is None else str(text)
    if value and value[0] in FORMULA_TRIGGERS:
        return "'" + value
    return value


def looks_like_formula(text: str) -> bool:
    """True when a spreadsheet would take this text for a formula if it were typed or imported."""
    return bool(text) and text[0] in FORMULA_TRIGGERS


# ---------------------------------------------------------------- atomic writing


def _target_mode(path: Path) -> int:
    """Permissions for the new file: the old file's, else 0666 minus the umask."""
    try:
        return path.stat().st_mode & 0o7777
    except FileNotFoundError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


def _fsync_dir(folder: Path) -> None:
    """Flush the directory entry of a rename to disk (POSIX; a no-op where unsupported)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_writer(path: Path | str, mode: str = "wb", encoding: str | None = None,
                  newline: str | None = None) -> Iterator[IO[Any]]:
    """Open a temporary file beside ``path``; on success fsync and rename it into place, else remove it."""
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    folder.mkdir(parents=True, exist_ok=True)
    if mode not in ("wb", "w"):
        raise ValueError(f"atomic_writer: mode phải là 'wb' hoặc 'w', không phải {mode!r}")
    fd, tmp_name = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.", suffix=".tmp")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, mode, encoding=encoding, newline=newline) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, _target_mode(target))
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
    _fsync_dir(folder)


def atomic_write_bytes(path: Path | str, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (temporary file, fsync, rename)."""
    with atomic_writer(path, "wb") as handle:
        handle.write(data)


def atomic_write_text(path: Path | str, text: str, encoding: str = "utf-8") -> None:
    """Write ``text`` to ``path`` atomically, encoded as ``encoding``, line endings unchanged."""
    atomic_write_bytes(path, text.encode(encoding))


def atomic_write_all(files: list[tuple[Path, bytes]],
                     before_replace: "Callable[[list[Path]], object] | None" = None) -> None:
    """Write several files as one step: stage every temporary file first, then rename them all.

    A failure while staging (disk full, an exception building a file) removes every temporary file and
    leaves all previous outputs untouched, so a master never stands beside a manifest of another run.
    ``before_replace(targets)`` runs once everything is staged, just before the renames (e.g. keeping the
    files about to be replaced as backups).
    """
    staged: list[tuple[Path, Path]] = []
    try:
        for path, data in files:
            target = Path(path)
            folder = target.parent if str(target.parent) else Path(".")
            folder.mkdir(parents=True, exist_ok=True)
            fd, tmp_name = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.", suffix=".tmp")
            staged.append((Path(tmp_name), target))
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(tmp_name, _target_mode(target))
        if before_replace is not None:
            before_replace([target for _tmp, target in staged])
    except BaseException:
        for tmp, _target in staged:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
        raise
    try:
        for i, (tmp, target) in enumerate(staged):
            os.replace(tmp, target)
    except BaseException:
        for tmp, _target in staged[i:]:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
        raise
    for folder in {target.parent for _tmp, target in staged}:
        _fsync_dir(folder if str(folder) else Path("."))


def write_exclusive(path: Path, data: bytes, mode: int = 0o644) -> bool:
    """Create ``path`` (never over an existing file, never through a link) with ``mode``, write ``data`` and flush
    it to disk; False, with nothing written, when ``path`` already exists."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags, mode)
    except FileExistsError:
        return False
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return True


def create_new_file(folder: Path, name: str, data: bytes, mode: int = 0o644, limit: int = 10_000) -> Path:
    """Write ``data`` to a NEW file ``folder/name`` (or ``name (2).ext`` …): never overwriting, never following
    a link, names that differ only by case kept apart on every file system; flushed to disk.

    Raises ``FileExistsError`` when ``limit`` names are taken and ``OSError`` when the folder cannot be written.
    """
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    taken = {p.name.casefold() for p in folder.iterdir()}
    for counter in range(1, limit):
        candidate = folder / (name if counter == 1 else f"{stem} ({counter})" + (f".{ext}" if ext else ""))
        if candidate.name.casefold() in taken:
            continue
        if write_exclusive(candidate, data, mode):
            return candidate
    raise FileExistsError(f"{limit} tên {name} đã có trong {folder}")

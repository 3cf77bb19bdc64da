"""Opening a returned .xlsx as untrusted input: sanity checks before any XML is parsed.

Limits follow Apache POI's ZipSecureFile defaults: at most 1,000 entries, and an entry whose inflated
size passes 100 KiB must keep a compression ratio under 1:100 — checked on the bytes really inflated,
not on the sizes the zip claims.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

from bdg_workbook.domain.errors import WorkbookError

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_ENTRIES = 1000
RATIO_GRACE_BYTES = 100 * 1024
MAX_RATIO = 100
MAX_MEMBER_BYTES = 64 * 1024 * 1024
OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
ODS_MIME = b"application/vnd.oasis.opendocument.spreadsheet"


@dataclass(frozen=True)
class Limits:
    """Per-file bounds for reading one workbook."""

    max_file_bytes: int = MAX_FILE_BYTES
    max_entries: int = MAX_ENTRIES
    max_member_bytes: int = MAX_MEMBER_BYTES


def sniff(data: bytes) -> None:
    """Reject, by their first bytes, files that are not an OOXML zip (empty, OLE, ODS, other)."""
    if not data:
        raise WorkbookError("F01", "tệp rỗng (0 byte)")
    if data.startswith(OLE_MAGIC):
        if "EncryptedPackage".encode("utf-16-le") in data[:1 << 20] or b"E\x00n\x00c\x00r\x00y\x00p\x00t" in data:
            raise WorkbookError("F06", "tệp được đặt mật khẩu (mã hóa), không đọc được nội dung")
        raise WorkbookError("F08", "tệp Excel đời cũ (.xls) đổi tên thành .xlsx")
    if not data.startswith(b"PK"):
        raise WorkbookError("F01", "tệp không phải định dạng .xlsx (không phải tệp nén OOXML)")


class SafeZip:
    """A checked view of an xlsx zip: entry count, duplicates, macros, bounded member reads."""

    def __init__(self, data: bytes, limits: Limits | None = None) -> None:
        self.limits = limits or Limits()
        if len(data) > self.limits.max_file_bytes:
            raise WorkbookError("F10", f"tệp quá lớn ({len(data) // (1024 * 1024)} MiB)")
        sniff(data)
        try:
            self.zip = zipfile.ZipFile(io.BytesIO(data))
            infos = self.zip.infolist()
        except Exception as exc:  # noqa: BLE001 - BadZipFile, EOFError, NotImplementedError ("zip file version")…
            raise WorkbookError("F01", f"tệp nén bị hỏng hoặc bị cắt cụt ({type(exc).__name__})") from exc
        if len(infos) > self.limits.max_entries:
            raise WorkbookError("F05", f"tệp nén có {len(infos)} mục, quá giới hạn {self.limits.max_entries}")
        names = [i.filename for i in infos]
        if len(set(names)) != len(names):
            raise WorkbookError("F05", "tệp nén có hai mục trùng tên (dấu hiệu tệp bị làm giả)")
        self.infos = {i.filename: i for i in infos}
        self._check_declared_sizes()
        self._check_kind()

    def _check_declared_sizes(self) -> None:
        """Reject up front a member whose declared size or ratio is a bomb, even one the reader never opens."""
        mib = 1024 * 1024
        for info in self.infos.values():
            if info.file_size > self.limits.max_member_bytes:
                raise WorkbookError("F05", f"phần '{info.filename}' giải nén ra {info.file_size // mib} MiB, "
                                           f"vượt {self.limits.max_member_bytes // mib} MiB")
            if info.file_size > RATIO_GRACE_BYTES and info.file_size > MAX_RATIO * max(info.compress_size, 1):
                raise WorkbookError("F05", f"phần '{info.filename}' có tỷ lệ nén vượt 1:{MAX_RATIO} (bom nén)")

    def _check_kind(self) -> None:
        if any(i.flag_bits & 0x1 for i in self.infos.values()):
            raise WorkbookError("F06", "tệp nén có mục được mã hóa")
        if "mimetype" in self.infos and self.read("mimetype", 256).startswith(ODS_MIME):
            raise WorkbookError("F08", "tệp LibreOffice (.ods) đổi tên thành .xlsx")
        if "[Content_Types].xml" not in self.infos or "xl/workbook.xml" not in self.infos:
            raise WorkbookError("F01", "tệp nén không phải bảng tính Excel (thiếu xl/workbook.xml)")
        lowered = {n.lower() for n in self.infos}
        types = self.read("[Content_Types].xml", 1 << 20)
        if any(n.endswith("vbaproject.bin") for n in lowered) or b"macroEnabled" in types:
            raise WorkbookError("F07", "tệp có chứa macro (VBA); phường không nhận tệp có macro")

    def has(self, name: str) -> bool:
        """True when the member exists."""
        return name in self.infos

    def open(self, name: str) -> "BoundedStream":
        """A stream over one member that enforces size and compression-ratio limits while inflating."""
        info = self.infos.get(name)
        if info is None:
            raise WorkbookError("F02", f"thiếu phần '{name}' trong tệp")
        try:
            raw = self.zip.open(info)
        except (zipfile.BadZipFile, NotImplementedError, ValueError, RuntimeError, OSError, EOFError) as exc:
            raise WorkbookError("F01", f"không mở được phần '{name}' ({type(exc).__name__})") from exc
        return BoundedStream(raw, name, info.compress_size, self.limits.max_member_bytes)

    def read(self, name: str, limit: int | None = None) -> bytes:
        """Whole member (or its first ``limit`` bytes), bounded."""
        with self.open(name) as stream:
            return stream.read(limit if limit is not None else -1)


class BoundedStream(io.RawIOBase):
    """Inflating reader that stops zip bombs: total size cap and ratio check past the grace size."""

    def __init__(self, raw: io.BufferedIOBase, name: str, compressed: int, max_bytes: int) -> None:
        super().__init__()
        self.raw, self.name, self.compressed, self.max_bytes = raw, name, max(compressed, 1), max_bytes
        self.inflated = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[override]
        try:
            chunk = self.raw.read(min(len(buffer), 1 << 16))
        except (zipfile.BadZipFile, EOFError, OSError, ValueError, RuntimeError) as exc:
            raise WorkbookError("F01", f"phần '{self.name}' bị hỏng ({type(exc).__name__}: {exc})") from exc
        except Exception as exc:  # zlib.error and friends
            raise WorkbookError("F01", f"phần '{self.name}' bị hỏng ({type(exc).__name__})") from exc
        n = len(chunk)
        buffer[:n] = chunk
        self.inflated += n
        if self.inflated > self.max_bytes:
            raise WorkbookError("F05", f"phần '{self.name}' giải nén vượt {self.max_bytes // (1024 * 1024)} MiB")
        if self.inflated > RATIO_GRACE_BYTES and self.inflated > MAX_RATIO * self.compressed:
            raise WorkbookError("F05", f"phần '{self.name}' có tỷ lệ nén vượt 1:{MAX_RATIO} (bom nén)")
        return n

    def close(self) -> None:
        try:
            self.raw.close()
        finally:
            super().close()

"""Lock the workbook structure of our own generated .xlsx: no sheet added, deleted, renamed or unhidden.

xlsxwriter protects sheets but has no public call for ``<workbookProtection lockStructure="1"/>``, so the
element is added to ``xl/workbook.xml`` of the bytes it wrote (only our own output, never a returned file).
The password is the same deterrent as the sheets' (legacy 16-bit hash, as Excel writes it): it stops
accidents in Excel's own UI (Insert Sheet, Rename, Unhide); the collector checks the structure of every
return anyway. The zip is edited in place with ``struct`` and ``zlib`` (this layer does not parse zips with
``zipfile``): that one member is deflated again, every other member is copied byte for byte, headers and the
central directory are updated; the same input gives the same output.
"""

from __future__ import annotations

import re
import struct
import zlib

from bdg_workbook.workbook.styles import PROTECT_PASSWORD

WORKBOOK_PART = b"xl/workbook.xml"
# elements that come after workbookProtection in CT_Workbook (the element goes before the first of them)
_AFTER = re.compile(rb"<(?:bookViews|sheets)[\s/>]")
_LOCAL = struct.Struct("<4sHHHHHIIIHH")           # local file header
_CENTRAL = struct.Struct("<4sHHHHHHIIIHHHHHII")    # central directory entry
_END = struct.Struct("<4sHHHHIIH")                 # end of central directory


def legacy_password_hash(password: str) -> str:
    """The 16-bit hash Excel stores for a sheet or workbook protection password (hex, upper case)."""
    value = 0
    for position, char in enumerate(password, 1):
        shifted = ord(char) << position
        value ^= (shifted & 0x7FFF) | (shifted >> 15)
    return "%X" % (value ^ len(password) ^ 0xCE4B)


def protection_element(password: str = PROTECT_PASSWORD) -> bytes:
    """``<workbookProtection workbookPassword=".." lockStructure="1"/>``."""
    return b'<workbookProtection workbookPassword="%s" lockStructure="1"/>' % legacy_password_hash(password).encode()


def lock_structure(data: bytes, password: str = PROTECT_PASSWORD) -> bytes:
    """The workbook ``data`` (a zip written by xlsxwriter) with its structure locked; unchanged if already locked."""
    end_at = data.rfind(b"PK\x05\x06")
    if end_at < 0:
        raise ValueError("không phải tệp nén .xlsx do chương trình ghi")
    end = list(_END.unpack_from(data, end_at))
    entries, cd_offset = end[4], end[6]
    out, central, pos = bytearray(), bytearray(), cd_offset
    for _ in range(entries):
        entry = list(_CENTRAL.unpack_from(data, pos))
        name_len, extra_len, comment_len, offset = entry[10], entry[11], entry[12], entry[16]
        tail = data[pos + _CENTRAL.size:pos + _CENTRAL.size + name_len + extra_len + comment_len]
        pos += _CENTRAL.size + len(tail)
        local = list(_LOCAL.unpack_from(data, offset))
        head_end = offset + _LOCAL.size + local[9] + local[10]
        if local[0] != b"PK\x03\x04" or local[2] & 0x8:
            raise ValueError("tệp nén có dạng chương trình không ghi")
        body = data[head_end:head_end + entry[8]]
        if tail[:name_len] == WORKBOOK_PART:
            body, crc, size = _locked_member(body, entry[4], password)
            if body is None:
                return data
            local[6], local[7], local[8] = entry[7], entry[8], entry[9] = crc, len(body), size
        entry[16] = len(out)
        out += _LOCAL.pack(*local) + data[offset + _LOCAL.size:head_end] + body
        central += _CENTRAL.pack(*entry) + tail
    end[5], end[6] = len(central), len(out)
    return bytes(out + central + _END.pack(*end) + data[end_at + _END.size:])


def _locked_member(body: bytes, method: int, password: str) -> tuple[bytes | None, int, int]:
    """workbook.xml's compressed bytes with the protection element added, its CRC and size (None: already)."""
    book = zlib.decompress(body, -15) if method == 8 else body
    if b"<workbookProtection" in book:
        return None, 0, 0
    place = _AFTER.search(book)
    if place is None:
        raise ValueError("xl/workbook.xml không có <sheets>: không khóa được cấu trúc bảng tính")
    book = book[:place.start()] + protection_element(password) + book[place.start():]
    if method == 8:
        packer = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
        packed = packer.compress(book) + packer.flush()
    else:
        packed = book
    return packed, zlib.crc32(book), len(book)

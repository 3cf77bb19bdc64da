"""Department workbooks from a template: one xlsxwriter build per department shape, then only texts change.

A template is the workbook of one ``DeptShape`` built with placeholder texts (``DeptForm.placeholder``).
A department's workbook is that template with each placeholder's shared string replaced by the real text
(rendered by xlsxwriter's own shared-strings writer) and the document title replaced in
``docProps/core.xml``; those two parts are recompressed as ``zipfile`` does and every other part's zip
record is copied. The result is byte-identical to a plain xlsxwriter build of the department. Where it
could not be (a text equal to another cell's text, an empty or very long text), ``derive`` returns None
and the caller builds the workbook plainly. ``Template.cut`` checks its own work: the template rebuilt
from its pieces with the placeholder texts must equal the xlsxwriter build byte for byte.
"""

from __future__ import annotations

import io
import struct
import zlib
from dataclasses import dataclass
from typing import Callable, Mapping, Sequence

from xlsxwriter.sharedstrings import SharedStrings
from xlsxwriter.xmlwriter import XMLwriter

from bdg_workbook.workbook.department import MARK, DeptForm, placeholder_text

SHARED_STRINGS = "xl/sharedStrings.xml"
CORE = "docProps/core.xml"
TITLE_SLOT = "doc_title"
# xlsxwriter truncates (and warns about) strings over 32,767 UTF-16 units; half that never reaches it
TEXT_LIMIT = 32767 // 2

_LOCAL = struct.Struct("<4s22xHH")           # local file header: signature ... name length, extra length
_CENTRAL = struct.Struct("<4s4xHH4xIIIHHH8xI")  # central entry: sig, flags, method, crc, sizes, lengths, offset
_END = struct.Struct("<4s6xHIIH")            # end of central directory: sig, entries, cd size, cd offset, comment
_MARK = MARK.encode("utf-8")


def shared_string_xml(text: str) -> bytes:
    """The ``<si>`` element xlsxwriter writes for ``text`` in ``xl/sharedStrings.xml``."""
    writer = SharedStrings()
    writer.fh = io.StringIO()
    writer._write_si(text)   # xlsxwriter's own rendering: escapes, _xHHHH_ control characters, xml:space
    return writer.fh.getvalue().encode("utf-8")


def title_xml(text: str) -> bytes:
    """The ``<dc:title>`` element xlsxwriter writes for ``text`` in ``docProps/core.xml``."""
    writer = XMLwriter()
    writer.fh = io.StringIO()
    writer._xml_data_element("dc:title", text)   # as xlsxwriter's Core._write_dc_title does
    return writer.fh.getvalue().encode("utf-8")


RENDER: dict[str, Callable[[str], bytes]] = {SHARED_STRINGS: shared_string_xml, CORE: title_xml}


@dataclass(frozen=True)
class Record:
    """One zip member as xlsxwriter wrote it: local header, compressed data, central-directory entry."""

    name: str
    local: bytes
    data: bytes
    central: bytes


@dataclass(frozen=True)
class Part:
    """An XML part cut around its placeholders: ``pieces[0] text(slots[0]) pieces[1] …``."""

    pieces: tuple[bytes, ...]
    slots: tuple[str, ...]

    def fill(self, texts: Mapping[str, str], render: Callable[[str], bytes]) -> bytes:
        """The part with each slot's text rendered in place of its placeholder."""
        out = [self.pieces[0]]
        for slot, piece in zip(self.slots, self.pieces[1:]):
            out += [render(texts[slot]), piece]
        return b"".join(out)


@dataclass(frozen=True)
class Template:
    """One department shape's workbook, ready to take any department's texts."""

    records: tuple[Record, ...]
    end: bytes
    parts: Mapping[str, Part]
    string_slots: tuple[str, ...]     # slots that are whole shared strings
    constants: frozenset[str]         # the other shared strings

    @classmethod
    def cut(cls, data: bytes, strings: Sequence[str], form: DeptForm) -> Template | None:
        """Template from a build of placeholder ``form`` (``strings``: its shared strings); None if unusable."""
        split = split_zip(data)
        if split is None:
            return None
        records, end = split
        marks = {placeholder_text(slot): slot for slot in form.texts}
        if any(MARK in s and s not in marks for s in strings):
            return None   # a placeholder inside a longer text, or a MARK in the criteria table: not ours to cut
        slots = tuple(marks[s] for s in strings if s in marks)
        parts = {}
        for rec in records:
            xml = zlib.decompress(rec.data, -15)
            if rec.name in RENDER:
                wanted = slots if rec.name == SHARED_STRINGS else (TITLE_SLOT,)
                part = cut_part(xml, wanted, RENDER[rec.name])
                if part is None:
                    return None
                parts[rec.name] = part
            elif _MARK in xml:
                return None
        template = cls(tuple(records), end, parts, slots, frozenset(s for s in strings if s not in marks))
        return template if template.derive(form) == data else None

    def derive(self, form: DeptForm) -> bytes | None:
        """The workbook of ``form`` (same shape as the template), or None when only a plain build gives it."""
        values = [form.texts[slot] for slot in self.string_slots]
        if (len(set(values)) != len(values) or any(not v or len(v) > TEXT_LIMIT for v in values)
                or not self.constants.isdisjoint(values)):
            return None   # xlsxwriter would merge equal strings, blank an empty merged cell, or refuse a long one
        changed = {name: part.fill(form.texts, RENDER[name]) for name, part in self.parts.items()}
        return join_zip(self.records, self.end, changed)


def cut_part(xml: bytes, slots: Sequence[str], render: Callable[[str], bytes]) -> Part | None:
    """Cut ``xml`` around the rendered placeholder of each slot (each exactly once, in order); None if not."""
    pieces, start = [], 0
    for slot in slots:
        mark = render(placeholder_text(slot))
        at = xml.find(mark, start)
        if at < 0 or xml.find(mark, at + len(mark)) >= 0:
            return None
        pieces.append(xml[start:at])
        start = at + len(mark)
    pieces.append(xml[start:])
    if any(_MARK in piece for piece in pieces):
        return None
    return Part(tuple(pieces), tuple(slots))


def split_zip(data: bytes) -> tuple[list[Record], bytes] | None:
    """The members of a plain zip as xlsxwriter writes it (deflated, no zip64, no data descriptors)."""
    end = data[-_END.size:]
    sig, count, cd_size, cd_offset, comment = _END.unpack(end)
    if sig != b"PK\x05\x06" or comment or cd_offset + cd_size != len(data) - _END.size:
        return None
    records, pos, offset = [], cd_offset, 0
    for _ in range(count):
        sig, flags, method, _crc, csize, _usize, nlen, xlen, clen, at = _CENTRAL.unpack_from(data, pos)
        if sig != b"PK\x01\x02" or flags & 0x08 or method != 8 or xlen or clen or at != offset:
            return None
        central = data[pos:pos + _CENTRAL.size + nlen]
        lsig, lnlen, lxlen = _LOCAL.unpack_from(data, at)
        local = data[at:at + _LOCAL.size + nlen]
        if lsig != b"PK\x03\x04" or lnlen != nlen or lxlen or local[_LOCAL.size:] != central[_CENTRAL.size:]:
            return None
        payload = data[at + len(local):at + len(local) + csize]
        records.append(Record(central[_CENTRAL.size:].decode("utf-8"), local, payload, central))
        pos, offset = pos + len(central), at + len(local) + csize
    if pos != len(data) - _END.size or offset != cd_offset:
        return None
    return records, end


def deflate(raw: bytes) -> bytes:
    """Compress as ``zipfile`` does for ZIP_DEFLATED at the default level."""
    compressor = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
    return compressor.compress(raw) + compressor.flush()


def join_zip(records: Sequence[Record], end: bytes, changed: Mapping[str, bytes]) -> bytes:
    """The zip of ``records`` with the members in ``changed`` replaced (uncompressed content by name)."""
    out, central, offset = [], [], 0
    for rec in records:
        local, payload, entry = rec.local, rec.data, rec.central
        raw = changed.get(rec.name)
        if raw is not None:
            payload = deflate(raw)
            fields = struct.pack("<III", zlib.crc32(raw), len(payload), len(raw))
            local = local[:14] + fields + local[26:]
            entry = entry[:16] + fields + entry[28:]
        central.append(entry[:42] + struct.pack("<I", offset) + entry[46:])
        out += [local, payload]
        offset += len(local) + len(payload)
    out += central
    out.append(end[:16] + struct.pack("<I", offset) + end[20:])
    return b"".join(out)

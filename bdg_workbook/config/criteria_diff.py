"""What changed between two criteria tables (two seasons or two versions): added, removed, changed criteria."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bdg_workbook.domain.model import METHOD_LABELS, CriteriaTable, Criterion
from bdg_workbook.domain.numbers import format_number, plain_number

# (attribute, Vietnamese label) compared for every criterion present in both tables, in this order.
COMPARED = (("text", "nội dung"), ("max", "điểm tối đa"), ("method", "cách chấm"), ("default_target", "chỉ tiêu"),
            ("unit", "đơn vị tính"), ("points_each", "điểm mỗi lần"), ("allow_na", "Không áp dụng"),
            ("requires_justification", "thuyết minh 5 yêu cầu"), ("evidence", "minh chứng"), ("note", "ghi chú"),
            ("section", "phần"))


@dataclass(frozen=True)
class FieldChange:
    """One attribute of one criterion, before and after."""

    field: str
    label: str
    old: Any
    new: Any


@dataclass
class TableDiff:
    """Criteria added, removed and changed, plus the differences of the table itself (sections, bands)."""

    old: CriteriaTable
    new: CriteriaTable
    added: list[Criterion] = field(default_factory=list)
    removed: list[Criterion] = field(default_factory=list)
    changed: dict[str, list[FieldChange]] = field(default_factory=dict)
    table_changes: list[str] = field(default_factory=list)

    @property
    def same(self) -> bool:
        """True when the two tables have the same content hash."""
        return self.old.content_hash == self.new.content_hash

    def as_dict(self) -> dict[str, Any]:
        """Machine-readable form (numbers as decimal strings)."""
        def ident(t: CriteriaTable) -> dict[str, Any]:
            return {"template_id": t.template_id, "version": t.version, "year": t.season,
                    "content_hash": t.content_hash}
        return {"old": ident(self.old), "new": ident(self.new), "same": self.same,
                "added": [c.code for c in self.added], "removed": [c.code for c in self.removed],
                "changed": {code: [{"field": ch.field, "old": _plain(ch.old), "new": _plain(ch.new)} for ch in chs]
                            for code, chs in self.changed.items()},
                "table_changes": self.table_changes}


def diff_tables(old: CriteriaTable, new: CriteriaTable) -> TableDiff:
    """Compare two tables criterion by criterion (matched by code)."""
    result = TableDiff(old, new)
    old_by, new_by = {c.code: c for c in old.criteria}, {c.code: c for c in new.criteria}
    result.added = [c for c in new.criteria if c.code not in old_by]
    result.removed = [c for c in old.criteria if c.code not in new_by]
    for code, before in old_by.items():
        after = new_by.get(code)
        if after is None:
            continue
        changes = [FieldChange(name, label, getattr(before, name), getattr(after, name))
                   for name, label in COMPARED if getattr(before, name) != getattr(after, name)]
        if changes:
            result.changed[code] = changes
    result.table_changes = _table_changes(old, new)
    return result


def _table_changes(old: CriteriaTable, new: CriteriaTable) -> list[str]:
    out = []
    old_sec, new_sec = {s.code: s for s in old.sections}, {s.code: s for s in new.sections}
    for code in sorted(set(old_sec) | set(new_sec), key=lambda c: (len(c), c)):
        a, b = old_sec.get(code), new_sec.get(code)
        if a is None or b is None:
            out.append(f"Phần {code}: {'thêm mới' if a is None else 'bỏ'}.")
        elif (a.title, a.kind, a.max) != (b.title, b.kind, b.max):
            out.append(f"Phần {code}: {_sec(a)} → {_sec(b)}.")
    bands = lambda t: "; ".join(f"{x.label} từ {format_number(x.min)}" for x in t.bands)  # noqa: E731
    if bands(old) != bands(new):
        out.append(f"Xếp loại: {bands(old)} → {bands(new)}.")
    for name, label in (("base_max", "điểm cơ bản tối đa"), ("bonus_cap", "trần điểm thưởng"),
                        ("penalty_cap", "trần điểm trừ"), ("top_no_deductions_in", "mức cao nhất không bị trừ ở"),
                        ("top_section_min", "mức cao nhất phải đạt")):
        if getattr(old, name) != getattr(new, name):
            out.append(f"{label[0].upper() + label[1:]}: {_show(getattr(old, name))} → {_show(getattr(new, name))}.")
    return out


def _sec(s: Any) -> str:
    return f"'{s.title}' ({s.kind}, {format_number(s.max)})"


def _show(value: Any) -> str:
    if value is None or value == "" or value == ():
        return "(trống)"
    if isinstance(value, bool):
        return "có" if value else "không"
    if isinstance(value, str):
        return METHOD_LABELS.get(value, value)
    if isinstance(value, tuple):
        return ", ".join(_show(v) for v in value)
    try:
        return format_number(value)
    except (TypeError, ValueError, AttributeError):
        return str(value)


def _plain(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, (bool, str)) or value is None:
        return value
    return plain_number(value)


def diff_lines(d: TableDiff, text_width: int = 90) -> list[str]:
    """The Vietnamese report printed by ``criteria diff``."""
    def ident(t: CriteriaTable) -> str:
        return (f"{t.template_id}, phiên bản {t.version or '(không ghi)'}, năm {t.season or '(không ghi)'}, "
                f"mã băm {t.content_hash[:12]}")
    lines = [f"Bảng cũ: {ident(d.old)}", f"Bảng mới: {ident(d.new)}"]
    if d.same:
        return lines + ["Hai bảng giống hệt nhau (cùng mã băm nội dung)."]
    lines.append(f"Thêm {len(d.added)}, bỏ {len(d.removed)}, sửa {len(d.changed)} tiêu chí.")
    for c in d.added:
        lines.append(f"+ {c.code} (mới, {format_number(c.max)} điểm, {METHOD_LABELS[c.method]}): {_cut(c.text, text_width)}")
    for c in d.removed:
        lines.append(f"- {c.code} (bỏ, {format_number(c.max)} điểm): {_cut(c.text, text_width)}")
    for code, changes in d.changed.items():
        lines.append(f"~ {code}:")
        for ch in changes:
            if ch.field in ("text", "note"):
                lines.append(f"    {ch.label}: «{_cut(str(ch.old), text_width)}»")
                lines.append(f"    {' ' * len(ch.label)}→ «{_cut(str(ch.new), text_width)}»")
            else:
                lines.append(f"    {ch.label}: {_show(ch.old)} → {_show(ch.new)}")
    lines += ["* " + line for line in d.table_changes]
    return lines


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"

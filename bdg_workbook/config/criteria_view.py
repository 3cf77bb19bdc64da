"""Presentation of the criteria table for ``bdg-workbook criteria``: summary, terminal table, JSON dump.

Pure text (no click): the command prints what these functions return. Numbers are Decimals; the
JSON dump writes every Decimal as a plain decimal string (``"2.5"``), never as a float.
"""

from __future__ import annotations

import textwrap
import unicodedata
from typing import Any

from bdg_workbook.domain.numbers import format_number, plain_number
from bdg_workbook.domain.model import METHOD_LABELS, CriteriaTable, Criterion, Section, Setup

KIND_LABELS = {"base": "cơ bản", "bonus": "điểm thưởng", "penalty": "điểm trừ"}
JSON_FORMAT_VERSION = 1
TEXT_MAX_LINES = 3
MIN_TEXT_WIDTH = 20
# (header, width, right-aligned) of the fixed columns; the text column takes the rest of the width.
COLUMNS = (("Mã", 6, False), ("Điểm", 5, True), ("Cách chấm", 9, False), ("Đơn vị tính", 16, False),
           ("Chỉ tiêu", 9, True), ("KAD", 3, False), ("TM", 2, False))
LEGEND = ("Chú thích: Chỉ tiêu = chỉ tiêu mặc định (cách chấm Tỷ lệ) hoặc điểm mỗi lần (cách chấm Đếm); "
          "KAD = được chọn \"Không áp dụng\"; TM = phải thuyết minh đủ 5 yêu cầu. Xem đủ nội dung: --format json.")


# ---------------------------------------------------------------- check summary


def summary_lines(setup: Setup) -> list[str]:
    """The short Vietnamese summary printed by ``criteria check`` when all three files are valid."""
    table, cfg = setup.table, setup.config
    lines = [
        "Ba tệp mẫu hợp lệ (bảng tiêu chí, danh sách đơn vị, cấu hình).",
        f"Bảng tiêu chí: mã {table.template_id}, phiên bản {table.version or '(không ghi)'}, "
        f"mã băm {table.content_hash[:12]}, {len(table.criteria)} tiêu chí.",
    ]
    for sec in table.sections:
        limit = "tối đa" if sec.kind == "base" else "trần"
        lines.append(f"  Phần {sec.code:<4} {len(sec.criteria):>2} tiêu chí, {limit} {format_number(sec.max):>3} điểm "
                     f"({KIND_LABELS[sec.kind]})")
    lines.append(f"  Điểm cơ bản tối đa {format_number(table.base_max)}; thưởng tối đa {format_number(table.bonus_cap)}; "
                 f"trừ tối đa {format_number(table.penalty_cap)}; tổng tối đa {format_number(table.total_max)}.")
    bands = "; ".join(f"{b.label} từ {format_number(b.min)}" for b in table.bands)
    lines.append(f"  Xếp loại: {bands}.")
    conditions = top_band_text(table)
    if conditions:
        lines.append(f"  Điều kiện mức \"{table.bands[0].label}\": {conditions}.")
    codes = ", ".join(d.code for d in setup.departments)
    lines.append(f"Danh sách đơn vị: {len(setup.departments)} đơn vị ({codes}).")
    deadline = (f"; hạn các đơn vị gửi phường {cfg.department_deadline:%d/%m/%Y}" if cfg.department_deadline else "")
    lines.append(f"Cấu hình: {cfg.ward}, năm {cfg.year}, kỳ đánh giá {cfg.period_start:%d/%m/%Y} - "
                 f"{cfg.period_end:%d/%m/%Y}{deadline}; hạn gửi cấp trên {cfg.district_deadline:%d/%m/%Y}.")
    return lines


def top_band_text(table: CriteriaTable) -> str:
    """The top band's extra conditions in words (empty when there are none)."""
    parts = []
    if table.top_no_deductions_in:
        parts.append("không bị trừ điểm ở " + ", ".join(table.top_no_deductions_in))
    if table.top_section_min:
        code, pct = table.top_section_min
        parts.append(f"phần {code} đạt ít nhất {format_number(pct)}% điểm tối đa")
    return "; ".join(parts)


def official_warning(table: CriteriaTable) -> str | None:
    """A warning line when the table is not the Ban's official one (``meta.official: false``)."""
    if table.official:
        return None
    disclaimer = f" {table.disclaimer.strip()}" if table.disclaimer.strip() else ""
    return ("CẢNH BÁO: bảng tiêu chí này KHÔNG phải bảng chính thức (meta.official: false)."
            f"{disclaimer} Khi có bảng chính thức của Ban: sửa hoặc thay tệp templates/criteria-2024.yaml, "
            "hoặc chỉ định tệp khác bằng tùy chọn --criteria.")


# ---------------------------------------------------------------- terminal table


def render_table(table: CriteriaTable, width: int) -> str:
    """The table as text ``width`` characters wide: texts wrapped then cut with "…", the not-official warning on top."""
    text_width = max(MIN_TEXT_WIDTH, width - sum(w + 1 for _, w, _ in COLUMNS))
    full = sum(w + 1 for _, w, _ in COLUMNS) + text_width
    lines = textwrap.wrap(_nfc(table.title or table.template_id), full)
    lines += [f"Mã bảng {table.template_id}, phiên bản {table.version or '(không ghi)'}, "
              f"mã băm {table.content_hash[:12]}"]
    warning = official_warning(table)
    if warning:
        lines += textwrap.wrap(warning, full)
    header = [h for h, _, _ in COLUMNS] + ["Nội dung"]
    lines += ["", _row(header, text_width), "-" * full]
    for sec in table.sections:
        lines.append(_cut(_section_heading(sec), full))
        for crit in sec.criteria:
            lines += _criterion_lines(crit, text_width)
        lines.append("")
    bands = "; ".join(f"{b.label} từ {format_number(b.min)}" for b in table.bands)
    lines += textwrap.wrap(f"Điểm cơ bản tối đa {format_number(table.base_max)}, tổng tối đa "
                           f"{format_number(table.total_max)}. Xếp loại: {bands}.", full)
    lines += textwrap.wrap(LEGEND, full)
    return "\n".join(lines)


def _section_heading(sec: Section) -> str:
    limit = "tối đa" if sec.kind == "base" else "trần"
    return f"{sec.code}. {sec.title.upper()} ({KIND_LABELS[sec.kind]}, {limit} {format_number(sec.max)} điểm)"


def _criterion_lines(crit: Criterion, text_width: int) -> list[str]:
    target = (format_number(crit.default_target) if crit.method == "ratio"
              else f"{format_number(crit.points_each)}đ/lần" if crit.method == "count" else "")
    cells = [crit.code, format_number(crit.max), METHOD_LABELS[crit.method], crit.unit, target,
             "có" if crit.allow_na else "-", "có" if crit.requires_justification else "-"]
    wrapper = textwrap.TextWrapper(text_width, max_lines=TEXT_MAX_LINES, placeholder=" …")
    text_lines = wrapper.wrap(_nfc(crit.text)) or [""]
    out = [_row(cells + [text_lines[0]], text_width)]
    out += [_row([""] * len(COLUMNS) + [more], text_width) for more in text_lines[1:]]
    return out


def _row(cells: list[str], text_width: int) -> str:
    parts = []
    for (_, width, right), cell in zip(COLUMNS, cells):
        cell = _cut(_nfc(cell), width)
        parts.append(cell.rjust(width) if right else cell.ljust(width))
    parts.append(_cut(cells[-1], text_width))
    return " ".join(parts).rstrip()


def _cut(text: str, width: int) -> str:
    text = _nfc(text)
    return text if len(text) <= width else text[: max(0, width - 1)] + "…"


def _nfc(text: str) -> str:
    # Decomposed Vietnamese (NFD) would count combining marks as columns and break the alignment.
    return unicodedata.normalize("NFC", text)


# ---------------------------------------------------------------- JSON


def table_to_dict(table: CriteriaTable) -> dict[str, Any]:
    """Machine-readable dump of the table; every number is a decimal string (``"2.5"``)."""
    top_min = table.top_section_min
    return {
        "format_version": JSON_FORMAT_VERSION,
        "template_id": table.template_id, "version": table.version, "title": table.title,
        "official": table.official, "disclaimer": table.disclaimer, "plan_ref": table.plan_ref,
        "content_hash": table.content_hash,
        "scale": {"base_max": plain_number(table.base_max), "bonus_cap": plain_number(table.bonus_cap),
                  "penalty_cap": plain_number(table.penalty_cap), "total_max": plain_number(table.total_max)},
        "sections": [{"code": s.code, "title": s.title, "kind": s.kind, "max": plain_number(s.max),
                      "criteria": [c.code for c in s.criteria]} for s in table.sections],
        "criteria": [criterion_to_dict(c) for c in table.criteria],
        "rating_bands": [{"label": b.label, "min": plain_number(b.min)} for b in table.bands],
        "top_band_conditions": {
            "no_deductions_in": list(table.top_no_deductions_in),
            "section_min_pct": ({"section": top_min[0], "pct": plain_number(top_min[1])} if top_min else None),
        },
        "justification_fields": [{"key": f.key, "label": f.label} for f in table.justification_fields],
    }


def criterion_to_dict(crit: Criterion) -> dict[str, Any]:
    """One criterion as plain JSON data (numbers as decimal strings, absent ones as null)."""
    return {
        "code": crit.code, "section": crit.section, "text": crit.text, "max": plain_number(crit.max),
        "method": crit.method, "method_label": METHOD_LABELS[crit.method], "unit": crit.unit,
        "default_target": plain_number(crit.default_target), "points_each": plain_number(crit.points_each),
        "allow_na": crit.allow_na, "requires_five_point_justification": crit.requires_justification,
        "evidence": list(crit.evidence), "note": crit.note,
    }

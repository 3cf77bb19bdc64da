"""The Ban's criteria spreadsheet: its documented layout, the table as sheet rows, and sheet rows back to the
YAML template, checked by the same code as ``criteria check`` with every problem named by sheet, row and column.

Layout (one header row, data from row 2; empty rows are skipped, row numbers stay those of the file):
- ``Tiêu chí``: one row per criterion (``CRITERIA_COLUMNS``).
- ``Phần, xếp loại``: the sections in columns A-D (``SECTION_COLUMNS``) and the rating bands in F-G.
- ``Thông tin chung``: one row per setting (``INFO_KEYS``): id, version, year, title, scale, conditions.
Parsing the file is ``untrusted.criteria_sheet``'s job; turning its rows into the template is
``config.criteria_sheet_import``'s. This module holds the layout and the table as rows.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any

from bdg_workbook.domain.model import METHOD_LABELS, CriteriaTable, Criterion

SHEET_CRITERIA = "Tiêu chí"
SHEET_SECTIONS = "Phần, xếp loại"
SHEET_INFO = "Thông tin chung"
SHEET_GUIDE = "Hướng dẫn"
YES, NO = "Có", "Không"

# (YAML key, header, width, explanation) — the order is the column order of the sheet "Tiêu chí".
CRITERIA_COLUMNS: tuple[tuple[str, str, int, str], ...] = (
    ("section", "Phần", 7, "Mã phần (số La Mã, phải có ở trang 'Phần, xếp loại')."),
    ("code", "Mã tiêu chí", 10, "<phần>.<số>, ví dụ II.3; không trùng."),
    ("text", "Nội dung", 60, "Nội dung tiêu chí."),
    ("max", "Điểm tối đa", 9, "Số lớn hơn 0; tổng điểm các tiêu chí phần cơ bản bằng điểm tối đa của phần."),
    ("method", "Cách chấm", 11, "yesno (Có/Không), ratio (Tỷ lệ), percent (Nhập %), count (Đếm)."),
    ("unit", "Đơn vị tính", 16, "Bắt buộc với cách chấm ratio, ví dụ 'cuộc'."),
    ("default_target", "Chỉ tiêu mặc định", 10, "Chỉ với ratio: số lớn hơn 0."),
    ("target_proposable", "Đơn vị được đề xuất chỉ tiêu", 11,
     "Chỉ với ratio: Có = đơn vị tự ghi chỉ tiêu, không thấp hơn chỉ tiêu của Ban."),
    ("points_each", "Điểm mỗi lần", 9, "Chỉ với count: số lớn hơn 0."),
    ("allow_na", "Cho phép Không áp dụng", 11, "Có/Không (chỉ phần cơ bản ngoài các phần cấm)."),
    ("requires_five_point_justification", "Thuyết minh 5 yêu cầu", 11, "Có/Không (chỉ phần điểm thưởng)."),
    ("on_time", "Chấm theo ngày nhận (gửi đúng hạn)", 11,
     "Có/Không, chỉ tiêu chí Có/Không phần cơ bản: phường chấm theo thời điểm nhận tệp, không theo đơn vị tự ghi."),
    ("evidence", "Minh chứng cần có", 40, "Mỗi loại minh chứng một dòng (Alt+Enter trong ô)."),
    ("note", "Ghi chú", 30, "Ghi chú cho đơn vị (không bắt buộc)."),
)
SECTION_COLUMNS = (("code", "Mã phần", 8), ("title", "Tên phần", 50), ("kind", "Loại (base/bonus/penalty)", 12),
                   ("max", "Điểm tối đa hoặc trần", 11))
BAND_COLUMNS = (("label", "Mức xếp loại", 16), ("min", "Điểm tối thiểu", 11))
BAND_FIRST_COL = len(SECTION_COLUMNS) + 1          # one empty column between the two tables
# (key, label, explanation) of the sheet "Thông tin chung".
INFO_KEYS: tuple[tuple[str, str, str], ...] = (
    ("id", "Mã bảng tiêu chí", "Ghi vào mọi biểu mẫu; tệp nộp về phải cùng mã (ví dụ TDCD-BDG-2025)."),
    ("version", "Phiên bản", "Ví dụ 1.0; đổi khi sửa bảng."),
    ("year", "Năm thi đua", "Năm của bảng (ví dụ 2025)."),
    ("title", "Tên bảng", ""),
    ("official", "Bảng chính thức", "Có khi là bảng chính thức của Ban."),
    ("disclaimer", "Lưu ý", "Dòng cảnh báo khi bảng chưa chính thức."),
    ("plan_ref", "Căn cứ (kế hoạch)", ""),
    ("base_max", "Điểm cơ bản tối đa", "Tổng điểm tối đa các phần cơ bản."),
    ("bonus_cap", "Trần điểm thưởng", ""),
    ("penalty_cap", "Trần điểm trừ", ""),
    ("total_max", "Tổng điểm tối đa", "= điểm cơ bản tối đa + trần điểm thưởng."),
    ("na_allowed", "Cho phép 'Không áp dụng'", "Có/Không."),
    ("never_applicable_in", "Phần không được 'Không áp dụng'", "Mã phần, cách nhau dấu phẩy (ví dụ I, III)."),
    ("na_min_applicable_pct", "Tỷ lệ tối thiểu phải áp dụng (%)",
     "Phần điểm tối đa mỗi phần cơ bản luôn được tính là áp dụng (0-100); để trống nếu không có."),
    ("no_deductions_in", "Mức cao nhất: không bị trừ ở", "Mã tiêu chí điểm trừ, cách nhau dấu phẩy."),
    ("top_section", "Mức cao nhất: phần phải đạt tỷ lệ", "Mã phần cơ bản (ví dụ II); để trống nếu không."),
    ("top_section_pct", "Mức cao nhất: tỷ lệ tối thiểu (%)", "0-100."),
    ("justification_fields", "Yêu cầu thuyết minh điểm thưởng", "Mỗi dòng 'khóa: tên', ví dụ 'diem_moi: Điểm mới'."),
)
MAX_ROWS = 2000
METHOD_BY_LABEL = {unicodedata.normalize("NFC", v).casefold(): k for k, v in METHOD_LABELS.items()}


@dataclass(frozen=True)
class SheetCell:
    """One value read from the sheet: where it came from (1-based row, column letter) and what it holds."""

    sheet: str
    row: int
    column: str
    value: Any


SheetRows = dict[str, list[list[SheetCell]]]   # sheet name -> data rows (header row excluded) as cells


# ---------------------------------------------------------------- table -> rows (export)


def criteria_rows(table: CriteriaTable | None) -> list[list[Any]]:
    """Sheet "Tiêu chí" data rows (no header); Decimals stay Decimals, booleans are Có/Không."""
    if table is None:
        return []
    return [[_criterion_value(c, key, table) for key, *_ in CRITERIA_COLUMNS] for c in table.criteria]


def _criterion_value(c: Criterion, key: str, table: CriteriaTable) -> Any:
    kind = table.section(c.section).kind
    if key == "allow_na":
        return YES if c.allow_na else NO
    if key == "requires_five_point_justification":
        return (YES if c.requires_justification else NO) if kind == "bonus" else None
    if key == "evidence":
        return "\n".join(c.evidence) or None
    if key == "default_target":
        return c.default_target if c.method == "ratio" else None
    if key == "on_time":
        return (YES if getattr(c, "on_time", False) else NO) if c.method == "yesno" and kind == "base" else None
    if key == "target_proposable":
        return (YES if getattr(c, "target_proposable", False) else NO) if c.method == "ratio" else None
    if key == "points_each":
        return c.points_each if c.method == "count" else None
    value = getattr(c, key)
    return value if value != "" else None


def section_rows(table: CriteriaTable | None) -> list[list[Any]]:
    """Sheet "Phần, xếp loại" columns A-D: code, title, kind, maximum or cap."""
    return [[s.code, s.title, s.kind, s.max] for s in table.sections] if table else []


def band_rows(table: CriteriaTable | None) -> list[list[Any]]:
    """Sheet "Phần, xếp loại" columns F-G: label, minimum total."""
    return [[b.label, b.min] for b in table.bands] if table else []


def info_values(table: CriteriaTable | None, never_na: tuple[str, ...] = ("I", "III"),
                na_allowed: bool = True) -> dict[str, Any]:
    """Sheet "Thông tin chung": value of every INFO_KEYS key (all empty for a blank sheet)."""
    if table is None:
        return {}
    top = table.top_section_min
    return {
        "id": table.template_id, "version": table.version or None, "year": table.year,
        "title": table.title or None, "official": YES if table.official else NO,
        "disclaimer": table.disclaimer or None, "plan_ref": table.plan_ref or None,
        "base_max": table.base_max, "bonus_cap": table.bonus_cap, "penalty_cap": table.penalty_cap,
        "total_max": table.total_max, "na_allowed": YES if na_allowed else NO,
        "never_applicable_in": ", ".join(never_na) or None,
        "na_min_applicable_pct": getattr(table, "na_min_applicable_pct", None),
        "no_deductions_in": ", ".join(table.top_no_deductions_in) or None,
        "top_section": top[0] if top else None, "top_section_pct": top[1] if top else None,
        "justification_fields": "\n".join(f"{f.key}: {f.label}" for f in table.justification_fields) or None,
    }


def na_policy_of(table: CriteriaTable) -> tuple[tuple[str, ...], bool]:
    """The never-N/A sections and whether N/A is allowed at all, as far as the table shows them."""
    base = [s for s in table.sections if s.kind == "base"]
    never = tuple(s.code for s in base if s.criteria and not any(c.allow_na for c in s.criteria))
    return never, any(c.allow_na for c in table.criteria) or len(never) < len(base)

"""Data-validation options (with Vietnamese input and error messages) for every input cell."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from xlsxwriter.worksheet import Worksheet

from bdg_workbook.workbook.locked import number_text
from bdg_workbook.domain.model import Criterion
from bdg_workbook.domain.scoring import NO, NOT_APPLICABLE, YES
from bdg_workbook.workbook.strict_writer import checked

MAX_TEXT = 1000       # evidence and bonus free text
MAX_INFO_TEXT = 200   # unit info fields
LIST_LIMIT = 255      # Excel's limit for a literal validation list


def clip(text: str, limit: int) -> str:
    """Shorten a message to Excel's limit (UTF-16 units), ending with an ellipsis."""
    if len(text.encode("utf-16-le")) // 2 <= limit:
        return text
    return text[: limit - 1].rstrip() + "…"


def _messages(input_title: str, input_message: str, error_title: str, error_message: str) -> dict[str, Any]:
    return {"input_title": clip(input_title, 32), "input_message": clip(input_message, 255),
            "error_title": clip(error_title, 32), "error_message": clip(error_message, 255),
            "error_type": "stop", "show_input": True, "show_error": True}


def value_validation(crit: Criterion) -> dict[str, Any]:
    """Validation of a criterion's value cell, by scoring method."""
    unit, top = crit.unit or "lần", number_text(crit.max)
    if crit.method == "yesno":
        return {"validate": "list", "source": [YES, NO], **_messages(
            f"Tiêu chí {crit.code}: Có/Không",
            f"Chọn “{YES}” nếu đã thực hiện (có minh chứng), “{NO}” nếu chưa. Có = {top} điểm.",
            "Giá trị không hợp lệ", f"Chỉ được chọn “{YES}” hoặc “{NO}” trong danh sách.")}
    if crit.method == "ratio":
        return {"validate": "decimal", "criteria": ">=", "value": 0, **_messages(
            f"Tiêu chí {crit.code}: thực hiện",
            f"Nhập số {unit} đã thực hiện trong kỳ (số không âm). Điểm = {top} × thực hiện/chỉ tiêu, "
            f"vượt chỉ tiêu vẫn tối đa {top} điểm.",
            "Số thực hiện không hợp lệ", "Số thực hiện phải là số không âm (chỉ nhập chữ số).")}
    if crit.method == "percent":   # the cell is formatted as a percentage: 85% is stored as 0.85
        return {"validate": "decimal", "criteria": "between", "minimum": 0, "maximum": 1, **_messages(
            f"Tiêu chí {crit.code}: tỷ lệ %",
            f"Gõ tỷ lệ kèm dấu %, từ 0% đến 100% ({crit.unit}). Ví dụ: 85% hoặc 85,5%.",
            "Tỷ lệ không hợp lệ", "Tỷ lệ phải từ 0% đến 100%: gõ kèm dấu %, ví dụ 85%.")}
    each = number_text(crit.points_each)
    return {"validate": "integer", "criteria": ">=", "value": 0, **_messages(
        f"Tiêu chí {crit.code}: số {unit}",
        f"Nhập số {unit} (số nguyên; 0 nếu không có). Mỗi {unit}: {each} điểm, tối đa {top} điểm. Kê trung thực.",
        "Số lần không hợp lệ", "Phải nhập số nguyên không âm (0, 1, 2, …).")}


def target_validation(crit: Criterion, minimum: Decimal | None = None) -> dict[str, Any]:
    """Validation of a target the unit may propose: not below the Ban's (``minimum``)."""
    least = number_text(minimum if minimum is not None else crit.default_target)
    return {"validate": "decimal", "criteria": ">=", "value": float(least), **_messages(
        f"Tiêu chí {crit.code}: chỉ tiêu",
        f"Chỉ tiêu đơn vị đăng ký ({crit.unit}); Ban giao tối thiểu {least}. Được đăng ký cao hơn, không thấp hơn.",
        "Chỉ tiêu không hợp lệ", f"Chỉ tiêu phải từ {least} trở lên (mức Ban giao).")}


def na_validation(crit: Criterion) -> dict[str, Any]:
    """Validation of a criterion's "not applicable" cell: the single value NOT_APPLICABLE or blank."""
    return {"validate": "list", "source": [NOT_APPLICABLE], **_messages(
        f"Tiêu chí {crit.code}: áp dụng?",
        f"Chỉ chọn “{NOT_APPLICABLE}” khi tiêu chí không thuộc chức năng, nhiệm vụ của đơn vị; "
        "điểm cơ bản sẽ được quy đổi về thang điểm chuẩn. Để trống nếu có áp dụng.",
        "Giá trị không hợp lệ", f"Chỉ được chọn “{NOT_APPLICABLE}” hoặc để trống.")}


def text_validation(title: str, message: str, limit: int = MAX_TEXT) -> dict[str, Any]:
    """Free text up to ``limit`` characters."""
    return {"validate": "length", "criteria": "<=", "value": limit, **_messages(
        title, message, "Nội dung quá dài", f"Tối đa {limit} ký tự; ghi ngắn gọn hơn.")}


def date_validation(title: str, message: str, first: dt.date, last: dt.date) -> dict[str, Any]:
    """A date between two days, shown as dd/mm/yyyy."""
    span = f"từ {first:%d/%m/%Y} đến {last:%d/%m/%Y}"
    return {"validate": "date", "criteria": "between", "minimum": first, "maximum": last, **_messages(
        title, f"{message} Nhập dạng ngày/tháng/năm, {span}.",
        "Ngày không hợp lệ", f"Phải là ngày (ngày/tháng/năm) {span}.")}


def list_validation(title: str, message: str, items: list[str], source_range: str | None) -> dict[str, Any]:
    """A drop-down list: literal when short, else the cell range ``source_range`` holding the items."""
    source: Any = items if source_range is None else f"={source_range}"
    return {"validate": "list", "source": source, **_messages(
        title, message, "Giá trị không hợp lệ", "Chỉ được chọn một giá trị trong danh sách.")}


def literal_list_fits(items: list[str]) -> bool:
    """Whether a literal validation list stays within Excel's 255 characters."""
    return len(",".join(items).encode("utf-16-le")) // 2 <= LIST_LIMIT


def add_validation(ws: Worksheet, cells: str, options: dict[str, Any]) -> None:
    """Add one data validation over ``cells`` (``G14`` or ``B5:B154``); raises BdgError if xlsxwriter refuses."""
    checked(ws.data_validation(cells, options), f"kiểm tra dữ liệu ô {ws.name}!{cells}")

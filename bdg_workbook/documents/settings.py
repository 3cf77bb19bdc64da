"""The config keys the Word documents and the correction loop read, each with a documented default.

``config.load`` keeps keys it does not know in ``Config.extra``; this module reads and checks them:

- ``officer_name``: the officer who records loop decisions (default: the config's contact, else
  "Thường trực Ban").
- ``documents``: number symbols of the documents (``minutes_symbol`` "BB-UBND", ``awards_symbol``
  "DS-UBND", ``fix_request_symbol`` "PĐN-UBND").
- ``awards``: the rule of the danh sách đề nghị khen thưởng — ``ratings`` (default: the table's top
  band), ``min_total`` (0), ``max_units`` (0 = no limit), ``exclude_with_errors`` (true), ``form``.
- ``corrections``: ``fix_days`` (5: days a unit has to resend), ``close_date`` (default
  ``deadlines.ward_to_district``), ``counted`` (``all``: every valid return but rejected ones, the 2024
  behaviour; ``approved``: only approved returns, and after the close date every return not rejected).

The level the ward reports to is ``Config.above.office`` (``reports_to`` in config.yaml, issue 15), falling
back to ``aggregator.sends_to`` and ``district``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from bdg_workbook.domain.errors import Problem, TemplateError
from bdg_workbook.domain.model import Config, CriteriaTable

COUNT_ALL, COUNT_APPROVED = "all", "approved"
DEFAULT_OFFICER = "Thường trực Ban"


@dataclass(frozen=True)
class AwardRule:
    """Which units the danh sách đề nghị khen thưởng proposes."""

    ratings: tuple[str, ...]
    min_total: Decimal
    max_units: int
    exclude_with_errors: bool
    form: str


@dataclass(frozen=True)
class DocumentSettings:
    """Symbols, officer and award rule of the documents."""

    officer_name: str
    minutes_symbol: str
    awards_symbol: str
    fix_request_symbol: str
    awards: AwardRule


@dataclass(frozen=True)
class LoopSettings:
    """The correction loop's days, closing date and counting rule."""

    officer_name: str
    fix_days: int
    close_date: dt.date
    counted: str


def _fail(key: str, message: str) -> TemplateError:
    return TemplateError([Problem("config.yaml", key, message)])


def _block(config: Config, key: str) -> dict[str, Any]:
    value = config.extra.get(key) or {}
    if not isinstance(value, dict):
        raise _fail(key, f"Mục '{key}' phải là một bảng gồm các dòng 'tên: giá trị' (xem templates/config.yaml).")
    return value


def officer_name(config: Config) -> str:
    """``officer_name`` of config.yaml, else the contact line, else "Thường trực Ban"."""
    value = config.extra.get("officer_name")
    if value is not None and not isinstance(value, str):
        raise _fail("officer_name", "officer_name phải là họ tên (một dòng chữ).")
    return (value or "").strip() or config.contact.split(",")[0].strip() or DEFAULT_OFFICER


def level_above(config: Config) -> str:
    """The office the ward reports to: ``reports_to.office`` (``Config.above``), else ``sends_to``, else the district."""
    above = getattr(config, "above", None)
    office = getattr(above, "office", "")
    if isinstance(office, str) and office.strip():
        return office.strip()
    return config.sends_to or config.district


def document_settings(config: Config, table: CriteriaTable) -> DocumentSettings:
    """The ``documents`` and ``awards`` blocks with their defaults; TemplateError names a wrong value."""
    docs, awards = _block(config, "documents"), _block(config, "awards")
    ratings = awards.get("ratings") or [table.bands[0].label]
    if not isinstance(ratings, list) or not all(isinstance(r, str) for r in ratings):
        raise _fail("awards.ratings", "awards.ratings phải là danh sách xếp loại, ví dụ [\"Xuất sắc\", \"Tốt\"].")
    labels = {b.label for b in table.bands}
    unknown = [r for r in ratings if r not in labels]
    if unknown:
        raise _fail("awards.ratings", f"Xếp loại {', '.join(unknown)} không có trong bảng tiêu chí "
                                      f"(có: {', '.join(b.label for b in table.bands)}).")
    try:
        min_total = Decimal(str(awards.get("min_total", 0)))
        max_units = int(awards.get("max_units", 0))
    except (InvalidOperation, ValueError, TypeError):
        raise _fail("awards", "awards.min_total và awards.max_units phải là số (ví dụ min_total: 170, "
                              "max_units: 3).") from None
    if max_units < 0 or not min_total.is_finite() or min_total < 0:
        raise _fail("awards", "awards.min_total và awards.max_units không được âm.")
    rule = AwardRule(tuple(ratings), min_total, max_units, bool(awards.get("exclude_with_errors", True)),
                     str(awards.get("form") or f"Giấy khen của Chủ tịch UBND {config.ward}"))
    return DocumentSettings(officer_name(config), str(docs.get("minutes_symbol") or "BB-UBND"),
                            str(docs.get("awards_symbol") or "DS-UBND"),
                            str(docs.get("fix_request_symbol") or "PĐN-UBND"), rule)


def loop_settings(config: Config) -> LoopSettings:
    """The ``corrections`` block with its defaults; TemplateError names a wrong value."""
    block = _block(config, "corrections")
    try:
        fix_days = int(block.get("fix_days", 5))
    except (ValueError, TypeError):
        raise _fail("corrections.fix_days", "corrections.fix_days phải là số ngày (ví dụ 5).") from None
    if not 1 <= fix_days <= 90:
        raise _fail("corrections.fix_days", f"corrections.fix_days = {fix_days}: chọn từ 1 đến 90 ngày.")
    close = block.get("close_date", config.district_deadline)
    if isinstance(close, str):
        try:
            close = dt.date.fromisoformat(close)
        except ValueError:
            close = None
    if not isinstance(close, dt.date):
        raise _fail("corrections.close_date", "corrections.close_date phải là ngày dạng 2024-09-27.")
    counted = str(block.get("counted", COUNT_ALL))
    if counted not in (COUNT_ALL, COUNT_APPROVED):
        raise _fail("corrections.counted", f"corrections.counted = '{counted}': chọn 'all' (tính mọi bài hợp lệ, "
                                           "trừ bài bị từ chối) hoặc 'approved' (chỉ tính bài đã duyệt hoặc đã "
                                           "khóa sổ).")
    return LoopSettings(officer_name(config), fix_days, close, counted)

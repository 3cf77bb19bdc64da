"""The danh sách đề nghị khen thưởng (.docx, NĐ 30): units chosen by the ``awards`` rule of config.yaml."""

from __future__ import annotations

import datetime as dt

from bdg_workbook.documents.nd30 import Nd30Document
from bdg_workbook.documents.settings import AwardRule, DocumentSettings
from bdg_workbook.documents.ward_report import (
    CAMPAIGN,
    number_text,
    ordered,
    ward_letterhead,
)
from bdg_workbook.domain.result import CollectResult, DepartmentResult


def proposed_units(result: CollectResult, rule: AwardRule) -> list[DepartmentResult]:
    """Units whose rating is in the rule, total at least ``min_total``, without errors if the rule says so;
    by rank, at most ``max_units`` (0: all)."""
    chosen = [r for r in ordered(result)
              if r.card.rating in rule.ratings and r.card.total >= rule.min_total
              and not (rule.exclude_with_errors and r.errors)]
    return chosen[:rule.max_units] if rule.max_units else chosen


def rule_text(rule: AwardRule) -> str:
    """The rule in one Vietnamese sentence."""
    parts = [f"xếp loại {', '.join(rule.ratings)}"]
    if rule.min_total:
        parts.append(f"tổng điểm từ {number_text(rule.min_total)} trở lên")
    if rule.exclude_with_errors:
        parts.append("bảng tự chấm không còn lỗi")
    text = "; ".join(parts)
    return text + (f"; tối đa {rule.max_units} đơn vị theo thứ hạng" if rule.max_units else "")


def build_awards_list(result: CollectResult, settings: DocumentSettings, date: dt.date | None = None) -> Nd30Document:
    """The list of units proposed for commendation, with total, rank, rating and the form of award."""
    cfg = result.setup.config
    rule = settings.awards
    doc = Nd30Document(ward_letterhead(result, settings.awards_symbol, date))
    doc.heading("DANH SÁCH", f"Đề nghị khen thưởng tập thể có thành tích trong phong trào thi đua {CAMPAIGN} "
                             f"năm {cfg.year}")
    doc.paragraph(f"Căn cứ kết quả chấm điểm thi đua năm {cfg.year} và {cfg.plan_ref}; tiêu chí đề nghị: "
                  f"{rule_text(rule)} (mục awards trong config.yaml).")
    units = proposed_units(result, rule)
    if units:
        doc.table(["TT", "Tên tập thể", "Tổng điểm", "Xếp hạng", "Xếp loại", "Hình thức đề nghị"],
                  [[i, r.department.name, number_text(r.card.total), r.rank, r.card.rating, rule.form]
                   for i, r in enumerate(units, 1)],
                  [0.6, 3.2, 0.9, 0.8, 1.0, 2.4], numeric={2, 3}, size=11)
        doc.paragraph(f"Danh sách có {len(units)} tập thể./.", italic=True)
    else:
        doc.paragraph(f"Không có đơn vị nào đạt tiêu chí đề nghị khen thưởng ({rule_text(rule)})./.")
    doc.closing(cfg.recipients, cfg.signer_lines, cfg.signer_name)
    return doc

"""Collected results as pandas tables: every department × criterion, and the criterion × department matrix.

These feed the CSV exports the ward and the district analyse further (``criteria.csv``, ``detail.csv``).
"""

from __future__ import annotations

import io
from decimal import Decimal

import pandas as pd

from bdg_workbook.domain.scoring import ItemInput
from bdg_workbook.domain.result import CollectResult
from bdg_workbook.writing.safe_text import clean_cell_text, csv_safe

CRITERIA_COLUMNS = {
    "department": "Mã đơn vị", "criterion": "Mã tiêu chí", "section": "Phần", "max": "Điểm tối đa",
    "target": "Chỉ tiêu", "result": "Thực hiện", "self": "Điểm tự chấm", "counted": "Điểm được tính",
    "excluded": "Lý do không tính (mã phát hiện)",
}


def criteria_frame(result: CollectResult) -> pd.DataFrame:
    """One row per collected department × criterion: self-assessed and counted points, and why not counted."""
    rows = []
    for r in result.departments:
        for crit in result.setup.table.criteria:
            inp = r.card.inputs.get(crit.code)
            rows.append({"department": r.department.code, "criterion": crit.code, "section": crit.section,
                         "max": crit.max, "target": _plain(inp.target if inp else None),
                         "result": _answer(inp), "self": r.self_card.items[crit.code].points,
                         "counted": r.card.items[crit.code].points,
                         "excluded": r.card.excluded.get(crit.code, "")})
    return pd.DataFrame(rows, columns=list(CRITERIA_COLUMNS))


def _plain(value: object) -> str:
    """A target as plain text (the Ban's, or the unit's proposal where allowed); '' when there is none."""
    return format(value.normalize(), "f") if isinstance(value, Decimal) else ""


def _answer(inp: ItemInput | None) -> str:
    """What the unit answered: Có/Không, "Không áp dụng", or the number it typed."""
    if inp is None or inp.value is None:
        return "Không áp dụng" if inp is not None and inp.not_applicable else ""
    if isinstance(inp.value, bool):
        return "Có" if inp.value else "Không"
    return _plain(inp.value)


def detail_matrix(result: CollectResult) -> pd.DataFrame:
    """Counted points with criteria as rows (table order) and departments as columns (list order), plus totals."""
    frame = criteria_frame(result)
    codes = [c.code for c in result.setup.table.criteria]
    depts = [r.department.code for r in result.departments]
    if frame.empty:
        return pd.DataFrame(index=pd.Index(codes, name="criterion"), columns=depts)
    matrix = frame.pivot(index="criterion", columns="department", values="counted").reindex(index=codes,
                                                                                           columns=depts)
    totals = pd.DataFrame([{r.department.code: r.card.total for r in result.departments}], index=["TỔNG ĐIỂM"])
    return pd.concat([matrix, totals])


def frame_csv_bytes(frame: pd.DataFrame, labels: dict[str, str] | None = None, index_label: str | None = None) -> bytes:
    """CSV in UTF-8 with BOM, CRLF; numbers with two decimals; every text cell neutralised (no formulas)."""
    def cell(value: object) -> str:
        if value is None or (isinstance(value, float) and pd.isna(value)):
            return ""
        if isinstance(value, (Decimal, int, float)) and not isinstance(value, bool):
            return format(Decimal(str(value)), ".2f")
        return csv_safe(clean_cell_text(value))
    # column by column with Series.map (DataFrame.map needs pandas 2.1; setup.cfg allows 2.0)
    out = pd.DataFrame({i: frame.iloc[:, i].map(cell) for i in range(frame.shape[1])}, index=frame.index)
    out.columns = [csv_safe(clean_cell_text((labels or {}).get(c, c))) for c in frame.columns]
    keep_index = index_label is not None
    if keep_index:
        out.index = [csv_safe(clean_cell_text(i)) for i in frame.index]
    buffer = io.StringIO()
    out.to_csv(buffer, index=keep_index, index_label=index_label, lineterminator="\r\n")
    return buffer.getvalue().encode("utf-8-sig")


def merged_csvs(result: CollectResult) -> dict[str, bytes]:
    """``criteria.csv`` (long table) and ``detail.csv`` (matrix) as bytes."""
    return {
        "criteria.csv": frame_csv_bytes(criteria_frame(result), CRITERIA_COLUMNS),
        "detail.csv": frame_csv_bytes(detail_matrix(result), index_label="Mã tiêu chí"),
    }

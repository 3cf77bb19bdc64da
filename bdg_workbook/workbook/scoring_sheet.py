"""The scoring sheet ("Chấm điểm"): NĐ 30/2020 header, criteria table with formulas, totals, signatures."""

from __future__ import annotations

from xlsxwriter.worksheet import Worksheet

from bdg_workbook.workbook.department import PREPARER, SIGN_NOTE, DeptForm, signature_style
from bdg_workbook.workbook.plan import SCORE_WIDTHS, Plan, excel_number, unit_text
from bdg_workbook.workbook.styles import Styles, page_setup, protect, row_height
from bdg_workbook.workbook.validation import add_validation, na_validation, target_validation, value_validation
from bdg_workbook.layout.department import (COL_CODE, COL_COUNTED, COL_EVIDENCE, COL_EXPECTED, COL_ISSUE, COL_MAX,
                                            COL_METHOD, COL_NA, COL_PCT, COL_POINTS, COL_TARGET, COL_TEXT, COL_UNIT,
                                            COL_VALUE, NA_LOCKED, SCORE_COLUMNS, SCORE_HEADER_ROW, TOTALS)
from bdg_workbook.domain.model import METHOD_LABELS, Criterion, Section
from bdg_workbook.workbook.strict_writer import checked

HEADERS = {
    COL_CODE: "Mã", COL_TEXT: "Nội dung tiêu chí", COL_MAX: "Điểm tối đa", COL_METHOD: "Cách chấm",
    COL_UNIT: "Đơn vị tính", COL_TARGET: "Chỉ tiêu", COL_VALUE: "Thực hiện", COL_NA: "Không áp dụng",
    COL_PCT: "Tỷ lệ (%)", COL_POINTS: "Điểm tự chấm", COL_EVIDENCE: "Số minh chứng",
    COL_COUNTED: "Điểm được tính", COL_ISSUE: "Vấn đề (phường sẽ báo)", COL_EXPECTED: "Minh chứng cần có",
}
LEFT, RIGHT = ("A", "C"), ("G", "N")          # header and signature blocks
FIRST, LAST = SCORE_COLUMNS[0], SCORE_COLUMNS[-1]
QUOC_HIEU = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
TIEU_NGU = "Độc lập - Tự do - Hạnh phúc"
DOAN = "ĐOÀN TNCS HỒ CHÍ MINH"
LEFT_BLOCK = (PREPARER, SIGN_NOTE)          # the preparer's signature block


def write_score_sheet(ws: Worksheet, st: Styles, plan: Plan, form: DeptForm) -> None:
    """Fill the scoring sheet of one department."""
    for col, width in SCORE_WIDTHS.items():
        checked(ws.set_column(f"{col}:{col}", width), f"độ rộng cột {col}")
    _header_block(ws, st, plan, form)
    _table_header(ws, st)
    for sec in plan.setup.table.sections:
        _section_row(ws, st, plan, sec)
        for crit in sec.criteria:
            _criterion_row(ws, st, plan, crit, form)
    _totals(ws, st, plan)
    last = _signatures(ws, st, plan, form)
    _flags(ws, st, plan)
    page_setup(ws, (SCORE_HEADER_ROW, SCORE_HEADER_ROW + 1), f"{FIRST}1:{LAST}{last}")
    protect(ws)


def _merge(ws: Worksheet, cols: tuple[str, str], row: int, text: str, fmt) -> None:
    checked(ws.merge_range(f"{cols[0]}{row}:{cols[1]}{row}", text, fmt), f"gộp ô dòng {row}")


def _header_block(ws: Worksheet, st: Styles, plan: Plan, form: DeptForm) -> None:
    cfg, shape = plan.setup.config, form.shape
    lines = len(shape.header_styles)
    for i, style in enumerate(shape.header_styles):
        _merge(ws, LEFT, i + 1, form.texts[f"header_{i}"], st[style])
    if shape.rule:
        _merge(ws, LEFT, lines + 1, form.texts["rule"], st["rule"])
    if shape.header_right == "doan":
        _merge(ws, RIGHT, 1, DOAN, st["tieu_ngu"])
    else:
        _merge(ws, RIGHT, 1, QUOC_HIEU, st["quoc_hieu"])
        _merge(ws, RIGHT, 2, TIEU_NGU, st["tieu_ngu"])
    date_row = max(3, lines + 1)
    _merge(ws, RIGHT, date_row, f"{cfg.place_name}, ngày …… tháng …… năm {cfg.year}", st["place_date"])
    title = date_row + 2
    _merge(ws, (FIRST, LAST), title, "BẢNG TỰ CHẤM ĐIỂM", st["doc_title"])
    _merge(ws, (FIRST, LAST), title + 1, f"Phong trào thi đua “{plan.movement}” năm {cfg.year}", st["subtitle"])
    plan_ref = cfg.plan_ref or plan.setup.table.plan_ref
    _merge(ws, (FIRST, LAST), title + 2, f"(Theo {plan_ref})", st["plan_ref"])
    plan_ref_height = row_height([(plan_ref, sum(SCORE_WIDTHS.values()) * 0.95)])
    checked(ws.set_row(title + 2 - 1, plan_ref_height), "chiều cao dòng")
    if title + 3 < SCORE_HEADER_ROW:
        _merge(ws, (FIRST, LAST), title + 3, form.texts["unit_line"], st["unit_line"])


def _table_header(ws: Worksheet, st: Styles) -> None:
    row = SCORE_HEADER_ROW
    checked(ws.set_row(row - 1, 48), "chiều cao dòng tiêu đề")
    for i, col in enumerate(SCORE_COLUMNS):
        checked(ws.write_string(f"{col}{row}", HEADERS[col], st["th"]), "tiêu đề bảng")
        checked(ws.write_string(f"{col}{row + 1}", f"({i + 1})", st["th_index"]), "số thứ tự cột")


def _section_row(ws: Worksheet, st: Styles, plan: Plan, sec: Section) -> None:
    r = plan.lay.section_rows[sec.code]
    checked(ws.set_row(r - 1, plan.row_heights[r]), "chiều cao dòng")
    checked(ws.write_string(f"{COL_CODE}{r}", sec.code, st["sec_code"]), "mã phần")
    checked(ws.write_string(f"{COL_TEXT}{r}", sec.title, st["sec_title"]), "tên phần")
    checked(ws.write_number(f"{COL_MAX}{r}", excel_number(sec.max), st["sec_num"]), "điểm tối đa phần")
    for col in SCORE_COLUMNS:
        if col not in (COL_CODE, COL_TEXT, COL_MAX, COL_POINTS, COL_COUNTED):
            checked(ws.write_blank(f"{col}{r}", None, st["sec_fill"]), "ô trống")
    _formula(ws, plan, f"{COL_POINTS}{r}", st["sec_pts"])
    _formula(ws, plan, f"{COL_COUNTED}{r}", st["sec_pts"])


def _formula(ws: Worksheet, plan: Plan, cell: str, fmt) -> None:
    value = plan.values[cell]
    cached = value if isinstance(value, str) else excel_number(value)
    checked(ws.write_formula(cell, plan.formulas[cell], fmt, cached), f"công thức ô {cell}")


def _criterion_row(ws: Worksheet, st: Styles, plan: Plan, crit: Criterion, form: DeptForm) -> None:
    lay = plan.lay
    r = lay.criterion_rows[crit.code]
    checked(ws.set_row(r - 1, plan.row_heights[r]), "chiều cao dòng")
    checked(ws.write_string(f"{COL_CODE}{r}", crit.code, st["code"]), "mã tiêu chí")
    checked(ws.write_string(f"{COL_TEXT}{r}", crit.text, st["crit_text"]), "nội dung tiêu chí")
    checked(ws.write_number(f"{COL_MAX}{r}", excel_number(crit.max), st["num"]), "điểm tối đa")
    checked(ws.write_string(f"{COL_METHOD}{r}", METHOD_LABELS[crit.method], st["center_wrap"]), "cách chấm")
    checked(ws.write_string(f"{COL_UNIT}{r}", unit_text(crit), st["center_wrap"]), "đơn vị tính")
    if crit.method == "ratio" and crit.target_proposable:
        target = form.shape.target(crit.code)
        checked(ws.write_number(f"{COL_TARGET}{r}", excel_number(target), st["input"]), "chỉ tiêu")
        add_validation(ws, f"{COL_TARGET}{r}", target_validation(crit, target))
    elif crit.method == "ratio":   # the Ban's target, locked
        checked(ws.write_number(f"{COL_TARGET}{r}", excel_number(form.shape.target(crit.code)), st["num"]),
                "chỉ tiêu")
    else:
        checked(ws.write_blank(f"{COL_TARGET}{r}", None, st["box"]), "ô trống")
    value_style = st["input_pct" if crit.method == "percent" else "input"]   # issue 13.6: 85% means 85
    checked(ws.write_blank(f"{COL_VALUE}{r}", None, value_style), "ô thực hiện")
    add_validation(ws, f"{COL_VALUE}{r}", value_validation(crit))
    if crit.allow_na and crit.code not in form.shape.na_locked:
        checked(ws.write_blank(f"{COL_NA}{r}", None, st["input"]), "ô không áp dụng")
        add_validation(ws, f"{COL_NA}{r}", na_validation(crit))
    elif crit.allow_na:   # the Ban does not let this unit mark it N/A
        checked(ws.write_string(f"{COL_NA}{r}", NA_LOCKED, st["center_wrap"]), "ô áp dụng")
    else:
        checked(ws.write_blank(f"{COL_NA}{r}", None, st["box"]), "ô trống")
    _formula(ws, plan, f"{COL_PCT}{r}", st["pct"])
    _formula(ws, plan, f"{COL_POINTS}{r}", st["pts"])
    _formula(ws, plan, f"{COL_EVIDENCE}{r}", st["count"])
    _formula(ws, plan, f"{COL_COUNTED}{r}", st["pts"])
    _formula(ws, plan, f"{COL_ISSUE}{r}", st["crit_text"])
    checked(ws.write_string(f"{COL_EXPECTED}{r}", "; ".join(crit.evidence), st["crit_text"]), "minh chứng cần có")


def _totals(ws: Worksheet, st: Styles, plan: Plan) -> None:
    rows = plan.lay.totals_rows
    for total in TOTALS:
        r = rows[total.name]
        checked(ws.set_row(r - 1, 18.75), "chiều cao dòng")
        if total.name in ("bonus", "penalty"):
            _merge(ws, ("A", "G"), r, total.label, st["total_label"])
            checked(ws.write_string(f"{COL_NA}{r}", "Tổng kê:", st["total_hint"]), "nhãn tổng kê")
            _formula(ws, plan, f"{COL_PCT}{r}", st["total_raw"])
        else:
            _merge(ws, ("A", COL_PCT), r, total.label, st["total_label"])
        style = st["rating" if total.name == "rating" else "total_val"]
        _formula(ws, plan, f"{COL_POINTS}{r}", style)
        checked(ws.write_blank(f"{COL_EVIDENCE}{r}", None, st["box"]), "ô trống")
        _formula(ws, plan, f"{COL_COUNTED}{r}", style)
        for col in (COL_ISSUE, COL_EXPECTED):
            checked(ws.write_blank(f"{col}{r}", None, st["box"]), "ô trống")


def _signatures(ws: Worksheet, st: Styles, plan: Plan, form: DeptForm) -> int:
    """Signature block below the totals; returns its last row (for the print area)."""
    first = plan.lay.last_row + 2
    shape = form.shape
    right = [(form.texts[f"signer_{i}"], style) for i, style in enumerate(shape.signer_styles)]
    right.append((shape.note, signature_style(shape.note)))
    left = [(line, signature_style(line)) for line in LEFT_BLOCK] if shape.left_block else []
    for block, cols in ((left, LEFT), (right, RIGHT)):
        for i, (line, style) in enumerate(block):
            _merge(ws, cols, first + i, line, st[style])
    return first + max(len(left), len(right)) + 4


def _flags(ws: Worksheet, st: Styles, plan: Plan) -> None:
    """Red rows: every criterion the ward will report a problem on (its "Vấn đề" cell is not empty)."""
    lay, table = plan.lay, plan.setup.table
    for sec in table.sections:
        first = lay.criterion_rows[sec.criteria[0].code]
        cells = f"{FIRST}{first}:{LAST}{lay.criterion_rows[sec.criteria[-1].code]}"
        _conditional(ws, cells, f'=LEN(${COL_ISSUE}{first})>0', st)


def _conditional(ws: Worksheet, cells: str, rule: str, st: Styles) -> None:
    options = {"type": "formula", "criteria": rule, "format": st["red"]}
    checked(ws.conditional_format(cells, options), f"định dạng cảnh báo {cells}")

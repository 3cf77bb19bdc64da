"""The "Kiểm tra" sheet: what the ward will count and every problem it will report, computed by formulas.

One row per criterion in table order (code, row on the scoring sheet, the Ban's target, self-assessed and
counted points, the problems with how to fix them), and a summary: both totals and the number of
criteria, evidence rows and bonus rows with a problem. Hidden columns hold each criterion's kind and
position, which the evidence register uses to match codes exactly (no wildcards, no MATCH).
"""

from __future__ import annotations

from xlsxwriter.worksheet import Worksheet

from bdg_workbook.workbook.department import DeptForm
from bdg_workbook.workbook.plan import Plan, excel_number
from bdg_workbook.workbook.styles import Styles, page_setup, protect
from bdg_workbook.workbook.strict_writer import checked
from bdg_workbook.layout.department import (BONUS_COMPLETE, CHECK_COLUMNS, CHECK_FIRST_ROW, CHECK_HEADER_ROW,
                                            COL_COUNTED, COL_ISSUE, COL_POINTS, EVIDENCE_OK, SHEET_SCORE, absolute)

HEADERS = {"code": "Mã tiêu chí", "row": "Dòng (trang Chấm điểm)", "target": "Chỉ tiêu Ban giao",
           "self": "Điểm tự chấm", "counted": "Điểm được tính", "issue": "Vấn đề phường sẽ báo và cách sửa",
           "kind": "Loại", "order": "Thứ tự"}
WIDTHS = {"code": 9, "row": 11, "target": 10, "self": 10, "counted": 10, "issue": 90, "kind": 8, "order": 8}
HIDDEN = ("kind", "order")


def summary_formulas(plan: Plan) -> dict[str, str]:
    """The summary lines (label -> formula) above the table."""
    lay = plan.lay
    rows = lay.totals_rows
    issue_col = CHECK_COLUMNS["issue"]
    first, last = CHECK_FIRST_ROW, max(lay.check_rows.values())
    total = rows["total"]
    return {
        "Tổng điểm tự chấm": "=" + absolute(SHEET_SCORE, f"{COL_POINTS}{total}"),
        "Tổng điểm phường sẽ tính": "=" + absolute(SHEET_SCORE, f"{COL_COUNTED}{total}"),
        "Số tiêu chí có vấn đề": f"=SUMPRODUCT(--(LEN({issue_col}{first}:{issue_col}{last})>0))",
        "Số dòng minh chứng có vấn đề (cột Kiểm tra, trang Minh chứng)":
            f'=SUMPRODUCT(--(ev_status<>""),--(ev_status<>"{EVIDENCE_OK}"))',
        "Số dòng thuyết minh điểm thưởng chưa được tính (trang Điểm thưởng)":
            f'=SUMPRODUCT(--(bonus_complete<>""),--(bonus_complete<>"{BONUS_COMPLETE}"))',
    }


def write_check_sheet(ws: Worksheet, st: Styles, plan: Plan, form: DeptForm) -> None:
    """Fill the check sheet of one department (the Ban's targets are the department's)."""
    lay, table = plan.lay, plan.setup.table
    cols = CHECK_COLUMNS
    for role, col in cols.items():
        checked(ws.set_column(f"{col}:{col}", WIDTHS[role], None, {"hidden": role in HIDDEN}), "độ rộng cột")
    last_col = cols["issue"]
    checked(ws.merge_range(f"A1:{last_col}1", "KIỂM TRA TRƯỚC KHI GỬI", st["sheet_title"]), "tiêu đề")
    summary = summary_formulas(plan)
    for i, (label, formula) in enumerate(summary.items()):
        row = 2 + i
        if row >= CHECK_HEADER_ROW:
            break
        checked(ws.merge_range(f"A{row}:{cols['counted']}{row}", label, st["label"]), "nhãn")
        checked(ws.write_formula(f"{last_col}{row}", formula, st["total_val"], 0), "công thức tổng hợp")
    for role, col in cols.items():
        checked(ws.write_string(f"{col}{CHECK_HEADER_ROW}", HEADERS[role], st["th"]), "tiêu đề bảng")
    for crit in table.criteria:
        r, src = lay.check_rows[crit.code], lay.criterion_rows[crit.code]
        checked(ws.write_string(f"{cols['code']}{r}", crit.code, st["code"]), "mã tiêu chí")
        checked(ws.write_number(f"{cols['row']}{r}", src, st["num"]), "dòng")
        target = form.shape.target(crit.code)
        if target is not None:
            checked(ws.write_number(f"{cols['target']}{r}", excel_number(target), st["num"]), "chỉ tiêu")
        else:
            checked(ws.write_blank(f"{cols['target']}{r}", None, st["box"]), "ô trống")
        for role, col in (("self", COL_POINTS), ("counted", COL_COUNTED)):
            cell = f"{col}{src}"
            cached = plan.values[cell]
            checked(ws.write_formula(f"{cols[role]}{r}", f"={absolute(SHEET_SCORE, cell)}", st["pts"],
                                     excel_number(cached)), "công thức điểm")
        checked(ws.write_formula(f"{cols['issue']}{r}", f"={absolute(SHEET_SCORE, f'{COL_ISSUE}{src}')}",
                                 st["crit_text"], ""), "công thức vấn đề")
        checked(ws.write_string(f"{cols['kind']}{r}", table.section(crit.section).kind, st["plain"]), "loại")
        checked(ws.write_number(f"{cols['order']}{r}", lay.order(crit.code), st["plain"]), "thứ tự")
    first, last = CHECK_FIRST_ROW, max(lay.check_rows.values())
    checked(ws.conditional_format(f"A{first}:{last_col}{last}", {
        "type": "formula", "criteria": f"=LEN(${cols['issue']}{first})>0", "format": st["red"]}), "tô đỏ vấn đề")
    page_setup(ws, (CHECK_HEADER_ROW, CHECK_HEADER_ROW), f"A1:{last_col}{last}")
    protect(ws)

"""The master's review sheets: "Thẩm định" (editable verified points, one named cell each) and the audit log."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Sequence

from xlsxwriter.utility import xl_rowcol_to_cell
from xlsxwriter.workbook import Workbook

from bdg_workbook.domain.numbers import format_number, format_points
from bdg_workbook.workbook.styles import protect
from bdg_workbook.layout.department import absolute
from bdg_workbook.layout.master import (AUDIT_COLUMNS, AUDIT_NAME, REVIEW_COLUMNS, REVIEW_HEADER_ROW, REVIEW_NOTE_ROW,
                            REVIEW_TITLE_ROW, SHEET_AUDIT, SHEET_REVIEW, review_column, review_name)
from bdg_workbook.domain.model import CriteriaTable, Department
from bdg_workbook.master.print_pages import short_label
from bdg_workbook.master.sheets import HEADER_ROW, write_table
from bdg_workbook.master.style import PrintSheet, Styles, estimate_lines, merge_text, page_setup, put_number, put_text, row_height
from bdg_workbook.master.tables import INTEGER, NUMBER, TEXT, Column, Table, data_hash
from bdg_workbook.domain.scoring import NOT_APPLICABLE, ScoreCard, target_and_result
from bdg_workbook.workbook.strict_writer import checked

INPUT_FILL = "#FFF2CC"
HEAD_FILL = "#E7E6E6"
SIZE = 11
REASON_MAX_CHARS = 1000


@dataclass(frozen=True)
class ReviewEntry:
    """One collected department on the review sheet: its cards and the points prefilled for the officer."""

    department: Department
    self_card: ScoreCard
    counted_card: ScoreCard
    prefill_card: ScoreCard
    rank: int


@dataclass(frozen=True)
class AuditLine:
    """One change of one review round, as the audit sheet lists it."""

    round: int
    when: str
    department: str
    department_name: str
    criterion: str
    before: Decimal
    after: Decimal
    reason: str
    source: str

    def row(self) -> list[Any]:
        """The line as the audit sheet's cells (AUDIT_COLUMNS order)."""
        return [self.round, self.when, self.department, self.department_name, self.criterion, self.before,
                self.after, self.reason, self.source]


def review_note(next_round: int) -> str:
    """The instructions printed above the review table."""
    return ("Thường trực Ban đối chiếu hồ sơ minh chứng và sửa điểm ở cột “Điểm thẩm định” (ô màu vàng, đã điền sẵn "
            "điểm đang được tính; từ 0 đến điểm tối đa của tiêu chí). Mỗi điểm sửa phải ghi lý do ở cột “Lý do điều "
            "chỉnh”. Tiêu chí đơn vị chọn “Không áp dụng” được điền sẵn chữ đó: muốn bác, nhập điểm (0 đến điểm tối đa) "
            "và ghi lý do — tiêu chí được chấm theo điểm đó và tính vào thang điểm cơ bản; các ô khác bị khóa. Lưu tệp (giữ dạng .xlsx) rồi chạy: bdg-workbook review <tệp này> — chương "
            f"trình kiểm tra, tính lại tổng điểm, xếp hạng, xếp loại và ghi bản thẩm định vòng {next_round}.")


def write_review_sheet(workbook: Workbook, sheet: PrintSheet, st: Styles, table: CriteriaTable,
                       entries: Sequence[ReviewEntry], year: int, next_round: int) -> None:
    """The "Thẩm định" sheet: self, counted and (editable, named, validated) verified points with a reason cell."""
    last = len(REVIEW_COLUMNS) - 1
    for i, (_role, _label, width) in enumerate(REVIEW_COLUMNS):
        sheet.set_column(i, i, width)
    merge_text(sheet, REVIEW_TITLE_ROW, 0, REVIEW_TITLE_ROW, last,
               f"BẢNG THẨM ĐỊNH ĐIỂM THI ĐUA NĂM {year} CỦA CÁC ĐƠN VỊ", st(size=14, bold=True, align="center"))
    note = review_note(next_round)
    merge_text(sheet, REVIEW_NOTE_ROW, 0, REVIEW_NOTE_ROW, last, note,
               st(size=SIZE, italic=True, align="justify", valign="top", text_wrap=True))
    width = sum(w for _r, _l, w in REVIEW_COLUMNS)
    sheet.set_row(REVIEW_NOTE_ROW, row_height(estimate_lines(note, width, SIZE), SIZE))
    th = st(size=SIZE, bold=True, align="center", valign="vcenter", text_wrap=True, border=1, bg_color="#D9D9D9")
    for i, (_role, label, _w) in enumerate(REVIEW_COLUMNS):
        put_text(sheet, REVIEW_HEADER_ROW, i, label, th)
    sheet.set_row(REVIEW_HEADER_ROW, row_height(2, SIZE))
    row = REVIEW_HEADER_ROW + 1
    by_max: dict[Decimal, list[str]] = {}
    reasons: list[str] = []
    na_cells: list[tuple[str, Decimal]] = []
    if not entries:
        merge_text(sheet, row, 0, row, last, "(Không có đơn vị nào đã nộp để thẩm định.)",
                   st(size=SIZE, italic=True, align="center"))
        row += 1
    for number, entry in enumerate(entries, 1):
        row = _department_block(workbook, sheet, st, table, entry, number, row, by_max, reasons, na_cells)
    _validations(sheet, by_max, reasons)
    _na_validations(sheet, na_cells)
    sheet.freeze_panes(REVIEW_HEADER_ROW + 1, 0)
    sheet.print_area(0, 0, max(row - 1, REVIEW_HEADER_ROW), last)
    page_setup(sheet, landscape=True, repeat=(REVIEW_HEADER_ROW, REVIEW_HEADER_ROW))
    protect(sheet)


def _department_block(workbook: Workbook, sheet: PrintSheet, st: Styles, table: CriteriaTable, entry: ReviewEntry,
                      number: int, row: int, by_max: dict[Decimal, list[str]], reasons: list[str],
                      na_cells: list[tuple[str, Decimal]]) -> int:
    """A heading row for the department, then one row per criterion; returns the next free row."""
    dept, last = entry.department, len(REVIEW_COLUMNS) - 1
    head = (f"{number}. {dept.code} – {dept.name}: tự chấm {format_points(entry.self_card.total)}; sau kiểm tra "
            f"{format_points(entry.counted_card.total)}; đang tính {format_points(entry.prefill_card.total)} điểm "
            f"({entry.prefill_card.rating}, hạng {entry.rank})")
    merge_text(sheet, row, 0, row, last, head,
               st(size=SIZE, bold=True, valign="vcenter", text_wrap=True, border=1, bg_color=HEAD_FILL))
    row += 1
    center = st(size=SIZE, align="center", valign="vcenter", border=1)
    text = st(size=SIZE, valign="vcenter", text_wrap=True, border=1)
    num = st(size=SIZE, num_format="0.00", align="right", valign="vcenter", border=1)
    edit = st(size=SIZE, num_format="0.00", align="right", valign="vcenter", border=1, bold=True, locked=False,
              bg_color=INPUT_FILL)
    reason = st(size=SIZE, valign="vcenter", text_wrap=True, border=1, locked=False, bg_color=INPUT_FILL)
    edit_text = st(size=SIZE, align="right", valign="vcenter", border=1, italic=True, text_wrap=True, locked=False,
                   bg_color=INPUT_FILL)
    col = {role: review_column(role) for role, _l, _w in REVIEW_COLUMNS}
    for i, crit in enumerate(table.criteria, 1):
        put_number(sheet, row, col["no"], i, center)
        put_text(sheet, row, col["department"], dept.code, center)
        put_text(sheet, row, col["code"], crit.code, center)
        label = short_label(crit.text, 100)
        shown = target_and_result(crit, entry.counted_card.inputs.get(crit.code))   # issue 13.1: side by side
        label += f" [{shown}]" if shown else ""
        not_applicable = not entry.prefill_card.items[crit.code].applicable
        if not_applicable:
            label += " (đơn vị chọn Không áp dụng; muốn bác: nhập điểm và lý do)"
        put_text(sheet, row, col["text"], label, text)
        put_number(sheet, row, col["max"], crit.max, num)
        put_number(sheet, row, col["self"], entry.self_card.items[crit.code].points, num)
        put_number(sheet, row, col["counted"], entry.counted_card.items[crit.code].points, num)
        if not_applicable:
            put_text(sheet, row, col["verified"], NOT_APPLICABLE, edit_text)
            na_cells.append((xl_rowcol_to_cell(row, col["verified"]), crit.max))
        else:
            put_number(sheet, row, col["verified"], entry.prefill_card.items[crit.code].points, edit)
        put_text(sheet, row, col["reason"], "", reason)
        for role in ("self", "counted", "verified", "reason"):
            cell = xl_rowcol_to_cell(row, col[role])
            checked(workbook.define_name(review_name(role, dept.code, crit.code), "=" + absolute(SHEET_REVIEW, cell)),
                    f"tên ô thẩm định {dept.code} {crit.code}")
        if not not_applicable:
            by_max.setdefault(crit.max, []).append(xl_rowcol_to_cell(row, col["verified"]))
        reasons.append(xl_rowcol_to_cell(row, col["reason"]))
        sheet.set_row(row, row_height(estimate_lines(label, REVIEW_COLUMNS[col["text"]][2], SIZE), SIZE))
        row += 1
    return row


def _validations(sheet: PrintSheet, by_max: dict[Decimal, list[str]], reasons: list[str]) -> None:
    """One numeric 0..max validation per distinct criterion maximum, and a length limit on the reasons."""
    for top, cells in by_max.items():
        shown = format_number(top)
        checked(sheet.data_validation(cells[0], {
            "validate": "decimal", "criteria": "between", "minimum": 0, "maximum": float(top),
            "multi_range": " ".join(cells), "ignore_blank": True,
            "input_title": "Điểm thẩm định",
            "input_message": f"Nhập điểm từ 0 đến {shown}. Nếu sửa khác điểm điền sẵn, ghi lý do ở cột bên phải.",
            "error_title": "Điểm không hợp lệ",
            "error_message": f"Điểm thẩm định phải là một số từ 0 đến {shown} (điểm tối đa của tiêu chí).",
            "error_type": "stop",
        }), "kiểm tra dữ liệu ô điểm thẩm định")
    if reasons:
        checked(sheet.data_validation(reasons[0], {
            "validate": "length", "criteria": "<=", "value": REASON_MAX_CHARS, "multi_range": " ".join(reasons),
            "input_title": "Lý do điều chỉnh",
            "input_message": "Ghi lý do khi sửa điểm thẩm định (căn cứ hồ sơ, biên bản thẩm định...).",
            "error_title": "Lý do quá dài",
            "error_message": f"Lý do điều chỉnh ghi tối đa {REASON_MAX_CHARS} ký tự.",
        }), "kiểm tra dữ liệu ô lý do")


def _na_validations(sheet: PrintSheet, cells: list[tuple[str, Decimal]]) -> None:
    """A cell prefilled "Không áp dụng" takes that text back or a number from 0 to the criterion's maximum."""
    for cell, top in cells:
        shown = format_number(top)
        checked(sheet.data_validation(cell, {
            "validate": "custom",
            "value": f'=OR(TRIM({cell})="{NOT_APPLICABLE}",AND(ISNUMBER({cell}),{cell}>=0,'
                     f'{cell}<={format(top.normalize(), "f")}))',
            "ignore_blank": True,
            "input_title": "Không áp dụng?",
            "input_message": f"Giữ “{NOT_APPLICABLE}”, hoặc bác: nhập điểm 0 đến {shown} và ghi lý do bên phải.",
            "error_title": "Giá trị không hợp lệ",
            "error_message": f"Ghi “{NOT_APPLICABLE}” hoặc một số từ 0 đến {shown}.",
            "error_type": "stop",
        }), "kiểm tra dữ liệu ô không áp dụng")


AUDIT_TABLE_COLUMNS = (Column(AUDIT_COLUMNS[0], INTEGER, 6), Column(AUDIT_COLUMNS[1], TEXT, 17),
                       Column(AUDIT_COLUMNS[2], TEXT, 9), Column(AUDIT_COLUMNS[3], TEXT, 24),
                       Column(AUDIT_COLUMNS[4], TEXT, 7), Column(AUDIT_COLUMNS[5], NUMBER, 8),
                       Column(AUDIT_COLUMNS[6], NUMBER, 8), Column(AUDIT_COLUMNS[7], TEXT, 40),
                       Column(AUDIT_COLUMNS[8], TEXT, 26))


def audit_rows(lines: Sequence[AuditLine]) -> list[list[Any]]:
    """The rows the defined name ``audit_log`` covers: header, then one row per change."""
    return [list(AUDIT_COLUMNS)] + [line.row() for line in lines]


def audit_hash(lines: Sequence[AuditLine]) -> str:
    """SHA-256 of the audit log as the master's meta ``audit_hash`` records it."""
    return data_hash(audit_rows(lines))


def write_audit_sheet(workbook: Workbook, sheet: PrintSheet, st: Styles, lines: Sequence[AuditLine],
                      year: int) -> None:
    """"Nhật ký thẩm định": every change of every round; the table (with header) is the defined name audit_log."""
    rounds = sorted({line.round for line in lines})
    note = (f"{len(lines)} điều chỉnh qua {len(rounds)} vòng thẩm định; giữ lại mọi vòng trước"
            if lines else "Chưa có điều chỉnh nào (bản tổng hợp chưa qua thẩm định)")
    table = Table(AUDIT_TABLE_COLUMNS, [line.row() for line in lines])
    write_table(sheet, st, f"NHẬT KÝ THẨM ĐỊNH ĐIỂM THI ĐUA NĂM {year}", note, table,
                empty_text="(Chưa có điều chỉnh)")
    first = xl_rowcol_to_cell(HEADER_ROW, 0)
    last = xl_rowcol_to_cell(HEADER_ROW + len(lines), len(AUDIT_COLUMNS) - 1)
    checked(workbook.define_name(AUDIT_NAME, "=" + absolute(SHEET_AUDIT, f"{first}:{last}")), "tên vùng nhật ký")
    sheet.protect("bdg", {"autofilter": True, "select_locked_cells": True, "select_unlocked_cells": True,
                          "format_columns": True, "format_rows": True})

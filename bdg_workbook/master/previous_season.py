"""Last year beside this year: the master's sheet "So với năm trước", and last season's master read as its source."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from xlsxwriter.workbook import Workbook

from bdg_workbook.domain.errors import WorkbookError
from bdg_workbook.domain.result import CollectResult, PreviousSeason, PreviousStanding
from bdg_workbook.master.sheets import write_table
from bdg_workbook.master.style import PrintSheet, Styles
from bdg_workbook.master.tables import INTEGER, NUMBER, TEXT, Column, Table, summary_rows
from bdg_workbook.untrusted.master_reader import DataError, check_integrity, parse_data, read_master

SHEET_PREVIOUS = "So với năm trước"


def previous_from_master(path: Path) -> PreviousSeason:
    """Each unit's total and rating in force in last season's master (read as untrusted; data hash checked).

    WorkbookError (code F02) when the file is not a master, was altered, or its data sheet is not readable.
    """
    master = read_master(path, path.name)
    integrity = check_integrity(master, None)
    if not integrity.data_ok:
        raise WorkbookError("F02", "số liệu của bảng tổng hợp năm trước không khớp mã băm (tệp đã bị sửa)")
    try:
        depts = parse_data(master.data, [])
        units = {}
        for d in depts:
            if not d.collected:
                units[d.code] = PreviousStanding(d.code, d.name, None, "")
                continue
            column = d.in_force_column()
            units[d.code] = PreviousStanding(d.code, d.name, d.number("total", column), d.text("rating", column))
    except DataError as exc:
        raise WorkbookError("F02", f"trang dữ liệu của bảng tổng hợp năm trước không đọc được: {exc}") from exc
    try:
        season = int(master.meta.get("year", "0"))
    except ValueError:
        season = 0
    return PreviousSeason(season, path.name, units)


def previous_table(result: CollectResult) -> Table:
    """One row per unit of this season: previous total and rating, this season's, and the change."""
    prev = result.previous
    assert prev is not None
    cols = (Column("TT", INTEGER, 5), Column("Mã đơn vị", TEXT, 9), Column("Đơn vị", TEXT, 30),
            Column(f"Tổng điểm {prev.season}", NUMBER, 10), Column(f"Xếp loại {prev.season}", TEXT, 12),
            Column(f"Tổng điểm {result.setup.config.year}", NUMBER, 10),
            Column(f"Xếp loại {result.setup.config.year}", TEXT, 12), Column("Thay đổi", NUMBER, 9),
            Column("Ghi chú", TEXT, 24))
    rows = []
    for i, item in enumerate(summary_rows(result), 1):
        dept, r = item.department, item.result
        before = prev.units.get(dept.code)
        now_total = r.card.total if r is not None else None
        note = "" if before is not None else f"Không có trong kết quả năm {prev.season}"
        if before is not None and before.total is None:
            note = f"Năm {prev.season} chưa nộp"
        if r is None:
            note = (note + "; " if note else "") + "Năm nay chưa nộp"
        change = (now_total - before.total if before is not None and before.total is not None
                  and now_total is not None else None)
        rows.append([i, dept.code, dept.short_name, before.total if before else None,
                     before.rating if before else "", now_total, r.card.rating if r is not None else "", change, note])
    return Table(cols, rows)


def write_previous_sheet(workbook: Workbook, st: Styles, result: CollectResult) -> None:
    """Add the sheet "So với năm trước" (only when the previous season is known)."""
    prev = result.previous
    if prev is None:
        return
    sheet = workbook.add_worksheet(SHEET_PREVIOUS, worksheet_class=PrintSheet)
    changes = [row[7] for row in previous_table(result).rows if isinstance(row[7], Decimal)]
    up = sum(1 for c in changes if c > 0)
    down = sum(1 for c in changes if c < 0)
    write_table(sheet, st, f"KẾT QUẢ NĂM {result.setup.config.year} SO VỚI NĂM {prev.season}",
                f"Nguồn năm {prev.season}: {prev.source}; {up} đơn vị tăng điểm, {down} đơn vị giảm điểm "
                "(Thay đổi = tổng điểm năm nay − năm trước)", previous_table(result), landscape=False)

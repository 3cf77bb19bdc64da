"""The master's tables as plain rows (no spreadsheet library): one source for the sheets and the CSV exports."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Mapping

from bdg_workbook.domain.findings import SEVERITY_VI
from bdg_workbook.layout.master import data_hash  # noqa: F401  (re-exported for the writers)
from bdg_workbook.layout.master import (DATA_COLUMNS, DATA_STATUS_COLLECTED, DATA_STATUS_MISSING, FILE_STATUS_VI,
                            NA_SEPARATOR, REVIEWED_DATA_COLUMNS)
from bdg_workbook.domain.model import Department
from bdg_workbook.domain.result import CollectResult, DepartmentResult
from bdg_workbook.domain.scoring import ScoreCard, excel_round
from bdg_workbook.domain.submission import Cell

TEXT, NUMBER, INTEGER = "text", "number", "int"
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ]00:00(?::00(?:\.0+)?)?)?$")
_EXCEL_EPOCH = dt.date(1899, 12, 30)


@dataclass(frozen=True)
class Column:
    """One column of an exported table: Vietnamese header, value kind and display width (characters)."""

    label: str
    kind: str = TEXT
    width: float = 14


@dataclass(frozen=True)
class Table:
    """A header and rows of text / Decimal / int values, ready for a sheet or a CSV file."""

    columns: tuple[Column, ...]
    rows: list[list[Any]]


@dataclass(frozen=True)
class SummaryRow:
    """One department of the summary, in departments.yaml order; ``result`` is None when not returned."""

    department: Department
    result: DepartmentResult | None


# ---------------------------------------------------------------- cell values


def cell_text(cell: Cell | None, as_date: bool = False) -> str:
    """A raw department cell shown as text: value, else its formula, else its error; dates as dd/mm/yyyy."""
    if cell is None:
        return ""
    value = cell.value
    if value is None:
        if cell.formula:
            return "=" + cell.formula.lstrip("=")
        return cell.error or ""
    if isinstance(value, bool):
        return "Có" if value else "Không"
    if isinstance(value, Decimal):
        if as_date and value == value.to_integral_value() and 1 <= value <= 2_958_465:
            return (_EXCEL_EPOCH + dt.timedelta(days=int(value))).strftime("%d/%m/%Y")
        return _plain_decimal(value)
    text = str(value)
    match = _ISO_DATE.match(text.strip()) if as_date else None
    if match:
        return f"{match.group(3)}/{match.group(2)}/{match.group(1)}"
    return text


def _plain_decimal(value: Decimal) -> str:
    if not value.is_finite():
        return str(value)
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def is_blank(cells: list[Cell | None]) -> bool:
    """True when every cell is empty or whitespace only."""
    return all(not cell_text(c).strip() for c in cells)


# ---------------------------------------------------------------- summary


def summary_rows(result: CollectResult) -> list[SummaryRow]:
    """Every department of departments.yaml in order, then any collected department not listed there."""
    by_code = {r.department.code: r for r in result.departments}
    rows = [SummaryRow(d, by_code.pop(d.code, None)) for d in result.setup.departments]
    rows += [SummaryRow(r.department, r) for r in result.departments if r.department.code in by_code]
    return rows


def summary_table(result: CollectResult) -> Table:
    """Per department: sections, base, bonus, penalty, total, rank, rating, counts, file (summary.csv)."""
    table = result.setup.table
    base_secs = table.sections_of("base")
    bonus, penalty = table.sections_of("bonus")[0], table.sections_of("penalty")[0]
    cols = [Column("TT", INTEGER, 5), Column("Mã đơn vị", TEXT, 9), Column("Tên đơn vị", TEXT, 30),
            Column("Tình trạng", TEXT, 12)]
    cols += [Column(f"Phần {s.code}", NUMBER, 8) for s in base_secs]
    cols += [Column("Điểm cơ bản", NUMBER, 9), Column(f"Phần {bonus.code} (thưởng)", NUMBER, 9),
             Column(f"Phần {penalty.code} (trừ)", NUMBER, 9), Column("Tổng điểm", NUMBER, 9),
             Column("Xếp hạng", INTEGER, 7), Column("Xếp loại", TEXT, 11), Column("Tổng tự chấm", NUMBER, 9),
             Column("Số lỗi", INTEGER, 6), Column("Số cảnh báo", INTEGER, 8), Column("Tệp", TEXT, 24),
             Column("SHA-256", TEXT, 20)]
    rows = []
    for i, item in enumerate(summary_rows(result), 1):
        dept, r = item.department, item.result
        if r is None:
            rows.append([i, dept.code, dept.name, result.not_returned_label(dept.code)] + [None] * (len(cols) - 4))
            continue
        card = r.card
        rows.append([i, dept.code, dept.name, "Đã nộp"]
                    + [card.sections[s.code].capped for s in base_secs]
                    + [card.base, card.bonus, card.penalty, card.total, r.rank, card.rating,
                       r.self_card.total, r.errors, r.warnings, r.file, r.sha256])
    return Table(tuple(cols), rows)


def average_total(result: CollectResult) -> Decimal | None:
    """Mean total of the departments that returned, rounded like Excel's ROUND(x, 2)."""
    if not result.departments:
        return None
    total = sum((r.card.total for r in result.departments), Decimal(0))
    return excel_round(total / len(result.departments))


def rating_counts(result: CollectResult) -> list[tuple[str, int]]:
    """(band label, number of departments) for every band of the table, best first."""
    return [(b.label, sum(1 for r in result.departments if r.card.rating == b.label))
            for b in result.setup.table.bands]


# ---------------------------------------------------------------- findings, evidence, bonus, files


FINDING_COLUMNS = (Column("Mức", TEXT, 10), Column("Mã", TEXT, 5.5), Column("Đơn vị", TEXT, 8),
                   Column("Tiêu chí", TEXT, 6.5), Column("Tệp", TEXT, 21), Column("Trang", TEXT, 10),
                   Column("Ô", TEXT, 6), Column("Giá trị", TEXT, 13), Column("Nội dung", TEXT, 42),
                   Column("Cách sửa", TEXT, 32))


def findings_table(result: CollectResult) -> Table:
    """Every finding: level, code, department, criterion, file, sheet, cell, value, message, fix."""
    rows = [[SEVERITY_VI.get(f.severity, f.severity), f.code, f.department, f.criterion, f.file, f.sheet,
             f.cell, f.value, f.message, f.fix] for f in result.findings]
    return Table(FINDING_COLUMNS, rows)


EVIDENCE_COLUMNS = (Column("Đơn vị", TEXT, 8), Column("Mã tiêu chí", TEXT, 7),
                    Column("Tên hoạt động/kết quả", TEXT, 46), Column("Số, ký hiệu văn bản", TEXT, 17),
                    Column("Ngày", TEXT, 10), Column("Cơ quan ban hành/người ký", TEXT, 18),
                    Column("Tệp", TEXT, 16), Column("Ghi chú", TEXT, 20), Column("Dòng", INTEGER, 5))


def evidence_table(result: CollectResult) -> Table:
    """The merged evidence register of every collected department (fully blank rows left out)."""
    rows = []
    for item in summary_rows(result):
        if item.result is None:
            continue
        for ev in item.result.submission.evidence:
            cells = [ev.code, ev.title, ev.doc, ev.date, ev.issuer, ev.file, ev.note]
            if is_blank(cells):
                continue
            rows.append([item.department.code, cell_text(ev.code), cell_text(ev.title), cell_text(ev.doc),
                         cell_text(ev.date, as_date=True), cell_text(ev.issuer), cell_text(ev.file),
                         cell_text(ev.note), ev.row])
    return Table(EVIDENCE_COLUMNS, rows)


def bonus_table(result: CollectResult) -> Table:
    """Bonus claims with their five justifications, evidence, completeness and the criterion's counted points."""
    fields = result.setup.table.justification_fields
    cols = [Column("Đơn vị", TEXT, 9), Column("Mã tiêu chí", TEXT, 8), Column("Tên mô hình/cách làm", TEXT, 24)]
    cols += [Column(f.label, TEXT, 20) for f in fields]
    cols += [Column("Minh chứng", TEXT, 18), Column("Đủ thuyết minh", TEXT, 10),
             Column("Điểm được tính của tiêu chí", NUMBER, 12), Column("Dòng", INTEGER, 6)]
    rows = []
    for item in summary_rows(result):
        r = item.result
        if r is None:
            continue
        for claim in r.submission.bonus:
            cells = [claim.code, claim.name, claim.doc, *claim.fields.values()]
            if is_blank(cells):
                continue
            texts = [cell_text(claim.fields.get(f.key)) for f in fields]
            doc = cell_text(claim.doc)
            complete = all(t.strip() for t in texts) and bool(doc.strip())
            code = cell_text(claim.code).strip()
            points = r.card.items[code].points if code in r.card.items else None
            rows.append([item.department.code, code, cell_text(claim.name), *texts, doc,
                         "Đủ" if complete else "Thiếu", points, claim.row])
    return Table(tuple(cols), rows)


MISSING_COLUMNS = (Column("TT", INTEGER, 5), Column("Mã đơn vị", TEXT, 10), Column("Tên đơn vị", TEXT, 46),
                   Column("Email", TEXT, 26), Column("Người liên hệ", TEXT, 26))


def missing_table(result: CollectResult) -> Table:
    """The departments that did not return a usable workbook."""
    returned = {r.department.code for r in result.departments}
    listed = [d for d in result.setup.departments if d.code not in returned]
    extra = [d for d in result.missing if d.code not in {x.code for x in listed} and d.code not in returned]
    rows = [[i, d.code, d.name, d.email, d.contact] for i, d in enumerate(listed + extra, 1)]
    return Table(MISSING_COLUMNS, rows)


FILE_COLUMNS = (Column("TT", INTEGER, 5), Column("Tệp", TEXT, 28), Column("Đơn vị", TEXT, 9),
                Column("Trạng thái", TEXT, 20), Column("SHA-256", TEXT, 66), Column("Dung lượng (byte)", INTEGER, 11),
                Column("Số lỗi", INTEGER, 7), Column("Số cảnh báo", INTEGER, 9))


def _file_status(f: Any) -> str:
    """The file's status in Vietnamese, with the reason when it is not counted."""
    label = FILE_STATUS_VI.get(f.status, f.status)
    return f"{label}: {f.reason}" if getattr(f, "reason", "") else label


def files_table(result: CollectResult) -> Table:
    """Every input file with its department, status in Vietnamese, SHA-256 and finding counts."""
    rows = [[i, f.display_name, f.department, _file_status(f), f.sha256, f.size,
             f.errors, f.warnings] for i, f in enumerate(result.files, 1)]
    return Table(FILE_COLUMNS, rows)


# ---------------------------------------------------------------- machine-readable data


def data_rows(result: CollectResult, counted: Mapping[str, tuple[ScoreCard, int]] | None = None) -> list[list[Any]]:
    """Rows of the hidden data sheet (see master_layout.MASTER_LAYOUT_DOC), header first.

    ``counted`` (a reviewed master): department code -> (card, rank) as the collector counted them; the
    result's own cards are then the verified points and the rows get a ``verified`` column.
    """
    columns = DATA_COLUMNS if counted is None else REVIEWED_DATA_COLUMNS
    rows: list[list[Any]] = [list(columns)]
    for item in summary_rows(result):
        dept, r = item.department, item.result
        head = [dept.code, dept.name]
        if r is None:
            rows.append(head + [DATA_STATUS_MISSING] + [None] * (len(columns) - 3))
            continue
        before, before_rank = counted[dept.code] if counted is not None else (r.card, r.rank)

        def line(key: str, own: Any, mine: Any, verified: Any = None) -> list[Any]:
            tail = [] if counted is None else [verified]
            return head + [DATA_STATUS_COLLECTED, key, own, mine] + tail

        own, now = r.self_card, r.card
        rows += [line(code, own.items[code].points, score.points, now.items[code].points)
                 for code, score in before.items.items()]
        rows += [line(f"sec_{code}", own.sections[code].capped, sec.capped, now.sections[code].capped)
                 for code, sec in before.sections.items()]
        rows += [line(key, getattr(own, key), getattr(before, key), getattr(now, key))
                 for key in ("base_raw", "applicable_max", "base", "bonus_raw", "bonus", "penalty_raw", "penalty",
                             "total", "rating")]
        rows.append(line("rank", None, before_rank, r.rank))
        extra = {"errors": r.errors, "warnings": r.warnings, "file": r.file, "sha256": r.sha256,
                 "submitted": r.submitted.isoformat() if r.submitted else None,
                 "not_applicable": NA_SEPARATOR.join(c for c, it in before.items.items() if not it.applicable) or None}
        rows += [line(k, None, v) for k, v in extra.items()]
        if counted is not None:   # N/A the ward overturned in a review (issue 13.2): verified column only
            overturned = [c for c, it in before.items.items() if not it.applicable and now.items[c].applicable]
            rows.append(line("na_overturned", None, None, NA_SEPARATOR.join(overturned) or None))
    return rows

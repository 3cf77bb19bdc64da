"""THE workbook contract: sheet names, column roles, rows, defined names, meta keys.

The generator writes exactly this; the reader finds every cell by the defined names listed here, so
a workbook survives re-saving by LibreOffice or WPS. No other module contains a cell address.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from xlsxwriter.utility import xl_cell_to_rowcol, xl_col_to_name

from bdg_workbook.domain.model import CriteriaTable, Criterion, Department

LAYOUT_VERSION = "2"   # 2: Ban targets locked, counted points, Kiểm tra sheet, evidence checks

SHEET_GUIDE = "Hướng dẫn"
SHEET_INFO = "Thông tin đơn vị"
SHEET_SCORE = "Chấm điểm"
SHEET_EVIDENCE = "Minh chứng"
SHEET_BONUS = "Điểm thưởng"
SHEET_CHECK = "Kiểm tra"
SHEET_META = "meta"
SHEETS = (SHEET_GUIDE, SHEET_INFO, SHEET_SCORE, SHEET_EVIDENCE, SHEET_BONUS, SHEET_CHECK, SHEET_META)

# ---- scoring sheet columns (letters) and their roles
COL_CODE, COL_TEXT, COL_MAX, COL_METHOD, COL_UNIT = "A", "B", "C", "D", "E"
COL_TARGET, COL_VALUE, COL_NA, COL_PCT, COL_POINTS, COL_EVIDENCE = "F", "G", "H", "I", "J", "K"
COL_COUNTED, COL_ISSUE, COL_EXPECTED = "L", "M", "N"   # points the ward counts, problems, expected evidence
SCORE_COLUMNS = "ABCDEFGHIJKLMN"
NA_LOCKED = "Áp dụng"   # locked N/A cell of a criterion the Ban does not let this unit mark "Không áp dụng"
SCORE_HEADER_ROW = 11          # 1-based row of the table header
SCORE_FIRST_ROW = 13           # first section row (row 12 holds the column index "(1) (2) …")

# ---- evidence register
EVIDENCE_HEADER_ROW = 4
EVIDENCE_FIRST_ROW = 5
EVIDENCE_ROWS = 150
EVIDENCE_COLUMNS = {  # role -> (column letter, Vietnamese header)
    "no": ("A", "TT"),
    "code": ("B", "Mã tiêu chí"),
    "title": ("C", "Tên hoạt động/kết quả"),
    "doc": ("D", "Số, ký hiệu văn bản (hoặc tên tệp minh chứng)"),
    "date": ("E", "Ngày"),
    "issuer": ("F", "Cơ quan ban hành/người ký"),
    "file": ("G", "Tên tệp đính kèm"),
    "note": ("H", "Ghi chú"),
}
EVIDENCE_INPUTS = ("code", "title", "doc", "date", "issuer", "file", "note")
# computed columns of the register: status shown to the unit, then hidden helpers (doc key, criterion's
# position in the table, 1 if it backs a base criterion, 1 if an earlier base criterion has the document)
EVIDENCE_CHECKS = {"status": ("I", "Kiểm tra"), "key": ("J", "Khóa văn bản"), "order": ("K", "Thứ tự tiêu chí"),
                   "base": ("L", "Phần cơ bản"), "reused": ("M", "Đã dùng")}
EVIDENCE_OK = "Hợp lệ"

# ---- bonus justification sheet
BONUS_HEADER_ROW = 4
BONUS_FIRST_ROW = 5
BONUS_ROWS = 12
BONUS_FIXED_COLUMNS = {"no": "A", "code": "B", "name": "C"}
BONUS_FIELD_FIRST_COLUMN = "D"   # the five justification fields follow in table order
# after the five fields: evidence document, then the computed completeness flag
BONUS_COMPLETE = "Đủ"
BONUS_INCOMPLETE = "Thiếu"
BONUS_REUSED = "Trùng minh chứng phần cơ bản"
BONUS_UNKNOWN = "Mã không phải mục điểm thưởng"

# ---- check sheet ("Kiểm tra"): one row per criterion in table order
CHECK_HEADER_ROW = 8
CHECK_FIRST_ROW = 9
CHECK_COLUMNS = {"code": "A", "row": "B", "target": "C", "self": "D", "counted": "E", "issue": "F",
                 "kind": "G", "order": "H"}   # target: the Ban's target (ratio criteria), a locked number

# ---- unit info sheet: key -> (row, label, is_input)
INFO_COL_LABEL, INFO_COL_VALUE = "A", "B"
INFO_ROWS = {
    "dept_code": (4, "Mã đơn vị", False),
    "dept_name": (5, "Tên đơn vị", False),
    "preparer": (6, "Họ tên người lập biểu", True),
    "position": (7, "Chức vụ người lập biểu", True),
    "phone": (8, "Số điện thoại", True),
    "email": (9, "Email", True),
    "head": (10, "Họ tên thủ trưởng đơn vị", True),
    "date": (11, "Ngày tự chấm điểm", True),
}

# ---- meta sheet: key -> row (column A key, column B value)
META_KEYS = (
    "layout_version", "template_id", "template_version", "template_hash", "year", "ward",
    "department_code", "department_name", "issued_at", "generator", "generator_version",
    "locked_hash", "key_id", "signature",
)
META_FIRST_ROW = 1


def col_index(letters: str) -> int:
    """0-based column index of column letters (A -> 0, AB -> 27); the one converter of the package."""
    return xl_cell_to_rowcol(f"{letters}1")[1]


def col_letter(index: int) -> str:
    """Column letters of a 0-based index (0 -> A)."""
    return xl_col_to_name(index)


def quote_sheet(name: str) -> str:
    """Sheet name as used in a formula or defined name."""
    return "'" + name.replace("'", "''") + "'"


def absolute(sheet: str, cell: str) -> str:
    """``'Sheet'!$A$1`` (or a range ``A1:B2``)."""
    parts = []
    for ref in cell.split(":"):
        letters = "".join(ch for ch in ref if ch.isalpha())
        digits = ref[len(letters):]
        parts.append(f"${letters}${digits}")
    return f"{quote_sheet(sheet)}!{':'.join(parts)}"


def bonus_field_column(position: int) -> str:
    """Column of the n-th (0-based) justification field on the bonus sheet."""
    return col_letter(col_index(BONUS_FIELD_FIRST_COLUMN) + position)


@dataclass(frozen=True)
class TotalsRow:
    """One row of the totals block under the criteria."""

    name: str
    label: str


TOTALS = (
    TotalsRow("base_raw", "Cộng điểm phần I, II, III"),
    TotalsRow("applicable_max", "Tổng điểm tối đa các tiêu chí áp dụng"),
    TotalsRow("base", "Điểm cơ bản (quy đổi về thang 180 nếu có tiêu chí không áp dụng)"),
    TotalsRow("bonus", "Điểm thưởng (phần IV, tối đa 20 điểm)"),
    TotalsRow("penalty", "Điểm trừ (phần V, tối đa 20 điểm)"),
    TotalsRow("total", "TỔNG ĐIỂM (thang 200 điểm)"),
    TotalsRow("rating", "Xếp loại"),
)


class Layout:
    """Row positions and defined names of one criteria table's department workbook."""

    def __init__(self, table: CriteriaTable) -> None:
        self.table = table

    # ---- rows on the scoring sheet
    @cached_property
    def section_rows(self) -> dict[str, int]:
        """Section code -> its heading row (holding the capped subtotal)."""
        return self._rows()[0]

    @cached_property
    def criterion_rows(self) -> dict[str, int]:
        """Criterion code -> its row."""
        return self._rows()[1]

    @cached_property
    def totals_rows(self) -> dict[str, int]:
        """Totals name -> row of the totals block."""
        first = max(self.criterion_rows.values()) + 2
        return {t.name: first + i for i, t in enumerate(TOTALS)}

    @property
    def last_row(self) -> int:
        """Last row of the totals block."""
        return max(self.totals_rows.values())

    def _rows(self) -> tuple[dict[str, int], dict[str, int]]:
        row = SCORE_FIRST_ROW
        sections, criteria = {}, {}
        for sec in self.table.sections:
            sections[sec.code] = row
            row += 1
            for crit in sec.criteria:
                criteria[crit.code] = row
                row += 1
        return sections, criteria

    @cached_property
    def check_rows(self) -> dict[str, int]:
        """Criterion code -> its row on the check sheet (table order)."""
        return {c.code: CHECK_FIRST_ROW + i for i, c in enumerate(self.table.criteria)}

    def order(self, code: str) -> int:
        """1-based position of a criterion in table order (the register's helper column holds it)."""
        return self.check_rows[code] - CHECK_FIRST_ROW + 1

    def section_range(self, section: str, column: str) -> str:
        """``J14:J19``: a section's item cells in one column."""
        codes = [c.code for c in self.table.section(section).criteria]
        return f"{column}{self.criterion_rows[codes[0]]}:{column}{self.criterion_rows[codes[-1]]}"

    def base_rows_range(self, column: str) -> str:
        """A column over every row from the first base section to the last base item."""
        base = self.table.sections_of("base")
        first = self.section_rows[base[0].code]
        last = self.criterion_rows[base[-1].criteria[-1].code]
        return f"{column}{first}:{column}{last}"

    def cell(self, column: str, code: str) -> str:
        """Address of a criterion's cell in a column, e.g. ``G14``."""
        return f"{column}{self.criterion_rows[code]}"

    # ---- defined names
    @cached_property
    def names(self) -> dict[str, tuple[str, str]]:
        """Every workbook-level defined name -> (sheet, cell or range)."""
        out: dict[str, tuple[str, str]] = {}
        for crit in self.table.criteria:
            for name, column in self.criterion_names(crit).items():
                out[name] = (SHEET_SCORE, self.cell(column, crit.code))
        for sec in self.table.sections:
            out[f"sec_{sec.code}"] = (SHEET_SCORE, f"{COL_POINTS}{self.section_rows[sec.code]}")
        for name, row in self.totals_rows.items():
            out[name] = (SHEET_SCORE, f"{COL_POINTS}{row}")
        for raw in ("bonus", "penalty"):
            out[f"{raw}_raw"] = (SHEET_SCORE, f"{COL_PCT}{self.totals_rows[raw]}")
        last_ev = EVIDENCE_FIRST_ROW + EVIDENCE_ROWS - 1
        for role in EVIDENCE_INPUTS:
            col = EVIDENCE_COLUMNS[role][0]
            out[f"ev_{role}"] = (SHEET_EVIDENCE, f"{col}{EVIDENCE_FIRST_ROW}:{col}{last_ev}")
        for role, (col, _header) in EVIDENCE_CHECKS.items():
            out[f"ev_{role}"] = (SHEET_EVIDENCE, f"{col}{EVIDENCE_FIRST_ROW}:{col}{last_ev}")
        first_chk, last_chk = self.check_rows[self.table.criteria[0].code], max(self.check_rows.values())
        for role in ("code", "kind", "order", "target"):
            col = CHECK_COLUMNS[role]
            out[f"chk_{role}"] = (SHEET_CHECK, f"{col}{first_chk}:{col}{last_chk}")
        last_bonus = BONUS_FIRST_ROW + BONUS_ROWS - 1
        for role, col in self.bonus_columns.items():
            out[f"bonus_{role}"] = (SHEET_BONUS, f"{col}{BONUS_FIRST_ROW}:{col}{last_bonus}")
        for key, (row, _label, _is_input) in INFO_ROWS.items():
            out[f"info_{key}"] = (SHEET_INFO, f"{INFO_COL_VALUE}{row}")
        for i, key in enumerate(META_KEYS):
            out[f"meta_{key}"] = (SHEET_META, f"B{META_FIRST_ROW + i}")
        return out

    @staticmethod
    def criterion_names(crit: Criterion) -> dict[str, str]:
        """Defined names of one criterion's cells -> column letter."""
        k = crit.key
        names = {f"txt_{k}": COL_TEXT, f"max_{k}": COL_MAX, f"in_{k}_value": COL_VALUE,
                 f"pct_{k}": COL_PCT, f"pts_{k}": COL_POINTS, f"evcount_{k}": COL_EVIDENCE}
        if crit.method == "ratio":
            names[f"in_{k}_target"] = COL_TARGET
        if crit.allow_na:
            names[f"in_{k}_na"] = COL_NA
        return names

    @cached_property
    def bonus_columns(self) -> dict[str, str]:
        """Bonus sheet role -> column: code, name, each justification field key, doc, complete."""
        cols = {"code": BONUS_FIXED_COLUMNS["code"], "name": BONUS_FIXED_COLUMNS["name"]}
        for i, fld in enumerate(self.table.justification_fields):
            cols[fld.key] = bonus_field_column(i)
        n = len(self.table.justification_fields)
        cols["doc"] = bonus_field_column(n)
        cols["complete"] = bonus_field_column(n + 1)
        return cols

    @property
    def bonus_inputs(self) -> tuple[str, ...]:
        """Bonus sheet roles typed by the department."""
        return tuple(r for r in self.bonus_columns if r != "complete")

    def input_names(self) -> list[str]:
        """Names of single input cells on the scoring and info sheets."""
        out = [n for n in self.names if n.startswith("in_")]
        out += [f"info_{k}" for k, (_r, _l, is_input) in INFO_ROWS.items() if is_input]
        return out

    def unit_input_names(self, dept: Department) -> list[str]:
        """``input_names`` less the cells the Ban locks in this unit's form: its targets (unless it may propose
        one) and the N/A cells of criteria it may not mark "Không áp dụng"."""
        locked = {f"in_{c.key}_target" for c in self.table.criteria if c.method == "ratio" and not c.target_proposable}
        locked |= {f"in_{c.key}_na" for c in self.table.criteria if c.allow_na and not dept.may_be_na(c)}
        return [n for n in self.input_names() if n not in locked]

    def input_ranges(self) -> list[str]:
        """Names of input ranges on the evidence and bonus sheets."""
        return [f"ev_{r}" for r in EVIDENCE_INPUTS] + [f"bonus_{r}" for r in self.bonus_inputs]


_LAYOUTS: dict[int, tuple[CriteriaTable, Layout]] = {}


def layout_of(table: CriteriaTable) -> Layout:
    """One shared Layout per criteria table object (rows and names computed once; read-only for callers)."""
    entry = _LAYOUTS.get(id(table))
    if entry is None or entry[0] is not table:    # found by identity: hashing a whole table costs more
        while len(_LAYOUTS) >= 8:
            _LAYOUTS.pop(next(iter(_LAYOUTS)))
        entry = _LAYOUTS[id(table)] = (table, Layout(table))   # the entry holds the table: its id stays its own
    return entry[1]

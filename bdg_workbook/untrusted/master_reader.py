"""Reading a ward master as untrusted input: meta, the hidden data sheet, the audit log and the review cells.

Everything is found by defined name (``master_layout``) through the same guarded reader as returned
department workbooks (``xlsxzip.SafeZip`` + ``xlsxcells``), so a master re-saved by LibreOffice or WPS
reads the same, and a hostile file is refused before any XML is parsed. Nothing here judges the values:
``check_integrity`` compares the hashes and the signature, the review and district modules do the rest.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterable

from bdg_workbook.domain.errors import WorkbookError
from bdg_workbook.layout.master import (data_hash, tables_hash, CARRIED_TABLES, AUDIT_COLUMNS, AUDIT_NAME, DATA_COLUMNS, DATA_NAME, DATA_STATUS_COLLECTED,
                            DATA_STATUS_MISSING, MASTER_META_KEYS, REVIEW_NAME_PREFIX, REVIEWED_DATA_COLUMNS,
                            SHEET_AUDIT, SHEET_DATA, SHEET_META, SHEET_SUMMARY)
from bdg_workbook.domain.scoring import excel_round
from bdg_workbook.trust.signing import SIGNED_MASTER_KEYS, KeyRing, Verification, verify_meta
from bdg_workbook.domain.submission import Cell
from bdg_workbook.untrusted.cells import NameTarget, Package, read_cells
from bdg_workbook.untrusted.container import Limits, SafeZip
from bdg_workbook.untrusted.master_view import view_digest

KIND_WARD_MASTER = "ward_master"
KIND_DISTRICT_MASTER = "district_master"
KIND_DEPARTMENT = "department"
KIND_UNKNOWN = "unknown"
MAX_DATA_ROWS = 20_000
MAX_AUDIT_ROWS = 20_000
MAX_TABLE_ROWS, MAX_TABLE_COLUMNS = 50_000, 64
_REVIEW_PREFIXES = tuple(p + "_" for p in REVIEW_NAME_PREFIX.values())


@dataclass
class MasterFile:
    """What was read from one master file, untrusted: meta text, data rows, audit rows and review cells."""

    path: str
    display_name: str
    sha256: str
    size: int
    meta: dict[str, str]
    data: list[list[Any]]
    audit: list[list[Any]] | None
    review: dict[str, Cell] = field(default_factory=dict)
    formula_cells: list[str] = field(default_factory=list)    # data/audit cells holding a formula (never written)
    tables: dict[str, list[list[Any]]] = field(default_factory=dict)   # carried tables by sheet (CARRIED_TABLES)
    view_hash: str = ""      # canonical hash of what every sheet shows, recomputed (master_view; issue 12)

    @property
    def kind(self) -> str:
        """meta ``kind`` (``ward_master`` for a ward master)."""
        return self.meta.get("kind", "")

    @property
    def review_round(self) -> int:
        """Review rounds done on this master (0 for the collector's master; -1 when unreadable)."""
        text = self.meta.get("review_round", "") or "0"
        return int(text) if text.isdigit() else -1


def _load_bytes(path: Path, limits: Limits) -> bytes:
    """The file's bytes, refusing an oversized file before reading it."""
    with open(path, "rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        if size > limits.max_file_bytes:
            raise WorkbookError("F10", f"tệp quá lớn ({size // (1024 * 1024)} MiB)")
        return handle.read()


def peek_kind(path: Path, limits: Limits | None = None) -> str:
    """What a file is, from its defined names (and meta ``kind``): a ward/district master, a department
    workbook, or unknown (unreadable or something else). Never raises for a bad file."""
    try:
        pkg = Package(SafeZip(_load_bytes(Path(path), limits or Limits()), limits))
        if DATA_NAME in pkg.names and "meta_kind" in pkg.names:
            target = _single(pkg, "meta_kind")
            if target is None:
                return KIND_UNKNOWN
            cell = read_cells(pkg, {target.sheet: {(target.first_row, target.first_col)}})
            kind = cell[(target.sheet, target.first_row, target.first_col)].text()
            return kind if kind in (KIND_WARD_MASTER, KIND_DISTRICT_MASTER) else KIND_UNKNOWN
        if "meta_department_code" in pkg.names:
            return KIND_DEPARTMENT
    except (WorkbookError, OSError):
        return KIND_UNKNOWN
    except Exception:  # noqa: BLE001 - a hostile file is 'unknown', never a crash
        return KIND_UNKNOWN
    return KIND_UNKNOWN


def read_master(path: Path, display_name: str | None = None, review: bool = False,
                limits: Limits | None = None) -> MasterFile:
    """Read a master's meta, data rows and audit log (and with ``review`` its review cells) by defined name."""
    limits = limits or Limits()
    data = _load_bytes(Path(path), limits)
    pkg = Package(SafeZip(data, limits))
    for sheet in (SHEET_META, SHEET_DATA):
        if sheet not in pkg.sheet_parts:
            raise WorkbookError("F02", f"không có trang '{sheet}' (không phải bảng tổng hợp do bdg-workbook ghi)")
    meta_targets = {k: _single(pkg, f"meta_{k}") for k in MASTER_META_KEYS}
    data_target = _range(pkg, DATA_NAME, MAX_DATA_ROWS, len(REVIEWED_DATA_COLUMNS))
    if meta_targets["kind"] is None or data_target is None:
        raise WorkbookError("F02", "thiếu tên meta_kind hoặc master_data "
                                   "(không phải bảng tổng hợp do bdg-workbook ghi)")
    audit_target = _range(pkg, AUDIT_NAME, MAX_AUDIT_ROWS, len(AUDIT_COLUMNS))
    review_targets = {n: _single(pkg, n) for n in pkg.names if n.startswith(_REVIEW_PREFIXES)} if review else {}
    table_targets = {sheet: _range(pkg, name, MAX_TABLE_ROWS, MAX_TABLE_COLUMNS)
                     for sheet, name in CARRIED_TABLES.items()}
    wanted: dict[str, set[tuple[int, int]]] = {}
    for target in [*meta_targets.values(), data_target, audit_target, *review_targets.values(),
                   *table_targets.values()]:
        if target is not None:
            wanted.setdefault(target.sheet, set()).update(target.cells())
    cells = read_cells(pkg, wanted)
    meta = {k: cells[(t.sheet, t.first_row, t.first_col)].text() for k, t in meta_targets.items() if t is not None}
    formulas: list[str] = []
    rows = _rows(cells, data_target, formulas)
    audit = _rows(cells, audit_target, formulas) if audit_target is not None else None
    found = {n: cells[(t.sheet, t.first_row, t.first_col)] for n, t in review_targets.items() if t is not None}
    tables = {sheet: _rows(cells, t, formulas) for sheet, t in table_targets.items() if t is not None}
    return MasterFile(str(path), display_name or Path(path).name, hashlib.sha256(data).hexdigest(), len(data),
                      meta, rows, audit, found, formulas, tables, view_digest(pkg))


def _single(pkg: Package, name: str) -> NameTarget | None:
    target = pkg.resolve(name)
    if target is None or target.sheet not in pkg.sheet_parts:
        return None
    if (target.first_row, target.first_col) != (target.last_row, target.last_col):
        return None
    return target


def _range(pkg: Package, name: str, max_rows: int, max_cols: int) -> NameTarget | None:
    target = pkg.resolve(name)
    if target is None or target.sheet not in pkg.sheet_parts:
        return None
    rows, cols = target.last_row - target.first_row + 1, target.last_col - target.first_col + 1
    if rows > max_rows or cols > max_cols:
        raise WorkbookError("F02", f"tên vùng '{name}' trỏ tới vùng quá lớn ({rows} dòng × {cols} cột)")
    return target


def _rows(cells: dict, target: NameTarget, formulas: list[str]) -> list[list[Any]]:
    """The rectangle's values row by row (Decimal, text, bool or None; an error cell as its error text)."""
    out = []
    for r in range(target.first_row, target.last_row + 1):
        row = []
        for c in range(target.first_col, target.last_col + 1):
            cell = cells[(target.sheet, r, c)]
            if cell.formula is not None:
                formulas.append(f"{cell.sheet}!{cell.ref}")
            row.append(cell.error if cell.error else cell.value)
        out.append(row)
    return out


# ---------------------------------------------------------------- integrity


@dataclass(frozen=True)
class Integrity:
    """Outcome of checking a master: the recomputed hashes, the signature check and what is wrong."""

    data_ok: bool
    audit_ok: bool
    verification: Verification | None
    problems: tuple[tuple[str, str], ...]      # (sheet, Vietnamese reason) for every hash problem


def check_integrity(master: MasterFile, keyring: KeyRing | None) -> Integrity:
    """Recompute data_hash and audit_hash, look for formulas, and verify the signature (when keys are given)."""
    problems: list[tuple[str, str]] = []
    header = tuple(master.data[0]) if master.data else ()
    if header not in (DATA_COLUMNS, REVIEWED_DATA_COLUMNS):
        problems.append((SHEET_DATA, "dòng tiêu đề của vùng master_data không đúng mẫu"))
    data_ok = data_hash(master.data) == master.meta.get("data_hash", "")
    if not data_ok:
        problems.append((SHEET_DATA, "mã băm số liệu (data_hash) không khớp nội dung trang"))
    audit_ok = master.audit is not None and data_hash(master.audit) == master.meta.get("audit_hash", "")
    if not audit_ok:
        problems.append((SHEET_AUDIT, "mã băm nhật ký (audit_hash) không khớp nội dung trang"
                         if master.audit is not None else "thiếu vùng audit_log"))
    expected_tables = master.meta.get("tables_hash", "")
    if (expected_tables or master.tables) and tables_hash(master.tables) != expected_tables:
        problems.append((next(iter(CARRIED_TABLES)), "mã băm các bảng phát hiện, minh chứng, điểm thưởng, tệp đã "
                         "nhận (tables_hash) không khớp nội dung trang"))
    if master.formula_cells:
        problems.append((SHEET_DATA, "có công thức trong vùng số liệu: " + ", ".join(master.formula_cells[:5])))
    if master.view_hash != master.meta.get("view_hash", ""):    # issue 12: the signature covers what is printed
        problems.append((SHEET_SUMMARY, "nội dung các trang hiển thị (số liệu in trên báo cáo, phụ lục, bảng) khác "
                         "nội dung đã ghi và ký (view_hash)" if master.meta.get("view_hash") else
                         "thiếu mã băm nội dung các trang hiển thị (view_hash): tệp do phiên bản cũ ghi hoặc đã bị "
                         "sửa; chạy lại 'bdg-workbook collect'"))
    verification = None
    if keyring is not None:
        verification = verify_meta(master.meta, master.meta.get("key_id"), master.meta.get("signature"), keyring,
                                   SIGNED_MASTER_KEYS)
    return Integrity(data_ok, audit_ok, verification, tuple(problems))


# ---------------------------------------------------------------- the data sheet as departments


class DataError(ValueError):
    """The data sheet's rows do not follow master_layout (a key missing, a number that is not a number)."""


@dataclass
class DeptData:
    """One department's rows of the data sheet: key -> [self, counted, verified] (verified None if not reviewed)."""

    code: str
    name: str
    status: str
    values: dict[str, list[Any]] = field(default_factory=dict)

    @property
    def collected(self) -> bool:
        """True when the department's workbook was collected."""
        return self.status == DATA_STATUS_COLLECTED

    def number(self, key: str, column: int) -> Decimal:
        """A number of the data sheet (column 0 self, 1 counted, 2 verified); DataError when it is not one."""
        row = self.values.get(key)
        value = row[column] if row is not None and column < len(row) else None
        if isinstance(value, bool) or not isinstance(value, Decimal) or not value.is_finite() or abs(value) > 10 ** 9:
            raise DataError(f"đơn vị {self.code}: khóa '{key}' thiếu hoặc không phải số ({value!r})")
        return excel_round(value)      # 14.539999999999999 as xlsxwriter writes 14.54 is 14.54 again

    def text(self, key: str, column: int = 1) -> str:
        """A text value of the data sheet ('' when blank)."""
        row = self.values.get(key)
        value = row[column] if row is not None and column < len(row) else None
        return "" if value is None else Cell("", "", value).text()

    def in_force_column(self) -> int:
        """2 (verified) when the department's rows carry verified points, else 1 (counted)."""
        row = next(iter(self.values.values()), [])
        return 2 if len(row) > 2 and row[2] is not None else 1

    def points(self, codes: Iterable[str], column: int) -> dict[str, Decimal]:
        """Per-criterion points of one column."""
        return {code: self.number(code, column) for code in codes}

    @property
    def not_applicable(self) -> tuple[str, ...]:
        """Criterion codes the department marked "Không áp dụng" (as collected)."""
        return tuple(self.text("not_applicable").split())

    def not_applicable_at(self, column: int) -> tuple[str, ...]:
        """The "Không áp dụng" codes in force in a column: for the verified column (2), less those the ward
        overturned in a review (key ``na_overturned``)."""
        overturned = set(self.text("na_overturned", 2).split()) if column == 2 else set()
        return tuple(c for c in self.not_applicable if c not in overturned)


def parse_data(rows: list[list[Any]], criteria: Iterable[str]) -> list[DeptData]:
    """The data rows grouped by department (order kept); DataError when they do not follow the layout."""
    if not rows or tuple(rows[0]) not in (DATA_COLUMNS, REVIEWED_DATA_COLUMNS):
        raise DataError("dòng tiêu đề của vùng master_data không đúng mẫu")
    width = len(rows[0])
    out: dict[str, DeptData] = {}
    for number, row in enumerate(rows[1:], 2):
        code, name, status, key = row[0], row[1], row[2], row[3]
        if not isinstance(code, str) or status not in (DATA_STATUS_COLLECTED, DATA_STATUS_MISSING):
            raise DataError(f"dòng {number} của vùng master_data không đúng mẫu")
        dept = out.setdefault(code, DeptData(code, name if isinstance(name, str) else code, status))
        if dept.status != status:
            raise DataError(f"đơn vị {code} vừa có dòng đã nộp vừa có dòng chưa nộp")
        if status == DATA_STATUS_COLLECTED:
            if not isinstance(key, str) or key in dept.values:
                raise DataError(f"dòng {number}: khóa '{key}' thiếu hoặc lặp lại")
            dept.values[key] = list(row[4:width])
    codes = tuple(criteria)
    for dept in out.values():
        if dept.collected:
            column = dept.in_force_column()
            for key in (*codes, "total", "base", "bonus", "penalty"):
                dept.number(key, 0)
                dept.number(key, 1)
                dept.number(key, column)
    return list(out.values())

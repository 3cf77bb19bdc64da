"""Returned workbook -> Submission: raw inputs and their cell addresses, found by defined name only."""

from __future__ import annotations

import hashlib
import os
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

from bdg_workbook.domain.errors import WorkbookError
from bdg_workbook.layout.department import LAYOUT_VERSION, META_KEYS, SHEET_META, TOTALS, EVIDENCE_INPUTS
from bdg_workbook.domain.submission import BonusClaim, Cell, EvidenceRow, Submission
from bdg_workbook.untrusted.cells import MAX_PLANNED_CELLS, NameTarget, Package, read_cells
from bdg_workbook.untrusted.container import Limits, SafeZip

COMPUTED_PREFIXES = ("pct_", "pts_", "evcount_", "sec_")
COMPUTED_NAMES = {t.name for t in TOTALS} | {"bonus_raw", "penalty_raw"}
LOCKED_PREFIXES = ("txt_", "max_")
INPUT_PREFIXES = ("in_", "info_")
MAX_RANGE_CELLS = 5000
EXCEL_MAX_NUMBER = Decimal("1.7976931348623157e308")   # the largest IEEE double; Excel cannot hold more


def read_path(path: Path, display_name: str | None = None, limits: Limits | None = None) -> Submission:
    """Read a returned workbook from disk (opened read-only, never modified)."""
    limits = limits or Limits()
    with open(path, "rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        if size > limits.max_file_bytes:
            raise WorkbookError("F10", f"tệp quá lớn ({size // (1024 * 1024)} MiB)")
        data = fh.read()
    return read_bytes(data, str(path), display_name or path.name, os.stat(path).st_mtime, limits)


def read_bytes(data: bytes, path: str, display_name: str, mtime: float = 0.0, limits: Limits | None = None) -> Submission:
    """Read a returned workbook from bytes; file-level problems raise WorkbookError (code + message)."""
    sha = hashlib.sha256(data).hexdigest()
    pkg = Package(SafeZip(data, limits))
    if SHEET_META not in pkg.sheet_parts:
        raise WorkbookError("F02", f"không có trang '{SHEET_META}' (không phải biểu mẫu do phường phát hành, "
                                   "hoặc trang này đã bị xóa)")
    targets, wanted = _layout(pkg)
    missing_meta = [k for k in ("layout_version", "template_id", "department_code", "year") if f"meta_{k}" not in targets]
    if missing_meta:
        raise WorkbookError("F02", f"trang '{SHEET_META}' thiếu thông tin {', '.join(missing_meta)}")
    cells = read_cells(pkg, wanted)
    for key, cell in cells.items():
        if isinstance(cell.value, Decimal):
            cells[key] = _within_excel_range(cell)

    def single(name: str) -> Cell:
        t = targets[name]
        return cells[(t.sheet, t.first_row, t.first_col)]

    meta = {k: single(f"meta_{k}").text() for k in META_KEYS if f"meta_{k}" in targets}
    if meta.get("layout_version") != LAYOUT_VERSION:
        raise WorkbookError("F03", f"phiên bản bố cục '{meta.get('layout_version')}' khác phiên bản {LAYOUT_VERSION} "
                                   "mà phần mềm đọc được")
    sub = Submission(
        path=path, display_name=display_name, sha256=sha, size=len(data), mtime=mtime, meta=meta,
        inputs={n: single(n) for n in targets if n.startswith(INPUT_PREFIXES)},
        computed={n: single(n) for n in targets if n.startswith(COMPUTED_PREFIXES) or n in COMPUTED_NAMES},
        locked={n: single(n) for n in targets if n.startswith(LOCKED_PREFIXES)},
    )
    sub.evidence = _evidence(targets, cells)
    sub.bonus = _bonus(targets, cells)
    return sub


def _layout(pkg: Package) -> tuple[dict[str, NameTarget], dict[str, set[tuple[int, int]]]]:
    """Names to read and the cells they cover by sheet; computed once per workbook structure (``pkg.memo``)."""
    known = pkg.memo.get("layout")
    if known is None:
        targets = _targets(pkg)
        wanted: dict[str, set[tuple[int, int]]] = defaultdict(set)
        for target in targets.values():
            wanted[target.sheet].update(target.cells())
        known = (targets, dict(wanted))
        if sum(map(len, wanted.values())) <= MAX_PLANNED_CELLS:
            pkg.memo["layout"] = known
    return known


def _targets(pkg: Package) -> dict[str, NameTarget]:
    out = {}
    for name in pkg.names:
        target = pkg.resolve(name)
        if target is None or target.sheet not in pkg.sheet_parts:
            continue
        is_range = name.startswith(("ev_", "bonus_")) and not name.startswith("evcount_") \
            and name not in COMPUTED_NAMES
        if not is_range and (target.first_row, target.first_col) != (target.last_row, target.last_col):
            continue
        size = (target.last_row - target.first_row + 1) * (target.last_col - target.first_col + 1)
        if size > MAX_RANGE_CELLS:       # counted, not listed: A1:XFD1048576 would be 17 billion cells
            raise WorkbookError("F02", f"tên vùng '{name}' trỏ tới vùng quá lớn")
        out[name] = target
    return out


def _column(targets: dict[str, NameTarget], cells: dict, name: str) -> list[Cell]:
    t = targets.get(name)
    if t is None:
        return []
    return [cells[(t.sheet, r, t.first_col)] for r in range(t.first_row, t.last_row + 1)]


def _row_no(cell: Cell) -> int:
    return int("".join(ch for ch in cell.ref if ch.isdigit()))


def _evidence(targets: dict[str, NameTarget], cells: dict) -> list[EvidenceRow]:
    cols = [_column(targets, cells, f"ev_{role}") for role in EVIDENCE_INPUTS]
    rows = []
    for line in zip(*cols):
        if all(c.is_blank for c in line):
            continue
        row = dict(zip(EVIDENCE_INPUTS, line))
        rows.append(EvidenceRow(_row_no(row["code"]), **row))
    return rows


def _bonus(targets: dict[str, NameTarget], cells: dict) -> list[BonusClaim]:
    roles = [n[len("bonus_"):] for n in targets if n.startswith("bonus_") and n != "bonus_raw"]
    cols = {role: _column(targets, cells, f"bonus_{role}") for role in roles}
    if "code" not in cols:
        return []
    fields = [r for r in roles if r not in ("code", "name", "doc", "complete")]
    claims = []
    for i, code in enumerate(cols["code"]):
        cell = lambda role: cols[role][i] if role in cols and i < len(cols[role]) else Cell(code.sheet, code.ref)  # noqa: E731
        row = [cell(r) for r in ("code", "name", "doc", *fields)]
        if all(c.is_blank for c in row):
            continue
        claims.append(BonusClaim(_row_no(code), code, cell("name"), {f: cell(f) for f in fields}, cell("doc")))
    return claims


def _within_excel_range(cell: Cell) -> Cell:
    """A number no spreadsheet can hold (``1e400``) becomes a ``#NUM`` error cell, like NaN and Infinity."""
    value = cell.value
    if isinstance(value, Decimal) and value.is_finite() and abs(value) > EXCEL_MAX_NUMBER:
        return Cell(cell.sheet, cell.ref, str(value), cell.formula, "#NUM")
    return cell

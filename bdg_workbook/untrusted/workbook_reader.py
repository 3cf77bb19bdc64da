"""Returned workbook -> Submission: raw inputs and their cell addresses, read where the form was issued."""

from __future__ import annotations

import hashlib
import os
from decimal import Decimal
from pathlib import Path
from typing import Mapping

from bdg_workbook.domain.errors import WorkbookError
from bdg_workbook.layout.department import EVIDENCE_INPUTS, LAYOUT_VERSION, META_KEYS, SHEET_META, TOTALS
from bdg_workbook.domain.submission import BonusClaim, Cell, EvidenceRow, Submission
from bdg_workbook.untrusted.cells import NameTarget, Package, read_cells, ref_name
from bdg_workbook.untrusted.container import Limits, SafeZip
from bdg_workbook.untrusted.form_contract import FormContract, check_structure, form_contract

COMPUTED_PREFIXES = ("pct_", "pts_", "evcount_", "sec_")
COMPUTED_NAMES = {t.name for t in TOTALS} | {"bonus_raw", "penalty_raw"}
LOCKED_PREFIXES = ("txt_", "max_")
INPUT_PREFIXES = ("in_", "info_")
EXCEL_MAX_NUMBER = Decimal("1.7976931348623157e308")   # the largest IEEE double; Excel cannot hold more


def read_path(path: Path, display_name: str | None = None, limits: Limits | None = None,
              contract: FormContract | None = None) -> Submission:
    """Read a returned workbook from disk (opened read-only, never modified)."""
    limits = limits or Limits()
    try:
        with open(path, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            if size > limits.max_file_bytes:
                raise WorkbookError("F10", f"tệp quá lớn ({size // (1024 * 1024)} MiB)")
            data = fh.read()
        mtime = os.stat(path).st_mtime
    except OSError as exc:
        raise WorkbookError("F31", _os_reason(exc)) from exc
    return read_bytes(data, str(path), display_name or path.name, mtime, limits, contract)


def _os_reason(exc: OSError) -> str:
    """Why the operating system would not let the file be read, in Vietnamese."""
    if isinstance(exc, PermissionError):
        return "không có quyền đọc tệp (quyền truy cập của tệp hoặc thư mục không cho phép)"
    if isinstance(exc, IsADirectoryError):
        return "đây là một thư mục, không phải tệp"
    if isinstance(exc, FileNotFoundError):
        return "tệp không còn ở chỗ cũ (đã bị xóa hoặc đổi tên trong lúc thu)"
    return f"hệ điều hành báo lỗi khi đọc tệp (mã lỗi {exc.errno})" if exc.errno else "hệ điều hành báo lỗi khi đọc tệp"


def read_bytes(data: bytes, path: str, display_name: str, mtime: float = 0.0, limits: Limits | None = None,
               contract: FormContract | None = None) -> Submission:
    """Read a returned workbook from bytes at the places of the issued form (``contract``; by default the
    built-in default setup's); file-level problems raise WorkbookError (code + message)."""
    sha = hashlib.sha256(data).hexdigest()
    pkg = Package(SafeZip(data, limits))
    if SHEET_META not in pkg.sheet_parts:
        raise WorkbookError("F02", f"không có trang '{SHEET_META}' (không phải biểu mẫu do phường phát hành, "
                                   "hoặc trang này đã bị xóa)")
    contract = contract or _default_contract()
    targets = contract.names
    meta_cells = read_cells(pkg, contract.meta_wanted)
    meta = {k: meta_cells[(t.sheet, t.first_row, t.first_col)].text()
            for k in META_KEYS for t in (targets[f"meta_{k}"],)}
    missing_meta = [k for k in ("layout_version", "template_id", "department_code", "year") if not meta[k]]
    if missing_meta:
        raise WorkbookError("F02", f"trang '{SHEET_META}' thiếu thông tin {', '.join(missing_meta)}")
    if meta.get("layout_version") != LAYOUT_VERSION:
        raise WorkbookError("F03", f"phiên bản bố cục '{meta.get('layout_version')}' khác phiên bản {LAYOUT_VERSION} "
                                   "mà phần mềm đọc được")
    plan = contract.plan(meta["department_code"])
    wanted = plan.wanted
    if meta["template_id"] == contract.template_id and meta["template_hash"] == contract.template_hash:
        check_structure(pkg, contract)
    else:   # another form (rejected by identity, with its own message): read what is there
        plan = contract.named
        wanted = {sheet: cells for sheet, cells in plan.wanted.items() if sheet in pkg.sheet_parts}
    cells = read_cells(pkg, wanted)
    for key, cell in cells.items():
        if cell.value.__class__ is Decimal:
            cells[key] = _within_excel_range(cell)

    def single(name: str) -> Cell:
        t = targets[name]
        return cells.get((t.sheet, t.first_row, t.first_col)) or Cell(t.sheet, ref_name(t.first_row, t.first_col))

    sub = Submission(
        path=path, display_name=display_name, sha256=sha, size=len(data), mtime=mtime, meta=meta,
        inputs={n: single(n) for n in targets if n.startswith(INPUT_PREFIXES)},
        computed={n: single(n) for n in targets if n.startswith(COMPUTED_PREFIXES) or n in COMPUTED_NAMES},
        locked={n: single(n) for n in targets if n.startswith(LOCKED_PREFIXES)},
        area={p: cells.get(p) or Cell(p[0], ref_name(p[1], p[2])) for p in plan.area},
    )
    sub.evidence = _evidence(targets, cells)
    sub.bonus = _bonus(targets, cells)
    return sub


def _default_contract() -> FormContract:
    from bdg_workbook.config.load import load_setup

    global _DEFAULT_SETUP
    if _DEFAULT_SETUP is None:
        _DEFAULT_SETUP = load_setup()
    return form_contract(_DEFAULT_SETUP)


_DEFAULT_SETUP = None


def _layout(pkg: Package, contract: FormContract | None = None) -> tuple[Mapping[str, NameTarget],
                                                                         Mapping[str, set[tuple[int, int]]]]:
    """The issued names and every cell the reader takes, by sheet (``pkg`` is not consulted: the reader
    reads where the form was issued, whatever the file's own names say)."""
    contract = contract or _default_contract()
    return contract.names, contract.named.wanted


def _column(targets: dict[str, NameTarget], cells: dict, name: str) -> list[Cell]:
    t = targets.get(name)
    if t is None:
        return []
    return [cells.get((t.sheet, r, t.first_col)) or Cell(t.sheet, ref_name(r, t.first_col))
            for r in range(t.first_row, t.last_row + 1)]


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

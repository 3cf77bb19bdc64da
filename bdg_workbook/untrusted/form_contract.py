"""Where the issued form holds every value: the reader reads there, and the file's structure must agree.

A returned workbook is read only at the sheets and cells of the form the ward issued (``layout.department``:
sheet + cell), never through the file's own defined names: a name repointed to a hidden cell or to an added
sheet would otherwise make the collector count a value the department's sheet never shows. The file's
sheets and names must still say what was issued (``check_structure``): a defined name that points elsewhere,
a missing or added sheet, or two sheet names equal once Unicode form and case are ignored is a file-level
error naming both places. ``issued_cells`` is what every cell of a department's issued form holds, read
back from the generator's own output, so every locked cell of a return can be compared with it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Mapping

from bdg_workbook.domain.errors import WorkbookError
from bdg_workbook.domain.model import Department, Setup
from bdg_workbook.domain.submission import Cell
from bdg_workbook.layout.department import (META_FIRST_ROW, META_KEYS, SHEET_META, SHEETS, layout_of, quote_sheet)
from bdg_workbook.untrusted.cells import REF_RE, NameTarget, Package, col_number, read_cells, ref_name
from bdg_workbook.untrusted.container import SafeZip

CODES = ("F32", "F33")
MAX_CONTRACTS = 4
_DIMENSION_RE = re.compile(rb'<dimension ref="\$?([A-Z]{1,3})\$?([0-9]+)(?::\$?([A-Z]{1,3})\$?([0-9]+))?"')

Position = tuple[str, int, int]          # (sheet, row, col), 1-based


@dataclass(frozen=True)
class ReadPlan:
    """What is read from one department's return: every cell by sheet, and the locked area among them."""

    wanted: Mapping[str, set[tuple[int, int]]]       # named cells and the department's issued area
    area: tuple[Position, ...]                       # the issued area less the inputs and the meta values


@dataclass(frozen=True, eq=False)
class FormContract:
    """The issued form of one setup: its sheets, its defined names and the cells the reader takes."""

    setup: Setup
    template_id: str
    template_hash: str
    sheets: tuple[str, ...]
    names: Mapping[str, NameTarget]                  # every issued defined name -> its target
    name_texts: Mapping[str, str]                    # -> the issued reference text ('Chấm điểm'!G20)
    folded: Mapping[str, str]                        # issued names by case-folded name (Excel ignores case)
    inputs: frozenset[Position]                      # the unlocked cells (the department's answers)
    meta_wanted: Mapping[str, set[tuple[int, int]]]  # the meta values, read first
    named: ReadPlan                                  # the named cells only (a department the setup lacks)
    plans: dict[str, ReadPlan] = field(default_factory=dict)

    def plan(self, department_code: str) -> ReadPlan:
        """The cells to read from a return of this department (named cells only for an unknown one)."""
        known = self.plans.get(department_code)
        if known is None:
            dept = next((d for d in self.setup.departments if d.code == department_code), None)
            if dept is None:
                return self.named
            known = self.plans[department_code] = self._department_plan(dept)
        return known

    def _department_plan(self, dept: Department) -> ReadPlan:
        footprint = set(issued_cells(self.setup, dept))
        wanted = {sheet: set(cells) for sheet, cells in self.named.wanted.items()}
        for sheet, row, col in footprint:
            wanted.setdefault(sheet, set()).add((row, col))
        meta_values = {(SHEET_META, r, c) for r, c in self.meta_wanted[SHEET_META]}
        order = {name: i for i, name in enumerate(self.sheets)}
        area = tuple(sorted(footprint - self.inputs - meta_values, key=lambda p: (order.get(p[0], 99), p[1], p[2])))
        return ReadPlan(wanted, area)


_CONTRACTS: dict[int, tuple[Setup, FormContract]] = {}
_ISSUED: dict[tuple[int, str], tuple[Setup, Department, dict[Position, Cell]]] = {}


def form_contract(setup: Setup) -> FormContract:
    """The contract of ``setup``'s issued forms, built once per setup object (read-only for callers)."""
    entry = _CONTRACTS.get(id(setup))
    if entry is None or entry[0] is not setup:
        while len(_CONTRACTS) >= MAX_CONTRACTS:
            _CONTRACTS.pop(next(iter(_CONTRACTS)))
        entry = _CONTRACTS[id(setup)] = (setup, _build_contract(setup))
    return entry[1]


def _build_contract(setup: Setup) -> FormContract:
    lay = layout_of(setup.table)
    names, texts = {}, {}
    for name, (sheet, cell) in lay.names.items():
        target = parse_reference(f"{quote_sheet(sheet)}!{cell}")
        assert target is not None and target.sheet == sheet, name
        names[name], texts[name] = target, describe_target(target)
    inputs = {(names[n].sheet, r, c) for n in (*lay.input_names(), *lay.input_ranges()) for r, c in names[n].cells()}
    wanted: dict[str, set[tuple[int, int]]] = {}
    for target in names.values():
        wanted.setdefault(target.sheet, set()).update(target.cells())
    meta = {(META_FIRST_ROW + i, 2) for i in range(len(META_KEYS))}
    return FormContract(setup, setup.table.template_id, setup.table.content_hash, SHEETS, names, texts,
                        {n.casefold(): n for n in names}, frozenset(inputs), {SHEET_META: meta}, ReadPlan(wanted, ()))


def issued_cells(setup: Setup, dept: Department) -> dict[Position, Cell]:
    """Every cell of the department's issued form (blank ones included, within each sheet's dimension),
    read from the generator's own output (unsigned: the meta values key_id and signature stay blank)."""
    key = (id(setup), dept.code)
    entry = _ISSUED.get(key)
    if entry is None or entry[0] is not setup or entry[1] is not dept:
        from bdg_workbook.workbook.generate import build_workbook   # the generator, only when a form is needed

        while len(_ISSUED) >= 64:
            _ISSUED.pop(next(iter(_ISSUED)))
        entry = _ISSUED[key] = (setup, dept, _read_all(build_workbook(setup, dept)))
    return entry[2]


def _read_all(data: bytes) -> dict[Position, Cell]:
    pkg = Package(SafeZip(data))
    wanted: dict[str, set[tuple[int, int]]] = {}
    for sheet, part in pkg.sheet_parts.items():
        head = pkg.zf.read(part, 4096)
        m = _DIMENSION_RE.search(head)
        if m is None:
            continue
        last_col = col_number((m.group(3) or m.group(1)).decode())
        last_row = int(m.group(4) or m.group(2))
        wanted[sheet] = {(r, c) for r in range(1, last_row + 1) for c in range(1, last_col + 1)}
    return read_cells(pkg, wanted)


# ---------------------------------------------------------------- the file's own structure


def check_structure(pkg: Package, contract: FormContract) -> None:
    """Raise a file-level WorkbookError unless the file's sheets and defined names are those issued.

    The outcome depends only on workbook.xml and its rels, so it is kept with the package structure.
    """
    memo = pkg.memo.get("structure")
    if memo is None or memo[0] is not contract:
        try:
            _check_sheets(pkg, contract)
            _check_names(pkg, contract)
            error = None
        except WorkbookError as exc:
            error = exc
        memo = pkg.memo["structure"] = (contract, error)
    if memo[1] is not None:
        raise WorkbookError(memo[1].code, memo[1].message)


def _check_sheets(pkg: Package, contract: FormContract) -> None:
    folded: dict[str, str] = {}
    for name, _part in pkg.sheet_list:
        key = unicodedata.normalize("NFC", name).casefold()
        if key in folded:
            raise WorkbookError("F33", f"hai trang '{_shown(folded[key])}' và '{_shown(name)}' có tên trùng nhau "
                                       "khi bỏ qua chữ hoa/thường và cách mã hóa dấu tiếng Việt (NFC/NFD); biểu mẫu "
                                       "phát hành chỉ có một trang tên như vậy")
        folded[key] = name
    issued = set(contract.sheets)
    for name, part in pkg.sheet_list:
        if name not in issued:
            near = next((s for s in contract.sheets if unicodedata.normalize("NFC", s).casefold()
                         == unicodedata.normalize("NFC", name).casefold()), None)
            where = f" (biểu mẫu phát hành có trang '{near}', viết khác)" if near else ""
            raise WorkbookError("F33", f"có trang '{_shown(name)}' không thuộc biểu mẫu phát hành{where}; biểu mẫu "
                                       f"gồm các trang: {', '.join(contract.sheets)}")
        if part is None:
            raise WorkbookError("F33", f"trang '{name}' không trỏ tới phần dữ liệu nào trong tệp")
    present = {name for name, _part in pkg.sheet_list}
    missing = [s for s in contract.sheets if s not in present]
    if missing:
        raise WorkbookError("F33", f"thiếu trang '{missing[0]}' của biểu mẫu phát hành"
                                   + (f" (và {len(missing) - 1} trang khác)" if len(missing) > 1 else ""))


def _check_names(pkg: Package, contract: FormContract) -> None:
    by_fold = contract.folded
    seen: set[str] = set()
    for name, local, text in pkg.name_list:
        issued = by_fold.get(name.casefold())
        if issued is None:
            continue       # a name the form does not have: nothing is read through it, no formula uses it
        target = parse_reference(text)
        if target != contract.names[issued]:
            scope = " (tên riêng của một trang)" if local is not None else ""
            raise WorkbookError("F32", f"tên vùng '{_shown(name)}'{scope} trỏ tới {_shown(text) or '(trống)'}, "
                                       f"biểu mẫu phát hành đặt tên này ở {contract.name_texts[issued]}")
        if local is None:
            seen.add(issued)
    missing = [n for n in contract.names if n not in seen]
    if missing:
        raise WorkbookError("F32", f"thiếu tên vùng '{missing[0]}' (biểu mẫu phát hành đặt ở "
                                   f"{contract.name_texts[missing[0]]})"
                                   + (f" và {len(missing) - 1} tên vùng khác" if len(missing) > 1 else ""))


def parse_reference(text: str) -> NameTarget | None:
    """``'Sheet'!$A$1:$B$2`` -> its sheet (exactly as written, quotes undone) and rectangle; None if not that."""
    sheet_part, bang, ref = text.strip().lstrip("=").rpartition("!")
    if not bang or not sheet_part:
        return None
    if sheet_part.startswith("'"):
        if len(sheet_part) < 2 or not sheet_part.endswith("'"):
            return None
        sheet = sheet_part[1:-1].replace("''", "'")
    else:
        sheet = sheet_part
    corners = [REF_RE.match(c) for c in ref.split(":")]
    if not corners or len(corners) > 2 or not all(corners):
        return None
    (c1, r1), (c2, r2) = [(col_number(m.group(1)), int(m.group(2))) for m in (corners[0], corners[-1])]
    return NameTarget(sheet, min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2))


def describe_target(target: NameTarget) -> str:
    """``'Chấm điểm'!G20`` or ``'Minh chứng'!B5:B154``."""
    first = ref_name(target.first_row, target.first_col)
    last = ref_name(target.last_row, target.last_col)
    return f"{quote_sheet(target.sheet)}!{first}" + (f":{last}" if last != first else "")


def _shown(text: str) -> str:
    """A sender-controlled name for a message: control characters dropped, long ones cut, NFD marked."""
    clean = "".join(ch for ch in text if ch.isprintable())[:80]
    if clean != unicodedata.normalize("NFC", clean):
        clean += " [dấu gõ tổ hợp NFD]"
    return clean

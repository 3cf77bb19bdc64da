"""Input values: typed answers per criterion, and the findings for values that are not valid.

Emits: E05, E06, E07, E08, E11, E12, E14, W03, W06, W09.
Two readings come out of one file: ``mirror`` reproduces what the spreadsheet's formulas compute from
the raw cells (to compare with cached results), ``counted`` is what the collector accepts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from bdg_workbook.domain.model import Criterion, Department
from bdg_workbook.domain.scoring import HUNDRED, NO, NOT_APPLICABLE, YES, ItemInput, sheet_equal, sheet_trim
from bdg_workbook.layout.department import NA_LOCKED
from bdg_workbook.domain.submission import Cell
from bdg_workbook.collect.rules.context import FileContext, format_decimal

CODES = ("E05", "E06", "E07", "E08", "E11", "E12", "E14", "E32", "W03", "W06", "W09")
_INT_RE = re.compile(r"^[0-9]+$")
_DEC_RE = re.compile(r"^[0-9]+[.,][0-9]{1,2}$")
_ANY_UNIT = Department(code="", name="", short_name="", header_left=(), header_right="", signer=(), has_seal=False)


@dataclass
class TypedInputs:
    """Both readings of a file's answers."""

    mirror: dict[str, ItemInput] = field(default_factory=dict)
    counted: dict[str, ItemInput] = field(default_factory=dict)


def check_inputs(ctx: FileContext, dept: Department | None = None) -> TypedInputs:
    """Type every criterion's answer; invalid values are reported and not counted.

    Text answers are decided as the sheet's formulas decide them (``TRIM(cell)="Có"``: a pasted NFD "Có" or
    "Có" with a non-breaking space is not "Có" on either side). ``dept`` brings the Ban's rules: its targets
    and which criteria it may mark "Không áp dụng" (without it, the table's defaults).
    """
    dept = dept or _ANY_UNIT
    out = TypedInputs()
    for crit in ctx.setup.table.criteria:
        out.mirror[crit.code], out.counted[crit.code] = _criterion(ctx, crit, dept)
    _check_info(ctx)
    return out


def _cell(ctx: FileContext, name: str) -> Cell | None:
    return ctx.sub.inputs.get(name)


def _is_na(cell: Cell | None) -> bool:
    return cell is not None and sheet_equal(cell.sheet_text, NOT_APPLICABLE)


def _na_choice(ctx: FileContext, crit: Criterion, dept: Department, na_cell: Cell | None) -> tuple[bool, bool]:
    """(N/A as the sheet's formulas see it, N/A as counted)."""
    if na_cell is None or not _is_formula_free(ctx, crit, na_cell):
        return False, False
    seen = _is_na(na_cell)
    if seen and not dept.may_be_na(crit):
        ctx.add("E11", na_cell, criterion=crit.code, reason="Ban không cho phép đơn vị này")
        return True, False
    text = sheet_trim(na_cell.sheet_text)
    if not seen and text and not sheet_equal(text, NA_LOCKED):   # "Áp dụng" (the locked text) is harmless
        ctx.add("E08", na_cell, criterion=crit.code)
    return seen, seen


def _criterion(ctx: FileContext, crit: Criterion, dept: Department) -> tuple[ItemInput, ItemInput]:
    value_cell = _cell(ctx, f"in_{crit.key}_value")
    target_cell = _cell(ctx, f"in_{crit.key}_target")
    mirror_na, na = _na_choice(ctx, crit, dept, _cell(ctx, f"in_{crit.key}_na"))
    if value_cell is None:
        return ItemInput(not_applicable=mirror_na), ItemInput(not_applicable=na)
    mirror = ItemInput(_mirror_value(crit, value_cell), _mirror_number(target_cell), mirror_na)
    if value_cell.formula is not None and value_cell.formula != "":
        ctx.add("E14", value_cell, criterion=crit.code)
        return mirror, ItemInput(not_applicable=na)
    if _is_na(value_cell):   # the sheet reads it as text: no points, and not "not applicable" either
        ctx.add("E11", value_cell, criterion=crit.code, reason="ghi vào ô Thực hiện")
        return mirror, ItemInput(not_applicable=na)
    if mirror_na and not na:   # N/A the Ban does not allow: 0 until answered
        return mirror, ItemInput()
    if na and sheet_trim(value_cell.sheet_text):
        ctx.add("W06", value_cell, criterion=crit.code)
    if na:
        return mirror, ItemInput(not_applicable=True)
    if crit.method == "yesno":
        return mirror, ItemInput(_yes_no(ctx, crit, value_cell))
    value = _number(ctx, crit, value_cell)
    if crit.method == "percent" and value is not None:   # a percentage cell: 85% is held as 0.85
        value = value * HUNDRED
    target = None
    if crit.method == "ratio":
        target = _target(ctx, crit, dept, target_cell, value)
        value, target = _ratio_checks(ctx, crit, value_cell, value, target)
    elif crit.method == "percent" and value is not None and value > HUNDRED:
        ctx.add("E07", value_cell, value=format_decimal(value), criterion=crit.code)
        value = None
    elif crit.method == "count" and value is not None and value != value.to_integral_value():
        ctx.add("E12", value_cell, criterion=crit.code)
        value = None
    return mirror, ItemInput(value, target)


def _target(ctx: FileContext, crit: Criterion, dept: Department, cell: Cell | None,
            value: Decimal | None) -> Decimal | None:
    """The target counted: the Ban's (locked in the form), or the unit's own where it may propose one."""
    ban = dept.target_for(crit)
    if not crit.target_proposable:
        return ban
    if cell is None or cell.formula is not None:
        return None
    own = _number(ctx, crit, cell)
    if own is not None and own > 0 and ban is not None and own < ban and value is not None:
        ctx.add("E32", cell, criterion=crit.code, minimum=format_decimal(ban))
        return None
    return own


def _is_formula_free(ctx: FileContext, crit: Criterion, cell: Cell) -> bool:
    if cell.formula is not None and cell.formula != "":
        ctx.add("E14", cell, criterion=crit.code)
        return False
    return True


def _ratio_checks(ctx: FileContext, crit: Criterion, cell: Cell, value: Decimal | None,
                  target: Decimal | None) -> tuple[Decimal | None, Decimal | None]:
    if value is None:
        return None, target
    if target is None or target <= 0:
        if not any(f.code == "E32" and f.criterion == crit.code for f in ctx.findings):
            ctx.add("E05", cell, criterion=crit.code)
        return None, None
    if value > target:
        ctx.add("W03", cell, criterion=crit.code, value=f"{value}/{target}")
    return value, target


def _yes_no(ctx: FileContext, crit: Criterion, cell: Cell) -> bool | None:
    if not sheet_trim(cell.sheet_text) and not cell.error:
        return None
    if not cell.error and sheet_equal(cell.sheet_text, YES):
        return True
    if not cell.error and sheet_equal(cell.sheet_text, NO):
        return False
    ctx.add("E08", cell, criterion=crit.code)
    return None


def _number(ctx: FileContext, crit: Criterion, cell: Cell | None) -> Decimal | None:
    if cell is None or (cell.value is None and not cell.error):
        return None
    if cell.error:
        ctx.add("E06", cell, criterion=crit.code, reason="giá trị lỗi hoặc không phải số hữu hạn")
        return None
    value = cell.value
    if isinstance(value, bool):
        ctx.add("E06", cell, criterion=crit.code, reason="giá trị TRUE/FALSE, không phải số")
        return None
    if isinstance(value, str):   # the sheet's ISNUMBER is false: no points there, none here
        reason = "số nhập dạng chữ, bảng tính coi là 0" if number_from_text(value) is not None else "chữ trong ô số"
        ctx.add("E06", cell, criterion=crit.code, reason=reason)
        return None
    if value < 0:
        ctx.add("E06", cell, criterion=crit.code, reason="số âm")
        return None
    return value


def number_from_text(text: str) -> Decimal | None:
    """A number typed as text, only where unambiguous: ``12``, ``12,5``, ``12.5`` (not ``1.234``)."""
    text = text.strip()
    if _INT_RE.match(text):
        return Decimal(text)
    if _DEC_RE.match(text):
        return Decimal(text.replace(",", "."))
    return None


def _mirror_value(crit: Criterion, cell: Cell) -> bool | Decimal | None:
    """The value as the spreadsheet's formulas see it (ISNUMBER, TRIM(cell)="Có")."""
    if crit.method == "yesno":
        return True if not cell.error and sheet_equal(cell.sheet_text, YES) else None
    if not isinstance(cell.value, Decimal) or cell.error:
        return None
    return cell.value * HUNDRED if crit.method == "percent" else cell.value


def _mirror_number(cell: Cell | None) -> Decimal | None:
    if cell is None or cell.error or not isinstance(cell.value, Decimal) or isinstance(cell.value, bool):
        return None
    return cell.value


def _check_info(ctx: FileContext) -> None:
    for key, label in (("preparer", "họ tên người lập biểu"), ("head", "họ tên thủ trưởng đơn vị")):
        cell = _cell(ctx, f"info_{key}")
        if cell is not None and cell.value is None:
            ctx.add("W09", cell, field=label)

"""Input values: typed answers per criterion, and the findings for values that are not valid.

Emits: E05, E06, E07, E08, E11, E12, E14, W03, W06, W09.
Two readings come out of one file: ``mirror`` reproduces what the spreadsheet's formulas compute from
the raw cells (to compare with cached results), ``counted`` is what the collector accepts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from bdg_workbook.domain.model import Criterion
from bdg_workbook.domain.scoring import HUNDRED, NO, NOT_APPLICABLE, YES, ItemInput
from bdg_workbook.domain.submission import Cell
from bdg_workbook.collect.rules.context import FileContext, format_decimal, norm_key

CODES = ("E05", "E06", "E07", "E08", "E11", "E12", "E14", "W03", "W06", "W09", "W16")
_INT_RE = re.compile(r"^[0-9]+$")
_DEC_RE = re.compile(r"^[0-9]+[.,][0-9]{1,2}$")
_YES, _NO, _NA = norm_key(YES), norm_key(NO), norm_key(NOT_APPLICABLE)


@dataclass
class TypedInputs:
    """Both readings of a file's answers."""

    mirror: dict[str, ItemInput] = field(default_factory=dict)
    counted: dict[str, ItemInput] = field(default_factory=dict)


def check_inputs(ctx: FileContext) -> TypedInputs:
    """Type every criterion's answer; invalid values are reported and not counted."""
    out = TypedInputs()
    for crit in ctx.setup.table.criteria:
        out.mirror[crit.code], out.counted[crit.code] = _criterion(ctx, crit)
    _check_info(ctx)
    return out


def _cell(ctx: FileContext, name: str) -> Cell | None:
    return ctx.sub.inputs.get(name)


def _criterion(ctx: FileContext, crit: Criterion) -> tuple[ItemInput, ItemInput]:
    value_cell = _cell(ctx, f"in_{crit.key}_value")
    target_cell = _cell(ctx, f"in_{crit.key}_target")
    na_cell = _cell(ctx, f"in_{crit.key}_na")
    na = na_cell is not None and _is_formula_free(ctx, crit, na_cell) and norm_key(na_cell.value) == _NA
    if na_cell is not None and not na and na_cell.value is not None and na_cell.formula is None:
        ctx.add("E08", na_cell, criterion=crit.code)
    if value_cell is None:
        return ItemInput(not_applicable=na), ItemInput(not_applicable=na)
    if value_cell.formula is not None and value_cell.formula != "":
        ctx.add("E14", value_cell, criterion=crit.code)
        mirror = ItemInput(_mirror_value(crit, value_cell), _mirror_number(target_cell), na)
        return mirror, ItemInput(not_applicable=na)
    if norm_key(value_cell.value) == _NA and not crit.allow_na:
        ctx.add("E11", value_cell, criterion=crit.code, section=crit.section)
        return ItemInput(), ItemInput()
    if norm_key(value_cell.value) == _NA:
        na = True
    if na and value_cell.value is not None and norm_key(value_cell.value) != _NA:
        ctx.add("W06", value_cell, criterion=crit.code)
    mirror = ItemInput(_mirror_value(crit, value_cell), _mirror_number(target_cell), na)
    if na:
        return mirror, ItemInput(not_applicable=True)
    if crit.method == "yesno":
        return mirror, ItemInput(_yes_no(ctx, crit, value_cell))
    value = _number(ctx, crit, value_cell)
    target = None
    if crit.method == "ratio":
        target = _number(ctx, crit, target_cell) if target_cell is not None and target_cell.formula is None else None
        value, target = _ratio_checks(ctx, crit, value_cell, value, target)
    elif crit.method == "percent" and value is not None and value > HUNDRED:
        ctx.add("E07", value_cell, criterion=crit.code)
        value = None
    elif crit.method == "count" and value is not None and value != value.to_integral_value():
        ctx.add("E12", value_cell, criterion=crit.code)
        value = None
    return mirror, ItemInput(value, target)


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
        ctx.add("E05", cell, criterion=crit.code)
        return None, None
    if value > target:
        ctx.add("W03", cell, criterion=crit.code, value=f"{value}/{target}")
    return value, target


def _yes_no(ctx: FileContext, crit: Criterion, cell: Cell) -> bool | None:
    key = norm_key(cell.value) if isinstance(cell.value, str) else None
    if cell.value is None and not cell.error:
        return None
    if key == _YES:
        return True
    if key == _NO:
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
    if isinstance(value, str):
        text, value = value, number_from_text(value)
        if value is None:
            ctx.add("E06", cell, criterion=crit.code, reason="chữ trong ô số")
            return None
        ctx.add("W16", cell, value=text, criterion=crit.code, number=format_decimal(value))
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
    """The value as the spreadsheet's formulas see it (ISNUMBER, ="Có")."""
    if crit.method == "yesno":
        return True if isinstance(cell.value, str) and norm_key(cell.value) == _YES else None
    return cell.value if isinstance(cell.value, Decimal) and not cell.error else None


def _mirror_number(cell: Cell | None) -> Decimal | None:
    if cell is None or cell.error or not isinstance(cell.value, Decimal) or isinstance(cell.value, bool):
        return None
    return cell.value


def _check_info(ctx: FileContext) -> None:
    for key, label in (("preparer", "họ tên người lập biểu"), ("head", "họ tên thủ trưởng đơn vị")):
        cell = _cell(ctx, f"info_{key}")
        if cell is not None and cell.value is None:
            ctx.add("W09", cell, field=label)

"""Integrity of a returned workbook: locked content as issued, cached formula results as recomputed.

Emits: E13 (locked text, maximum or formula edited), W04 (a cached result differs from the recomputation).
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal
from functools import lru_cache
from typing import Mapping

from bdg_workbook.layout.department import layout_of
from bdg_workbook.workbook.locked import expected_locked_content, formula_values, score_cell_names
from bdg_workbook.domain.model import Department
from bdg_workbook.domain.scoring import ScoreCard, excel_round
from bdg_workbook.domain.submission import Cell
from bdg_workbook.collect.rules.context import FileContext, describe, format_decimal, norm_key

CODES = ("E13", "W04")
_STRING_RE = re.compile(r'("(?:[^"]|"")*")')


@lru_cache(maxsize=4096)   # the same formulas come back in every file
def normalise_formula(text: str) -> str:
    """Formula text compared across Excel, LibreOffice and WPS spellings (case, spaces, $ and _xlfn.)."""
    text = unicodedata.normalize("NFC", text.lstrip("="))
    parts = _STRING_RE.split(text)
    out = []
    for i, part in enumerate(parts):
        if i % 2:
            out.append(part)
        else:
            out.append(re.sub(r"\s+", "", part).replace("$", "").replace("_xlfn.", "").upper())
    return "".join(out)


def check_locked(ctx: FileContext, dept: Department) -> None:
    """Every locked cell (criterion text, maximum, formula, unit code) must hold what was issued."""
    expected = expected_locked_content(ctx.setup, dept)
    sub = ctx.sub
    for name, want in expected.items():
        cell = sub.locked.get(name) or sub.computed.get(name) or sub.inputs.get(name)
        if cell is None:
            ctx.add("E13", None, value="(không có)", name=name, expected=_short(want))
            continue
        if want.startswith("="):
            if cell.formula == "<shared>":
                continue
            if cell.formula is None or normalise_formula(cell.formula) != normalise_formula(want):
                ctx.add("E13", cell, name=name, expected=_short(want))
        elif name.startswith("max_"):
            if not (isinstance(cell.value, Decimal) and cell.value == Decimal(want)) or cell.formula:
                ctx.add("E13", cell, name=name, expected=want)
        elif norm_key(cell.value) != norm_key(want) or cell.formula:
            ctx.add("E13", cell, name=name, expected=_short(want))


def check_cached(ctx: FileContext, card: ScoreCard, evidence_counts: Mapping[str, int]) -> None:
    """Cached formula results must equal the recomputation from the raw inputs (never trusted)."""
    lay = layout_of(ctx.setup.table)
    names = score_cell_names(lay)
    for address, want in formula_values(lay, card, evidence_counts).items():
        name = names.get(address)
        cell = ctx.sub.computed.get(name) if name else None
        if cell is None or (cell.value is None and not cell.error):
            continue  # absent (reported as E13) or never calculated (saved by a non-calculating app)
        if not _same(cell, want):
            shown = format_decimal(want) if isinstance(want, Decimal) else want
            ctx.add("W04", cell, name=name, expected=shown)


def _same(cell: Cell, want: Decimal | str) -> bool:
    if cell.error:
        return False
    if isinstance(want, str):
        return norm_key(cell.value) == norm_key(want)
    if not isinstance(cell.value, Decimal):
        return False
    return excel_round(cell.value) == excel_round(want)


def _short(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


__all__ = ["CODES", "check_locked", "check_cached", "normalise_formula", "describe"]

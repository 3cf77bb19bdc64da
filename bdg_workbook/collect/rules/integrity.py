"""Integrity of a returned workbook: every locked cell as issued, cached formula results as recomputed.

Emits: E13 (locked text, maximum or formula edited), W04 (a cached result differs from the recomputation).
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal
from functools import lru_cache
from typing import Mapping

from bdg_workbook.layout.department import layout_of
from bdg_workbook.untrusted.cells import ref_name
from bdg_workbook.untrusted.form_contract import issued_cells
from bdg_workbook.workbook.locked import expected_locked_content, formula_values, score_cell_names
from bdg_workbook.domain.model import Department
from bdg_workbook.domain.scoring import ScoreCard, excel_round
from bdg_workbook.domain.submission import Cell
from bdg_workbook.collect.rules.context import FileContext, describe, format_decimal, norm_key

CODES = ("E13", "W04")
MAX_AREA_FINDINGS = 25      # edited cells reported one by one; the rest in one finding
MAX_FORMULA_CHARS = 8192    # Excel's formula limit: a longer text is compared as it is (it cannot be the issued one)
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
    joined = "".join(out)
    return _double_negation(joined) if len(joined) <= MAX_FORMULA_CHARS else joined


_PRIMARY_RE = re.compile(r"[A-Z0-9_.:!'#]*")


def _double_negation(text: str) -> str:
    """``-(-X)`` written as ``--X`` when X is one operand (a call, a reference, a bracket): Gnumeric saves
    Excel's ``SUMPRODUCT(--(A=B))`` as ``SUMPRODUCT(-(-(A=B)))``, the same formula."""
    start = text.find("-(-")
    while start >= 0:
        close = _closing(text, start + 1)
        inner = text[start + 3:close] if close is not None else ""
        if inner and _is_operand(inner):
            text = text[:start] + "--" + inner + text[close + 1:]
        start = text.find("-(-", start + 1)
    return text


def _closing(text: str, opening: int) -> int | None:
    """Index of the bracket closing ``text[opening]`` (string literals skipped), or None."""
    depth, quoted = 0, False
    for i in range(opening, len(text)):
        ch = text[i]
        if ch == '"':
            quoted = not quoted
        elif quoted:
            continue
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return i
    return None


def _is_operand(text: str) -> bool:
    """A name, reference or number, optionally called (``F(…)``), or one bracketed expression."""
    head = _PRIMARY_RE.match(text).end()
    if head == len(text):
        return True
    return text[head] == "(" and _closing(text, head) == len(text) - 1


def check_locked(ctx: FileContext, dept: Department) -> None:
    """Every locked cell must hold what was issued: the named ones (criterion text, maximum, formula, unit
    code) by name, then every other cell of the issued form's area (column A, D, E, headers, guide sheet…)."""
    expected = expected_locked_content(ctx.setup, dept)
    sub = ctx.sub
    checked: set[tuple[str, str]] = set()
    for name, want in expected.items():
        cell = sub.locked.get(name) or sub.computed.get(name) or sub.inputs.get(name)
        if cell is None:
            ctx.add("E13", None, value="(không có)", name=name, expected=_short(want))
            continue
        checked.add((cell.sheet, cell.ref))
        if want.startswith("="):
            if cell.formula is None or normalise_formula(cell.formula) != normalise_formula(want):
                ctx.add("E13", cell, name=name, expected=_short(want))
        elif name.startswith("max_"):
            if not (isinstance(cell.value, Decimal) and cell.value == Decimal(want)) or cell.formula:
                ctx.add("E13", cell, name=name, expected=want)
        elif norm_key(cell.value) != norm_key(want) or cell.formula:
            ctx.add("E13", cell, name=name, expected=_short(want))
    if sub.area:
        _check_area(ctx, dept, checked)


def _check_area(ctx: FileContext, dept: Department, checked: set[tuple[str, str]]) -> None:
    """Each cell of the issued area (inputs and meta values aside) as issued: same formula, value or blank."""
    issued = issued_cells(ctx.setup, dept)
    edited = []
    for position, got in ctx.sub.area.items():
        want = issued.get(position)
        if want is None:
            want = _blank(position)
        if got == want or (got.sheet, got.ref) in checked or _same_locked(got, want):
            continue
        edited.append((got, want))
    for got, want in edited[:MAX_AREA_FINDINGS]:
        ctx.add("E13", got, value=describe(got) or "(ô trống)", name=got.ref,
                expected=_short(describe(want)) or "(ô trống)")
    if len(edited) > MAX_AREA_FINDINGS:
        rest = edited[MAX_AREA_FINDINGS:]
        ctx.add("E13", None, value=f"{len(rest)} ô khác", name=", ".join(f"{c.sheet}!{c.ref}" for c, _w in rest[:5])
                + (", …" if len(rest) > 5 else ""), expected="như biểu mẫu phát hành")


def _blank(position: tuple[str, int, int]) -> Cell:
    return Cell(position[0], ref_name(position[1], position[2]))


def _same_locked(got: Cell, want: Cell) -> bool:
    """A locked cell as issued: the same formula (spelling aside; its cached result is W04's business), or
    no formula and the same number, text (case and spacing aside) or blank."""
    if want.formula:
        return got.formula is not None and normalise_formula(got.formula) == normalise_formula(want.formula)
    if got.formula or got.error:
        return False
    if want.value is None:
        return got.value is None
    if isinstance(want.value, Decimal) or isinstance(got.value, Decimal):
        return isinstance(want.value, Decimal) and isinstance(got.value, Decimal) and got.value == want.value
    return norm_key(got.value) == norm_key(want.value)


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
            ctx.add("W04", cell, value=_cached(cell), name=name, expected=shown)


def _cached(cell: Cell) -> str:
    """The result a formula cell holds as saved (what the sheet showed), not its formula text."""
    if cell.error:
        return cell.error
    if isinstance(cell.value, Decimal):
        return format_decimal(cell.value)
    if isinstance(cell.value, bool):
        return "TRUE" if cell.value else "FALSE"
    return "" if cell.value is None else str(cell.value)


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

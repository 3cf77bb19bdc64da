"""Shared formulas (``<f t="shared" si=..>``) expanded: a dependant's formula is its master's, shifted.

Excel (and other programs) store a block of similar formulas once: the master cell holds the text with
``t="shared"``, ``ref`` and ``si``; every other cell of the block holds ``<f t="shared" si=".."/>`` and means
the master's formula with each relative reference moved by the distance between the two cells (``$``
parts stay). References inside string literals and function names that look like cells (``LOG10(``) are
left alone; a reference moved off the sheet becomes ``#REF!``, as in Excel.
"""

from __future__ import annotations

import re

from bdg_workbook.layout.department import col_index, col_letter

MAX_ROW, MAX_COL = 1_048_576, 16_384
SHARED_UNKNOWN = "<shared>"            # a shared formula whose master cell was not read (or is too long)
MAX_FORMULA_CHARS = 8192               # Excel's limit: a longer master is no formula a spreadsheet wrote

# a string literal or a quoted sheet name: copied as they are
_LITERAL_RE = re.compile(r'("(?:[^"]|"")*"|\'(?:[^\']|\'\')*\')')
# a cell (A1, $A$1), a whole-column range (A:C) or a whole-row range (1:3), not part of a longer name
_REF_RE = re.compile(
    r"(?<![A-Za-z0-9_.\\])(?:"
    r"(\$?)([A-Za-z]{1,3})(\$?)([0-9]{1,7})(?![A-Za-z0-9_(\\.])"
    r"|(\$?)([A-Za-z]{1,3}):(\$?)([A-Za-z]{1,3})(?![A-Za-z0-9_(\\.])"
    r"|(\$?)([0-9]{1,7}):(\$?)([0-9]{1,7})(?![A-Za-z0-9_(\\.])"
    r")")


def shift_formula(text: str, rows: int, cols: int) -> str:
    """``text`` (a master's formula) as it reads ``rows`` down and ``cols`` right of its master."""
    if not rows and not cols:
        return text
    parts = _LITERAL_RE.split(text)
    for i in range(0, len(parts), 2):
        parts[i] = _REF_RE.sub(lambda m: _shift(m, rows, cols), parts[i])
    return "".join(parts)


def _shift(m: re.Match, rows: int, cols: int) -> str:
    if m.group(2) is not None:
        col = _moved_col(m.group(1), m.group(2), cols)
        row = _moved_row(m.group(3), m.group(4), rows)
        return "#REF!" if col is None or row is None else f"{m.group(1)}{col}{m.group(3)}{row}"
    if m.group(6) is not None:
        first, last = _moved_col(m.group(5), m.group(6), cols), _moved_col(m.group(7), m.group(8), cols)
        return "#REF!" if first is None or last is None else f"{m.group(5)}{first}:{m.group(7)}{last}"
    first, last = _moved_row(m.group(9), m.group(10), rows), _moved_row(m.group(11), m.group(12), rows)
    return "#REF!" if first is None or last is None else f"{m.group(9)}{first}:{m.group(11)}{last}"


def _moved_col(dollar: str, letters: str, cols: int) -> str | None:
    if dollar:
        return letters
    number = col_index(letters.upper()) + 1 + cols
    return col_letter(number - 1) if 1 <= number <= MAX_COL else None


def _moved_row(dollar: str, digits: str, rows: int) -> str | None:
    if dollar:
        return digits
    number = int(digits) + rows
    return str(number) if 1 <= number <= MAX_ROW else None


def shared_masters(raw: dict[tuple[int, int], tuple]) -> dict[str, tuple[int, int, str]]:
    """Shared-formula index -> (row, col, text) of the cell holding the text (the first such cell), from the
    ``(kind, value, formula)`` tuples of one sheet, where a shared formula is ``("shared", si, text)``."""
    masters: dict[str, tuple[int, int, str]] = {}
    for (row, col), (_kind, _value, formula) in sorted(raw.items()):
        if formula.__class__ is tuple and formula[2] and formula[1] not in masters:
            masters[formula[1]] = (row, col, formula[2])
    return masters


def expand_shared(formula: tuple[str, str, str], row: int, col: int,
                  masters: dict[str, tuple[int, int, str]]) -> str:
    """The text of a shared formula at (row, col); ``SHARED_UNKNOWN`` when its master was not read."""
    _shared, index, text = formula
    if text:
        return text
    master = masters.get(index)
    if master is None or len(master[2]) > MAX_FORMULA_CHARS:
        return SHARED_UNKNOWN
    return shift_formula(master[2], row - master[0], col - master[1])

"""Judging one review cell: is the officer's "Điểm thẩm định" a usable edit? (pure; no spreadsheet library)."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from decimal import Decimal

from bdg_workbook.domain.numbers import format_points
from bdg_workbook.domain.model import Criterion
from bdg_workbook.domain.scoring import NOT_APPLICABLE, excel_round
from bdg_workbook.domain.submission import Cell

CODES = ("R01", "R02", "R03", "R04", "R09", "R11", "R12", "R20")


@dataclass(frozen=True)
class Verdict:
    """What to do with one review cell: the points to use, and the finding code (with its value) if any."""

    points: Decimal
    code: str = ""
    found: str = ""
    reason: str = ""

    @property
    def changed(self) -> bool:
        """True when an edit is applied (finding R11, or R20: a "Không áp dụng" overturned)."""
        return self.code in ("R11", "R20")

    @property
    def overturns_na(self) -> bool:
        """True when the unit's "Không áp dụng" is overturned: the criterion is scored with ``points``."""
        return self.code == "R20"


def is_not_applicable_text(cell: Cell | None) -> bool:
    """The cell says "Không áp dụng" (any case, spacing or Unicode form)."""
    return cell is not None and isinstance(cell.value, str) and \
        " ".join(unicodedata.normalize("NFC", cell.value).casefold().split()) == NOT_APPLICABLE.casefold()


def cell_text(cell: Cell | None) -> str:
    """The text of a reason cell, trimmed ('' for blank; numbers as typed)."""
    if cell is None or cell.value is None:
        return ""
    value = cell.value
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    return " ".join(str(value).split())


def judge(crit: Criterion, before: Decimal, cell: Cell | None, reason_cell: Cell | None,
          not_applicable: bool) -> Verdict:
    """The verdict on one "Điểm thẩm định" cell; ``before`` is the prefilled value (the points in force).

    For a criterion the unit marked "Không áp dụng" (``not_applicable``: still in force) the cell is prefilled
    with that text: left so (or 0 without a reason) it stays not applicable; a number from 0 to the maximum
    with a reason overturns it (R20) and the criterion is scored with that number."""
    if cell is None or cell.is_blank:
        return Verdict(before, "R09")
    if cell.formula is not None:
        return Verdict(before, "R03", "=" + cell.formula.lstrip("="))
    if not_applicable and is_not_applicable_text(cell):
        return Verdict(before)
    value = cell.value
    if cell.error or not isinstance(value, Decimal) or isinstance(value, bool) or not value.is_finite():
        shown = cell.error or cell_text(cell) or str(value)
        return Verdict(before, "R01", shown)
    if value < 0 or value > crit.max:
        return Verdict(before, "R02", format(value.normalize(), "f"))
    after = excel_round(value)
    reason = cell_text(reason_cell)
    if not_applicable:
        if not reason:
            return Verdict(before) if after == before else Verdict(before, "R12", format_points(after))
        return Verdict(after, "R20", format_points(after), reason)
    if after == before:
        return Verdict(before)
    if not reason:
        return Verdict(before, "R04", format_points(after))
    return Verdict(after, "R11", format_points(after), reason)

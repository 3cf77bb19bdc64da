"""What every rule gets: the submission being checked, the setup, and a Finding factory located in it."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import Any

from bdg_workbook.domain.findings import Finding, make
from bdg_workbook.domain.model import Setup
from bdg_workbook.domain.submission import Cell, Submission

EXCEL_EPOCH = dt.date(1899, 12, 30)
_DATE_RES = (
    (re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$"), ("d", "m", "y")),
    (re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ].*)?$"), ("y", "m", "d")),
)


@dataclass
class FileContext:
    """One submission under check, with the findings collected so far."""

    setup: Setup
    sub: Submission
    findings: list[Finding] = field(default_factory=list)

    @property
    def department(self) -> str:
        """Department code of the file."""
        return self.sub.department

    def add(self, code: str, cell: Cell | None = None, value: Any = None, criterion: str = "", **params: Any) -> None:
        """Record a finding located at ``cell`` of this file."""
        shown = value if value is not None else (describe(cell) if cell is not None else "")
        self.findings.append(make(code, department=self.department, file=self.sub.display_name,
                                  sheet=cell.sheet if cell else "", cell=cell.ref if cell else "",
                                  value=shown, criterion=criterion, **params))


def describe(cell: Cell) -> str:
    """The value of a cell as the user would see it."""
    if cell.formula is not None and cell.formula != "":
        return "=" + cell.formula
    if cell.error:
        return str(cell.value) if cell.value is not None else cell.error
    if isinstance(cell.value, Decimal):
        return format_decimal(cell.value)
    if isinstance(cell.value, bool):
        return "TRUE" if cell.value else "FALSE"
    return "" if cell.value is None else str(cell.value)


def format_decimal(value: Decimal) -> str:
    """Decimal without exponent or trailing zeros."""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def norm_key(text: Any) -> str:
    """Comparison key of a text: NFC, case-folded, spaces collapsed."""
    if text is None:
        return ""
    if isinstance(text, str):
        return _norm_text(text)
    if isinstance(text, Decimal):
        text = format_decimal(text)
    return " ".join(unicodedata.normalize("NFC", str(text)).casefold().split())


@lru_cache(maxsize=4096)   # criterion texts and codes come back in every file
def _norm_text(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


def cell_date(cell: Cell) -> dt.date | None:
    """A date typed as an Excel serial number or as dd/mm/yyyy or yyyy-mm-dd text; None if not a date."""
    value = cell.value
    if isinstance(value, Decimal) and not isinstance(value, bool):
        if 1 <= value <= 2958465:
            return EXCEL_EPOCH + dt.timedelta(days=int(value))
        return None
    if isinstance(value, str):
        for pattern, order in _DATE_RES:
            m = pattern.match(value.strip())
            if m:
                parts = dict(zip(order, (int(g) for g in m.groups())))
                try:
                    return dt.date(parts["y"], parts["m"], parts["d"])
                except ValueError:
                    return None
    return None

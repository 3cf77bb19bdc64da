"""What the reader extracts from one returned workbook: raw inputs with their cell addresses, no judgement."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True)
class Cell:
    """One raw cell as found in the file: normalised value, formula text if any, and where it was."""

    sheet: str
    ref: str
    value: str | Decimal | bool | None = None
    formula: str | None = None
    error: str | None = None          # '#DIV/0!' etc. for error cells
    # text exactly as the spreadsheet holds it (before NFC, trimming, control characters removed): the
    # scoring rules compare it as the sheet's formulas do (``scoring.sheet_equal``); None for non-text cells
    raw: str | None = field(default=None, compare=False)

    def text(self) -> str:
        """The value as text, as a meta cell is compared: numbers without a trailing ``.0``."""
        value = self.value
        if value is None:
            return ""
        if isinstance(value, bool):
            return "TRUE" if value else "FALSE"
        if isinstance(value, Decimal):
            return format(value.normalize(), "f") if value == value.to_integral_value() else format(value, "f")
        return str(value)

    @property
    def sheet_text(self) -> str:
        """The text the sheet's formulas see (raw when known), for text and number cells alike."""
        if self.raw is not None:
            return self.raw
        value = self.value
        if isinstance(value, Decimal) and not isinstance(value, bool):
            return self.text()
        return value if isinstance(value, str) else ""

    @property
    def is_blank(self) -> bool:
        """True when the cell holds nothing (no value, no formula)."""
        return self.value is None and self.formula is None and self.error is None


@dataclass(frozen=True)
class EvidenceRow:
    """One line of the evidence register."""

    row: int
    code: Cell
    title: Cell
    doc: Cell
    date: Cell
    issuer: Cell
    file: Cell
    note: Cell


@dataclass(frozen=True)
class BonusClaim:
    """One line of the bonus justification sheet; ``fields`` by justification key."""

    row: int
    code: Cell
    name: Cell
    fields: dict[str, Cell]
    doc: Cell


@dataclass
class Submission:
    """Everything read from one returned workbook, by defined name."""

    path: str
    display_name: str
    sha256: str
    size: int
    mtime: float
    meta: dict[str, str]
    inputs: dict[str, Cell]              # defined name (in_*, info_*) -> cell
    computed: dict[str, Cell]            # defined name (pts_*, total, …) -> cell with cached value + formula
    locked: dict[str, Cell]              # defined name (txt_*, max_*) -> cell
    evidence: list[EvidenceRow] = field(default_factory=list)
    bonus: list[BonusClaim] = field(default_factory=list)
    # every other cell of the issued form's area (sheet, row, col) -> cell: the locked cells, compared
    # with the issued form by the integrity rule (inputs and meta values are not in it)
    area: dict[tuple[str, int, int], Cell] = field(default_factory=dict)

    @property
    def department(self) -> str:
        """Department code from the meta sheet."""
        return self.meta.get("department_code", "")

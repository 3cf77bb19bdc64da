"""Department-independent pieces of the workbook, computed once per run: formulas, cached values, row heights."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from bdg_workbook.workbook.formulas import all_formulas, bonus_complete_formula
from bdg_workbook.workbook.styles import row_height
from bdg_workbook.layout.department import BONUS_FIRST_ROW, BONUS_ROWS, SCORE_COLUMNS, Layout, col_index
from bdg_workbook.workbook.locked import blank_score, expected_locked_content, formula_values, number_text
from bdg_workbook.domain.model import METHOD_LABELS, Criterion, Department, Setup
from bdg_workbook.domain.scoring import ScoreCard

DEFAULT_MOVEMENT = "Vì sự tiến bộ của phụ nữ và Bình đẳng giới"

# scoring sheet column widths (characters of the Normal font), A..N
SCORE_WIDTHS = dict(zip(SCORE_COLUMNS, (7, 40, 7, 9, 12, 8, 9, 10, 8, 9, 9, 9, 24, 26)))
_NO_DEPARTMENT = Department(code="", name="", short_name="", header_left=(), header_right="", signer=(),
                            has_seal=False)


@dataclass(frozen=True)
class Plan:
    """Everything about a season's workbook that does not depend on the department."""

    setup: Setup
    lay: Layout
    formulas: dict[str, str]
    values: dict[str, Decimal | str]
    card: ScoreCard
    row_heights: dict[int, float]
    bonus_formulas: dict[int, str]
    movement: str
    locked_content: dict[str, str]      # expected_locked_content less the department's code and name

    @property
    def year(self) -> int:
        """Season year."""
        return self.setup.config.year


def build_plan(setup: Setup) -> Plan:
    """Compute the department-independent pieces once."""
    lay = Layout(setup.table)
    card = blank_score(setup.table)
    heights: dict[int, float] = {}
    for crit in setup.table.criteria:
        heights[lay.criterion_rows[crit.code]] = row_height([
            (crit.text, SCORE_WIDTHS["B"]), (METHOD_LABELS[crit.method], SCORE_WIDTHS["D"]),
            (unit_text(crit), SCORE_WIDTHS["E"]), ("; ".join(crit.evidence), SCORE_WIDTHS["N"]),
        ])
    for sec in setup.table.sections:
        heights[lay.section_rows[sec.code]] = row_height([(sec.title, SCORE_WIDTHS["B"])])
    bonus = {r: bonus_complete_formula(lay, r) for r in range(BONUS_FIRST_ROW, BONUS_FIRST_ROW + BONUS_ROWS)}
    return Plan(setup, lay, all_formulas(lay), formula_values(lay, card), card, heights, bonus,
                movement_name(setup.table.title), expected_locked_content(setup, _NO_DEPARTMENT))


def movement_name(title: str) -> str:
    """The movement's name: the quoted part of the table title, or the default name."""
    match = re.search(r"[\"“]([^\"”]+)[\"”]", title)
    return match.group(1).strip() if match else DEFAULT_MOVEMENT


def unit_text(crit: Criterion) -> str:
    """Unit column text; count items also say how many points one occurrence is worth."""
    if crit.method != "count":
        return crit.unit
    return f"{number_text(crit.points_each)} điểm/{crit.unit or 'lần'}"


def cell_rc(cell: str) -> tuple[int, int]:
    """0-based (row, col) of an ``A1`` address."""
    letters = "".join(ch for ch in cell if ch.isalpha())
    return int(cell[len(letters):]) - 1, col_index(letters)


def excel_number(value: Decimal | int) -> int | float:
    """A Decimal as the int/float xlsxwriter writes as a cached number."""
    value = Decimal(value)
    return int(value) if value == value.to_integral_value() else float(value)

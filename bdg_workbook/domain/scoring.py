"""The scoring rules (DESIGN.md §3) as pure functions over Decimals.

The generator's Excel formulas (``formulas.py``) mirror these functions cell by cell; a test
recalculates generated workbooks in LibreOffice and compares every result with this module.
"""

from __future__ import annotations

import decimal
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Collection, Mapping

from bdg_workbook.domain.model import Criterion, CriteriaTable

ZERO = Decimal(0)
HUNDRED = Decimal(100)
YES = "Có"
NO = "Không"
NOT_APPLICABLE = "Không áp dụng"
_CTX = decimal.Context(prec=50, rounding=decimal.ROUND_HALF_UP)


def excel_round(value: Decimal, places: int = 2) -> Decimal:
    """Round half away from zero, like Excel's ROUND (Python's round() is banker's rounding)."""
    return _CTX.quantize(value, Decimal(1).scaleb(-places))


@dataclass(frozen=True)
class ItemInput:
    """Raw answer for one criterion, already typed: ``value`` is a bool (yes/no) or a Decimal."""

    value: bool | Decimal | None = None
    target: Decimal | None = None
    not_applicable: bool = False


@dataclass(frozen=True)
class ItemScore:
    """Points of one criterion: completion % and points, before and after exclusion by the rules."""

    completion_pct: Decimal
    formula_points: Decimal
    points: Decimal
    applicable: bool


@dataclass(frozen=True)
class SectionScore:
    """Sum of a section's items, the capped value and the max of its applicable items."""

    raw: Decimal
    capped: Decimal
    applicable_max: Decimal


@dataclass(frozen=True)
class ScoreCard:
    """Every computed number of one department's sheet."""

    items: dict[str, ItemScore]
    sections: dict[str, SectionScore]
    base_raw: Decimal
    applicable_max: Decimal
    base: Decimal
    bonus_raw: Decimal
    bonus: Decimal
    penalty_raw: Decimal
    penalty: Decimal
    total: Decimal
    rating: str
    excluded: dict[str, str] = field(default_factory=dict)
    # the answers scored (value and target as counted), for showing target and result side by side; empty
    # for cards built from points (``score_points``)
    inputs: dict[str, ItemInput] = field(default_factory=dict, compare=False)

    def section_points(self, code: str) -> Decimal:
        """Capped points of a section (I..V)."""
        return self.sections[code].capped


def completion_pct(crit: Criterion, inp: ItemInput) -> Decimal:
    """Completion in percent (0..100) as the sheet's "Tỷ lệ (%)" column shows it."""
    if inp.not_applicable and crit.allow_na:
        return ZERO
    if crit.method == "yesno":
        return HUNDRED if inp.value is True else ZERO
    value = _number(inp.value)
    if value is None:
        return ZERO
    if crit.method == "ratio":
        target = _number(inp.target)
        if target is None or target <= 0:
            return ZERO
        return excel_round(_CTX.multiply(min(Decimal(1), _CTX.divide(max(ZERO, value), target)), HUNDRED))
    if crit.method == "percent":
        return min(HUNDRED, max(ZERO, value))
    # count: share of the item cap reached
    return excel_round(_CTX.divide(_CTX.multiply(count_points(crit, value), HUNDRED), crit.max))


def item_points(crit: Criterion, inp: ItemInput) -> Decimal:
    """Points of one criterion from its raw answer (no evidence or one-time rules applied)."""
    if inp.not_applicable and crit.allow_na:
        return ZERO
    if crit.method == "yesno":
        return crit.max if inp.value is True else ZERO
    value = _number(inp.value)
    if value is None:
        return ZERO
    if crit.method == "ratio":
        target = _number(inp.target)
        if target is None or target <= 0:
            return ZERO
        share = min(Decimal(1), _CTX.divide(max(ZERO, value), target))
        return excel_round(_CTX.multiply(crit.max, share))
    if crit.method == "percent":
        return excel_round(_CTX.divide(_CTX.multiply(crit.max, min(HUNDRED, max(ZERO, value))), HUNDRED))
    return count_points(crit, value)


def count_points(crit: Criterion, value: Decimal) -> Decimal:
    """min(item cap, occurrences × points each)."""
    return excel_round(min(crit.max, _CTX.multiply(max(ZERO, value), crit.points_each or ZERO)))


def _number(value: object) -> Decimal | None:
    if isinstance(value, Decimal) and value.is_finite():
        return value
    return None


def score(table: CriteriaTable, inputs: Mapping[str, ItemInput], excluded: Mapping[str, str] | None = None) -> ScoreCard:
    """Score one department. ``excluded`` maps criterion codes the rules refused to a reason: they count 0."""
    excluded = dict(excluded or {})
    items: dict[str, ItemScore] = {}
    for crit in table.criteria:
        inp = inputs.get(crit.code, ItemInput())
        formula = item_points(crit, inp)
        counted = ZERO if crit.code in excluded else formula
        applicable = not (inp.not_applicable and crit.allow_na)
        items[crit.code] = ItemScore(completion_pct(crit, inp), formula, counted, applicable)
    card = score_items(table, items, excluded)
    card.inputs.update({code: inp for code, inp in inputs.items() if code in items})
    return card


def score_points(table: CriteriaTable, points: Mapping[str, Decimal],
                 not_applicable: Collection[str] = ()) -> ScoreCard:
    """Score a department from given per-item points (e.g. the ward's verified points) instead of raw answers."""
    items: dict[str, ItemScore] = {}
    for crit in table.criteria:
        pts = points.get(crit.code, ZERO)
        applicable = not (crit.code in not_applicable and crit.allow_na)
        pct = ZERO
        if applicable and crit.max > 0:
            pct = excel_round(_CTX.divide(_CTX.multiply(pts, HUNDRED), crit.max))
        items[crit.code] = ItemScore(pct, pts, pts, applicable)
    return score_items(table, items)


def score_items(table: CriteriaTable, items: Mapping[str, ItemScore],
                excluded: Mapping[str, str] | None = None) -> ScoreCard:
    """Sections (capped), base (N/A normalised), capped bonus and deductions, total and rating from item scores."""
    items = dict(items)
    sections: dict[str, SectionScore] = {}
    for sec in table.sections:
        raw = sum((items[c.code].points for c in sec.criteria), ZERO)
        app_max = sum((c.max for c in sec.criteria if items[c.code].applicable), ZERO)
        if sec.kind == "base":
            app_max = max(app_max, applicable_floor(table, sec.max))
        sections[sec.code] = SectionScore(raw, min(sec.max, raw), app_max)

    base_secs = table.sections_of("base")
    base_raw = sum((sections[s.code].capped for s in base_secs), ZERO)
    applicable_max = sum((sections[s.code].applicable_max for s in base_secs), ZERO)
    base = normalised_base(base_raw, applicable_max, table.base_max)
    bonus_sec, penalty_sec = table.sections_of("bonus")[0], table.sections_of("penalty")[0]
    bonus_raw, bonus = sections[bonus_sec.code].raw, sections[bonus_sec.code].capped
    penalty_raw, penalty = sections[penalty_sec.code].raw, sections[penalty_sec.code].capped
    total = max(ZERO, excel_round(base + bonus - penalty))
    return ScoreCard(items, sections, base_raw, applicable_max, base, bonus_raw, bonus, penalty_raw, penalty,
                     total, rating(table, total, items, sections), dict(excluded or {}))


def target_and_result(crit: Criterion, inp: ItemInput | None) -> str:
    """``thực hiện 3/4 cuộc``-style text of a criterion's answer ("" when there is nothing to show)."""
    if inp is None or inp.not_applicable or crit.method == "yesno" or not isinstance(inp.value, Decimal):
        return ""
    value = format(inp.value.normalize(), "f")
    if crit.method == "ratio":
        target = format(inp.target.normalize(), "f") if isinstance(inp.target, Decimal) else "?"
        return f"thực hiện {value}/chỉ tiêu {target} {crit.unit}".strip()
    return f"thực hiện {value}{'%' if crit.method == 'percent' else ' ' + (crit.unit or 'lần')}"


def applicable_floor(table: CriteriaTable, section_max: Decimal) -> Decimal:
    """The least a base section's applicable maximum counts for (``min_applicable_pct`` of its max; 0 if unset)."""
    pct = table.na_min_applicable_pct
    if not pct:
        return ZERO
    return _CTX.divide(_CTX.multiply(section_max, pct), HUNDRED)


def evidence_decision(crit: Criterion, inp: ItemInput, points: Decimal, evidence: int,
                      reused: int) -> tuple[ItemInput, Decimal, str]:
    """A base criterion's counted input and points from its valid evidence rows and how many back another one.

    Points need evidence (else E02). A document already backing an earlier criterion is scored there once
    (E03): a count item loses one occurrence per reused document, any other item only when no other
    evidence remains.
    """
    if points <= 0:
        return inp, points, ""
    if evidence <= 0:
        return ItemInput(), ZERO, "E02"
    if reused <= 0:
        return inp, points, ""
    if crit.method == "count" and isinstance(inp.value, Decimal):
        less = ItemInput(max(ZERO, inp.value - reused), inp.target, inp.not_applicable)
        return less, item_points(crit, less), "E03"
    if reused >= evidence:
        return ItemInput(), ZERO, "E03"
    return inp, points, ""


# ---- text as the spreadsheet compares it (TRIM, case-insensitive "=", no Unicode normalisation)


def sheet_trim(text: str) -> str:
    """Excel/LibreOffice TRIM: spaces (U+0020 only) removed at both ends and runs of them made single."""
    return " ".join(part for part in text.split(" ") if part)


def sheet_text(value: object) -> str:
    """What TRIM(cell) gives: the trimmed text, a number's digits (``45366`` for a date serial), else ""."""
    if isinstance(value, Decimal) and value.is_finite():
        text = format(value.normalize(), "f") if value == value.to_integral_value() else format(value, "f")
        return text
    return sheet_trim(value) if isinstance(value, str) else ""


def sheet_equal(value: object, choice: str) -> bool:
    """``TRIM(cell)="choice"``: case-insensitive, NFD and non-breaking spaces not equal."""
    return isinstance(value, str) and sheet_trim(value).casefold() == choice.casefold()


def doc_key(value: object) -> str:
    """Key under which two evidence references are the same document (the sheet's ``=`` on TRIM)."""
    return sheet_text(value).casefold()


MIN_DOC_CHARS = 3


def identifies_document(value: object) -> bool:
    """An evidence reference names a document: at least 3 characters (after TRIM) holding a digit (a number,
    symbol or date such as ``12/KH-HPN``, ``15/3/2024``) or a file name (a dot with text on both sides).

    ``x``, ``.``, ``-``, ``có`` identify nothing. The workbook's formula computes exactly this.
    """
    text = sheet_text(value)
    if len(text) < MIN_DOC_CHARS:
        return False
    if any(ch in "0123456789" for ch in text):
        return True
    dot = text.find(".")
    return 0 < dot < len(text) - 1


def normalised_base(achieved: Decimal, applicable_max: Decimal, base_max: Decimal) -> Decimal:
    """Base points scaled to ``base_max`` when some items were not applicable."""
    if applicable_max <= 0:
        return ZERO
    if applicable_max == base_max:
        return achieved
    return excel_round(_CTX.divide(_CTX.multiply(achieved, base_max), applicable_max))


def top_band_allowed(table: CriteriaTable, items: Mapping[str, ItemScore], sections: Mapping[str, SectionScore]) -> bool:
    """The top band's extra conditions: no deduction in the listed items, a section above its minimum."""
    if any(items[c].points > 0 for c in table.top_no_deductions_in):
        return False
    if table.top_section_min:
        code, pct = table.top_section_min
        sec = sections[code]
        if sec.capped < _CTX.divide(_CTX.multiply(sec.applicable_max, pct), HUNDRED):
            return False
    return True


def rating(table: CriteriaTable, total: Decimal, items: Mapping[str, ItemScore],
           sections: Mapping[str, SectionScore]) -> str:
    """Label of the first band the total reaches (the top band only if its conditions hold)."""
    allowed_top = top_band_allowed(table, items, sections)
    for i, band in enumerate(table.bands):
        if total >= band.min and (i > 0 or allowed_top):
            return band.label
    return table.bands[-1].label

"""Bonus claims (five-part justification and own evidence) and the caps of bonus and deductions.

Emits: E04 (claim incomplete or missing), E16 (bonus evidence reused from a base criterion),
W14 (more occurrences than complete claims), W01, W02 (caps), W10 (no top band because of deductions).
"""

from __future__ import annotations

from decimal import Decimal

from bdg_workbook.domain.model import Criterion
from bdg_workbook.domain.scoring import ItemInput, ScoreCard, doc_key, identifies_document, sheet_trim
from bdg_workbook.domain.submission import BonusClaim
from bdg_workbook.collect.rules.context import FileContext, format_decimal
from bdg_workbook.collect.rules.evidence import EvidenceIndex, criterion_of

CODES = ("E04", "E16", "W14", "W01", "W02", "W10")


def valid_claims(ctx: FileContext, idx: EvidenceIndex) -> dict[str, list[BonusClaim]]:
    """Complete claims with their own evidence, by bonus criterion; incomplete ones are reported."""
    table = ctx.setup.table
    bonus = {c.code for s in table.sections_of("bonus") for c in s.criteria}
    out: dict[str, list[BonusClaim]] = {code: [] for code in bonus}
    for claim in ctx.sub.bonus:
        if not sheet_trim(claim.code.sheet_text):
            continue
        crit = criterion_of(ctx, claim.code)
        if crit is None or crit.code not in bonus:
            ctx.add("E04", claim.code, criterion=sheet_trim(claim.code.sheet_text),
                    reason="mã tiêu chí không phải mục điểm thưởng")
            continue
        missing = [f.label for f in table.justification_fields if claim.fields.get(f.key) is None
                   or not sheet_trim(claim.fields[f.key].sheet_text)]
        if not identifies_document(claim.doc.sheet_text):
            missing.append("minh chứng xác định được văn bản")
        if missing and crit.requires_justification:
            ctx.add("E04", claim.code, criterion=crit.code, reason="còn thiếu: " + ", ".join(missing))
            continue
        owner = idx.base_docs.get(doc_key(claim.doc.sheet_text))
        if owner is not None:
            ctx.add("E16", claim.doc, criterion=crit.code, other=owner)
            continue
        out[crit.code].append(claim)
    return out


def apply_bonus_rules(ctx: FileContext, claims: dict[str, list[BonusClaim]], card: ScoreCard,
                      counted: dict[str, ItemInput]) -> dict[str, str]:
    """Bonus items count only with valid claims; count items at most one occurrence per claim.

    Updates ``counted`` in place for count items and returns the criteria to exclude.
    """
    excluded: dict[str, str] = {}
    for sec in ctx.setup.table.sections_of("bonus"):
        for crit in sec.criteria:
            if card.items[crit.code].formula_points <= 0:
                continue
            n_valid = len(claims.get(crit.code, []))
            cell = ctx.sub.inputs.get(f"in_{crit.key}_value")
            if n_valid == 0 and not _reported(ctx, crit.code):
                ctx.add("E04", cell, criterion=crit.code, reason="không có dòng thuyết minh đủ 5 yêu cầu và minh chứng")
            if n_valid == 0:
                excluded[crit.code] = "E04"
            elif crit.method == "count":
                _limit_count(ctx, crit, counted, n_valid, cell)
    return excluded


def _reported(ctx: FileContext, code: str) -> bool:
    return any(f.code in ("E04", "E16") and f.criterion == code for f in ctx.findings)


def _limit_count(ctx: FileContext, crit: Criterion, counted: dict[str, ItemInput], n_valid: int, cell) -> None:
    current = counted[crit.code]
    if isinstance(current.value, Decimal) and current.value > n_valid:
        ctx.add("W14", cell, criterion=crit.code, value=format_decimal(current.value), count=n_valid)
        counted[crit.code] = ItemInput(Decimal(n_valid), current.target, current.not_applicable)


def cap_findings(ctx: FileContext, card: ScoreCard) -> None:
    """Report caps that bind and a top band lost to deductions."""
    table = ctx.setup.table
    total_cell = ctx.sub.computed.get("total")
    if card.bonus_raw > card.bonus:
        ctx.add("W01", ctx.sub.computed.get("bonus"), value=format_decimal(card.bonus_raw), cap=table.bonus_cap)
    if card.penalty_raw > card.penalty:
        ctx.add("W02", ctx.sub.computed.get("penalty"), value=format_decimal(card.penalty_raw), cap=table.penalty_cap)
    top = table.bands[0]
    for code in table.top_no_deductions_in:
        if card.items[code].points > 0 and card.total >= top.min:
            ctx.add("W10", total_cell, value=format_decimal(card.total), criterion=code)

"""Evidence and one-time scoring within one department.

Emits: E02 (points without evidence), E03 (a document backing two criteria), E15 (unknown criterion
code in the register), W05 (document date outside the evaluation period).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from bdg_workbook.domain.scoring import ScoreCard
from bdg_workbook.domain.submission import EvidenceRow
from bdg_workbook.collect.rules.context import FileContext, cell_date, format_decimal, norm_key

CODES = ("E02", "E03", "E15", "W05")


@dataclass
class EvidenceIndex:
    """Valid evidence rows by criterion code, and each document's first owner in table order."""

    rows: dict[str, list[EvidenceRow]] = field(default_factory=lambda: defaultdict(list))
    base_docs: dict[str, str] = field(default_factory=dict)          # doc key -> base criterion code
    counts: dict[str, int] = field(default_factory=dict)             # COUNTIFS mirror: code -> rows with a doc


def index_evidence(ctx: FileContext) -> EvidenceIndex:
    """Group register rows by criterion; report unknown codes and dates outside the period."""
    table, cfg = ctx.setup.table, ctx.setup.config
    known = {norm_key(c.code): c.code for c in table.criteria}
    idx = EvidenceIndex()
    for row in ctx.sub.evidence:
        code = known.get(norm_key(row.code.value))
        has_doc = row.doc.value is not None
        if code is None:
            if row.code.value is not None or has_doc:
                ctx.add("E15", row.code)
            continue
        if not has_doc:
            continue
        idx.rows[code].append(row)
        day = cell_date(row.date)
        if day is not None and not (cfg.period_start <= day <= cfg.period_end):
            ctx.add("W05", row.date, value=day.strftime("%d/%m/%Y"), criterion=code,
                    start=cfg.period_start.strftime("%d/%m/%Y"), end=cfg.period_end.strftime("%d/%m/%Y"))
    idx.counts = {c.code: len(idx.rows.get(c.code, ())) for c in table.criteria}
    return idx


def apply_evidence_rules(ctx: FileContext, idx: EvidenceIndex, card: ScoreCard) -> dict[str, str]:
    """Base criteria with points need evidence, and a document counts for one criterion only.

    Returns the criteria to exclude (code -> finding code).
    """
    excluded: dict[str, str] = {}
    for sec in ctx.setup.table.sections_of("base"):
        for crit in sec.criteria:
            rows = idx.rows.get(crit.code, [])
            keys = [(norm_key(r.doc.value), r) for r in rows]
            for key, row in keys:
                owner = idx.base_docs.setdefault(key, crit.code)
                points = card.items[crit.code].formula_points
                if owner != crit.code and crit.code not in excluded and points > 0:
                    ctx.add("E03", row.doc, criterion=crit.code, other=owner, points=format_decimal(points))
                    excluded[crit.code] = "E03"
            points = card.items[crit.code].formula_points
            if points > 0 and not rows and crit.code not in excluded:
                score_cell = ctx.sub.inputs.get(f"in_{crit.key}_value")
                ctx.add("E02", score_cell, value=format_decimal(points), criterion=crit.code, points=format_decimal(points))
                excluded[crit.code] = "E02"
    return excluded

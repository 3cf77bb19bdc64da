"""Evidence and one-time scoring within one department, decided as the register's formulas decide.

Emits: E02 (points without evidence), E03 (a document backing an earlier criterion: the later one loses
what that document backed), E15 (unknown criterion code in the register), E31 (a reference that identifies
no document), W05 (document date outside the evaluation period), W31 (a reused document, points kept
because other evidence remains).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from bdg_workbook.domain.model import Criterion
from bdg_workbook.domain.scoring import ItemInput, ScoreCard, doc_key, evidence_decision, identifies_document, sheet_trim
from bdg_workbook.domain.submission import Cell, EvidenceRow
from bdg_workbook.collect.rules.context import FileContext, cell_date, format_decimal

CODES = ("E02", "E03", "E15", "E31", "W05", "W31")


@dataclass
class EvidenceIndex:
    """Valid evidence rows by criterion code, and each document's first owner in table order."""

    rows: dict[str, list[EvidenceRow]] = field(default_factory=lambda: defaultdict(list))
    base_docs: dict[str, str] = field(default_factory=dict)          # doc key -> base criterion code
    counts: dict[str, int] = field(default_factory=dict)             # the sheet's count column: code -> valid rows


def criterion_of(ctx: FileContext, cell: Cell) -> Criterion | None:
    """The criterion a typed code names, compared as the sheet does (``TRIM(code)=`` code, any case)."""
    text = sheet_trim(cell.sheet_text).casefold()
    return next((c for c in ctx.setup.table.criteria if c.code.casefold() == text), None) if text else None


def index_evidence(ctx: FileContext) -> EvidenceIndex:
    """Group valid register rows by criterion; report unknown codes, references that identify nothing and
    dates outside the period, and record each document's first base criterion (table order)."""
    table, cfg = ctx.setup.table, ctx.setup.config
    idx = EvidenceIndex()
    for row in ctx.sub.evidence:
        crit = criterion_of(ctx, row.code)
        if crit is None:
            if sheet_trim(row.code.sheet_text) or sheet_trim(row.doc.sheet_text):
                ctx.add("E15", row.code)
            continue
        if not identifies_document(row.doc.sheet_text):
            ctx.add("E31", row.doc, criterion=crit.code)
            continue
        idx.rows[crit.code].append(row)
        day = cell_date(row.date)
        if day is not None and not (cfg.period_start <= day <= cfg.period_end):
            ctx.add("W05", row.date, value=day.strftime("%d/%m/%Y"), criterion=crit.code,
                    start=cfg.period_start.strftime("%d/%m/%Y"), end=cfg.period_end.strftime("%d/%m/%Y"))
    for sec in table.sections_of("base"):
        for crit in sec.criteria:
            for row in idx.rows.get(crit.code, ()):
                idx.base_docs.setdefault(doc_key(row.doc.sheet_text), crit.code)
    idx.counts = {c.code: len(idx.rows.get(c.code, ())) for c in table.criteria}
    return idx


def apply_evidence_rules(ctx: FileContext, idx: EvidenceIndex, card: ScoreCard,
                         counted: dict[str, ItemInput]) -> dict[str, str]:
    """Base criteria with points need evidence; a document is scored once, at its first criterion.

    A count item loses one occurrence per reused document (``counted`` is updated in place), any other
    item only when no other evidence remains. Returns the criteria to exclude (code -> finding code).
    """
    excluded: dict[str, str] = {}
    for sec in ctx.setup.table.sections_of("base"):
        for crit in sec.criteria:
            rows = idx.rows.get(crit.code, [])
            reused = [(row, owner) for row in rows
                      if (owner := idx.base_docs.get(doc_key(row.doc.sheet_text), crit.code)) != crit.code]
            points = card.items[crit.code].formula_points
            inp, kept, code = evidence_decision(crit, counted[crit.code], points, len(rows), len(reused))
            if code == "E02":
                score_cell = ctx.sub.inputs.get(f"in_{crit.key}_value")
                ctx.add("E02", score_cell, value=format_decimal(points), criterion=crit.code,
                        points=format_decimal(points))
                excluded[crit.code] = "E02"
            elif code == "E03":
                row, owner = reused[0]
                ctx.add("E03", row.doc, criterion=crit.code, other=owner, points=format_decimal(points - kept))
                if kept > 0:
                    counted[crit.code] = inp
                else:
                    excluded[crit.code] = "E03"
            elif reused and points > 0:
                row, owner = reused[0]
                ctx.add("W31", row.doc, criterion=crit.code, other=owner, count=len(rows) - len(reused))
    return excluded

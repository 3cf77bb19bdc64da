"""All per-file rules in order: typed inputs, recomputation, integrity, evidence, bonus, caps."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bdg_workbook.domain.findings import Finding
from bdg_workbook.domain.model import Department, Setup
from bdg_workbook.domain.scoring import ScoreCard, doc_key, score
from bdg_workbook.trust.signing import KeyRing
from bdg_workbook.domain.submission import Submission
from bdg_workbook.collect.rules.bonus import apply_bonus_rules, cap_findings, valid_claims
from bdg_workbook.collect.rules.context import FileContext, cell_date
from bdg_workbook.collect.rules.evidence import apply_evidence_rules, index_evidence
from bdg_workbook.collect.rules.inputs import check_inputs
from bdg_workbook.collect.rules.integrity import check_cached, check_locked
from bdg_workbook.collect.rules.signature import check_signature


@dataclass
class FileAnalysis:
    """One department file after every per-file rule: findings, self-assessed and counted scores."""

    sub: Submission
    department: Department
    findings: list[Finding]
    self_card: ScoreCard
    card: ScoreCard
    submitted: dt.date | None
    documents: dict[str, tuple[str, str, str]]   # doc key -> (criterion, sheet, cell) of its first row


def analyse(setup: Setup, sub: Submission, dept: Department, keyring: KeyRing | None = None) -> FileAnalysis:
    """Run every per-file rule on one submission; never stops at the first problem."""
    table = setup.table
    ctx = FileContext(setup, sub)
    typed = check_inputs(ctx, dept)
    idx = index_evidence(ctx)
    self_card = score(table, typed.mirror)
    check_signature(ctx, dept, keyring)
    check_locked(ctx, dept)
    check_cached(ctx, self_card, idx.counts)
    first = score(table, typed.counted)
    excluded = apply_evidence_rules(ctx, idx, first, typed.counted)
    claims = valid_claims(ctx, idx)
    excluded.update(apply_bonus_rules(ctx, claims, first, typed.counted))
    card = score(table, typed.counted, excluded)
    cap_findings(ctx, card)
    info_date = sub.inputs.get("info_date")
    documents: dict[str, tuple[str, str, str]] = {}
    for code, rows in idx.rows.items():
        for row in rows:
            documents.setdefault(doc_key(row.doc.sheet_text), (code, row.doc.sheet, row.doc.ref))
    return FileAnalysis(sub, dept, ctx.findings, self_card, card,
                        cell_date(info_date) if info_date is not None else None, documents)

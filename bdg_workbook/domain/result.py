"""The collector's result: per-department scores, files, findings — what reports and JSON are made from."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from bdg_workbook.domain.findings import Finding, FindingCounts
from bdg_workbook.domain.model import Department, Setup
from bdg_workbook.domain.scoring import ScoreCard
from bdg_workbook.domain.submission import Submission

STATUS_COLLECTED = "collected"      # read and merged
STATUS_REJECTED = "rejected"        # unreadable, not our template, unknown department, wrong year/template
STATUS_SUPERSEDED = "superseded"    # another file of the same department was kept
STATUS_UNTRUSTED = "untrusted"      # read, but a file-level error (signature, locked content, layout): not counted
STATUS_BLANK = "blank"              # a form returned with nothing typed in it: not a submission
NOT_COUNTED = (STATUS_UNTRUSTED, STATUS_BLANK)


@dataclass
class FileOutcome:
    """One input file and what happened to it."""

    path: str
    display_name: str
    sha256: str
    size: int
    department: str
    status: str
    errors: int = 0
    warnings: int = 0
    reason: str = ""                 # why a file is not counted (untrusted, blank, rejected)
    received_at: str = ""            # receipt time (email Date header or first seen), ISO; '' when unknown


@dataclass
class DepartmentResult:
    """One department's collected workbook: self-assessed (formula) and counted scores."""

    department: Department
    file: str
    sha256: str
    submitted: dt.date | None
    submission: Submission
    self_card: ScoreCard
    card: ScoreCard
    rank: int = 0
    errors: int = 0
    warnings: int = 0


@dataclass(frozen=True)
class PreviousStanding:
    """One unit's result of the previous season (from the archive or last season's master)."""

    department: str
    name: str
    total: Decimal | None      # None: the unit did not submit
    rating: str


@dataclass(frozen=True)
class PreviousSeason:
    """The previous season's results shown beside this season's in the master (issue 15)."""

    season: int
    source: str
    units: dict[str, PreviousStanding]


@dataclass
class CollectResult(FindingCounts):
    """Everything one collect run produced (before writing any file)."""

    setup: Setup
    inbox: str
    generated_at: str
    departments: list[DepartmentResult] = field(default_factory=list)
    missing: list[Department] = field(default_factory=list)
    files: list[FileOutcome] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    previous: PreviousSeason | None = None   # last season beside this one, when known

    def not_counted_files(self, code: str) -> list[FileOutcome]:
        """The files claiming unit ``code`` that are not counted (untrusted or blank)."""
        return [f for f in self.files if f.department == code and f.status in NOT_COUNTED]

    def not_returned_label(self, code: str) -> str:
        """How the report names a unit without a counted file: "Chưa nộp", "Chưa nộp hợp lệ" when it sent a file
        that cannot be trusted, "Chưa nộp (biểu mẫu chưa điền)" when it returned only a blank form."""
        files = self.not_counted_files(code)
        if any(f.status == STATUS_UNTRUSTED for f in files):
            return "Chưa nộp hợp lệ"
        return "Chưa nộp (biểu mẫu chưa điền)" if files else "Chưa nộp"

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict; ``--format json`` prints exactly this."""
        table = self.setup.table
        return {
            "ward": self.setup.config.ward,
            "year": self.setup.config.year,
            "template_id": table.template_id,
            "template_hash": table.content_hash,
            "inbox": self.inbox,
            "generated_at": self.generated_at,
            "departments": [_dept_dict(r, table) for r in self.departments],
            "missing": [{"code": d.code, "name": d.name, "status": self.not_returned_label(d.code)}
                        for d in self.missing],
            "files": [vars(f).copy() for f in self.files],
            "findings": [f.as_dict() for f in self.findings],
            "counts": {"errors": self.error_count, "warnings": self.warning_count,
                       "collected": len(self.departments), "missing": len(self.missing),
                       "files": len(self.files)},
        }


def _num(value: Decimal) -> float | int:
    return int(value) if value == value.to_integral_value() else float(value)


def _dept_dict(r: DepartmentResult, table: Any) -> dict[str, Any]:
    card = r.card
    return {
        "code": r.department.code, "name": r.department.name, "file": r.file, "sha256": r.sha256,
        "submitted": r.submitted.isoformat() if r.submitted else None,
        "sections": {code: _num(s.capped) for code, s in card.sections.items()},
        "base": _num(card.base), "bonus": _num(card.bonus), "penalty": _num(card.penalty),
        "total": _num(card.total), "rating": card.rating, "rank": r.rank,
        "self_total": _num(r.self_card.total), "self_rating": r.self_card.rating,
        "criteria": {code: {"self": _num(r.self_card.items[code].points), "counted": _num(item.points)}
                     for code, item in card.items.items()},
        "errors": r.errors, "warnings": r.warnings,
    }


def assign_ranks(results: list[DepartmentResult], penalty_section: str, main_section: str = "II") -> None:
    """Rank by total, then higher part II, lower deductions, earlier self-assessment date (ties share a rank)."""
    def key(r: DepartmentResult) -> tuple:
        sub = r.submitted.toordinal() if r.submitted else 10**9
        main = r.card.sections[main_section].capped if main_section in r.card.sections else Decimal(0)
        return (-r.card.total, -main, r.card.sections[penalty_section].capped, sub)
    ordered = sorted(results, key=key)
    for i, r in enumerate(ordered):
        r.rank = ordered[i - 1].rank if i and key(ordered[i - 1]) == key(r) else i + 1

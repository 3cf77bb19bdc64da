"""Who has returned a valid file, who returned one with errors, who is missing, and days to the deadline."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from bdg_workbook.domain.findings import ERROR
from bdg_workbook.domain.result import STATUS_COLLECTED, STATUS_UNTRUSTED, CollectResult

VALID, WITH_ERRORS, MISSING, REJECTED = "valid", "errors", "missing", "rejected"
STATUS_VI = {VALID: "Đã nộp, hợp lệ", WITH_ERRORS: "Đã nộp, có lỗi", MISSING: "Chưa nộp",
             REJECTED: "Chưa nộp hợp lệ (tệp cần xác minh / bị từ chối)"}


@dataclass(frozen=True)
class DepartmentStatus:
    """One department's return status."""

    code: str
    name: str
    status: str
    file: str
    errors: int
    warnings: int
    submitted: dt.date | None


@dataclass(frozen=True)
class LoopInfo:
    """A unit's place in the correction loop (issue 16), as ``corrections`` computes it for ``status``."""

    state: str
    state_vi: str
    rounds: int
    days_left: int | None


@dataclass(frozen=True)
class SeasonStatus:
    """The status of every department plus the deadline arithmetic."""

    departments: list[DepartmentStatus]
    rejected_files: list[str]
    deadline: dt.date | None
    today: dt.date
    loop: dict[str, LoopInfo] | None = None     # code -> correction-loop state (None: not computed)

    @property
    def days_left(self) -> int | None:
        """Days until the department deadline (negative once it has passed)."""
        return (self.deadline - self.today).days if self.deadline else None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready dict (``status --format json``)."""
        return {
            "today": self.today.isoformat(),
            "deadline": self.deadline.isoformat() if self.deadline else None,
            "days_left": self.days_left,
            "counts": {k: sum(1 for d in self.departments if d.status == k) for k in STATUS_VI},
            "departments": [{"code": d.code, "name": d.name, "status": d.status, "file": d.file,
                             "errors": d.errors, "warnings": d.warnings,
                             "submitted": d.submitted.isoformat() if d.submitted else None}
                            for d in self.departments],
            "rejected_files": self.rejected_files,
            **({"loop": {code: vars(info).copy() for code, info in self.loop.items()}} if self.loop is not None else {}),
        }


def season_status(result: CollectResult, today: dt.date | None = None,
                  loop: dict[str, LoopInfo] | None = None) -> SeasonStatus:
    """Summarise a collect result per department, in department-list order."""
    collected = {r.department.code: r for r in result.departments}
    out = []
    for dept in result.setup.departments:
        r = collected.get(dept.code)
        if r is None:   # issue 12: a unit whose only files are not counted is "chưa nộp hợp lệ", naming them
            refused = result.not_counted_files(dept.code)
            state = REJECTED if any(f.status == STATUS_UNTRUSTED for f in refused) else MISSING
            out.append(DepartmentStatus(dept.code, dept.name, state, ", ".join(f.display_name for f in refused),
                                        sum(f.errors for f in refused), sum(f.warnings for f in refused), None))
            continue
        state = WITH_ERRORS if r.errors else VALID
        out.append(DepartmentStatus(dept.code, dept.name, state, r.file, r.errors, r.warnings, r.submitted))
    rejected = [f.display_name for f in result.files if f.status != STATUS_COLLECTED and f.errors]
    return SeasonStatus(out, rejected, result.setup.config.department_deadline, today or dt.date.today(), loop)


def has_errors(result: CollectResult) -> bool:
    """True when any finding is at error level."""
    return any(f.severity == ERROR for f in result.findings)

"""Which returns the master counts, as the Ban decides in ``corrections.counted`` of config.yaml.

``all`` (default, the 2024 behaviour): every valid return counts, except a unit the officer rejected.
``approved``: only approved returns count; after ``corrections.close_date`` every return not rejected
counts as it stands (deadline-closed). A unit not counted leaves the ranking and gets an L01 finding
naming its state, so the master says why it is absent.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from bdg_workbook.corrections.states import APPROVED, REJECTED, UnitLoop
from bdg_workbook.documents.settings import COUNT_ALL, LoopSettings
from bdg_workbook.domain.findings import make
from bdg_workbook.domain.result import CollectResult, assign_ranks


def counted_reason(loop: UnitLoop | None, settings: LoopSettings, today: dt.date) -> str:
    """Why a unit's return is not counted ('' when it is)."""
    state = loop.state if loop is not None else ""
    if state == REJECTED:
        return "Thường trực Ban đã từ chối bài" + _last_reason(loop)
    if settings.counted == COUNT_ALL or state == APPROVED or today > settings.close_date:
        return ""
    label = loop.state_vi.lower() if loop is not None else "chưa ghi nhận"
    return f"bài đang ở trạng thái '{label}', chưa được duyệt (Ban chỉ tính bài đã duyệt hoặc đã khóa sổ)"


def _last_reason(loop: UnitLoop) -> str:
    reason = next((e.reason for e in reversed(loop.history) if e.state == REJECTED), "")
    return f" (lý do: {reason})" if reason else ""


def apply_counting(result: CollectResult, loops: dict[str, UnitLoop], settings: LoopSettings,
                   today: dt.date | None = None) -> CollectResult:
    """The result the master is written from: uncounted units moved to ``missing`` with an L01 finding, ranks
    recomputed. Returns ``result`` itself when every unit counts."""
    today = today or dt.date.today()
    kept, dropped = [], []
    for r in result.departments:
        reason = counted_reason(loops.get(r.department.code), settings, today)
        (dropped if reason else kept).append((r, reason))
    if not dropped:
        return result
    notes = [make("L01", department=r.department.code, file=r.file, reason=reason,
                  close=f"{settings.close_date:%d/%m/%Y}") for r, reason in dropped]
    departments = [r for r, _ in kept]
    assign_ranks(departments, result.setup.table.sections_of("penalty")[0].code)
    order = {d.code: i for i, d in enumerate(result.setup.departments)}
    missing = sorted([*result.missing, *(r.department for r, _ in dropped)], key=lambda d: order.get(d.code, 10**6))
    return dataclasses.replace(result, departments=departments, missing=missing, findings=result.findings + notes)

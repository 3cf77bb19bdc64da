"""The officer's decisions on a unit's return: approve, reject (reason required), ask for more, comment."""

from __future__ import annotations

from bdg_workbook.corrections.journal import Journal
from bdg_workbook.corrections.states import (
    A_APPROVE,
    A_ASK_FIX,
    A_COMMENT,
    A_REJECT,
    ACTION_VI,
    OFFICER_FROM,
    OFFICER_TO,
    STATE_VI,
    Event,
    UnitLoop,
    now_text,
)
from bdg_workbook.domain.errors import BdgError
from bdg_workbook.domain.findings import ERROR
from bdg_workbook.domain.model import Setup


class DecisionError(BdgError):
    """The decision cannot be recorded (unknown unit, no return yet, missing reason, not allowed from the state)."""


def unit_codes(setup: Setup) -> list[str]:
    """The department codes of the season."""
    return [d.code for d in setup.departments]


def check_unit(setup: Setup, unit: str) -> str:
    """The unit's code in capitals; DecisionError naming the known codes when it is not one."""
    code = unit.strip().upper()
    if code not in unit_codes(setup):
        raise DecisionError(f"Mã đơn vị '{unit}' không có trong departments.yaml; các mã hiện có: "
                            f"{', '.join(unit_codes(setup))}.")
    return code


def decide(setup: Setup, journal: Journal, unit: str, action: str, reason: str, officer: str) -> tuple[Event, list[str]]:
    """Record one officer action; returns the event and notes for the officer (e.g. errors still present)."""
    code = check_unit(setup, unit)
    reason = " ".join((reason or "").split())
    loop: UnitLoop = journal.loops(unit_codes(setup))[code]
    if action in (A_REJECT, A_ASK_FIX, A_COMMENT) and not reason:
        raise DecisionError(f"{ACTION_VI[action]} {code}: phải ghi lý do/ý kiến (--reason \"…\").")
    if action != A_COMMENT and loop.state not in OFFICER_FROM[action]:
        raise DecisionError(f"Không thể '{ACTION_VI[action].lower()}' {code} khi bài đang ở trạng thái "
                            f"'{loop.state_vi}'" + (": đơn vị chưa nộp, hoặc chưa chạy 'bdg-workbook collect' sau khi "
                                                    "nhận tệp." if loop.sha256 == "" else "."))
    state = loop.state if action == A_COMMENT else OFFICER_TO[action]
    notes = []
    errors = [f for f in loop.findings if f.get("severity") == ERROR]
    if action == A_APPROVE and errors:
        notes.append(f"Lưu ý: bài {loop.file} còn {len(errors)} lỗi; các điểm bị lỗi vẫn không được tính.")
    round_number = loop.rounds + 1 if action == A_ASK_FIX and loop.state != "needs_fix" else loop.rounds
    event = Event(now_text(), setup.config.year, code, action, state, officer,
                  reason or f"{ACTION_VI[action]} bài {loop.file}.", loop.file, loop.sha256, round_number)
    journal.append([event])
    notes.append(f"{code}: {STATE_VI[loop.state]} → {STATE_VI[state]} ({officer}).")
    return event, notes

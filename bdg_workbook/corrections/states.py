"""The states of a unit's return in the correction loop, the events that move it, and folding events into states.

chưa nộp → đã nhận → cần bổ sung (with the findings that caused it) → đã nộp lại → đã duyệt, or bị từ
chối (reason required). ``received``, ``resubmitted`` and ``needs_fix`` are set from collection results;
``approve``, ``reject``, ``ask_fix`` and ``comment`` are the officer's, always with a comment or reason.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

NOT_SUBMITTED, RECEIVED, NEEDS_FIX = "not_submitted", "received", "needs_fix"
RESUBMITTED, APPROVED, REJECTED = "resubmitted", "approved", "rejected"
STATE_VI = {NOT_SUBMITTED: "Chưa nộp", RECEIVED: "Đã nhận", NEEDS_FIX: "Cần bổ sung", RESUBMITTED: "Đã nộp lại",
            APPROVED: "Đã duyệt", REJECTED: "Bị từ chối"}

# automatic actions (from collection) and officer actions
A_RECEIVED, A_RESUBMITTED, A_NEEDS_FIX, A_REQUEST_SENT = "received", "resubmitted", "needs_fix", "request_sent"
A_APPROVE, A_REJECT, A_ASK_FIX, A_COMMENT = "approve", "reject", "ask_fix", "comment"
ACTION_VI = {A_RECEIVED: "Nhận bài", A_RESUBMITTED: "Nhận bài nộp lại", A_NEEDS_FIX: "Cần bổ sung (tự động)",
             A_REQUEST_SENT: "Lập phiếu đề nghị bổ sung", A_APPROVE: "Duyệt", A_REJECT: "Từ chối",
             A_ASK_FIX: "Yêu cầu bổ sung", A_COMMENT: "Ghi chú"}

#: officer action -> states it may start from (comment: any state)
OFFICER_FROM = {
    A_APPROVE: (RECEIVED, NEEDS_FIX, RESUBMITTED, REJECTED),
    A_REJECT: (RECEIVED, NEEDS_FIX, RESUBMITTED, APPROVED),
    A_ASK_FIX: (RECEIVED, RESUBMITTED, APPROVED, NEEDS_FIX),
}
OFFICER_TO = {A_APPROVE: APPROVED, A_REJECT: REJECTED, A_ASK_FIX: NEEDS_FIX}


@dataclass(frozen=True)
class Event:
    """One recorded change (or comment): when, which season and unit, what, the state after, who, why."""

    time: str
    season: int
    unit: str
    action: str
    state: str
    by: str
    reason: str
    file: str = ""
    sha256: str = ""
    round: int = 0
    findings: tuple[dict[str, str], ...] = ()     # the findings behind a needs_fix (code, sheet, cell, …)
    points: dict[str, str] = field(default_factory=dict)   # counted points per criterion of this return
    deadline: str = ""                            # fix deadline (ISO date) of a request
    details: dict[str, Any] = field(default_factory=dict)  # paths written, comparison summary

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready dict (one journal line)."""
        data = asdict(self)
        data["findings"] = [dict(f) for f in self.findings]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Event:
        """Rebuild from a journal line; raises KeyError/TypeError/ValueError on a malformed one."""
        if data["state"] not in STATE_VI or data["action"] not in ACTION_VI:
            raise ValueError(f"trạng thái/hành động lạ: {data['state']}/{data['action']}")
        return cls(str(data["time"]), int(data["season"]), str(data["unit"]), str(data["action"]), str(data["state"]),
                   str(data["by"]), str(data["reason"]), str(data.get("file", "")), str(data.get("sha256", "")),
                   int(data.get("round", 0)), tuple(dict(f) for f in data.get("findings", ())),
                   dict(data.get("points", {})), str(data.get("deadline", "")), dict(data.get("details", {})))


@dataclass
class UnitLoop:
    """Where one unit stands: state, correction rounds, the return last seen and its snapshot, history."""

    unit: str
    state: str = NOT_SUBMITTED
    rounds: int = 0
    file: str = ""
    sha256: str = ""
    findings: tuple[dict[str, str], ...] = ()
    points: dict[str, str] = field(default_factory=dict)
    fix_deadline: dt.date | None = None
    history: list[Event] = field(default_factory=list)

    @property
    def state_vi(self) -> str:
        """The state in Vietnamese."""
        return STATE_VI[self.state]

    def apply(self, event: Event) -> None:
        """Move to the event's state and keep what it carries."""
        self.history.append(event)
        if event.action == A_COMMENT:
            return
        self.state = event.state
        if event.sha256:
            self.sha256, self.file = event.sha256, event.file or self.file
        if event.action in (A_RECEIVED, A_RESUBMITTED):
            self.findings, self.points = event.findings, dict(event.points)
        if event.action in (A_NEEDS_FIX, A_ASK_FIX) and event.state == NEEDS_FIX:
            self.rounds = max(self.rounds, event.round)
        if event.deadline:
            self.fix_deadline = dt.date.fromisoformat(event.deadline)

    def days_to_deadline(self, today: dt.date, season_deadline: dt.date | None) -> int | None:
        """Days to the unit's fix deadline while it must correct, else to the season's deadline."""
        due = self.fix_deadline if self.state == NEEDS_FIX and self.fix_deadline else season_deadline
        return (due - today).days if due else None


def fold(events: list[Event], units: list[str]) -> dict[str, UnitLoop]:
    """Every unit's loop after the events, in journal order (units with no event: chưa nộp)."""
    loops = {code: UnitLoop(code) for code in units}
    for event in events:
        loops.setdefault(event.unit, UnitLoop(event.unit)).apply(event)
    return loops


def now_text() -> str:
    """Local time with offset, to the second (journal timestamps)."""
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")

"""Automatic transitions from a collection result: a new return is received (or resubmitted), errors make it
"cần bổ sung"; every version a unit sends is copied into the loop's folder, and a resubmission is compared
with the return it answers.

``observe`` only computes the events (``status`` shows them without writing anything); ``record`` appends
them to the journal, keeps the copies and writes the comparisons.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bdg_workbook.collect.inbox import collect_inputs
from bdg_workbook.corrections.compare import Comparison, compare_returns
from bdg_workbook.corrections.journal import Journal
from bdg_workbook.corrections.states import (
    A_NEEDS_FIX,
    A_RECEIVED,
    A_RESUBMITTED,
    NEEDS_FIX,
    NOT_SUBMITTED,
    RECEIVED,
    RESUBMITTED,
    Event,
    UnitLoop,
    now_text,
)
from bdg_workbook.domain.findings import ERROR, INFO, Finding
from bdg_workbook.domain.result import STATUS_REJECTED, CollectResult
from bdg_workbook.domain.scoring import ScoreCard

SYSTEM = "bdg-workbook (tự động)"


def finding_dict(f: Finding) -> dict[str, str]:
    """The parts of a finding the loop keeps (code, severity, sheet, cell, criterion, message, fix)."""
    return {"code": f.code, "severity": f.severity, "sheet": f.sheet, "cell": f.cell, "criterion": f.criterion,
            "message": f.message, "fix": f.fix, "file": f.file}


def _points(self_card: ScoreCard | None, card: ScoreCard | None) -> dict[str, list[str]]:
    if card is None or self_card is None:
        return {}
    return {code: [str(self_card.items[code].points), str(item.points)] for code, item in card.items.items()}


@dataclass(frozen=True)
class ReturnSnapshot:
    """What the loop remembers of one return: file, hash, findings and points per criterion."""

    unit: str
    file: str
    sha256: str
    path: str
    findings: tuple[dict[str, str], ...]
    points: dict[str, list[str]]

    @property
    def errors(self) -> tuple[dict[str, str], ...]:
        """The error-level findings (those that put the unit in "cần bổ sung")."""
        return tuple(f for f in self.findings if f["severity"] == ERROR)

    def as_dict(self) -> dict[str, Any]:
        """For ``compare_returns``."""
        return {"file": self.file, "sha256": self.sha256, "findings": self.findings, "points": self.points}


def snapshots(result: CollectResult) -> dict[str, ReturnSnapshot]:
    """Each unit's return in this collection: the kept file, or its rejected file when none could be read."""
    by_file: dict[str, list[Finding]] = {}
    for f in result.findings:
        if f.severity != INFO:
            by_file.setdefault(f.file, []).append(f)
    paths = {o.display_name: o.path for o in result.files}
    out: dict[str, ReturnSnapshot] = {}
    for r in result.departments:
        code = r.department.code
        mine = tuple(finding_dict(f) for f in by_file.get(r.file, []) if f.department in ("", code))
        out[code] = ReturnSnapshot(code, r.file, r.sha256, paths.get(r.file, ""), mine, _points(r.self_card, r.card))
    known = {d.code for d in result.setup.departments}
    for o in result.files:
        if o.status == STATUS_REJECTED and o.department in known and o.department not in out and o.errors:
            mine = tuple(finding_dict(f) for f in by_file.get(o.display_name, []))
            out[o.department] = ReturnSnapshot(o.department, o.display_name, o.sha256, o.path, mine, {})
    return out


@dataclass
class SyncReport:
    """What one collection changed in the loop."""

    events: list[Event] = field(default_factory=list)
    comparisons: dict[str, Comparison] = field(default_factory=dict)
    written: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def observe(result: CollectResult, loops: dict[str, UnitLoop], now: str | None = None) -> SyncReport:
    """The automatic events this collection causes, applied to ``loops`` in memory (nothing written)."""
    when, season = now or now_text(), result.setup.config.year
    report = SyncReport()
    for code, snap in snapshots(result).items():
        loop = loops.setdefault(code, UnitLoop(code))
        if snap.sha256 == loop.sha256:
            continue
        common = {"time": when, "season": season, "unit": code, "by": SYSTEM, "file": snap.file,
                  "sha256": snap.sha256, "findings": snap.findings, "points": snap.points}
        if loop.state == NOT_SUBMITTED:
            events = [Event(action=A_RECEIVED, state=RECEIVED, reason=f"Nhận tệp {snap.file}.", **common)]
        else:
            before = {"file": loop.file, "sha256": loop.sha256, "findings": loop.findings, "points": loop.points}
            comp = compare_returns(code, before, snap.as_dict())
            report.comparisons[code] = comp
            reason = (f"Nhận tệp mới {snap.file} (trạng thái trước: {loop.state_vi}); {comp.summary()}.")
            events = [Event(action=A_RESUBMITTED, state=RESUBMITTED, reason=reason, round=loop.rounds,
                            details={"previous_file": loop.file, "previous_sha256": loop.sha256,
                                     "comparison": comp.summary()}, **common)]
        if snap.errors:
            events.append(Event(when, season, code, A_NEEDS_FIX, NEEDS_FIX, SYSTEM,
                                f"Tệp {snap.file} có {len(snap.errors)} lỗi cần đơn vị sửa.", snap.file, snap.sha256,
                                loop.rounds + 1, snap.errors))
        for event in events:
            loop.apply(event)
        report.events += events
    return report


def record(journal: Journal, result: CollectResult, inbox: Path, now: str | None = None) -> SyncReport:
    """Observe, keep a copy of every new return, save comparisons, then append the events (fsync'ed)."""
    units = [d.code for d in result.setup.departments]
    loops = journal.loops(units)
    report = observe(result, loops, now)
    snaps = snapshots(result)
    for event in report.events:
        if event.action in (A_RECEIVED, A_RESUBMITTED):
            kept = keep_copy(journal, snaps[event.unit], inbox)
            if kept is None:
                report.notes.append(f"Không chép được tệp {event.file} của {event.unit} vào "
                                    f"{journal.unit_folder(event.unit)}; tệp gốc vẫn nằm trong thư mục nhận.")
            else:
                event.details["kept_copy"] = str(kept)
                report.written.append(kept)
    for event in report.events:
        comp = report.comparisons.get(event.unit)
        if event.action == A_RESUBMITTED and comp is not None:
            paths = comp.save(journal.unit_folder(event.unit), max(event.round, 1))
            event.details["comparison_files"] = [str(p) for p in paths]
            report.written += paths
    journal.append(report.events)
    return report


def keep_copy(journal: Journal, snap: ReturnSnapshot, inbox: Path) -> Path | None:
    """Copy the return's bytes to ``corrections/<UNIT>/<sha8>_<file>`` (once); None when it cannot be found."""
    target = journal.unit_folder(snap.unit) / f"{snap.sha256[:8]}_{Path(snap.file).name}"
    if target.is_file():
        return target
    source = Path(snap.path) if snap.path else None
    if source is not None and source.is_file() and _sha(source) == snap.sha256:
        return _copy(source, target)
    with tempfile.TemporaryDirectory(prefix="bdg-loop-") as work:     # an .eml attachment: extract again
        for item in collect_inputs(inbox, Path(work)).items:
            if _sha(item.path) == snap.sha256:
                return _copy(item.path, target)
    return None


def kept_copy(journal: Journal, unit: str, sha256: str) -> Path | None:
    """The loop's copy of a return with this hash, if kept."""
    folder = journal.unit_folder(unit)
    found = sorted(folder.glob(f"{sha256[:8]}_*.xlsx")) if folder.is_dir() else []
    return next((p for p in found if _sha(p) == sha256), None)


def _copy(source: Path, target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp")
    shutil.copyfile(source, tmp)
    tmp.replace(target)
    return target


def _sha(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()

"""A resubmission against the unit's previous return: which criteria changed, which findings are gone or remain."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bdg_workbook.writing.safe_text import atomic_write_text


def finding_key(finding: dict[str, str]) -> tuple[str, str, str]:
    """What identifies "the same problem" across two returns: code, criterion, and the cell (else the sheet)."""
    return finding.get("code", ""), finding.get("criterion", ""), finding.get("cell", "") or finding.get("sheet", "")


@dataclass
class Comparison:
    """The answer to a correction request compared with the return it answers."""

    unit: str
    previous_file: str
    previous_sha256: str
    new_file: str
    new_sha256: str
    changed: list[dict[str, Any]] = field(default_factory=list)    # criterion, self before/after, counted before/after
    fixed: list[dict[str, str]] = field(default_factory=list)
    remaining: list[dict[str, str]] = field(default_factory=list)
    new: list[dict[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready dict (the saved comparison file)."""
        return {"unit": self.unit, "previous": {"file": self.previous_file, "sha256": self.previous_sha256},
                "new": {"file": self.new_file, "sha256": self.new_sha256}, "changed_criteria": self.changed,
                "fixed_findings": self.fixed, "remaining_findings": self.remaining, "new_findings": self.new}

    def summary(self) -> str:
        """One line: how many criteria changed and findings fixed/remaining/new."""
        return (f"{len(self.changed)} tiêu chí thay đổi; đã sửa {len(self.fixed)}, còn {len(self.remaining)}, "
                f"mới phát sinh {len(self.new)} phát hiện")

    def lines(self) -> list[str]:
        """What the officer reads: the summary, then each change and each finding by group."""
        out = [f"So sánh bài nộp lại của {self.unit}: {self.new_file} với bài trước {self.previous_file}.",
               self.summary() + "."]
        for c in self.changed:
            out.append(f"  Tiêu chí {c['criterion']}: tự chấm {c['self_before']} → {c['self_after']}; "
                       f"được tính {c['counted_before']} → {c['counted_after']}")
        for title, items in (("Đã sửa", self.fixed), ("Còn lại", self.remaining), ("Mới phát sinh", self.new)):
            for f in items:
                where = ", ".join(x for x in (f.get("sheet", ""), f.get("cell", "")) if x)
                out.append(f"  [{title}] {f.get('code', '')} {where}: {f.get('message', '')}")
        return out

    def save(self, folder: Path, round_number: int) -> list[Path]:
        """Write ``so-sanh_lan-<n>.json`` and ``.txt`` into the unit's folder (atomically); the paths."""
        folder.mkdir(parents=True, exist_ok=True)
        stem = folder / f"so-sanh_lan-{round_number}"
        json_path, text_path = stem.with_suffix(".json"), stem.with_suffix(".txt")
        atomic_write_text(json_path, json.dumps(self.as_dict(), ensure_ascii=False, indent=2) + "\n")
        atomic_write_text(text_path, "\n".join(self.lines()) + "\n")
        return [json_path, text_path]


def compare_returns(unit: str, before: dict[str, Any], after: dict[str, Any]) -> Comparison:
    """Compare two snapshots (``file``, ``sha256``, ``points`` {criterion: [self, counted]}, ``findings``)."""
    comp = Comparison(unit, before.get("file", ""), before.get("sha256", ""), after.get("file", ""),
                      after.get("sha256", ""))
    old_points, new_points = before.get("points", {}), after.get("points", {})
    for code in list(dict.fromkeys([*old_points, *new_points])):
        old, new = old_points.get(code, ["", ""]), new_points.get(code, ["", ""])
        if list(old) != list(new):
            comp.changed.append({"criterion": code, "self_before": old[0], "self_after": new[0],
                                 "counted_before": old[1], "counted_after": new[1]})
    old_findings = {finding_key(f): f for f in before.get("findings", ()) if f.get("severity") != "info"}
    new_findings = {finding_key(f): f for f in after.get("findings", ()) if f.get("severity") != "info"}
    comp.fixed = [f for k, f in old_findings.items() if k not in new_findings]
    comp.remaining = [f for k, f in new_findings.items() if k in old_findings]
    comp.new = [f for k, f in new_findings.items() if k not in old_findings]
    return comp

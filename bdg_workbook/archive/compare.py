"""History as text: the runs and review rounds of the archive, and two seasons side by side per unit."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from bdg_workbook.archive.store import Archive, RunRow, UnitStanding
from bdg_workbook.domain.numbers import format_points

KIND_VI = {"collect": "Thu bài", "review": "Thẩm định", "send": "Gửi thư"}


@dataclass(frozen=True)
class UnitComparison:
    """One unit in two seasons: totals, ratings and the change (None when a side has no total)."""

    department: str
    name: str
    before: UnitStanding | None
    after: UnitStanding | None

    @property
    def change(self) -> Decimal | None:
        """after − before, when both seasons have a total."""
        if self.before is None or self.after is None or self.before.total is None or self.after.total is None:
            return None
        return self.after.total - self.before.total


def compare_seasons(archive: Archive, old: int, new: int) -> list[UnitComparison]:
    """Every unit of either season (new season's order first), with both standings."""
    a, b = archive.standings(old), archive.standings(new)
    codes = list(b) + [c for c in a if c not in b]
    return [UnitComparison(c, (b.get(c) or a[c]).name, a.get(c), b.get(c)) for c in codes]


def run_lines(runs: list[RunRow]) -> list[str]:
    """One line per run: number, kind, season, time, files, errors, template, source → output."""
    if not runs:
        return ["Kho lưu trữ chưa có lần chạy nào."]
    lines = [f"{'Số':>4}  {'Loại':<10} {'Năm':<5} {'Thời điểm':<19}  {'Tệp':>4} {'Lỗi':>4} {'C.báo':>5}  Mẫu / nguồn"]
    for r in runs:
        kind = KIND_VI.get(r.kind, r.kind) + (f" v{r.review_round}" if r.kind == "review" else "")
        lines.append(f"{r.id:>4}  {kind:<10} {r.season:<5} {r.started_at:<19}  {r.files:>4} {r.errors:>4} "
                     f"{r.warnings:>5}  {r.template_id}@{r.template_hash[:8]} {r.source}"
                     + (f" → {r.output}" if r.output else ""))
    return lines


def compare_lines(rows: list[UnitComparison], old: int, new: int) -> list[str]:
    """The per-unit table of ``history --compare``."""
    if not rows:
        return [f"Kho lưu trữ không có kết quả năm {old} hay năm {new}."]
    head = f"{'Mã':<8} {'Đơn vị':<34} {str(old):>8} {'Xếp loại':<11} {str(new):>8} {'Xếp loại':<11} {'Thay đổi':>9}"
    lines = [head, "-" * len(head)]
    for r in rows:
        lines.append(f"{r.department:<8} {r.name[:34]:<34} {_total(r.before):>8} {_rating(r.before):<11} "
                     f"{_total(r.after):>8} {_rating(r.after):<11} {_change(r.change):>9}")
    return lines


def _total(s: UnitStanding | None) -> str:
    if s is None:
        return "-"
    return format_points(s.total) if s.total is not None else "Chưa nộp"


def _rating(s: UnitStanding | None) -> str:
    return s.rating if s is not None and s.rating else ""


def _change(value: Decimal | None) -> str:
    if value is None:
        return ""
    return ("+" if value > 0 else "") + format_points(value)

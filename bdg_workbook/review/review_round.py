"""The ward's review round: read the officer's "Điểm thẩm định" edits from a master, check them, recompute.

``review_master`` reads a ward master as untrusted input (``master_read``), checks its hashes and
signature, judges every review cell (``review_rules``), rescores every department from the verified
points with ``scoring.score_points`` (sections capped, bonus/deduction caps, N/A normalisation) and
ranks them again. ``review_report`` writes the next version; the input file is never written to.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Mapping

from bdg_workbook.domain.errors import BdgError
from bdg_workbook.domain.findings import Finding, FindingCounts, make
from bdg_workbook.layout.master import (AUDIT_COLUMNS, MASTER_KIND, MASTER_LAYOUT_VERSION, SHEET_AUDIT, SHEET_DATA, SHEET_META,
                            SHEET_REVIEW, REVIEW_NAME_PREFIX, review_name)
from bdg_workbook.untrusted.master_reader import DataError, DeptData, MasterFile, check_integrity, parse_data, read_master
from bdg_workbook.domain.model import Department, Setup
from bdg_workbook.domain.result import CollectResult, DepartmentResult, assign_ranks
from bdg_workbook.domain.numbers import format_points
from bdg_workbook.review.rules import Verdict, judge
from bdg_workbook.master.review_sheets import AuditLine
from bdg_workbook.domain.scoring import ScoreCard, excel_round, score_points
from bdg_workbook.trust.signing import VALID, KeyRing
from bdg_workbook.domain.submission import Cell, Submission

VERSION_RE = re.compile(r"_thamdinh_v\d+$")


class ReviewError(BdgError):
    """The file cannot be reviewed at all: not a ward master, another criteria table, a later layout."""


@dataclass
class ReviewedDepartment:
    """One collected department after the review: self, counted and verified cards, ranks before and after."""

    data: DeptData
    result: DepartmentResult          # card = verified points, self_card = self-assessed points
    counted_card: ScoreCard
    prefill_card: ScoreCard           # the points in force before this round
    counted_rank: int


@dataclass
class ReviewOutcome(FindingCounts):
    """Everything one review run found and computed (before any file is written)."""

    setup: Setup                      # departments in the master's order
    master: MasterFile
    round: int                        # this round's number (1 for the first review)
    generated_at: str
    findings: list[Finding] = field(default_factory=list)
    audit: list[AuditLine] = field(default_factory=list)      # every round, earlier rounds first
    departments: list[ReviewedDepartment] = field(default_factory=list)
    missing: list[Department] = field(default_factory=list)
    blocked: bool = False             # the master's integrity failed: nothing may be written

    @property
    def edits(self) -> list[AuditLine]:
        """The changes applied in this round."""
        return [line for line in self.audit if line.round == self.round]

    def view(self) -> CollectResult:
        """The reviewed master as a CollectResult (cards = verified points) for the report writers."""
        return CollectResult(self.setup, self.master.display_name, self.generated_at,
                             [d.result for d in self.departments], list(self.missing), [], list(self.findings))

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict of the outcome (``review --format json``)."""
        def num(value: Decimal) -> float | int:
            return int(value) if value == value.to_integral_value() else float(value)
        return {
            "master": self.master.display_name, "sha256": self.master.sha256, "round": self.round,
            "generated_at": self.generated_at, "blocked": self.blocked,
            "departments": [{"code": d.result.department.code, "self_total": num(d.result.self_card.total),
                             "counted_total": num(d.counted_card.total), "verified_total": num(d.result.card.total),
                             "rating": d.result.card.rating, "rank": d.result.rank, "counted_rank": d.counted_rank}
                            for d in self.departments],
            "edits": [{"department": e.department, "criterion": e.criterion, "before": num(e.before),
                       "after": num(e.after), "reason": e.reason, "when": e.when} for e in self.edits],
            "audit_lines": len(self.audit),
            "findings": [f.as_dict() for f in self.findings],
            "counts": {"errors": self.error_count, "warnings": self.warning_count, "edits": len(self.edits)},
        }


# ---------------------------------------------------------------- entry points


def next_version_path(master: Path, review_round: int) -> Path:
    """``TONGHOP_2024_X.xlsx`` -> ``TONGHOP_2024_X_thamdinh_v2.xlsx`` (round 1), then ``_v3`` …"""
    base = VERSION_RE.sub("", master.stem)
    return master.with_name(f"{base}_thamdinh_v{review_round + 1}.xlsx")


def review_master(setup: Setup, path: Path, keyring: KeyRing | None, now: str | None = None,
                  entries: Mapping[str, Cell] | None = None) -> ReviewOutcome:
    """Read and check the officer's edits in a ward master; ReviewError when it is not a reviewable master.

    ``entries`` (review-cell defined name -> cell) replace what the file holds in those "Điểm thẩm định" and
    "Lý do" cells: the web form's values, judged exactly like values typed into the sheet."""
    master = read_master(Path(path), review=True)
    if entries:
        editable = (REVIEW_NAME_PREFIX["verified"] + "_", REVIEW_NAME_PREFIX["reason"] + "_")
        master.review.update({name: cell for name, cell in entries.items() if name.startswith(editable)})
    _check_kind(master, setup)
    when = now or dt.datetime.now().replace(microsecond=0).isoformat()
    outcome = ReviewOutcome(setup, master, master.review_round + 1, when)
    outcome.findings += _integrity_findings(master, keyring)
    if outcome.error_count:
        outcome.blocked = True
        return outcome
    codes = [c.code for c in setup.table.criteria]
    try:
        depts = parse_data(master.data, codes)
        outcome.audit = _earlier_audit(master.audit or [])
    except DataError as exc:
        outcome.findings.append(_hash_finding(master, SHEET_DATA, str(exc)))
        outcome.blocked = True
        return outcome
    _order_departments(outcome, depts)
    for dept in depts:
        if dept.collected:
            _review_department(outcome, dept)
    if not outcome.blocked:
        results = [d.result for d in outcome.departments]
        assign_ranks(results, setup.table.sections_of("penalty")[0].code)
    return outcome


def _check_kind(master: MasterFile, setup: Setup) -> None:
    name = master.display_name
    if master.kind != MASTER_KIND:
        raise ReviewError(f"Tệp '{name}' không phải bảng tổng hợp của phường (meta kind = '{master.kind}'). "
                          "Chỉ thẩm định tệp TONGHOP_… do 'bdg-workbook collect' hoặc 'review' ghi.")
    if master.meta.get("layout_version") != MASTER_LAYOUT_VERSION:
        raise ReviewError(f"Tệp '{name}' có bố cục phiên bản '{master.meta.get('layout_version')}', chương trình "
                          f"đọc được phiên bản {MASTER_LAYOUT_VERSION}: chạy lại 'bdg-workbook collect' để có tệp mới.")
    if master.meta.get("template_hash") != setup.table.content_hash:
        raise ReviewError(f"Tệp '{name}' dùng bảng tiêu chí khác (mã băm {master.meta.get('template_hash', '')[:12]}…, "
                          f"đang dùng {setup.table.content_hash[:12]}…). Chạy lệnh trong thư mục làm việc của mùa thi "
                          "đua đó, hoặc chỉ đúng bảng tiêu chí bằng --criteria.")
    if master.review_round < 0:
        raise ReviewError(f"Tệp '{name}': ô meta review_round không phải số ('{master.meta.get('review_round')}').")


def _integrity_findings(master: MasterFile, keyring: KeyRing | None) -> list[Finding]:
    integrity = check_integrity(master, keyring)
    out = [_hash_finding(master, sheet, reason) for sheet, reason in integrity.problems]
    ver = integrity.verification
    if ver is None and master.meta.get("signature", "").strip():   # signed, but no key to check it with
        out.append(make("R13", file=master.display_name, sheet=SHEET_META, value=master.meta.get("key_id", ""),
                        reason="không có --keys/--key, biến môi trường BDG_SIGNING_KEY hay tệp "
                               "keys/ward-signing.key ở thư mục đang chạy"))
    elif ver is None:
        out.append(make("R08", file=master.display_name, sheet=SHEET_META))
    elif ver.status != VALID:
        out.append(make("R07", file=master.display_name, sheet=SHEET_META, value=ver.key_id, reason=ver.message))
    return out


def _hash_finding(master: MasterFile, sheet: str, reason: str) -> Finding:
    return make("R06", file=master.display_name, sheet=sheet, reason=reason)


def _earlier_audit(rows: list[list[Any]]) -> list[AuditLine]:
    """The audit lines of earlier rounds, as read back from the audit_log range."""
    if not rows or tuple(rows[0]) != AUDIT_COLUMNS:
        raise DataError(f"dòng tiêu đề của trang '{SHEET_AUDIT}' không đúng mẫu")
    out = []
    for number, row in enumerate(rows[1:], 2):
        rnd, when, dept, name, crit, before, after, reason, source = row
        numbers = (rnd, before, after)
        if not all(isinstance(v, Decimal) for v in numbers) or not isinstance(dept, str) or not isinstance(crit, str):
            raise DataError(f"dòng {number} của trang '{SHEET_AUDIT}' không đúng mẫu")
        out.append(AuditLine(int(rnd), _plain(when), dept, _plain(name), crit, before, after, _plain(reason),
                             _plain(source)))
    return out


def _plain(value: Any) -> str:
    return "" if value is None else str(value)


def _order_departments(outcome: ReviewOutcome, depts: list[DeptData]) -> None:
    """Use the setup's Department for each code of the master (a stand-in when the list changed since)."""
    known = {d.code: d for d in outcome.setup.departments}
    order = [known.get(d.code) or Department(d.code, d.name, d.name, (), "quoc_hieu", (), False) for d in depts]
    outcome.setup = dataclasses.replace(outcome.setup, departments=tuple(order))
    by_code = {d.code: d for d in order}
    outcome.missing = [by_code[d.code] for d in depts if not d.collected]


# ---------------------------------------------------------------- one department


def _review_department(outcome: ReviewOutcome, data: DeptData) -> None:
    table, master = outcome.setup.table, outcome.master
    codes = [c.code for c in table.criteria]
    na = data.not_applicable
    own = score_points(table, data.points(codes, 0), na)
    counted = score_points(table, data.points(codes, 1), na)
    column = data.in_force_column()
    in_force_na = set(data.not_applicable_at(column))
    prefill = score_points(table, data.points(codes, column), in_force_na)
    for card, col in ((own, 0), (counted, 1), (prefill, column)):
        if card.total != data.number("total", col):
            outcome.findings.append(_hash_finding(master, SHEET_DATA, f"tổng điểm của đơn vị {data.code} ghi trong "
                                                  "trang không khớp điểm từng tiêu chí"))
            outcome.blocked = True
            return
    points = {c: prefill.items[c].points for c in codes}
    for crit in table.criteria:
        _locked_cells(outcome, data, crit.code, own, counted)
        verdict = judge(crit, points[crit.code], master.review.get(review_name("verified", data.code, crit.code)),
                        master.review.get(review_name("reason", data.code, crit.code)), crit.code in in_force_na)
        _record(outcome, data, crit, points[crit.code], verdict)
        points[crit.code] = verdict.points
        if verdict.overturns_na:
            in_force_na.discard(crit.code)
    verified = score_points(table, points, in_force_na)
    _cap_warnings(outcome, data, prefill, verified)
    department = next(d for d in outcome.setup.departments if d.code == data.code)
    submitted = _date(data.text("submitted"))
    sub = Submission("", data.text("file"), data.text("sha256"), 0, 0.0, {"department_code": data.code}, {}, {}, {})
    result = DepartmentResult(department, data.text("file"), data.text("sha256"), submitted, sub, own, verified,
                              errors=int(_number_or(data, "errors")), warnings=int(_number_or(data, "warnings")))
    outcome.departments.append(ReviewedDepartment(data, result, counted, prefill, int(_number_or(data, "rank"))))


def _record(outcome: ReviewOutcome, data: DeptData, crit: Any, before: Decimal, verdict: Verdict) -> None:
    """The finding of one verdict and, for an applied edit, its audit line."""
    if not verdict.code:
        return
    name = review_name("verified", data.code, crit.code)
    cell = outcome.master.review.get(name)
    finding = make(verdict.code, department=data.code, criterion=crit.code, file=outcome.master.display_name,
                   sheet=SHEET_REVIEW, cell=cell.ref if cell is not None else "", value=verdict.found,
                   before=format_points(before), max=format_points(crit.max), name=name, reason=verdict.reason)
    outcome.findings.append(finding)
    if verdict.changed:
        reason = f"Bác “Không áp dụng” của đơn vị: {verdict.reason}" if verdict.overturns_na else verdict.reason
        outcome.audit.append(AuditLine(outcome.round, outcome.generated_at, data.code, data.name, crit.code,
                                       before, verdict.points, reason, outcome.master.display_name))


def _locked_cells(outcome: ReviewOutcome, data: DeptData, code: str, own: ScoreCard, counted: ScoreCard) -> None:
    """A self-assessed or counted cell of the review sheet that differs from the data sheet (edited: not used)."""
    for role, card, what in (("self", own, "điểm tự chấm"), ("counted", counted, "điểm sau kiểm tra")):
        name = review_name(role, data.code, code)
        cell = outcome.master.review.get(name)
        if cell is None:
            continue
        value = cell.value
        same = isinstance(value, Decimal) and not isinstance(value, bool) and value.is_finite() \
            and excel_round(value) == card.items[code].points and cell.formula is None
        if not same:
            shown = cell.formula and "=" + cell.formula.lstrip("=") or cell.error or _plain(value)
            outcome.findings.append(make("R05", department=data.code, criterion=code, file=outcome.master.display_name,
                                         sheet=SHEET_REVIEW, cell=cell.ref, value=shown, name=name, what=what,
                                         expected=format_points(card.items[code].points)))


def _cap_warnings(outcome: ReviewOutcome, data: DeptData, before: ScoreCard, after: ScoreCard) -> None:
    """A bonus or deduction section pushed over its cap by this round's edits."""
    for sec in (*outcome.setup.table.sections_of("bonus"), *outcome.setup.table.sections_of("penalty")):
        raw = after.sections[sec.code].raw
        if raw > sec.max and raw != before.sections[sec.code].raw:
            outcome.findings.append(make("R10", department=data.code, criterion=sec.code, sheet=SHEET_REVIEW,
                                         file=outcome.master.display_name, value=format_points(raw), section=sec.code,
                                         cap=format_points(sec.max)))


def _number_or(data: DeptData, key: str, default: Decimal = Decimal(0)) -> Decimal:
    try:
        return data.number(key, 1)
    except DataError:
        return default


def _date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None

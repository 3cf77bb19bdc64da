"""District roll-up: signed ward masters in, one district result out; one bad ward never stops the others.

Each ward master is read as untrusted input (``master_read``), its data and audit hashes recomputed and
its signature verified with that ward's public key (``--keys``). A master that is unsigned, altered or
signed by an unknown key is an error finding and is not merged. Every department's points in force
(verified after a review, else counted) are rescored with ``scoring.score_points`` and must match the
totals the ward wrote; wards are ranked by the average total over all their departments, a department that
did not submit counting 0 (so 3 of 15 submitted never outranks 4 of 15 with the same scores).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import tempfile
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from bdg_workbook.collect.collector import InputFile, find_inputs
from bdg_workbook.domain.errors import BdgError, WorkbookError
from bdg_workbook.domain.findings import ERROR, Finding, FindingCounts, make
from bdg_workbook.layout.master import MASTER_LAYOUT_VERSION, SHEET_DATA, SHEET_META
from bdg_workbook.untrusted.master_reader import (KIND_DEPARTMENT, KIND_WARD_MASTER, DataError, DeptData, MasterFile, check_integrity,
                          parse_data, peek_kind, read_master)
from bdg_workbook.domain.model import Setup
from bdg_workbook.domain.scoring import ScoreCard, excel_round, score_points
from bdg_workbook.trust.signing import BAD_SIGNATURE, MALFORMED, UNKNOWN_KEY, UNSIGNED, KeyRing

DISTRICT_KIND = "district_master"
MODE_WARD, MODE_DISTRICT = "ward", "district"
MERGED, REJECTED, SUPERSEDED = "merged", "rejected", "superseded"
STATUS_VI = {MERGED: "Đã tổng hợp", REJECTED: "Bị từ chối", SUPERSEDED: "Không dùng (phường có bản khác được dùng)"}
CODES = ("D01", "D02", "D03", "D04", "D05", "D06", "D07", "D08", "D09", "D10", "D11", "F11")


class MixedFolderError(BdgError):
    """The folder holds both department workbooks and ward masters."""


# ---------------------------------------------------------------- what is in the folder


def detect_mode(inbox: Path) -> str:
    """MODE_DISTRICT when the folder holds ward masters only, MODE_WARD otherwise; MixedFolderError for a mix."""
    with tempfile.TemporaryDirectory(prefix="bdg-detect-") as work:
        items, _notes = find_inputs(inbox, Path(work))
        kinds = {item.display_name: peek_kind(item.path) for item in items}
    masters = sorted(n for n, k in kinds.items() if k == KIND_WARD_MASTER)
    departments = sorted(n for n, k in kinds.items() if k == KIND_DEPARTMENT)
    if masters and departments:
        raise MixedFolderError(
            f"Thư mục {inbox} có cả bảng tự chấm của đơn vị ({len(departments)} tệp, ví dụ {departments[0]}) và "
            f"bảng tổng hợp của phường ({len(masters)} tệp, ví dụ {masters[0]}). Tách riêng: thư mục nhận bài của "
            "phường chỉ chứa tệp các đơn vị gửi; thư mục của cấp trên chỉ chứa bảng tổng hợp các phường gửi.")
    return MODE_DISTRICT if masters else MODE_WARD


# ---------------------------------------------------------------- results


@dataclass
class WardDepartment:
    """One department of one ward with the points in force (verified after a review, else counted)."""

    code: str
    name: str
    collected: bool
    card: ScoreCard | None = None
    rank: int = 0
    verified: bool = False
    file: str = ""
    sha256: str = ""


@dataclass
class WardResult:
    """One merged ward master: identity, provenance and its departments."""

    ward: str
    district: str
    province: str
    file: str
    sha256: str
    key_id: str
    key_source: str
    review_round: int
    generated_at: str
    departments: list[WardDepartment] = field(default_factory=list)
    rank: int = 0

    @property
    def collected(self) -> list[WardDepartment]:
        """The departments whose workbook the ward collected."""
        return [d for d in self.departments if d.collected]

    @property
    def totals(self) -> list[Decimal]:
        """Totals in force of the collected departments."""
        return [d.card.total for d in self.collected if d.card is not None]

    @property
    def average(self) -> Decimal | None:
        """Average total over ALL the ward's departments, a department that did not submit counting 0 (Excel
        ROUND to 2 places), so a missing return never raises the ward's standing; None when none returned."""
        totals = self.totals
        return excel_round(sum(totals, Decimal(0)) / len(self.departments)) if totals else None

    @property
    def average_submitted(self) -> Decimal | None:
        """Average total of the departments that submitted (shown for information, not used for ranking)."""
        totals = self.totals
        return excel_round(sum(totals, Decimal(0)) / len(totals)) if totals else None

    def rating_counts(self, labels: list[str]) -> list[int]:
        """Number of collected departments in each rating band (labels best first)."""
        counts = Counter(d.card.rating for d in self.collected if d.card is not None)
        return [counts.get(label, 0) for label in labels]


@dataclass
class WardFile:
    """One input file of the district run and what happened to it."""

    file: str
    sha256: str
    ward: str
    status: str
    review_round: int | None = None
    key_id: str = ""
    errors: int = 0


@dataclass
class DistrictResult(FindingCounts):
    """Everything one district roll-up produced (before any file is written)."""

    setup: Setup
    inbox: str
    generated_at: str
    district: str = ""
    province: str = ""
    wards: list[WardResult] = field(default_factory=list)
    files: list[WardFile] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    @property
    def band_labels(self) -> list[str]:
        """Rating labels of the criteria table, best first."""
        return [b.label for b in self.setup.table.bands]

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict; ``rollup --format json`` prints exactly this."""
        return {
            "kind": DISTRICT_KIND, "district": self.district, "province": self.province,
            "year": self.setup.config.year, "template_id": self.setup.table.template_id,
            "template_hash": self.setup.table.content_hash, "inbox": self.inbox, "generated_at": self.generated_at,
            "wards": [_ward_dict(w, self.band_labels) for w in self.wards],
            "files": [vars(f).copy() for f in self.files],
            "findings": [f.as_dict() for f in self.findings],
            "counts": {"errors": self.error_count, "warnings": self.warning_count, "wards": len(self.wards),
                       "files": len(self.files),
                       "rejected": sum(1 for f in self.files if f.status == REJECTED)},
        }


def _num(value: Decimal | None) -> float | int | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def _ward_dict(w: WardResult, labels: list[str]) -> dict[str, Any]:
    totals = w.totals
    return {
        "ward": w.ward, "district": w.district, "file": w.file, "sha256": w.sha256, "key_id": w.key_id,
        "review_round": w.review_round, "generated_at": w.generated_at, "rank": w.rank,
        "departments": len(w.departments), "collected": len(w.collected), "average": _num(w.average),
        "min": _num(min(totals)) if totals else None, "max": _num(max(totals)) if totals else None,
        "ratings": dict(zip(labels, w.rating_counts(labels))),
        "department_results": [
            {"code": d.code, "name": d.name, "collected": d.collected, "file": d.file, "sha256": d.sha256,
             "total": _num(d.card.total) if d.card else None, "rating": d.card.rating if d.card else None,
             "rank": d.rank or None, "points": "verified" if d.verified else "counted",
             "sections": {k: _num(s.capped) for k, s in d.card.sections.items()} if d.card else None}
            for d in w.departments],
    }


# ---------------------------------------------------------------- the roll-up


def collect_district(inbox: Path, setup: Setup, keyring: KeyRing) -> DistrictResult:
    """Read, verify and merge every ward master under ``inbox`` (saved emails included)."""
    with tempfile.TemporaryDirectory(prefix="bdg-district-") as work:
        items, notes = find_inputs(inbox, Path(work))
        result = merge_wards(setup, items, str(inbox), keyring)
    result.findings = notes + result.findings
    return result


def merge_wards(setup: Setup, items: list[InputFile], inbox_label: str, keyring: KeyRing) -> DistrictResult:
    """Merge the given ward master files; wards in name order, ranked by average total."""
    result = DistrictResult(setup, inbox_label, dt.datetime.now().replace(microsecond=0).isoformat())
    merged: list[tuple[WardResult, MasterFile]] = []
    for item in items:
        ward, master, findings = _process(setup, item, keyring)
        result.findings += findings
        errors = sum(1 for f in findings if f.severity == ERROR)
        status = MERGED if ward is not None else REJECTED
        result.files.append(WardFile(item.display_name, master.sha256 if master else _sha(item.path),
                                     master.meta.get("ward", "") if master else "", status,
                                     master.review_round if master else None,
                                     master.meta.get("key_id", "") if master else "", errors))
        if ward is not None:
            merged.append((ward, master))
    result.wards = _keep_latest(result, merged)
    _district_identity(result)
    rank_wards(result.wards)
    return result


def _process(setup: Setup, item: InputFile, keyring: KeyRing) -> tuple[WardResult | None, MasterFile | None,
                                                                         list[Finding]]:
    """One ward master: read, check kind/template/year, hashes, signature, data; a WardResult or findings."""
    name = item.display_name
    try:
        master = read_master(item.path, name)
    except WorkbookError as exc:
        return None, None, [make(exc.code, file=name, reason=exc.message)]
    except Exception as exc:  # noqa: BLE001 - a hostile file must not stop the district
        return None, None, [make("F11", file=name, reason=f"{type(exc).__name__}: {str(exc)[:200]}")]
    ward = master.meta.get("ward", "") or name
    findings = _identity_findings(setup, master, ward)
    if findings:
        return None, master, findings
    findings = _trust_findings(master, ward, keyring)
    if any(f.severity == ERROR for f in findings):
        return None, master, findings
    try:
        merged = _ward_result(setup, master, ward, keyring)
    except DataError as exc:
        return None, master, findings + [make("D08", file=name, sheet=SHEET_DATA, ward=ward, reason=str(exc))]
    if master.review_round == 0:
        findings.append(make("D07", file=name, ward=ward))
    return merged, master, findings


def _identity_findings(setup: Setup, master: MasterFile, ward: str) -> list[Finding]:
    """Not a ward master of this layout, criteria table or year."""
    name, meta = master.display_name, master.meta
    if master.kind != KIND_WARD_MASTER:
        return [make("D08", file=name, sheet=SHEET_META, value=master.kind,
                     reason=f"meta kind là '{master.kind}', không phải '{KIND_WARD_MASTER}'")]
    if meta.get("layout_version") != MASTER_LAYOUT_VERSION:
        return [make("D08", file=name, sheet=SHEET_META, value=meta.get("layout_version", ""),
                     reason=f"bố cục phiên bản '{meta.get('layout_version')}', chương trình đọc phiên bản "
                            f"{MASTER_LAYOUT_VERSION}")]
    table = setup.table
    if meta.get("template_hash") != table.content_hash:
        return [make("D05", file=name, sheet=SHEET_META, ward=ward, what="bảng tiêu chí",
                     value=f"{meta.get('template_id', '')} {meta.get('template_hash', '')[:12]}",
                     expected=f"{table.template_id} {table.content_hash[:12]}")]
    if meta.get("year") != str(setup.config.year):
        return [make("D05", file=name, sheet=SHEET_META, ward=ward, what="năm thi đua", value=meta.get("year", ""),
                     expected=str(setup.config.year))]
    return []


def _trust_findings(master: MasterFile, ward: str, keyring: KeyRing) -> list[Finding]:
    """Unsigned, altered (hash or formula), unknown key or bad signature: each an error."""
    integrity = check_integrity(master, keyring)
    name = master.display_name
    out = [make("D02", file=name, sheet=sheet, ward=ward, reason=reason) for sheet, reason in integrity.problems]
    ver = integrity.verification
    status = ver.status if ver is not None else UNSIGNED
    if status == UNSIGNED:
        out.append(make("D01", file=name, sheet=SHEET_META, ward=ward))
    elif status == UNKNOWN_KEY:
        out.append(make("D03", file=name, sheet=SHEET_META, ward=ward, value=ver.key_id, key=ver.key_id))
    elif status in (BAD_SIGNATURE, MALFORMED):
        out.append(make("D04", file=name, sheet=SHEET_META, ward=ward, value=ver.key_id, reason=ver.message))
    else:
        out += _binding_findings(master, ward, keyring)
    return out


def _binding_findings(master: MasterFile, ward: str, keyring: KeyRing) -> list[Finding]:
    """Issue 12: the key that signed a master must be bound to the ward (and district) the master names."""
    name, kid = master.display_name, master.meta.get("key_id", "").strip().lower()
    trusted = keyring.get(kid)
    if trusted is None:
        return []
    if not trusted.ward:
        return [make("D11", file=name, sheet=SHEET_META, ward=ward, value=kid, key=kid,
                     reason=f"tệp {Path(trusted.source).name} chỉ có khóa PEM")]
    same_ward = _ward_key(trusted.ward) == _ward_key(ward)
    district = master.meta.get("district", "")
    same_district = not trusted.district or _ward_key(trusted.district) == _ward_key(district)
    if same_ward and same_district:
        return []
    owner = trusted.ward + (f", {trusted.district}" if trusted.district else "")
    return [make("D10", file=name, sheet=SHEET_META, ward=f"{ward}, {district}" if district else ward, value=kid,
                 key=kid, key_ward=owner)]


def _ward_result(setup: Setup, master: MasterFile, ward: str, keyring: KeyRing) -> WardResult:
    """The ward's departments rescored from the points in force; DataError when a total does not match."""
    table = setup.table
    codes = [c.code for c in table.criteria]
    meta = master.meta
    kid = meta.get("key_id", "").strip().lower()
    trusted = keyring.get(kid)
    out = WardResult(ward, meta.get("district", ""), meta.get("province", ""), master.display_name, master.sha256,
                     kid, trusted.source if trusted else "", master.review_round, meta.get("generated_at", ""))
    for dept in parse_data(master.data, codes):
        out.departments.append(_department(table, dept, codes))
    return out


def _department(table: Any, dept: DeptData, codes: list[str]) -> WardDepartment:
    if not dept.collected:
        return WardDepartment(dept.code, dept.name, False)
    column = dept.in_force_column()
    card = score_points(table, dept.points(codes, column), dept.not_applicable_at(column))
    if card.total != dept.number("total", column):
        raise DataError(f"đơn vị {dept.code}: tổng điểm ghi trong bảng ({dept.number('total', column)}) khác tổng "
                        f"tính lại từ điểm từng tiêu chí ({card.total})")
    try:
        rank = int(dept.number("rank", column))
    except DataError:
        rank = 0
    return WardDepartment(dept.code, dept.name, True, card, rank, column == 2, dept.text("file"),
                          dept.text("sha256"))


def _ward_key(name: str) -> str:
    return " ".join(unicodedata.normalize("NFC", name).casefold().split())


def _keep_latest(result: DistrictResult, merged: list[tuple[WardResult, MasterFile]]) -> list[WardResult]:
    """One master per ward: the latest review round, then the latest generated_at; the others superseded."""
    groups: dict[str, list[WardResult]] = {}
    for ward, _master in merged:
        groups.setdefault(_ward_key(ward.ward), []).append(ward)
    kept = []
    for group in groups.values():
        group.sort(key=lambda w: (w.review_round, w.generated_at, w.file), reverse=True)
        kept.append(group[0])
        for other in group[1:]:
            result.findings.append(make("D06", file=other.file, ward=other.ward, kept=group[0].file))
            for f in result.files:
                if f.file == other.file:
                    f.status = SUPERSEDED
    return sorted(kept, key=lambda w: _ward_key(w.ward))


def _district_identity(result: DistrictResult) -> None:
    """The district and province most wards name; a ward naming another area of the level above (its district,
    or its province when the level above is the province) is a warning."""
    if not result.wards:
        return
    district = Counter(w.district for w in result.wards).most_common(1)[0][0]
    result.district = district
    result.province = Counter(w.province for w in result.wards if w.district == district).most_common(1)[0][0]
    by_province = result.setup.config.above.level == "province"
    if by_province:
        result.province = Counter(w.province for w in result.wards).most_common(1)[0][0]
    for w in result.wards:
        mine, expected = (w.province, result.province) if by_province else (w.district, district)
        if _ward_key(mine) != _ward_key(expected):
            result.findings.append(make("D09", file=w.file, ward=w.ward, value=mine, expected=expected))


def rank_wards(wards: list[WardResult]) -> None:
    """Rank by average total (higher first), then more departments collected; ties share a rank; no average: 0."""
    ranked = sorted((w for w in wards if w.average is not None), key=lambda w: (-w.average, -len(w.collected)))
    for i, w in enumerate(ranked):
        prev = ranked[i - 1] if i else None
        same = prev is not None and (prev.average, len(prev.collected)) == (w.average, len(w.collected))
        w.rank = prev.rank if same else i + 1
    for w in wards:
        if w.average is None:
            w.rank = 0


def _sha(path: Path) -> str:
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except OSError:
        return ""
    return digest.hexdigest()

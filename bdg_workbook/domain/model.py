"""The domain model: criteria table, departments and season config as frozen data (loading is in ``config.load``)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any


METHODS = ("yesno", "ratio", "percent", "count")
METHOD_LABELS = {"yesno": "Có/Không", "ratio": "Tỷ lệ", "percent": "Nhập %", "count": "Đếm"}
SECTION_KINDS = ("base", "bonus", "penalty")
DEPT_CODE_RE = re.compile(r"^[A-Z][A-Z0-9]{0,11}$")


@dataclass(frozen=True)
class Criterion:
    """One scored line of the table."""

    code: str
    section: str
    text: str
    max: Decimal
    method: str
    unit: str = ""
    default_target: Decimal | None = None
    points_each: Decimal | None = None
    allow_na: bool = False
    requires_justification: bool = False
    evidence: tuple[str, ...] = ()
    note: str = ""
    target_proposable: bool = False   # the unit may type its own target, not below the Ban's (then a minimum)
    on_time: bool = False             # "sent on time": the collector scores it from the receipt time (issue 13.3)

    @property
    def key(self) -> str:
        """Code as used in defined names: ``II.3`` -> ``II_3``."""
        return self.code.replace(".", "_")


@dataclass(frozen=True)
class Section:
    """A part of the table (I..V) with its maximum (base) or cap (bonus, penalty)."""

    code: str
    title: str
    kind: str
    max: Decimal
    criteria: tuple[Criterion, ...]


@dataclass(frozen=True)
class Band:
    """A rating band: the first band whose ``min`` the total reaches is the rating."""

    label: str
    min: Decimal


@dataclass(frozen=True)
class JustificationField:
    """One of the five things a bonus claim must prove."""

    key: str
    label: str


@dataclass(frozen=True)
class CriteriaTable:
    """The whole scoring table; one definition drives generator, collector and reports."""

    template_id: str
    version: str
    title: str
    disclaimer: str
    official: bool
    plan_ref: str
    sections: tuple[Section, ...]
    base_max: Decimal
    bonus_cap: Decimal
    penalty_cap: Decimal
    total_max: Decimal
    bands: tuple[Band, ...]
    top_no_deductions_in: tuple[str, ...]
    top_section_min: tuple[str, Decimal] | None
    justification_fields: tuple[JustificationField, ...]
    content_hash: str = ""
    year: int | None = None   # the season the table is for (``meta.year``); None when the file does not say
    # not_applicable_policy.min_applicable_pct: share of a base section's max that counts as applicable at least
    na_min_applicable_pct: Decimal | None = None

    @property
    def season(self) -> int | None:
        """The table's season: ``meta.year``, else a year written in its id (``TDCD-BDG-2024`` -> 2024)."""
        if self.year is not None:
            return self.year
        found = re.search(r"(?<!\d)(20\d\d)(?!\d)", self.template_id or "")
        return int(found.group(1)) if found else None

    @property
    def criteria(self) -> tuple[Criterion, ...]:
        """Every criterion in table order."""
        return tuple(c for s in self.sections for c in s.criteria)

    def section(self, code: str) -> Section:
        """The section with this code."""
        return next(s for s in self.sections if s.code == code)

    def sections_of(self, kind: str) -> tuple[Section, ...]:
        """Sections of one kind (base, bonus, penalty) in table order."""
        return tuple(s for s in self.sections if s.kind == kind)

    def criterion(self, code: str) -> Criterion | None:
        """The criterion with this code, or None."""
        return next((c for c in self.criteria if c.code == code), None)


@dataclass(frozen=True)
class Department:
    """A member unit (ngành, đoàn thể) that scores itself."""

    code: str
    name: str
    short_name: str
    header_left: tuple[str, ...]
    header_right: str
    signer: tuple[str, ...]
    has_seal: bool
    email: str = ""
    contact: str = ""
    main_criteria: tuple[str, ...] = ()
    kind: str = ""
    targets: tuple[tuple[str, Decimal], ...] = ()      # the Ban's target for this unit, by criterion code
    na_allowed: tuple[str, ...] | None = None          # criteria this unit may mark N/A (None: table's allow_na)

    def target_for(self, crit: Criterion) -> Decimal | None:
        """The Ban's target of a ratio criterion for this unit (its own entry, else the table's default)."""
        return dict(self.targets).get(crit.code, crit.default_target)

    def may_be_na(self, crit: Criterion) -> bool:
        """Whether this unit may answer "Không áp dụng" for the criterion."""
        return crit.allow_na and (self.na_allowed is None or crit.code in self.na_allowed)


SMTP_SECURITY = ("starttls", "ssl", "none")
EMAIL_RE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


@dataclass(frozen=True)
class SmtpConfig:
    """Outgoing mail server of the ward; the password is only read from the environment variable."""

    host: str
    port: int
    security: str = "starttls"
    user: str = ""
    sender: str = ""
    sender_name: str = ""
    password_env: str = "BDG_SMTP_PASSWORD"
    retries: int = 3
    retry_delay: float = 2.0
    timeout: float = 30.0


LEVELS = ("district", "province")


@dataclass(frozen=True)
class LevelAbove:
    """The level the ward reports to and how its documents name it (``reports_to`` in config.yaml).

    2024 plan: the district (thị xã) office of labour, invalids and social affairs; from 2025 many wards
    report to the province. Every user-visible mention of the level above comes from here.
    """

    level: str                       # "district" or "province"
    label: str                       # how texts name the level: "cấp thị xã", "cấp tỉnh"
    name: str                        # the area: "thị xã Tịnh Biên", "tỉnh An Giang"
    place_name: str                  # place on its documents' date line: "Tịnh Biên"
    office: str                      # "Phòng Lao động - Thương binh và Xã hội thị xã Tịnh Biên"
    office_short: str                # "Phòng LĐ-TB&XH thị xã Tịnh Biên"
    office_header: tuple[str, ...]   # NĐ 30 header of the office's reports (upper case lines)
    authority: str                   # whom the office reports to: "Ủy ban nhân dân thị xã Tịnh Biên"
    report_symbol: str               # "BC-LĐTBXH"
    signer_lines: tuple[str, ...]    # ("TRƯỞNG PHÒNG",)
    recipients: tuple[str, ...]      # "Nơi nhận" of the roll-up report
    file_tag: str                    # roll-up file name part: "HUYEN", "TINH"


ADMIN_PREFIXES = ("thành phố", "thị xã", "huyện", "quận", "tỉnh")   # only to split a name typed in config


def split_area(area: str) -> tuple[str, str]:
    """``"thị xã Tịnh Biên"`` -> ``("thị xã", "Tịnh Biên")``; a name without a known prefix -> ``("", name)``."""
    text = " ".join(area.split())
    for prefix in ADMIN_PREFIXES:
        if text.lower().startswith(prefix + " "):
            return text[:len(prefix)], text[len(prefix):].strip()
    return "", text


def default_level_above(district: str, sends_to: str = "") -> LevelAbove:
    """``reports_to`` left out of config.yaml: everything derived from ``district`` and ``aggregator.sends_to``."""
    kind, place = split_area(district)
    office = sends_to.strip() or f"Cơ quan tổng hợp của {district}"
    bare = office[: -len(district)].strip() if district and office.endswith(district) else office
    return LevelAbove(
        level="district", label=f"cấp {kind.lower()}".strip() if kind else f"cấp {district}", name=district,
        place_name=place, office=office, office_short=office,
        office_header=(f"UBND {district.upper()}", bare.upper()), authority=f"Ủy ban nhân dân {district}",
        report_symbol="BC", signer_lines=("THỦ TRƯỞNG CƠ QUAN",), recipients=(f"UBND {district} (để báo cáo);",
                                                                          "Các phường, xã;", "Lưu: VT."),
        file_tag=_ascii_tag(kind) or "CAPTREN")


def _ascii_tag(text: str) -> str:
    import unicodedata
    plain = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in plain if c.isascii() and c.isalnum()).upper()


@dataclass(frozen=True)
class Config:
    """Season settings of the ward."""

    ward: str
    ward_upper: str
    district: str
    province: str
    place_name: str
    year: int
    period_start: dt.date
    period_end: dt.date
    department_deadline: dt.date | None
    district_deadline: dt.date
    issue_date: dt.date
    plan_ref: str
    aggregator_header: tuple[str, ...]
    aggregator_name: str
    report_symbol: str
    contact: str
    contact_phone: str
    sends_to: str
    signer_lines: tuple[str, ...]
    signer_name: str
    recipients: tuple[str, ...]
    extra: dict[str, Any] = field(default_factory=dict)
    smtp: SmtpConfig | None = None
    level_above: LevelAbove | None = None   # ``reports_to``; None: the 2024 plan (see ``above``)

    @property
    def above(self) -> LevelAbove:
        """The level the ward reports to: ``reports_to`` from config.yaml, else the 2024 plan's district office."""
        return self.level_above or default_level_above(self.district, self.sends_to)


@dataclass(frozen=True)
class Setup:
    """Everything one season needs: table, departments and config."""

    table: CriteriaTable
    departments: tuple[Department, ...]
    config: Config

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


@dataclass(frozen=True)
class Setup:
    """Everything one season needs: table, departments and config."""

    table: CriteriaTable
    departments: tuple[Department, ...]
    config: Config

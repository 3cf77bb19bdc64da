"""The domain model: criteria table, departments and season config, loaded and validated from YAML."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from .errors import Problem, TemplateError
from .yamlsrc import LocatedYaml, Location, load_located

METHODS = ("yesno", "ratio", "percent", "count")
METHOD_LABELS = {"yesno": "Có/Không", "ratio": "Tỷ lệ", "percent": "Nhập %", "count": "Đếm"}
SECTION_KINDS = ("base", "bonus", "penalty")
DEPT_CODE_RE = re.compile(r"^[A-Z][A-Z0-9]{0,11}$")
TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"


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


# ---------------------------------------------------------------- helpers


class _Checker:
    """Collects located problems while reading one YAML file."""

    def __init__(self, src: LocatedYaml) -> None:
        self.src = src
        self.problems: list[Problem] = []

    def fail(self, loc: Location, message: str) -> None:
        self.problems.append(self.src.problem(loc, message))

    def get(self, data: Any, loc: Location, key: str, kind: type | tuple[type, ...], required: bool = True) -> Any:
        if not isinstance(data, dict):
            return None
        if key not in data or data[key] is None:
            if required:
                self.fail(loc + (key,), f"Thiếu trường bắt buộc '{key}'.")
            return None
        value = data[key]
        if not isinstance(value, kind) or isinstance(value, bool) and bool not in _as_tuple(kind):
            self.fail(loc + (key,), f"Trường '{key}' phải là {_kind_name(kind)}, đang là {value!r}.")
            return None
        return value

    def number(self, data: Any, loc: Location, key: str, required: bool = True) -> Decimal | None:
        value = self.get(data, loc, key, (int, float, str), required)
        if value is None:
            return None
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            self.fail(loc + (key,), f"Trường '{key}' phải là số, đang là {value!r}.")
            return None
        if not number.is_finite() or number < 0:
            self.fail(loc + (key,), f"Trường '{key}' phải là số không âm, đang là {value!r}.")
            return None
        return number

    def date(self, data: Any, loc: Location, key: str, required: bool = True) -> dt.date | None:
        value = self.get(data, loc, key, (dt.date, str), required)
        if value is None or isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            self.fail(loc + (key,), f"Trường '{key}' phải là ngày dạng NNNN-TT-NN, đang là {value!r}.")
            return None


def _as_tuple(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


def _kind_name(kind: type | tuple[type, ...]) -> str:
    names = {str: "chuỗi chữ", int: "số nguyên", float: "số", dict: "một bảng (mapping)",
             list: "một danh sách", bool: "true/false", dt.date: "ngày"}
    return " hoặc ".join(names.get(k, k.__name__) for k in _as_tuple(kind))


def _str_list(chk: _Checker, data: Any, loc: Location, key: str, required: bool = False) -> tuple[str, ...]:
    value = chk.get(data, loc, key, list, required)
    if value is None:
        return ()
    out = []
    for i, item in enumerate(value):
        if not isinstance(item, str):
            chk.fail(loc + (key, i), f"Phần tử phải là chuỗi chữ, đang là {item!r}.")
        else:
            out.append(item)
    return tuple(out)


# ---------------------------------------------------------------- criteria


def load_criteria(path: Path | None = None) -> CriteriaTable:
    """Load and validate a criteria table; raises TemplateError listing every problem."""
    src = load_located(path or TEMPLATES_DIR / "criteria-2024.yaml")
    chk = _Checker(src)
    table = _build_criteria(chk, src.data)
    if chk.problems or table is None:
        raise TemplateError(chk.problems or [src.problem((), "Bảng tiêu chí rỗng.")])
    return table


def _build_criteria(chk: _Checker, data: Any) -> CriteriaTable | None:
    if not isinstance(data, dict):
        chk.fail((), "Tệp bảng tiêu chí phải là một bảng (mapping) có 'meta', 'scale', 'sections'.")
        return None
    meta = chk.get(data, (), "meta", dict) or {}
    scale = chk.get(data, (), "scale", dict) or {}
    rules = chk.get(data, (), "rules", dict, required=False) or {}
    na_policy = chk.get(data, (), "not_applicable_policy", dict, required=False) or {}
    never_na = set(_str_list(chk, na_policy, ("not_applicable_policy",), "never_applicable_in"))
    na_allowed = na_policy.get("allowed", True) is not False

    base_max = chk.number(scale, ("scale",), "base_max")
    bonus_cap = chk.number(scale, ("scale",), "bonus_cap")
    penalty_cap = chk.number(scale, ("scale",), "penalty_cap")
    total_max = chk.number(scale, ("scale",), "total_max")
    if None not in (base_max, bonus_cap, total_max) and base_max + bonus_cap != total_max:
        chk.fail(("scale", "total_max"), f"total_max ({total_max}) phải bằng base_max + bonus_cap ({base_max + bonus_cap}).")

    sections = _build_sections(chk, data, never_na, na_allowed, bonus_cap, penalty_cap)
    if base_max is not None:
        base_sum = sum((s.max for s in sections if s.kind == "base"), Decimal(0))
        if sections and base_sum != base_max:
            chk.fail(("scale", "base_max"), f"Tổng điểm tối đa các phần cơ bản là {base_sum}, khác base_max = {base_max}.")
    for kind, label in (("bonus", "điểm thưởng"), ("penalty", "điểm trừ")):
        if sum(1 for s in sections if s.kind == kind) != 1:
            chk.fail(("sections",), f"Bảng tiêu chí phải có đúng một phần {label} (kind: {kind}).")

    bands_data = chk.get(data, (), "rating_bands", dict) or {}
    bands = _build_bands(chk, bands_data)
    top = chk.get(bands_data, ("rating_bands",), "top_band_conditions", dict, required=False) or {}
    codes = {c.code for s in sections for c in s.criteria}
    no_ded = _str_list(chk, top, ("rating_bands", "top_band_conditions"), "no_deductions_in")
    for i, code in enumerate(no_ded):
        if code not in codes:
            chk.fail(("rating_bands", "top_band_conditions", "no_deductions_in", i), f"Mã tiêu chí '{code}' không có trong bảng.")
    sec_min = None
    smp = chk.get(top, ("rating_bands", "top_band_conditions"), "section_min_pct", dict, required=False)
    if smp is not None:
        loc = ("rating_bands", "top_band_conditions", "section_min_pct")
        sec = chk.get(smp, loc, "section", str)
        pct = chk.number(smp, loc, "pct")
        if sec is not None and sec not in {s.code for s in sections}:
            chk.fail(loc + ("section",), f"Phần '{sec}' không có trong bảng.")
        elif sec is not None and pct is not None:
            sec_min = (sec, pct)

    fields = []
    for i, item in enumerate(rules.get("bonus_justification_fields") or []):
        loc = ("rules", "bonus_justification_fields", i)
        key, label = chk.get(item, loc, "key", str), chk.get(item, loc, "label", str)
        if key and label:
            fields.append(JustificationField(key, label))
    if not fields:
        chk.fail(("rules", "bonus_justification_fields"), "Thiếu danh sách 5 yêu cầu thuyết minh điểm thưởng.")

    template_id = chk.get(meta, ("meta",), "id", str)
    if chk.problems:
        return None
    table = CriteriaTable(
        template_id=template_id, version=str(meta.get("version", "")), title=str(meta.get("title", "")),
        disclaimer=str(meta.get("disclaimer", "")), official=bool(meta.get("official", False)),
        plan_ref=str(meta.get("plan_ref", "")), sections=tuple(sections), base_max=base_max,
        bonus_cap=bonus_cap, penalty_cap=penalty_cap, total_max=total_max, bands=tuple(bands),
        top_no_deductions_in=no_ded, top_section_min=sec_min, justification_fields=tuple(fields),
    )
    return _with_hash(table)


def _build_sections(chk: _Checker, data: dict, never_na: set[str], na_allowed: bool,
                    bonus_cap: Decimal | None, penalty_cap: Decimal | None) -> list[Section]:
    sections: list[Section] = []
    seen: dict[str, Location] = {}
    for si, sdata in enumerate(chk.get(data, (), "sections", list) or []):
        sloc: Location = ("sections", si)
        code = chk.get(sdata, sloc, "code", str)
        title = chk.get(sdata, sloc, "title", str)
        kind = chk.get(sdata, sloc, "kind", str)
        if kind is not None and kind not in SECTION_KINDS:
            chk.fail(sloc + ("kind",), f"Loại phần '{kind}' không hợp lệ; dùng một trong: {', '.join(SECTION_KINDS)}.")
            kind = None
        if kind == "base":
            limit = chk.number(sdata, sloc, "max")
        else:
            limit = chk.number(sdata, sloc, "cap")
            expected = bonus_cap if kind == "bonus" else penalty_cap
            if limit is not None and expected is not None and limit != expected:
                chk.fail(sloc + ("cap",), f"Trần phần {code} ({limit}) khác trần trong 'scale' ({expected}).")
        criteria = []
        for ci, cdata in enumerate(chk.get(sdata, sloc, "criteria", list) or []):
            crit = _build_criterion(chk, cdata, sloc + ("criteria", ci), code or "?", kind, never_na, na_allowed, seen)
            if crit is not None:
                criteria.append(crit)
        if kind == "base" and limit is not None and criteria:
            total = sum((c.max for c in criteria), Decimal(0))
            if total != limit:
                chk.fail(sloc + ("max",), f"Tổng điểm tối đa các tiêu chí phần {code} là {total}, khác điểm tối đa của phần ({limit}).")
        if code and title and kind and limit is not None:
            sections.append(Section(code, title, kind, limit, tuple(criteria)))
    return sections


def _build_criterion(chk: _Checker, cdata: Any, loc: Location, section: str, kind: str | None,
                     never_na: set[str], na_allowed: bool, seen: dict[str, Location]) -> Criterion | None:
    before = len(chk.problems)
    code = chk.get(cdata, loc, "code", str)
    if code is not None:
        if not re.fullmatch(r"[IVX]+\.[0-9]{1,2}", code):
            chk.fail(loc + ("code",), f"Mã tiêu chí '{code}' không đúng dạng <phần>.<số> (ví dụ II.3).")
        elif not code.startswith(section + "."):
            chk.fail(loc + ("code",), f"Mã tiêu chí '{code}' không thuộc phần {section}.")
        if code in seen:
            chk.fail(loc + ("code",), f"Mã tiêu chí '{code}' bị trùng (đã có ở {chk.src.where(seen[code])}).")
        seen.setdefault(code, loc + ("code",))
    text = chk.get(cdata, loc, "text", str)
    top = chk.number(cdata, loc, "max")
    if top is not None and top == 0:
        chk.fail(loc + ("max",), "Điểm tối đa của tiêu chí phải lớn hơn 0.")
    method = chk.get(cdata, loc, "method", str)
    if method is not None and method not in METHODS:
        chk.fail(loc + ("method",), f"Cách chấm '{method}' không hợp lệ; dùng một trong: {', '.join(METHODS)}.")
    target = points_each = None
    if method == "ratio":
        chk.get(cdata, loc, "unit", str)
        target = chk.number(cdata, loc, "default_target")
        if target is not None and target == 0:
            chk.fail(loc + ("default_target",), "Chỉ tiêu mặc định của tiêu chí tỷ lệ phải lớn hơn 0.")
    if method == "count":
        points_each = chk.number(cdata, loc, "points_each")
        if points_each is not None and points_each == 0:
            chk.fail(loc + ("points_each",), "Số điểm mỗi lần phải lớn hơn 0.")
    if kind == "penalty" and method not in (None, "count"):
        chk.fail(loc + ("method",), "Tiêu chí điểm trừ phải chấm theo cách 'count' (số lần).")
    if len(chk.problems) > before or kind is None:
        return None
    return Criterion(
        code=code, section=section, text=text, max=top, method=method,
        unit=str(cdata.get("unit") or ""), default_target=target, points_each=points_each,
        allow_na=na_allowed and kind == "base" and section not in never_na,
        requires_justification=kind == "bonus" and cdata.get("requires_five_point_justification", True) is not False,
        evidence=tuple(str(e) for e in cdata.get("evidence") or ()), note=str(cdata.get("note") or ""),
    )


def _build_bands(chk: _Checker, data: dict) -> list[Band]:
    bands = []
    for i, item in enumerate(chk.get(data, ("rating_bands",), "bands", list) or []):
        loc = ("rating_bands", "bands", i)
        label, low = chk.get(item, loc, "label", str), chk.number(item, loc, "min")
        if label is not None and low is not None:
            if bands and low >= bands[-1].min:
                chk.fail(loc + ("min",), f"Các mức xếp loại phải xếp từ cao xuống thấp: {low} không nhỏ hơn {bands[-1].min}.")
            bands.append(Band(label, low))
    if bands and bands[-1].min != 0:
        chk.fail(("rating_bands", "bands", len(bands) - 1, "min"), "Mức xếp loại thấp nhất phải có min: 0.")
    if not bands:
        chk.fail(("rating_bands", "bands"), "Thiếu các mức xếp loại.")
    return bands


def _with_hash(table: CriteriaTable) -> CriteriaTable:
    payload = json.dumps(_plain(table), ensure_ascii=False, sort_keys=True, default=str)
    digest = hashlib.sha256(payload.encode("utf-8")).hexdigest()
    return CriteriaTable(**{**table.__dict__, "content_hash": digest})


def _plain(obj: Any) -> Any:
    if hasattr(obj, "__dataclass_fields__"):
        return {k: _plain(v) for k, v in obj.__dict__.items() if k != "content_hash"}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    return obj


# ---------------------------------------------------------------- departments


def load_departments(path: Path | None = None) -> tuple[Department, ...]:
    """Load and validate the department list; raises TemplateError listing every problem."""
    src = load_located(path or TEMPLATES_DIR / "departments.yaml")
    chk = _Checker(src)
    units = chk.get(src.data, (), "units", list) if isinstance(src.data, dict) else None
    if units is None and not chk.problems:
        chk.fail((), "Tệp danh sách đơn vị phải có mục 'units'.")
    out: list[Department] = []
    seen: dict[str, int] = {}
    for i, item in enumerate(units or []):
        loc: Location = ("units", i)
        before = len(chk.problems)
        code = chk.get(item, loc, "code", str)
        if code is not None and not DEPT_CODE_RE.fullmatch(code):
            chk.fail(loc + ("code",), f"Mã đơn vị '{code}' phải là chữ in hoa ASCII không dấu (và số), tối đa 12 ký tự.")
        if code is not None and code in seen:
            chk.fail(loc + ("code",), f"Mã đơn vị '{code}' bị trùng với units[{seen[code]}].")
        if code is not None:
            seen.setdefault(code, i)
        name = chk.get(item, loc, "name", str)
        header_left = _str_list(chk, item, loc, "header_left", required=True)
        signer = _str_list(chk, item, loc, "signer", required=True)
        email = chk.get(item, loc, "email", str, required=False) or ""
        if email and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
            chk.fail(loc + ("email",), f"Địa chỉ email '{email}' không hợp lệ.")
        if len(chk.problems) > before:
            continue
        out.append(Department(
            code=code, name=name, short_name=str(item.get("short_name") or name),
            header_left=header_left, header_right=str(item.get("header_right") or "quoc_hieu"),
            signer=signer, has_seal=bool(item.get("has_seal", True)), email=email,
            contact=str(item.get("contact") or ""), main_criteria=tuple(item.get("main_criteria") or ()),
        ))
    if chk.problems:
        raise TemplateError(chk.problems)
    if not out:
        raise TemplateError([src.problem(("units",), "Danh sách đơn vị rỗng.")])
    return tuple(out)


# ---------------------------------------------------------------- config


def load_config(path: Path | None = None) -> Config:
    """Load and validate the season config; raises TemplateError listing every problem."""
    src = load_located(path or TEMPLATES_DIR / "config.yaml")
    chk = _Checker(src)
    data = src.data if isinstance(src.data, dict) else {}
    if not isinstance(src.data, dict):
        chk.fail((), "Tệp cấu hình phải là một bảng (mapping).")
    text = {k: chk.get(data, (), k, str) for k in ("ward", "district", "province", "place_name", "plan_ref")}
    year = chk.get(data, (), "year", int)
    period = chk.get(data, (), "period", dict) or {}
    start, end = chk.date(period, ("period",), "start"), chk.date(period, ("period",), "end")
    if start and end and start > end:
        chk.fail(("period", "end"), "Ngày kết thúc kỳ đánh giá phải sau ngày bắt đầu.")
    deadlines = chk.get(data, (), "deadlines", dict) or {}
    dept_deadline = chk.date(deadlines, ("deadlines",), "department_to_ward", required=False)
    district_deadline = chk.date(deadlines, ("deadlines",), "ward_to_district")
    issue = chk.date(data, (), "issue_date")
    agg = chk.get(data, (), "aggregator", dict) or {}
    signer = chk.get(data, (), "signer", dict) or {}
    signer_lines = _str_list(chk, signer, ("signer",), "lines", required=True)
    signer_name = chk.get(signer, ("signer",), "name", str, required=False) or ""
    if chk.problems:
        raise TemplateError(chk.problems)
    known = {"ward", "ward_upper", "district", "province", "place_name", "year", "period", "deadlines",
             "issue_date", "plan_ref", "aggregator", "signer", "recipients"}
    return Config(
        ward=text["ward"], ward_upper=str(data.get("ward_upper") or text["ward"].upper()),
        district=text["district"], province=text["province"], place_name=text["place_name"], year=year,
        period_start=start, period_end=end, department_deadline=dept_deadline,
        district_deadline=district_deadline, issue_date=issue, plan_ref=text["plan_ref"],
        aggregator_header=tuple(agg.get("header_left") or ("ỦY BAN NHÂN DÂN", text["ward"].upper())),
        aggregator_name=str(agg.get("name") or ""), report_symbol=str(agg.get("report_symbol") or "BC-UBND"),
        contact=str(agg.get("contact") or ""), contact_phone=str(agg.get("contact_phone") or ""),
        sends_to=str(agg.get("sends_to") or ""), signer_lines=signer_lines, signer_name=signer_name,
        recipients=tuple(str(r) for r in data.get("recipients") or ()),
        extra={k: v for k, v in data.items() if k not in known},
    )


@dataclass(frozen=True)
class Setup:
    """Everything one season needs: table, departments and config."""

    table: CriteriaTable
    departments: tuple[Department, ...]
    config: Config


def load_setup(criteria: Path | None = None, departments: Path | None = None, config: Path | None = None) -> Setup:
    """Load all three setup files, reporting the problems of every file together."""
    problems: list[Problem] = []
    loaded: list[Any] = []
    for loader, path in ((load_criteria, criteria), (load_departments, departments), (load_config, config)):
        try:
            loaded.append(loader(path))
        except TemplateError as exc:
            problems.extend(exc.problems)
            loaded.append(None)
    if problems:
        raise TemplateError(problems)
    table, depts, cfg = loaded
    bad = [(d, c) for d in depts for c in d.main_criteria if table.criterion(c) is None]
    if bad:
        raise TemplateError([Problem(str(departments or "departments.yaml"), f"units[{d.code}].main_criteria",
                                     f"Mã tiêu chí '{c}' không có trong bảng tiêu chí.") for d, c in bad])
    return Setup(table, depts, cfg)

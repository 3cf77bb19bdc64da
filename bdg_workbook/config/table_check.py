"""Validation of the criteria table (criteria-2024.yaml): every problem located, none stops the others."""

from __future__ import annotations

import hashlib
import json
import re
from decimal import Decimal
from typing import Any

from bdg_workbook.domain.model import METHODS, SECTION_KINDS, Band, CriteriaTable, Criterion, JustificationField, Section
from bdg_workbook.config.yaml_source import Checker, Location, short_repr

SECTION_CODE_RE = re.compile(r"[IVX]+")
CRITERION_CODE_RE = re.compile(r"[IVX]+\.[0-9]{1,2}")
JUSTIFICATION_KEY = "requires_five_point_justification"


def build_criteria(chk: Checker, data: Any) -> CriteriaTable | None:
    """The table read from parsed YAML, or None when any problem was recorded in ``chk``."""
    if not isinstance(data, dict):
        chk.fail((), "Tệp bảng tiêu chí phải là một bảng (mapping) có 'meta', 'scale', 'sections'.")
        return None
    meta = chk.get(data, (), "meta", dict)
    scale = chk.get(data, (), "scale", dict)
    rules = chk.get(data, (), "rules", dict, required=False)
    na_policy = chk.get(data, (), "not_applicable_policy", dict, required=False)
    never_na = chk.str_list(na_policy, ("not_applicable_policy",), "never_applicable_in")
    na_allowed = chk.flag(na_policy, ("not_applicable_policy",), "allowed", True)
    na_floor = chk.number(na_policy, ("not_applicable_policy",), "min_applicable_pct", required=False)
    if na_floor is not None and not 0 <= na_floor <= 100:
        chk.fail(("not_applicable_policy", "min_applicable_pct"),
                 f"Tỷ lệ tối thiểu phải áp dụng của mỗi phần phải từ 0 đến 100, đang là {na_floor}.")
    proposable = chk.flag(rules, ("rules",), "units_may_propose_targets", False)
    caps = _build_scale(chk, scale)
    sections, sections_ok, items_ok = _build_sections(chk, data, set(never_na), na_allowed, caps, proposable)
    if sections_ok:
        _check_sections(chk, scale, sections, caps["base_max"])
    for i, code in enumerate(never_na):
        if sections_ok and code not in {s.code for s in sections}:
            chk.fail(("not_applicable_policy", "never_applicable_in", i), f"Phần '{code}' không có trong bảng.")
    bands, no_ded, sec_min = _build_rating(chk, data, sections if sections_ok else None,
                                           sections if items_ok else None, caps["total_max"])
    fields = _build_justification_fields(chk, rules)
    template_id = chk.get(meta, ("meta",), "id", str)
    version = chk.get(meta, ("meta",), "version", (str, int, float), required=False)
    official = chk.flag(meta, ("meta",), "official", False)
    year = chk.get(meta, ("meta",), "year", int, required=False)
    if year is not None and not 2000 <= year <= 2100:
        chk.fail(("meta", "year"), f"Năm của bảng tiêu chí {year} không hợp lệ (ví dụ 2025).")
    if chk.problems:
        return None
    table = CriteriaTable(
        template_id=template_id, version=str(version or ""), title=str(meta.get("title") or ""),
        disclaimer=str(meta.get("disclaimer") or ""), official=official,
        plan_ref=str(meta.get("plan_ref") or ""), sections=tuple(sections), base_max=caps["base_max"],
        bonus_cap=caps["bonus_cap"], penalty_cap=caps["penalty_cap"], total_max=caps["total_max"],
        bands=tuple(bands), top_no_deductions_in=no_ded, top_section_min=sec_min, justification_fields=fields,
        year=year, na_min_applicable_pct=na_floor,
    )
    return _with_hash(table)


def _build_scale(chk: Checker, scale: dict | None) -> dict[str, Decimal | None]:
    loc: Location = ("scale",)
    caps = {key: chk.number(scale, loc, key) for key in ("base_max", "bonus_cap", "penalty_cap", "total_max")}
    base, bonus, total = caps["base_max"], caps["bonus_cap"], caps["total_max"]
    if base is not None and base == 0:
        chk.fail(loc + ("base_max",), "base_max (điểm cơ bản tối đa) phải lớn hơn 0.")
    if None not in (base, bonus, total) and base + bonus != total:
        chk.fail(loc + ("total_max",), f"total_max ({total}) phải bằng base_max + bonus_cap ({base + bonus}).")
    return caps


def _check_sections(chk: Checker, scale: dict | None, sections: list[Section], base_max: Decimal | None) -> None:
    """Whole-table checks: one bonus and one penalty part, base maxima adding up to base_max, scale names."""
    base = [s for s in sections if s.kind == "base"]
    if not base:
        chk.fail(("sections",), "Bảng tiêu chí phải có ít nhất một phần cơ bản (kind: base).")
    base_sum = sum((s.max for s in base), Decimal(0))
    if base_max is not None and base and base_sum != base_max:
        parts = " + ".join(f"{s.code} ({s.max})" for s in base)
        chk.fail(("scale", "base_max"),
                 f"Tổng điểm tối đa các phần cơ bản {parts} = {base_sum}, khác base_max = {base_max}.")
    for kind, label in (("bonus", "điểm thưởng"), ("penalty", "điểm trừ")):
        if sum(1 for s in sections if s.kind == kind) != 1:
            chk.fail(("sections",), f"Bảng tiêu chí phải có đúng một phần {label} (kind: {kind}).")
    expected = {"base_sections": [s.code for s in base],
                "bonus_section": next((s.code for s in sections if s.kind == "bonus"), None),
                "penalty_section": next((s.code for s in sections if s.kind == "penalty"), None)}
    for key, want in expected.items():
        if isinstance(scale, dict) and scale.get(key) is not None and scale[key] != want:
            chk.fail(("scale", key), f"'{key}' ghi {short_repr(scale[key])} nhưng theo danh sách các phần thì phải là "
                                     f"{short_repr(want)}.")


def _build_sections(chk: Checker, data: dict, never_na: set[str], na_allowed: bool,
                    caps: dict[str, Decimal | None], proposable: bool = False) -> tuple[list[Section], bool, bool]:
    """Every section that could be read; whether all sections were readable; whether all items were too."""
    sections: list[Section] = []
    seen_codes: dict[str, Location] = {}
    seen_sections: set[str] = set()
    sections_ok = items_ok = True
    for si, sdata in enumerate(chk.get(data, (), "sections", list) or []):
        section, ok = _build_section(chk, sdata, ("sections", si), never_na, na_allowed, caps, seen_codes,
                                     proposable)
        if section is not None and section.code in seen_sections:
            chk.fail(("sections", si, "code"), f"Mã phần '{section.code}' bị trùng.")
        if section is not None:
            seen_sections.add(section.code)
            sections.append(section)
        sections_ok = sections_ok and section is not None
        items_ok = items_ok and ok
    sections_ok = sections_ok and bool(sections)
    return sections, sections_ok, items_ok and sections_ok


def _build_section(chk: Checker, sdata: Any, sloc: Location, never_na: set[str], na_allowed: bool,
                   caps: dict[str, Decimal | None], seen: dict[str, Location],
                   proposable: bool = False) -> tuple[Section | None, bool]:
    sdata = chk.mapping(sdata, sloc, "Mỗi phần của bảng")
    if sdata is None:
        return None, False
    code = chk.get(sdata, sloc, "code", str)
    if code is not None and not SECTION_CODE_RE.fullmatch(code):
        chk.fail(sloc + ("code",), f"Mã phần '{code}' phải là số La Mã (I, II, III, IV, V...).")
        code = None
    title = chk.get(sdata, sloc, "title", str)
    kind = chk.get(sdata, sloc, "kind", str)
    if kind is not None and kind not in SECTION_KINDS:
        chk.fail(sloc + ("kind",), f"Loại phần '{kind}' không hợp lệ; dùng một trong: {', '.join(SECTION_KINDS)}.")
        kind = None
    limit_key = "max" if kind == "base" else "cap"
    limit = chk.number(sdata, sloc, limit_key) if kind else None
    if kind in ("bonus", "penalty") and limit is not None:
        expected = caps["bonus_cap" if kind == "bonus" else "penalty_cap"]
        if expected is not None and limit != expected:
            chk.fail(sloc + ("cap",), f"Trần phần {code} ({limit}) khác trần trong 'scale' ({expected}).")
    items = chk.get(sdata, sloc, "criteria", list)
    if items == []:
        chk.fail(sloc + ("criteria",), f"Phần {code} chưa có tiêu chí nào.")
    criteria, maxima = [], []
    for ci, cdata in enumerate(items or []):
        cloc = sloc + ("criteria", ci)
        crit, top = _build_criterion(chk, cdata, cloc, code, kind, never_na, na_allowed, seen, proposable)
        maxima.append(top)
        if crit is not None:
            criteria.append(crit)
        if kind in ("bonus", "penalty") and None not in (top, limit) and top > limit:
            chk.fail(cloc + ("max",), f"Điểm tối đa của tiêu chí ({top}) lớn hơn trần của phần {code} ({limit}).")
    if kind == "base" and limit is not None and maxima and None not in maxima and sum(maxima) != limit:
        listing = " + ".join(str(m) for m in maxima)
        chk.fail(sloc + ("max",), f"Tổng điểm tối đa các tiêu chí phần {code} là {listing} = {sum(maxima)}, "
                                  f"khác điểm tối đa của phần ({limit}). Sửa điểm các tiêu chí hoặc 'max' của phần.")
    if not (code and title and kind and limit is not None):
        return None, False
    return Section(code, title, kind, limit, tuple(criteria)), bool(items) and len(criteria) == len(items)


def _build_criterion(chk: Checker, cdata: Any, loc: Location, section: str | None, kind: str | None,
                     never_na: set[str], na_allowed: bool, seen: dict[str, Location],
                     proposable: bool = False) -> tuple[Criterion | None, Decimal | None]:
    """The criterion (None if it has a problem) and its max (None if unreadable)."""
    cdata = chk.mapping(cdata, loc, "Mỗi tiêu chí")
    if cdata is None:
        return None, None
    before = len(chk.problems)
    code = _criterion_code(chk, cdata, loc, section, seen)
    text = chk.get(cdata, loc, "text", str)
    if text is not None and not text.strip():
        chk.fail(loc + ("text",), "Nội dung tiêu chí (text) đang để trống.")
    top = chk.number(cdata, loc, "max")
    if top is not None and top == 0:
        chk.fail(loc + ("max",), "Điểm tối đa của tiêu chí phải lớn hơn 0.")
    method = chk.get(cdata, loc, "method", str)
    if method is not None and method not in METHODS:
        chk.fail(loc + ("method",), f"Cách chấm '{method}' không hợp lệ; dùng một trong: {', '.join(METHODS)}.")
        method = None
    elif kind == "penalty" and method not in (None, "count"):
        chk.fail(loc + ("method",), "Tiêu chí điểm trừ phải chấm theo cách 'count' (số lần).")
    unit, target, points_each = _method_fields(chk, cdata, loc, method)
    allow_na = _allow_na(chk, cdata, loc, section, kind, never_na, na_allowed)
    justification = _requires_justification(chk, cdata, loc, kind)
    evidence = chk.str_list(cdata, loc, "evidence")
    note = chk.get(cdata, loc, "note", str, required=False) or ""
    may_propose = _target_proposable(chk, cdata, loc, method, proposable)
    on_time = _on_time(chk, cdata, loc, method, kind)
    if len(chk.problems) > before or kind is None or section is None or method is None:
        return None, top
    return Criterion(
        code=code, section=section, text=text, max=top, method=method, unit=unit, default_target=target,
        points_each=points_each, allow_na=allow_na, requires_justification=justification,
        evidence=evidence, note=note, target_proposable=may_propose, on_time=on_time,
    ), top


def _on_time(chk: Checker, cdata: dict, loc: Location, method: str | None, kind: str | None) -> bool:
    """``on_time: true`` marks the criterion that rewards sending on time: a Có/Không item of a base part,
    scored by the collector from the receipt time, whatever the unit answered."""
    value = chk.flag(cdata, loc, "on_time", False)
    if value and (method not in (None, "yesno") or kind not in (None, "base")):
        chk.fail(loc + ("on_time",), "'on_time' (tiêu chí gửi đúng hạn) chỉ dùng cho tiêu chí Có/Không "
                                     "(method: yesno) của phần điểm cơ bản; xóa dòng này hoặc sửa cách chấm.")
    return value


def _target_proposable(chk: Checker, cdata: dict, loc: Location, method: str | None, default: bool) -> bool:
    """May the unit type its own target (never below the Ban's)? Only ratio criteria have a target."""
    value = chk.get(cdata, loc, "target_proposable", bool, required=False)
    if value and method not in (None, "ratio"):
        chk.fail(loc + ("target_proposable",), "'target_proposable' chỉ dùng cho tiêu chí tỷ lệ (method: ratio); "
                                               "xóa dòng này.")
    if method != "ratio":
        return False
    return default if value is None else value


def _criterion_code(chk: Checker, cdata: dict, loc: Location, section: str | None,
                    seen: dict[str, Location]) -> str | None:
    code = chk.get(cdata, loc, "code", str)
    if code is None:
        return None
    if not CRITERION_CODE_RE.fullmatch(code):
        chk.fail(loc + ("code",), f"Mã tiêu chí '{code}' không đúng dạng <phần>.<số> (ví dụ II.3).")
    elif section is not None and not code.startswith(section + "."):
        chk.fail(loc + ("code",), f"Mã tiêu chí '{code}' không thuộc phần {section}.")
    if code in seen:
        chk.fail(loc + ("code",), f"Mã tiêu chí '{code}' bị trùng (đã có ở {chk.src.where(seen[code])}).")
    seen.setdefault(code, loc + ("code",))
    return code


def _method_fields(chk: Checker, cdata: dict, loc: Location,
                   method: str | None) -> tuple[str, Decimal | None, Decimal | None]:
    """unit (required for ratio), default_target (ratio, > 0) and points_each (count, > 0)."""
    unit = chk.get(cdata, loc, "unit", str, required=method == "ratio")
    if method == "ratio" and unit is not None and not unit.strip():
        chk.fail(loc + ("unit",), "Tiêu chí tỷ lệ phải ghi đơn vị tính (unit), ví dụ \"cuộc\", \"văn bản\".")
    target = points_each = None
    if method == "ratio":
        target = chk.number(cdata, loc, "default_target")
        if target is not None and target == 0:
            chk.fail(loc + ("default_target",), "Chỉ tiêu mặc định của tiêu chí tỷ lệ phải lớn hơn 0.")
    if method == "count":
        points_each = chk.number(cdata, loc, "points_each")
        if points_each is not None and points_each == 0:
            chk.fail(loc + ("points_each",), "Số điểm mỗi lần (points_each) phải lớn hơn 0.")
    return unit or "", target, points_each


def _allow_na(chk: Checker, cdata: dict, loc: Location, section: str | None, kind: str | None,
              never_na: set[str], na_allowed: bool) -> bool:
    """May the item be marked "Không áp dụng"? Policy default, optionally switched off per item."""
    default = na_allowed and kind == "base" and section not in never_na
    value = chk.get(cdata, loc, "allow_na", bool, required=False)
    if value and not default:
        chk.fail(loc + ("allow_na",), "Tiêu chí này không được đánh dấu 'Không áp dụng': chỉ tiêu chí phần cơ bản "
                                      "ngoài not_applicable_policy.never_applicable_in mới được. Xóa dòng allow_na.")
    return default if value is None else value and default


def _requires_justification(chk: Checker, cdata: dict, loc: Location, kind: str | None) -> bool:
    """Bonus items need the five-point write-up unless switched off; other parts never do."""
    value = chk.get(cdata, loc, JUSTIFICATION_KEY, bool, required=False)
    if kind == "bonus":
        return True if value is None else value
    if value:
        chk.fail(loc + (JUSTIFICATION_KEY,), f"'{JUSTIFICATION_KEY}' chỉ dùng cho tiêu chí phần điểm thưởng; "
                                             "xóa dòng này.")
    return False


def _build_rating(chk: Checker, data: dict, sections: list[Section] | None, items: list[Section] | None,
                  total_max: Decimal | None) -> tuple[list[Band], tuple[str, ...], tuple[str, Decimal] | None]:
    """Bands and the top band's conditions, cross-checked against the sections (and their items) when readable."""
    bands_data = chk.get(data, (), "rating_bands", dict)
    bands = _build_bands(chk, bands_data, total_max)
    loc: Location = ("rating_bands", "top_band_conditions")
    top = chk.get(bands_data, ("rating_bands",), "top_band_conditions", dict, required=False)
    no_ded = chk.str_list(top, loc, "no_deductions_in")
    penalty_codes = {c.code for s in items or () if s.kind == "penalty" for c in s.criteria}
    all_codes = {c.code for s in items or () for c in s.criteria}
    for i, code in enumerate(no_ded if items is not None else ()):
        if code not in all_codes:
            chk.fail(loc + ("no_deductions_in", i), f"Mã tiêu chí '{code}' không có trong bảng.")
        elif code not in penalty_codes:
            chk.fail(loc + ("no_deductions_in", i),
                     f"Mã '{code}' không thuộc phần điểm trừ; chỉ ghi mã tiêu chí điểm trừ.")
    smp = chk.get(top, loc, "section_min_pct", dict, required=False)
    sec = chk.get(smp, loc + ("section_min_pct",), "section", str)
    pct = chk.number(smp, loc + ("section_min_pct",), "pct")
    if pct is not None and pct > 100:
        chk.fail(loc + ("section_min_pct", "pct"), f"Tỷ lệ tối thiểu phải từ 0 đến 100, đang là {pct}.")
    base_codes = {s.code for s in sections or () if s.kind == "base"}
    if sec is not None and sections is not None and sec not in base_codes:
        chk.fail(loc + ("section_min_pct", "section"), f"Phần '{sec}' không phải phần cơ bản của bảng.")
    sec_min = (sec, pct) if sec is not None and pct is not None else None
    return bands, no_ded, sec_min


def _build_bands(chk: Checker, data: dict | None, total_max: Decimal | None) -> list[Band]:
    """Rating bands, ordered from the highest ``min`` down to 0, labels unique."""
    if data is None:
        return []
    items = chk.get(data, ("rating_bands",), "bands", list)
    if items == []:
        chk.fail(("rating_bands", "bands"), "Thiếu các mức xếp loại.")
    bands: list[Band] = []
    last_loc: Location = ("rating_bands", "bands")
    for i, item in enumerate(items or []):
        loc: Location = ("rating_bands", "bands", i)
        item = chk.mapping(item, loc, "Mỗi mức xếp loại")
        label, low = chk.get(item, loc, "label", str), chk.number(item, loc, "min")
        if label is not None and label in {b.label for b in bands}:
            chk.fail(loc + ("label",), f"Tên mức xếp loại '{label}' bị trùng.")
        if low is not None and total_max is not None and low > total_max:
            chk.fail(loc + ("min",), f"Ngưỡng {low} lớn hơn tổng điểm tối đa ({total_max}).")
        if low is not None and bands and low >= bands[-1].min:
            chk.fail(loc + ("min",), f"Các mức xếp loại phải xếp từ cao xuống thấp: {low} không nhỏ hơn "
                                     f"{bands[-1].min} của mức '{bands[-1].label}' ở trên.")
        if label is not None and low is not None:
            bands.append(Band(label, low))
            last_loc = loc + ("min",)
    if bands and bands[-1].min != 0 and len(bands) == len(items or []):
        chk.fail(last_loc, f"Mức xếp loại thấp nhất ('{bands[-1].label}') phải có min: 0.")
    return bands


def _build_justification_fields(chk: Checker, rules: dict | None) -> tuple[JustificationField, ...]:
    """The five things a bonus claim must prove (rules.bonus_justification_fields)."""
    loc: Location = ("rules", "bonus_justification_fields")
    before = len(chk.problems)
    items = chk.get(rules, ("rules",), "bonus_justification_fields", list, required=False)
    fields: list[JustificationField] = []
    for i, item in enumerate(items or []):
        item = chk.mapping(item, loc + (i,), "Mỗi yêu cầu thuyết minh")
        key, label = chk.get(item, loc + (i,), "key", str), chk.get(item, loc + (i,), "label", str)
        if key is not None and key in {f.key for f in fields}:
            chk.fail(loc + (i, "key"), f"Khóa '{key}' bị trùng.")
        elif key and label:
            fields.append(JustificationField(key, label))
    if not fields and len(chk.problems) == before:
        chk.fail(loc, "Thiếu danh sách 5 yêu cầu thuyết minh điểm thưởng (rules.bonus_justification_fields).")
    return tuple(fields)


def _with_hash(table: CriteriaTable) -> CriteriaTable:
    payload = json.dumps(_plain(table), ensure_ascii=False, sort_keys=True, default=str)
    digest = hashlib.sha256(payload.encode("utf-8")).hexdigest()
    return CriteriaTable(**{**table.__dict__, "content_hash": digest})


# Optional table fields added later: left out of the hash while unset, so older tables keep their hash.
_HASH_OPTIONAL = ("year", "na_min_applicable_pct", "target_proposable", "on_time")


def _plain(obj: Any) -> Any:
    if hasattr(obj, "__dataclass_fields__"):
        return {k: _plain(v) for k, v in obj.__dict__.items()
                if k != "content_hash" and not (k in _HASH_OPTIONAL and v in (None, False))}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    return obj

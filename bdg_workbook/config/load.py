"""Loading the setup from YAML: criteria table, departments and season config, every problem located."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from pathlib import Path
from typing import Any, Callable, Collection

from bdg_workbook.config.ban_rules import BanRules, build_kind_rules, with_ban_rules
from bdg_workbook.config.table_check import build_criteria
from bdg_workbook.config.templates import TEMPLATES_DIR
from bdg_workbook.config.yaml_source import Checker as _Checker
from bdg_workbook.config.yaml_source import Location, load_located
from bdg_workbook.domain.errors import Problem, TemplateError
from bdg_workbook.domain.model import (DEPT_CODE_RE, EMAIL_RE, LEVELS, SMTP_SECURITY, Config, CriteriaTable, Department,
                                       LevelAbove, Setup, SmtpConfig, default_level_above, split_area)

# ---------------------------------------------------------------- helpers


def _str_list(chk: _Checker, data: Any, loc: Location, key: str, required: bool = False) -> tuple[str, ...]:
    return chk.str_list(data, loc, key, required)


# ---------------------------------------------------------------- criteria


def load_criteria(path: Path | None = None) -> CriteriaTable:
    """Load and validate a criteria table; raises TemplateError listing every problem."""
    src = load_located(path or TEMPLATES_DIR / "criteria-2024.yaml")
    chk = _Checker(src)
    table = build_criteria(chk, src.data)
    if chk.problems or table is None:
        raise TemplateError(chk.problems or [src.problem((), "Bảng tiêu chí rỗng.")])
    return table


# ---------------------------------------------------------------- departments

HEADER_RIGHT_KINDS = ("quoc_hieu", "doan")


def load_departments(path: Path | None = None, known_criteria: Collection[str] | None = None,
                     table: CriteriaTable | None = None) -> tuple[Department, ...]:
    """Load and validate the department list; raises TemplateError listing every problem.

    ``known_criteria``: when given, every ``main_criteria`` code must be one of them. ``table``: when given,
    the Ban's rules (``targets``, ``not_applicable`` of a unit or of its ``kind``) are checked against it.
    """
    src = load_located(path or TEMPLATES_DIR / "departments.yaml")
    chk = _Checker(src)
    units = None
    kinds: dict[str, BanRules] = {}
    if isinstance(src.data, dict):
        units = chk.get(src.data, (), "units", list)
        kinds = build_kind_rules(chk, src.data, table)
    else:
        chk.fail((), "Tệp danh sách đơn vị phải là một bảng (mapping) có mục 'units'.")
    if units == []:
        chk.fail(("units",), "Danh sách đơn vị rỗng.")
    out: list[Department] = []
    seen: dict[str, Location] = {}
    for i, item in enumerate(units or []):
        dept = _build_department(chk, item, ("units", i), seen, known_criteria)
        if dept is not None:
            out.append(with_ban_rules(chk, dept, item, ("units", i), kinds, table))
    if chk.problems:
        raise TemplateError(chk.problems)
    return tuple(out)


def _build_department(chk: _Checker, item: Any, loc: Location, seen: dict[str, Location],
                      known_criteria: Collection[str] | None) -> Department | None:
    item = chk.mapping(item, loc, "Mỗi đơn vị")
    if item is None:
        return None
    before = len(chk.problems)
    code = chk.get(item, loc, "code", str)
    if code is not None and not DEPT_CODE_RE.fullmatch(code):
        chk.fail(loc + ("code",), f"Mã đơn vị '{code}' phải là chữ in hoa ASCII không dấu (và số), bắt đầu bằng chữ, "
                                  "tối đa 12 ký tự (ví dụ HLHPN).")
    if code is not None and code in seen:
        chk.fail(loc + ("code",), f"Mã đơn vị '{code}' bị trùng (đã có ở {chk.src.where(seen[code])}).")
    if code is not None:
        seen.setdefault(code, loc + ("code",))
    name = chk.get(item, loc, "name", str)
    short_name = chk.get(item, loc, "short_name", str, required=False)
    header_left = _str_list(chk, item, loc, "header_left", required=True)
    signer = _str_list(chk, item, loc, "signer", required=True)
    for key in ("header_left", "signer"):
        if item.get(key) == []:
            chk.fail(loc + (key,), f"Trường '{key}' phải có ít nhất một dòng.")
    header_right = chk.get(item, loc, "header_right", str, required=False) or "quoc_hieu"
    if header_right not in HEADER_RIGHT_KINDS:
        chk.fail(loc + ("header_right",), f"header_right '{header_right}' không hợp lệ; dùng một trong: "
                                          f"{', '.join(HEADER_RIGHT_KINDS)}.")
    email = chk.get(item, loc, "email", str, required=False) or ""
    if email and not EMAIL_RE.fullmatch(email.strip()):
        chk.fail(loc + ("email",), f"Địa chỉ email '{email}' không hợp lệ.")
    main = _str_list(chk, item, loc, "main_criteria")
    for i, crit in enumerate(main):
        if known_criteria is not None and crit not in known_criteria:
            chk.fail(loc + ("main_criteria", i), f"Mã tiêu chí '{crit}' không có trong bảng tiêu chí.")
    has_seal = chk.flag(item, loc, "has_seal", True)
    if len(chk.problems) > before:
        return None
    return Department(
        code=code, name=name, short_name=short_name or name, header_left=header_left, header_right=header_right,
        signer=signer, has_seal=has_seal, email=email.strip(), contact=str(item.get("contact") or ""),
        main_criteria=main, kind=str(item.get("kind") or ""),
    )


# ---------------------------------------------------------------- config


def load_config(path: Path | None = None) -> Config:
    """Load and validate the season config; raises TemplateError listing every problem."""
    src = load_located(path or TEMPLATES_DIR / "config.yaml")
    chk = _Checker(src)
    data = src.data if isinstance(src.data, dict) else None
    if data is None:
        chk.fail((), "Tệp cấu hình phải là một bảng (mapping) gồm các dòng 'tên: giá trị'.")
    text = {k: chk.get(data, (), k, str) for k in ("ward", "district", "province", "place_name", "plan_ref")}
    year = chk.get(data, (), "year", int)
    if year is not None and not 2000 <= year <= 2100:
        chk.fail(("year",), f"Năm thi đua {year} không hợp lệ (ví dụ 2024).")
        year = None
    period = chk.get(data, (), "period", dict)
    start, end = chk.date(period, ("period",), "start"), chk.date(period, ("period",), "end")
    deadlines = chk.get(data, (), "deadlines", dict)
    dept_deadline = chk.date(deadlines, ("deadlines",), "department_to_ward", required=False)
    district_deadline = chk.date(deadlines, ("deadlines",), "ward_to_district")
    issue = chk.date(data, (), "issue_date")
    _check_config_dates(chk, year, start, end, dept_deadline, district_deadline, issue)
    agg = chk.get(data, (), "aggregator", dict) or {}
    agg_header = _str_list(chk, agg, ("aggregator",), "header_left")
    signer = chk.get(data, (), "signer", dict)
    signer_lines = _str_list(chk, signer, ("signer",), "lines", required=True)
    signer_name = chk.get(signer, ("signer",), "name", str, required=False) or ""
    recipients = _str_list(chk, data, (), "recipients")
    smtp = _build_smtp(chk, data)
    above = _build_level_above(chk, data, text["district"], text["province"], str(agg.get("sends_to") or ""))
    if chk.problems:
        raise TemplateError(chk.problems)
    known = {"ward", "ward_upper", "district", "province", "place_name", "year", "period", "deadlines",
             "issue_date", "plan_ref", "aggregator", "signer", "recipients", "smtp", "reports_to"}
    return Config(
        ward=text["ward"], ward_upper=str(data.get("ward_upper") or text["ward"].upper()),
        district=text["district"], province=text["province"], place_name=text["place_name"], year=year,
        period_start=start, period_end=end, department_deadline=dept_deadline,
        district_deadline=district_deadline, issue_date=issue, plan_ref=text["plan_ref"],
        aggregator_header=agg_header or ("ỦY BAN NHÂN DÂN", text["ward"].upper()),
        aggregator_name=str(agg.get("name") or ""), report_symbol=str(agg.get("report_symbol") or "BC-UBND"),
        contact=str(agg.get("contact") or ""), contact_phone=str(agg.get("contact_phone") or ""),
        sends_to=str(agg.get("sends_to") or ""), signer_lines=signer_lines, signer_name=signer_name,
        recipients=recipients,
        extra={k: v for k, v in data.items() if k not in known}, smtp=smtp, level_above=above,
    )


def _build_level_above(chk: _Checker, data: dict, district: str | None, province: str | None,
                       sends_to: str) -> LevelAbove | None:
    """The optional ``reports_to:`` block (the level the ward reports to); None when absent (2024 plan)."""
    block = chk.get(data, (), "reports_to", dict, required=False)
    if block is None:
        return None
    loc: Location = ("reports_to",)
    before = len(chk.problems)
    level = chk.get(block, loc, "level", str, required=False) or "district"
    if level not in LEVELS:
        chk.fail(loc + ("level",), f"Cấp '{level}' không hợp lệ; dùng một trong: {', '.join(LEVELS)} "
                                   "(district: quận/huyện/thị xã; province: tỉnh/thành phố).")
    area = (district if level == "district" else province) or ""
    base = default_level_above(area, sends_to)
    text = {key: chk.get(block, loc, key, str, required=False) for key in
            ("label", "name", "place_name", "office", "office_short", "authority", "report_symbol", "file_tag")}
    lists = {key: _str_list(chk, block, loc, key) for key in ("office_header", "signer_lines", "recipients")}
    tag = text["file_tag"]
    if tag is not None and not re.fullmatch(r"[A-Z0-9]{1,12}", tag):
        chk.fail(loc + ("file_tag",), f"file_tag '{tag}' chỉ gồm chữ in hoa không dấu và số (ví dụ HUYEN, TINH).")
    if len(chk.problems) > before:
        return None
    values = {**{k: v for k, v in text.items() if v}, **{k: v for k, v in lists.items() if v}}
    if text["name"] and not text["place_name"]:
        values["place_name"] = split_area(text["name"])[1]
    return dataclasses.replace(base, level=level, **values)


def _build_smtp(chk: _Checker, data: dict) -> SmtpConfig | None:
    """The optional ``smtp:`` block of config.yaml (None when absent)."""
    block = chk.get(data, (), "smtp", dict, required=False)
    if block is None:
        return None
    loc: Location = ("smtp",)
    before = len(chk.problems)
    host = chk.get(block, loc, "host", str)
    if host is not None and not host.strip():
        chk.fail(loc + ("host",), "Chưa ghi máy chủ SMTP (host).")
    if "password" in block:
        chk.fail(loc + ("password",), "Không ghi mật khẩu vào config.yaml: xóa dòng này và đặt mật khẩu vào biến "
                                      "môi trường có tên ở password_env.")
    user = chk.get(block, loc, "user", str, required=False) or ""
    sender_name = chk.get(block, loc, "from_name", str, required=False) or ""
    port = chk.get(block, loc, "port", int)
    if port is not None and not 1 <= port <= 65535:
        chk.fail(loc + ("port",), f"Cổng SMTP phải từ 1 đến 65535, đang là {port}.")
    security = chk.get(block, loc, "security", str, required=False) or "starttls"
    if security not in SMTP_SECURITY:
        chk.fail(loc + ("security",),
                 f"Kiểu bảo mật '{security}' không hợp lệ; dùng một trong: {', '.join(SMTP_SECURITY)}.")
    sender = chk.get(block, loc, "from", str, required=False) or ""
    if sender and not EMAIL_RE.fullmatch(sender):
        chk.fail(loc + ("from",), f"Địa chỉ gửi '{sender}' không hợp lệ.")
    env = chk.get(block, loc, "password_env", str, required=False) or "BDG_SMTP_PASSWORD"
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", env):
        chk.fail(loc + ("password_env",), f"Tên biến môi trường '{env}' không hợp lệ (chỉ chữ, số, dấu _).")
    retries = chk.get(block, loc, "retries", int, required=False)
    if retries is not None and not 0 <= retries <= 10:
        chk.fail(loc + ("retries",), f"Số lần thử lại phải từ 0 đến 10, đang là {retries}.")
    delay = chk.number(block, loc, "retry_delay_seconds", required=False)
    timeout = chk.number(block, loc, "timeout_seconds", required=False)
    if len(chk.problems) > before:
        return None
    return SmtpConfig(
        host=host.strip(), port=port, security=security, user=user, sender=sender, sender_name=sender_name,
        password_env=env, retries=3 if retries is None else retries,
        retry_delay=2.0 if delay is None else float(delay),
        timeout=30.0 if not timeout else float(timeout),
    )


def _vn_date(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


def _check_config_dates(chk: _Checker, year: int | None, start: dt.date | None, end: dt.date | None,
                        dept_deadline: dt.date | None, district_deadline: dt.date | None,
                        issue: dt.date | None) -> None:
    """Dates in a sensible order: period start ≤ end, the year inside the period, issue ≤ deadlines."""
    if start and end and start > end:
        chk.fail(("period", "end"), f"Ngày kết thúc kỳ đánh giá ({_vn_date(end)}) phải sau ngày bắt đầu "
                                    f"({_vn_date(start)}).")
    elif start and end and year is not None and year not in (start.year, end.year):
        chk.fail(("year",), f"Năm thi đua {year} không khớp kỳ đánh giá {_vn_date(start)} - {_vn_date(end)}; "
                            "sửa 'year' hoặc 'period'.")
    if dept_deadline and district_deadline and dept_deadline > district_deadline:
        chk.fail(("deadlines", "department_to_ward"),
                 f"Hạn các ngành gửi về phường ({_vn_date(dept_deadline)}) muộn hơn hạn phường gửi lên "
                 f"({_vn_date(district_deadline)}).")
    first = dept_deadline or district_deadline
    if issue and first and issue > first:
        chk.fail(("issue_date",), f"Ngày phát biểu mẫu ({_vn_date(issue)}) muộn hơn hạn nộp ({_vn_date(first)}).")


def load_setup(criteria: Path | None = None, departments: Path | None = None, config: Path | None = None) -> Setup:
    """Load all three setup files, reporting the problems of every file together."""
    problems: list[Problem] = []
    table = _collect(problems, load_criteria, criteria)
    codes = {c.code for c in table.criteria} if table is not None else None
    depts = _collect(problems, lambda p: load_departments(p, known_criteria=codes, table=table), departments)
    cfg = _collect(problems, load_config, config)
    if problems:
        raise TemplateError(problems)
    return Setup(table, depts, cfg)


def _collect(problems: list[Problem], loader: Callable[[Path | None], Any], path: Path | None) -> Any:
    """``loader(path)``, or None with its problems appended."""
    try:
        return loader(path)
    except TemplateError as exc:
        problems.extend(exc.problems)
        return None

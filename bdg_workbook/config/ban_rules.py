"""The Ban's rules per unit in departments.yaml: targets and which criteria may be "Không áp dụng".

A ``kinds:`` block gives the rules of a kind of unit (``kind:`` of each unit); a unit's own ``targets``
are merged over its kind's, its own ``not_applicable`` list replaces its kind's. Every code and number is
checked against the criteria table, each problem located (file:line).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from bdg_workbook.config.yaml_source import Checker, Location
from bdg_workbook.domain.model import CriteriaTable, Department


@dataclass(frozen=True)
class BanRules:
    """Targets by criterion code, and the criteria that may be N/A (None: not said here)."""

    targets: tuple[tuple[str, Decimal], ...] = ()
    not_applicable: tuple[str, ...] | None = None


def build_kind_rules(chk: Checker, data: dict, table: CriteriaTable | None) -> dict[str, BanRules]:
    """The ``kinds:`` block: kind name -> its rules."""
    kinds = chk.get(data, (), "kinds", dict, required=False) or {}
    out: dict[str, BanRules] = {}
    for name, block in kinds.items():
        loc: Location = ("kinds", name)
        block = chk.mapping(block, loc, f"Quy tắc của loại đơn vị '{name}'")
        if block is not None:
            out[str(name)] = _rules(chk, block, loc, table)
    return out


def with_ban_rules(chk: Checker, dept: Department, item: dict, loc: Location, kinds: dict[str, BanRules],
                   table: CriteriaTable | None) -> Department:
    """``dept`` with the rules of its kind and its own entry applied."""
    own = _rules(chk, item, loc, table)
    kind = kinds.get(dept.kind, BanRules())
    targets = dict(kind.targets)
    targets.update(dict(own.targets))
    allowed = own.not_applicable if own.not_applicable is not None else kind.not_applicable
    return replace(dept, targets=tuple(sorted(targets.items())), na_allowed=allowed)


def _rules(chk: Checker, block: dict, loc: Location, table: CriteriaTable | None) -> BanRules:
    targets: list[tuple[str, Decimal]] = []
    raw = chk.get(block, loc, "targets", dict, required=False)
    for code in raw or {}:
        where = loc + ("targets", code)
        value = chk.number(raw, loc + ("targets",), code)
        crit = table.criterion(str(code)) if table is not None else None
        if table is not None and crit is None:
            chk.fail(where, f"Mã tiêu chí '{code}' không có trong bảng tiêu chí.")
        elif crit is not None and crit.method != "ratio":
            chk.fail(where, f"Tiêu chí {code} không chấm theo tỷ lệ nên không có chỉ tiêu; xóa dòng này.")
        elif value is not None and value <= 0:
            chk.fail(where, f"Chỉ tiêu của tiêu chí {code} phải lớn hơn 0, đang là {value}.")
        elif value is not None:
            targets.append((str(code), value))
    allowed = None
    if "not_applicable" in block:
        allowed = chk.str_list(block, loc, "not_applicable")
        for i, code in enumerate(allowed):
            crit = table.criterion(code) if table is not None else None
            if table is not None and crit is None:
                chk.fail(loc + ("not_applicable", i), f"Mã tiêu chí '{code}' không có trong bảng tiêu chí.")
            elif crit is not None and not crit.allow_na:
                chk.fail(loc + ("not_applicable", i),
                         f"Bảng tiêu chí không cho phép tiêu chí {code} 'Không áp dụng' (phần {crit.section}); "
                         "xóa mã này hoặc sửa not_applicable_policy của bảng tiêu chí.")
    return BanRules(tuple(targets), allowed)


def describe_rules(dept: Department, table: CriteriaTable) -> dict[str, Any]:
    """The Ban's rules of one unit as plain data (targets as text, N/A list) for reports and exports."""
    return {"targets": {c.code: format(dept.target_for(c), "f") for c in table.criteria if c.method == "ratio"},
            "not_applicable": [c.code for c in table.criteria if dept.may_be_na(c)]}

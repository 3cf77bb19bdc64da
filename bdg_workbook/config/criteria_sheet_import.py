"""Rows of the Ban's criteria spreadsheet back to the YAML template, checked by ``build_criteria`` (the same code as
``criteria check``), every problem located by sheet, row and column (layout: ``config.criteria_sheet``)."""

from __future__ import annotations

import unicodedata
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from bdg_workbook.config.criteria_sheet import (BAND_COLUMNS, BAND_FIRST_COL, CRITERIA_COLUMNS, INFO_KEYS,
                                                METHOD_BY_LABEL, NO, SECTION_COLUMNS, SHEET_CRITERIA, SHEET_INFO,
                                                SHEET_SECTIONS, YES, SheetCell, SheetRows)
from bdg_workbook.config.table_check import build_criteria
from bdg_workbook.config.yaml_source import Checker, LocatedYaml, Location, format_location
from bdg_workbook.domain.errors import Problem, TemplateError
from bdg_workbook.domain.model import CriteriaTable
from bdg_workbook.domain.numbers import plain_number


class SheetSource(LocatedYaml):
    """A LocatedYaml whose locations are spreadsheet cells: problems read ``Tiêu chí!D7 (dòng 7, cột D …)``."""

    def __init__(self, path: Path, data: Any, cells: dict[Location, SheetCell], rows: dict[Location, str]) -> None:
        super().__init__(path, data, {})
        self._cells = cells
        self._rows = rows

    def where(self, loc: Location) -> str:
        """``file: trang 'Tiêu chí', dòng 7, cột D (Điểm tối đa)`` for the nearest located prefix of ``loc``."""
        probe = loc
        while probe and probe not in self._cells and probe not in self._rows:
            probe = probe[:-1]
        if probe in self._cells:
            cell = self._cells[probe]
            header = _header_of(cell.sheet, cell.column)
            return (f"{self.path.name}: trang '{cell.sheet}', dòng {cell.row}, cột {cell.column}"
                    + (f" ({header})" if header else ""))
        if probe in self._rows:
            return f"{self.path.name}: {self._rows[probe]}"
        return f"{self.path.name} ({format_location(loc)})"


def _header_of(sheet: str, column: str) -> str:
    index = ord(column[-1]) - ord("A") if len(column) == 1 else -1
    if sheet == SHEET_CRITERIA and 0 <= index < len(CRITERIA_COLUMNS):
        return CRITERIA_COLUMNS[index][1]
    if sheet == SHEET_SECTIONS:
        heads = [h for _k, h, _w in SECTION_COLUMNS] + [""] + [h for _k, h, _w in BAND_COLUMNS]
        return heads[index] if 0 <= index < len(heads) else ""
    if sheet == SHEET_INFO:
        return {0: "Khóa", 1: "Tên", 2: "Giá trị"}.get(index, "")
    return ""


class _Builder:
    """Turns sheet rows into the YAML mapping ``build_criteria`` reads, remembering each value's cell."""

    def __init__(self, rows: SheetRows) -> None:
        self.rows = rows
        self.cells: dict[Location, SheetCell] = {}
        self.row_names: dict[Location, str] = {}
        self.early: list[tuple[Location, str]] = []   # problems found while converting (bad Có/Không …)

    def put(self, target: dict, loc: Location, key: str, cell: SheetCell | None, kind: str = "text") -> None:
        """Store the cell's value under ``key`` (converted by ``kind``); record its location."""
        if cell is None:
            return
        self.cells[loc + (key,)] = cell
        value = cell.value
        if value is None:
            return
        if kind == "flag":
            value = self._flag(value, loc + (key,))
        elif kind == "number":
            value = _number(value)
        elif kind == "lines":
            value = [line.strip() for line in str(value).splitlines() if line.strip()]
        elif kind == "list":
            value = [part.strip() for part in str(value).replace(";", ",").split(",") if part.strip()]
        elif kind == "int":
            number = _number(value)
            value = number
        elif kind == "method":
            text = str(value).strip()
            value = METHOD_BY_LABEL.get(unicodedata.normalize("NFC", text).casefold(), text)
        elif not isinstance(value, str):
            value = plain_number(value) if isinstance(value, Decimal) else str(value)
        if value is not None:
            target[key] = value

    def _flag(self, value: Any, loc: Location) -> bool | None:
        if isinstance(value, bool):
            return value
        text = unicodedata.normalize("NFC", str(value)).strip().casefold()
        if text in ("có", "co", "x", "true", "yes"):
            return True
        if text in ("không", "khong", "false", "no"):
            return False
        self.early.append((loc, f"Ô phải ghi '{YES}' hoặc '{NO}', đang là '{value}'."))
        return None

    def build(self) -> dict[str, Any]:
        """The whole YAML mapping (meta, scale, rules, not_applicable_policy, sections, rating_bands)."""
        info = self._info()
        data: dict[str, Any] = {"meta": {}, "scale": {}, "rules": {}, "not_applicable_policy": {},
                                "rating_bands": {"top_band_conditions": {}}}
        for key, loc, kind in (("id", ("meta",), "text"), ("version", ("meta",), "text"), ("year", ("meta",), "int"),
                               ("title", ("meta",), "text"), ("official", ("meta",), "flag"),
                               ("disclaimer", ("meta",), "text"), ("plan_ref", ("meta",), "text"),
                               ("base_max", ("scale",), "number"), ("bonus_cap", ("scale",), "number"),
                               ("penalty_cap", ("scale",), "number"), ("total_max", ("scale",), "number")):
            self.put(data[loc[0]], loc, key, info.get(key), kind)
        na = data["not_applicable_policy"]
        self.put(na, ("not_applicable_policy",), "allowed", info.get("na_allowed"), "flag")
        self.put(na, ("not_applicable_policy",), "never_applicable_in", info.get("never_applicable_in"), "list")
        self.put(na, ("not_applicable_policy",), "min_applicable_pct", info.get("na_min_applicable_pct"), "number")
        top = data["rating_bands"]["top_band_conditions"]
        top_loc: Location = ("rating_bands", "top_band_conditions")
        self.put(top, top_loc, "no_deductions_in", info.get("no_deductions_in"), "list")
        if info.get("top_section") is not None and info["top_section"].value is not None:
            smp: dict[str, Any] = {}
            self.put(smp, top_loc + ("section_min_pct",), "section", info.get("top_section"))
            self.put(smp, top_loc + ("section_min_pct",), "pct", info.get("top_section_pct"), "number")
            top["section_min_pct"] = smp
        data["rules"]["bonus_justification_fields"] = self._fields(info.get("justification_fields"))
        data["sections"] = self._sections()
        data["rating_bands"]["bands"] = self._bands()
        self.row_names.update({("meta",): f"trang '{SHEET_INFO}'", ("scale",): f"trang '{SHEET_INFO}'",
                               ("not_applicable_policy",): f"trang '{SHEET_INFO}'",
                               ("rating_bands",): f"trang '{SHEET_SECTIONS}', cột F-G",
                               ("sections",): f"trang '{SHEET_SECTIONS}', cột A-D"})
        if not data["sections"]:
            self.early.append((("sections",), "Chưa có phần nào (I, II, …): ghi mỗi phần một dòng ở cột A-D."))
        elif not any(s["criteria"] for s in data["sections"]):
            self.row_names[("criteria",)] = f"trang '{SHEET_CRITERIA}'"
            self.early.append((("criteria",), "Chưa có tiêu chí nào: ghi mỗi tiêu chí một dòng từ dòng 2."))
        return data

    def _info(self) -> dict[str, SheetCell]:
        out: dict[str, SheetCell] = {}
        known = {k for k, _l, _e in INFO_KEYS}
        for row in self.rows.get(SHEET_INFO, []):
            key_cell = row[0]
            key = str(key_cell.value).strip() if key_cell.value is not None else ""
            if key in known:
                out[key] = row[2] if len(row) > 2 else SheetCell(SHEET_INFO, key_cell.row, "C", None)
            elif key:
                self.early.append((("info", key_cell.row), f"Khóa '{key}' ở trang '{SHEET_INFO}' dòng {key_cell.row} "
                                   f"không có trong danh sách; dùng một trong: {', '.join(sorted(known))}."))
                self.cells[("info", key_cell.row)] = key_cell
        return out

    def _fields(self, cell: SheetCell | None) -> list[dict[str, str]]:
        loc: Location = ("rules", "bonus_justification_fields")
        if cell is None:
            return []
        self.cells[loc] = cell
        if cell.value is None:
            return []
        out = []
        for line in str(cell.value).splitlines():
            if not line.strip():
                continue
            key, sep, label = line.partition(":")
            if not sep:
                self.early.append((loc, f"Dòng '{line.strip()}' phải có dạng 'khóa: tên'."))
                continue
            out.append({"key": key.strip(), "label": label.strip()})
        return out

    def _sections(self) -> list[dict[str, Any]]:
        sections: list[dict[str, Any]] = []
        by_code: dict[str, dict[str, Any]] = {}
        for row in self.rows.get(SHEET_SECTIONS, []):
            cells = row[:len(SECTION_COLUMNS)]
            if all(c.value is None for c in cells):
                continue
            loc: Location = ("sections", len(sections))
            self.row_names[loc] = f"trang '{SHEET_SECTIONS}', dòng {cells[0].row}"
            section: dict[str, Any] = {}
            for (key, _h, _w), cell in zip(SECTION_COLUMNS, cells):
                if key == "max":
                    kind = section.get("kind")
                    self.put(section, loc, "max" if kind not in ("bonus", "penalty") else "cap", cell, "number")
                else:
                    self.put(section, loc, key, cell)
            section["criteria"] = []
            sections.append(section)
            if isinstance(section.get("code"), str):
                by_code.setdefault(section["code"], section)
        self._place_criteria(sections, by_code)
        return sections

    def _place_criteria(self, sections: list[dict[str, Any]], by_code: dict[str, dict[str, Any]]) -> None:
        for row in self.rows.get(SHEET_CRITERIA, []):
            cells = row[:len(CRITERIA_COLUMNS)]
            if all(c.value is None for c in cells):
                continue
            code_cell = cells[0]
            section = by_code.get(str(code_cell.value).strip()) if code_cell.value is not None else None
            if section is None:
                where: Location = ("criteria_row", code_cell.row)
                self.cells[where] = code_cell
                self.early.append((where, f"Phần '{code_cell.value or ''}' của tiêu chí không có ở trang "
                                          f"'{SHEET_SECTIONS}'; ghi mã phần có ở đó (ví dụ II)."))
                continue
            si = sections.index(section)
            loc: Location = ("sections", si, "criteria", len(section["criteria"]))
            self.row_names[loc] = f"trang '{SHEET_CRITERIA}', dòng {code_cell.row}"
            item: dict[str, Any] = {}
            kinds = {"max": "number", "default_target": "number", "points_each": "number", "allow_na": "flag",
                     "requires_five_point_justification": "flag", "evidence": "lines", "method": "method",
                     "target_proposable": "flag", "on_time": "flag"}
            for (key, _h, _w, _e), cell in zip(CRITERIA_COLUMNS[1:], cells[1:]):
                self.put(item, loc, key, cell, kinds.get(key, "text"))
            section["criteria"].append(item)

    def _bands(self) -> list[dict[str, Any]]:
        bands: list[dict[str, Any]] = []
        for row in self.rows.get(SHEET_SECTIONS, []):
            cells = row[BAND_FIRST_COL:BAND_FIRST_COL + len(BAND_COLUMNS)]
            if len(cells) < len(BAND_COLUMNS) or all(c.value is None for c in cells):
                continue
            loc: Location = ("rating_bands", "bands", len(bands))
            self.row_names[loc] = f"trang '{SHEET_SECTIONS}', dòng {cells[0].row}"
            band: dict[str, Any] = {}
            self.put(band, loc, "label", cells[0])
            self.put(band, loc, "min", cells[1], "number")
            bands.append(band)
        return bands


def _number(value: Any) -> Any:
    """Spreadsheet numbers as the YAML loader gives them: int when integral, else float (read back through its
    shortest repr, 2.5 never 2.4999…); text is kept for the checker to judge."""
    if isinstance(value, bool) or isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() and abs(value) < 1e15 else value
    return str(value).strip()


def table_from_rows(rows: SheetRows, path: Path) -> tuple[CriteriaTable, dict[str, Any]]:
    """The checked table and its YAML mapping; TemplateError with every located problem otherwise."""
    missing = [name for name in (SHEET_CRITERIA, SHEET_SECTIONS, SHEET_INFO) if name not in rows]
    if missing:
        raise TemplateError([Problem(str(path), path.name, f"Thiếu trang '{name}'. Dùng tệp do 'bdg-workbook criteria "
                                     "export' tạo (có thể thêm --blank) rồi điền vào.") for name in missing])
    builder = _Builder(rows)
    data = builder.build()
    src = SheetSource(path, data, builder.cells, builder.row_names)
    chk = Checker(src)
    for loc, message in builder.early:
        chk.fail(loc, message)
    table = build_criteria(chk, data)
    if chk.problems or table is None:
        raise TemplateError(chk.problems or [src.problem((), "Bảng tiêu chí rỗng.")])
    return table, data


def yaml_text(data: dict[str, Any], source: str) -> str:
    """The YAML template written by ``criteria import`` (numbers plain, text quoted, a header comment)."""
    header = (f"# Bảng tiêu chí nhập từ bảng tính '{source}' bằng 'bdg-workbook criteria import'.\n"
              "# Sửa bảng tính rồi nhập lại, hoặc sửa trực tiếp tệp này; kiểm tra bằng 'bdg-workbook criteria check'.\n")
    return header + yaml.safe_dump(_plain_yaml(data), allow_unicode=True, sort_keys=False, width=120)


def _plain_yaml(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain_yaml(v) for k, v in value.items() if v not in (None, {}, [])
                or k in ("criteria", "bonus_justification_fields")}
    if isinstance(value, list):
        return [_plain_yaml(v) for v in value]
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() and "E" not in str(value) and "." not in str(value) \
            else float(plain_number(value))
    return value

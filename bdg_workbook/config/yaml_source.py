"""YAML loading that remembers the line of every value, for located error messages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

from bdg_workbook.domain.errors import Problem, TemplateError

Location = tuple[str | int, ...]


class LocatedYaml:
    """Plain Python data from a YAML file plus the line of each value, by path."""

    def __init__(self, path: Path, data: Any, lines: dict[Location, int],
                 duplicates: list[tuple[Location, int]] | None = None) -> None:
        self.path = path
        self.data = data
        self._lines = lines
        self.duplicates = list(duplicates or [])

    def duplicate_problems(self) -> list[Problem]:
        """One problem per key written twice in the same mapping (YAML silently keeps the last one)."""
        return [Problem(str(self.path), f"{self.path.name}:{line} ({format_location(loc)})",
                        f"Khóa '{loc[-1]}' bị ghi hai lần trong cùng một mục; YAML chỉ giữ giá trị cuối. "
                        "Xóa dòng thừa.") for loc, line in self.duplicates]

    def where(self, loc: Location) -> str:
        """Human location: ``file:line (sections[1].criteria[0].max)``."""
        probe = loc
        while probe and probe not in self._lines:
            probe = probe[:-1]
        line = self._lines.get(probe, 1)
        return f"{self.path.name}:{line} ({format_location(loc)})"

    def problem(self, loc: Location, message: str) -> Problem:
        """A Problem located at ``loc``."""
        return Problem(str(self.path), self.where(loc), message)


def format_location(loc: Location) -> str:
    """``('sections', 1, 'max')`` -> ``sections[1].max``."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "gốc tệp"


def load_located(path: Path) -> LocatedYaml:
    """Parse ``path``; a missing file, a non-UTF-8 file or broken YAML raises TemplateError."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise TemplateError([Problem(str(path), path.name,
                                     f"Không tìm thấy tệp '{path}'. Kiểm tra lại đường dẫn.")]) from exc
    except UnicodeDecodeError as exc:
        raise TemplateError([Problem(str(path), path.name, "Tệp không ở mã UTF-8. Mở bằng trình soạn thảo và lưu lại "
                                     "với mã hóa UTF-8.")]) from exc
    except OSError as exc:
        raise TemplateError([Problem(str(path), path.name, f"Không đọc được tệp: {exc.strerror}.")]) from exc
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        raise TemplateError([_syntax_problem(path, exc)]) from exc
    lines: dict[Location, int] = {}
    duplicates: list[tuple[Location, int]] = []
    data = _convert(node, (), lines, duplicates) if node is not None else {}
    return LocatedYaml(path, data, lines, duplicates)


def _syntax_problem(path: Path, exc: yaml.YAMLError) -> Problem:
    mark = getattr(exc, "problem_mark", None)
    line = mark.line + 1 if mark else 1
    column = f", cột {mark.column + 1}" if mark else ""
    detail = getattr(exc, "problem", None) or str(exc)
    return Problem(str(path), f"{path.name}:{line}",
                   f"Tệp YAML sai cú pháp (dòng {line}{column}: {detail}). Kiểm tra thụt lề bằng dấu cách, "
                   "dấu hai chấm sau tên trường và dấu ngoặc kép quanh chữ có dấu ':' hoặc '#'.")


def _convert(node: yaml.Node, loc: Location, lines: dict[Location, int],
             duplicates: list[tuple[Location, int]]) -> Any:
    lines[loc] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            if key in out:
                duplicates.append((loc + (key,), key_node.start_mark.line + 1))
            out[key] = _convert(value_node, loc + (key,), lines, duplicates)
            lines[loc + (key,)] = key_node.start_mark.line + 1  # a block value starts below its key: point at the key
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_convert(item, loc + (i,), lines, duplicates) for i, item in enumerate(node.value)]
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_object(node, deep=True)
    except (yaml.YAMLError, ValueError):
        # e.g. an impossible date such as 2024-13-01: keep the text so the checker reports it by location
        return str(node.value)
    finally:
        loader.dispose()


# ---------------------------------------------------------------- located checks

_KIND_NAMES = {str: "chuỗi chữ", int: "số nguyên", float: "số", dict: "một bảng (mapping)",
               list: "một danh sách", bool: "true/false", dt.date: "ngày"}


def short_repr(value: Any, limit: int = 60) -> str:
    """``repr`` of a value found in a file, cut to ``limit`` characters for messages."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def to_decimal(value: Any) -> Decimal | None:
    """A finite Decimal from a YAML number or numeric text; None for anything else (bool, NaN, '5,5')."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


class Checker:
    """Collects located problems while reading one YAML file; never stops at the first one."""

    def __init__(self, src: LocatedYaml) -> None:
        self.src = src
        self.problems: list[Problem] = src.duplicate_problems()

    def fail(self, loc: Location, message: str) -> None:
        """Record a problem at ``loc``."""
        self.problems.append(self.src.problem(loc, message))

    def mapping(self, data: Any, loc: Location, what: str) -> dict | None:
        """``data`` if it is a mapping, else record a problem and return None."""
        if isinstance(data, dict):
            return data
        self.fail(loc, f"{what} phải là một bảng (mapping) gồm các dòng 'tên: giá trị', đang là {short_repr(data)}.")
        return None

    def get(self, data: Any, loc: Location, key: str, kind: type | tuple[type, ...], required: bool = True) -> Any:
        """``data[key]`` if present and of ``kind`` (missing or wrong type: a problem); None if ``data`` is no mapping."""
        if not isinstance(data, dict):
            return None
        if key not in data or data[key] is None:
            if required:
                self.fail(loc + (key,), f"Thiếu trường bắt buộc '{key}'.")
            return None
        value = data[key]
        kinds = kind if isinstance(kind, tuple) else (kind,)
        if not isinstance(value, kinds) or isinstance(value, bool) and bool not in kinds:
            names = " hoặc ".join(_KIND_NAMES.get(k, k.__name__) for k in kinds)
            self.fail(loc + (key,), f"Trường '{key}' phải là {names}, đang là {short_repr(value)}.")
            return None
        return value

    def number(self, data: Any, loc: Location, key: str, required: bool = True) -> Decimal | None:
        """A non-negative finite number (YAML number or numeric text)."""
        if not isinstance(data, dict):
            return None
        if key not in data or data[key] is None:
            if required:
                self.fail(loc + (key,), f"Thiếu trường bắt buộc '{key}' (một số).")
            return None
        value = data[key]
        number = to_decimal(value)
        if number is None:
            hint = " Dùng dấu chấm thập phân (ví dụ 2.5)." if isinstance(value, str) and "," in value else ""
            self.fail(loc + (key,), f"Trường '{key}' phải là một số, đang là {short_repr(value)}.{hint}")
            return None
        if number < 0:
            self.fail(loc + (key,), f"Trường '{key}' phải là số không âm, đang là {short_repr(value)}.")
            return None
        return number

    def flag(self, data: Any, loc: Location, key: str, default: bool) -> bool:
        """An optional true/false field."""
        value = self.get(data, loc, key, bool, required=False)
        return default if value is None else value

    def date(self, data: Any, loc: Location, key: str, required: bool = True) -> dt.date | None:
        """A date written as YYYY-MM-DD."""
        value = self.get(data, loc, key, (dt.date, str), required)
        if isinstance(value, dt.datetime):
            return value.date()
        if value is None or isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            self.fail(loc + (key,), f"Trường '{key}' phải là một ngày có thật dạng NNNN-TT-NN (ví dụ 2024-09-30), "
                                    f"đang là {short_repr(value)}.")
            return None

    def str_list(self, data: Any, loc: Location, key: str, required: bool = False) -> tuple[str, ...]:
        """A list of text items (each non-text item is a problem)."""
        value = self.get(data, loc, key, list, required)
        out = []
        for i, item in enumerate(value or []):
            if isinstance(item, str):
                out.append(item)
            else:
                self.fail(loc + (key, i), f"Phần tử phải là chuỗi chữ, đang là {short_repr(item)}.")
        return tuple(out)

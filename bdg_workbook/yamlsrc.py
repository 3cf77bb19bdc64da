"""YAML loading that remembers the line of every value, for located error messages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .errors import Problem, TemplateError

Location = tuple[str | int, ...]


class LocatedYaml:
    """Plain Python data from a YAML file plus the line of each value, by path."""

    def __init__(self, path: Path, data: Any, lines: dict[Location, int]) -> None:
        self.path = path
        self.data = data
        self._lines = lines

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
    return out or "(gốc tệp)"


def load_located(path: Path) -> LocatedYaml:
    """Parse ``path``; a missing file or broken YAML raises TemplateError."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise TemplateError([Problem(str(path), path.name, f"Không đọc được tệp: {exc.strerror}.")]) from exc
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        raise TemplateError(
            [Problem(str(path), f"{path.name}:{line}", f"Tệp YAML sai cú pháp: {getattr(exc, 'problem', exc)}.")]
        ) from exc
    lines: dict[Location, int] = {}
    data = _convert(node, (), lines) if node is not None else {}
    return LocatedYaml(path, data, lines)


def _convert(node: yaml.Node, loc: Location, lines: dict[Location, int]) -> Any:
    lines[loc] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            out[key] = _convert(value_node, loc + (key,), lines)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_convert(item, loc + (i,), lines) for i, item in enumerate(node.value)]
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_object(node, deep=True)
    finally:
        loader.dispose()

"""Helpers for setup-file tests: load a shipped YAML file, change it, dump it to a folder, find lines in it."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any, Callable

import yaml

from bdg_workbook.config.templates import TEMPLATES_DIR

FILE_NAMES = {"criteria": "criteria-2024.yaml", "departments": "departments.yaml", "config": "config.yaml"}
_SHIPPED: dict[str, Any] = {}


def shipped(kind: str) -> Any:
    """A fresh deep copy of a shipped template's data (``criteria``, ``departments`` or ``config``)."""
    if kind not in _SHIPPED:
        _SHIPPED[kind] = yaml.safe_load((TEMPLATES_DIR / FILE_NAMES[kind]).read_text(encoding="utf-8"))
    return copy.deepcopy(_SHIPPED[kind])


def dump(data: Any, path: Path) -> str:
    """Write ``data`` as block-style YAML (no line wrapping) and return the text written."""
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=10**6)
    path.write_text(text, encoding="utf-8")
    return text


def write_setup(folder: Path, mutate: dict[str, Callable[[Any], None]]) -> tuple[list[str], dict[str, str]]:
    """Dump all three files (each changed by ``mutate[kind]`` if given); CLI options and the texts written."""
    args, texts = [], {}
    for kind, name in FILE_NAMES.items():
        data = shipped(kind)
        if kind in mutate:
            mutate[kind](data)
        texts[kind] = dump(data, folder / name)
        args += [f"--{kind}", str(folder / name)]
    return args, texts


def line_of(text: str, *needles: str) -> int:
    """1-based line of the last needle; each needle is looked for after the line of the previous one.

    A line matches when, stripped of indentation and a list dash, it starts with the needle.
    """
    lines = [line.strip().removeprefix("- ") for line in text.splitlines()]
    pos = -1
    for needle in needles:
        pos = next(i for i in range(pos + 1, len(lines)) if lines[i].startswith(needle))
    return pos + 1


def problem_lines(stderr: str) -> list[str]:
    """The one-per-problem lines the CLI prints on stderr."""
    return [line for line in stderr.splitlines() if line.startswith("  - ")]

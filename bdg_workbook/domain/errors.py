"""The short exception tree: raised only where work cannot go on."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One located problem in a setup file (template, config)."""

    file: str
    location: str
    message: str

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"


class BdgError(Exception):
    """Base of every error bdg-workbook raises on purpose."""


class TemplateError(BdgError):
    """A criteria table, department list or config is invalid; carries every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class WorkbookError(BdgError):
    """A returned workbook cannot be read at all (not a sane xlsx, wrong layout)."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        self.message = message
        super().__init__(message)

"""The ``bdg-workbook`` program: the click group with every command registered."""

from __future__ import annotations

from bdg_workbook.cli import collect_commands, season_commands, setup_commands  # noqa: F401  (register commands)
from bdg_workbook.cli import archive_commands, criteria_commands  # noqa: F401,E402  (issue 15)
from bdg_workbook.cli.app import main

__all__ = ["main"]

"""The ``bdg-workbook`` program: the click group with every command registered."""

from __future__ import annotations

from bdg_workbook.cli import collect_commands, season_commands, setup_commands  # noqa: F401  (register commands)
from bdg_workbook.cli import archive_commands, criteria_commands  # noqa: F401,E402  (issue 15)
from bdg_workbook.cli import web_commands  # noqa: F401,E402  (issue 14)
from bdg_workbook.cli import loop_commands, report_commands  # noqa: F401,E402  (issues 16, 15.6)
from bdg_workbook.cli import rollup_commands  # noqa: F401,E402  (issue 12)
from bdg_workbook.cli.app import main

__all__ = ["main"]

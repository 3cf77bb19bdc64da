"""Each unit's place in the correction loop for a status table (CLI ``status``, the web app): read-only."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from bdg_workbook.collect.status import LoopInfo
from bdg_workbook.corrections import sync
from bdg_workbook.corrections.journal import Journal, season_folder
from bdg_workbook.domain.model import Setup
from bdg_workbook.domain.result import CollectResult


def loop_infos(setup: Setup, result: CollectResult, records: Path | None = None,
               today: dt.date | None = None) -> dict[str, LoopInfo]:
    """State, rounds and days to the deadline per unit: the journal plus this inbox's new returns (nothing written)."""
    today = today or dt.date.today()
    journal = Journal(season_folder(setup, records), setup.config.year)
    loops = journal.loops([d.code for d in setup.departments])
    sync.observe(result, loops)
    deadline = setup.config.department_deadline
    return {code: LoopInfo(loop.state, loop.state_vi, loop.rounds, loop.days_to_deadline(today, deadline))
            for code, loop in loops.items()}

"""The season's correction journal: JSON lines appended with fsync in ``output/<year>/corrections.jsonl``.

Append-only (an event is never rewritten), one line per event, flushed and fsync'ed before the command
reports success, so a change survives a crash or restart. A damaged line (a half-written last line after
a power cut) is skipped with a note naming the line. Files the loop keeps (every version a unit sent,
comparisons, letters, marked workbooks) live beside it in ``corrections/<UNIT>/``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from bdg_workbook.corrections.states import Event, UnitLoop, fold
from bdg_workbook.domain.model import Setup

JOURNAL_NAME = "corrections.jsonl"
FOLDER_NAME = "corrections"


def season_folder(setup: Setup, root: Path | None = None) -> Path:
    """``output/<year>`` (or ``root``): where the journal and the loop's files are kept."""
    return root if root is not None else Path("output") / str(setup.config.year)


class Journal:
    """The events of one season, read from and appended to one JSON-lines file."""

    def __init__(self, folder: Path, season: int) -> None:
        self.folder = folder
        self.path = folder / JOURNAL_NAME
        self.season = season
        self.notes: list[str] = []
        self.events: list[Event] = []
        self._load()

    def _load(self) -> None:
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                event = Event.from_dict(json.loads(line))
            except (ValueError, KeyError, TypeError) as exc:
                self.notes.append(f"{self.path} dòng {number} hỏng ({exc}); bỏ qua dòng này.")
                continue
            if event.season == self.season:
                self.events.append(event)

    def loops(self, units: list[str]) -> dict[str, UnitLoop]:
        """Each unit's state after every recorded event."""
        return fold(self.events, units)

    def unit_folder(self, unit: str) -> Path:
        """``corrections/<UNIT>/``: the unit's kept files, comparisons and letters."""
        return self.folder / FOLDER_NAME / unit

    def append(self, events: list[Event]) -> None:
        """Write the events at the end of the journal and fsync before returning (nothing half-recorded)."""
        if not events:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        created = not self.path.exists()
        data = "".join(json.dumps(e.as_dict(), ensure_ascii=False, sort_keys=True) + "\n" for e in events)
        with self.path.open("a", encoding="utf-8", newline="\n") as fh:
            if fh.tell() and not self._ends_with_newline():
                fh.write("\n")          # a torn last line stays a damaged line of its own
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if created and hasattr(os, "O_DIRECTORY"):
            fd = os.open(self.folder, os.O_RDONLY | os.O_DIRECTORY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        self.events.extend(events)

    def _ends_with_newline(self) -> bool:
        with self.path.open("rb") as fh:
            fh.seek(-1, os.SEEK_END)
            return fh.read(1) == b"\n"

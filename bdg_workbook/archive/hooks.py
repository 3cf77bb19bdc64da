"""What the commands call: open the archive if the working folder has one, reuse and record, never fail a run.

An archive problem (locked, unreadable, newer schema) is reported as a warning line and the command goes on
without it: the archive records the season, it never decides it.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from bdg_workbook.archive.file_cache import ArchiveCache
from bdg_workbook.archive.schema import ArchiveError
from bdg_workbook.archive.store import Archive, resolve_archive_path
from bdg_workbook.domain.result import PreviousSeason, PreviousStanding

WARNING = "Cảnh báo: kho lưu trữ {path}: {reason}; lần chạy này không được ghi vào kho."


def open_or_none(explicit: Path | None = None, warn: Any = None) -> Archive | None:
    """The working folder's archive (created when missing), or None when there is none or it cannot be used."""
    path = resolve_archive_path(explicit)
    if path is None:
        return None
    try:
        return Archive(path)
    except (ArchiveError, sqlite3.Error, OSError) as exc:
        if warn:
            warn(WARNING.format(path=path, reason=exc))
        return None


def cache_for(archive: Archive | None, setup: Any, keyring: Any) -> ArchiveCache | None:
    """The collector's per-file cache over this archive (None without an archive)."""
    if archive is None:
        return None
    return ArchiveCache(archive, setup, tuple(keyring.key_ids) if keyring is not None else ())


def previous_season(archive: Archive | None, season: int) -> PreviousSeason | None:
    """The season before ``season`` as the archive holds it (None when it holds nothing for it)."""
    if archive is None:
        return None
    try:
        units = archive.standings(season - 1)
    except sqlite3.Error:
        return None
    if not units:
        return None
    return PreviousSeason(season - 1, f"kho lưu trữ {archive.path.name}",
                          {c: PreviousStanding(c, u.name, u.total, u.rating) for c, u in units.items()})


def guarded(archive: Archive | None, warn: Any, action: Any) -> int | None:
    """``action()`` (a recording); an archive error becomes a warning line and None."""
    if archive is None:
        return None
    try:
        return action()
    except (sqlite3.Error, OSError) as exc:
        if warn:
            warn(WARNING.format(path=archive.path, reason=exc))
        return None


def after_collect(archive: Archive | None, cache: ArchiveCache | None, result: Any, output: Path,
                  warn: Any = None) -> int | None:
    """Keep this run's fresh per-file results and record the collection; the run number (None without archive)."""
    def action() -> int:
        if cache is not None:
            cache.flush()
        return archive.record_collection(result, str(output))
    return guarded(archive, warn, action)


def after_review(archive: Archive | None, outcome: Any, master: Path, target: Path | None,
                 warn: Any = None) -> int | None:
    """Record a review round."""
    return guarded(archive, warn, lambda: archive.record_review(outcome, master, target))


def after_mail(archive: Archive | None, setup: Any, report: Any, source: Path, sent: bool,
               warn: Any = None) -> int | None:
    """Record a mail run (drafts or sends)."""
    return guarded(archive, warn, lambda: archive.record_sends(setup, report, str(source), sent))

"""Recording runs in the archive (one transaction each) and reading the history back."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterable, Iterator

from bdg_workbook import __version__
from bdg_workbook.archive.schema import ArchiveError, open_archive
from bdg_workbook.domain.model import Setup
from bdg_workbook.domain.numbers import plain_number


@dataclass(frozen=True)
class RunRow:
    """One recorded run as ``history`` lists it."""

    id: int
    kind: str
    season: int
    ward: str
    started_at: str
    template_id: str
    template_version: str
    template_hash: str
    source: str
    output: str
    files: int
    errors: int
    warnings: int
    review_round: int


@dataclass(frozen=True)
class UnitStanding:
    """One unit's result in force at the end of a season (latest collect or review of that season)."""

    department: str
    name: str
    status: str
    total: Decimal | None
    rating: str
    rank: int | None


class Archive:
    """An open archive database; each ``record_*`` is one transaction (all of a run, or nothing)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.conn = open_archive(self.path)

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()

    def __enter__(self) -> "Archive":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE … COMMIT; any exception rolls the whole run back."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    def _run(self, conn: sqlite3.Connection, kind: str, setup: Setup, source: str, output: str, files: int,
             errors: int, warnings: int, review_round: int = 0) -> int:
        table = setup.table
        cur = conn.execute(
            "INSERT INTO runs (kind, season, ward, started_at, program_version, template_id, template_version, "
            "template_hash, source, output, files, errors, warnings, review_round) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (kind, setup.config.year, setup.config.ward, _now(), __version__, table.template_id, table.version,
             table.content_hash, source, output, files, errors, warnings, review_round))
        return int(cur.lastrowid)

    # ------------------------------------------------------------ recording

    def record_collection(self, result: Any, output: str = "") -> int:
        """A collect run: every file (SHA-256, receipt time), finding, unit result and counted points."""
        with self.transaction() as conn:
            run = self._run(conn, "collect", result.setup, result.inbox, output, len(result.files),
                            result.error_count, result.warning_count)
            conn.executemany(
                "INSERT INTO run_files VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(run, f.display_name, f.sha256, f.size, _received_at(f.path, result.generated_at), f.department,
                  f.status, f.errors, f.warnings) for f in result.files])
            self._findings(conn, run, result.findings)
            rows = [(run, r.department.code, r.department.name, "collected", _dec(r.card.total), r.card.rating,
                     r.rank, _dec(r.card.base), _dec(r.card.bonus), _dec(r.card.penalty), r.file, r.sha256)
                    for r in result.departments]
            rows += [(run, d.code, d.name, "missing", None, "", None, None, None, None, "", "") for d in result.missing]
            conn.executemany("INSERT INTO unit_results VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
            conn.executemany(
                "INSERT INTO criterion_points VALUES (?, ?, ?, ?, ?)",
                [(run, r.department.code, code, _dec(r.self_card.items[code].points) if code in r.self_card.items
                  else None, _dec(item.points)) for r in result.departments for code, item in r.card.items.items()])
        return run

    def record_review(self, outcome: Any, master: Path, target: Path | None) -> int:
        """A review round: its findings, the verified unit results and this round's changes."""
        with self.transaction() as conn:
            run = self._run(conn, "review", outcome.setup, str(master), str(target or ""), 1, outcome.error_count,
                            outcome.warning_count, outcome.round)
            self._findings(conn, run, outcome.findings)
            rows = [(run, d.result.department.code, d.result.department.name, "collected", _dec(d.result.card.total),
                     d.result.card.rating, d.result.rank, _dec(d.result.card.base), _dec(d.result.card.bonus),
                     _dec(d.result.card.penalty), d.result.file, d.result.sha256) for d in outcome.departments]
            rows += [(run, m.code, m.name, "missing", None, "", None, None, None, None, "", "")
                     for m in outcome.missing]
            conn.executemany("INSERT INTO unit_results VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
            conn.executemany(
                "INSERT INTO criterion_points VALUES (?, ?, ?, ?, ?)",
                [(run, d.result.department.code, code, None, _dec(item.points))
                 for d in outcome.departments for code, item in d.result.card.items.items()])
            conn.executemany("INSERT INTO review_changes VALUES (?, ?, ?, ?, ?, ?)",
                             [(run, a.department, a.criterion, _dec(a.before), _dec(a.after), a.reason)
                              for a in outcome.audit if a.round == outcome.round])
        return run

    def record_sends(self, setup: Setup, report: Any, source: str, sent: bool) -> int:
        """A mail run (drafts or SMTP): every department's status, recipient and attachment SHA-256."""
        with self.transaction() as conn:
            failed = sum(1 for o in report.outcomes if not o.ok)
            run = self._run(conn, "send", setup, source, "smtp" if sent else "drafts", len(report.outcomes), failed, 0)
            conn.executemany("INSERT INTO sends VALUES (?, ?, ?, ?, ?, ?, ?)",
                             [(run, o.code, o.email, str(o.path or ""), o.sha256, o.status, o.message)
                              for o in report.outcomes])
        return run

    @staticmethod
    def _findings(conn: sqlite3.Connection, run: int, findings: Iterable[Any]) -> None:
        conn.executemany("INSERT INTO run_findings VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         [(run, f.code, f.severity, f.department, f.criterion, f.file, f.sheet, f.cell, f.value,
                           f.message) for f in findings])

    # ------------------------------------------------------------ reading

    def runs(self, season: int | None = None) -> list[RunRow]:
        """Every run, oldest first (one season when given)."""
        sql = ("SELECT id, kind, season, ward, started_at, template_id, template_version, template_hash, source, "
               "output, files, errors, warnings, review_round FROM runs")
        args: tuple = ()
        if season is not None:
            sql, args = sql + " WHERE season = ?", (season,)
        return [RunRow(*row) for row in self.conn.execute(sql + " ORDER BY id", args)]

    def seasons(self) -> list[int]:
        """Seasons with at least one collect or review run."""
        return [r[0] for r in self.conn.execute(
            "SELECT DISTINCT season FROM runs WHERE kind IN ('collect', 'review') ORDER BY season")]

    def standings(self, season: int) -> dict[str, UnitStanding]:
        """Each unit's result in force for a season: the latest collect or review run of that season."""
        row = self.conn.execute("SELECT id FROM runs WHERE season = ? AND kind IN ('collect', 'review') "
                                "ORDER BY id DESC LIMIT 1", (season,)).fetchone()
        if row is None:
            return {}
        out = {}
        for code, name, status, total, rating, rank in self.conn.execute(
                "SELECT department, name, status, total, rating, rank FROM unit_results WHERE run_id = ?", row):
            out[code] = UnitStanding(code, name, status, Decimal(total) if total is not None else None,
                                     rating or "", rank)
        return out

    def changes(self, run_id: int) -> list[tuple[str, str, str, str, str]]:
        """The changes a review run made: department, criterion, before, after, reason."""
        return list(self.conn.execute("SELECT department, criterion, before, after, reason FROM review_changes "
                                      "WHERE run_id = ?", (run_id,)))


def _dec(value: Decimal | None) -> str | None:
    return plain_number(value) if value is not None else None


def _now() -> str:
    return dt.datetime.now().replace(microsecond=0).isoformat()


def _received_at(path: str, fallback: str) -> str:
    """When the file arrived in the inbox: its modification time (the run time for a file taken from an .eml)."""
    try:
        return dt.datetime.fromtimestamp(os.stat(path).st_mtime).replace(microsecond=0).isoformat()
    except OSError:
        return fallback


def resolve_archive_path(explicit: Path | None = None, cwd: Path | None = None) -> Path | None:
    """Where the archive is: ``explicit``, else $BDG_ARCHIVE ("off" disables), else ``archive.sqlite3`` in the
    working folder when there is one (a folder with ``inbox/`` or an archive already); None otherwise."""
    if explicit is not None:
        return explicit
    env = os.environ.get("BDG_ARCHIVE", "").strip()
    if env.lower() in ("off", "0", "no"):
        return None
    if env:
        return Path(env)
    from bdg_workbook.archive.schema import ARCHIVE_FILE
    here = cwd or Path.cwd()
    if (here / ARCHIVE_FILE).is_file() or (here / "inbox").is_dir():
        return here / ARCHIVE_FILE
    return None


def file_digest(path: Path) -> str:
    """SHA-256 of a file (streamed)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


__all__ = ["Archive", "ArchiveError", "RunRow", "UnitStanding", "file_digest", "resolve_archive_path"]

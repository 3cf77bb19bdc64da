"""The archive's schema: forward migrations applied in order, the version kept in ``PRAGMA user_version``."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bdg_workbook.domain.errors import BdgError

ARCHIVE_FILE = "archive.sqlite3"

# Each entry moves the schema from version i to i + 1; never edit a released entry, append a new one.
MIGRATIONS: tuple[str, ...] = (
    # 1: runs and what they saw
    """
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('collect', 'review', 'send')),
        season INTEGER NOT NULL,
        ward TEXT NOT NULL,
        started_at TEXT NOT NULL,
        program_version TEXT NOT NULL,
        template_id TEXT NOT NULL,
        template_version TEXT NOT NULL,
        template_hash TEXT NOT NULL,
        source TEXT NOT NULL,
        output TEXT NOT NULL DEFAULT '',
        files INTEGER NOT NULL DEFAULT 0,
        errors INTEGER NOT NULL DEFAULT 0,
        warnings INTEGER NOT NULL DEFAULT 0,
        review_round INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE run_files (
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        file TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        size INTEGER NOT NULL,
        received_at TEXT NOT NULL,
        department TEXT NOT NULL,
        status TEXT NOT NULL,
        errors INTEGER NOT NULL,
        warnings INTEGER NOT NULL
    );
    CREATE TABLE run_findings (
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        code TEXT NOT NULL, severity TEXT NOT NULL, department TEXT NOT NULL, criterion TEXT NOT NULL,
        file TEXT NOT NULL, sheet TEXT NOT NULL, cell TEXT NOT NULL, value TEXT NOT NULL, message TEXT NOT NULL
    );
    CREATE TABLE unit_results (
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        department TEXT NOT NULL,
        name TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('collected', 'missing')),
        total TEXT, rating TEXT, rank INTEGER, base TEXT, bonus TEXT, penalty TEXT,
        file TEXT NOT NULL DEFAULT '', sha256 TEXT NOT NULL DEFAULT ''
    );
    CREATE TABLE criterion_points (
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        department TEXT NOT NULL, criterion TEXT NOT NULL,
        self_points TEXT, counted_points TEXT NOT NULL
    );
    CREATE TABLE review_changes (
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        department TEXT NOT NULL, criterion TEXT NOT NULL, before TEXT, after TEXT, reason TEXT NOT NULL
    );
    CREATE TABLE sends (
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        department TEXT NOT NULL, recipient TEXT NOT NULL, attachment TEXT NOT NULL, sha256 TEXT NOT NULL,
        status TEXT NOT NULL, detail TEXT NOT NULL
    );
    CREATE INDEX runs_by_season ON runs(season, kind);
    CREATE INDEX unit_results_by_run ON unit_results(run_id);
    """,
    # 2: per-file results reused by the next collect (rebuildable: a lost cache costs one full read)
    """
    CREATE TABLE file_cache (
        sha256 TEXT NOT NULL,
        display_name TEXT NOT NULL,
        mtime_ns INTEGER NOT NULL,
        fingerprint TEXT NOT NULL,
        payload BLOB NOT NULL,
        payload_sha256 TEXT NOT NULL,
        stored_at TEXT NOT NULL,
        PRIMARY KEY (sha256, display_name, mtime_ns, fingerprint)
    );
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)


class ArchiveError(BdgError):
    """The archive file cannot be opened or is newer than this program."""


def open_archive(path: Path, upto: int | None = None) -> sqlite3.Connection:
    """Open (creating if needed) and migrate the archive; ``upto`` stops at an older version (tests)."""
    try:
        conn = sqlite3.connect(str(path), isolation_level=None, timeout=30)
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA journal_mode = WAL")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise ArchiveError(f"không mở được tệp lưu trữ '{path}' ({exc}). Đổi tên tệp đó (chương trình tạo tệp mới và "
                           "đọc lại các tệp trong inbox) rồi chạy lại.") from exc
    if version > SCHEMA_VERSION:
        conn.close()
        raise ArchiveError(f"tệp lưu trữ '{path}' do phiên bản chương trình mới hơn ghi (lược đồ {version}, chương "
                           f"trình này hiểu đến {SCHEMA_VERSION}). Cập nhật bdg-workbook.")
    target = SCHEMA_VERSION if upto is None else upto
    for number in range(version, target):
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in _statements(MIGRATIONS[number]):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {number + 1}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return conn


def _statements(script: str) -> list[str]:
    return [s.strip() for s in script.split(";") if s.strip()]

"""Per-file results kept in the archive so ``collect`` reads a file only once.

A result is reused only for the same bytes (SHA-256), file name and modification time, the same setup
(criteria table, departments, config: their repr fingerprinted), the same trusted keys and the same program
version; anything else is a miss and the file is read again. The payload is the worker's own pickled result,
checked against its stored SHA-256 before use; the archive is the program's own file, kept in the ward's
working folder (treat it like ``keys/``). Losing the cache only costs one full read.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import pickle
from typing import Any

from bdg_workbook import __version__
from bdg_workbook.archive.store import Archive, file_digest
from bdg_workbook.domain.model import Setup


def setup_fingerprint(setup: Setup, key_ids: tuple[str, ...] = ()) -> str:
    """What a cached result depends on besides the file: setup, trusted keys, program version."""
    text = "\n".join([__version__, setup.table.content_hash, repr(setup), ",".join(key_ids)])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class ArchiveCache:
    """The collector's ResultCache backed by the archive's ``file_cache`` table (writes batched, see ``flush``)."""

    def __init__(self, archive: Archive, setup: Setup, key_ids: tuple[str, ...] = ()) -> None:
        self.archive = archive
        self.fingerprint = setup_fingerprint(setup, key_ids)
        self.pending: list[tuple] = []
        self.hits = 0
        self.misses = 0

    def _key(self, item: Any) -> tuple[str, str, int] | None:
        try:
            return file_digest(item.path), item.display_name, os.stat(item.path).st_mtime_ns
        except OSError:
            return None

    def lookup(self, item: Any) -> Any:
        """The stored result for this file, or None (a miss)."""
        key = self._key(item)
        row = None if key is None else self.archive.conn.execute(
            "SELECT payload, payload_sha256 FROM file_cache WHERE sha256 = ? AND display_name = ? AND mtime_ns = ? "
            "AND fingerprint = ?", (*key, self.fingerprint)).fetchone()
        if row is None or hashlib.sha256(row[0]).hexdigest() != row[1]:
            self.misses += 1
            return None
        try:
            value = pickle.loads(row[0])
        except Exception:  # noqa: BLE001 - a payload from an older layout of the classes: read the file again
            self.misses += 1
            return None
        self.hits += 1
        return value

    def store(self, item: Any, processed: Any) -> None:
        """Remember a fresh result (written by ``flush``)."""
        key = self._key(item)
        if key is None or processed.sha256 != key[0]:
            return   # the file changed while it was read: do not remember it
        payload = pickle.dumps(processed, pickle.HIGHEST_PROTOCOL)
        self.pending.append((*key, self.fingerprint, payload, hashlib.sha256(payload).hexdigest(),
                             dt.datetime.now().replace(microsecond=0).isoformat()))

    def flush(self) -> None:
        """Write the results gathered by this run in one transaction."""
        if not self.pending:
            return
        with self.archive.transaction() as conn:
            # results of another setup, key set or program version can never be used again: drop them
            conn.execute("DELETE FROM file_cache WHERE fingerprint != ?", (self.fingerprint,))
            conn.executemany("INSERT OR REPLACE INTO file_cache VALUES (?, ?, ?, ?, ?, ?, ?)", self.pending)
        self.pending = []

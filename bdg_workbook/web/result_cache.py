"""Per-file results kept in the server's memory, so a file checked at upload is not read again for the
dashboard or the collection (the collector's ResultCache protocol, as the archive's cache implements it).

A result is reused only for the same bytes (SHA-256), name, modification time, setup, trusted keys and
program version; it is kept pickled (the collector slims the live object after storing it). Bounded.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import threading
from collections import OrderedDict
from typing import Any

from bdg_workbook.archive.file_cache import setup_fingerprint

MAX_ENTRIES = 2000


class MemoryCache:
    """The collector's ResultCache in memory, for one setup and one set of trusted keys."""

    def __init__(self, store: SharedStore, setup: Any, keyring: Any) -> None:
        self.store_ = store
        self.fingerprint = setup_fingerprint(setup, tuple(keyring.key_ids) if keyring is not None else ())
        self.hits = 0
        self.misses = 0

    def _key(self, item: Any) -> tuple | None:
        try:
            with open(item.path, "rb") as handle:
                digest = hashlib.sha256(handle.read()).hexdigest()
            return digest, item.display_name, os.stat(item.path).st_mtime_ns, self.fingerprint
        except OSError:
            return None

    def lookup(self, item: Any) -> Any:
        """The stored result for this file, or None (a miss)."""
        key = self._key(item)
        payload = self.store_.get(key) if key is not None else None
        if payload is None:
            self.misses += 1
            return None
        self.hits += 1
        return pickle.loads(payload)

    def store(self, item: Any, processed: Any) -> None:
        """Remember a fresh result (pickled at once: the collector changes the object afterwards)."""
        key = self._key(item)
        if key is None or getattr(processed, "sha256", None) != key[0]:
            return   # the file changed while it was read
        self.store_.put(key, pickle.dumps(processed, pickle.HIGHEST_PROTOCOL))


class SharedStore:
    """The bounded, thread-safe dict behind every MemoryCache of one server."""

    def __init__(self, limit: int = MAX_ENTRIES) -> None:
        self.limit = limit
        self._items: OrderedDict[tuple, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple) -> bytes | None:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: tuple, value: bytes) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.limit:
                self._items.popitem(last=False)

"""The console never crashes on Vietnamese text: UTF-8 where possible, a readable fallback otherwise.

On Windows, Python writes to a real console window in UTF-8 already; output redirected to a file or a
pipe would use the legacy code page (cp1258, cp1252), so it is switched to UTF-8 unless the user chose an
encoding with ``PYTHONIOENCODING``. Wherever the encoding stays a legacy one, characters it lacks are
written decomposed when it has the accents as combining marks (cp1258 does: "ạ" = "a" + U+0323), else
without their accents ("Đã tạo" → "Da tao"), never as an exception.
"""

from __future__ import annotations

import codecs
import os
import sys
import unicodedata
from itertools import combinations
from typing import Any

_LETTERS = {"đ": "d", "Đ": "D", "ơ": "o", "Ơ": "O", "ư": "u", "Ư": "U", "–": "-", "—": "-", "…": "...",
            "“": '"', "”": '"', "‘": "'", "’": "'", "▼": "v", "≥": ">=", "≤": "<=", "×": "x", "→": "->"}


def readable_errors(encoding: str) -> str:
    """The name of a ``codecs`` error handler for ``encoding`` (registered on first use): characters the
    encoding lacks come out decomposed, or without accents, or as ``?`` — never as an exception.

    (Per encoding because charmap codecs such as cp1258 report themselves only as "charmap".)
    """
    name = "bdg-readable-" + codecs.lookup(encoding).name
    if name not in _REGISTERED:
        codecs.register_error(name, lambda error: _replace(error, encoding))
        _REGISTERED.add(name)
    return name


_REGISTERED: set[str] = set()


def _replace(error: UnicodeError, encoding: str) -> tuple[str, int]:
    if not isinstance(error, UnicodeEncodeError):
        raise error
    return "".join(_fallback(c, encoding) for c in error.object[error.start:error.end]), error.end


def _fallback(char: str, encoding: str) -> str:
    decomposed = unicodedata.normalize("NFD", char)
    base, marks = decomposed[:1], decomposed[1:]
    # cp1258 has "â" and a combining grave but no "ầ": keep as many marks composed as the code page has
    candidates = [unicodedata.normalize("NFC", base + "".join(kept)) + "".join(m for m in marks if m not in kept)
                  for k in range(len(marks), -1, -1) for kept in combinations(marks, k)]
    for candidate in (*candidates, _strip_accents(decomposed)):
        try:
            candidate.encode(encoding)
        except UnicodeEncodeError:
            continue
        return candidate
    return "?"


def _strip_accents(text: str) -> str:
    base = "".join(c for c in text if not unicodedata.combining(c))
    return "".join(_LETTERS.get(c, c) for c in base)


def _is_utf(encoding: str | None) -> bool:
    try:
        return codecs.lookup(encoding or "ascii").name.startswith("utf")
    except LookupError:
        return False


def configure_stream(stream: Any, platform: str = sys.platform, environ: Any = os.environ) -> None:
    """Make ``stream`` safe for Vietnamese text (see the module docstring); streams that cannot be
    reconfigured (test runners' buffers) are left alone."""
    reconfigure = getattr(stream, "reconfigure", None)
    encoding = getattr(stream, "encoding", None)
    if reconfigure is None or not isinstance(encoding, str) or _is_utf(encoding):
        return
    try:
        if platform == "win32" and not environ.get("PYTHONIOENCODING"):
            reconfigure(encoding="utf-8", errors="strict")
        else:
            reconfigure(errors=readable_errors(encoding))
    except (ValueError, OSError, LookupError):
        pass


def configure_console() -> None:
    """Called when the program starts: stdout and stderr never raise UnicodeEncodeError."""
    configure_stream(sys.stdout)
    configure_stream(sys.stderr)

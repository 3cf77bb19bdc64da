"""The ward's working folder: editable template copies, inbox/, output/ and the signing key (``init``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bdg_workbook.config.templates import TEMPLATES_DIR
from bdg_workbook.trust.signing import KeyPairStatus, default_key_path, ensure_key_pair
from bdg_workbook.writing.safe_text import write_exclusive

TEMPLATES = "templates"
INBOX = "inbox"
OUTPUT = "output"
CRITERIA_GLOBS = ("criteria*.yaml", "criteria*.yml")
TEMPLATE_SUFFIXES = (".yaml", ".yml")

__all__ = ["InitEntry", "InitResult", "default_key_path", "find_templates", "init_workspace"]


@dataclass(frozen=True)
class InitEntry:
    """One file or folder ``init`` dealt with, and whether it was created or already there."""

    path: Path
    created: bool
    kind: str  # "file", "folder" or "key"


@dataclass(frozen=True)
class InitResult:
    """Everything ``init`` created or kept, and the signing key it set up."""

    root: Path
    entries: tuple[InitEntry, ...]
    key: KeyPairStatus

    @property
    def created(self) -> tuple[InitEntry, ...]:
        """Entries created by this run."""
        return tuple(e for e in self.entries if e.created)

    @property
    def kept(self) -> tuple[InitEntry, ...]:
        """Entries that already existed and were left untouched."""
        return tuple(e for e in self.entries if not e.created)


def find_templates(cwd: Path) -> Path | None:
    """``cwd/templates`` when it holds a criteria table (``criteria*.yaml``), else None."""
    folder = Path(cwd) / TEMPLATES
    if not folder.is_dir():
        return None
    return folder if any(p.is_file() for g in CRITERIA_GLOBS for p in folder.glob(g)) else None


def init_workspace(root: Path, source: Path = TEMPLATES_DIR) -> InitResult:
    """Create (or complete) a working folder; never overwrites an existing file."""
    root = Path(root)
    entries = [_ensure_dir(root)]
    entries.append(_ensure_dir(root / TEMPLATES))
    entries.extend(_copy_templates(Path(source), root / TEMPLATES))
    entries.append(_ensure_dir(root / INBOX))
    entries.append(_ensure_dir(root / OUTPUT))
    key = ensure_key_pair(default_key_path(root))
    entries.append(InitEntry(key.private_path, key.private_created, "key"))
    entries.append(InitEntry(key.public_path, key.public_created, "key"))
    return InitResult(root, tuple(entries), key)


def _ensure_dir(path: Path) -> InitEntry:
    """Create a folder if missing."""
    if path.is_dir():
        return InitEntry(path, False, "folder")
    path.mkdir(parents=True)
    return InitEntry(path, True, "folder")


def _copy_templates(source: Path, target: Path) -> list[InitEntry]:
    """Copy every YAML template (sub-folders too) as a new, writable file; existing files are kept.

    ``source`` is the installed ``bdg_workbook.templates`` package (or the checkout's ``templates/``): its
    ``__init__.py``, ``__pycache__`` and anything but YAML stay behind (the wheel ships ``*.yaml`` only).
    """
    out: list[InitEntry] = []
    for src in sorted(source.rglob("*")):
        rel = src.relative_to(source)
        if (not src.is_file() or src.suffix.lower() not in TEMPLATE_SUFFIXES
                or any(part.startswith((".", "__")) for part in rel.parts)):
            continue
        dest = target / rel
        if dest.parent != target and not dest.parent.is_dir():
            out.append(_ensure_dir(dest.parent))
        # the shipped templates may be read-only; the copy is created 0644 so the ward can edit it
        out.append(InitEntry(dest, write_exclusive(dest, src.read_bytes(), 0o644), "file"))
    return out

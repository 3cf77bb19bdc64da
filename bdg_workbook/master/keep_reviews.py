"""No review is ever lost (issue 12): where ``collect`` may write its master, and backups of replaced outputs.

A master that holds review entries (a "Điểm thẩm định" changed from its prefilled value, or a reason typed
in the "Thẩm định" sheet) or that has a later review round beside it (``<tên>_thamdinh_vN.xlsx``) is never
overwritten: the new collection goes to the next free ``<tên>_lanN.xlsx`` beside it. Any output that is
replaced is first kept as ``<tệp>.bak1``, ``.bak2`` … (a hard link, or an exclusive atomic copy).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Iterable

from bdg_workbook.domain.errors import WorkbookError
from bdg_workbook.domain.model import Setup
from bdg_workbook.collect.rules.context import norm_key
from bdg_workbook.layout.master import review_name
from bdg_workbook.domain.scoring import NOT_APPLICABLE
from bdg_workbook.untrusted.master_reader import DataError, parse_data, read_master
from bdg_workbook.writing.safe_text import atomic_write_bytes

ROUND_RE = re.compile(r"_thamdinh_v(\d+)$")
RUN_RE = re.compile(r"_lan(\d+)$")
MAX_NUMBER = 10_000


@dataclass(frozen=True)
class Target:
    """Where the master goes: ``path``; ``kept`` is the master left untouched and ``why`` says why."""

    path: Path
    kept: Path | None = None
    why: str = ""


def later_rounds(master: Path) -> list[Path]:
    """Review rounds written from ``master`` that sit beside it (``<stem>_thamdinh_vN.xlsx``), oldest first."""
    folder, stem = master.parent, master.stem
    if not folder.is_dir():
        return []
    found = [p for p in folder.iterdir() if p.suffix.lower() == ".xlsx" and p.stem.startswith(stem + "_thamdinh_v")
             and ROUND_RE.search(p.stem) and ROUND_RE.sub("", p.stem) == stem]
    return sorted(found, key=lambda p: int(ROUND_RE.search(p.stem).group(1)))


def review_entries(master: Path, setup: Setup) -> list[str]:
    """The review cells of ``master`` the officer typed into (``rv_…`` changed from the points in force, or a
    reason ``rr_…`` written), as ``'Thẩm định'!H12``; [] when the file is not a readable master."""
    try:
        read = read_master(master, review=True)
        depts = parse_data(read.data, [c.code for c in setup.table.criteria])
    except (WorkbookError, DataError, OSError, ValueError):
        return []
    typed = []
    for dept in depts:
        if not dept.collected:
            continue
        column = dept.in_force_column()
        for crit in setup.table.criteria:
            verified = read.review.get(review_name("verified", dept.code, crit.code))
            reason = read.review.get(review_name("reason", dept.code, crit.code))
            if reason is not None and reason.text().strip():
                typed.append(f"'{reason.sheet}'!{reason.ref}")
            if verified is None or crit.code not in dept.values:
                continue
            try:
                before = dept.number(crit.code, column)
            except DataError:
                continue
            value = verified.value
            if crit.code in dept.not_applicable and isinstance(value, str) and verified.formula is None:
                same = norm_key(value) == norm_key(NOT_APPLICABLE)     # the "Không áp dụng" prefilled there
            else:
                same = isinstance(value, Decimal) and value.is_finite() and value == before and verified.formula is None
            if not same:
                typed.append(f"'{verified.sheet}'!{verified.ref}")
    return typed


def choose_target(master: Path, setup: Setup) -> Target:
    """``master`` itself, unless it holds review entries or has later review rounds: then the next free
    ``<stem>_lanN.xlsx`` beside it, with the reason."""
    if not master.exists():
        return Target(master)
    rounds = later_rounds(master)
    typed = [] if rounds else review_entries(master, setup)
    if not rounds and not typed:
        return Target(master)
    if rounds:
        why = f"đã có bản thẩm định {rounds[-1].name} làm từ tệp này"
    else:
        more = f" và {len(typed) - 3} ô khác" if len(typed) > 3 else ""
        why = f"tệp có điểm thẩm định/lý do đã nhập ({', '.join(typed[:3])}{more})"
    return Target(next_run_path(master, setup), master, why)


def next_run_path(master: Path, setup: Setup | None = None) -> Path:
    """The first ``<stem>_lanN.xlsx`` (N ≥ 2) beside ``master`` that may be written: absent, or (with ``setup``)
    an earlier re-collection that holds no review entries and has no review round (it is then replaced, kept
    as a ``.bakN``)."""
    base = RUN_RE.sub("", master.stem)
    start = int(RUN_RE.search(master.stem).group(1)) + 1 if RUN_RE.search(master.stem) else 2
    for n in range(start, MAX_NUMBER):
        candidate = master.with_name(f"{base}_lan{n}{master.suffix}")
        if later_rounds(candidate):
            continue
        if not candidate.exists() or (setup is not None and not review_entries(candidate, setup)):
            return candidate
    raise OSError(f"quá nhiều bản tổng hợp '{base}_lanN' trong {master.parent}")


def backup_path(path: Path) -> Path:
    """The first ``<name>.bakN`` beside ``path`` that does not exist."""
    for n in range(1, MAX_NUMBER):
        candidate = path.with_name(f"{path.name}.bak{n}")
        if not candidate.exists():
            return candidate
    raise OSError(f"quá nhiều bản lưu '{path.name}.bakN' trong {path.parent}")


def keep_backups(paths: Iterable[Path]) -> list[Path]:
    """Keep every existing file of ``paths`` as its next ``.bakN`` before it is replaced; returns the backups.

    A hard link is made when the file system allows (atomic, no copy); otherwise an exclusive atomic copy.
    """
    made = []
    for path in paths:
        path = Path(path)
        if not path.is_file():
            continue
        while True:
            target = backup_path(path)
            try:
                os.link(path, target)
            except FileExistsError:
                continue                      # taken meanwhile: the next number
            except OSError:
                if target.exists():
                    continue
                atomic_write_bytes(target, path.read_bytes())
            break
        made.append(target)
    return made

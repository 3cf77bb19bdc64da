"""Timeliness from receipt (issue 13.3): the criterion that rewards sending on time (``on_time: true`` in the
criteria table) is scored by the ward from when the file was received, never from what the unit answered.

Pure functions over score cards; the collector (``collect.rules.timeliness``) supplies the receipt time.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from bdg_workbook.domain.model import CriteriaTable, Criterion
from bdg_workbook.domain.scoring import HUNDRED, ZERO, ScoreCard, score_items


def on_time_criteria(table: CriteriaTable) -> tuple[Criterion, ...]:
    """The criteria flagged ``on_time`` (usually one: III.2 of the 2024 table)."""
    return tuple(c for c in table.criteria if c.on_time)


def is_on_time(received: dt.date, deadline: dt.date) -> bool:
    """Received on or before the deadline day (the deadline day counts in full)."""
    return received <= deadline


def with_receipt(table: CriteriaTable, card: ScoreCard, on_time: bool) -> ScoreCard:
    """``card`` with every on-time criterion scored from the receipt: its maximum when on time, else 0.

    The item counts as applicable and no evidence rule can exclude it: the ward's own receipt is the evidence.
    Sections, normalisation, total and rating are recomputed (``score_items``)."""
    items = dict(card.items)
    excluded = dict(card.excluded)
    for crit in on_time_criteria(table):
        old = items[crit.code]
        points = crit.max if on_time else ZERO
        items[crit.code] = dataclasses.replace(old, completion_pct=HUNDRED if on_time else ZERO, points=points,
                                               applicable=True)
        excluded.pop(crit.code, None)
    return score_items(table, items, excluded)


"""Scoring the "sent on time" criterion from the receipt time (issue 13.3), across the kept files.

Emits: W41 (the receipt time changed the unit's own answer). A kept file whose receipt time is known (the
email's Date header, or when the program first saw it: ``collector._receipt_times``) has every ``on_time``
criterion scored from it: its maximum when received by the deadline day, else 0. Without a receipt time a
file dated (by the unit) after the deadline scores 0 too, as W07 reports it late. The unit's own answer is
then only shown (self-assessed card); findings the per-file rules made on that criterion (e.g. "points
without evidence") are dropped, since the ward's receipt is the evidence. Without a deadline in config.yaml,
or with neither a receipt time nor a late date, the unit's answer is scored as usual.
"""

from __future__ import annotations

import datetime as dt
from typing import Iterable, Mapping

from bdg_workbook.collect.rules.batch import Receipt, received_date
from bdg_workbook.collect.rules.pipeline import FileAnalysis
from bdg_workbook.domain.findings import Finding, make
from bdg_workbook.domain.model import Setup
from bdg_workbook.domain.numbers import format_points
from bdg_workbook.domain.timeliness import is_on_time, on_time_criteria, with_receipt

CODES = ("W41",)


def score_timeliness(setup: Setup, kept: Iterable[FileAnalysis], received: Mapping[str, Receipt]) -> list[Finding]:
    """Rescore each kept file's on-time criteria from its receipt time (``kept`` analyses are updated in
    place: counted card and findings); returns the W41 findings."""
    deadline = setup.config.department_deadline
    criteria = on_time_criteria(setup.table)
    if deadline is None or not criteria:
        return []
    out: list[Finding] = []
    codes = {c.code for c in criteria}
    for a in kept:
        receipt = received.get(a.sub.display_name)
        if receipt is not None:
            on_time = is_on_time(received_date(receipt[0]), deadline)
        elif a.submitted is not None and not is_on_time(a.submitted, deadline):
            on_time = False            # no receipt time, but late by the unit's own date (as W07 says)
        else:
            continue                   # nothing proves the date: the unit's answer stands
        a.card = with_receipt(setup.table, a.card, on_time)
        a.findings[:] = [f for f in a.findings if f.criterion not in codes]
        for crit in criteria:
            own = a.self_card.items[crit.code].points
            if (own > 0) != on_time:
                out.append(_finding(a, crit.code, own, a.card.items[crit.code].points, receipt, deadline, on_time))
    return out


def _finding(a: FileAnalysis, code: str, own, points, receipt: Receipt | None, deadline: dt.date,
             on_time: bool) -> Finding:
    cell = a.sub.inputs.get(f"in_{code.replace('.', '_')}_value")
    when = (f"{receipt[0].strftime('%H:%M %d/%m/%Y')} ({receipt[1]})" if receipt is not None else
            f"chưa có thời điểm nhận; đơn vị tự ghi ngày {a.submitted:%d/%m/%Y}")
    return make("W41", department=a.department.code, file=a.sub.display_name, sheet=cell.sheet if cell else "",
                cell=cell.ref if cell else "", value=format_points(own), criterion=code, received=when,
                deadline=deadline.strftime("%d/%m/%Y"), points=format_points(points),
                verdict="đúng hạn" if on_time else "sau hạn")

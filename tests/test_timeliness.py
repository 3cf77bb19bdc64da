"""Issue 13, item 3: the "sent on time" criterion (``on_time: true``) is scored from the receipt time, with W41
when that changes the unit's own answer; the flag is validated by ``criteria check`` at its file:line."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import random
from decimal import Decimal

import pytest

from bdg_workbook.cli.main import main
from bdg_workbook.collect.collector import collect
from bdg_workbook.collect.receipts import Receipt, append_receipt
from bdg_workbook.collect.rules.timeliness import score_timeliness
from bdg_workbook.config.templates import TEMPLATES_DIR
from bdg_workbook.demo.fill import ItemAnswer, fill_workbook, random_valid_answers
from bdg_workbook.domain.timeliness import on_time_criteria
from bdg_workbook.workbook.generate import generate_workbooks

from builder import submission
from rules_helpers import run
from template_mutation import line_of

D = Decimal


def _deadline(setup) -> dt.date:
    assert setup.config.department_deadline is not None
    return setup.config.department_deadline


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour)).astimezone()


def test_the_2024_table_flags_III_2(setup):
    assert [c.code for c in on_time_criteria(setup.table)] == ["III.2"]


@pytest.mark.parametrize("answer, days_after, points, warned", [
    ("Có", 3, D(0), True),       # claims "on time", received after the deadline: 0 and W41
    ("Có", 0, D(4), False),      # received on the deadline day: on time
    ("Không", -2, D(4), True),   # answered "no" but was on time: the ward gives the points, W41
    ("Không", 5, D(0), False),
])
def test_scored_from_the_receipt_time(setup, answer, days_after, points, warned):
    a = run(setup, submission(setup, answers={"III.2": answer}, info={"date": "2024-09-01"}))
    own = a.self_card.items["III.2"].points
    received = {a.sub.display_name: (_at(_deadline(setup) + dt.timedelta(days=days_after)), "sổ nhận bài")}
    found = score_timeliness(setup, [a], received)
    assert a.card.items["III.2"].points == points and a.self_card.items["III.2"].points == own
    assert [(f.code, f.criterion) for f in found] == ([("W41", "III.2")] if warned else [])
    assert not [f for f in a.findings if f.criterion == "III.2"]     # the receipt is the evidence


def test_receipt_overrides_an_evidence_exclusion_and_rescoring_is_consistent(setup):
    a = run(setup, submission(setup, answers={"III.2": "Có", "III.1": 2}))      # III.2 claimed without evidence
    assert a.card.items["III.2"].points == 0 and any(f.criterion == "III.2" for f in a.findings)
    score_timeliness(setup, [a], {a.sub.display_name: (_at(_deadline(setup) - dt.timedelta(days=1)), "thư")})
    assert a.card.items["III.2"].points == 4 and "III.2" not in a.card.excluded
    sections = a.card.sections["III"]
    assert sections.raw == sum(a.card.items[c.code].points for c in setup.table.section("III").criteria)


def test_without_receipt_the_unit_date_decides_only_when_it_is_late(setup):
    late = run(setup, submission(setup, answers={"III.2": "Có"},
                                 info={"date": (_deadline(setup) + dt.timedelta(days=1)).isoformat()}))
    on_time = run(setup, submission(setup, answers={"III.2": "Có"}, info={"date": "2024-09-01"}))
    on_time_points = on_time.card.items["III.2"].points
    found = score_timeliness(setup, [late, on_time], {})
    assert late.card.items["III.2"].points == 0 and [f.department for f in found] == [late.department.code]
    assert on_time.card.items["III.2"].points == on_time_points


def test_no_deadline_keeps_the_unit_answer(setup):
    cfg = dataclasses.replace(setup.config, department_deadline=None)
    no_deadline = dataclasses.replace(setup, config=cfg)
    a = run(no_deadline, submission(no_deadline, answers={"III.2": "Có"}))
    before = a.card
    assert score_timeliness(no_deadline, [a], {a.sub.display_name: (_at(dt.date(2030, 1, 1)), "x")}) == []
    assert a.card is before


def test_collect_scores_a_late_receipt_from_the_inbox_log(setup, tmp_path):
    """End to end: a filled workbook whose receipts-log entry is after the deadline loses "gửi đúng hạn"."""
    dept = next(d for d in setup.departments if d.code == "HLHPN")
    [form] = generate_workbooks(setup, tmp_path / "forms", only=[dept.code])
    answers = random_valid_answers(setup, dept, random.Random(13))
    answers.items["III.2"] = ItemAnswer(True)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    fill_workbook(form, inbox / form.name, answers)
    data = (inbox / form.name).read_bytes()
    when = _at(_deadline(setup) + dt.timedelta(days=2))
    append_receipt(inbox, Receipt(form.name, form.name, hashlib.sha256(data).hexdigest(), len(data),
                                  when.isoformat(), "web"))
    result = collect(inbox, setup, jobs=1)
    [r] = result.departments
    assert r.self_card.items["III.2"].points == 4 and r.card.items["III.2"].points == 0
    assert ("W41", "III.2") in {(f.code, f.criterion) for f in result.findings}
    assert ("W07", dept.code) in {(f.code, f.department) for f in result.findings}


def test_criteria_check_refuses_on_time_on_a_ratio_criterion(runner, tmp_path):
    text = (TEMPLATES_DIR / "criteria-2024.yaml").read_text(encoding="utf-8")
    anchor = '      - code: "III.1"\n'
    assert anchor in text
    bad = text.replace(anchor, anchor + "        on_time: true\n")
    (tmp_path / "c.yaml").write_text(bad, encoding="utf-8")
    result = runner.invoke(main, ["criteria", "check", "--criteria", str(tmp_path / "c.yaml")])
    assert result.exit_code == 2
    line = line_of(bad, 'code: "III.1"', "on_time:")
    assert f"c.yaml:{line} (sections[2].criteria[0].on_time): " in result.stderr and "Có/Không" in result.stderr

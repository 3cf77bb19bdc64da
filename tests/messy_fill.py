"""Random fillings as departments really return them: valid answers, then pasted and careless values.

Every change is what a paste or a careless entry does (openpyxl writes bypass data validation, as a paste
does): trailing spaces, NFD text, lower case codes, numbers as text, references that name no document,
documents used twice, a bonus document that is already base evidence, incomplete justifications, a
proposed target below the Ban's, N/A with a trailing space or typed into the value cell.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import replace
from decimal import Decimal

from bdg_workbook.demo.fill import Answers, BonusClaim, EvidenceRow, ItemAnswer, random_valid_answers
from bdg_workbook.domain.model import Department, Setup
from bdg_workbook.domain.scoring import NOT_APPLICABLE, YES

NOTHING = ("x", ".", "-", "có", " ", "KH", "ok")


def messy_answers(setup: Setup, dept: Department, rng: random.Random) -> Answers:
    """Valid random answers with a random handful of the careless changes above."""
    table = setup.table
    answers = random_valid_answers(setup, dept, rng)
    base = [c for s in table.sections_of("base") for c in s.criteria]
    for _ in range(rng.randint(1, 6)):
        rng.choice(_CHANGES)(answers, setup, dept, base, rng)
    return answers


def _reuse_doc(answers: Answers, setup: Setup, dept: Department, base, rng: random.Random) -> None:
    rows = [r for r in answers.evidence if setup.table.criterion(r.code) in base]
    if len(rows) < 2:
        return
    a, b = rng.sample(rows, 2)
    single = [r for r in rows if r.code != a.code and sum(x.code == r.code for x in rows) == 1]
    if single and rng.random() < 0.6:      # the later criterion's only document: it loses its points
        b = rng.choice(single)
    answers.evidence[answers.evidence.index(b)] = replace(b, doc=a.doc if rng.random() < 0.7 else
                                                          " " + a.doc.upper() + " ")


def _nothing_doc(answers: Answers, setup: Setup, dept: Department, base, rng: random.Random) -> None:
    if answers.evidence:
        i = rng.randrange(len(answers.evidence))
        answers.evidence[i] = replace(answers.evidence[i], doc=rng.choice(NOTHING))


def _code_spacing(answers: Answers, setup: Setup, dept: Department, base, rng: random.Random) -> None:
    if answers.evidence:
        i = rng.randrange(len(answers.evidence))
        row = answers.evidence[i]
        answers.evidence[i] = replace(row, code=rng.choice((row.code + " ", row.code.lower(), " " + row.code,
                                                            row.code + "\u00a0", "Z.9")))


def _yes_text(answers: Answers, setup: Setup, dept: Department, base, rng: random.Random) -> None:
    yesno = [c for c in base if c.method == "yesno"]
    crit = rng.choice(yesno)
    answers.items[crit.code] = ItemAnswer(rng.choice((YES + " ", unicodedata.normalize("NFD", YES), "có", "Co",
                                                      YES + "\u00a0")))


def _number_text(answers: Answers, setup: Setup, dept: Department, base, rng: random.Random) -> None:
    crit = rng.choice([c for c in base if c.method in ("ratio", "percent")])
    answers.items[crit.code] = ItemAnswer(rng.choice(("3", "12,5", " 4", "bốn")))


def _na_text(answers: Answers, setup: Setup, dept: Department, base, rng: random.Random) -> None:
    allowed = [c for c in base if dept.may_be_na(c)]
    crit = rng.choice(base)
    if allowed and rng.random() < 0.6:
        crit = rng.choice(allowed)
        text = rng.choice((NOT_APPLICABLE + " ", " " + NOT_APPLICABLE, unicodedata.normalize("NFD", NOT_APPLICABLE)))
        answers.items[crit.code] = replace(answers.items.get(crit.code, ItemAnswer()), not_applicable=text)
    else:
        answers.items[crit.code] = ItemAnswer(NOT_APPLICABLE + rng.choice(("", " ")))


def _low_target(answers: Answers, setup: Setup, dept: Department, base, rng: random.Random) -> None:
    proposable = [c for c in base if c.method == "ratio" and c.target_proposable]
    if proposable:
        crit = rng.choice(proposable)
        ban = dept.target_for(crit) or Decimal(1)
        value = answers.items.get(crit.code, ItemAnswer()).value
        value = value if isinstance(value, Decimal) else Decimal(3)
        answers.items[crit.code] = ItemAnswer(value, max(Decimal(1), ban - rng.choice((1, 10, 40))))


def _bonus_reuse(answers: Answers, setup: Setup, dept: Department, base, rng: random.Random) -> None:
    base_rows = [r for r in answers.evidence if setup.table.criterion(r.code) in base]
    bonus = [c for s in setup.table.sections_of("bonus") for c in s.criteria]
    crit = rng.choice(bonus)
    doc = rng.choice(base_rows).doc if base_rows and rng.random() < 0.6 else rng.choice(NOTHING)
    fields = {f.key: f"{f.label}: có nội dung" for f in setup.table.justification_fields}
    if rng.random() < 0.3:
        fields[rng.choice(list(fields))] = " "
    answers.bonus.append(BonusClaim(crit.code + rng.choice(("", " ")), "Mô hình thử", fields, doc))
    answers.items[crit.code] = ItemAnswer(True if crit.method == "yesno" else 1)


def _extra_row(answers: Answers, setup: Setup, dept: Department, base, rng: random.Random) -> None:
    crit = rng.choice(base)
    answers.evidence.append(EvidenceRow(code=crit.code, title="Thêm", doc=rng.choice(("kehoach.pdf", "15/3/2024",
                                                                                       "anh.jpg", "Biên bản"))))


_CHANGES = (_reuse_doc, _nothing_doc, _code_spacing, _yes_text, _number_text, _na_text, _low_target, _bonus_reuse,
            _extra_row)

"""Issue 4 item 3, end to end: department text that looks like a formula goes through the real collector
(filled with fill.py, read back, written by ``bdg-workbook collect``) and comes out as text in the master
and neutralised in every CSV export (OWASP ASVS 1.2.10). Unit-level cases live in test_report_master.py.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import random
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

import hostile
from bdg_workbook.cli.main import main
from bdg_workbook.demo.fill import Answers, BonusClaim, EvidenceRow, fill_workbook, random_valid_answers
from bdg_workbook.layout.master import SHEET_BONUS, SHEET_EVIDENCE, SHEET_FINDINGS
from bdg_workbook.domain.model import Setup
from bdg_workbook.writing.safe_text import FORMULA_TRIGGERS

DEPT = "HLHPN"
INJECTIONS = ["=1+1", "+84 912 345 678", "-5 hộ nghèo", "@SUM(A1:A9)", '=HYPERLINK("http://x.invalid","bấm")',
              "=cmd|' /C calc'!A0", "＝1+1", "\t=2*3", "\r=3*4", "-2+3+cmd|' /C calc'!A0"]
BAD_CODE = "=1+1"                # an evidence row whose criterion code is a formula: E15 quotes it back


def _answers(setup: Setup) -> Answers:
    dept = next(d for d in setup.departments if d.code == DEPT)
    answers = random_valid_answers(setup, dept, random.Random(11))
    day = dt.date(2024, 4, 2)
    for i, text in enumerate(INJECTIONS):
        answers.evidence.append(EvidenceRow("I.1", title=text, doc=f"{i + 1}/BC-{DEPT}-{text}", date=day,
                                            issuer=text, file=text, note=text))
    answers.evidence.append(EvidenceRow(BAD_CODE, title="mã sai", doc="99/BC-X", date=day))
    fields = {f.key: INJECTIONS[i % len(INJECTIONS)] for i, f in enumerate(setup.table.justification_fields)}
    answers.bonus.append(BonusClaim("IV.3", "=HYPERLINK(\"http://x.invalid\")", fields, "@doc"))
    answers.info["preparer"] = "=1+1"
    return answers


@pytest.fixture(scope="module")
def outputs(setup: Setup, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Collect one workbook filled with formula-like texts; returns the master's path (exports beside it)."""
    root = tmp_path_factory.mktemp("safety")
    forms, public = hostile.signed_forms(setup, root, [DEPT])
    form = forms[0]
    inbox = root / "inbox"
    inbox.mkdir()
    fill_workbook(form, inbox / form.name, _answers(setup))
    master = root / "out" / "TONGHOP.xlsx"
    done = CliRunner().invoke(main, ["collect", str(inbox), "--out", str(master), "--jobs", "1",
                                     "--keys", str(public)])
    assert done.exit_code in (0, 1), done.output
    return master


def _expected_after_reading(text: str) -> str:
    return text.strip()          # the reader trims: a leading tab or CR is gone before any output


def test_formula_like_texts_are_string_cells_in_the_master(outputs):
    book = openpyxl.load_workbook(outputs)
    for name in book.sheetnames:
        assert not [c.coordinate for row in book[name].iter_rows() for c in row if c.data_type == "f"], name
    cells = {c.value: c for row in book[SHEET_EVIDENCE].iter_rows() for c in row if isinstance(c.value, str)}
    for text in INJECTIONS:
        cell = cells[_expected_after_reading(text)]
        assert cell.data_type == "s", text
    bonus = [c for row in book[SHEET_BONUS].iter_rows() for c in row if c.value == '=HYPERLINK("http://x.invalid")']
    assert bonus and all(c.data_type == "s" for c in bonus)
    findings = [c for row in book[SHEET_FINDINGS].iter_rows() for c in row if c.value == BAD_CODE]
    assert findings and all(c.data_type == "s" for c in findings)
    assert not any(book[name]._hyperlinks for name in book.sheetnames)


def test_no_formula_or_link_part_in_the_master_package(outputs):
    import zipfile

    with zipfile.ZipFile(outputs) as zf:
        names = zf.namelist()
        sheets = b"".join(zf.read(n) for n in names if n.startswith("xl/worksheets/sheet"))
    assert not [n for n in names if "externalLink" in n or "hyperlink" in n.lower()]
    assert b"<f>" not in sheets and b"<f " not in sheets


def _csv_rows(path: Path) -> list[list[str]]:
    delimiter = ";" if path.name in ("summary.csv", "findings.csv", "evidence.csv") else ","   # Excel-vi dialect
    return list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig"), newline=""), delimiter=delimiter))


def test_csv_exports_neutralise_every_formula_trigger(outputs):
    folder = outputs.parent / (outputs.stem + "_csv")
    evidence = _csv_rows(folder / "evidence.csv")
    titles = {row[2] for row in evidence[1:]}
    for text in INJECTIONS:
        assert "'" + _expected_after_reading(text) in titles, text
    for name in ("summary.csv", "findings.csv", "evidence.csv"):
        rows = _csv_rows(folder / name)
        bad = [cell for row in rows for cell in row if cell and cell[0] in FORMULA_TRIGGERS]
        assert not bad, (name, bad[:3])
    findings = _csv_rows(folder / "findings.csv")
    assert any("'" + BAD_CODE in row for row in findings)


def test_json_keeps_the_text_as_data(outputs):
    data = json.loads(outputs.with_suffix(".json").read_text("utf-8"))
    e15 = [f for f in data["findings"] if f["code"] == "E15"]
    assert [f["value"] for f in e15] == [BAD_CODE]            # JSON is data, not a spreadsheet: unchanged

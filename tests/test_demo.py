"""``bdg-workbook demo`` (issue 3, must-have 5): the whole season in one command, its deliberate breaks found."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest

from bdg_workbook.demo import season as demo
from bdg_workbook.cli.main import main
from bdg_workbook.layout.master import SHEET_FINDINGS, SHEET_SUMMARY
from bdg_workbook.domain.model import Setup
from bdg_workbook.master.sheets import FIRST_DATA_ROW

# department -> the finding its deliberate break must raise (demo.SCENARIOS, demo.NOT_RETURNING)
BREAKS = {"TYT": "E02", "MTTQ": "E03", "DTN": "E04", "CA": "E07", "HCCB": "W07", "HND": "W13"}
MASTER = "TONGHOP_2024_NHONHUNG.xlsx"


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple:
    """One demo run into a fresh folder."""
    from click.testing import CliRunner

    out = tmp_path_factory.mktemp("demo") / "ra"
    result = CliRunner().invoke(main, ["demo", "--out", str(out)])
    return result, out


def test_demo_exits_0_and_writes_forms_returns_and_master(run, setup: Setup):
    result, out = run
    assert result.exit_code == 0, result.output
    forms = sorted(p.name for p in (out / str(setup.config.year)).glob("*.xlsx"))
    assert forms == sorted(f"TDCD_2024_{d.code}.xlsx" for d in setup.departments) and len(forms) == 15
    returns = sorted(p.name for p in (out / "inbox").glob("*.xlsx"))
    assert len(returns) == 14 and f"TDCD_2024_{demo.NOT_RETURNING}.xlsx" not in returns
    assert (out / MASTER).is_file() and f"4. Tệp tổng hợp của phường: {out / MASTER}" in result.stdout
    names = openpyxl.load_workbook(out / MASTER, read_only=True).sheetnames
    assert SHEET_SUMMARY in names and SHEET_FINDINGS in names


def test_demo_prints_the_summary_table(run, setup: Setup):
    result, _out = run
    lines = result.stdout.splitlines()
    header = next(i for i, line in enumerate(lines) if line.split()[:3] == ["Hạng", "Mã", "Đơn"])
    rows = [line.split() for line in lines[header + 2:header + 2 + len(setup.departments)]]
    returned = [d.code for d in setup.departments if d.code != demo.NOT_RETURNING]
    assert [r[1] for r in rows] == returned + [demo.NOT_RETURNING]      # the missing one last
    assert rows[-1][0] == "-" and "Chưa nộp" in lines[header + 1 + len(setup.departments)]
    assert sorted(int(r[0]) for r in rows[:-1])[0] == 1
    assert "Đã nhận 14 tệp; tổng hợp 14 đơn vị; chưa nộp 1;" in result.stdout
    for code, what in demo.SCENARIOS.items():
        assert f"   - {code}: {what}" in lines


def test_demo_breaks_appear_as_their_finding_codes(run):
    _result, out = run
    data = json.loads((out / MASTER).with_suffix(".json").read_text("utf-8"))
    found = {(f["department"], f["code"]) for f in data["findings"]}
    assert {(dept, code) for dept, code in BREAKS.items()} <= found
    errors = sorted((f["department"], f["code"]) for f in data["findings"] if f["severity"] == "error")
    assert errors == sorted((d, c) for d, c in BREAKS.items() if c.startswith("E"))
    assert not [f for f in data["findings"] if f["code"] in ("W15", "E17")]       # the demo signs its forms
    book = openpyxl.load_workbook(out / MASTER)
    rows = list(book[SHEET_FINDINGS].iter_rows(values_only=True))[FIRST_DATA_ROW:]
    assert {(dept, code) for dept, code in BREAKS.items()} <= {(r[2], r[1]) for r in rows}


def test_demo_collect_time_is_printed_and_short(run):
    result, _out = run
    line = next(line for line in result.stdout.splitlines() if line.startswith("3. Thu và chấm lại 14 tệp trong"))
    shown = line.split("trong", 1)[1].split("giây")[0].strip()
    assert "," in shown and "." not in shown            # a decimal comma (issue 11)
    seconds = float(shown.replace(",", "."))
    assert seconds < 30


def test_demo_is_reproducible_for_a_seed(run, tmp_path: Path):
    """The same seed fills the same answers: the collected totals are identical."""
    from click.testing import CliRunner

    _result, out = run
    again = tmp_path / "lai"
    assert CliRunner().invoke(main, ["demo", "--out", str(again)]).exit_code == 0
    first = json.loads((out / MASTER).with_suffix(".json").read_text("utf-8"))
    second = json.loads((again / MASTER).with_suffix(".json").read_text("utf-8"))
    assert [(d["code"], d["total"], d["rank"]) for d in first["departments"]] == \
        [(d["code"], d["total"], d["rank"]) for d in second["departments"]]

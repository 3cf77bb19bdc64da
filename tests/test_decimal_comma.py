"""Issue 11 item 4: a decimal comma everywhere a person reads a number — terminal, report, the CSV files meant
for Excel in a Vietnamese locale (summary/findings/evidence); criteria.csv/detail.csv stay machine tables."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal

import pytest

from bdg_workbook.cli.main import main
from bdg_workbook.documents.ward_report import number_text
from bdg_workbook.domain.numbers import format_number, format_points

DECIMAL_POINT = re.compile(r"(?<![\w.])\d+\.\d+(?![\w.])")   # 152.75, not a version "0.1.0" nor a file name


@pytest.fixture(scope="module")
def season(tmp_path_factory):
    """The demo's output folder and what demo and collect printed."""
    from click.testing import CliRunner
    runner = CliRunner()
    here = tmp_path_factory.mktemp("dau-phay")          # absolute paths: no chdir, no isolated_filesystem
    demo = runner.invoke(main, ["demo", "--out", str(here / "d"), "--jobs", "2"])
    assert demo.exit_code == 0, demo.output
    collect = runner.invoke(main, ["collect", str(here / "d" / "inbox"), "--keys",
                                   str(here / "d" / "keys" / "ward-signing.pub"), "--out", str(here / "x" / "T.xlsx")])
    assert collect.exit_code in (0, 1), collect.output
    return here, demo.output, collect.output


def test_the_terminal_shows_no_decimal_point(season):
    _, demo, collect = season
    for output in (demo, collect):
        assert not DECIMAL_POINT.findall(output), DECIMAL_POINT.findall(output)[:5]
    assert re.search(r"\d+,\d\d giây", collect)


def test_csv_for_excel_in_a_vietnamese_locale(season):
    here, _, _ = season
    folder = here / "x" / "T_csv"
    for name in ("summary.csv", "findings.csv", "evidence.csv"):
        raw = (folder / name).read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw, name
        rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""), delimiter=";"))
        assert len({len(r) for r in rows}) == 1, name            # ';' splits every row into the same columns
        cells = [c for r in rows for c in r]
        assert not [c for c in cells if re.fullmatch(r"\d+\.\d+", c)], name
    summary = list(csv.reader(io.StringIO((folder / "summary.csv").read_text("utf-8-sig"), newline=""), delimiter=";"))
    totals = [r[summary[0].index("Tổng điểm")] for r in summary[1:] if r[summary[0].index("Tổng điểm")]]
    assert totals and all(re.fullmatch(r"\d+,\d\d", t) for t in totals)


def test_criteria_and_detail_csv_are_machine_tables_with_points(season):
    here, _, _ = season
    for name in ("criteria.csv", "detail.csv"):
        rows = list(csv.reader(io.StringIO((here / "x" / "T_csv" / name).read_text("utf-8-sig"), newline="")))
        numbers = [c for r in rows[1:] for c in r if re.fullmatch(r"[\d.,]+", c)]
        assert numbers and all(re.fullmatch(r"\d+\.\d\d", n) for n in numbers), (name, numbers[:5])


def test_one_formatter():
    assert format_points(Decimal("152.75")) == "152,75" and format_number(Decimal("2.50")) == "2,5"
    assert number_text(Decimal("185.476")) == "185,48" and number_text(Decimal("20")) == "20"

"""`bdg-workbook status INBOX`: valid, with errors, missing, days to the deadline; JSON equals the library."""

import datetime as dt
import json
import random
import shutil
from decimal import Decimal

import pytest

from bdg_workbook.cli.main import main
from bdg_workbook.collect.collector import collect
from bdg_workbook.demo.fill import ItemAnswer, fill_workbook, random_valid_answers
from bdg_workbook.collect.status import season_status
from bdg_workbook.corrections.overview import loop_infos


@pytest.fixture(scope="module")
def inbox(setup, generated_workbooks, tmp_path_factory):
    box = tmp_path_factory.mktemp("inbox")
    rng = random.Random(7)
    for code in ("HLHPN", "MTTQ"):
        dept = next(d for d in setup.departments if d.code == code)
        answers = random_valid_answers(setup, dept, rng)
        if code == "MTTQ":
            answers.items["I.5"] = ItemAnswer(Decimal(150))      # an error (E07)
        fill_workbook(generated_workbooks / f"TDCD_2024_{code}.xlsx", box / f"TDCD_2024_{code}.xlsx", answers)
    (box / "ghi-chu.xlsx").write_bytes(b"not a workbook")
    return box


def test_status_counts_each_state(setup, inbox):
    state = season_status(collect(inbox, setup, jobs=1), today=dt.date(2024, 9, 15))
    by_code = {d.code: d.status for d in state.departments}
    assert by_code["HLHPN"] == "valid" and by_code["MTTQ"] == "errors"
    assert sum(1 for s in by_code.values() if s == "missing") == len(setup.departments) - 2
    assert state.days_left == 5
    assert state.rejected_files == ["ghi-chu.xlsx"]


def test_status_cli_table_and_json(runner, setup, inbox):
    table = runner.invoke(main, ["status", str(inbox)])
    assert table.exit_code == 0, table.output
    assert "Đã nộp, hợp lệ" in table.output and "Đã nộp, có lỗi" in table.output and "Chưa nộp" in table.output
    assert "ghi-chu.xlsx" in table.output
    out = runner.invoke(main, ["status", str(inbox), "--format", "json"])
    data = json.loads(out.output)
    result, today = collect(inbox, setup, jobs=1), dt.date.fromisoformat(data["today"])
    expected = season_status(result, today=today, loop=loop_infos(setup, result, None, today)).as_dict()
    assert data == expected


def test_status_leaves_inbox_untouched(runner, inbox, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(inbox, copy)
    runner.invoke(main, ["status", str(inbox)])
    for f in copy.iterdir():
        assert (inbox / f.name).read_bytes() == f.read_bytes()
    assert sorted(p.name for p in inbox.iterdir()) == sorted(p.name for p in copy.iterdir())

"""Generation is deterministic: the same inputs give byte-identical files (DESIGN.md §4)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import zipfile

from bdg_workbook.workbook.generate import build_workbook, generate_workbooks


def test_two_generations_are_byte_identical(setup, tmp_path):
    first = generate_workbooks(setup, tmp_path / "a")
    second = generate_workbooks(setup, tmp_path / "b")
    assert [p.name for p in first] == [p.name for p in second] and len(first) == len(setup.departments)
    for a, b in zip(first, second):
        assert a.read_bytes() == b.read_bytes(), a.name
    assert len({p.read_bytes() for p in first}) == len(first)   # each department's file differs


def test_zip_timestamps_and_created_date_are_fixed(setup):
    data = build_workbook(setup, setup.departments[0])
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert {info.date_time for info in zf.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        core = zf.read("docProps/core.xml").decode("utf-8")
    assert f"{setup.config.issue_date.isoformat()}T" in core


def test_issue_date_is_the_only_clock(setup):
    later = dataclasses.replace(setup, config=dataclasses.replace(
        setup.config, issue_date=setup.config.issue_date + dt.timedelta(days=1)))
    dept = setup.departments[1]
    assert build_workbook(setup, dept) == build_workbook(setup, dept)
    assert build_workbook(later, dept) != build_workbook(setup, dept)

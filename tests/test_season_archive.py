"""The season archive (issue 15, items 3 and 4): every collect, review and send recorded in SQLite, files read
once, an archive rebuilt from the inbox, versioned schema, transactions, last season beside this one."""

from __future__ import annotations

import dataclasses
import json
import random
import shutil
import sqlite3
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
import yaml

from bdg_workbook.archive.schema import SCHEMA_VERSION, ArchiveError, open_archive
from bdg_workbook.archive.store import Archive
from bdg_workbook.cli.main import main
from bdg_workbook.demo.fill import fill_workbook, random_valid_answers
from bdg_workbook.domain.model import Setup
from bdg_workbook.master.previous_season import SHEET_PREVIOUS

MASTER = Path("output/2024/TONGHOP_2024_NHONHUNG.xlsx")
RETURNING = ("HLHPN", "DTN", "CA", "TYT", "MTTQ")


@pytest.fixture(scope="module")
def season(tmp_path_factory: pytest.TempPathFactory, setup: Setup) -> Path:
    """A working folder (init + generate) and five filled returns kept aside in ``returns/`` (read-only)."""
    from click.testing import CliRunner

    root = tmp_path_factory.mktemp("season") / "phuong"
    runner = CliRunner()
    assert runner.invoke(main, ["init", str(root)]).exit_code == 0
    cwd = Path.cwd()
    try:
        import os
        os.chdir(root)
        result = runner.invoke(main, ["generate"])
        assert result.exit_code == 0, result.output
    finally:
        os.chdir(cwd)
    rng = random.Random(15)
    returns = root / "returns"
    returns.mkdir()
    by_code = {d.code: d for d in setup.departments}
    for code in RETURNING:
        form = root / "output" / "2024" / f"TDCD_2024_{code}.xlsx"
        fill_workbook(form, returns / form.name, random_valid_answers(setup, by_code[code], rng))
    return root


@pytest.fixture
def folder(season: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh copy of the working folder as the current directory, archive empty, first four returns in inbox/."""
    root = tmp_path / "phuong"
    shutil.copytree(season, root)
    for name in sorted(p.name for p in (root / "returns").glob("*.xlsx"))[:4]:
        shutil.copy2(root / "returns" / name, root / "inbox" / name)
    monkeypatch.chdir(root)
    monkeypatch.delenv("BDG_ARCHIVE", raising=False)
    return root


def _collect(runner, *extra: str):
    result = runner.invoke(main, ["collect", "inbox", "--jobs", "1", "--format", "json", *extra])
    assert result.exit_code in (0, 1), result.output
    return result, json.loads(result.stdout[result.stdout.index("{"):])


def _stable(data: dict) -> dict:
    return {k: v for k, v in data.items() if k != "generated_at"}


def test_collect_records_every_run_and_reuses_files_already_read(folder: Path, runner):
    first_run, first = _collect(runner)
    assert (folder / "archive.sqlite3").is_file()
    second_run, second = _collect(runner)
    assert _stable(second) == _stable(first)                      # reused results give the very same result
    with Archive(folder / "archive.sqlite3") as archive:
        runs = archive.runs()
        assert [r.kind for r in runs] == ["collect", "collect"] and runs[0].files == 4
        cached = archive.conn.execute("SELECT count(*) FROM file_cache").fetchone()[0]
        files = archive.conn.execute("SELECT file, sha256, received_at, status FROM run_files WHERE run_id = ?",
                                     (runs[1].id,)).fetchall()
        points = archive.conn.execute("SELECT count(*) FROM criterion_points WHERE run_id = ?",
                                      (runs[1].id,)).fetchone()[0]
        missing = archive.conn.execute("SELECT count(*) FROM unit_results WHERE run_id = ? AND status = 'missing'",
                                       (runs[1].id,)).fetchone()[0]
    assert cached == 4 and len(files) == 4 and all(len(sha) == 64 and when for _f, sha, when, _s in files)
    assert points == 4 * 29 and missing == 11
    table = runner.invoke(main, ["collect", "inbox", "--jobs", "1"])
    assert "dùng lại 4 tệp đã đọc, đọc mới 0 tệp" in table.output


def test_one_new_return_is_the_only_file_read_again(folder: Path, runner):
    _collect(runner)
    newcomer = sorted((folder / "returns").glob("*.xlsx"))[4]
    shutil.copy2(newcomer, folder / "inbox" / newcomer.name)
    result = runner.invoke(main, ["collect", "inbox", "--jobs", "1"])
    assert "dùng lại 4 tệp đã đọc, đọc mới 1 tệp" in result.output


def test_a_deleted_archive_is_rebuilt_from_the_inbox(folder: Path, runner):
    _run, first = _collect(runner)
    (folder / "archive.sqlite3").unlink()
    for extra in folder.glob("archive.sqlite3-*"):
        extra.unlink()
    _run, again = _collect(runner)
    assert _stable(again) == _stable(first)
    with Archive(folder / "archive.sqlite3") as archive:
        assert len(archive.runs()) == 1 and archive.standings(2024)["HLHPN"].total is not None


def test_history_lists_runs_review_rounds_and_sends(folder: Path, runner):
    _collect(runner)
    review = runner.invoke(main, ["review", str(MASTER)])
    assert review.exit_code in (0, 1), review.output
    mail = runner.invoke(main, ["mail", "--only", "HLHPN"])
    assert mail.exit_code in (0, 1), mail.output
    history = runner.invoke(main, ["history"])
    assert history.exit_code == 0, history.output
    lines = history.output.splitlines()
    assert any("Thu bài" in line and "2024" in line for line in lines)
    assert any("Thẩm định v1" in line for line in lines) and any("Gửi thư" in line for line in lines)
    assert "Vòng thẩm định 1" in history.output
    data = json.loads(runner.invoke(main, ["history", "--format", "json"]).output)
    assert [r["kind"] for r in data] == ["collect", "review", "send"]


def test_history_without_an_archive_says_how_one_is_made(tmp_path: Path, runner, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BDG_ARCHIVE", raising=False)
    result = runner.invoke(main, ["history"])
    assert result.exit_code == 2 and "chưa có kho lưu trữ" in result.output


def test_last_season_beside_this_one_from_the_archive_and_history_compare(folder: Path, runner, setup: Setup):
    _run, first = _collect(runner)
    with Archive(folder / "archive.sqlite3") as archive:        # make the run just recorded last season's
        archive.conn.execute("UPDATE runs SET season = 2023")
    _run, now = _collect(runner)
    newest = max(MASTER.parent.glob("TONGHOP_2024_NHONHUNG*.xlsx"), key=lambda p: p.stat().st_mtime_ns)
    book = openpyxl.load_workbook(newest, read_only=True)
    assert SHEET_PREVIOUS in book.sheetnames
    rows = [r for r in book[SHEET_PREVIOUS].iter_rows(min_row=4, values_only=True) if r[1]]
    by_code = {r[1]: r for r in rows}
    hlhpn = next(d for d in now["departments"] if d["code"] == "HLHPN")
    assert Decimal(str(by_code["HLHPN"][3])) == Decimal(str(hlhpn["total"]))     # same returns: same total
    assert by_code["HLHPN"][7] == 0 and "chưa nộp" in by_code["HND"][8].lower()
    compare = runner.invoke(main, ["history", "--compare", "2023", "2024"])
    assert compare.exit_code == 0 and "HLHPN" in compare.output and "Chưa nộp" in compare.output
    data = json.loads(runner.invoke(main, ["history", "--compare", "2023", "2024", "--format", "json"]).output)
    row = next(r for r in data if r["department"] == "HLHPN")
    assert row["change"] == "0" and row["2023"]["total"] == row["2024"]["total"]


def _config_2023(folder: Path) -> Path:
    data = yaml.safe_load((folder / "templates" / "config.yaml").read_text(encoding="utf-8"))
    data.update({"year": 2023, "issue_date": "2023-05-06"})
    data["period"] = {"start": "2023-01-01", "end": "2023-09-30"}
    data["deadlines"] = {"department_to_ward": "2023-09-20", "ward_to_district": "2023-09-30"}
    path = folder / "config-2023.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_last_season_from_its_master_file(folder: Path, runner, tmp_path: Path):
    last_year = tmp_path / "TONGHOP_2023.xlsx"          # a 2023 master (every 2024 return refused there: F04)
    made = runner.invoke(main, ["collect", "inbox", "--jobs", "1", "--config", str(_config_2023(folder)),
                                "--out", str(last_year)], env={"BDG_ARCHIVE": "off"})
    assert made.exit_code in (0, 1) and last_year.is_file(), made.output
    assert not (folder / "archive.sqlite3").exists()
    result = runner.invoke(main, ["collect", "inbox", "--jobs", "1", "--previous", str(last_year)])
    assert result.exit_code in (0, 1), result.output
    sheet = openpyxl.load_workbook(MASTER, read_only=True)[SHEET_PREVIOUS]
    rows = [r for r in sheet.iter_rows(min_row=4, values_only=True) if r[1]]
    hlhpn = next(r for r in rows if r[1] == "HLHPN")
    assert hlhpn[3] is None and hlhpn[5] is not None and "Năm 2023 chưa nộp" in hlhpn[8]
    same_year = runner.invoke(main, ["collect", "inbox", "--jobs", "1", "--previous", str(MASTER)])
    assert same_year.exit_code == 2 and "không phải của một năm trước" in same_year.output
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a workbook")
    refused = runner.invoke(main, ["collect", "inbox", "--jobs", "1", "--previous", str(broken)])
    assert refused.exit_code == 2 and "năm trước" in refused.output


def test_a_form_of_another_season_is_refused_naming_both_seasons(folder: Path, runner, setup: Setup, tmp_path: Path):
    from bdg_workbook.workbook.generate import generate_workbooks
    table = dataclasses.replace(setup.table, template_id="TDCD-BDG-2023", version="2023", content_hash="0" * 64)
    config = dataclasses.replace(setup.config, year=2023)
    old = generate_workbooks(dataclasses.replace(setup, table=table, config=config), tmp_path / "old", only=["HND"])
    form = next(p for p in old if p.name.endswith("_HND.xlsx"))
    shutil.copy2(form, folder / "inbox" / "HND_nam_truoc.xlsx")
    _run, data = _collect(runner)
    found = [f for f in data["findings"] if f["file"] == "HND_nam_truoc.xlsx"]
    assert [f["code"] for f in found] == ["F13"]
    assert "2023" in found[0]["message"] and "2024" in found[0]["message"] and "TDCD-BDG-2023" in found[0]["message"]


# ---------------------------------------------------------------- schema and transactions


def test_schema_migrates_forward_and_refuses_a_newer_one(tmp_path: Path):
    path = tmp_path / "old.sqlite3"
    conn = open_archive(path, upto=1)
    conn.execute("INSERT INTO runs (kind, season, ward, started_at, program_version, template_id, template_version, "
                 "template_hash, source) VALUES ('collect', 2023, 'p', 't', '0', 'id', 'v', 'h', 'inbox')")
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
    conn.close()
    with Archive(path) as archive:
        assert archive.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert [r.season for r in archive.runs()] == [2023]
        archive.conn.execute("SELECT count(*) FROM file_cache").fetchone()
        archive.conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(ArchiveError, match="mới hơn"):
        Archive(path)


def test_a_run_that_fails_halfway_leaves_nothing(folder: Path, runner, monkeypatch: pytest.MonkeyPatch):
    _run, data = _collect(runner)
    from bdg_workbook.collect.collector import collect
    from bdg_workbook.config.load import load_setup
    result = collect(folder / "inbox", load_setup(), jobs=1)
    archive = Archive(folder / "archive.sqlite3")
    before = len(archive.runs())

    class Boom(Exception):
        pass

    real = sqlite3.Connection.executemany
    calls = []

    class Wrapped:
        def __init__(self, conn):
            self._conn = conn

        def __getattr__(self, name):
            return getattr(self._conn, name)

        def executemany(self, sql, rows):
            calls.append(sql)
            if "criterion_points" in sql:
                raise Boom("disk full")
            return real(self._conn, sql, rows)

    archive.conn = Wrapped(archive.conn)  # type: ignore[assignment]
    with pytest.raises(Boom):
        archive.record_collection(result, "x")
    archive.conn = archive.conn._conn  # type: ignore[attr-defined]
    assert len(archive.runs()) == before and any("run_files" in c for c in calls)
    assert archive.conn.execute("SELECT count(*) FROM run_files").fetchone()[0] == 4 * before
    archive.close()


def test_an_unusable_archive_is_a_warning_not_a_failed_collect(folder: Path, runner):
    (folder / "archive.sqlite3").write_bytes(b"this is not a database" * 100)
    result = runner.invoke(main, ["collect", "inbox", "--jobs", "1"])
    assert result.exit_code in (0, 1) and "kho lưu trữ" in result.output.lower() and MASTER.is_file()


def test_demo_records_its_collection_and_prints_the_history(tmp_path: Path, runner, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(main, ["demo", "--out", "chay-thu"])
    assert result.exit_code == 0, result.output
    assert "Kho lưu trữ chay-thu/archive.sqlite3" in result.output and "Thu bài" in result.output
    with Archive(tmp_path / "chay-thu" / "archive.sqlite3") as archive:
        runs = archive.runs()
        assert [r.kind for r in runs] == ["collect"] and runs[0].files == 14
        assert archive.standings(2024)["HND"].status == "missing"

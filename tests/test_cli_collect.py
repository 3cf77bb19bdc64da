"""``bdg-workbook collect`` through click's runner (issue 3, tests §4): exit codes 0/1/2, ``--format json``
equal to the library result, ``--strict``, the printed summary, ``--out`` and atomic outputs."""

from __future__ import annotations

import json
import random
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from bdg_workbook.cli.main import main
from bdg_workbook.collect.collector import collect
from bdg_workbook.demo.fill import ItemAnswer, fill_workbook, random_valid_answers
from bdg_workbook.workbook.generate import generate_workbooks
from bdg_workbook.layout.master import SHEET_SUMMARY
from bdg_workbook.domain.model import Setup
from bdg_workbook.trust.signing import KEY_ENV, KeyRing, ensure_key_pair, load_private_key

RETURNING = ("MTTQ", "HLHPN", "DTN")


@pytest.fixture(scope="module")
def season(setup: Setup, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A ward key, a clean inbox (three valid returns) and an inbox with one error (120 % at I.5)."""
    root = tmp_path_factory.mktemp("cli")
    status = ensure_key_pair(root / "keys" / "ward-signing.key")
    key = load_private_key(status.private_path)
    forms = generate_workbooks(setup, root / "forms", only=[*RETURNING, "CA"], signer=key.sign)
    by_code = {p.stem.rsplit("_", 1)[-1]: p for p in forms}
    rng = random.Random(7)
    clean, broken = root / "clean", root / "broken"
    for code in RETURNING:
        answers = random_valid_answers(setup, next(d for d in setup.departments if d.code == code), rng)
        for inbox in (clean, broken):
            inbox.mkdir(exist_ok=True)
            fill_workbook(by_code[code], inbox / by_code[code].name, answers)
    answers = random_valid_answers(setup, next(d for d in setup.departments if d.code == "CA"), rng)
    answers.items["I.5"] = ItemAnswer(Decimal(120))
    fill_workbook(by_code["CA"], broken / by_code["CA"].name, answers)
    return {"clean": clean, "broken": broken, "pub": status.public_path}


@pytest.fixture(autouse=True)
def _no_ambient_key(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No signing key from the environment or the current folder leaks into these runs."""
    monkeypatch.delenv(KEY_ENV, raising=False)
    monkeypatch.chdir(tmp_path)


def _run(runner, season, inbox: str, out: Path, *extra: str):
    return runner.invoke(main, ["collect", str(season[inbox]), "--out", str(out), "--keys", str(season["pub"]),
                                "--jobs", "1", *extra])


def _files(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


OUTPUTS = {"TONGHOP.xlsx", "TONGHOP.json", "TONGHOP.manifest.json", "TONGHOP_csv/summary.csv",
           "TONGHOP_csv/findings.csv", "TONGHOP_csv/evidence.csv", "TONGHOP_csv/criteria.csv",
           "TONGHOP_csv/detail.csv"}


def test_clean_inbox_exits_0_prints_summary_and_master_path(runner, season, tmp_path):
    out = tmp_path / "ra" / "TONGHOP.xlsx"
    result = _run(runner, season, "clean", out)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    header = next(i for i, line in enumerate(lines) if line.split()[:3] == ["Hạng", "Mã", "Đơn"])
    rows = {line.split()[1] for line in lines[header + 2:header + 2 + 15] if line.strip()}
    assert set(RETURNING) <= rows and "HND" in rows                      # collected and missing departments
    assert f"Tệp tổng hợp: {out}" in lines
    assert "Đã nhận 3 tệp; tổng hợp 3 đơn vị; chưa nộp 12; 0 lỗi" in result.stdout
    assert _files(out.parent) == OUTPUTS                                  # --out respected; no temporary files
    assert "Đang đọc tệp" in result.stderr                                # the progress bar, on stderr


def test_error_findings_exit_1_and_the_master_is_still_written(runner, season, tmp_path):
    out = tmp_path / "TONGHOP.xlsx"
    out.write_bytes(b"ban cu")                                            # replaced, not appended to
    result = _run(runner, season, "broken", out)
    assert result.exit_code == 1, result.output
    assert "[LỖI E07]" in result.stdout and "TDCD_2024_CA.xlsx" in result.stdout
    book = openpyxl.load_workbook(out)
    summary = [row for row in book[SHEET_SUMMARY].iter_rows(values_only=True) if row[1] == "Công an phường"]
    assert len(summary) == 1 and summary[0][11] == 1                      # one error counted for CA
    assert _files(tmp_path) == OUTPUTS | {"TONGHOP.xlsx.bak1"}              # the replaced file kept (issue 12)
    assert (tmp_path / "TONGHOP.xlsx.bak1").read_bytes() == b"ban cu"


def test_strict_turns_warnings_into_exit_1(runner, season, tmp_path):
    result = _run(runner, season, "clean", tmp_path / "TONGHOP.xlsx", "--strict")
    assert result.exit_code == 1, result.output
    assert "[CẢNH BÁO W13]" in result.stdout                             # twelve departments did not return


def test_json_output_equals_the_library_result(runner, season, setup, tmp_path):
    out = tmp_path / "TONGHOP.xlsx"
    result = _run(runner, season, "broken", out, "--format", "json")
    assert result.exit_code == 1
    printed = json.loads(result.stdout)
    library = collect(season["broken"], setup, keyring=KeyRing.load(season["pub"])).as_dict()
    library = json.loads(json.dumps(library, ensure_ascii=False))
    assert printed.pop("generated_at") and library.pop("generated_at")
    assert printed == library
    assert printed["counts"]["errors"] == 1 and len(printed["departments"]) == 4
    written = json.loads((tmp_path / "TONGHOP.json").read_text("utf-8"))
    written.pop("generated_at")
    assert written == printed


def test_default_master_path_is_under_output_of_the_working_folder(runner, season, tmp_path):
    result = runner.invoke(main, ["collect", str(season["clean"]), "--keys", str(season["pub"]), "--jobs", "1"])
    assert result.exit_code == 0, result.output
    master = Path("output") / "2024" / "TONGHOP_2024_NHONHUNG.xlsx"
    assert (tmp_path / master).is_file() and f"Tệp tổng hợp: {master}" in result.stdout


def test_missing_inbox_exits_2(runner, tmp_path):
    result = runner.invoke(main, ["collect", str(tmp_path / "khong_co"), "--out", str(tmp_path / "m.xlsx")])
    assert result.exit_code == 2
    assert not (tmp_path / "m.xlsx").exists()


def test_bad_template_exits_2_without_writing(runner, season, tmp_path):
    bad = tmp_path / "criteria.yaml"
    bad.write_text("sections: 5\n", encoding="utf-8")
    result = runner.invoke(main, ["collect", str(season["clean"]), "--criteria", str(bad),
                                  "--out", str(tmp_path / "m.xlsx")])
    assert result.exit_code == 2
    assert "criteria.yaml" in result.stderr and not (tmp_path / "m.xlsx").exists()


def test_unreadable_key_file_exits_2(runner, season, tmp_path):
    bad = tmp_path / "khoa.pub"
    bad.write_text("không phải khóa", encoding="utf-8")
    result = runner.invoke(main, ["collect", str(season["clean"]), "--keys", str(bad),
                                  "--out", str(tmp_path / "m.xlsx")])
    assert result.exit_code == 2 and "Lỗi" in result.stderr

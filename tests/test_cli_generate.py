"""`bdg-workbook generate`: files per department, --only, default folder, exit 2 on bad input, signing."""

from __future__ import annotations


import openpyxl
import pytest

from bdg_workbook.trust import signing
from bdg_workbook.cli.main import main
from bdg_workbook.layout.department import Layout
from bdg_workbook.config.templates import TEMPLATES_DIR


@pytest.fixture(autouse=True)
def no_env_key(monkeypatch):
    """No signing key from the environment unless a test gives one."""
    monkeypatch.delenv(signing.KEY_ENV, raising=False)


def test_generate_writes_one_file_per_department(setup, runner, tmp_path):
    result = runner.invoke(main, ["generate", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == sorted(f"TDCD_{setup.config.year}_{d.code}.xlsx" for d in setup.departments)
    assert result.output.count("Đã tạo:") == len(setup.departments) == 15
    assert "Xong: 15 biểu mẫu trong" in result.output and "giây" in result.output


def test_only_and_default_folder(setup, runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BDG_SIGNING_KEY", raising=False)
    result = runner.invoke(main, ["generate", "--only", "DTN", "--only", "CA"])
    assert result.exit_code == 0, result.output
    out = tmp_path / "output" / str(setup.config.year)
    assert sorted(p.name for p in out.iterdir()) == ["TDCD_2024_CA.xlsx", "TDCD_2024_DTN.xlsx"]
    assert "CHƯA ký số" in result.output


def test_unknown_only_code_exits_2(runner, tmp_path):
    result = runner.invoke(main, ["generate", "--out", str(tmp_path), "--only", "KHONGCO"])
    assert result.exit_code == 2
    assert "KHONGCO" in result.stderr and "Mã đơn vị" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_bad_template_exits_2_with_message(runner, tmp_path):
    bad = tmp_path / "criteria.yaml"
    bad.write_text((TEMPLATES_DIR / "criteria-2024.yaml").read_text(encoding="utf-8")
                   .replace("base_max: 180", "base_max: 170"), encoding="utf-8")
    result = runner.invoke(main, ["generate", "--criteria", str(bad), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "Lỗi: mẫu cấu hình" in result.stderr and "base_max" in result.stderr
    assert not (tmp_path / "o").exists()


def test_generate_signs_with_the_ward_key(setup, runner, tmp_path):
    key = signing.ensure_key_pair(tmp_path / "keys" / "ward.key")
    result = runner.invoke(main, ["generate", "--out", str(tmp_path / "o"), "--only", "HLHPN",
                                  "--key", str(key.private_path)])
    assert result.exit_code == 0, result.output
    assert key.key_id in result.output
    wb = openpyxl.load_workbook(tmp_path / "o" / "TDCD_2024_HLHPN.xlsx")
    meta = {}
    for name, (sheet, ref) in Layout(setup.table).names.items():
        if name.startswith("meta_"):
            meta[name[5:]] = wb[sheet][ref].value
    ring = signing.KeyRing.load(key.public_path)
    assert signing.verify_meta(meta, meta["key_id"], meta["signature"], ring).ok
    missing = runner.invoke(main, ["generate", "--out", str(tmp_path / "o"), "--key", str(tmp_path / "nope.key")])
    assert missing.exit_code == 2 and "nope.key" in missing.stderr

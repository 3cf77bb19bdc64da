"""Issue 4 item 1: `bdg-workbook init` (working folder + signing key) and `keys show/export`."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from bdg_workbook.trust import signing
from bdg_workbook.config import workspace
from bdg_workbook.cli.main import main
from bdg_workbook.config.load import load_setup
from bdg_workbook.config.templates import TEMPLATES_DIR

posix_only = pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")


@pytest.fixture(autouse=True)
def _no_key_env(monkeypatch) -> None:
    """A BDG_SIGNING_KEY set on the test machine must not leak into these tests."""
    monkeypatch.delenv(signing.KEY_ENV, raising=False)


def shipped_templates() -> list[Path]:
    """Every file shipped in templates/, relative."""
    return sorted(p.relative_to(TEMPLATES_DIR) for p in TEMPLATES_DIR.rglob("*") if p.is_file()
                  and not any(part.startswith((".", "__")) for part in p.relative_to(TEMPLATES_DIR).parts))


def test_init_creates_the_working_folder(runner: CliRunner, tmp_path: Path) -> None:
    root = tmp_path / "phuong"
    result = runner.invoke(main, ["init", str(root)])
    assert result.exit_code == 0, result.output
    for rel in shipped_templates():
        copy = root / "templates" / rel
        assert copy.read_bytes() == (TEMPLATES_DIR / rel).read_bytes()
        assert stat.S_IMODE(copy.stat().st_mode) & 0o200  # editable even where the shipped file is read-only
    assert {"criteria-2024.yaml", "departments.yaml", "config.yaml"} <= {p.name for p in shipped_templates()}
    assert (root / "inbox").is_dir() and (root / "output").is_dir()
    key = root / "keys" / "ward-signing.key"
    kid = signing.load_private_key(key).key_id
    assert kid in result.output and "keys export" in result.output
    assert not list((root / "output").iterdir())  # the key is never under output/
    setup = load_setup(*(root / "templates" / n for n in ("criteria-2024.yaml", "departments.yaml", "config.yaml")))
    assert setup.table.template_id


@posix_only
def test_init_key_is_private(runner: CliRunner, tmp_path: Path) -> None:
    runner.invoke(main, ["init", str(tmp_path)])
    assert stat.S_IMODE((tmp_path / "keys" / "ward-signing.key").stat().st_mode) == 0o600


def test_init_is_idempotent_and_never_overwrites(runner: CliRunner, tmp_path: Path) -> None:
    assert runner.invoke(main, ["init", str(tmp_path)]).exit_code == 0
    config = tmp_path / "templates" / "config.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "\n# đã sửa\n", encoding="utf-8")
    edited = config.read_bytes()
    key = (tmp_path / "keys" / "ward-signing.key").read_bytes()
    (tmp_path / "templates" / "departments.yaml").unlink()
    result = runner.invoke(main, ["init", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert config.read_bytes() == edited
    assert (tmp_path / "keys" / "ward-signing.key").read_bytes() == key
    assert (tmp_path / "templates" / "departments.yaml").is_file()  # a missing file is restored
    assert "đã có, giữ nguyên" in result.output
    kept = {line.split()[-1] for line in result.output.splitlines() if "đã có, giữ nguyên" in line}
    assert "templates/config.yaml" in kept and "templates/departments.yaml" not in kept


def test_init_defaults_to_the_current_folder(runner: CliRunner, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert runner.invoke(main, ["init"]).exit_code == 0
    assert workspace.find_templates(tmp_path) == tmp_path / "templates"
    assert signing.find_signing_key(None, tmp_path) == tmp_path / "keys" / "ward-signing.key"
    assert workspace.default_key_path(tmp_path) == tmp_path / "keys" / "ward-signing.key"


def test_find_templates_needs_a_criteria_table(tmp_path: Path) -> None:
    assert workspace.find_templates(tmp_path) is None
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "config.yaml").write_text("year: 2024\n")
    assert workspace.find_templates(tmp_path) is None
    (tmp_path / "templates" / "criteria-2025.yaml").write_text("meta: {}\n")
    assert workspace.find_templates(tmp_path) == tmp_path / "templates"


def test_init_into_a_file_path_fails_cleanly(runner: CliRunner, tmp_path: Path) -> None:
    blocker = tmp_path / "tep"
    blocker.write_text("x")
    result = runner.invoke(main, ["init", str(blocker / "con")])
    assert result.exit_code == 2 and "Lỗi" in result.stderr and str(blocker) in result.stderr


def test_keys_export_prints_a_loadable_public_key(runner: CliRunner, tmp_path: Path) -> None:
    runner.invoke(main, ["init", str(tmp_path)])
    key = tmp_path / "keys" / "ward-signing.key"
    result = runner.invoke(main, ["keys", "export", "--key", str(key)])
    assert result.exit_code == 0, result.output
    public = serialization.load_pem_public_key(result.stdout.encode("utf-8"))
    assert isinstance(public, Ed25519PublicKey)
    assert signing.read_identity(result.stdout.encode("utf-8"), public)[0] == "phường Nhơn Hưng"   # bound (issue 12)
    assert signing.key_id(public) == signing.load_private_key(key).key_id
    assert "PRIVATE" not in result.output


def test_keys_export_to_file_and_no_clobbering(runner: CliRunner, tmp_path: Path) -> None:
    runner.invoke(main, ["init", str(tmp_path)])
    key = tmp_path / "keys" / "ward-signing.key"
    out = tmp_path / "huyen" / "nhon-hung.pub"
    out.parent.mkdir()
    assert runner.invoke(main, ["keys", "export", "--key", str(key), "--out", str(out)]).exit_code == 0
    assert signing.KeyRing.load(out.parent).key_ids == (signing.load_private_key(key).key_id,)
    assert runner.invoke(main, ["keys", "export", "--key", str(key), "--out", str(out)]).exit_code == 0
    other = tmp_path / "other.pub"
    other.write_text("nội dung khác")
    result = runner.invoke(main, ["keys", "export", "--key", str(key), "--out", str(other)])
    assert result.exit_code == 2 and other.read_text() == "nội dung khác"


def test_keys_show_uses_workspace_then_environment(runner: CliRunner, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    missing = runner.invoke(main, ["keys", "show"])
    assert missing.exit_code == 2 and "bdg-workbook init" in missing.output
    runner.invoke(main, ["init"])
    kid = signing.load_private_key(tmp_path / "keys" / "ward-signing.key").key_id
    assert kid in runner.invoke(main, ["keys", "show"]).stdout
    other = signing.ensure_key_pair(tmp_path / "elsewhere" / "k.key")
    monkeypatch.setenv(signing.KEY_ENV, str(other.private_path))
    assert other.key_id in runner.invoke(main, ["keys", "show"]).stdout


@posix_only
def test_keys_show_warns_on_a_readable_private_key(runner: CliRunner, tmp_path: Path) -> None:
    runner.invoke(main, ["init", str(tmp_path)])
    key = tmp_path / "keys" / "ward-signing.key"
    key.chmod(0o644)
    result = runner.invoke(main, ["keys", "show", "--key", str(key)])
    assert result.exit_code == 0 and "chmod 600" in result.stderr

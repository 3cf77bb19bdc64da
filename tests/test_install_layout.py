"""Issue 11 items 1 and 6: the templates as an installed package, ``init`` from it, its printed next steps,
``generate --only`` like ``mail --only``. (The real wheel is built, installed and run by .ci/wheel-season.sh.)
"""

from __future__ import annotations

import configparser
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from bdg_workbook.cli.main import main
from bdg_workbook.config import workspace
from bdg_workbook.config.templates import TEMPLATE_FILES, TEMPLATES_DIR
from bdg_workbook.domain.selection import parse_codes

REPO = Path(__file__).resolve().parents[1]


def test_templates_are_a_package_mapped_onto_the_top_level_folder():
    cfg = configparser.ConfigParser()
    cfg.read(REPO / "setup.cfg", encoding="utf-8")
    assert "bdg_workbook.templates = templates" in cfg["options"]["package_dir"]
    assert "*.yaml" in cfg["options.package_data"]["bdg_workbook.templates"]
    assert '"bdg_workbook.templates"' in (REPO / "setup.py").read_text("utf-8")
    assert (REPO / "templates" / "__init__.py").is_file()
    for name in TEMPLATE_FILES:
        assert (TEMPLATES_DIR / name).is_file()


def test_every_subpackage_is_found_by_setup_py():
    from setuptools import find_packages
    found = set(find_packages(str(REPO), include=["bdg_workbook", "bdg_workbook.*"]))
    on_disk = {".".join(p.parent.relative_to(REPO).parts) for p in (REPO / "bdg_workbook").rglob("__init__.py")}
    assert on_disk <= found


def test_init_copies_the_yaml_templates_only(tmp_path):
    """From an installed package folder: __init__.py, __pycache__ and stray files stay behind."""
    installed = tmp_path / "site-packages" / "bdg_workbook" / "templates"
    (installed / "__pycache__").mkdir(parents=True)
    for name in TEMPLATE_FILES:
        (installed / name).write_bytes((TEMPLATES_DIR / name).read_bytes())
    (installed / "__init__.py").write_text('"""Default templates."""\n')
    (installed / "__pycache__" / "__init__.cpython-311.pyc").write_bytes(b"\0")
    (installed / "README.txt").write_text("x")
    result = workspace.init_workspace(tmp_path / "phuong", source=installed)
    copied = sorted(p.name for p in (tmp_path / "phuong" / "templates").iterdir())
    assert copied == sorted(TEMPLATE_FILES)
    assert all(e.created for e in result.entries if e.kind == "file")


def _printed_commands(output: str) -> list[list[str]]:
    """The commands in init's 'next steps': the text after ': ' on each numbered line that has one."""
    steps = output.split("Các bước tiếp theo", 1)[1].splitlines()[1:]
    commands = []
    for line in steps:
        match = re.match(r"\s+\d+\. [^:]*: (.+)$", line)
        if match:
            commands.append(shlex.split(match.group(1)))
    return commands


def test_init_next_steps_run_as_printed(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(main, ["init", "Thi đua 2024"])
    assert result.exit_code == 0, result.output
    commands = _printed_commands(result.output)
    assert [c[0] for c in commands] == ["cd", "bdg-workbook", "bdg-workbook", "bdg-workbook", "bdg-workbook"]
    assert Path(commands[0][1]) == (tmp_path / "Thi đua 2024").resolve()    # quoted: the path has a space
    assert "# " not in result.output.split("Các bước tiếp theo", 1)[1]       # no shell comments (cmd.exe has none)
    monkeypatch.chdir(commands[0][1])
    for command in commands[1:]:
        done = runner.invoke(main, command[1:])
        assert done.exit_code in (0, 1), (command, done.output)
        assert "Cách dùng:" not in done.output, (command, done.output)     # no usage error
    assert list(Path("output", "2024").glob("TDCD_2024_*.xlsx"))
    assert list(Path(".").glob("khoa-phuong-*.pub"))


@pytest.mark.parametrize("typed, codes", [
    (["mttq,hlhpn"], ["MTTQ", "HLHPN"]), (["MTTQ", "dtn"], ["MTTQ", "DTN"]), ([" mttq ; hnd  ca "], ["MTTQ", "HND", "CA"]),
    (["MTTQ,MTTQ"], ["MTTQ"]), ([], []),
])
def test_only_codes_are_parsed_once_for_generate_and_mail(typed, codes):
    assert parse_codes(typed) == codes


def test_generate_only_accepts_what_mail_only_accepts(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(main, ["generate", "--only", "mttq,hlhpn", "--only", "Dtn", "--out", "bieu mau"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "bieu mau").iterdir()) == [
        "TDCD_2024_DTN.xlsx", "TDCD_2024_HLHPN.xlsx", "TDCD_2024_MTTQ.xlsx"]
    mail = runner.invoke(main, ["mail", "--only", "mttq,hlhpn", "--only", "Dtn", "--workbooks", "bieu mau"])
    assert mail.exit_code in (0, 1), mail.output
    assert sorted(p.name for p in (tmp_path / "output" / "mail").glob("*.eml")) == [
        "TDCD_2024_DTN.eml", "TDCD_2024_HLHPN.eml", "TDCD_2024_MTTQ.eml"]
    unknown = runner.invoke(main, ["generate", "--only", "mttq,xyz"])
    assert unknown.exit_code == 2 and "XYZ" in unknown.output


@pytest.mark.skipif(shutil.which("git") is None or not (REPO / ".git").exists(), reason="needs a git checkout")
@pytest.mark.parametrize("path", ["keys/ward-signing.key", "keys/ward-signing.pub", ".ci-venv/bin/python",
                                  ".ci-lower-venv/bin/python", "build/lib/x.py", "dist/x.whl"])
def test_gitignore_covers_keys_and_build_folders_made_in_the_repo_root(path):
    """``init`` run in the checkout makes keys/ there: the private key must never be committed."""
    done = subprocess.run(["git", "check-ignore", "-q", "--no-index", path], cwd=REPO, check=False)
    assert done.returncode == 0, f"{path} is not ignored by .gitignore"

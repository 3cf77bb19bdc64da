"""docs/findings.md is generated from the code catalogue and must stay in step with it."""

from pathlib import Path

from bdg_workbook.domain.findings_doc import render_markdown
from bdg_workbook.cli.main import main
from bdg_workbook.domain.findings import CATALOGUE
from bdg_workbook.collect.rules import batch, bonus, evidence, inputs, integrity, signature, timeliness

DOC = Path(__file__).resolve().parent.parent / "docs" / "findings.md"


def test_docs_page_equals_generated():
    assert DOC.read_text(encoding="utf-8") == render_markdown(), \
        "run: bdg-workbook findings --format markdown > docs/findings.md"


def test_cli_prints_the_catalogue(runner):
    result = runner.invoke(main, ["findings", "--format", "markdown"])
    assert result.exit_code == 0 and result.output == render_markdown()


def test_every_code_a_rule_declares_is_catalogued():
    declared = set()
    for module in (batch, bonus, evidence, inputs, integrity, signature, timeliness):
        declared |= set(module.CODES)
    assert declared <= set(CATALOGUE)

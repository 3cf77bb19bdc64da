"""Shared fixtures: the built-in default setup and a click runner; a clean ``BDG_*`` environment."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from bdg_workbook.domain.model import Setup
from bdg_workbook.config.load import load_setup


# Knobs of a test run itself (seeds, counts, the worker start method of the Windows-conditions run,
# the default worker count): kept. Every other BDG_* variable of the developer's shell is removed.
TEST_RUN_KNOBS = ("BDG_FUZZ_SEED", "BDG_FUZZ_COUNT", "BDG_LO_SEED", "BDG_SEED", "BDG_START_METHOD", "BDG_JOBS")


@pytest.fixture(autouse=True)
def clean_bdg_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test sees the developer's own BDG_KEY, BDG_SMTP_PASSWORD, BDG_ARCHIVE and the like."""
    for name in list(os.environ):
        if name.startswith("BDG_") and name not in TEST_RUN_KNOBS:
            monkeypatch.delenv(name)


@pytest.fixture(scope="session")
def setup() -> Setup:
    """The built-in default (templates/)."""
    return load_setup()


@pytest.fixture
def runner() -> CliRunner:
    """click's test runner."""
    return CliRunner()


@pytest.fixture(scope="session")
def generated_workbooks(setup: Setup, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every department's workbook of the default setup, as ``generate`` writes them (read-only for tests)."""
    from bdg_workbook.workbook.generate import generate_workbooks

    out = tmp_path_factory.mktemp("generated") / str(setup.config.year)
    generate_workbooks(setup, out)
    return out


@pytest.fixture(scope="session")
def demo_wards(setup: Setup, tmp_path_factory: pytest.TempPathFactory) -> list:
    """Three ward masters made by the demo (issue 7): different seeds, ward names and signing keys (read-only)."""
    from wards import make_demo_wards

    return make_demo_wards(setup, tmp_path_factory.mktemp("wards"))

"""Shared fixtures: the built-in default setup and a click runner."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from bdg_workbook.domain.model import Setup
from bdg_workbook.config.load import load_setup


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

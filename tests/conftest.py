"""Shared fixtures: the built-in default setup and a click runner."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from bdg_workbook.model import Setup, load_setup


@pytest.fixture(scope="session")
def setup() -> Setup:
    """The built-in default (templates/)."""
    return load_setup()


@pytest.fixture
def runner() -> CliRunner:
    """click's test runner."""
    return CliRunner()

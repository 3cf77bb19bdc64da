"""Shared helpers of the web tests: a working folder, a client that holds the session cookie, filled returns."""

from __future__ import annotations

import random
import re
import shutil
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from bdg_workbook.config.workspace import init_workspace
from bdg_workbook.demo.fill import fill_workbook, random_valid_answers
from bdg_workbook.domain.model import Setup
from bdg_workbook.trust.signing import default_key_path, load_private_key
from bdg_workbook.web.app import create_app
from bdg_workbook.web.security import Guard, Limits
from bdg_workbook.workbook.generate import generate_workbooks, workbook_filename

PORT = 5123
BASE = f"http://127.0.0.1:{PORT}"
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def make_workspace(root: Path) -> Path:
    """A fresh working folder (templates, inbox/, output/, signing key), as ``init`` makes it."""
    init_workspace(root)
    return root


def make_app(root: Path, limits: Limits | None = None):
    """The app for ``root`` on PORT with one reader process (tests run on shared cores)."""
    guard = Guard(PORT)
    app = create_app(root, PORT, limits=limits, guard=guard, jobs=1)
    return app, guard


def logged_in(app, guard: Guard) -> FlaskClient:
    """A test client that opened the start-up URL (so it holds the session cookie)."""
    client = app.test_client()
    response = client.get(f"/?token={guard.token}", base_url=BASE)
    assert response.status_code == 303
    return client


def csrf_of(client: FlaskClient, path: str = "/bieu-mau") -> str:
    """The CSRF token as a page of the app shows it in its forms."""
    page = client.get(path, base_url=BASE).get_data(as_text=True)
    match = CSRF_RE.search(page)
    assert match, page[:500]
    return match.group(1)


def generated(setup: Setup, root: Path) -> Path:
    """Every workbook in the working folder (generated and signed with its key unless already there);
    returns output/<year>/."""
    folder = root / "output" / str(setup.config.year)
    if not all((folder / workbook_filename(setup, d)).is_file() for d in setup.departments):
        key = load_private_key(default_key_path(root))
        generate_workbooks(setup, folder, signer=key.sign)
    return folder


@pytest.fixture(scope="session", name="season_template")
def season_template_fixture(tmp_path_factory: pytest.TempPathFactory, setup: Setup) -> Path:
    """A working folder with its forms generated once per session (copied for each test: generating the 15
    signed forms takes seconds on a busy machine)."""
    root = make_workspace(tmp_path_factory.mktemp("mau") / "phuong")
    generated(setup, root)
    return root


def copy_season(template: Path, target: Path, with_forms: bool = True) -> Path:
    """A copy of the template working folder (same key); without its forms when ``with_forms`` is False."""
    shutil.copytree(template, target, symlinks=True)
    if not with_forms:
        shutil.rmtree(target / "output")
        (target / "output").mkdir()
    return target


def filled(setup: Setup, forms: Path, code: str, target: Path, seed: int = 7) -> Path:
    """One unit's generated workbook filled with valid answers (as the unit would), saved at ``target``."""
    dept = next(d for d in setup.departments if d.code == code)
    answers = random_valid_answers(setup, dept, random.Random(seed))
    fill_workbook(forms / workbook_filename(setup, dept), target, answers)
    return target

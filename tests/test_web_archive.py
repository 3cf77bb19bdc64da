"""The web app records its collections in the season archive, as the CLI does (issue 15, item 3)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from web_helpers import BASE, copy_season, csrf_of, filled, logged_in, make_app, season_template_fixture  # noqa: F401

from bdg_workbook.archive.store import Archive
from bdg_workbook.domain.model import Setup


@pytest.fixture
def root(tmp_path: Path, season_template: Path, setup: Setup) -> Path:
    """A working folder with the 15 signed forms."""
    root = copy_season(season_template, tmp_path / "phuong", with_forms=False)
    shutil.copytree(season_template / "output", root / "output", dirs_exist_ok=True)
    return root


def test_a_collection_from_the_web_is_in_the_archive(root: Path, setup: Setup, tmp_path: Path) -> None:
    client = logged_in(*make_app(root))
    forms = root / "output" / str(setup.config.year)
    for code in ("HLHPN", "CA"):
        filled(setup, forms, code, root / "inbox" / f"TDCD_2024_{code}.xlsx")
    response = client.post("/tong-hop", data={"csrf_token": csrf_of(client)}, base_url=BASE, follow_redirects=True)
    assert "Đã tổng hợp 2 đơn vị" in response.get_data(as_text=True)
    with Archive(root / "archive.sqlite3") as archive:
        runs = archive.runs()
        assert [r.kind for r in runs] == ["collect"] and runs[0].files == 2
        assert archive.standings(2024)["HLHPN"].total is not None and archive.standings(2024)["HND"].status == "missing"

"""Issue 16 in the web app: the "Bổ sung" page shows each unit's state in the correction loop, writes the
phiếu đề nghị bổ sung with its marked workbook and draft, and records the officer's decisions."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from web_helpers import BASE, copy_season, csrf_of, logged_in, make_app, season_template_fixture  # noqa: F401

from bdg_workbook.corrections.journal import Journal
from bdg_workbook.demo.fill import fill_workbook, random_valid_answers
from bdg_workbook.demo.season import break_rules
from bdg_workbook.domain.model import Setup
from bdg_workbook.web.security import Limits
from bdg_workbook.workbook.generate import workbook_filename


@pytest.fixture
def season(tmp_path: Path, season_template: Path, setup: Setup):
    """A working folder whose inbox holds MTTQ's return with the demo's E03 and a clean HLHPN return."""
    root = copy_season(season_template, tmp_path / "phuong")
    config = root / "templates" / "config.yaml"        # the 2024 season closed long ago: keep it open here
    text = config.read_text(encoding="utf-8")
    assert "close_date: 2024-09-30" in text
    config.write_text(text.replace("close_date: 2024-09-30", "close_date: 2099-12-31"), encoding="utf-8")
    forms = root / "output" / str(setup.config.year)
    for code, broken in (("MTTQ", True), ("HLHPN", False)):
        dept = next(d for d in setup.departments if d.code == code)
        answers = random_valid_answers(setup, dept, random.Random(11))
        if broken:
            break_rules(setup, dept, answers)
        fill_workbook(forms / workbook_filename(setup, dept), root / "inbox" / workbook_filename(setup, dept), answers)
    app, guard = make_app(root, Limits())
    return root, logged_in(app, guard)


def test_the_loop_page_requests_a_fix_and_records_decisions(season, setup: Setup):
    root, client = season
    page = client.get("/bo-sung", base_url=BASE).get_data(as_text=True)
    assert "Trả lại để bổ sung" in page and "Cần bổ sung" in page            # MTTQ's E03 needs a fix
    assert "Cần bổ sung" in client.get("/tinh-hinh", base_url=BASE).get_data(as_text=True)   # the status table too
    csrf = csrf_of(client, "/bo-sung")

    done = client.post("/bo-sung/MTTQ/phieu", data={"csrf_token": csrf}, base_url=BASE, follow_redirects=True)
    text = done.get_data(as_text=True)
    assert "đã lập" in text, text[text.find("<main"):text.find("<main") + 1500]
    assert "đã lập phiếu đề nghị bổ sung lần 1" in text
    link = next(part.split('"')[0] for part in text.split('href="') if part.startswith("/tai/bo-sung/MTTQ/"))
    assert link.endswith((".docx", ".eml", ".xlsx"))
    got = client.get(link, base_url=BASE)
    assert got.status_code == 200 and len(got.data) > 1000

    clean = client.post("/bo-sung/HLHPN/phieu", data={"csrf_token": csrf}, base_url=BASE, follow_redirects=True)
    assert "không lập phiếu" in clean.get_data(as_text=True)                  # a clean return gets no letter

    refused = client.post("/bo-sung/MTTQ/quyet-dinh", data={"csrf_token": csrf, "action": "tu-choi", "reason": ""},
                          base_url=BASE, follow_redirects=True)
    assert "Chưa làm được" in refused.get_data(as_text=True)                 # a rejection needs a reason
    approved = client.post("/bo-sung/HLHPN/quyet-dinh", data={"csrf_token": csrf, "action": "duyet", "reason": ""},
                           base_url=BASE, follow_redirects=True)
    assert "HLHPN: đã ghi" in approved.get_data(as_text=True)

    journal = Journal(root / "output" / str(setup.config.year), setup.config.year)
    actions = [(e.unit, e.action) for e in journal.events]
    assert ("HLHPN", "approve") in actions and any(u == "MTTQ" for u, _a in actions)
    assert client.post("/bo-sung/MTTQ/quyet-dinh", data={"action": "duyet"}, base_url=BASE).status_code == 403


def test_loop_downloads_stay_inside_the_units_letters(season):
    _root, client = season
    for path in ("/tai/bo-sung/MTTQ/1/..%2F..%2Fkeys", "/tai/bo-sung/XX/1/a.docx", "/tai/bo-sung/MTTQ/1/a.txt"):
        assert client.get(path, base_url=BASE).status_code == 404

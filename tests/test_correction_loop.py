"""The correction loop (issue 16) end to end through the CLI: a unit returns a file with errors, the request is
written (letter opened in LibreOffice and printed to PDF, email parsed, problem cells marked in a new file), the
unit resubmits a corrected file, the comparison shows the fixed findings, the officer approves, the master counts it.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
import random
import shutil
import subprocess
from email import policy
from email.parser import BytesParser
from pathlib import Path

import openpyxl
import pytest
from libreoffice import soffice_available, to_pdf

from bdg_workbook.cli.main import main
from bdg_workbook.config.templates import TEMPLATES_DIR
from bdg_workbook.corrections.compare import compare_returns
from bdg_workbook.corrections.counting import apply_counting
from bdg_workbook.corrections.journal import Journal
from bdg_workbook.corrections.states import (
    APPROVED,
    NEEDS_FIX,
    RECEIVED,
    REJECTED,
    RESUBMITTED,
    UnitLoop,
)
from bdg_workbook.demo.fill import fill_workbook, random_valid_answers
from bdg_workbook.demo.season import break_rules
from bdg_workbook.documents.settings import LoopSettings
from bdg_workbook.untrusted.marking import MARK_FILL, MARK_SHEET

UNIT, CLEAN = "MTTQ", "HLHPN"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "docs"


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def season(setup, tmp_path, monkeypatch):
    """A working folder (its own signing key in keys/, forms signed with it), a config with the 'approved'
    counting rule and a far close date; MTTQ returns the demo's error (one document for two criteria, E03),
    HLHPN a clean file."""
    from bdg_workbook.trust.signing import KEY_ENV, ensure_key_pair, load_private_key
    from bdg_workbook.workbook.generate import generate_workbooks
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(KEY_ENV, raising=False)
    key = load_private_key(ensure_key_pair(tmp_path / "keys" / "ward-signing.key").private_path)
    forms = tmp_path / "forms"
    generate_workbooks(setup, forms, only=[UNIT, CLEAN], signer=key.sign)
    text = (TEMPLATES_DIR / "config.yaml").read_text(encoding="utf-8")
    assert "counted: all" in text and "close_date: 2024-09-30" in text
    config = tmp_path / "config.yaml"
    config.write_text(text.replace("counted: all", "counted: approved")
                      .replace("close_date: 2024-09-30", "close_date: 2099-12-31"), encoding="utf-8")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    rng = random.Random(16)
    answers = {}
    for code in (UNIT, CLEAN):
        dept = next(d for d in setup.departments if d.code == code)
        answers[code] = random_valid_answers(setup, dept, rng)
    for typed in answers.values():              # the unit types its results only; targets and N/A are the Ban's
        for item in typed.items.values():
            item.target, item.not_applicable = None, False
    broken = copy.deepcopy(answers[UNIT])
    break_rules(setup, next(d for d in setup.departments if d.code == UNIT), broken)
    fill_workbook(forms / f"TDCD_2024_{UNIT}.xlsx", inbox / f"TDCD_2024_{UNIT}.xlsx", broken)
    fill_workbook(forms / f"TDCD_2024_{CLEAN}.xlsx", inbox / f"TDCD_2024_{CLEAN}.xlsx", answers[CLEAN])
    return {"root": tmp_path, "inbox": inbox, "config": config, "answers": answers, "forms": forms}


def _run(runner, *args: str):
    return runner.invoke(main, list(args))


def _master_json(root: Path) -> dict:
    return json.loads((root / "output" / "2024" / "TONGHOP_2024_NHONHUNG.json").read_text("utf-8"))


def test_whole_loop(runner, setup, season):
    root, inbox, cfg = season["root"], season["inbox"], str(season["config"])
    original = inbox / f"TDCD_2024_{UNIT}.xlsx"
    original_sha = _sha(original)

    # 1. first collection: MTTQ has an error -> "cần bổ sung"; nobody is approved, so the master counts nobody
    first = _run(runner, "collect", str(inbox), "--config", cfg, "--jobs", "1")
    assert first.exit_code == 1, first.output
    assert f"Vòng bổ sung: {UNIT} → Cần bổ sung" in first.output and f"Vòng bổ sung: {CLEAN} → Đã nhận" in first.output
    data = _master_json(root)
    assert data["departments"] == [] and {f["department"] for f in data["findings"] if f["code"] == "L01"} == {
        UNIT, CLEAN}
    journal = Journal(root / "output" / "2024", 2024)
    loops = journal.loops([d.code for d in setup.departments])
    assert loops[UNIT].state == NEEDS_FIX and loops[UNIT].rounds == 1 and loops[CLEAN].state == RECEIVED
    assert [f["code"] for f in loops[UNIT].findings if f["severity"] == "error"] == ["E03"]
    assert all(e.by and e.time and e.reason for e in journal.events)

    # 2. the request: a clean unit gets none; MTTQ gets the letter, the marked workbook and the email
    none = _run(runner, "request-fix", CLEAN, "--config", cfg)
    assert none.exit_code == 0 and "không lập phiếu" in none.output
    assert not (root / "output" / "2024" / "corrections" / CLEAN / "lan-1").exists()
    done = _run(runner, "request-fix", UNIT, "--config", cfg)
    assert done.exit_code == 0, done.output
    folder = root / "output" / "2024" / "corrections" / UNIT / "lan-1"
    letter = folder / f"PHIEU_BO_SUNG_2024_{UNIT}_lan-1.docx"
    marked = folder / f"TDCD_2024_{UNIT}_can-sua.xlsx"
    draft = folder / f"PHIEU_BO_SUNG_2024_{UNIT}_lan-1.eml"
    assert letter.is_file() and marked.is_file() and draft.is_file()
    assert _sha(original) == original_sha                                   # the inbox file is never modified
    deadline = (dt.date.today() + dt.timedelta(days=5)).strftime("%d/%m/%Y")
    _check_letter(letter, deadline)
    _check_marked(marked, loops[UNIT].findings)
    _check_email(draft, deadline, letter.name, marked.name)

    # 3. the unit resubmits a corrected file (a new name beside the first, as a saved reply would be)
    fixed = season["answers"][UNIT]
    fixed.info["date"] = season["answers"][UNIT].info["date"] + dt.timedelta(days=1)
    fill_workbook(season["forms"] / f"TDCD_2024_{UNIT}.xlsx", inbox / f"TDCD_2024_{UNIT}_bosung.xlsx", fixed)
    second = _run(runner, "collect", str(inbox), "--config", cfg, "--jobs", "1")
    assert f"Vòng bổ sung: {UNIT} → Đã nộp lại" in second.output, second.output
    assert f"So sánh bài nộp lại của {UNIT}" in second.output and "[Đã sửa] E03" in second.output
    comparison = json.loads((root / "output" / "2024" / "corrections" / UNIT / "so-sanh_lan-1.json").read_text("utf-8"))
    assert [f["code"] for f in comparison["fixed_findings"]] == ["E03"]
    assert [f for f in comparison["remaining_findings"] + comparison["new_findings"] if f["severity"] == "error"] == []
    assert comparison["previous"]["sha256"] == original_sha and comparison["changed_criteria"]
    kept = list((root / "output" / "2024" / "corrections" / UNIT).glob(f"{original_sha[:8]}_*.xlsx"))
    assert len(kept) == 1 and _sha(kept[0]) == original_sha                # the previous file is kept
    assert _sha(original) == original_sha

    # 4. status shows the loop; the officer approves; the master now counts MTTQ (and still not HLHPN)
    status = _run(runner, "status", str(inbox), "--config", cfg, "--format", "json")
    assert json.loads(status.output)["loop"][UNIT] == {"state": RESUBMITTED, "state_vi": "Đã nộp lại", "rounds": 1,
                                                       "days_left": json.loads(status.output)["loop"][UNIT]["days_left"]}
    table = _run(runner, "status", str(inbox), "--config", cfg)
    assert "Đã nộp lại" in table.output and "Vòng bổ sung" in table.output
    approve = _run(runner, "approve", UNIT, "--config", cfg, "--reason", "Đã sửa đúng")
    assert approve.exit_code == 0 and "Đã nộp lại → Đã duyệt" in approve.output, approve.output
    third = _run(runner, "collect", str(inbox), "--config", cfg, "--jobs", "1")
    assert third.exit_code in (0, 1), third.output
    data = _master_json(root)
    assert [d["code"] for d in data["departments"]] == [UNIT]
    assert [f["department"] for f in data["findings"] if f["code"] == "L01"] == [CLEAN]
    loops = Journal(root / "output" / "2024", 2024).loops([d.code for d in setup.departments])
    assert loops[UNIT].state == APPROVED and loops[UNIT].history[-1].by == "Công chức Văn hóa - Xã hội (Thường trực Ban)"

    # 5. a rejection needs a reason; the log lists every change
    assert _run(runner, "reject", CLEAN, "--config", cfg).exit_code == 2
    assert _run(runner, "reject", CLEAN, "--config", cfg, "--reason", " ").exit_code == 2
    rejected = _run(runner, "reject", CLEAN, "--config", cfg, "--reason", "Nộp nhầm biểu mẫu năm trước")
    assert rejected.exit_code == 0 and "Bị từ chối" in rejected.output
    log = _run(runner, "loop-log", UNIT, "--config", cfg)
    assert "Duyệt" in log.output and "Đã sửa đúng" in log.output and "Lập phiếu đề nghị bổ sung" in log.output


def _check_letter(letter: Path, deadline: str) -> None:
    from docx import Document
    doc = Document(str(letter))
    text = "\n".join([p.text for p in doc.paragraphs] +
                     [c.text for t in doc.tables for row in t.rows for c in row.cells])
    assert "PHIẾU ĐỀ NGHỊ BỔ SUNG" in text and "Kính gửi: " in text and deadline in text
    findings = doc.tables[1]
    assert [c.text for c in findings.rows[0].cells] == ["TT", "Trang", "Dòng, ô", "Tiêu chí", "Nội dung chưa đúng",
                                                         "Cách sửa"]
    assert len(findings.rows) == 2 and findings.rows[1].cells[1].text == "Minh chứng"
    assert findings.rows[1].cells[2].text.startswith("dòng ") and findings.rows[1].cells[3].text == "II.3"
    if soffice_available():
        pdf = to_pdf([letter], letter.parent.parent / "pdf")[letter]
        assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 5_000
        if shutil.which("pdftoppm"):                  # page 1 for a person to look at
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            subprocess.run(["pdftoppm", "-r", "70", "-png", "-f", "1", "-l", "1", "-singlefile", str(pdf),
                            str(ARTIFACTS / letter.stem)], check=True, timeout=120)


def _check_marked(marked: Path, findings) -> None:
    book = openpyxl.load_workbook(marked)
    assert book.sheetnames[0] == MARK_SHEET
    error = next(f for f in findings if f["code"] == "E03")
    cell = book[error["sheet"]][error["cell"]]
    assert cell.fill.start_color.rgb.endswith(MARK_FILL) and "E03" in cell.comment.text
    assert "Cách sửa" in cell.comment.text
    assert [c.value for c in book[MARK_SHEET][2]][1:4] == ["E03", error["sheet"], error["cell"]]


def _check_email(draft: Path, deadline: str, letter_name: str, marked_name: str) -> None:
    msg = BytesParser(policy=policy.default).parsebytes(draft.read_bytes())
    assert msg["X-Unsent"] == "1" and "Đề nghị bổ sung" in str(msg["Subject"])
    body = msg.get_body(preferencelist=("plain",)).get_content()
    assert deadline in body and "Trang 'Minh chứng'" in body and "Cách sửa" in body
    names = sorted(part.get_filename() for part in msg.iter_attachments())
    assert names == sorted([letter_name, marked_name])


# ---------------------------------------------------------------- units


def test_comparison_sorts_findings_into_fixed_remaining_and_new():
    a = {"code": "E02", "criterion": "II.8", "cell": "G28", "sheet": "Chấm điểm", "severity": "error"}
    b = {"code": "E03", "criterion": "II.3", "cell": "D34", "sheet": "Minh chứng", "severity": "error"}
    c = {"code": "E07", "criterion": "I.5", "cell": "G18", "sheet": "Chấm điểm", "severity": "error"}
    before = {"file": "a.xlsx", "sha256": "1", "findings": [a, b], "points": {"II.8": ["10", "0"], "I.1": ["2", "2"]}}
    after = {"file": "b.xlsx", "sha256": "2", "findings": [b, c], "points": {"II.8": ["10", "10"], "I.1": ["2", "2"]}}
    comp = compare_returns("TYT", before, after)
    assert (comp.fixed, comp.remaining, comp.new) == ([a], [b], [c])
    assert comp.changed == [{"criterion": "II.8", "self_before": "10", "self_after": "10", "counted_before": "0",
                             "counted_after": "10"}]
    assert comp.summary().startswith("1 tiêu chí thay đổi; đã sửa 1, còn 1, mới phát sinh 1")


def test_counting_rule_all_keeps_today_behaviour_but_drops_rejected(setup, tmp_path):
    from bdg_workbook.collect.collector import collect
    from bdg_workbook.trust.signing import (
        KeyRing,
        ensure_key_pair,
        load_private_key,
        public_key_path,
    )
    from bdg_workbook.workbook.generate import generate_workbooks
    key_path = ensure_key_pair(tmp_path / "keys" / "ward-signing.key").private_path
    forms = generate_workbooks(setup, tmp_path / "forms", only=[UNIT, CLEAN], signer=load_private_key(key_path).sign)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    rng = random.Random(3)
    for form in forms:
        answers = random_valid_answers(setup, next(d for d in setup.departments if form.stem.endswith(d.code)), rng)
        for item in answers.items.values():
            item.target, item.not_applicable = None, False
        fill_workbook(form, inbox / form.name, answers)
    result = collect(inbox, setup, jobs=1, keyring=KeyRing.load(public_key_path(key_path)))
    assert sorted(r.department.code for r in result.departments) == sorted([UNIT, CLEAN])
    every = LoopSettings("x", 5, dt.date(2099, 1, 1), "all")
    assert apply_counting(result, {}, every) is result                     # no journal: exactly as in 2024
    loops = {UNIT: UnitLoop(UNIT, state=REJECTED)}
    counted = apply_counting(result, loops, every)
    assert [r.department.code for r in counted.departments] == [CLEAN] and counted.departments[0].rank == 1
    approved = LoopSettings("x", 5, dt.date(2099, 1, 1), "approved")
    assert apply_counting(result, {UNIT: UnitLoop(UNIT, state=APPROVED)}, approved).departments[0].department.code \
        == UNIT
    closed = LoopSettings("x", 5, dt.date(2000, 1, 1), "approved")              # deadline-closed: all but rejected
    assert len(apply_counting(result, {}, closed).departments) == 2


def test_journal_survives_a_torn_last_line(tmp_path, setup):
    from bdg_workbook.corrections.states import A_COMMENT, Event
    journal = Journal(tmp_path, 2024)
    journal.append([Event("2024-09-21T08:00:00+07:00", 2024, UNIT, A_COMMENT, "not_submitted", "A", "ghi chú")])
    with (tmp_path / "corrections.jsonl").open("a", encoding="utf-8") as fh:
        fh.write('{"time": "2024-09-2')                                    # power cut mid-write
    again = Journal(tmp_path, 2024)
    assert len(again.events) == 1 and "dòng 2 hỏng" in again.notes[0]
    again.append([Event("2024-09-22T08:00:00+07:00", 2024, UNIT, A_COMMENT, "not_submitted", "A", "lần hai")])
    third = Journal(tmp_path, 2024)
    assert [e.reason for e in third.events] == ["ghi chú", "lần hai"] and len(third.notes) == 1

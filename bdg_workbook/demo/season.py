"""The whole season on the built-in default in one run: generate, fill like departments, collect, report."""

from __future__ import annotations

import datetime as dt
import random
import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Callable

from bdg_workbook.collect.collector import collect
from bdg_workbook.demo.fill import Answers, BonusClaim, EvidenceRow, ItemAnswer, fill_workbook, random_valid_answers
from bdg_workbook.workbook.generate import generate_workbooks
from bdg_workbook.domain.model import Department, Setup
from bdg_workbook.domain.result import CollectResult
from bdg_workbook.trust.signing import KEY_DIR, KEY_FILE, KeyRing, ensure_key_pair, load_private_key, public_key_path

#: department code -> (what the demo breaks, how)
SCENARIOS: dict[str, str] = {
    "TYT": "có điểm nhưng không có minh chứng (tiêu chí II.8)",
    "MTTQ": "một văn bản kê cho hai tiêu chí (II.1 và II.3)",
    "DTN": "xin điểm thưởng IV.2 nhưng thuyết minh thiếu 'Sáng tạo' và 'Khả năng nhân rộng'",
    "CA": "nhập tỷ lệ 120% ở tiêu chí I.5",
    "HCCB": "nộp sau hạn nhưng tự chấm 'gửi đúng hạn' (III.2 chấm lại theo ngày nhận)",
}
NOT_RETURNING = "HND"


@dataclass
class DemoRun:
    """Where the demo put things and how long each step took."""

    forms: list[Path]
    inbox: Path
    key_id: str
    result: CollectResult
    timings: dict[str, float] = field(default_factory=dict)


def break_rules(setup: Setup, dept: Department, answers: Answers) -> None:
    """Apply this department's scenario (if any) to otherwise valid answers."""
    code = dept.code
    if code == "TYT":
        answers.items["II.8"] = ItemAnswer(Decimal(60))
        answers.evidence = [e for e in answers.evidence if e.code != "II.8"]
    elif code == "MTTQ":
        answers.items["II.1"] = ItemAnswer(Decimal(4))
        answers.items["II.3"] = ItemAnswer(Decimal(3))
        answers.evidence = [e for e in answers.evidence if e.code not in ("II.1", "II.3")]
        shared = "07/KH-MTTQ"
        answers.evidence += [
            EvidenceRow("II.1", "Hội nghị tuyên truyền Luật Bình đẳng giới tại khóm Sơn Đông", shared,
                        dt.date(2024, 3, 6), "UBMTTQ phường"),
            EvidenceRow("II.3", "Hưởng ứng ngày 8/3: hội nghị tuyên truyền tại khóm Sơn Đông", shared,
                        dt.date(2024, 3, 6), "UBMTTQ phường"),
        ]
    elif code == "DTN":
        answers.items["IV.2"] = ItemAnswer(True)
        fields = {f.key: f"{f.label}: có nội dung" for f in setup.table.justification_fields
                  if f.key not in ("sang_tao", "kha_nang_nhan_rong")}
        answers.bonus = [b for b in answers.bonus if b.code != "IV.2"]
        answers.bonus.append(BonusClaim("IV.2", f"Giấy khen của UBND {setup.config.above.name}", fields, "152/QĐ-UBND"))
    elif code == "CA":
        answers.items["I.5"] = ItemAnswer(Decimal(120))
    elif code == "HCCB" and setup.config.department_deadline:
        answers.info["date"] = setup.config.department_deadline + dt.timedelta(days=4)
        answers.items.update({c.code: ItemAnswer(True) for c in setup.table.criteria if c.on_time})


def run_demo(setup: Setup, out_dir: Path, seed: int = 2024, jobs: int | None = None,
             progress: Callable[[int, int], None] | None = None) -> DemoRun:
    """Generate every workbook, fill all but one as departments would, and collect them."""
    timings: dict[str, float] = {}
    key_path = out_dir / KEY_DIR / KEY_FILE
    ensure_key_pair(key_path)
    key = load_private_key(key_path)
    started = time.perf_counter()
    forms = generate_workbooks(setup, out_dir / str(setup.config.year), signer=key.sign)
    timings["generate"] = time.perf_counter() - started
    inbox = out_dir / "inbox"
    inbox.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    started = time.perf_counter()
    by_code = {d.code: d for d in setup.departments}
    for form in forms:
        code = form.stem.rsplit("_", 1)[-1]
        dept = by_code[code]
        answers = random_valid_answers(setup, dept, rng)
        if code == NOT_RETURNING:
            continue
        break_rules(setup, dept, answers)
        fill_workbook(form, inbox / form.name, answers)
    timings["fill"] = time.perf_counter() - started
    started = time.perf_counter()
    result = collect(inbox, setup, jobs=jobs, progress=progress, keyring=KeyRing.load(public_key_path(key_path)))
    timings["collect"] = time.perf_counter() - started
    return DemoRun(forms, inbox, key.key_id, result, timings)


def archive_demo(out_dir: Path, result: CollectResult, master: Path) -> list[str]:
    """Record the demo's collection in ``out_dir/archive.sqlite3`` and return what ``history`` would print."""
    from bdg_workbook.archive.compare import run_lines
    from bdg_workbook.archive.schema import ARCHIVE_FILE
    from bdg_workbook.archive.store import Archive
    with Archive(out_dir / ARCHIVE_FILE) as archive:
        archive.record_collection(result, str(master))
        return [f"Kho lưu trữ {archive.path} (bdg-workbook history --archive {archive.path}):"] + run_lines(archive.runs())

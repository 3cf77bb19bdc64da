"""Simulate a department filling its workbook: typed answers, realistic random answers, and writing them by name."""

from __future__ import annotations

import datetime as dt
import math
import os
import random
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from bdg_workbook.domain.errors import BdgError
from bdg_workbook.layout.department import EVIDENCE_ROWS, BONUS_ROWS, INFO_ROWS
from bdg_workbook.domain.model import CriteriaTable, Criterion, Department, Setup
from bdg_workbook.domain.scoring import (NO, NOT_APPLICABLE, YES, ItemInput, identifies_document, item_points,
                                         sheet_equal, sheet_trim)

Value = bool | Decimal | int | float | str | None


@dataclass
class ItemAnswer:
    """A criterion's answer: value (bool for yes/no, a number, or a raw string), target override, N/A."""

    value: Value = None
    target: Decimal | int | float | str | None = None   # None keeps the prefilled target; "" clears it
    not_applicable: bool | str = False   # True, or the exact text pasted into the N/A cell


@dataclass
class EvidenceRow:
    """One line of the evidence register."""

    code: str
    title: str = ""
    doc: str = ""
    date: dt.date | str | None = None
    issuer: str = ""
    file: str = ""
    note: str = ""


@dataclass
class BonusClaim:
    """One bonus justification row: criterion code, name, the justification fields by key, document."""

    code: str
    name: str = ""
    fields: dict[str, str] = field(default_factory=dict)
    doc: str = ""


@dataclass
class Answers:
    """Everything a department types into its workbook."""

    items: dict[str, ItemAnswer] = field(default_factory=dict)
    evidence: list[EvidenceRow] = field(default_factory=list)
    bonus: list[BonusClaim] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)

    def item_inputs(self, table: CriteriaTable, dept: Department | None = None) -> dict[str, ItemInput]:
        """What the sheet's formulas see, as scoring inputs (text in a number cell counts as empty); targets
        prefilled with the Ban's for ``dept`` (the table's defaults without it)."""
        out = {}
        for crit in table.criteria:
            ans = self.items.get(crit.code, ItemAnswer())
            target = None
            if crit.method == "ratio":
                ban = dept.target_for(crit) if dept is not None else crit.default_target
                target = ban if ans.target is None else _as_number(ans.target)
            na = ans.not_applicable if not isinstance(ans.not_applicable, str) else sheet_equal(
                ans.not_applicable, NOT_APPLICABLE)
            out[crit.code] = ItemInput(_sheet_value(crit, ans.value), target, na)
        return out

    def evidence_counts(self) -> dict[str, int]:
        """Rows per criterion code that the sheet's count column counts: a code and a reference that
        identifies a document (``scoring.identifies_document``)."""
        counts: dict[str, int] = {}
        for row in self.evidence:
            code = sheet_trim(row.code) if isinstance(row.code, str) else ""
            if code and identifies_document(row.doc):
                counts[code] = counts.get(code, 0) + 1
        return counts


def _as_number(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        return None
    return Decimal(str(value))


def _sheet_value(crit: Criterion, value: Value) -> bool | Decimal | None:
    if crit.method == "yesno":
        if value is True or sheet_equal(value, YES):
            return True
        return False if value is False or sheet_equal(value, NO) else None
    return _as_number(value)


# ---------------------------------------------------------------- writing


def fill_workbook(src: Path, dst: Path, answers: Answers) -> None:
    """Write ``answers`` into a copy of ``src`` at ``dst`` with openpyxl, finding every cell by defined name."""
    import openpyxl

    src, dst = Path(src), Path(dst)
    if src.resolve() == dst.resolve():
        raise BdgError(f"Không ghi đè tệp gốc {src}: chọn tệp đích khác.")
    wb = openpyxl.load_workbook(src)
    for code, ans in answers.items.items():
        key = code.replace(".", "_")
        if ans.value is not None:   # a percentage cell holds 85% as 0.85, as typing "85%" does (issue 13.6)
            value = ans.value
            if _is_percent_cell(wb, f"in_{key}_value") and isinstance(value, (int, float, Decimal)) \
                    and not isinstance(value, bool):
                value = Decimal(str(value)) / 100
            _put(wb, f"in_{key}_value", _cell_value(value))
        if ans.target is not None:
            _put(wb, f"in_{key}_target", None if ans.target == "" else _cell_value(ans.target))
        if ans.not_applicable:
            text = ans.not_applicable if isinstance(ans.not_applicable, str) else NOT_APPLICABLE
            _put(wb, f"in_{key}_na", text)
    if len(answers.evidence) > EVIDENCE_ROWS or len(answers.bonus) > BONUS_ROWS:
        raise BdgError(f"Quá nhiều dòng: tối đa {EVIDENCE_ROWS} minh chứng và {BONUS_ROWS} dòng điểm thưởng.")
    for i, row in enumerate(answers.evidence):
        for role in ("code", "title", "doc", "date", "issuer", "file", "note"):
            _put(wb, f"ev_{role}", _cell_value(getattr(row, role)), i)
    for i, claim in enumerate(answers.bonus):
        values = {"code": claim.code, "name": claim.name, "doc": claim.doc, **claim.fields}
        for role, value in values.items():
            _put(wb, f"bonus_{role}", _cell_value(value), i)
    for key, value in answers.info.items():
        _put(wb, f"info_{key}", _cell_value(value))
    _fit_rows(wb, [f"ev_{r}" for r in ("code", "title", "doc", "date", "issuer", "file", "note")],
              len(answers.evidence))
    _fit_rows(wb, [n for n in wb.defined_names if n.startswith("bonus_") and n != "bonus_complete"],
              len(answers.bonus))
    tmp = dst.with_name(f".{dst.name}.{uuid.uuid4().hex}.tmp")
    try:
        wb.save(tmp)
        os.replace(tmp, dst)
    finally:
        tmp.unlink(missing_ok=True)


def _fit_rows(wb: Any, names: list[str], count: int) -> None:
    """Give the first ``count`` rows of these one-column ranges a height that fits their wrapped text, as
    Excel and LibreOffice do when a person types it (LibreOffice does not re-fit rows of a file saved by a
    program, so its print would overlap the rows below: issue 13.9)."""
    from openpyxl.utils.cell import range_boundaries

    from bdg_workbook.workbook.styles import row_height

    need: dict[tuple[str, int], list[tuple[str, float]]] = {}
    for name in names:
        if name not in wb.defined_names:
            continue
        sheet, ref = next(iter(wb.defined_names[name].destinations))
        col, first, _c, _last = range_boundaries(ref.replace("$", ""))
        ws = wb[sheet]
        letter = ws.cell(row=first, column=col).column_letter
        width = max(1.0, (ws.column_dimensions[letter].width or 9.14) - 0.71)   # stored width has padding
        for row in range(first, first + count):
            value = ws.cell(row=row, column=col).value
            if isinstance(value, str) and value:
                need.setdefault((sheet, row), []).append((value, width))
    for (sheet, row), texts in need.items():
        dims = wb[sheet].row_dimensions[row]
        dims.height = max(dims.height or 0, row_height(texts))


def _is_percent_cell(wb: Any, name: str) -> bool:
    """Whether the named cell is formatted as a percentage (the form's percent criteria)."""
    if name not in wb.defined_names:
        return False
    sheet, ref = next(iter(wb.defined_names[name].destinations))
    return "%" in (wb[sheet][ref.replace("$", "")].number_format or "")


def _cell_value(value: Any) -> Any:
    if value is True:
        return YES
    if value is False:
        return NO
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _put(wb: Any, name: str, value: Any, index: int = 0) -> None:
    """Set the ``index``-th cell of the defined name ``name`` (a single cell or a one-column range)."""
    from openpyxl.utils.cell import range_boundaries

    if name not in wb.defined_names:
        raise BdgError(f"Biểu mẫu không có tên '{name}'.")
    sheet, ref = next(iter(wb.defined_names[name].destinations))
    min_col, min_row, _max_col, max_row = range_boundaries(ref.replace("$", ""))
    if min_row + index > max_row:
        raise BdgError(f"Vùng '{name}' chỉ có {max_row - min_row + 1} dòng.")
    cell = wb[sheet].cell(row=min_row + index, column=min_col)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"   # typed text, never a formula


# ---------------------------------------------------------------- random answers

FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Châu")
MIDDLE = ("Thị", "Văn", "Ngọc", "Minh", "Thanh", "Hoàng", "Kim", "Hữu", "Thị Mỹ", "Thị Kim")
GIVEN = ("Lan", "Hoa", "Hùng", "Dũng", "Mai", "Thảo", "Tâm", "Phúc", "Hạnh", "Nhung", "Sơn", "Tuấn", "Yến",
         "Trang", "Bích", "Khánh", "Nga", "Phương", "Sang", "Quyên")
POSITIONS = ("Phó Chủ tịch", "Ủy viên Ban Thường vụ", "Cán bộ chuyên trách", "Văn thư", "Phó Bí thư",
             "Công chức", "Phó Trưởng trạm", "Giáo viên, thư ký hội đồng")
DOC_KINDS = ("KH", "CV", "BC", "TB", "QĐ", "BB", "GM", "DS")
PLACES = ("khóm Sơn Đông", "khóm Sơn Tây", "khóm Hòa Hưng", "khóm Trà Sư", "khóm Xuân Bình", "hội trường UBND phường")
MODELS = ("Tổ phụ nữ tiết kiệm giúp nhau thoát nghèo", "Câu lạc bộ “Nam giới chia sẻ việc nhà”",
          "Góc tư vấn pháp luật bình đẳng giới trên Zalo", "Nhóm “Ngôi nhà an toàn” tại khóm",
          "Mô hình “Gia đình 5 không 3 sạch”", "Tủ sách bình đẳng giới tại nhà văn hóa khóm")


def _person(rng: random.Random) -> str:
    return f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"


def _day(rng: random.Random, first: dt.date, last: dt.date) -> dt.date:
    return first + dt.timedelta(days=rng.randint(0, max(0, (last - first).days)))


class _Docs:
    """Unique document numbers for one department."""

    def __init__(self, rng: random.Random, dept: Department) -> None:
        self.rng, self.dept, self.used = rng, dept, set()

    def next(self) -> str:
        """A document number not used before by this department."""
        while True:
            doc = f"{self.rng.randint(1, 199):02d}/{self.rng.choice(DOC_KINDS)}-{self.dept.code}"
            if doc not in self.used:
                self.used.add(doc)
                return doc


def _random_value(rng: random.Random, crit: Criterion, dept: Department) -> tuple[Value, Decimal | None]:
    """A plausible (value, target override) for one criterion (a higher target only where the unit may propose)."""
    if crit.method == "yesno":
        return rng.random() < 0.8, None
    if crit.method == "percent":
        return (rng.choice((100, 100, 90, 80, 75, 60, 50)) if rng.random() < 0.7
                else Decimal(str(round(rng.uniform(30, 100), 1)))), None
    if crit.method == "count":
        return 0, None
    target = dept.target_for(crit) or Decimal(1)
    override = None
    if crit.target_proposable and rng.random() < 0.4:
        override = target + rng.choice((0, 1, 2, 10))
        target = override
    share = rng.choice((0, 0.5, 0.75, 1, 1, 1, 1.25, 1.5, 2))
    value = Decimal(str(round(float(target) * share)))
    if "%" in crit.unit and rng.random() < 0.5:
        value = Decimal(str(round(float(target) * share + rng.uniform(-3, 3), 1))).max(Decimal(0))
    return value, override


def random_valid_answers(setup: Setup, dept: Department, rng: random.Random) -> Answers:
    """Varied, realistic, valid answers: evidence for every scored item, complete bonus claims, unique documents."""
    table, cfg = setup.table, setup.config
    answers, docs = Answers(), _Docs(rng, dept)
    for sec in table.sections_of("base"):
        for crit in sec.criteria:
            if dept.may_be_na(crit) and crit.code not in dept.main_criteria and rng.random() < 0.35:
                answers.items[crit.code] = ItemAnswer(not_applicable=True)
                continue
            value, target = _random_value(rng, crit, dept)
            answers.items[crit.code] = ItemAnswer(value, target)
    for crit in table.sections_of("bonus")[0].criteria:
        if rng.random() < 0.45:
            answers.items[crit.code] = ItemAnswer(*_bonus_value(rng, crit))
    for crit in table.sections_of("penalty")[0].criteria:
        chance = 0.25 if crit.max <= 6 else 0.05
        if rng.random() < chance:
            answers.items[crit.code] = ItemAnswer(rng.randint(1, 2))
    inputs = answers.item_inputs(table, dept)
    for crit in table.criteria:
        points = item_points(crit, inputs[crit.code])
        if points > 0 and crit.section in {s.code for s in table.sections_of("base")}:
            for _ in range(rng.choice((1, 1, 2, 3))):
                answers.evidence.append(_evidence(rng, crit, dept, docs.next(), cfg.period_start, cfg.period_end))
        elif points > 0 and crit.section == table.sections_of("bonus")[0].code:
            _add_claims(rng, table, crit, inputs[crit.code], answers, docs, dept, cfg.period_start, cfg.period_end)
    rng.shuffle(answers.evidence)
    answers.info = _info(rng, dept, cfg.period_end, cfg.department_deadline or cfg.period_end)
    return answers


def _bonus_value(rng: random.Random, crit: Criterion) -> tuple[Value, None]:
    if crit.method == "count":
        return rng.randint(1, max(1, int(crit.max / (crit.points_each or 1)))), None
    return True, None


def _add_claims(rng: random.Random, table: CriteriaTable, crit: Criterion, inp: ItemInput, answers: Answers,
                docs: _Docs, dept: Department, first: dt.date, last: dt.date) -> None:
    count = 1 if crit.method != "count" else math.ceil(item_points(crit, inp) / (crit.points_each or 1))
    for _ in range(count):
        doc = docs.next()
        name = rng.choice(MODELS)
        answers.evidence.append(_evidence(rng, crit, dept, doc, first, last, name))
        fields = {f.key: f"{f.label}: {_justification(rng, f.key, name)}" for f in table.justification_fields}
        answers.bonus.append(BonusClaim(crit.code, name, fields, doc))


def _justification(rng: random.Random, key: str, name: str) -> str:
    texts = {
        "diem_moi": f"lần đầu triển khai “{name}” trên địa bàn phường",
        "cach_lam_hay": "phân công hội viên nòng cốt phụ trách từng khóm, sinh hoạt định kỳ hằng tháng",
        "sang_tao": "kết hợp sinh hoạt trực tiếp với nhóm Zalo để tư vấn, nhắc lịch",
        "hieu_qua": f"thu hút {rng.randint(15, 80)} thành viên, {rng.randint(2, 9)} trường hợp được hỗ trợ kịp thời",
        "kha_nang_nhan_rong": "đã được Ban giới thiệu cho các khóm còn lại học tập, nhân rộng",
    }
    return texts.get(key, f"có nội dung cụ thể về {name.lower()}")


def _evidence(rng: random.Random, crit: Criterion, dept: Department, doc: str, first: dt.date, last: dt.date,
              name: str | None = None) -> EvidenceRow:
    kind = rng.choice(crit.evidence) if crit.evidence else "Văn bản minh chứng"
    title = f"{kind} — {name}" if name else f"{kind} ({rng.choice(PLACES)})"
    return EvidenceRow(code=crit.code, title=title, doc=doc, date=_day(rng, first, last), issuer=dept.short_name,
                       file=f"{crit.code.replace('.', '_')}_{doc.split('/')[0]}.pdf",
                       note=rng.choice(("", "", "Bản chụp gửi kèm", "Có danh sách người dự")))


def _info(rng: random.Random, dept: Department, period_end: dt.date, deadline: dt.date) -> dict[str, Any]:
    keys = {k for k, (_r, _l, is_input) in INFO_ROWS.items() if is_input}
    values = {
        "preparer": _person(rng), "position": rng.choice(POSITIONS),
        "phone": "09" + "".join(str(rng.randint(0, 9)) for _ in range(8)),
        "email": dept.email or f"{dept.code.lower()}.nhonhung@gmail.com", "head": _person(rng),
        "date": _day(rng, min(period_end, deadline) - dt.timedelta(days=20), deadline),
    }
    return {k: v for k, v in values.items() if k in keys}

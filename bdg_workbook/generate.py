"""Department scoring workbooks with xlsxwriter: one protected, printable, deterministic .xlsx per department."""

from __future__ import annotations

import copy
import datetime as dt
import io
import os
import uuid
from pathlib import Path
from typing import Callable, Mapping, Sequence

from xlsxwriter.workbook import Workbook

from .errors import BdgError
from .gen_plan import Plan, build_plan
from .gen_score import write_score_sheet
from .gen_sheets import (list_sources, meta_values, write_bonus_sheet, write_evidence_sheet, write_guide_sheet,
                         write_info_sheet, write_meta_sheet)
from .gen_styles import FONT, Styles
from .layout import (SHEET_BONUS, SHEET_EVIDENCE, SHEET_GUIDE, SHEET_INFO, SHEET_META, SHEET_SCORE, absolute)
from .locked import expected_locked_content, locked_hash
from .model import Department, Setup
from .xlsx_guard import PrintWorksheet, checked, guard

__all__ = ["build_workbook", "generate_workbooks", "expected_locked_content", "workbook_filename"]

Signer = Callable[[Mapping[str, str]], tuple[str, str]]   # meta -> (key_id, signature), e.g. SigningKey.sign

WORKBOOK_OPTIONS = {
    "in_memory": True, "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False,
    "default_format_properties": {"font_name": FONT, "font_size": 12, "font_scheme": "none"}, "default_row_height": 21,
}


def workbook_filename(setup: Setup, dept: Department) -> str:
    """``TDCD_<year>_<CODE>.xlsx``."""
    return f"TDCD_{setup.config.year}_{dept.code}.xlsx"


def build_workbook(setup: Setup, dept: Department, signer: Signer | None = None) -> bytes:
    """One department's workbook, in memory (meta signed by ``signer`` if given, else key_id/signature empty)."""
    return _build(build_plan(setup), dept, signer)


def _build(plan: Plan, dept: Department, signer: Signer | None = None) -> bytes:
    buffer = io.BytesIO()
    with guard(f"biểu mẫu {dept.code}"):
        wb = Workbook(buffer, copy.deepcopy(WORKBOOK_OPTIONS))   # xlsxwriter mutates the options it is given
        issued = dt.datetime.combine(plan.setup.config.issue_date, dt.time(8, 0))
        wb.set_properties({"title": f"Bảng tự chấm điểm {plan.year} - {dept.name}", "author": "bdg-workbook",
                           "company": plan.setup.config.aggregator_name, "created": issued})
        st = Styles(wb)
        sheets = {name: wb.add_worksheet(name, worksheet_class=PrintWorksheet)
                  for name in (SHEET_GUIDE, SHEET_INFO, SHEET_SCORE, SHEET_EVIDENCE, SHEET_BONUS, SHEET_META)}
        long_lists, sources = list_sources(plan, SHEET_META)
        write_guide_sheet(sheets[SHEET_GUIDE], st, plan, dept)
        write_info_sheet(sheets[SHEET_INFO], st, plan, dept)
        write_score_sheet(sheets[SHEET_SCORE], st, plan, dept)
        write_evidence_sheet(sheets[SHEET_EVIDENCE], st, plan, dept, sources["evidence"])
        write_bonus_sheet(sheets[SHEET_BONUS], st, plan, sources["bonus"])
        meta = meta_values(plan, dept, locked_hash(expected_locked_content(plan.setup, dept)))
        if signer is not None:
            meta["key_id"], meta["signature"] = signer(dict(meta))
        write_meta_sheet(sheets[SHEET_META], st, meta, long_lists)
        for name, (sheet, cell) in plan.lay.names.items():
            checked(wb.define_name(name, "=" + absolute(sheet, cell)), f"tên {name}")
        wb.close()
    return buffer.getvalue()


def generate_workbooks(setup: Setup, out_dir: Path, only: Sequence[str] | None = None,
                       signer: Signer | None = None) -> list[Path]:
    """Write ``out_dir/TDCD_<year>_<CODE>.xlsx`` for every department (or those in ``only``), atomically."""
    depts = _select(setup, only)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    plan = build_plan(setup)
    written = []
    for dept in depts:
        path = out_dir / workbook_filename(setup, dept)
        write_atomic(path, _build(plan, dept, signer))
        written.append(path)
    return written


def _select(setup: Setup, only: Sequence[str] | None) -> list[Department]:
    if not only:
        return list(setup.departments)
    known = {d.code: d for d in setup.departments}
    unknown = [code for code in only if code not in known]
    if unknown:
        raise BdgError(f"Mã đơn vị không có trong danh sách đơn vị: {', '.join(unknown)}. "
                       f"Các mã hợp lệ: {', '.join(known)}.")
    wanted = set(only)
    return [d for d in setup.departments if d.code in wanted]


def write_atomic(path: Path, data: bytes) -> None:
    """Write to a temporary file in the same folder, then rename it into place."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex}.tmp")
    try:
        with open(tmp, "xb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise

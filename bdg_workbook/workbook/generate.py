"""Department scoring workbooks with xlsxwriter: one protected, printable, deterministic .xlsx per department."""

from __future__ import annotations

import copy
import datetime as dt
import io
from pathlib import Path
from typing import Sequence

from xlsxwriter.workbook import Workbook

from bdg_workbook.writing.safe_text import atomic_write_bytes
from bdg_workbook.domain.errors import BdgError
from bdg_workbook.domain.selection import parse_codes
from bdg_workbook.workbook.department import DeptForm, Signer, dept_form, dept_locked_hash
from bdg_workbook.workbook.plan import Plan, build_plan
from bdg_workbook.workbook.scoring_sheet import write_score_sheet
from bdg_workbook.workbook.other_sheets import (list_sources, write_bonus_sheet, write_evidence_sheet, write_guide_sheet, write_info_sheet,
                         write_meta_sheet)
from bdg_workbook.workbook.styles import FONT, Styles
from bdg_workbook.layout.department import (SHEET_BONUS, SHEET_CHECK, SHEET_EVIDENCE, SHEET_GUIDE, SHEET_INFO, SHEET_META,
                                            SHEET_SCORE, SHEETS, absolute)
from bdg_workbook.workbook.check_sheet import write_check_sheet
from bdg_workbook.workbook.print_setup import add_input_cues
from bdg_workbook.workbook.locked import expected_locked_content
from bdg_workbook.domain.model import Department, Setup
from bdg_workbook.workbook.strict_writer import PrintWorksheet, checked, guard
from bdg_workbook.workbook.structure_lock import lock_structure

__all__ = ["Signer", "build_workbook", "expected_locked_content", "generate_workbooks", "workbook_filename"]

PLAN_CACHE = 4   # setups whose plan build_workbook keeps (a season's run uses one)
_PLANS: dict[int, tuple[Setup, Plan]] = {}

WORKBOOK_OPTIONS = {
    "in_memory": True, "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False,
    "default_format_properties": {"font_name": FONT, "font_size": 12, "font_scheme": "none"}, "default_row_height": 21,
}


def workbook_filename(setup: Setup, dept: Department) -> str:
    """``TDCD_<year>_<CODE>.xlsx``."""
    return f"TDCD_{setup.config.year}_{dept.code}.xlsx"


def build_workbook(setup: Setup, dept: Department, signer: Signer | None = None) -> bytes:
    """One department's workbook, in memory (meta signed by ``signer`` if given, else key_id/signature empty).

    Built in one go with xlsxwriter's public API (deterministic: same setup, same bytes); the setup's plan is
    kept for the last few setups.
    """
    plan = setup_plan(setup)
    return _build(plan, dept_form(plan, dept, dept_locked_hash(plan, dept), signer))


def setup_plan(setup: Setup) -> Plan:
    """The plan of ``setup`` (the same object), kept for the last ``PLAN_CACHE`` setups."""
    entry = _PLANS.get(id(setup))
    if entry is not None and entry[0] is setup:   # the entry holds the setup, so its id is not reused
        return entry[1]
    plan = build_plan(setup)
    while len(_PLANS) >= PLAN_CACHE:
        _PLANS.pop(next(iter(_PLANS)))
    _PLANS[id(setup)] = (setup, plan)
    return plan


def _build(plan: Plan, form: DeptForm) -> bytes:
    """The workbook of ``form``."""
    buffer = io.BytesIO()
    with guard(f"biểu mẫu {form.texts['code']}"):
        wb = Workbook(buffer, copy.deepcopy(WORKBOOK_OPTIONS))   # xlsxwriter mutates the options it is given
        issued = dt.datetime.combine(plan.setup.config.issue_date, dt.time(8, 0))
        wb.set_properties({"title": form.texts["doc_title"], "author": "bdg-workbook",
                           "company": plan.setup.config.aggregator_name, "created": issued})
        st = Styles(wb)
        sheets = {name: wb.add_worksheet(name, worksheet_class=PrintWorksheet)
                  for name in SHEETS}
        add_input_cues(sheets, plan.lay, st["input_cue"])    # first: LibreOffice applies the first true format
        long_lists, sources = list_sources(plan, SHEET_META)
        write_guide_sheet(sheets[SHEET_GUIDE], st, plan, form)
        write_info_sheet(sheets[SHEET_INFO], st, plan, form)
        write_score_sheet(sheets[SHEET_SCORE], st, plan, form)
        write_evidence_sheet(sheets[SHEET_EVIDENCE], st, plan, form, sources["evidence"])
        write_bonus_sheet(sheets[SHEET_BONUS], st, plan, sources["bonus"])
        write_check_sheet(sheets[SHEET_CHECK], st, plan, form)
        write_meta_sheet(sheets[SHEET_META], st, dict(form.meta), long_lists)
        for name, (sheet, cell) in plan.lay.names.items():
            checked(wb.define_name(name, "=" + absolute(sheet, cell)), f"tên {name}")
        wb.close()
    return lock_structure(buffer.getvalue())   # no sheet added/renamed in Excel's UI (issue 12)


def generate_workbooks(setup: Setup, out_dir: Path, only: Sequence[str] | None = None,
                       signer: Signer | None = None) -> list[Path]:
    """Write ``out_dir/TDCD_<year>_<CODE>.xlsx`` for every department (or those in ``only``), atomically."""
    depts = _select(setup, only)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for dept in depts:
        path = out_dir / workbook_filename(setup, dept)
        atomic_write_bytes(path, build_workbook(setup, dept, signer))
        written.append(path)
    return written


def _select(setup: Setup, only: Sequence[str] | None) -> list[Department]:
    only = parse_codes(only)    # as ``mail --only``: repeated, comma-separated, any case
    if not only:
        return list(setup.departments)
    known = {d.code: d for d in setup.departments}
    unknown = [code for code in only if code not in known]
    if unknown:
        raise BdgError(f"Mã đơn vị không có trong danh sách đơn vị: {', '.join(unknown)}. "
                       f"Các mã hợp lệ: {', '.join(known)}.")
    wanted = set(only)
    return [d for d in setup.departments if d.code in wanted]

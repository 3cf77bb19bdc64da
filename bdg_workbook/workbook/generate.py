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
from bdg_workbook.workbook.department import DeptForm, DeptShape, Signer, dept_form, dept_locked_hash
from bdg_workbook.workbook.fast_build import Template
from bdg_workbook.workbook.plan import Plan, build_plan
from bdg_workbook.workbook.scoring_sheet import write_score_sheet
from bdg_workbook.workbook.other_sheets import (list_sources, write_bonus_sheet, write_evidence_sheet, write_guide_sheet, write_info_sheet,
                         write_meta_sheet)
from bdg_workbook.workbook.styles import FONT, Styles
from bdg_workbook.layout.department import (SHEET_BONUS, SHEET_EVIDENCE, SHEET_GUIDE, SHEET_INFO, SHEET_META, SHEET_SCORE, absolute)
from bdg_workbook.workbook.locked import expected_locked_content, locked_hash
from bdg_workbook.domain.model import Department, Setup
from bdg_workbook.workbook.strict_writer import PrintWorksheet, checked, guard

__all__ = ["Signer", "WorkbookFactory", "build_workbook", "build_workbook_plain", "expected_locked_content",
           "generate_workbooks", "workbook_factory", "workbook_filename"]

FACTORY_CACHE = 4   # setups whose templates build_workbook keeps (a season's run uses one)
_FACTORIES: dict[int, tuple[Setup, "WorkbookFactory"]] = {}

WORKBOOK_OPTIONS = {
    "in_memory": True, "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False,
    "default_format_properties": {"font_name": FONT, "font_size": 12, "font_scheme": "none"}, "default_row_height": 21,
}


def workbook_filename(setup: Setup, dept: Department) -> str:
    """``TDCD_<year>_<CODE>.xlsx``."""
    return f"TDCD_{setup.config.year}_{dept.code}.xlsx"


def build_workbook(setup: Setup, dept: Department, signer: Signer | None = None) -> bytes:
    """One department's workbook, in memory (meta signed by ``signer`` if given, else key_id/signature empty).

    Fast path: the setup's ``WorkbookFactory`` (kept for the last few setups) derives it from a template
    of the department's shape; the bytes equal ``build_workbook_plain``'s.
    """
    return workbook_factory(setup).build(dept, signer)


def build_workbook_plain(setup: Setup, dept: Department, signer: Signer | None = None) -> bytes:
    """The same workbook built in one go with xlsxwriter, nothing reused (reference and benchmark baseline)."""
    plan = build_plan(setup)
    digest = locked_hash(expected_locked_content(setup, dept))
    return _build(plan, dept_form(plan, dept, digest, signer))


class WorkbookFactory:
    """Department workbooks of one setup: one xlsxwriter build per department shape, texts filled in per department."""

    def __init__(self, setup: Setup) -> None:
        self.plan = build_plan(setup)
        self.templates: dict[DeptShape, Template | None] = {}
        self.counts = {"fast": 0, "plain": 0}

    def build(self, dept: Department, signer: Signer | None = None) -> bytes:
        """The department's workbook, byte-identical to ``build_workbook_plain``."""
        form = dept_form(self.plan, dept, dept_locked_hash(self.plan, dept), signer)
        template = self.template(form)
        data = template.derive(form) if template is not None else None
        self.counts["fast" if data is not None else "plain"] += 1
        return data if data is not None else _build(self.plan, form)

    def template(self, form: DeptForm) -> Template | None:
        """The template of ``form``'s shape, built on first use (None when that shape is built plainly)."""
        if form.shape not in self.templates:
            marked = form.placeholder()
            try:
                data, strings = _write(self.plan, marked)
            except BdgError:
                self.templates[form.shape] = None   # the plain build will raise with the department's own text
            else:
                self.templates[form.shape] = Template.cut(data, strings, marked)
        return self.templates[form.shape]


def workbook_factory(setup: Setup) -> WorkbookFactory:
    """The factory of ``setup`` (the same object), kept for the last ``FACTORY_CACHE`` setups."""
    entry = _FACTORIES.get(id(setup))
    if entry is not None and entry[0] is setup:   # the entry holds the setup, so its id is not reused
        return entry[1]
    factory = WorkbookFactory(setup)
    while len(_FACTORIES) >= FACTORY_CACHE:
        _FACTORIES.pop(next(iter(_FACTORIES)))
    _FACTORIES[id(setup)] = (setup, factory)
    return factory


def _build(plan: Plan, form: DeptForm) -> bytes:
    return _write(plan, form)[0]


def _write(plan: Plan, form: DeptForm) -> tuple[bytes, list[str]]:
    """The workbook of ``form`` and its shared strings in index order."""
    buffer = io.BytesIO()
    with guard(f"biểu mẫu {form.texts['code']}"):
        wb = Workbook(buffer, copy.deepcopy(WORKBOOK_OPTIONS))   # xlsxwriter mutates the options it is given
        issued = dt.datetime.combine(plan.setup.config.issue_date, dt.time(8, 0))
        wb.set_properties({"title": form.texts["doc_title"], "author": "bdg-workbook",
                           "company": plan.setup.config.aggregator_name, "created": issued})
        st = Styles(wb)
        sheets = {name: wb.add_worksheet(name, worksheet_class=PrintWorksheet)
                  for name in (SHEET_GUIDE, SHEET_INFO, SHEET_SCORE, SHEET_EVIDENCE, SHEET_BONUS, SHEET_META)}
        long_lists, sources = list_sources(plan, SHEET_META)
        write_guide_sheet(sheets[SHEET_GUIDE], st, plan, form)
        write_info_sheet(sheets[SHEET_INFO], st, plan, form)
        write_score_sheet(sheets[SHEET_SCORE], st, plan, form)
        write_evidence_sheet(sheets[SHEET_EVIDENCE], st, plan, form, sources["evidence"])
        write_bonus_sheet(sheets[SHEET_BONUS], st, plan, sources["bonus"])
        write_meta_sheet(sheets[SHEET_META], st, dict(form.meta), long_lists)
        for name, (sheet, cell) in plan.lay.names.items():
            checked(wb.define_name(name, "=" + absolute(sheet, cell)), f"tên {name}")
        wb.close()
    return buffer.getvalue(), list(wb.str_table.string_array)


def generate_workbooks(setup: Setup, out_dir: Path, only: Sequence[str] | None = None,
                       signer: Signer | None = None) -> list[Path]:
    """Write ``out_dir/TDCD_<year>_<CODE>.xlsx`` for every department (or those in ``only``), atomically."""
    depts = _select(setup, only)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    factory = workbook_factory(setup)
    written = []
    for dept in depts:
        path = out_dir / workbook_filename(setup, dept)
        atomic_write_bytes(path, factory.build(dept, signer))
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

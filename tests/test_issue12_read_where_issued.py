"""Issue 12 items 1, 3, 4 and 12 (part): read only where the form was issued, every locked cell checked,
numbers as the spreadsheet holds them, an unreadable file named as such, W04 showing the cached value.

Every bad file is built from a generated, signed and filled workbook by raw zip/XML edits (tests/hostile.py,
tests/issue12_edits.py): no spreadsheet library re-saves it, so the very thing under test stays in the file.
"""

from __future__ import annotations

import io
import os
import re
import zipfile
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

import issue12_edits as edits
from hostile import filled, locate, number_cell, pack, signed_forms, text_cell, unpack
from bdg_workbook.collect.collector import InputFile, collect_files
from bdg_workbook.domain.result import STATUS_COLLECTED
from bdg_workbook.layout.department import (SCORE_COLUMNS, SHEET_BONUS, SHEET_EVIDENCE, SHEET_GUIDE, SHEET_SCORE,
                                             layout_of)
from bdg_workbook.trust.signing import KeyRing
from bdg_workbook.untrusted.form_contract import form_contract, issued_cells
from bdg_workbook.untrusted.workbook_reader import read_bytes

CODES = ["HLHPN", "CA", "TYT"]


@pytest.fixture(scope="module")
def ward(setup, tmp_path_factory):
    """Signed forms of three units, each filled with valid answers; the ward's key ring."""
    root = tmp_path_factory.mktemp("issue12")
    forms, public = signed_forms(setup, root, CODES)
    data = {}
    (root / "filled").mkdir()
    for i, form in enumerate(forms):
        data[form.stem.rsplit("_", 1)[-1]] = filled(setup, form, root / "filled" / form.name, seed=100 + i)
    return {"data": data, "ring": KeyRing.load(public), "forms": {f.stem.rsplit("_", 1)[-1]: f for f in forms}}


def collect(setup, ring, files: dict[str, bytes], folder: Path):
    """Write ``files`` (name -> bytes) into ``folder`` and collect them (one worker)."""
    folder.mkdir(parents=True, exist_ok=True)
    items = []
    for name, body in files.items():
        (folder / name).write_bytes(body)
        items.append(InputFile(folder / name, name))
    return collect_files(setup, items, str(folder), jobs=1, keyring=ring)


def findings_of(result, name: str) -> list:
    return [f for f in result.findings if f.file == name]


def status_of(result, name: str) -> str:
    return next(f.status for f in result.files if f.display_name == name)


def issued_ref(setup, name: str) -> tuple[str, str]:
    sheet, cell = layout_of(setup.table).names[name]
    return sheet, cell


# ---------------------------------------------------------------- item 1: read only where the form was issued


def test_a_name_redirected_to_a_hidden_cell_is_a_file_level_error(setup, ward, tmp_path):
    sheet, cell = issued_ref(setup, "in_II_5_value")
    data = edits.put(ward["data"]["CA"], SHEET_SCORE, "Z200", number_cell("Z200", "1000"))
    data = edits.redirect_name(data, "in_II_5_value", f"'{SHEET_SCORE}'!$Z$200")
    result = collect(setup, ward["ring"], {"ca.xlsx": data}, tmp_path)
    found = [f for f in findings_of(result, "ca.xlsx") if f.code == "F32"]
    assert found, [f.text() for f in result.findings]
    message = found[0].message
    assert "in_II_5_value" in message and "Z$200" in message and f"'{SHEET_SCORE}'!{cell}" in message
    assert status_of(result, "ca.xlsx") != STATUS_COLLECTED
    assert "CA" not in {r.department.code for r in result.departments}


def test_a_name_redirected_to_an_added_sheet_is_a_file_level_error(setup, ward, tmp_path):
    data = edits.add_sheet(ward["data"]["CA"], "Nháp", "veryHidden",
                           '<row r="20"><c r="G20" t="n"><v>1000</v></c></row>')
    data = edits.redirect_name(data, "in_II_5_value", "'Nháp'!$G$20")
    result = collect(setup, ward["ring"], {"ca.xlsx": data}, tmp_path)
    found = [f for f in findings_of(result, "ca.xlsx") if f.code in ("F32", "F33")]
    assert found and "Nháp" in found[0].message, [f.text() for f in result.findings]
    assert "CA" not in {r.department.code for r in result.departments}


def test_an_nfd_twin_of_the_scoring_sheet_is_a_file_level_error(setup, ward, tmp_path):
    """A very-hidden sheet named with the NFD spelling of 'Chấm điểm', the names pointing at it."""
    twin = edits.nfd(SHEET_SCORE)
    assert twin != SHEET_SCORE
    sheet, cell = issued_ref(setup, "in_II_5_value")
    data = edits.add_sheet(ward["data"]["CA"], twin, "veryHidden",
                           f'<row r="{cell[1:]}"><c r="{cell}" t="n"><v>1000</v></c></row>')
    members = unpack(data)
    book = members["xl/workbook.xml"].decode("utf-8")
    members["xl/workbook.xml"] = re.sub(r"(<definedName name=\"in_II_5_value\"[^>]*>)'[^']*'",
                                        lambda m: m.group(1) + f"'{twin}'", book).encode("utf-8")
    result = collect(setup, ward["ring"], {"ca.xlsx": pack(members)}, tmp_path)
    found = [f for f in findings_of(result, "ca.xlsx") if f.code == "F33"]
    assert found, [f.text() for f in result.findings]
    assert "NFD" in found[0].message and SHEET_SCORE in found[0].message
    assert "CA" not in {r.department.code for r in result.departments}


@pytest.mark.parametrize("change", ["missing_bonus_sheet", "renamed_evidence_sheet", "deleted_name",
                                    "name_in_other_case", "sheet_scoped_name"])
def test_sheets_and_names_must_be_those_issued(setup, ward, tmp_path, change):
    data = ward["data"]["HLHPN"]
    if change == "missing_bonus_sheet":
        data, code = edits.remove_sheet(data, SHEET_BONUS), "F33"
    elif change == "renamed_evidence_sheet":
        data, code = edits.rename_sheet(data, SHEET_EVIDENCE, "Minh chung"), "F33"
    elif change == "deleted_name":
        data, code = edits.delete_name(data, "in_II_1_value"), "F32"
    elif change == "name_in_other_case":     # Excel names ignore case: IN_II_1_VALUE is in_II_1_value
        members = unpack(data)
        book = members["xl/workbook.xml"].decode("utf-8").replace(
            "</definedNames>", f"<definedName name=\"IN_II_1_VALUE\">'{SHEET_SCORE}'!$Z$9</definedName></definedNames>")
        members["xl/workbook.xml"] = book.encode("utf-8")
        data, code = pack(members), "F32"
    else:                                    # a name local to a sheet wins over the global one in its formulas
        members = unpack(data)
        book = members["xl/workbook.xml"].decode("utf-8").replace(
            "</definedNames>", f"<definedName name=\"ev_code\" localSheetId=\"2\">'{SHEET_EVIDENCE}'!$H$5:$H$154"
                               "</definedName></definedNames>")
        members["xl/workbook.xml"] = book.encode("utf-8")
        data, code = pack(members), "F32"
    result = collect(setup, ward["ring"], {"x.xlsx": data}, tmp_path)
    assert code in {f.code for f in findings_of(result, "x.xlsx")}, [f.text() for f in result.findings]
    assert status_of(result, "x.xlsx") != STATUS_COLLECTED


def test_values_are_read_at_the_issued_cells(setup, ward):
    """With every name intact, the reader takes the contract's cells (and nothing through the file's names)."""
    contract = form_contract(setup)
    sub = read_bytes(ward["data"]["CA"], "ca.xlsx", "ca.xlsx", contract=contract)
    lay = layout_of(setup.table)
    for name in ("in_II_5_value", "info_preparer", "pts_I_1", "total", "txt_II_1"):
        sheet, cell = lay.names[name]
        got = sub.inputs.get(name) or sub.computed.get(name) or sub.locked.get(name)
        assert (got.sheet, got.ref) == (sheet, cell)


def test_generated_workbooks_lock_their_structure(generated_workbooks):
    path = sorted(generated_workbooks.glob("*.xlsx"))[0]
    book = zipfile.ZipFile(path).read("xl/workbook.xml").decode("utf-8")
    assert re.search(r'<workbookProtection [^>]*lockStructure="1"', book)
    assert book.index("<workbookProtection") < book.index("<sheets>")
    import openpyxl
    assert openpyxl.load_workbook(path).security.lockStructure


def test_structure_lock_is_deterministic_and_idempotent():
    from bdg_workbook.workbook.structure_lock import legacy_password_hash, lock_structure
    import xlsxwriter
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    book.add_worksheet("A").write_string(0, 0, "x")
    book.close()
    locked = lock_structure(buffer.getvalue())
    assert lock_structure(buffer.getvalue()) == locked and lock_structure(locked) == locked
    assert legacy_password_hash("bdg") == "CC24"          # the sheets' hash, as xlsxwriter writes it
    with zipfile.ZipFile(io.BytesIO(locked)) as zf, zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as original:
        assert zf.namelist() == original.namelist()
        assert all(zf.read(n) == original.read(n) for n in zf.namelist() if n != "xl/workbook.xml")


# ---------------------------------------------------------------- item 3: every locked cell checked


def _locked_samples(setup, code: str) -> dict[str, tuple[str, str]]:
    """One cell of each kind the old check ignored: column A, D and E of a criterion, a section header, the
    guide sheet, the evidence register's numbering, a blank locked cell."""
    lay = layout_of(setup.table)
    row = lay.criterion_rows["II.3"]
    section = lay.section_rows["II"]
    dept = next(d for d in setup.departments if d.code == code)
    issued = issued_cells(setup, dept)
    guide = next(c.ref for (s, _r, _c), c in sorted(issued.items()) if s == SHEET_GUIDE and isinstance(c.value, str))
    inputs = form_contract(setup).inputs
    blank = next(c.ref for position, c in sorted(issued.items())
                 if position[0] == SHEET_SCORE and c.is_blank and position[1] > lay.last_row and position not in inputs)
    return {"code_A": (SHEET_SCORE, f"A{row}"), "method_D": (SHEET_SCORE, f"D{row}"),
            "unit_E": (SHEET_SCORE, f"E{row}"), "section": (SHEET_SCORE, f"B{section}"),
            "guide": (SHEET_GUIDE, guide), "evidence_no": (SHEET_EVIDENCE, "A5"), "blank": (SHEET_SCORE, blank)}


@pytest.mark.parametrize("kind", ["code_A", "method_D", "unit_E", "section", "guide", "evidence_no", "blank"])
def test_every_locked_cell_is_compared_with_the_issued_form(setup, ward, tmp_path, kind):
    sheet, ref = _locked_samples(setup, "TYT")[kind]
    data = edits.put(ward["data"]["TYT"], sheet, ref, text_cell(ref, "đã sửa"))
    result = collect(setup, ward["ring"], {"tyt.xlsx": data}, tmp_path)
    assert ("E13", sheet, ref) in {(f.code, f.sheet, f.cell) for f in findings_of(result, "tyt.xlsx")}, \
        [f.text() for f in findings_of(result, "tyt.xlsx")]


def _run(setup, xml: str) -> tuple[str, int, int]:
    """A column and rows of the scoring sheet holding one formula filled down (three rows)."""
    lay = layout_of(setup.table)
    rows = range(min(lay.criterion_rows.values()), lay.last_row + 1)
    for column in SCORE_COLUMNS:
        run = edits.shareable_run(xml, column, rows)
        if run is not None:
            return column, run[0], run[1]
    pytest.fail("no formula filled down over three rows on the scoring sheet")


def _score_xml(data: bytes) -> str:
    from hostile import sheet_parts
    members = unpack(data)
    return members[sheet_parts(members)[SHEET_SCORE]].decode("utf-8")


def test_shared_formulas_as_excel_saves_them_are_expanded_and_match(setup, ward, tmp_path):
    data = ward["data"]["TYT"]
    column, first, last = _run(setup, _score_xml(data))
    shared = edits.share_formulas(data, SHEET_SCORE, column, first, last)
    sub = read_bytes(shared, "tyt.xlsx", "tyt.xlsx", contract=form_contract(setup))
    original = read_bytes(data, "tyt.xlsx", "tyt.xlsx", contract=form_contract(setup))
    assert sub.computed == original.computed and sub.area == original.area
    result = collect(setup, ward["ring"], {"tyt.xlsx": shared}, tmp_path)
    assert not [f for f in findings_of(result, "tyt.xlsx") if f.code == "E13" and f.sheet == SHEET_SCORE
                and f.cell in {f"{column}{r}" for r in range(first, last + 1)}]


def test_a_shared_formula_standing_for_another_formula_is_e13(setup, ward, tmp_path):
    """A shared dependant means its master's formula shifted: put where the form has another formula, or under
    an edited master, it is an edited locked cell (the old check skipped every shared formula)."""
    data = ward["data"]["TYT"]
    column, first, last = _run(setup, _score_xml(data))
    master = edits.formula_of(_score_xml(data), f"{column}{first}")
    shared = edits.share_formulas(data, SHEET_SCORE, column, first, last, master_formula=master + "+1")
    result = collect(setup, ward["ring"], {"tyt.xlsx": shared}, tmp_path)
    cells = {f.cell for f in findings_of(result, "tyt.xlsx") if f.code == "E13"}
    assert {f"{column}{r}" for r in range(first, last + 1)} <= cells, cells


def _resaved_findings(setup, ward, paths: list[Path]) -> dict[str, list]:
    from bdg_workbook.collect.rules.pipeline import analyse
    from bdg_workbook.collect.rules.batch import identify
    contract = form_contract(setup)
    inputs = set(layout_of(setup.table).input_names())
    out = {}
    for path in paths:
        sub = read_bytes(path.read_bytes(), path.name, path.name, contract=contract)
        dept, rejected = identify(setup, sub)
        assert dept is not None, [f.text() for f in rejected]
        analysis = analyse(setup, sub, dept, ward["ring"])
        out[path.name] = [f for f in analysis.findings if f.code == "E13" and f.value != "(không có)"
                          and not any(f"'{n}'" in f.message for n in inputs)]
    return out


def test_files_resaved_by_gnumeric_raise_no_false_e13(setup, ward, tmp_path):
    """ssconvert saves a formula with a text result as a shared string (the rating) and writes ``--X`` as
    ``-(-X)``: neither is an edited locked cell."""
    import shutil
    import subprocess
    if shutil.which("ssconvert") is None:
        pytest.fail("Cần Gnumeric (ssconvert) để chạy kiểm tra này.")
    sources = [ward["forms"]["HLHPN"], tmp_path / "filled_ca.xlsx"]
    sources[1].write_bytes(ward["data"]["CA"])
    out = []
    for src in sources:
        dst = tmp_path / "gnumeric" / src.name
        dst.parent.mkdir(exist_ok=True)
        done = subprocess.run(["ssconvert", "--recalc", str(src), str(dst)], capture_output=True, timeout=120)
        assert done.returncode == 0 and dst.is_file(), done.stderr[-500:]
        out.append(dst)
    assert b't="s"><f>' in _rating_cell_xml(out[0], setup) or b"<f>" in _rating_cell_xml(out[0], setup)
    found = _resaved_findings(setup, ward, out)
    assert found == {p.name: [] for p in out}, {k: [f.text() for f in v] for k, v in found.items()}


def _rating_cell_xml(path: Path, setup) -> bytes:
    from hostile import sheet_parts
    members = unpack(path.read_bytes())
    sheet, cell = layout_of(setup.table).names["rating"]
    xml = members[sheet_parts(members)[sheet]]
    m = re.search(rb'<c r="%s"[^>]*>.*?</c>' % cell.encode(), xml, re.S)
    return m.group(0) if m else b""


@pytest.mark.libreoffice
def test_files_resaved_by_libreoffice_and_openpyxl_raise_no_false_e13(setup, ward, tmp_path):
    import libreoffice
    import openpyxl
    src = tmp_path / "src" / "filled_tyt.xlsx"
    src.parent.mkdir()
    src.write_bytes(ward["data"]["TYT"])
    saved = libreoffice.save_with_libreoffice([src, ward["forms"]["CA"]], tmp_path / "lo")
    resaved = tmp_path / "openpyxl" / "filled_tyt.xlsx"
    resaved.parent.mkdir()
    book = openpyxl.load_workbook(src)
    book.save(resaved)
    paths = [*saved.values(), resaved]
    found = _resaved_findings(setup, ward, paths)
    assert found == {p.name: [] for p in paths}, {k: [f.text() for f in v] for k, v in found.items()}
    # openpyxl (the demo's filling) keeps the structure lock; LibreOffice 7.4 opens the file but writes an
    # empty <workbookProtection/> back (measured): the collector's own structure check does not rely on it
    assert openpyxl.load_workbook(resaved).security.lockStructure


# ---------------------------------------------------------------- item 4: numbers as the spreadsheet holds them


def _half_cent_case(setup, dept_code: str) -> tuple[str, Decimal, Decimal, Decimal]:
    """A ratio criterion, its issued target, and a value whose points fall on a half cent."""
    dept = next(d for d in setup.departments if d.code == dept_code)
    issued = issued_cells(setup, dept)
    lay = layout_of(setup.table)
    for crit in setup.table.criteria:
        if crit.method != "ratio":
            continue
        sheet, cell = lay.names[f"in_{crit.key}_target"]
        m = re.match(r"([A-Z]+)([0-9]+)", cell)
        target_cell = issued.get((sheet, int(m.group(2)), ord(m.group(1)) - 64))
        target = target_cell.value if target_cell is not None and isinstance(target_cell.value, Decimal) \
            else Decimal(crit.default_target or 0)
        if not target:
            continue
        value = edits.half_cent_value(Decimal(crit.max), target)
        if value is not None:
            return crit.key, target, value, (Decimal(crit.max) * value / target).quantize(Decimal("0.01"),
                                                                                         ROUND_HALF_UP)
    pytest.fail("no ratio criterion with a half-cent value")


def _applicable(setup, data: bytes, key: str) -> bytes:
    """The criterion's "Không áp dụng" cell cleared (if it has one)."""
    names = layout_of(setup.table).names
    if f"in_{key}_na" not in names:
        return data
    sheet, cell = names[f"in_{key}_na"]
    return edits.put(data, sheet, cell, f'<c r="{cell}"/>')


def test_a_number_in_excels_17_digit_form_scores_as_the_spreadsheet_shows_it(setup, ward, tmp_path):
    key, target, value, points = _half_cent_case(setup, "CA")
    lay = layout_of(setup.table)
    _sheet, value_cell = lay.names[f"in_{key}_value"]
    _sheet, target_cell = lay.names[f"in_{key}_target"]
    typed = edits.excel_17(str(value))
    assert Decimal(typed) != value                        # e.g. 8.3699999999999992 for 8.37
    data = edits.put(ward["data"]["CA"], SHEET_SCORE, value_cell, number_cell(value_cell, typed))
    data = edits.put(data, SHEET_SCORE, target_cell, number_cell(target_cell, str(target)))
    data = _applicable(setup, data, key)
    sub = read_bytes(data, "ca.xlsx", "ca.xlsx", contract=form_contract(setup))
    assert sub.inputs[f"in_{key}_value"].value == value
    result = collect(setup, ward["ring"], {"ca.xlsx": data}, tmp_path)
    counted = {r.department.code: r for r in result.departments}["CA"]
    code = next(c.code for c in setup.table.criteria if c.key == key)
    assert counted.self_card.items[code].formula_points == points


@pytest.mark.libreoffice
def test_collector_equals_libreoffice_cell_for_cell_on_17_digit_numbers(setup, ward, tmp_path):
    """Every number input of three filled returns rewritten in Excel's 17-digit form (plus one half-cent case);
    LibreOffice recalculates them; the collector's points equal LibreOffice's, criterion by criterion."""
    import libreoffice
    lay = layout_of(setup.table)
    key, target, value, _points = _half_cent_case(setup, "CA")
    sources = []
    for code, data in ward["data"].items():
        refs = [lay.names[n][1] for n in lay.input_names() if n.startswith("in_") and lay.names[n][0] == SHEET_SCORE]
        if code == "CA":
            data = edits.put(data, SHEET_SCORE, lay.names[f"in_{key}_value"][1],
                             number_cell(lay.names[f"in_{key}_value"][1], str(value)))
            data = edits.put(data, SHEET_SCORE, lay.names[f"in_{key}_target"][1],
                             number_cell(lay.names[f"in_{key}_target"][1], str(target)))
            data = _applicable(setup, data, key)
        data = edits.excel_numbers(data, SHEET_SCORE, refs)
        path = tmp_path / "src" / f"excel17_{code}.xlsx"
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(data)
        sources.append(path)
    saved = libreoffice.recalc(sources, tmp_path / "lo")
    contract = form_contract(setup)
    result = collect(setup, ward["ring"], {p.name: p.read_bytes() for p in sources}, tmp_path / "inbox")
    by_file = {r.file: r for r in result.departments}
    compared = 0
    for src, dst in saved.items():
        lo = read_bytes(dst.read_bytes(), dst.name, dst.name, contract=contract)
        mine = by_file[src.name].self_card
        for crit in setup.table.criteria:
            shown = lo.computed[f"pts_{crit.key}"].value
            assert shown == mine.items[crit.code].formula_points, (src.name, crit.code, shown)
            compared += 1
        assert lo.computed["total"].value == mine.total, src.name
    assert compared == len(sources) * len(setup.table.criteria)


# ---------------------------------------------------------------- item 12: unreadable file, W04's value


def test_an_unreadable_file_gets_its_own_vietnamese_finding(setup, ward, tmp_path, monkeypatch):
    folder = tmp_path / "inbox"
    folder.mkdir()
    path = folder / "khoa_quyen.xlsx"
    path.write_bytes(ward["data"]["CA"])
    path.chmod(0)
    if os.geteuid() == 0:       # root reads a mode-000 file anyway: the operating system's refusal, injected
        import builtins
        from bdg_workbook.untrusted import workbook_reader

        def refusing_open(file, *args, **kwargs):
            if Path(file) == path:
                raise PermissionError(13, "Permission denied", str(file))
            return builtins.open(file, *args, **kwargs)
        monkeypatch.setattr(workbook_reader, "open", refusing_open, raising=False)
    try:
        result = collect_files(setup, [InputFile(path, path.name)], str(folder), jobs=1, keyring=ward["ring"])
    finally:
        path.chmod(0o644)
    found = findings_of(result, path.name)
    assert [f.code for f in found] == ["F31"], [f.text() for f in found]
    assert "không có quyền đọc tệp" in found[0].message and "Permission" not in found[0].message


def test_w04_shows_the_cached_value_not_the_formula(setup, ward, tmp_path):
    sheet, cell = issued_ref(setup, "total")
    members = unpack(ward["data"]["CA"])
    target = locate(members, "total")
    xml = members[target.part].decode("utf-8")
    formula = edits.formula_of(xml, cell)
    formula_xml = formula.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    data = edits.put(ward["data"]["CA"], sheet, cell, f'<c r="{cell}"><f>{formula_xml}</f><v>199.5</v></c>')
    result = collect(setup, ward["ring"], {"ca.xlsx": data}, tmp_path)
    found = [f for f in findings_of(result, "ca.xlsx") if f.code == "W04" and f.cell == cell]
    assert found and found[0].value == "199.5" and "199.5" in found[0].message, \
        [f.text() for f in findings_of(result, "ca.xlsx")]
    assert "=" not in found[0].value

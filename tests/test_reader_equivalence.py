"""The fast reader and the reference reader read the same cells (issue 6).

``xlsxcells`` reads sheets and shared strings with the fast byte reader (``xlsxfast``) and falls back
to the defused ElementTree reader for anything unusual. Every workbook here is read both ways
(``xlsxcells.FAST_READER`` on and off) and the outcomes must be identical: the same ``Submission``,
or the same ``WorkbookError`` code. The workbooks: generated blank forms, forms filled by ``fill.py``,
the reader fixtures (most saved by LibreOffice), files saved by LibreOffice in one soffice batch, and
hand-made XML edge cases and random byte damage on top of a filled form.
"""

from __future__ import annotations

import contextlib
from decimal import Decimal
import io
import random
import re
import zipfile
from pathlib import Path
from typing import Callable, Iterator

import pytest

from bdg_workbook.untrusted import cells as xlsxcells
from bdg_workbook.untrusted import fast_xml as xlsxfast
from bdg_workbook.domain.errors import WorkbookError
from bdg_workbook.demo.fill import fill_workbook, random_valid_answers
from bdg_workbook.domain.model import Setup
from bdg_workbook.untrusted.workbook_reader import read_bytes
from bdg_workbook.domain.submission import Submission
from bdg_workbook.untrusted.container import SafeZip

FIXTURES = Path(__file__).parent / "fixtures" / "returned"
FILLED_CODES = ("HLHPN", "CA", "TYT", "DTN")
Outcome = tuple[str, object]


# ---------------------------------------------------------------- reading both ways


@contextlib.contextmanager
def reader(fast: bool) -> Iterator[None]:
    """Use the fast reader (with its fallback) or only the reference reader inside the block."""
    before = xlsxcells.FAST_READER
    xlsxcells.FAST_READER = fast
    try:
        yield
    finally:
        xlsxcells.FAST_READER = before


def outcome(data: bytes, fast: bool) -> Outcome:
    """``("ok", Submission)`` or ``("error", code)``; any other exception fails the test."""
    with reader(fast):
        try:
            return "ok", read_bytes(data, "book.xlsx", "book.xlsx")
        except WorkbookError as exc:
            return "error", exc.code


def assert_same(data: bytes) -> Outcome:
    """Both readers give the same outcome; returns it."""
    fast, reference = outcome(data, True), outcome(data, False)
    assert fast == reference, _difference(fast, reference)
    return fast


def _difference(fast: Outcome, reference: Outcome) -> str:
    if fast[0] != "ok" or reference[0] != "ok":
        return f"fast {fast}, reference {reference}"
    a, b = fast[1], reference[1]
    assert isinstance(a, Submission) and isinstance(b, Submission)
    lines = [f"{kind} {name}: fast {getattr(a, kind).get(name)} != reference {cell}"
             for kind in ("inputs", "computed", "locked") for name, cell in getattr(b, kind).items()
             if getattr(a, kind).get(name) != cell]
    if a.evidence != b.evidence:
        lines.append(f"evidence: fast {a.evidence} != reference {b.evidence}")
    if a.bonus != b.bonus or a.meta != b.meta:
        lines.append(f"bonus or meta differ: {a.bonus} {a.meta} / {b.bonus} {b.meta}")
    lines += [f"area {p}: fast {a.area.get(p)} != reference {cell}" for p, cell in b.area.items()
              if a.area.get(p) != cell][:10]
    return "\n".join(lines) or "submissions differ"


@contextlib.contextmanager
def fast_only() -> Iterator[None]:
    """Fail if the reference reader is asked for anything (the fast reader must read it all itself)."""
    saved = xlsxcells._scan_sheet_reference, xlsxcells._shared_strings_reference

    def refuse(*_args: object) -> None:
        raise AssertionError("the fast reader fell back to the reference reader")

    xlsxcells._scan_sheet_reference = xlsxcells._shared_strings_reference = refuse
    try:
        with reader(True):
            yield
    finally:
        xlsxcells._scan_sheet_reference, xlsxcells._shared_strings_reference = saved


# ---------------------------------------------------------------- workbooks


@pytest.fixture(scope="module")
def filled(setup: Setup, generated_workbooks: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A few departments' forms filled with random valid answers (openpyxl, inline strings)."""
    out = tmp_path_factory.mktemp("filled")
    rng = random.Random(6)
    paths = {}
    for code in FILLED_CODES:
        dept = next(d for d in setup.departments if d.code == code)
        form = generated_workbooks / f"TDCD_{setup.config.year}_{code}.xlsx"
        paths[code] = out / form.name
        fill_workbook(form, paths[code], random_valid_answers(setup, dept, rng))
    return paths


@pytest.fixture(scope="module")
def base(filled: dict[str, Path]) -> bytes:
    """The filled form the edge cases are built on."""
    return filled["HLHPN"].read_bytes()


@pytest.fixture(scope="module")
def lo_base() -> bytes:
    """A filled form saved by LibreOffice (shared strings, cached formula results)."""
    return (FIXTURES / "lo_saved_valid_mttq.xlsx").read_bytes()


def real_workbooks(generated: Path, filled: dict[str, Path]) -> list[Path]:
    """Generated forms, filled forms and the reader fixtures."""
    return sorted(generated.glob("*.xlsx")) + list(filled.values()) + sorted(FIXTURES.glob("*.xlsx"))


def test_real_workbooks_read_the_same_both_ways(generated_workbooks: Path, filled: dict[str, Path]):
    paths = real_workbooks(generated_workbooks, filled)
    assert len(paths) >= 30
    for path in paths:
        assert assert_same(path.read_bytes())[0] == "ok", path.name


def test_fast_reader_reads_real_workbooks_without_falling_back(generated_workbooks: Path,
                                                               filled: dict[str, Path]):
    for path in real_workbooks(generated_workbooks, filled):
        with fast_only():
            read_bytes(path.read_bytes(), path.name, path.name)


@pytest.mark.libreoffice
def test_workbooks_saved_by_libreoffice_read_the_same(generated_workbooks: Path, filled: dict[str, Path],
                                                      tmp_path: Path):
    libreoffice = pytest.importorskip("libreoffice")
    if not libreoffice.soffice_available():
        pytest.fail("LibreOffice (soffice) không có trên máy (CI cài libreoffice-calc-nogui)")
    taken = {f.name for f in filled.values()}
    blank = next(p for p in sorted(generated_workbooks.glob("*.xlsx")) if p.name not in taken)
    saved = libreoffice.save_with_libreoffice([blank, *filled.values()], tmp_path / "lo")
    for path in saved.values():
        data = path.read_bytes()
        assert b"xl/sharedStrings.xml" in data           # LibreOffice writes shared strings
        assert assert_same(data)[0] == "ok", path.name
        with fast_only():
            read_bytes(data, path.name, path.name)


# ---------------------------------------------------------------- hand-made XML


def members(data: bytes) -> dict[str, bytes]:
    """Every member of a zip, in order."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {info.filename: zf.read(info) for info in zf.infolist()}


def pack(parts: dict[str, bytes]) -> bytes:
    """A zip of the parts."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, body in parts.items():
            zf.writestr(name, body)
    return buffer.getvalue()


def locate(data: bytes, name: str) -> tuple[str, str]:
    """(sheet part, first cell) of a defined name."""
    pkg = xlsxcells.Package(SafeZip(data))
    target = pkg.resolve(name)
    assert target is not None, name
    return pkg.sheet_parts[target.sheet], xlsxcells.ref_name(target.first_row, target.first_col)


def with_cell(data: bytes, name: str, cell_xml: str) -> bytes:
    """The workbook with the cell of ``name`` replaced by ``cell_xml`` (``{r}`` is its address)."""
    part, ref = locate(data, name)
    parts = members(data)
    xml = parts[part].decode("utf-8")
    pattern = re.compile(r'<c r="%s"(?:\s[^>]*?)?(?:/>|>.*?</c>)' % ref, re.S)
    assert pattern.search(xml), (name, ref)
    parts[part] = pattern.sub(lambda _m: cell_xml.replace("{r}", ref), xml, count=1).encode("utf-8")
    return pack(parts)


def with_part(data: bytes, part_of: Callable[[bytes], str], change: Callable[[bytes], bytes]) -> bytes:
    """The workbook with one part changed."""
    parts = members(data)
    part = part_of(data)
    parts[part] = change(parts[part])
    return pack(parts)


def sheet_of(name: str) -> Callable[[bytes], str]:
    """The sheet part a defined name points at."""
    return lambda data: locate(data, name)[0]


def read_value(data: bytes, name: str) -> object:
    """The value the (fast) reader reads for a single-cell name."""
    sub = read_bytes(data, "book.xlsx", "book.xlsx")
    cell = {**sub.inputs, **sub.computed, **sub.locked}[name]
    return (cell.value, cell.formula, cell.error)


TEXT = "in_I_1_value"          # a yes/no input: text
NUMBER = "in_II_1_value"       # a ratio input: number
INFO = "info_preparer"

CELLS: dict[str, tuple[str, str, object]] = {   # id -> (name, cell XML, value the reader must give, or None)
    "rich_text": (TEXT, '<c r="{r}" t="inlineStr"><is><r><rPr><b/><sz val="12"/></rPr><t>Có</t></r>'
                        '<r><t xml:space="preserve"> thêm</t></r></is></c>', ("Có thêm", None, None)),
    "phonetic_run": (TEXT, '<c r="{r}" t="inlineStr"><is><t>Có</t><rPh sb="0" eb="1"><t>ko</t></rPh>'
                           '<phoneticPr fontId="1"/></is></c>', ("Cóko", None, None)),
    "control_escape": (INFO, '<c r="{r}" t="inlineStr"><is><t>An_x0007_ Bình_x000D_</t></is></c>',
                       ("An Bình", None, None)),
    "shared_formula_master": (NUMBER, '<c r="{r}"><f t="shared" ref="{r}:{r}" si="0">1+1</f><v>2</v></c>', None),
    "shared_formula_dependent": (NUMBER, '<c r="{r}"><f t="shared" si="0"/><v>4</v></c>', None),
    "array_formula": (NUMBER, '<c r="{r}"><f t="array" ref="{r}">SUM(1)</f><v>1</v></c>', None),
    # issue 12: Excel's 17 significant digits read as the double they stand for; Gnumeric's text-result
    # formula (a shared-string index) keeps its formula
    "seventeen_digits": (NUMBER, '<c r="{r}"><v>8.3699999999999992</v></c>', (Decimal("8.37"), None, None)),
    "seventeen_digits_large": (NUMBER, '<c r="{r}"><v>19.989999999999998</v></c>', (Decimal("19.99"), None, None)),
    "formula_with_shared_string_result": (TEXT, '<c r="{r}" t="s"><f>IF(1,"Có")</f><v>0</v></c>', None),
    "boolean_true": (TEXT, '<c r="{r}" t="b"><v>1</v></c>', (True, None, None)),
    "boolean_word": (TEXT, '<c r="{r}" t="b"><v>true</v></c>', None),
    "boolean_empty": (TEXT, '<c r="{r}" t="b"/>', (False, None, None)),
    "error": (NUMBER, '<c r="{r}" t="e"><v>#DIV/0!</v></c>', (None, None, "#DIV/0!")),
    "error_empty": (NUMBER, '<c r="{r}" t="e"/>', None),
    "nan": (NUMBER, '<c r="{r}"><v>NaN</v></c>', None),
    "infinity": (NUMBER, '<c r="{r}" t="n"><v>-Infinity</v></c>', None),
    "exponent": (NUMBER, '<c r="{r}"><v>1E-3</v></c>', None),
    "spaces_around_number": (NUMBER, '<c r="{r}"><v> 12 </v></c>', None),
    "huge_number": (NUMBER, '<c r="{r}"><v>1e400</v></c>', None),
    "text_in_v": (NUMBER, '<c r="{r}"><v>abc</v></c>', None),
    "full_width_digit": (NUMBER, '<c r="{r}"><v>２</v></c>', ("２", None, "#NUM")),
    "underscore_in_number": (NUMBER, '<c r="{r}"><v>1_0</v></c>', ("1_0", None, "#NUM")),
    "empty_v": (NUMBER, '<c r="{r}"><v></v></c>', None),
    "number_by_reference": (NUMBER, '<c r="{r}"><v>1&#48;</v></c>', None),
    "shared_index_not_a_number": (TEXT, '<c r="{r}" t="s"><v>abc</v></c>', None),
    "shared_empty": (TEXT, '<c r="{r}" t="s"/>', None),
    "shared_index_out_of_range": (TEXT, '<c r="{r}" t="s"><v>99999</v></c>', None),
    "formula_string": (TEXT, '<c r="{r}" t="str"><f>"Có"</f><v>Có</v></c>', None),
    "date_type": (TEXT, '<c r="{r}" t="d"><v>2024-05-01</v></c>', None),
    "inline_empty": (TEXT, '<c r="{r}" t="inlineStr"><is/></c>', None),
    "inline_without_is": (TEXT, '<c r="{r}" t="inlineStr"><v>5</v></c>', None),
    "inline_and_v": (TEXT, '<c r="{r}" t="inlineStr"><v>5</v><is><t>x</t></is></c>', None),
    "is_in_number_cell": (NUMBER, '<c r="{r}"><is><t>7</t></is></c>', None),
    "entities": (INFO, '<c r="{r}" t="inlineStr"><is><t>A &amp; B &#x1EA1; &lt;&#13;x&quot;&apos;&gt;</t></is></c>',
                 ("A & B ạ <\rx\"'>", None, None)),
    "line_ends": (INFO, '<c r="{r}" t="inlineStr"><is><t>a\r\nb\rc</t></is></c>', None),
    "cdata": (INFO, '<c r="{r}" t="inlineStr"><is><t><![CDATA[<Có>]]></t></is></c>', ("<Có>", None, None)),
    "comment": (INFO, '<!-- ghi chú --><c r="{r}" t="inlineStr"><is><t>Có</t></is></c>', None),
    "processing_instruction": (INFO, '<?bdg x?><c r="{r}" t="inlineStr"><is><t>Có</t></is></c>', None),
    "single_quotes": (TEXT, "<c r='{r}' t='inlineStr'><is><t>Có</t></is></c>", ("Có", None, None)),
    "pretty_printed": (TEXT, '<c r="{r}" t="inlineStr">\n  <is>\n    <t>Có</t>\n  </is>\n</c>', None),
    "greater_than_in_attribute": (TEXT, '<c r="{r}" t="inlineStr" cm="a>b"><is><t>Có</t></is></c>', None),
    "value_then_blank_duplicate": (TEXT, '<c r="{r}" t="inlineStr"><is><t>Có</t></is></c><c r="{r}" s="1"/>',
                                   None),
    "blank_then_value_duplicate": (TEXT, '<c r="{r}" s="1"/><c r="{r}" t="inlineStr"><is><t>Có</t></is></c>',
                                   None),
    "r_not_first": (TEXT, '<c t="inlineStr" r="{r}"><is><t>Có</t></is></c>', None),
    "dollar_ref": (TEXT, '<c r="${r}" t="inlineStr"><is><t>Có</t></is></c>', None),
    "lower_case_ref": (TEXT, '<c r="g14" t="inlineStr"><is><t>Có</t></is></c>', None),
    "other_namespace": (TEXT, '<c r="{r}" t="inlineStr" xmlns="urn:x"><is><t>Có</t></is></c>', None),
    "prefixed_attribute": (TEXT, '<c r="{r}" t="inlineStr" x14ac:t="s" xmlns:x14ac="urn:x"><is><t>Có</t></is></c>',
                           None),
    "extension_in_cell": (NUMBER, '<c r="{r}"><v>1</v><extLst><ext uri="u"/></extLst></c>', None),
    "v_before_f": (NUMBER, '<c r="{r}"><v>3</v><f>1+2</f></c>', None),
    "nested_t": (TEXT, '<c r="{r}" t="inlineStr"><is><t>a<t>b</t></t></is></c>', None),
    "unknown_type": (NUMBER, '<c r="{r}" t="x"><v>3</v></c>', None),
    "text_with_brackets": (INFO, '<c r="{r}" t="inlineStr"><is><t>a ] b ]] c</t></is></c>', None),
    # not well-formed, or forbidden: the same error either way
    "cdata_end_in_text": (INFO, '<c r="{r}" t="inlineStr"><is><t>a]]>b</t></is></c>', None),
    "unclosed": (INFO, '<c r="{r}" t="inlineStr"><is><t>Có</is></c>', None),
    "undefined_entity": (INFO, '<c r="{r}" t="inlineStr"><is><t>&nbsp;</t></is></c>', None),
    "control_character": (INFO, '<c r="{r}" t="inlineStr"><is><t>a\x01b</t></is></c>', None),
    "invalid_character_reference": (INFO, '<c r="{r}" t="inlineStr"><is><t>a&#1;b</t></is></c>', None),
    "unbound_prefix": (INFO, '<c r="{r}" t="inlineStr"><x:is><t>Có</t></x:is></c>', None),
    "duplicate_attribute": (INFO, '<c r="{r}" t="inlineStr" t="s"><is><t>Có</t></is></c>', None),
}


@pytest.mark.parametrize("case", sorted(CELLS))
def test_hand_made_cells_read_the_same(base: bytes, case: str):
    name, cell_xml, expected = CELLS[case]
    data = with_cell(base, name, cell_xml)
    result = assert_same(data)
    if expected is not None:
        assert result[0] == "ok" and read_value(data, name) == expected


def test_a_text_result_saved_as_a_shared_string_keeps_its_formula(base: bytes):
    name, cell_xml, _ = CELLS["formula_with_shared_string_result"]
    data = with_cell(base, name, cell_xml)
    for fast in (True, False):
        with reader(fast):
            assert read_value(data, name)[1] == 'IF(1,"Có")'


def test_shared_formula_blocks_expand_the_same_both_ways(setup: Setup, base: bytes):
    """A block of formulas saved as one shared formula (Excel's way) reads as the formulas themselves."""
    import issue12_edits as edits
    from bdg_workbook.layout.department import SCORE_COLUMNS, SHEET_SCORE, layout_of

    lay = layout_of(setup.table)
    xml = members(base)[locate(base, "pts_I_1")[0]].decode("utf-8")
    rows = range(min(lay.criterion_rows.values()), lay.last_row + 1)
    column, run = next((c, r) for c in SCORE_COLUMNS if (r := edits.shareable_run(xml, c, rows, length=4)))
    shared = edits.share_formulas(base, SHEET_SCORE, column, *run)
    assert shared != base and assert_same(shared)[0] == "ok"
    assert read_bytes(shared, "b", "b").area == read_bytes(base, "b", "b").area


def test_not_well_formed_cells_are_rejected_by_both_readers(base: bytes):
    for case in ("cdata_end_in_text", "unclosed", "undefined_entity", "control_character",
                 "invalid_character_reference", "unbound_prefix", "duplicate_attribute"):
        name, cell_xml, _ = CELLS[case]
        assert assert_same(with_cell(base, name, cell_xml)) == ("error", "F01"), case


def _prefix_elements(xml: bytes) -> bytes:
    text = xml.decode("utf-8").replace('xmlns="http', 'xmlns:x="http', 1)
    return re.sub(r"<(/?)([A-Za-z][\w.-]*)(?=[\s/>])", r"<\1x:\2", text).encode("utf-8")


SHEETS: dict[str, tuple[str, Callable[[bytes], bytes]]] = {   # id -> (name on the sheet, change of its XML)
    "prefixed_elements": (TEXT, _prefix_elements),
    "cells_without_r": (TEXT, lambda x: re.sub(rb'(<c) r="[A-Z]+[0-9]+"', rb"\1", x)),
    "rows_without_r": (TEXT, lambda x: re.sub(rb'(<row) r="[0-9]+"', rb"\1", x)),
    "evidence_rows_without_r": ("ev_code", lambda x: re.sub(rb'(<row) r="[0-9]+"', rb"\1", x)),
    "bom_and_declaration": (TEXT, lambda x: b'\xef\xbb\xbf<?xml version="1.0" encoding="UTF-8"?>\n' + x),
    "latin1_declaration": (INFO, lambda x: b'<?xml version="1.0" encoding="ISO-8859-1"?>'
                           + x.decode("utf-8").encode("latin-1", "replace")),
    "doctype": (TEXT, lambda x: b'<!DOCTYPE worksheet [<!ENTITY a "b">]>' + x),
    "comment_before_root": (TEXT, lambda x: b"<!-- x -->" + x),
    "far_cell_after_the_form": ("ev_code", lambda x: x.replace(
        b"</sheetData>", b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>')),
    "broken_xml_after_the_form": ("ev_code", lambda x: x.replace(
        b"</sheetData>", b'<row r="5000"><c r="A5000"><v>1</v></c></row><row r="5001"><c></sheetData>')),
    "broken_after_sheet_data": (TEXT, lambda x: x.replace(b"</sheetData>", b"</sheetData><oops>", 1)),
    "row_past_the_form_first": ("ev_code", lambda x: x.replace(b"<sheetData>", b'<sheetData><row r="9999"/>', 1)),
    "rows_out_of_order": ("ev_code", lambda x: x.replace(b"<sheetData>", b'<sheetData><row r="100"/>', 1)),
    "default_namespace_elsewhere": (TEXT, lambda x: x.replace(
        b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"', b'xmlns="urn:other"', 1)),
    "row_in_other_namespace": (TEXT, lambda x: re.sub(rb'<row r="(1[4-9])"', rb'<row xmlns="urn:o" r="\1"', x)),
    "self_closing_sheet_data": ("meta_year", lambda x: re.sub(rb"<sheetData>.*</sheetData>", b"<sheetData/>", x,
                                                              flags=re.S)),
}


@pytest.mark.parametrize("case", sorted(SHEETS))
def test_hand_made_sheets_read_the_same(base: bytes, case: str):
    name, change = SHEETS[case]
    assert_same(with_part(base, sheet_of(name), change))


def test_doctype_in_a_sheet_is_F09_both_ways(base: bytes):
    name, change = SHEETS["doctype"]
    assert assert_same(with_part(base, sheet_of(name), change)) == ("error", "F09")


def test_doctype_in_workbook_xml_is_F09_both_ways(base: bytes):
    data = with_part(base, lambda _d: "xl/workbook.xml", lambda x: b'<!DOCTYPE workbook [<!ENTITY a "b">]>' + x)
    assert assert_same(data) == ("error", "F09")


@pytest.mark.parametrize("name", ["ev_doc", TEXT])
def test_a_sheet_cut_short_is_F01_both_ways(base: bytes, name: str):
    part, ref = locate(base, name)
    row = int(re.sub(r"[A-Z]+", "", ref))
    cut = lambda x: x[: x.index(b'<row r="%d"' % (row + 3))]   # noqa: E731 - inside the rows read
    assert assert_same(with_part(base, lambda _d: part, cut)) == ("error", "F01")


def test_shared_strings_cut_short_are_F01_both_ways(lo_base: bytes):
    data = with_cell(lo_base, INFO, '<c r="{r}" t="s"><v>3</v></c>')
    assert assert_same(with_part(data, _shared, lambda x: x[: x.index(b"<si>") + 200])) == ("error", "F01")


def test_a_million_rows_after_the_form_cost_nothing(base: bytes):
    rows = b"".join(b'<row r="%d"><c r="A%d"><v>1</v></c></row>' % (r, r) for r in range(1000, 201_000))
    data = with_part(base, sheet_of("ev_code"), lambda x: x.replace(b"</sheetData>", rows + b"</sheetData>"))
    assert assert_same(data)[0] == "ok"


def test_a_sheet_longer_than_read_at_once_is_read_row_by_row(base: bytes):
    rng = random.Random(6)
    text = "".join(rng.choice("abcdefghij >") for _ in range(xlsxfast.WHOLE_SHEET + 100_000))
    data = with_cell(base, "ev_title", '<c r="{r}" t="inlineStr"><is><t>%s</t></is></c>' % text)
    result = assert_same(data)
    assert result[0] == "ok" and result[1].evidence[0].title.value == text.strip()[:xlsxcells.MAX_TEXT]


def _shared(data: bytes) -> str:
    return xlsxcells.Package(SafeZip(data)).shared_part or "xl/sharedStrings.xml"


def _first_si(content: bytes) -> Callable[[bytes], bytes]:
    return lambda x: re.sub(rb"<si>.*?</si>", lambda _m: content, x, count=1, flags=re.S)


SHARED: dict[str, str] = {   # id -> the first <si> of a LibreOffice file's shared strings
    "rich_text": '<si><r><rPr><b val="true"/></rPr><t>Có</t></r><r><t xml:space="preserve"> thêm</t></r></si>',
    "phonetic_run_stops": "<si><t>Có</t><rPh sb=\"0\" eb=\"1\"><t>ko</t></rPh><phoneticPr fontId=\"1\"/></si>",
    "empty_si": "<si/>",
    "empty_t": "<si><t/></si>",
    "escapes_and_entities": "<si><t>A_x000D_B &amp; &#x1EA1;</t></si>",
    "cdata": "<si><t><![CDATA[Có]]></t></si>",
    "nested_si": "<si><si><t>x</t></si></si>",
    "doctype_like_text": "<si><t>&lt;!DOCTYPE&gt;</t></si>",
    "not_well_formed": "<si><t>Có</si>",
}


@pytest.mark.parametrize("case", sorted(SHARED))
def test_hand_made_shared_strings_read_the_same(lo_base: bytes, case: str):
    data = with_cell(lo_base, INFO, '<c r="{r}" t="s"><v>0</v></c>')
    assert_same(with_part(data, _shared, _first_si(SHARED[case].encode("utf-8"))))


def test_doctype_in_shared_strings_is_F09_both_ways(lo_base: bytes):
    data = with_cell(lo_base, INFO, '<c r="{r}" t="s"><v>0</v></c>')
    data = with_part(data, _shared, lambda x: b'<!DOCTYPE sst [<!ENTITY a "b">]>' + x.split(b"?>", 1)[-1])
    assert assert_same(data) == ("error", "F09")


# ---------------------------------------------------------------- random damage


def _damage(xml: bytes, rng: random.Random) -> bytes:
    pos = rng.randrange(len(xml))
    kind = rng.randrange(5)
    if kind == 4:
        return xml[:pos]                                                                # cut short
    if kind == 0:
        return xml[:pos] + xml[pos + rng.randint(1, 40):]                               # cut a piece
    if kind == 1:
        return xml[:pos] + rng.choice(b'<>&"\'/=; ]x\x00\r').to_bytes(1, "big") + xml[pos + 1:]  # change a byte
    if kind == 2:
        start = xml.find(b"<c ", pos)
        end = xml.find(b">", start)
        return xml if start < 0 else xml[:start] + xml[start:end].replace(b'"', b"'") + xml[end:]
    piece = rng.choice((b"<!-- -->", b"<![CDATA[x]]>", b"&amp;", b"&#x1EA1;", b"<t>x</t>", b"</row><row>",
                        b'<c r="B5"/>', b"\xc3", b"<?p?>"))
    return xml[:pos] + piece + xml[pos:]


@pytest.mark.parametrize("name", [TEXT, "ev_code", INFO])
def test_randomly_damaged_sheets_read_the_same(base: bytes, name: str):
    rng = random.Random(f"issue-6-{name}")
    part = locate(base, name)[0]
    original = members(base)[part]
    seen = set()
    for _ in range(60):
        data = with_part(base, lambda _d: part, lambda _x: _damage(original, rng))
        seen.add(assert_same(data)[0])
    assert seen == {"ok", "error"}       # the damage both broke some files and left others readable


def test_randomly_damaged_shared_strings_read_the_same(lo_base: bytes):
    rng = random.Random("issue-6-shared")
    part = _shared(lo_base)
    original = members(lo_base)[part]
    for _ in range(60):
        assert_same(with_part(lo_base, lambda _d: part, lambda _x: _damage(original, rng)))


def test_fast_reader_declines_what_it_does_not_handle(base: bytes):
    """Unusual but valid XML goes to the reference reader (the fast one raises ``Unusual``)."""
    for case in ("cdata", "comment", "other_namespace", "greater_than_in_attribute", "r_not_first"):
        name, cell_xml, _ = CELLS[case]
        data = with_cell(base, name, cell_xml)
        pkg = xlsxcells.Package(SafeZip(data))
        target = pkg.resolve(name)
        with pkg.zf.open(pkg.sheet_parts[target.sheet]) as stream, pytest.raises(xlsxfast.Unusual):
            xlsxfast.scan_sheet(stream, {target.first_row: {target.first_col}}, xlsxcells._cell_tuple)

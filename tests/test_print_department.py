"""Issue 13, item 9: the department workbook prints what matters — only the rows in use, no input colour on
a completed form, rows tall enough for their text (LibreOffice's PDF export, counted and looked at)."""

from __future__ import annotations

import random
import subprocess
from pathlib import Path

import openpyxl
import pytest

from bdg_workbook.demo.fill import fill_workbook, random_valid_answers
from bdg_workbook.layout.department import (EVIDENCE_COLUMNS, EVIDENCE_FIRST_ROW, EVIDENCE_ROWS, SHEET_EVIDENCE,
                                            SHEET_SCORE, Layout)
from bdg_workbook.workbook.generate import generate_workbooks
from bdg_workbook.workbook.print_setup import evidence_print_columns
from bdg_workbook.workbook.styles import INPUT_FILL, row_height
from libreoffice import convert, soffice_available

DEPT = "HLHPN"
YELLOW = tuple(int(INPUT_FILL[i:i + 2], 16) for i in (1, 3, 5))


@pytest.fixture(scope="module")
def forms(setup, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A blank form and the same form filled as a department would (about 30 evidence rows)."""
    root = tmp_path_factory.mktemp("print")
    [blank] = generate_workbooks(setup, root / "blank", only=[DEPT])
    dept = next(d for d in setup.departments if d.code == DEPT)
    answers = random_valid_answers(setup, dept, random.Random(9))
    filled = root / "filled" / f"DIEN_{blank.name}"
    filled.parent.mkdir()
    fill_workbook(blank, filled, answers)
    return {"blank": blank, "filled": filled, "rows": len(answers.evidence)}


def test_evidence_register_prints_its_used_columns_and_nothing_in_unused_rows(forms):
    ws = openpyxl.load_workbook(forms["blank"])[SHEET_EVIDENCE]
    first, last = evidence_print_columns()
    end = EVIDENCE_FIRST_ROW + EVIDENCE_ROWS - 1
    assert (first, last) == ("B", "H") and ws.print_area == f"'{SHEET_EVIDENCE}'!${first}$1:${last}${end}"
    assert EVIDENCE_COLUMNS["no"][0] < first                      # TT stays on screen
    for row in ws.iter_rows(min_row=EVIDENCE_FIRST_ROW, max_row=end, min_col=2, max_col=8):
        for cell in row:
            assert cell.value is None and cell.border.left.style is None and cell.fill.fill_type is None
    rules = {str(r.sqref): [x.formula[0] for x in r.rules] for r in ws.conditional_formatting}
    assert rules[f"{first}{EVIDENCE_FIRST_ROW}:{last}{end}"] == [f"COUNTA(${first}5:${last}5)>0"]


def test_input_cue_is_conditional_and_comes_first(setup, forms):
    book = openpyxl.load_workbook(forms["blank"])
    lay = Layout(setup.table)
    sheet, cell = lay.names["in_II_1_value"]
    ws = book[sheet]
    assert ws[cell].fill.fill_type is None
    cues = [r for r in ws.conditional_formatting if str(r.sqref) == cell]
    [formula] = [x.formula[0] for r in cues for x in r.rules]
    na_cell = lay.names["in_II_1_na"][1]
    assert formula == f'AND(LEN(TRIM({cell}))=0,TRIM({na_cell})<>"Không áp dụng")'
    priorities = {str(r.sqref): min(x.priority for x in r.rules) for r in ws.conditional_formatting}
    assert priorities[cell] < min(p for ref, p in priorities.items() if ref not in dict.fromkeys(
        lay.names[n][1] for n in lay.input_names() if lay.names[n][0] == SHEET_SCORE))


def test_filled_rows_are_tall_enough_for_their_text(forms):
    ws = openpyxl.load_workbook(forms["filled"])[SHEET_EVIDENCE]
    for r in range(EVIDENCE_FIRST_ROW, EVIDENCE_FIRST_ROW + forms["rows"]):
        texts = [(c.value, ws.column_dimensions[c.column_letter].width - 0.71) for c in ws[r][1:8]
                 if isinstance(c.value, str)]
        assert ws.row_dimensions[r].height >= row_height(texts) > 0


def _pages(pdf: Path) -> list[str]:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    count = int(next(line.split()[1] for line in info.splitlines() if line.startswith("Pages:")))
    return [subprocess.run(["pdftotext", "-f", str(p), "-l", str(p), "-layout", str(pdf), "-"], capture_output=True,
                           text=True, check=True).stdout for p in range(1, count + 1)]


def _yellow_pixels(pdf: Path, page: int, tmp: Path) -> int:
    """Pixels of the input colour on one page rendered at 50 dpi (binary PPM, parsed here)."""
    out = tmp / f"{pdf.stem}-page{page}"
    subprocess.run(["pdftoppm", "-r", "50", "-f", str(page), "-l", str(page), str(pdf), str(out)], check=True)
    data = next(tmp.glob(f"{out.name}*.ppm")).read_bytes()
    parts = data.split(b"\n", 3)
    width, height = map(int, parts[1].split())
    pixels = parts[3][:width * height * 3]
    return sum(1 for i in range(0, len(pixels), 3)
               if all(abs(pixels[i + k] - YELLOW[k]) <= 6 for k in range(3)))


@pytest.mark.skipif(not soffice_available(), reason="LibreOffice (soffice) không có trên máy")
def test_printed_pages_in_libreoffice(forms, tmp_path):
    pdfs = convert([forms["blank"], forms["filled"]], tmp_path / "pdf", "pdf")
    blank, filled = (_pages(pdfs[forms[k]]) for k in ("blank", "filled"))
    def evidence(pages): return [i for i, t in enumerate(pages, 1) if "Tên hoạt động/kết quả" in t]
    # 150 register rows used to print 4 pages; now the blank register is one page and a filled one prints
    # only the pages its rows reach: every printed page of the register shows some of the unit's documents
    assert len(evidence(blank)) == 1 and 1 <= len(evidence(filled)) < 4
    docs = [c.value for c in openpyxl.load_workbook(forms["filled"])[SHEET_EVIDENCE]["D"][EVIDENCE_FIRST_ROW - 1:]
            if isinstance(c.value, str)]
    assert len(docs) == forms["rows"]
    for page in evidence(filled):
        assert any(doc in filled[page - 1] for doc in docs), page
    assert docs[-1] in filled[evidence(filled)[-1] - 1]
    assert len(blank) <= 9, len(blank)          # was 12 (guide, info, 4 scoring, 4 evidence, bonus, check)
    for page in evidence(filled) + [i for i, t in enumerate(filled, 1) if "Nội dung tiêu chí" in t]:
        assert _yellow_pixels(pdfs[forms["filled"]], page, tmp_path) == 0, page
    assert _yellow_pixels(pdfs[forms["blank"]], evidence(blank)[0], tmp_path) > 0   # the first row to fill

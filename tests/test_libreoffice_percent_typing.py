"""Issue 13.6: "85%" means 85. Typed through LibreOffice's own input path (not set as a value), ``85%`` in the
I.5 cell scores 3 x 85% = 2.55 points in the workbook and at the ward (it scored 0.03 when the 0-100 cell
took 0.85 for 0.85%).

Needs LibreOffice and its Python bridge (Debian ``python3-uno``, for the system ``/usr/bin/python3``): without
them the test FAILS (CI installs both). The typing itself is done by ``tests/lo_typing.py``.
"""

from __future__ import annotations

import subprocess
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

import libreoffice
from bdg_workbook.collect.collector import InputFile, collect_files
from bdg_workbook.demo.fill import Answers, EvidenceRow, fill_workbook
from bdg_workbook.layout.department import COL_COUNTED, COL_POINTS, COL_VALUE, SHEET_SCORE, layout_of
from bdg_workbook.workbook.generate import build_workbook

UNO_PYTHON = "/usr/bin/python3"
TYPER = Path(__file__).with_name("lo_typing.py")


def _uno_available() -> bool:
    try:
        return subprocess.run([UNO_PYTHON, "-c", "import uno"], capture_output=True, timeout=60).returncode == 0
    except OSError:
        return False


@pytest.mark.libreoffice
def test_typing_85_percent_means_85(setup, tmp_path: Path):
    assert libreoffice.soffice_available(), "Cần LibreOffice (soffice); cài libreoffice-calc."
    assert _uno_available(), "Cần cầu nối Python của LibreOffice: apt-get install python3-uno."
    dept = next(d for d in setup.departments if d.code == "HLHPN")
    lay = layout_of(setup.table)
    form = tmp_path / "form.xlsx"
    form.write_bytes(build_workbook(setup, dept))
    answers = Answers(evidence=[EvidenceRow("I.5", "Danh mục kế hoạch", "KH 5/2024"),
                                EvidenceRow("II.7", "Sổ theo dõi", "STD 2/2024")])
    filled = tmp_path / "filled.xlsx"
    fill_workbook(form, filled, answers)
    typed = tmp_path / "out" / "TDCD_2024_HLHPN.xlsx"
    typed.parent.mkdir()
    cells = {code: f"{COL_VALUE}{lay.criterion_rows[code]}" for code in ("I.5", "II.7")}
    args = [f"{SHEET_SCORE}!{cells['I.5']}=85%", f"{SHEET_SCORE}!{cells['II.7']}=100%"]
    subprocess.run([UNO_PYTHON, str(TYPER), str(filled), str(typed), *args], check=True, timeout=300)

    wb = openpyxl.load_workbook(typed, data_only=True)
    sheet = wb[SHEET_SCORE]
    assert sheet[cells["I.5"]].value == pytest.approx(0.85)            # what LibreOffice stored for "85%"
    assert "%" in openpyxl.load_workbook(typed)[SHEET_SCORE][cells["I.5"]].number_format
    row = lay.criterion_rows["I.5"]
    assert sheet[f"{COL_POINTS}{row}"].value == pytest.approx(2.55)     # the workbook: 3 x 85%
    assert sheet[f"{COL_COUNTED}{row}"].value == pytest.approx(2.55)
    assert sheet[f"{COL_POINTS}{lay.criterion_rows['II.7']}"].value == pytest.approx(20)

    result = collect_files(setup, [InputFile(typed, typed.name)], "lo", jobs=1)
    card = result.departments[0].card
    assert card.items["I.5"].points == Decimal("2.55") and card.items["II.7"].points == 20
    assert not [f for f in result.findings if f.code in ("E07", "W04", "E13")]

"""Issue 11 item 5: the generator no longer depends on xlsxwriter internals it cannot do without.

The fast path (private SharedStrings/XMLwriter) is gone; the one remaining override, the NĐ 30 "no page
number on page 1" header, is used only with the tested xlsxwriter range and the private names it needs.
A simulated xlsxwriter change (other version, renamed helpers) must leave ``generate`` and the master
working, with the plain header.
"""

from __future__ import annotations

import io
import re
import zipfile

import openpyxl
import pytest
import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from bdg_workbook.cli.main import main
from bdg_workbook.workbook import strict_writer
from bdg_workbook.workbook.generate import build_workbook


def _header_tags(data: bytes) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        xml = "".join(zf.read(n).decode("utf-8") for n in zf.namelist() if n.startswith("xl/worksheets/sheet"))
    return re.findall(r"<headerFooter[^>]*>", xml)


def _still_a_workbook(data: bytes) -> None:
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert "Chấm điểm" in wb.sheetnames


def test_the_installed_xlsxwriter_is_in_the_tested_range():
    """setup.cfg pins the same range; CI's lower-bound run checks its low end."""
    assert strict_writer.first_page_header_supported()
    low, high = strict_writer.TESTED_XLSXWRITER
    assert low <= strict_writer._version(xlsxwriter.__version__) < high


def test_page_one_has_no_page_number_with_the_tested_xlsxwriter(setup):
    tags = _header_tags(build_workbook(setup, setup.departments[0]))
    assert tags and all('differentFirst="1"' in t for t in tags)


def test_an_untested_xlsxwriter_version_gets_the_plain_header(setup, monkeypatch):
    monkeypatch.setattr(xlsxwriter, "__version__", "9.0.0")
    data = build_workbook(setup, setup.departments[1])
    tags = _header_tags(data)
    assert tags and not any("differentFirst" in t for t in tags)
    _still_a_workbook(data)


def _future_xlsxwriter(monkeypatch: pytest.MonkeyPatch) -> None:
    """An xlsxwriter whose header helpers were renamed (same output, other private names)."""
    odd_header, odd_footer = Worksheet._write_odd_header, Worksheet._write_odd_footer
    monkeypatch.delattr(Worksheet, "_write_odd_header")
    monkeypatch.delattr(Worksheet, "_write_odd_footer")
    monkeypatch.setattr(Worksheet, "_write_header_text", odd_header, raising=False)
    monkeypatch.setattr(Worksheet, "_write_footer_text", odd_footer, raising=False)

    def write_header_footer(self: Worksheet) -> None:
        attributes = [] if self.header_footer_scales else [("scaleWithDoc", 0)]
        if not self.header_footer_aligns:
            attributes.append(("alignWithMargins", 0))
        if self.header_footer_changed:
            self._xml_start_tag("headerFooter", attributes)
            if self.header:
                self._write_header_text()
            if self.footer:
                self._write_footer_text()
            self._xml_end_tag("headerFooter")
    monkeypatch.setattr(Worksheet, "_write_header_footer", write_header_footer)


def test_renamed_private_helpers_fall_back_to_the_plain_header(setup, monkeypatch):
    _future_xlsxwriter(monkeypatch)
    assert not strict_writer.first_page_header_supported()
    data = build_workbook(setup, setup.departments[2])
    tags = _header_tags(data)
    assert tags and not any("differentFirst" in t for t in tags)
    _still_a_workbook(data)


def test_generate_and_demo_run_with_the_changed_internals(runner, tmp_path, monkeypatch):
    _future_xlsxwriter(monkeypatch)
    monkeypatch.chdir(tmp_path)
    generated = runner.invoke(main, ["generate", "--only", "MTTQ"])
    assert generated.exit_code == 0, generated.output
    demo = runner.invoke(main, ["demo", "--out", "demo", "--jobs", "1"])
    assert demo.exit_code == 0, demo.output
    master = (tmp_path / "demo" / "TONGHOP_2024_NHONHUNG.xlsx").read_bytes()
    assert _header_tags(master) and not any("differentFirst" in t for t in _header_tags(master))


def test_the_fast_path_and_its_private_imports_are_gone():
    from pathlib import Path
    root = Path(strict_writer.__file__).resolve().parents[1]
    assert not (root / "workbook" / "fast_build.py").exists()
    private = [p for p in root.rglob("*.py")
               if re.search(r"from xlsxwriter\.(sharedstrings|xmlwriter) import|\._write_si\(|str_table", p.read_text("utf-8"))]
    assert not private, private

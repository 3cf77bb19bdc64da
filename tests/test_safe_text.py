"""Output safety helpers (issue 4 items 3-4): CSV/formula neutralisation, text cleaning, atomic writes."""

from __future__ import annotations

import os
import stat
import unicodedata
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from hypothesis import given, settings
from hypothesis import strategies as st

from bdg_workbook.writing import safe_text
from bdg_workbook.writing.safe_text import (EXCEL_CELL_LIMIT, atomic_write_bytes, atomic_write_text, atomic_writer, clean_cell_text,
                                    clip, csv_safe)

# ---------------------------------------------------------------- csv_safe (OWASP ASVS 1.2.10)


@pytest.mark.parametrize("text", ["=1+1", "+84 912", "-x", "@SUM(A1)", "\tthụt lề", "\rdòng", "\0x",
                                  "=HYPERLINK(\"http://x.invalid\")", "＝1+1", "-5"])
def test_csv_safe_prefixes_formula_triggers(text):
    assert csv_safe(text) == "'" + text


@pytest.mark.parametrize("text", ["Hội nghị", "84 912", "a=b", " =1", "'=1", "", "1.5"])
def test_csv_safe_leaves_plain_text(text):
    assert csv_safe(text) == text


def test_csv_safe_of_none_and_numbers():
    assert csv_safe(None) == "" and csv_safe(12) == "12"


@given(st.text())
def test_csv_safe_never_starts_with_a_trigger_and_keeps_the_text(text):
    out = csv_safe(text)
    assert out[:1] not in set("=+-@\t\r\0＝＋－＠") or out == ""
    assert out in (text, "'" + text)


# ---------------------------------------------------------------- clean_cell_text / clip


def test_clean_text_drops_control_characters_keeps_tab_and_newline():
    assert clean_cell_text("a\x07b\x00c\x1bd\x7f\x85e\ufffe") == "abcde"
    assert clean_cell_text("x\ty\nz") == "x\ty\nz"
    assert clean_cell_text("dòng 1\r\ndòng 2\rdòng 3") == "dòng 1\ndòng 2\ndòng 3"
    assert clean_cell_text("lone \ud800 surrogate") == "lone  surrogate"
    assert clean_cell_text(None) == ""


def test_clean_text_normalises_vietnamese_to_nfc():
    nfd = unicodedata.normalize("NFD", "Bình đẳng giới")
    assert nfd != "Bình đẳng giới" and clean_cell_text(nfd) == "Bình đẳng giới"


def test_clean_text_clips_to_excel_cell_limit_with_ellipsis():
    assert len(clean_cell_text("x" * 40_000)) == EXCEL_CELL_LIMIT
    assert clean_cell_text("x" * 40_000).endswith("…")
    exact = "ệ" * EXCEL_CELL_LIMIT
    assert clean_cell_text(exact) == exact
    assert clip("😀" * 20_000) == "😀" * 16_383 + "…"     # astral characters count twice in Excel


@settings(max_examples=15, deadline=None)
@given(st.lists(st.text(), min_size=1, max_size=25))
def test_cleaned_text_round_trips_through_xlsx_as_strings(tmp_path_factory, texts):
    path = tmp_path_factory.mktemp("rt") / "t.xlsx"
    book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False})
    sheet = book.add_worksheet()
    cleaned = [clean_cell_text(t) for t in texts]
    for i, text in enumerate(cleaned):
        assert sheet.write_string(i, 0, text) == 0
    book.close()
    ws = openpyxl.load_workbook(path).active
    for i, text in enumerate(cleaned):
        cell = ws.cell(i + 1, 1)
        if "_x" not in text:            # openpyxl mis-decodes a literal "_x005F_" (Excel does not)
            assert (cell.value or "") == text
        assert cell.data_type in ("s", "n")


# ---------------------------------------------------------------- atomic writes


def test_atomic_write_creates_and_replaces(tmp_path):
    path = tmp_path / "sub" / "out.bin"
    atomic_write_bytes(path, b"one")
    atomic_write_bytes(path, b"two")
    atomic_write_text(tmp_path / "t.txt", "Tổng hợp\n")
    assert path.read_bytes() == b"two" and (tmp_path / "t.txt").read_text("utf-8") == "Tổng hợp\n"
    assert sorted(p.name for p in path.parent.iterdir()) == ["out.bin"]


def test_atomic_write_keeps_permissions_of_the_file_it_replaces(tmp_path):
    path = tmp_path / "out.bin"
    path.write_bytes(b"old")
    os.chmod(path, 0o640)
    atomic_write_bytes(path, b"new")
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


def test_new_file_gets_umask_permissions_not_private_temp_mode(tmp_path):
    old = os.umask(0o022)
    try:
        atomic_write_bytes(tmp_path / "n.bin", b"x")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "n.bin").stat().st_mode) == 0o644


def test_exception_inside_writer_leaves_previous_file_and_no_temp(tmp_path):
    path = tmp_path / "master.xlsx"
    path.write_bytes(b"previous master")
    with pytest.raises(RuntimeError):
        with atomic_writer(path) as handle:
            handle.write(b"half a new mas")
            raise RuntimeError("mất điện")
    assert path.read_bytes() == b"previous master"
    assert [p.name for p in tmp_path.iterdir()] == ["master.xlsx"]


def test_failing_rename_removes_temp_and_keeps_previous_file(tmp_path, monkeypatch):
    path = tmp_path / "master.xlsx"
    path.write_bytes(b"previous master")

    def broken_replace(src, dst):
        raise OSError("đĩa đầy")
    monkeypatch.setattr(safe_text.os, "replace", broken_replace)
    with pytest.raises(OSError):
        atomic_write_bytes(path, b"new master")
    assert path.read_bytes() == b"previous master"
    assert [p.name for p in tmp_path.iterdir()] == ["master.xlsx"]


def test_text_mode_and_bad_mode(tmp_path):
    with atomic_writer(tmp_path / "a.csv", "w", encoding="utf-8-sig", newline="") as handle:
        handle.write("Đơn vị\r\n")
    assert (tmp_path / "a.csv").read_bytes() == "\ufeffĐơn vị\r\n".encode("utf-8")
    with pytest.raises(ValueError):
        with atomic_writer(tmp_path / "b.bin", "ab"):
            pass
    assert not any(p.name.startswith(".b.bin") for p in Path(tmp_path).iterdir())

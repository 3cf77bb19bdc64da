"""Signed workbooks through the collector: valid, wrong key, altered meta, edited locked cell, public key only."""

import random

import openpyxl
import pytest

from bdg_workbook.collect.collector import InputFile, collect_files
from bdg_workbook.demo.fill import fill_workbook, random_valid_answers
from bdg_workbook.workbook.generate import generate_workbooks
from bdg_workbook.trust.signing import KeyRing, ensure_key_pair, load_private_key


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    root = tmp_path_factory.mktemp("keys")
    out = {}
    for name in ("ward", "other"):
        status = ensure_key_pair(root / name / "ward-signing.key")
        out[name] = (load_private_key(status.private_path), status.public_path)
    return out


@pytest.fixture(scope="module")
def signed(setup, keys, tmp_path_factory):
    folder = tmp_path_factory.mktemp("signed")
    forms = generate_workbooks(setup, folder / "forms", only=["HLHPN"], signer=keys["ward"][0].sign)
    dept = next(d for d in setup.departments if d.code == "HLHPN")
    filled = folder / "TDCD_2024_HLHPN.xlsx"
    fill_workbook(forms[0], filled, random_valid_answers(setup, dept, random.Random(3)))
    return filled


def _codes(setup, path, ring):
    result = collect_files(setup, [InputFile(path, path.name)], "test", jobs=1, keyring=ring)
    return {(f.code, f.sheet, f.cell) for f in result.findings}


def _edit(src, dst, sheet_name, ref, value):
    wb = openpyxl.load_workbook(src)
    wb[sheet_name][ref] = value
    wb.save(dst)
    return dst


def test_valid_signature_with_public_key_only(setup, keys, signed):
    ring = KeyRing.load(keys["ward"][1])             # the .pub file, no private key
    assert not {c for c, _s, _c in _codes(setup, signed, ring) if c in ("E17", "E18", "E13", "W15")}


def test_signed_by_another_key_is_e17(setup, keys, signed):
    assert ("E17", "meta", "B14") in _codes(setup, signed, KeyRing.load(keys["other"][1]))


def test_altered_meta_is_reported(setup, keys, signed, tmp_path):
    ring = KeyRing.load(keys["ward"][1])
    meta = {k: f"B{i + 1}" for i, k in enumerate(__import__("bdg_workbook.layout.department", fromlist=["x"]).META_KEYS)}
    version = _codes(setup, _edit(signed, tmp_path / "v.xlsx", "meta", meta["template_version"], "0.2"), ring)
    assert ("E17", "meta", "B14") in version
    year = _codes(setup, _edit(signed, tmp_path / "y.xlsx", "meta", meta["year"], "2023"), ring)
    assert ("F04", "meta", "") in year                       # rejected: another year, named as such
    moved = _codes(setup, _edit(signed, tmp_path / "d.xlsx", "meta", meta["department_code"], "MTTQ"), ring)
    assert ("E17", "meta", "B14") in moved                   # re-labelled as another department
    assert any(code == "E13" for code, _s, _c in moved)      # and its unit code cell no longer matches


def test_unsigned_file_is_e17_when_the_ward_has_a_key(setup, keys, setup_unsigned_form):
    assert ("E17", "meta", "B14") in _codes(setup, setup_unsigned_form, KeyRing.load(keys["ward"][1]))


def test_edited_locked_cell_names_the_cell(setup, keys, signed, tmp_path):
    from bdg_workbook.layout.department import Layout
    sheet, ref = Layout(setup.table).names["txt_II_1"]
    edited = _edit(signed, tmp_path / "locked.xlsx", sheet, ref, "Nội dung đã bị sửa")
    found = _codes(setup, edited, KeyRing.load(keys["ward"][1]))
    assert ("E13", sheet, ref) in found


@pytest.fixture
def setup_unsigned_form(setup, tmp_path):
    return generate_workbooks(setup, tmp_path, only=["HLHPN"])[0]

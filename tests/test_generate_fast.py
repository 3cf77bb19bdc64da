"""The fast generator (one xlsxwriter build per department shape, texts filled in) gives the plain build's bytes.

Issue 6 §3: generate at least 2× faster per workbook than a plain xlsxwriter build, with the same workbook.
Byte-identity is the equivalence checked here; the structure tests (test_generate_structure.py) and the
LibreOffice recalculation test run on the fast output, since ``generate_workbooks`` uses it.
"""

from __future__ import annotations

import dataclasses
import io
import unicodedata
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bdg_workbook.collect.collector import InputFile, collect_files
from bdg_workbook.domain.errors import BdgError
from bdg_workbook.workbook.department import dept_form, dept_locked_hash, placeholder_text
from bdg_workbook.workbook.fast_build import Template, split_zip
from bdg_workbook.workbook.generate import (FACTORY_CACHE, WorkbookFactory, _write, build_workbook_plain, generate_workbooks,
                                   workbook_factory)
from bdg_workbook.workbook.locked import expected_locked_content, locked_hash
from bdg_workbook.trust.signing import KeyRing, ensure_key_pair, load_private_key

SIGNATURE_CODES = {"E13", "E17", "E18", "W15"}


@pytest.fixture(scope="module")
def key(tmp_path_factory):
    """A ward signing key and its public key file."""
    status = ensure_key_pair(tmp_path_factory.mktemp("keys") / "ward-signing.key")
    return load_private_key(status.private_path), status.public_path


@pytest.fixture(scope="module")
def factory(setup):
    """One factory for the module (templates shared by the tests, as in a run)."""
    return WorkbookFactory(setup)


def _shapes(setup, signed):
    plan = WorkbookFactory(setup).plan
    return {dept_form(plan, d, "", (lambda m: ("k", "s")) if signed else None).shape for d in setup.departments}


@pytest.mark.parametrize("signed", [False, True], ids=["unsigned", "signed"])
def test_every_default_department_is_byte_identical_to_the_plain_build(setup, key, signed):
    signer = key[0].sign if signed else None
    factory = WorkbookFactory(setup)
    for dept in setup.departments:
        assert factory.build(dept, signer) == build_workbook_plain(setup, dept, signer), dept.code
    # every department took the fast path, from one xlsxwriter build per shape (4 shapes for 15 departments)
    assert factory.counts == {"fast": len(setup.departments), "plain": 0}
    assert set(factory.templates) == _shapes(setup, signed) and len(factory.templates) < len(setup.departments)
    assert all(t is not None for t in factory.templates.values())


def test_locked_hash_from_the_plan_equals_the_full_computation(setup, factory):
    for dept in setup.departments:
        assert dept_locked_hash(factory.plan, dept) == locked_hash(expected_locked_content(setup, dept))


def test_signed_fast_forms_verify_and_read_like_plain_blank_forms(setup, key, tmp_path):
    fast = generate_workbooks(setup, tmp_path / "fast", signer=key[0].sign)
    plain_dir = tmp_path / "plain"
    plain_dir.mkdir()
    for dept, path in zip(setup.departments, fast):
        (plain_dir / path.name).write_bytes(build_workbook_plain(setup, dept, key[0].sign))
    ring = KeyRing.load(key[1])

    def findings(folder):
        items = [InputFile(p, p.name) for p in sorted(folder.iterdir())]
        result = collect_files(setup, items, "test", jobs=1, keyring=ring)
        return sorted((f.code, f.department, f.sheet, f.cell, str(f.value)) for f in result.findings)

    got = findings(tmp_path / "fast")
    assert got == findings(plain_dir)
    assert not {f[0] for f in got} & SIGNATURE_CODES   # every signature valid with the ward's public key


EDGE_CASES = {   # department changes -> whether the fast path can take it (else the plain build, same bytes)
    "xml_specials": ({"name": 'Hội "A&B" <Phường> \'x\'', "code": "A&B<1>"}, True),
    "control_and_escapes": ({"name": "Tổ\x07 _x0041_ dân phố", "header_left": ("_x005F_ DÒNG", "DÒNG\tHAI")}, True),
    "edge_spaces": ({"name": " Hội có dấu cách ", "header_left": (" TRÁI", "PHẢI\u00a0")}, True),
    "rich_lookalike": ({"name": "<r>Hội</r>"}, True),
    "nfd_and_emoji": ({"name": unicodedata.normalize("NFD", "Hội Phụ nữ") + " 🌸", "signer": ("TM. 🌸", "CT")}, True),
    "placeholder_lookalike": ({"name": placeholder_text("code"), "code": placeholder_text("name")}, True),
    "no_header_lines": ({"header_left": ()}, True),
    "five_lines_decorated": ({"header_left": ("A", "B", "C", "D", "***")}, True),
    "doan_without_seal": ({"header_right": "doan", "has_seal": False}, True),
    "self_signed": ({"signer": ("NGƯỜI LẬP BIỂU", "(công chức)"), "has_seal": False}, True),
    "no_signer_lines": ({"signer": ()}, True),
    "header_equals_name": ({"header_left": ("Ủy ban Mặt trận Tổ quốc Việt Nam phường Nhơn Hưng", "X")}, False),
    "code_equals_criterion_code": ({"code": "II.1"}, False),
    "signer_equals_note": ({"signer": ("(Ký, ghi rõ họ tên)",), "has_seal": False}, False),
    "empty_header_line": ({"header_left": ("", "PHƯỜNG")}, False),
    "very_long_name": ({"name": "Đ" * 20000}, False),
}


@pytest.mark.parametrize("case", sorted(EDGE_CASES))
def test_edge_case_departments_equal_the_plain_build(setup, key, factory, case):
    changes, fast = EDGE_CASES[case]
    base = next(d for d in setup.departments if d.code == "MTTQ")   # its name is used by header_equals_name
    dept = dataclasses.replace(base, **changes)
    for signer in (None, key[0].sign):
        before = dict(factory.counts)
        assert factory.build(dept, signer) == build_workbook_plain(setup, dept, signer)
        route = "fast" if fast else "plain"
        assert factory.counts[route] == before[route] + 1, (case, factory.counts)


def test_text_too_long_for_excel_fails_on_both_paths(setup, factory):
    dept = dataclasses.replace(setup.departments[0], name="Đ" * 40000)
    with pytest.raises(BdgError, match="xlsxwriter"):
        build_workbook_plain(setup, dept)
    with pytest.raises(BdgError, match="xlsxwriter"):
        factory.build(dept)


_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=24)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=_TEXT, code=_TEXT, header=st.lists(_TEXT, max_size=5), signer=st.lists(_TEXT, max_size=3),
       seal=st.booleans(), doan=st.booleans())
def test_any_department_text_gives_the_plain_bytes(setup, factory, name, code, header, signer, seal, doan):
    dept = dataclasses.replace(setup.departments[0], name=name, code=code, header_left=tuple(header),
                               signer=tuple(signer), has_seal=seal, header_right="doan" if doan else "quoc_hieu")
    assert factory.build(dept) == build_workbook_plain(setup, dept)


def test_template_refuses_a_build_it_cannot_reproduce(setup, factory):
    dept = setup.departments[0]
    marked = dept_form(factory.plan, dept, dept_locked_hash(factory.plan, dept)).placeholder()
    data, strings = _write(factory.plan, marked)
    assert Template.cut(data, strings, marked) is not None
    recompressed = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, \
            zipfile.ZipFile(recompressed, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info), compresslevel=9)
    assert recompressed.getvalue() != data
    assert Template.cut(recompressed.getvalue(), strings, marked) is None      # self-check: not byte-identical
    assert Template.cut(data, [*strings, f"x {placeholder_text('name')}"], marked) is None   # placeholder in a text


def _one_member_zip(stream, method=zipfile.ZIP_DEFLATED):
    info = zipfile.ZipInfo("a.xml", (1980, 1, 1, 0, 0, 0))
    info.compress_type = method
    with zipfile.ZipFile(stream, "w") as zf:
        zf.writestr(info, b"<a/>")


def test_split_zip_takes_only_plain_deflated_zips():
    class Unseekable(io.RawIOBase):   # zipfile then writes data descriptors
        def __init__(self):
            self.buf = bytearray()

        def writable(self):
            return True

        def write(self, b):
            self.buf += b
            return len(b)

    plain, stored, unseekable = io.BytesIO(), io.BytesIO(), Unseekable()
    _one_member_zip(plain)
    _one_member_zip(stored, zipfile.ZIP_STORED)
    _one_member_zip(unseekable)
    assert split_zip(plain.getvalue()) is not None
    assert split_zip(stored.getvalue()) is None
    assert split_zip(bytes(unseekable.buf)) is None
    assert split_zip(plain.getvalue()[:-2] + b"\x01\x00x") is None   # a zip comment


def test_factories_are_kept_per_setup_object(setup):
    assert workbook_factory(setup) is workbook_factory(setup)
    copy = dataclasses.replace(setup)   # equal content, another object: another factory
    first = workbook_factory(copy)
    assert first is not workbook_factory(setup) and first.plan.setup is copy and workbook_factory(copy) is first
    for _ in range(FACTORY_CACHE):
        workbook_factory(dataclasses.replace(setup))
    assert workbook_factory(copy) is not first   # evicted after FACTORY_CACHE newer setups

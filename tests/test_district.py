"""Issue 7, must-have 2: the district roll-up — signed ward masters merged, bad ones reported, the rest still merged."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import shutil
from collections import Counter
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from bdg_workbook.master import report
from bdg_workbook.rollup.wards import (MERGED, MODE_DISTRICT, MODE_WARD, REJECTED, SUPERSEDED, MixedFolderError,
                                   collect_district, detect_mode)
from bdg_workbook.rollup.report import DATA_NAME, SHEET_SUMMARY, data_rows, write_district_outputs
from bdg_workbook.review.review_round import review_master
from bdg_workbook.review.report import write_reviewed_master
from bdg_workbook.domain.scoring import excel_round
from bdg_workbook.trust.signing import SIGNED_MASTER_KEYS, KeyRing, ensure_key_pair, load_private_key
from wards import Ward, edit_master, keys_folder, named_cell


@pytest.fixture(scope="module")
def keyring(demo_wards: list[Ward], tmp_path_factory: pytest.TempPathFactory) -> KeyRing:
    return KeyRing.load(keys_folder(demo_wards, tmp_path_factory.mktemp("keys")))


def _folder(path: Path, *masters: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    for master in masters:
        shutil.copy(master, path / master.name)
    return path


def _signer(ward: Ward):
    key = load_private_key(ward.key)
    return lambda meta: key.sign(meta, SIGNED_MASTER_KEYS)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_three_wards_roll_up_with_correct_sums_and_ranks(demo_wards, keyring, setup, tmp_path):
    inbox = _folder(tmp_path / "nhan", *(w.master for w in demo_wards))
    result = collect_district(inbox, setup, keyring)
    assert result.error_count == 0 and [f.status for f in result.files] == [MERGED] * 3
    assert result.district == setup.config.district and len(result.wards) == 3
    labels = [b.label for b in setup.table.bands]
    for ward in demo_wards:
        merged = next(w for w in result.wards if w.ward == ward.setup.config.ward)
        collected = ward.run.result.departments
        totals = [r.card.total for r in collected]
        assert sorted(merged.totals) == sorted(totals)
        # issue 15: the average is over ALL the ward's departments, one that did not submit counting 0
        assert merged.average == excel_round(sum(totals, Decimal(0)) / len(setup.departments))
        assert merged.average_submitted == excel_round(sum(totals, Decimal(0)) / len(totals))
        assert (len(merged.collected), len(merged.departments)) == (len(collected), len(setup.departments))
        assert merged.rating_counts(labels) == [Counter(r.card.rating for r in collected)[b] for b in labels]
        assert (merged.file, merged.sha256, merged.review_round) == (ward.master.name, _sha(ward.master), 0)
        by_code = {d.code: d for d in merged.departments}
        for r in collected:
            d = by_code[r.department.code]
            assert (d.card.total, d.card.rating, d.rank, d.sha256, d.verified) == (
                r.card.total, r.card.rating, r.rank, r.sha256, False)
            assert d.card.sections == r.card.sections
    ordered = sorted(result.wards, key=lambda w: -w.average)
    assert [w.rank for w in ordered] == [1, 2, 3] and len({w.average for w in ordered}) == 3


def test_district_master_and_json_are_written_with_provenance(demo_wards, keyring, setup, tmp_path):
    result = collect_district(_folder(tmp_path / "nhan", *(w.master for w in demo_wards)), setup, keyring)
    path = tmp_path / "out" / "TONGHOP_HUYEN.xlsx"
    written = write_district_outputs(result, path)
    assert written == [path, path.with_suffix(".json")]
    assert json.loads(written[1].read_text("utf-8")) == json.loads(json.dumps(result.as_dict()))
    book = openpyxl.load_workbook(path)
    summary = book[SHEET_SUMMARY]
    assert summary.page_setup.paperSize == 9 and summary.page_setup.orientation == "portrait"
    assert summary.HeaderFooter.differentFirst
    texts = [v for row in summary.iter_rows(values_only=True) for v in row if isinstance(v, str)]
    assert "PHÒNG LAO ĐỘNG - THƯƠNG BINH" in texts and "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in texts
    assert f"UBND {setup.config.district.upper()}" in texts
    assert {c.font.name for row in summary.iter_rows() for c in row if c.value is not None} == {"Times New Roman"}
    sheet, ref = next(book.defined_names[DATA_NAME].destinations)
    rows = [list(r) for r in book[sheet][ref.replace("$", "")]]
    values = [[c.value for c in row] for row in rows]
    expected = data_rows(result)
    assert len(values) == len(expected) == 1 + 3 * len(setup.departments)
    header = values[0]
    for row in values[1:]:
        ward = next(w for w in demo_wards if w.setup.config.ward == row[0])
        assert (row[1], row[2]) == (ward.master.name, _sha(ward.master))
        if row[header.index("status")] == "collected":
            r = next(r for r in ward.run.result.departments if r.department.code == row[4])
            assert row[header.index("total")] == pytest.approx(float(r.card.total))
            assert row[header.index("department_sha256")] == r.sha256
    assert named_cell(book, "meta_kind").value == "district_master"


def test_tampered_unknown_key_unsigned_and_broken_masters_are_refused_others_merge(demo_wards, keyring, setup,
                                                                                      tmp_path):
    w1, w2, w3 = demo_wards
    bad = tmp_path / "bad"
    bad.mkdir()
    first = w2.run.result.departments[0].department.code
    edit_master(w2.master, bad / "PHUONG2_sua_so.xlsx", data={(first, "total", 6): 199})
    foreign = ensure_key_pair(tmp_path / "la" / "khoa.key")
    key = load_private_key(foreign.private_path)
    report.write_master(w3.run.result, bad / "PHUONG3_khoa_la.xlsx", lambda m: key.sign(m, SIGNED_MASTER_KEYS))
    report.write_master(w1.run.result, bad / "PHUONG1_chua_ky.xlsx")
    edit_master(w1.master, bad / "PHUONG1_sua_meta.xlsx", meta={"collected": "15"})
    (bad / "PHUONG_hong.xlsx").write_bytes(b"PK\x03\x04 tep hong")
    inbox = _folder(tmp_path / "nhan", *(w.master for w in demo_wards), *sorted(bad.iterdir()))
    result = collect_district(inbox, setup, keyring)
    status = {f.file: f.status for f in result.files}
    assert status == {w1.master.name: MERGED, w2.master.name: MERGED, w3.master.name: MERGED,
                      "PHUONG2_sua_so.xlsx": REJECTED, "PHUONG3_khoa_la.xlsx": REJECTED,
                      "PHUONG1_chua_ky.xlsx": REJECTED, "PHUONG1_sua_meta.xlsx": REJECTED,
                      "PHUONG_hong.xlsx": REJECTED}
    errors = {(f.file, f.code) for f in result.findings if f.severity == "error"}
    assert errors == {("PHUONG2_sua_so.xlsx", "D02"), ("PHUONG3_khoa_la.xlsx", "D03"),
                      ("PHUONG1_chua_ky.xlsx", "D01"), ("PHUONG1_sua_meta.xlsx", "D04"), ("PHUONG_hong.xlsx", "F01")}
    clean = collect_district(_folder(tmp_path / "sach", *(w.master for w in demo_wards)), setup, keyring)
    assert [(w.ward, w.average, w.rank) for w in result.wards] == [(w.ward, w.average, w.rank) for w in clean.wards]


def test_a_reviewed_master_replaces_the_collect_master_and_its_verified_points_count(demo_wards, keyring, setup,
                                                                                     tmp_path):
    w1, w2, _w3 = demo_wards
    r = w1.run.result.departments[0]
    code, crit = r.department.code, next(c for c, i in r.card.items.items() if i.points > 0 and c.startswith("II"))
    edited = edit_master(w1.master, tmp_path / "work" / w1.master.name,
                         {f"rv_{code}_{crit.replace('.', '_')}": 0,
                          f"rr_{code}_{crit.replace('.', '_')}": "Không có minh chứng"})
    outcome = review_master(w1.setup, edited, KeyRing.load(w1.public_key))
    v2 = tmp_path / "work" / "TONGHOP_2024_PHUONG1_thamdinh_v2.xlsx"
    write_reviewed_master(outcome, v2, _signer(w1))
    result = collect_district(_folder(tmp_path / "nhan", w1.master, v2, w2.master), setup, keyring)
    assert {f.file: f.status for f in result.files} == {w1.master.name: SUPERSEDED, v2.name: MERGED,
                                                        w2.master.name: MERGED}
    assert [(f.code, f.file) for f in result.findings if f.severity == "warning"] == [("D06", w1.master.name)]
    ward = next(w for w in result.wards if w.ward == w1.setup.config.ward)
    mine = next(d for d in ward.departments if d.code == code)
    expected = next(d for d in outcome.departments if d.result.department.code == code).result.card
    assert mine.verified and mine.card.total == expected.total and mine.card.total < r.card.total
    assert ward.review_round == 1


def test_masters_of_another_year_are_refused(demo_wards, keyring, setup, tmp_path):
    later = dataclasses.replace(setup, config=dataclasses.replace(setup.config, year=setup.config.year + 1))
    result = collect_district(_folder(tmp_path / "nhan", demo_wards[0].master), later, keyring)
    assert [f.code for f in result.findings] == ["D05"] and result.wards == []


def test_folder_kind_is_detected_and_a_mix_is_refused(demo_wards, tmp_path):
    masters = _folder(tmp_path / "masters", *(w.master for w in demo_wards))
    assert detect_mode(masters) == MODE_DISTRICT
    assert detect_mode(demo_wards[0].run.inbox) == MODE_WARD
    department = sorted(demo_wards[0].run.inbox.glob("*.xlsx"))[0]
    shutil.copy(department, masters / department.name)
    with pytest.raises(MixedFolderError, match=department.name):
        detect_mode(masters)

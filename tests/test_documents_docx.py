"""`bdg-workbook report docx` (issue 15 item 6): Báo cáo kết quả, biên bản thẩm định and danh sách đề nghị khen
thưởng in NĐ 30/2020 layout; each opens in LibreOffice and prints to PDF; page 1 of each is rendered to PNG in
test-artifacts/docs/ for a person to look at."""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from docx import Document
from libreoffice import soffice_available, to_pdf
from wards import edit_master

from bdg_workbook.cli.main import main
from bdg_workbook.config.templates import TEMPLATES_DIR
from bdg_workbook.documents.awards import proposed_units
from bdg_workbook.documents.settings import AwardRule, document_settings, level_above
from bdg_workbook.layout.master import review_name
from bdg_workbook.review.review_round import review_master
from bdg_workbook.trust.signing import KeyRing

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "docs"


@pytest.fixture(scope="module")
def documents(demo_wards, tmp_path_factory) -> dict[str, Path]:
    """The three documents written by the CLI from a reviewed master with two audited edits."""
    from click.testing import CliRunner

    ward = demo_wards[0]
    tmp = tmp_path_factory.mktemp("docx")
    r = ward.run.result.departments[0]
    crit = next(c for c in ward.setup.table.criteria if c.section == "II" and r.card.items[c.code].points > 1)
    values = {review_name("verified", r.department.code, crit.code): float(r.card.items[crit.code].points - 1),
              review_name("reason", r.department.code, crit.code): "Biên bản chỉ ghi nhận một phần hoạt động"}
    edited = edit_master(ward.master, tmp / "TONGHOP_2024_PHUONG1.xlsx", values)
    runner = CliRunner()
    here = os.getcwd()
    os.chdir(tmp)                   # the built-in default setup, as the demo wards use it
    try:
        return _write_documents(runner, ward, edited, tmp, crit, r)
    finally:
        os.chdir(here)


def _write_documents(runner, ward, edited: Path, tmp: Path, crit, r) -> dict:
    reviewed = runner.invoke(main, ["review", str(edited), "--keys", str(ward.public_key), "--key", str(ward.key)])
    assert reviewed.exit_code == 0, reviewed.output
    master = tmp / "TONGHOP_2024_PHUONG1_thamdinh_v2.xlsx"
    out = tmp / "van-ban"
    config = tmp / "config.yaml"          # the Ban proposes "Xuất sắc" and "Tốt" units this season
    text = (TEMPLATES_DIR / "config.yaml").read_text(encoding="utf-8")
    assert 'ratings: ["Xuất sắc"]' in text
    config.write_text(text.replace('ratings: ["Xuất sắc"]', 'ratings: ["Xuất sắc", "Tốt"]'), encoding="utf-8")
    done = runner.invoke(main, ["report", "docx", "--master", str(master), "-o", str(out),
                                "--keys", str(ward.public_key), "--config", str(config)])
    assert done.exit_code == 0, done.output
    files = {p.name.split("_2024")[0]: p for p in out.glob("*.docx")}
    assert set(files) == {"BAOCAO", "BIENBAN_THAMDINH", "DS_KHENTHUONG"}, done.output
    return {"master": master, "ward": ward, "crit": crit, "unit": r, **files}


def _text(path: Path) -> str:
    doc = Document(str(path))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def test_every_document_has_the_nd30_frame(documents):
    for name in ("BAOCAO", "BIENBAN_THAMDINH", "DS_KHENTHUONG"):
        doc = Document(str(documents[name]))
        section = doc.sections[0]
        sizes = (section.page_width, section.page_height, section.top_margin, section.bottom_margin,
                 section.left_margin, section.right_margin)
        assert [round(v.mm) for v in sizes] == [210, 297, 20, 20, 30, 15]       # A4, NĐ 30 margins
        assert doc.styles["Normal"].font.name == "Times New Roman"
        header = doc.tables[0]
        left, right = header.cell(0, 0).text, header.cell(0, 1).text
        assert "ỦY BAN NHÂN DÂN" in left and "PHƯỜNG NHƠN HƯNG" in left
        assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in right and "Độc lập - Tự do - Hạnh phúc" in right
        assert header.cell(1, 0).text.startswith("Số: ") and "năm 2024" in header.cell(1, 1).text
        assert "Nhơn Hưng, ngày" in header.cell(1, 1).text
        last = doc.tables[-1]
        assert "Lê Thị Kim Sa" in last.cell(0, 1).text


def test_report_has_results_shortcomings_proposals_and_the_level_above(documents):
    text = _text(documents["BAOCAO"])
    ward = documents["ward"]
    assert "BÁO CÁO" in text and "Kính gửi: " in text
    assert level_above(ward.setup.config) in text                 # the level above from config, not fixed text
    assert "I. KẾT QUẢ THỰC HIỆN" in text and "II. TỒN TẠI, HẠN CHẾ" in text and "III. ĐỀ XUẤT, KIẾN NGHỊ" in text
    assert "Nơi nhận:" in text and "/BC-UBND" in text
    missing = [d.short_name for d in ward.run.result.missing]
    assert missing and all(name in text for name in missing) and "Chưa nộp" in text


def test_minutes_list_the_audited_edit_and_verified_totals(documents):
    text = _text(documents["BIENBAN_THAMDINH"])
    outcome = review_master(documents["ward"].setup, documents["master"], KeyRing.load(documents["ward"].public_key))
    assert "BIÊN BẢN" in text and "II. CÁC ĐIỂM ĐƯỢC ĐIỀU CHỈNH" in text
    assert "Biên bản chỉ ghi nhận một phần hoạt động" in text and documents["crit"].code in text
    unit = next(d for d in outcome.departments if d.result.department.code == documents["unit"].department.code)
    assert str(unit.result.card.total).replace(".", ",").rstrip("0").rstrip(",") in text
    assert "THƯ KÝ" in text and "CHỦ TRÌ" in text


def test_awards_follow_the_config_rule(documents, setup):
    ward = documents["ward"]
    result = ward.run.result
    settings = document_settings(ward.setup.config, ward.setup.table)
    chosen = proposed_units(result, settings.awards)
    assert all(r.card.rating == "Xuất sắc" and not r.errors for r in chosen)
    text = _text(documents["DS_KHENTHUONG"])
    assert all(r.department.name in text for r in chosen)
    wider_units = proposed_units(result, dataclasses.replace(settings.awards, ratings=("Xuất sắc", "Tốt")))
    assert wider_units and all(r.department.name in text for r in wider_units)     # the --config rule was used
    wider = dataclasses.replace(settings.awards, ratings=("Xuất sắc", "Tốt"), max_units=2)
    picked = proposed_units(result, wider)
    assert len(picked) == min(2, sum(1 for r in result.departments if r.card.rating in ("Xuất sắc", "Tốt")
                                     and not r.errors))
    assert [r.rank for r in picked] == sorted(r.rank for r in picked)
    none = AwardRule(("Xuất sắc",), Decimal(201), 0, True, "Giấy khen")
    assert proposed_units(result, none) == []


def test_bad_award_rule_is_a_located_config_error(setup):
    from bdg_workbook.domain.errors import TemplateError
    cfg = dataclasses.replace(setup.config, extra={**setup.config.extra, "awards": {"ratings": ["Hạng A"]}})
    with pytest.raises(TemplateError) as info:
        document_settings(cfg, setup.table)
    assert "awards.ratings" in str(info.value) and "Hạng A" in str(info.value)


def test_missing_master_is_a_clear_error(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(main, ["report", "docx"])
    assert result.exit_code == 2 and "bdg-workbook collect" in result.output


@pytest.mark.skipif(not soffice_available(), reason="LibreOffice not installed")
def test_documents_open_in_libreoffice_and_render(documents, tmp_path):
    paths = [documents[n] for n in ("BAOCAO", "BIENBAN_THAMDINH", "DS_KHENTHUONG")]
    pdfs = to_pdf(paths, tmp_path / "pdf")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for source, pdf in pdfs.items():
        assert pdf.stat().st_size > 5_000 and pdf.read_bytes().startswith(b"%PDF")
        if shutil.which("pdftoppm"):
            prefix = ARTIFACTS / source.stem
            subprocess.run(["pdftoppm", "-r", "70", "-png", "-f", "1", "-l", "1", "-singlefile", str(pdf),
                            str(prefix)], check=True, timeout=120)
            assert prefix.with_suffix(".png").stat().st_size > 10_000


def test_default_master_is_the_latest_reviewed_version(setup, tmp_path, monkeypatch):
    from bdg_workbook.cli.report_commands import latest_master
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "output" / "2024"
    folder.mkdir(parents=True)
    assert latest_master(setup) == Path("output/2024/TONGHOP_2024_NHONHUNG.xlsx")
    for name in ("TONGHOP_2024_NHONHUNG.xlsx", "TONGHOP_2024_NHONHUNG_thamdinh_v2.xlsx",
                 "TONGHOP_2024_NHONHUNG_thamdinh_v10.xlsx", "TONGHOP_2024_NHONHUNG_thamdinh_v3.xlsx"):
        (folder / name).write_bytes(b"")
    assert latest_master(setup).name == "TONGHOP_2024_NHONHUNG_thamdinh_v10.xlsx"

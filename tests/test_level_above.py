"""The level above as configuration (issue 15, item 5): district in 2024, province later; fair ward ranking;
a readable roll-up appendix."""

from __future__ import annotations

import dataclasses
import shutil
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import openpyxl
import pytest
import yaml

from bdg_workbook.cli.main import main
from bdg_workbook.config.load import load_config
from bdg_workbook.config.templates import TEMPLATES_DIR
from bdg_workbook.domain.errors import TemplateError
from bdg_workbook.rollup.report import SHEET_APPENDIX, SHEET_SUMMARY, appendix_table, write_district_outputs
from bdg_workbook.rollup.wards import WardDepartment, WardResult, collect_district, rank_wards
from bdg_workbook.master.sheets import SIZE
from bdg_workbook.master.style import MARGINS
from bdg_workbook.trust.signing import KeyRing
from wards import keys_folder

PROVINCE = {
    "level": "province", "label": "cấp tỉnh", "name": "tỉnh Hòa Bình Xanh", "place_name": "Hòa Bình Xanh",
    "office": "Sở Y tế tỉnh Hòa Bình Xanh", "office_short": "Sở Y tế tỉnh Hòa Bình Xanh",
    "office_header": ["UBND TỈNH HÒA BÌNH XANH", "SỞ Y TẾ"], "authority": "Ủy ban nhân dân tỉnh Hòa Bình Xanh",
    "report_symbol": "BC-SYT", "signer_lines": ["GIÁM ĐỐC"], "recipients": ["UBND tỉnh (để báo cáo);", "Lưu: VT."],
    "file_tag": "TINH",
}


def _config(tmp_path: Path, reports_to: dict | None) -> Path:
    data = yaml.safe_load((TEMPLATES_DIR / "config.yaml").read_text(encoding="utf-8"))
    data.pop("reports_to", None)
    if reports_to is not None:
        data["reports_to"] = reports_to
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_default_is_the_2024_plan_and_reports_to_changes_every_name(tmp_path: Path):
    shipped = load_config().above
    assert (shipped.level, shipped.office_short, shipped.report_symbol, shipped.file_tag) == (
        "district", "Phòng LĐ-TB&XH thị xã Tịnh Biên", "BC-LĐTBXH", "HUYEN")
    derived = load_config(_config(tmp_path, None)).above            # an older config.yaml without reports_to
    assert derived.level == "district" and derived.name == "thị xã Tịnh Biên" and derived.place_name == "Tịnh Biên"
    assert derived.office == load_config().sends_to
    province = load_config(_config(tmp_path, PROVINCE)).above
    assert (province.level, province.office, province.office_header, province.file_tag) == (
        "province", "Sở Y tế tỉnh Hòa Bình Xanh", ("UBND TỈNH HÒA BÌNH XANH", "SỞ Y TẾ"), "TINH")


def test_a_bad_reports_to_block_is_located(tmp_path: Path, runner):
    path = _config(tmp_path, {"level": "xã", "file_tag": "tỉnh"})
    with pytest.raises(TemplateError) as err:
        load_config(path)
    text = str(err.value)
    assert "reports_to.level" in text and "reports_to.file_tag" in text
    result = runner.invoke(main, ["criteria", "check", "--config", str(path)])
    assert result.exit_code == 2 and "reports_to.level" in result.output


def _ward(name: str, totals: list[Decimal | None]) -> WardResult:
    ward = WardResult(name, "d", "p", f"{name}.xlsx", "", "", "", 0, "")
    ward.departments = [WardDepartment(f"U{i}", f"U{i}", t is not None,
                                       SimpleNamespace(total=t) if t is not None else None)
                        for i, t in enumerate(totals)]
    return ward


def test_a_unit_that_did_not_submit_never_raises_its_wards_standing():
    score = Decimal("150")
    three = _ward("A", [score] * 3 + [None] * 12)          # 3 of 15 submitted
    four = _ward("B", [score] * 4 + [None] * 11)           # 4 of 15 submitted, same scores
    top_three = _ward("C", [Decimal("200")] * 3 + [None] * 12)
    all_in = _ward("D", [Decimal("60")] * 15)
    wards = [three, four, top_three, all_in]
    rank_wards(wards)
    assert four.rank < three.rank                            # before issue 15 they tied (average 150 each)
    assert four.average == Decimal("40.00") and three.average == Decimal("30.00")
    assert three.average_submitted == score
    assert all_in.rank < top_three.rank                       # 15 × 60 beats 3 × 200 and 12 missing


def test_province_roll_up_uses_only_configured_names(demo_wards, setup, tmp_path: Path):
    config = load_config(_config(tmp_path, PROVINCE))
    province_setup = dataclasses.replace(setup, config=config)
    keyring = KeyRing.load(keys_folder(demo_wards, tmp_path / "keys"))
    inbox = tmp_path / "nhan"
    inbox.mkdir()
    for ward in demo_wards:
        shutil.copy(ward.master, inbox / ward.master.name)
    result = collect_district(inbox, province_setup, keyring)
    assert result.error_count == 0 and len(result.wards) == 3
    path = tmp_path / "TONGHOP_TINH.xlsx"
    write_district_outputs(result, path)
    book = openpyxl.load_workbook(path)
    texts = [v for name in book.sheetnames for row in book[name].iter_rows(values_only=True) for v in row
             if isinstance(v, str)]
    joined = "\n".join(texts)
    assert "SỞ Y TẾ" in texts and "Số: …/BC-SYT" in texts and "Kính gửi: Ủy ban nhân dân tỉnh Hòa Bình Xanh." in texts
    assert "GIÁM ĐỐC" in texts
    summary = "\n".join(v for row in book[SHEET_SUMMARY].iter_rows(values_only=True) for v in row if isinstance(v, str))
    for fixed in ("huyện", "thị xã", "Phòng LĐ-TB&XH", "Lao động - Thương binh", "TRƯỞNG PHÒNG"):
        assert fixed not in summary, fixed
    assert "chưa nộp tính 0 điểm" in joined


def test_cli_roll_up_file_name_follows_the_level(demo_wards, tmp_path: Path, runner, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "nhan").mkdir()
    for ward in demo_wards:
        shutil.copy(ward.master, tmp_path / "nhan" / ward.master.name)
    keys_folder(demo_wards, tmp_path / "khoa")
    config = _config(tmp_path, PROVINCE)
    result = runner.invoke(main, ["rollup", "nhan", "--keys", "khoa", "--config", str(config)])
    assert result.exit_code in (0, 1), result.output
    written = list((tmp_path / "output" / "2024").glob("TONGHOP_TINH_2024_*.xlsx"))
    assert len(written) == 1 and "Cấp tỉnh" in result.output


def test_the_appendix_prints_at_9_points_or_more(demo_wards, setup, tmp_path: Path):
    keyring = KeyRing.load(keys_folder(demo_wards, tmp_path / "keys"))
    inbox = tmp_path / "nhan"
    inbox.mkdir()
    for ward in demo_wards:
        shutil.copy(ward.master, inbox / ward.master.name)
    result = collect_district(inbox, setup, keyring)
    columns = appendix_table(result).columns
    # Excel/LibreOffice column width in pixels at 96 dpi: 7 per unit + 5 padding (Times/Calibri default)
    pixels = sum(7 * c.width + 5 for c in columns)
    printable = (11.69 - MARGINS["left"] - MARGINS["right"]) * 96      # A4 landscape, NĐ 30 margins
    scale = min(1.0, printable / pixels)                                # fit to one page wide
    assert SIZE * scale >= 9, f"appendix would print at {SIZE * scale:.1f} pt"
    path = tmp_path / "r.xlsx"
    write_district_outputs(result, path)
    sheet = openpyxl.load_workbook(path)[SHEET_APPENDIX]
    assert sheet.page_setup.orientation == "landscape" and sheet.sheet_properties.pageSetUpPr.fitToPage


@pytest.mark.skipif(shutil.which("soffice") is None or shutil.which("pdftotext") is None,
                    reason="LibreOffice and poppler-utils needed")
def test_the_appendix_printed_by_libreoffice_keeps_9_point_text(demo_wards, setup, tmp_path: Path):
    """Print the roll-up with LibreOffice and measure the appendix's words in the PDF (issue 15: was ~5.5 pt)."""
    import re
    import subprocess
    from libreoffice import to_pdf
    keyring = KeyRing.load(keys_folder(demo_wards, tmp_path / "keys"))
    inbox = tmp_path / "nhan"
    inbox.mkdir()
    for ward in demo_wards:
        shutil.copy(ward.master, inbox / ward.master.name)
    path = tmp_path / "rollup.xlsx"
    write_district_outputs(collect_district(inbox, setup, keyring), path)
    pdf = to_pdf([path], tmp_path / "pdf")[path]
    html = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    pages = re.findall(r"<page [^>]*>(.*?)</page>", html, flags=re.S)
    words = [[(w, float(y1) - float(y0)) for y0, y1, w in
              re.findall(r'<word xMin="[\d.]+" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]*)</word>', page)]
             for page in pages]
    # appendix pages: unit codes with the "Loại điểm" column ("Sau kiểm tra"), which "Nguồn từng đơn vị" has not
    appendix = [page for page in words if any(w == "HLHPN" for w, _h in page) and any(w == "Sau" for w, _h in page)]
    assert appendix, "appendix page not found in the PDF"
    heights = [h for page in appendix for w, h in page if w in {d.code for d in setup.departments}]
    points = min(heights) / 1.107          # a Times New Roman word box is ascent + descent = 1.107 em high
    assert points >= 9.0, f"the appendix prints its unit codes at {points:.1f} pt"

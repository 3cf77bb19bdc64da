"""The roll-up master of the level above (district in 2024, province later; ``Config.above``): its report on
every ward (A4, NĐ 30/2020), appendix, ranking, provenance. Every name of that level comes from the config."""

from __future__ import annotations

import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from xlsxwriter.workbook import Workbook

from bdg_workbook import __version__
from bdg_workbook.domain.numbers import format_points
from bdg_workbook.rollup.wards import DISTRICT_KIND, STATUS_VI, DistrictResult, WardResult
from bdg_workbook.domain.findings import SEVERITY_VI
from bdg_workbook.layout.department import absolute, col_letter
from bdg_workbook.master.report import GENERATOR, Signer, created_at
from bdg_workbook.master.print_pages import MOVEMENT, keep_together, national_header, signature_block
from bdg_workbook.master.sheets import write_cells, write_table
from bdg_workbook.master.style import (FONT, PrintSheet, Styles, estimate_lines, merge_text, page_setup, put_number, put_text,
                           row_height)
from bdg_workbook.master.tables import FINDING_COLUMNS, INTEGER, NUMBER, TEXT, Column, Table, data_hash
from bdg_workbook.writing.safe_text import atomic_write_bytes, atomic_write_text, clean_cell_text
from bdg_workbook.domain.scoring import excel_round
from bdg_workbook.domain.model import split_area

DISTRICT_LAYOUT_VERSION = "1"
SHEET_SUMMARY = "Tổng hợp"
SHEET_APPENDIX = "Phụ lục các đơn vị"
SHEET_RANKING = "Xếp hạng phường"
SHEET_SOURCES = "Nguồn số liệu"
SHEET_FINDINGS = "Phát hiện"
SHEET_DATA = "Dữ liệu"
SHEET_META = "meta"
SHEET_UNIT_SOURCES = "Nguồn từng đơn vị"
DISTRICT_SHEETS = (SHEET_SUMMARY, SHEET_APPENDIX, SHEET_RANKING, SHEET_SOURCES, SHEET_UNIT_SOURCES, SHEET_FINDINGS,
                   SHEET_DATA, SHEET_META)
DISTRICT_META_KEYS = ("kind", "layout_version", "template_id", "template_version", "template_hash", "year", "district",
                      "province", "generated_at", "generator", "generator_version", "wards", "merged", "rejected",
                      "data_hash", "key_id", "signature")
DATA_NAME = "district_data"
RANKING_RULE = ("Xếp hạng theo điểm tổng bình quân của tất cả đơn vị thành viên, đơn vị chưa nộp tính 0 điểm "
                "(một đơn vị không nộp không bao giờ làm phường tăng hạng)")


def place_of(area: str) -> str:
    """The place name of an area's date line: ``thị xã Tịnh Biên`` -> ``Tịnh Biên``."""
    return split_area(area)[1]


def default_district_path(result: DistrictResult, slug: str) -> Path:
    """``output/<year>/TONGHOP_<file_tag>_<year>_<AREA>.xlsx`` (file_tag HUYEN in the 2024 plan)."""
    year, tag = result.setup.config.year, result.setup.config.above.file_tag
    return Path("output") / str(year) / f"TONGHOP_{tag}_{year}_{slug or tag}.xlsx"


def write_district_outputs(result: DistrictResult, path: Path, signer: Signer | None = None) -> list[Path]:
    """The district master and its JSON beside it, each written atomically; returns both paths."""
    atomic_write_bytes(path, district_bytes(result, signer))
    json_path = Path(path).with_suffix(".json")
    atomic_write_text(json_path, json.dumps(result.as_dict(), ensure_ascii=False, indent=2, default=str) + "\n")
    return [Path(path), json_path]


def district_bytes(result: DistrictResult, signer: Signer | None = None) -> bytes:
    """The district master as xlsx bytes; the same result gives the same bytes."""
    buffer = io.BytesIO()
    workbook = Workbook(buffer, {
        "in_memory": True, "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False,
        "default_format_properties": {"font_name": FONT, "font_size": 12}})
    year = result.setup.config.year
    workbook.set_properties({"title": f"Tổng hợp kết quả chấm điểm thi đua năm {year} - {area_of(result)}",
                             "subject": "Phong trào thi đua “Vì sự tiến bộ của phụ nữ và Bình đẳng giới”",
                             "author": GENERATOR, "created": created_at(result)})  # type: ignore[arg-type]
    st = Styles(workbook)
    sheets = {name: workbook.add_worksheet(name, worksheet_class=PrintSheet) for name in DISTRICT_SHEETS}
    write_district_summary(sheets[SHEET_SUMMARY], st, result)
    write_table(sheets[SHEET_APPENDIX], st, "Phụ lục: BẢNG ĐIỂM CÁC ĐƠN VỊ CỦA TỪNG PHƯỜNG, XÃ",
                "Điểm đang có hiệu lực của từng đơn vị (thẩm định nếu phường đã thẩm định, nếu không là điểm sau kiểm "
                f"tra); tệp và SHA-256 của từng đơn vị ở trang “{SHEET_UNIT_SOURCES}”", appendix_table(result))
    write_table(sheets[SHEET_RANKING], st, f"XẾP HẠNG CÁC PHƯỜNG, XÃ NĂM {year}", RANKING_RULE + " (cao xuống thấp)",
                ranking_table(result), landscape=False, empty_text="(Không có phường nào được tổng hợp)")
    write_table(sheets[SHEET_UNIT_SOURCES], st, "NGUỒN SỐ LIỆU TỪNG ĐƠN VỊ",
                "Tệp tổng hợp của phường, tệp của đơn vị và SHA-256 để đối chiếu với tệp gốc", unit_sources_table(result))
    write_table(sheets[SHEET_SOURCES], st, "NGUỒN SỐ LIỆU: BẢNG TỔNG HỢP CÁC PHƯỜNG GỬI",
                f"{len(result.files)} tệp trong thư mục {clean_cell_text(result.inbox)}; chữ ký số kiểm tra bằng khóa "
                "công khai của từng phường", sources_table(result))
    write_table(sheets[SHEET_FINDINGS], st, "CÁC PHÁT HIỆN KHI TỔNG HỢP",
                f"{result.error_count} lỗi, {result.warning_count} cảnh báo", findings_table(result))
    rows = data_rows(result)
    _write_rows(workbook, sheets[SHEET_DATA], rows)
    meta = district_meta(result, data_hash(rows))
    if signer is not None:
        meta["key_id"], meta["signature"] = signer(dict(meta))
    _write_meta(workbook, sheets[SHEET_META], meta)
    sheets[SHEET_SUMMARY].activate()
    workbook.close()
    return buffer.getvalue()


# ---------------------------------------------------------------- the printed report


def summary_columns(labels: list[str]) -> list[tuple[str, float]]:
    """Header and width of every column of the report's table."""
    return ([("TT", 4), ("Phường, xã", 17), ("Số đơn vị", 5.6), ("Đã nộp", 5.6), ("Bình quân (chưa nộp = 0)", 6.6),
             ("Thấp nhất", 6.6), ("Cao nhất", 6.6)] + [(label, 6.2) for label in labels] + [("Xếp hạng", 5.6)])


def write_district_summary(sheet: PrintSheet, st: Styles, result: DistrictResult) -> None:
    """NĐ 30 header of the district office, title, summary text, one row per ward, recipients and signer."""
    year, above = result.setup.config.year, result.setup.config.above
    district = area_of(result)
    labels = result.band_labels
    cols = summary_columns(labels)
    last, split = len(cols) - 1, 4
    for i, (_h, width) in enumerate(cols):
        sheet.set_column(i, i, width)
    width = sum(w for _h, w in cols)
    row = national_header(sheet, st, list(above.office_header), f"Số: …/{above.report_symbol}",
                          f"{above.place_name or place_of(district)}, ngày … tháng … năm {year}", split, last,
                          max(1, len(above.office_header) - 1))
    row = _title(sheet, st, year, above.authority, row + 1, last, width)
    for para in summary_paragraphs(result):
        merge_text(sheet, row, 0, row, last, para, st(size=13, align="justify", valign="top", text_wrap=True))
        sheet.set_row(row, row_height(estimate_lines(para, width, 13), 13))
        row += 1
    header = row + 1
    th = st(size=11, bold=True, align="center", valign="vcenter", text_wrap=True, border=1)
    for i, (text, _w) in enumerate(cols):
        put_text(sheet, header, i, text, th)
    sheet.set_row(header, row_height(3, 11))
    row = header + 1
    for number, ward in enumerate(result.wards, 1):
        _ward_row(sheet, st, ward, number, row, labels)
        row += 1
    closing = (f"Trên đây là báo cáo kết quả chấm điểm {MOVEMENT} năm {year} của các phường, xã trên địa bàn "
               f"{district}./.")
    merge_text(sheet, row + 1, 0, row + 1, last, closing, st(size=13, align="justify", valign="top", text_wrap=True))
    sheet.set_row(row + 1, row_height(estimate_lines(closing, width, 13), 13))
    end = signature_block(sheet, st, list(above.recipients), list(above.signer_lines), "", row + 3, split, last)
    keep_together(sheet, row + 1, end, width, carry_from=max(header + 1, row - 2))
    sheet.print_area(0, 0, end, last)
    page_setup(sheet, landscape=False, repeat=(header, header), hide_first_number=True)


def _title(sheet: PrintSheet, st: Styles, year: int, authority: str, row: int, last: int, width: float) -> int:
    merge_text(sheet, row, 0, row, last, "BÁO CÁO", st(bold=True, size=14, align="center"))
    subject = (f"Kết quả chấm điểm phong trào thi đua “Vì sự tiến bộ của phụ nữ\nvà Bình đẳng giới” năm {year} "
               "của các phường, xã")
    merge_text(sheet, row + 1, 0, row + 1, last, subject, st(bold=True, size=14, align="center", valign="top",
                                                             text_wrap=True))
    sheet.set_row(row + 1, row_height(2, 14))
    merge_text(sheet, row + 2, 0, row + 2, last, "─" * 9, st(size=12, align="center", valign="top"))
    sheet.set_row(row + 2, 12)
    text = f"Kính gửi: {authority}."
    merge_text(sheet, row + 4, 0, row + 4, last, text, st(size=14, align="center", text_wrap=True))
    sheet.set_row(row + 4, row_height(estimate_lines(text, width, 14), 14))
    return row + 6


def _ward_row(sheet: PrintSheet, st: Styles, ward: WardResult, number: int, row: int, labels: list[str]) -> None:
    num = st(size=11, num_format="0.00", align="right", valign="vcenter", border=1)
    bold = st(size=11, num_format="0.00", bold=True, align="right", valign="vcenter", border=1)
    integer = st(size=11, num_format="0", align="center", valign="vcenter", border=1)
    totals = ward.totals
    put_number(sheet, row, 0, number, integer)
    put_text(sheet, row, 1, ward.ward, st(size=11, valign="vcenter", text_wrap=True, border=1))
    put_number(sheet, row, 2, len(ward.departments), integer)
    put_number(sheet, row, 3, len(ward.collected), integer)
    put_number(sheet, row, 4, ward.average, bold)
    put_number(sheet, row, 5, min(totals) if totals else None, num)
    put_number(sheet, row, 6, max(totals) if totals else None, num)
    for i, count in enumerate(ward.rating_counts(labels)):
        put_number(sheet, row, 7 + i, count, integer)
    put_number(sheet, row, 7 + len(labels), ward.rank or None, integer)
    sheet.set_row(row, row_height(estimate_lines(ward.ward, 17, 11), 11))


def summary_paragraphs(result: DistrictResult) -> list[str]:
    """What was merged, how many departments, the overall average and ratings, what was refused."""
    totals = [t for w in result.wards for t in w.totals]
    departments = sum(len(w.departments) for w in result.wards)
    refused = sum(1 for f in result.files if f.status == "rejected")
    text = (f"{result.setup.config.above.office} tổng hợp bảng tổng hợp kết quả chấm điểm của {len(result.wards)} "
            f"phường, xã (đã kiểm tra chữ ký số của từng phường): tổng số {departments} đơn vị thành viên Ban Vì sự "
            f"tiến bộ của phụ nữ và Bình đẳng giới, đã gửi bảng tự chấm điểm {len(totals)} đơn vị. {RANKING_RULE}.")
    if totals:
        avg = excel_round(sum(totals, Decimal(0)) / len(totals))
        counts = [sum(w.rating_counts(result.band_labels)[i] for w in result.wards)
                  for i in range(len(result.band_labels))]
        bands = "; ".join(f"{label}: {n} đơn vị" for label, n in zip(result.band_labels, counts))
        total_max = format(result.setup.table.total_max.normalize(), "f")
        text += f" Điểm tổng bình quân chung là {format_points(avg)}/{total_max} điểm. Xếp loại: {bands}."
    if refused:
        text += (f" Có {refused} tệp không được tổng hợp (chưa ký, bị sửa hoặc ký bằng khóa lạ; chi tiết tại trang "
                 f"“{SHEET_FINDINGS}” và “{SHEET_SOURCES}”).")
    lead = ("Điểm của từng đơn vị là điểm thẩm định của phường (nếu phường đã thẩm định), nếu không là điểm sau "
            f"kiểm tra; chi tiết từng đơn vị tại trang “{SHEET_APPENDIX}”. Kết quả cụ thể như sau:")
    return ["    " + text, "    " + lead]


# ---------------------------------------------------------------- tables


def appendix_table(result: DistrictResult) -> Table:
    """Every department of every merged ward with its points in force and both files' provenance."""
    table = result.setup.table
    sections = [s.code for s in table.sections]
    cols = [Column("Phường, xã", TEXT, 16), Column("TT", INTEGER, 5), Column("Mã đơn vị", TEXT, 9),
            Column("Tên đơn vị", TEXT, 28)]
    cols += [Column(f"Phần {code}", NUMBER, 7) for code in sections]
    cols += [Column("Điểm cơ bản", NUMBER, 8), Column("Tổng điểm", NUMBER, 8), Column("Xếp loại", TEXT, 11),
             Column("Hạng trong phường", INTEGER, 8), Column("Loại điểm", TEXT, 11)]
    rows = []
    for ward in result.wards:
        for i, d in enumerate(ward.departments, 1):
            head = [ward.ward, i, d.code, d.name]
            if d.card is None:
                rows.append(head + [None] * (len(sections) + 2) + ["Chưa nộp", None, ""])
                continue
            kind = "Thẩm định" if d.verified else "Sau kiểm tra"
            rows.append(head + [d.card.sections[c].capped for c in sections]
                        + [d.card.base, d.card.total, d.card.rating, d.rank or None, kind])
    return Table(tuple(cols), rows)


def unit_sources_table(result: DistrictResult) -> Table:
    """Provenance of every department's points: the ward's master file, the department's file and its SHA-256."""
    cols = (Column("Phường, xã", TEXT, 16), Column("Mã đơn vị", TEXT, 9),
            Column("Tệp tổng hợp của phường (SHA-256 ở trang Nguồn số liệu)", TEXT, 22),
            Column("Tệp đơn vị", TEXT, 21), Column("SHA-256 tệp đơn vị", TEXT, 58))
    rows = [[ward.ward, d.code, ward.file, d.file if d.card is not None else "Chưa nộp", d.sha256]
            for ward in result.wards for d in ward.departments]
    return Table(cols, rows)


def area_of(result: DistrictResult) -> str:
    """The area the roll-up covers: the configured level's name, else what most wards name."""
    above = result.setup.config.above
    return above.name or (result.province if above.level == "province" else result.district)


def ranking_table(result: DistrictResult) -> Table:
    """The wards by rank: average, best and lowest total, departments collected, review round."""
    cols = (Column("Xếp hạng", INTEGER, 8), Column("Phường, xã", TEXT, 24),
            Column("Bình quân (chưa nộp = 0)", NUMBER, 10),
            Column("Cao nhất", NUMBER, 9), Column("Thấp nhất", NUMBER, 9), Column("Đã nộp/Số đơn vị", TEXT, 11),
            Column("Vòng thẩm định", INTEGER, 9))
    ordered = sorted(result.wards, key=lambda w: (w.rank == 0, w.rank, w.ward))
    rows = [[w.rank or None, w.ward, w.average, max(w.totals) if w.totals else None,
             min(w.totals) if w.totals else None, f"{len(w.collected)}/{len(w.departments)}", w.review_round]
            for w in ordered]
    return Table(cols, rows)


def sources_table(result: DistrictResult) -> Table:
    """Every file received: ward, status, SHA-256, key id and where the trusted key came from, review round."""
    cols = (Column("TT", INTEGER, 5), Column("Tệp", TEXT, 28), Column("Phường, xã", TEXT, 18),
            Column("Trạng thái", TEXT, 16), Column("SHA-256", TEXT, 58), Column("Mã khóa ký", TEXT, 17),
            Column("Khóa công khai dùng kiểm tra", TEXT, 24), Column("Vòng thẩm định", INTEGER, 9),
            Column("Số lỗi", INTEGER, 6))
    sources = {w.file: w.key_source for w in result.wards}
    rows = [[i, f.file, f.ward, STATUS_VI.get(f.status, f.status), f.sha256, f.key_id,
             Path(sources[f.file]).name if sources.get(f.file) else "", f.review_round, f.errors]
            for i, f in enumerate(result.files, 1)]
    return Table(cols, rows)


def findings_table(result: DistrictResult) -> Table:
    """Every finding of the roll-up (same columns as the ward master's findings sheet)."""
    rows = [[SEVERITY_VI.get(f.severity, f.severity), f.code, f.department, f.criterion, f.file, f.sheet, f.cell,
             f.value, f.message, f.fix] for f in result.findings]
    return Table(FINDING_COLUMNS, rows)


# ---------------------------------------------------------------- machine-readable part


def data_columns(result: DistrictResult) -> list[str]:
    """Header of the hidden data sheet (one row per ward × department)."""
    sections = [f"sec_{s.code}" for s in result.setup.table.sections]
    return (["ward", "ward_file", "ward_sha256", "key_id", "department_code", "department_name", "status", "points"]
            + sections + ["base", "bonus", "penalty", "total", "rating", "rank", "department_file",
                          "department_sha256"])


def data_rows(result: DistrictResult) -> list[list[Any]]:
    """The hidden data sheet's rows, header first; named ``district_data``."""
    sections = [s.code for s in result.setup.table.sections]
    rows: list[list[Any]] = [data_columns(result)]
    for ward in result.wards:
        for d in ward.departments:
            head = [ward.ward, ward.file, ward.sha256, ward.key_id, d.code, d.name]
            if d.card is None:
                rows.append(head + ["missing", None] + [None] * (len(sections) + 8))
                continue
            card = d.card
            rows.append(head + ["collected", "verified" if d.verified else "counted"]
                        + [card.sections[c].capped for c in sections]
                        + [card.base, card.bonus, card.penalty, card.total, card.rating, d.rank or None, d.file,
                           d.sha256])
    return rows


def district_meta(result: DistrictResult, digest: str) -> dict[str, str]:
    """The district master's meta (DISTRICT_META_KEYS); key_id and signature left empty."""
    table = result.setup.table
    return {"kind": DISTRICT_KIND, "layout_version": DISTRICT_LAYOUT_VERSION, "template_id": table.template_id,
            "template_version": table.version, "template_hash": table.content_hash,
            "year": str(result.setup.config.year), "district": result.district, "province": result.province,
            "generated_at": result.generated_at, "generator": GENERATOR, "generator_version": __version__,
            "wards": str(len(result.wards)), "merged": str(sum(1 for f in result.files if f.status == "merged")),
            "rejected": str(sum(1 for f in result.files if f.status == "rejected")), "data_hash": digest,
            "key_id": "", "signature": ""}


def _write_rows(workbook: Workbook, sheet: PrintSheet, rows: list[list[Any]]) -> None:
    write_cells(sheet, rows)
    last = f"{col_letter(len(rows[0]) - 1)}{len(rows)}"
    workbook.define_name(DATA_NAME, "=" + absolute(SHEET_DATA, f"A1:{last}"))
    sheet.hide()


def _write_meta(workbook: Workbook, sheet: PrintSheet, meta: dict[str, str]) -> None:
    sheet.set_column(0, 0, 20)
    sheet.set_column(1, 1, 70)
    for i, key in enumerate(DISTRICT_META_KEYS):
        sheet.write_string(i, 0, key)
        if meta.get(key):
            sheet.write_string(i, 1, clean_cell_text(meta[key]))
        workbook.define_name(f"meta_{key}", "=" + absolute(SHEET_META, f"B{i + 1}"))
    sheet.hide()


def summary_lines(result: DistrictResult, written: list[Path], seconds: float) -> list[str]:
    """The Vietnamese terminal summary of the roll-up: wards by rank, findings, files written."""
    from bdg_workbook.writing.terminal_text import finding_lines, table
    rows = [[str(w.rank or "-"), w.ward, f"{len(w.collected)}/{len(w.departments)}",
             format_points(w.average) if w.average is not None else "", str(w.review_round), w.file]
            for w in sorted(result.wards, key=lambda w: (w.rank == 0, w.rank, w.ward))]
    lines = [table(["Hạng", "Phường, xã", "Đã nộp", "Bình quân", "Vòng TĐ", "Tệp"], rows, right={0, 3, 4}), ""]
    refused = sum(1 for f in result.files if f.status == "rejected")
    above = result.setup.config.above
    lines.append(f"{above.label[:1].upper() + above.label[1:]} ({area_of(result) or 'chưa rõ'}): nhận {len(result.files)} tệp, tổng hợp "
                 f"{len(result.wards)} phường, từ chối {refused} tệp; {result.error_count} lỗi, "
                 f"{result.warning_count} cảnh báo.")
    lines += ["  " + line for line in finding_lines(result.findings)]
    lines.append(f"Tệp tổng hợp {above.label}: {written[0]}")
    lines.append(f"Kèm theo: {', '.join(p.name for p in written[1:])}")
    lines.append(f"Thời gian: {format_points(seconds)} giây.")
    return lines

"""The next version of the ward master after a review round: verified points in force, audit log carried over."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

from bdg_workbook.domain.numbers import format_points
from bdg_workbook.layout.master import (REVIEWED_MASTER_SHEETS, SHEET_APPENDIX, SHEET_AUDIT, SHEET_BONUS, SHEET_CHART,
                            SHEET_DATA, SHEET_EVIDENCE, SHEET_FILES, SHEET_FINDINGS, SHEET_MISSING,
                            SHEET_REVIEW, SHEET_SUMMARY)
from bdg_workbook.master.carried import carried_hash, define_table_names, reviewed_tables, severity_counts
from bdg_workbook.master.tables import Table
from bdg_workbook.master.report import Signer, finish_master, master_meta, new_workbook
from bdg_workbook.master.print_pages import MOVEMENT, write_appendix, write_summary
from bdg_workbook.master.sheets import write_chart, write_data, write_table
from bdg_workbook.master.style import PrintSheet, Styles
from bdg_workbook.master.tables import average_total, data_hash, data_rows, missing_table, rating_counts
from bdg_workbook.review.review_round import ReviewOutcome
from bdg_workbook.master.review_sheets import ReviewEntry, audit_hash, write_audit_sheet, write_review_sheet
from bdg_workbook.writing.safe_text import atomic_write_bytes
from bdg_workbook.domain.scoring import excel_round

KEPT_META = ("template_id", "template_version", "template_hash", "year", "ward", "district", "province")


def write_reviewed_master(outcome: ReviewOutcome, path: Path, signer: Signer | None = None) -> None:
    """Write the next version of the master to ``path`` atomically (never the file that was reviewed)."""
    if Path(path).resolve() == Path(outcome.master.path).resolve():
        raise ValueError("không ghi đè tệp đang thẩm định")
    atomic_write_bytes(path, reviewed_master_bytes(outcome, signer))


def reviewed_master_bytes(outcome: ReviewOutcome, signer: Signer | None = None, view_hash: str | None = None) -> bytes:
    """The reviewed master as xlsx bytes: report, appendix (verified/counted/self), review sheet, audit log.

    Built twice, like ``master.report.master_bytes``: the signature covers meta ``view_hash``, the hash
    of what every sheet shows."""
    view = outcome.view()
    year = view.setup.config.year
    buffer = io.BytesIO()
    workbook = new_workbook(buffer, view)
    st = Styles(workbook)
    sheets = {name: workbook.add_worksheet(name, worksheet_class=PrintSheet) for name in REVIEWED_MASTER_SHEETS}
    placement = write_summary(sheets[SHEET_SUMMARY], st, view, paragraphs=review_paragraphs(outcome))
    by_code = {d.result.department.code: d for d in outcome.departments}
    blocks = ((f"A. ĐIỂM THẨM ĐỊNH VÒNG {outcome.round} (ĐIỂM ĐƯỢC TÍNH)", lambda r: r.card),
              ("B. ĐIỂM SAU KIỂM TRA (TRƯỚC THẨM ĐỊNH)", lambda r: by_code[r.department.code].counted_card),
              ("C. ĐIỂM ĐƠN VỊ TỰ CHẤM (THEO CÔNG THỨC TRONG TỆP ĐƠN VỊ GỬI)", lambda r: r.self_card))
    write_appendix(sheets[SHEET_APPENDIX], st, view, blocks)
    entries = [ReviewEntry(d.result.department, d.result.self_card, d.counted_card, d.result.card, d.result.rank)
               for d in outcome.departments]
    write_review_sheet(workbook, sheets[SHEET_REVIEW], st, view.setup.table, entries, year, outcome.round + 1)
    write_audit_sheet(workbook, sheets[SHEET_AUDIT], st, outcome.audit, year)
    cards = {d.result.department.code: d.result.card for d in outcome.departments}
    carried, lost = reviewed_tables(view, outcome.master.tables, outcome.findings, cards)
    write_carried_tables(sheets, st, outcome, carried, lost)
    define_table_names(workbook, carried)
    missing = missing_table(view)
    write_table(sheets[SHEET_MISSING], st, "CÁC ĐƠN VỊ CHƯA NỘP BẢNG TỰ CHẤM ĐIỂM", f"{len(missing.rows)} đơn vị",
                missing, landscape=False, empty_text="Tất cả các đơn vị đã nộp.")
    write_chart(workbook, sheets[SHEET_CHART], st, view, placement)
    rows = data_rows(view, {code: (d.counted_card, d.counted_rank) for code, d in by_code.items()})
    write_data(workbook, sheets[SHEET_DATA], rows, SHEET_DATA)
    meta = master_meta(view, data_hash(rows))
    meta.update({k: outcome.master.meta.get(k, "") for k in KEPT_META})
    meta.update({"review_round": str(outcome.round), "previous_file": outcome.master.display_name,
                 "previous_sha256": outcome.master.sha256, "audit_hash": audit_hash(outcome.audit),
                 "tables_hash": carried_hash(carried)})
    return finish_master(workbook, buffer, sheets, meta, signer, view_hash,
                         lambda: reviewed_master_bytes(outcome, None, ""))


def write_carried_tables(sheets: dict, st: Styles, outcome: ReviewOutcome, tables: dict[str, Table],
                         lost: list[str]) -> None:
    """Findings (collect and every review round), evidence, bonus (points in force) and files of this version."""
    year, source = outcome.setup.config.year, outcome.master.display_name
    errors, warnings = severity_counts(tables[SHEET_FINDINGS])
    notes = {
        SHEET_FINDINGS: (f"CÁC PHÁT HIỆN KHI KIỂM TRA VÀ THẨM ĐỊNH BẢNG TỰ CHẤM ĐIỂM NĂM {year}",
                         f"{errors} lỗi, {warnings} cảnh báo, {len(tables[SHEET_FINDINGS].rows)} dòng: phát hiện khi "
                         f"thu thập và qua {outcome.round} vòng thẩm định (vòng {outcome.round}: {outcome.error_count} "
                         f"lỗi, {outcome.warning_count} cảnh báo khi đọc tệp {source})"),
        SHEET_EVIDENCE: ("SỔ MINH CHỨNG TỔNG HỢP CỦA CÁC ĐƠN VỊ",
                         f"{len(tables[SHEET_EVIDENCE].rows)} dòng minh chứng do các đơn vị kê (giữ nguyên như trong "
                         "tệp; cột Dòng là số dòng trong trang Minh chứng của tệp đơn vị)"),
        SHEET_BONUS: ("THUYẾT MINH ĐIỂM THƯỞNG CỦA CÁC ĐƠN VỊ",
                      f"{len(tables[SHEET_BONUS].rows)} mục; điểm được tính là điểm của tiêu chí sau thẩm định vòng "
                      f"{outcome.round}"),
        SHEET_FILES: ("CÁC TỆP ĐÃ NHẬN",
                      f"{len(tables[SHEET_FILES].rows)} tệp nhận khi thu thập (chép từ bản tổng hợp); SHA-256 để đối "
                      "chiếu tệp gốc"),
    }
    for sheet, (title, note) in notes.items():
        if sheet in lost or (not outcome.master.tables.get(sheet) and sheet != SHEET_FINDINGS):
            note += f"; bảng của tệp {source} không đọc được hoặc không có: xem bản tổng hợp do lệnh collect ghi"
        write_table(sheets[sheet], st, title, note, tables[sheet], empty_text="(Không có)")


def review_paragraphs(outcome: ReviewOutcome) -> list[str]:
    """The report's text after a review: collected, changes of this round, averages before/after, ratings."""
    view = outcome.view()
    cfg, table = view.setup.config, view.setup.table
    listed = len(view.setup.departments)
    missing = [d.short_name for d in outcome.missing]
    edits = outcome.edits
    touched = len({e.department for e in edits})
    lead = (f"Thực hiện {cfg.plan_ref}, {cfg.aggregator_name or cfg.ward} tổng hợp và thẩm định kết quả tự chấm "
            f"điểm {MOVEMENT} năm {cfg.year} của các đơn vị thành viên Ban Vì sự tiến bộ của phụ nữ và Bình đẳng "
            f"giới {cfg.ward}: tổng số {listed} đơn vị, đã gửi bảng tự chấm điểm {len(outcome.departments)} đơn "
            f"vị, chưa gửi {len(missing)} đơn vị" + (f" ({', '.join(missing)})" if missing else "") + ". "
            f"Vòng thẩm định thứ {outcome.round} điều chỉnh {len(edits)} điểm tiêu chí của {touched} đơn vị "
            f"(tổng cộng {len(outcome.audit)} điều chỉnh qua các vòng; chi tiết tại trang “{SHEET_AUDIT}”).")
    avg = average_total(view)
    if avg is not None:
        before = excel_round(sum((d.counted_card.total for d in outcome.departments), Decimal(0))
                             / len(outcome.departments))
        bands = "; ".join(f"{label}: {count} đơn vị" for label, count in rating_counts(view))
        lead += (f" Điểm tổng bình quân sau thẩm định là {format_points(avg)}/{format(table.total_max.normalize(), 'f')}"
                 f" điểm (sau kiểm tra, trước thẩm định: {format_points(before)}). Xếp loại: {bands}.")
    check = (f"Điểm của từng đơn vị dưới đây là điểm thẩm định; điểm tự chấm, điểm sau kiểm tra và điểm thẩm định "
             f"từng tiêu chí xem tại trang “{SHEET_APPENDIX}” và “{SHEET_REVIEW}”; minh chứng, thuyết minh điểm "
             f"thưởng và các phát hiện xem tại trang “{SHEET_EVIDENCE}”, “{SHEET_BONUS}”, “{SHEET_FINDINGS}”. "
             f"Kết quả cụ thể như sau:")
    return ["    " + lead, "    " + check]


def summary_lines(outcome: ReviewOutcome, written: Path | None) -> list[str]:
    """The Vietnamese terminal summary: departments before/after, findings, the file written (or why not)."""
    from bdg_workbook.writing.terminal_text import finding_lines, table
    lines = []
    if outcome.departments:
        rows = [[str(d.result.rank), str(d.counted_rank), d.result.department.code, d.result.department.short_name,
                 format_points(d.result.self_card.total), format_points(d.counted_card.total), format_points(d.result.card.total),
                 d.result.card.rating] for d in sorted(outcome.departments, key=lambda d: d.result.rank)]
        lines.append(table(["Hạng", "Hạng cũ", "Mã", "Đơn vị", "Tự chấm", "Sau kiểm tra", "Thẩm định", "Xếp loại"],
                           rows, right={0, 1, 4, 5, 6}))
        lines.append("")
    refused = " (các sửa đổi có lỗi không được áp dụng)" if outcome.error_count else ""
    lines.append(f"Vòng thẩm định {outcome.round}: áp dụng {len(outcome.edits)} điều chỉnh; "
                 f"{outcome.error_count} lỗi{refused}, {outcome.warning_count} cảnh báo.")
    for edit in outcome.edits:
        lines.append(f"  {edit.department} {edit.criterion}: {format_points(edit.before)} → {format_points(edit.after)} "
                     f"({edit.reason})")
    lines += ["  " + line for line in finding_lines(outcome.findings)]
    if written is None and any(f.code == "R13" for f in outcome.findings):   # a key problem, not a damaged file
        lines.append(f"KHÔNG ghi bản thẩm định: không tìm thấy khóa của phường để kiểm tra chữ ký của tệp "
                     f"{outcome.master.display_name} (xem ở trên cách chỉ khóa).")
    elif written is None:
        lines.append(f"KHÔNG ghi bản thẩm định: tệp {outcome.master.display_name} không còn nguyên vẹn "
                     "(xem các lỗi ở trên).")
    else:
        lines.append(f"Bản thẩm định: {written} (nhật ký {len(outcome.audit)} dòng qua {outcome.round} vòng).")
    return lines

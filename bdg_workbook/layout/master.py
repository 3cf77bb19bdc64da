"""The ward master workbook's contract: sheet names, meta keys and the machine-readable data sheet.

``report.py`` writes exactly this; a district reader merging ward masters reads it (see
``MASTER_LAYOUT_DOC``). Like ``layout.py`` for department workbooks, this module imports no
spreadsheet library.
"""

from __future__ import annotations

import decimal
import hashlib
import json
from decimal import Decimal
from typing import Any

from bdg_workbook.writing.safe_text import clean_cell_text

MASTER_KIND = "ward_master"
MASTER_LAYOUT_VERSION = "2"

SHEET_SUMMARY = "Tổng hợp"
SHEET_APPENDIX = "Phụ lục chi tiết"
SHEET_REVIEW = "Thẩm định"
SHEET_AUDIT = "Nhật ký thẩm định"
SHEET_FINDINGS = "Phát hiện"
SHEET_EVIDENCE = "Minh chứng"
SHEET_BONUS = "Điểm thưởng"
SHEET_MISSING = "Chưa nộp"
SHEET_FILES = "Tệp đã nhận"
SHEET_CHART = "Biểu đồ"
SHEET_DATA = "Dữ liệu"
SHEET_META = "meta"
MASTER_SHEETS = (SHEET_SUMMARY, SHEET_APPENDIX, SHEET_REVIEW, SHEET_AUDIT, SHEET_FINDINGS, SHEET_EVIDENCE,
                 SHEET_BONUS, SHEET_MISSING, SHEET_FILES, SHEET_CHART, SHEET_DATA, SHEET_META)
# a reviewed master (written by ``review``) keeps every sheet: the collector's tables are carried over (below)
REVIEWED_MASTER_SHEETS = MASTER_SHEETS
# ---- tables carried from version to version (issue 13.8): sheet -> defined name over its header and rows;
# their canonical hash is meta ``tables_hash`` (signed), so a review reads them back as they were written
CARRIED_TABLES = {SHEET_FINDINGS: "findings_table", SHEET_EVIDENCE: "evidence_table", SHEET_BONUS: "bonus_table",
                  SHEET_FILES: "files_table"}
HIDDEN_SHEETS = (SHEET_DATA, SHEET_META)

# ---- meta sheet: key in column A, value in column B, from row 1; defined name meta_<key> -> B cell
MASTER_META_KEYS = (
    "kind", "layout_version", "template_id", "template_version", "template_hash", "year", "ward",
    "district", "province", "generated_at", "generator", "generator_version", "departments",
    "collected", "missing", "review_round", "previous_file", "previous_sha256", "audit_hash", "data_hash",
    "key_id", "signature", "tables_hash", "view_hash",
)
SIGNATURE_KEYS = ("key_id", "signature")   # left empty by report.py; filled by signing
META_FIRST_ROW = 1

# ---- data sheet: one header row, then one row per (department, key); defined name ``master_data``
DATA_NAME = "master_data"
DATA_COLUMNS = ("department_code", "department_name", "status", "key", "self", "counted")
REVIEWED_DATA_COLUMNS = DATA_COLUMNS + ("verified",)    # a reviewed master adds the points in force
DATA_STATUS_COLLECTED = "collected"
DATA_STATUS_MISSING = "missing"
# keys after the criterion codes, for a collected department, in this order
DATA_TOTAL_KEYS = ("base_raw", "applicable_max", "base", "bonus_raw", "bonus", "penalty_raw", "penalty",
                   "total", "rating", "rank", "errors", "warnings", "file", "sha256", "submitted",
                   "not_applicable", "na_overturned")
NA_SEPARATOR = " "          # not_applicable: criterion codes marked "Không áp dụng", separated by a space



def meta_cell(key: str) -> str:
    """Address of a meta key's value on the meta sheet (``B1`` for ``kind``)."""
    return f"B{META_FIRST_ROW + MASTER_META_KEYS.index(key)}"


def meta_key_cell(key: str) -> str:
    """Address of a meta key's name on the meta sheet (``A1`` for ``kind``)."""
    return f"A{META_FIRST_ROW + MASTER_META_KEYS.index(key)}"


def data_range(row_count: int, width: int = len(DATA_COLUMNS)) -> str:
    """Range of the data sheet holding ``row_count`` rows including the header (``A1:F120``)."""
    return f"A1:{chr(ord('A') + width - 1)}{row_count}"


# ---- review sheet ("Thẩm định"): one row per collected department × criterion, below a department heading row
REVIEW_TITLE_ROW, REVIEW_NOTE_ROW, REVIEW_HEADER_ROW = 0, 1, 2          # 0-based
REVIEW_COLUMNS = (  # role, Vietnamese header, width
    ("no", "TT", 5), ("department", "Mã đơn vị", 9), ("code", "Mã tiêu chí", 7),
    ("text", "Nội dung tiêu chí", 44), ("max", "Điểm tối đa", 8), ("self", "Điểm tự chấm", 9),
    ("counted", "Điểm sau kiểm tra", 9), ("verified", "Điểm thẩm định", 10), ("reason", "Lý do điều chỉnh", 34),
)
# defined name prefix of each review cell: rv_<DEPT>_<II_3> is the editable "Điểm thẩm định" cell
REVIEW_NAME_PREFIX = {"verified": "rv", "reason": "rr", "self": "rs", "counted": "rk"}


def review_column(role: str) -> int:
    """0-based column of a review sheet role."""
    return [r for r, _label, _w in REVIEW_COLUMNS].index(role)


def review_name(role: str, department_code: str, criterion_code: str) -> str:
    """Defined name of one review cell: ``review_name("verified", "MTTQ", "II.3")`` -> ``rv_MTTQ_II_3``."""
    return f"{REVIEW_NAME_PREFIX[role]}_{department_code}_{criterion_code.replace('.', '_')}"


# ---- audit sheet ("Nhật ký thẩm định"): every change of every review round; defined name ``audit_log``
AUDIT_NAME = "audit_log"
AUDIT_COLUMNS = ("Vòng", "Thời điểm", "Mã đơn vị", "Tên đơn vị", "Tiêu chí", "Điểm trước", "Điểm sau", "Lý do",
                 "Tệp thẩm định")


# ---- status of an input file, as the master shows it
FILE_STATUS_VI = {
    "collected": "Đã tổng hợp",
    "rejected": "Bị từ chối",
    "superseded": "Không dùng (đơn vị có tệp khác được dùng)",
    "untrusted": "Cần xác minh / bị từ chối (không tính)",
    "blank": "Biểu mẫu chưa điền (không tính)",
}
NOT_RETURNED_VI = "Chưa nộp"

MASTER_LAYOUT_DOC = """\
Bảng tổng hợp của phường (ward master), layout_version 2 — cách đọc bằng máy:

1. Trang ẩn 'meta': cột A là khóa, cột B là giá trị, từ dòng 1, theo thứ tự MASTER_META_KEYS;
   mỗi giá trị có tên xác định (defined name) meta_<khóa>, ví dụ meta_kind -> 'meta'!$B$1.
   kind = "ward_master"; template_id/template_hash cho biết bảng tiêu chí đã dùng; year, ward,
   district định danh phường; review_round = số vòng thẩm định đã làm (0: bản do collect ghi);
   previous_file/previous_sha256 = bản tổng hợp trước (bản thẩm định); data_hash = SHA-256 (hex)
   của trang 'Dữ liệu' (JSON chuẩn hóa của các dòng, xem report_tables.data_hash); audit_hash =
   SHA-256 của vùng audit_log (cùng cách tính); key_id và signature: chữ ký số Ed25519 của phường
   trên các khóa signing.SIGNED_MASTER_KEYS (để trống nếu phường chưa có khóa).
2. Trang ẩn 'Dữ liệu' (tên xác định master_data bao toàn bảng): dòng 1 là tiêu đề
   department_code | department_name | status | key | self | counted (bản đã thẩm định thêm cột
   verified); mỗi dòng sau là một cặp (đơn vị, khóa), đơn vị theo thứ tự departments.yaml.
   - status = "collected": các khóa là mã tiêu chí (I.1 … V.4, theo thứ tự bảng tiêu chí; self =
     điểm theo công thức trong tệp đơn vị, counted = điểm được tính sau kiểm tra, verified = điểm
     thẩm định đang có hiệu lực), rồi sec_<phần> (điểm phần sau trần), rồi base_raw,
     applicable_max, base, bonus_raw, bonus, penalty_raw, penalty, total (số), rating (chữ), rank
     (counted: hạng sau kiểm tra; verified: hạng sau thẩm định), errors, warnings (số, chỉ ở cột
     counted), file, sha256, submitted (chữ, chỉ ở cột counted; submitted dạng NNNN-TT-NN),
     not_applicable (mã các tiêu chí "Không áp dụng", cách nhau một dấu cách; trống nếu không có),
     na_overturned (chỉ ở cột verified: mã các tiêu chí Thường trực Ban đã bác "Không áp dụng" khi
     thẩm định; các tiêu chí này được chấm theo điểm thẩm định).
   - status = "missing": một dòng, key, self, counted để trống.
   Số ghi dạng số (không phải chữ), đã làm tròn 2 chữ số như hàm ROUND của Excel.
3. Trang 'Thẩm định': mỗi đơn vị đã nộp × tiêu chí một dòng; ô "Điểm thẩm định" (tên rv_<ĐƠN VỊ>_<mã>,
   ví dụ rv_MTTQ_II_3) và ô lý do (rr_…) không khóa, điền sẵn điểm đang có hiệu lực (cột verified,
   nếu chưa thẩm định thì counted); ô điểm tự chấm (rs_…) và sau kiểm tra (rk_…) bị khóa.
   'bdg-workbook review' đọc các ô này theo tên, đối chiếu với trang 'Dữ liệu'.
4. Trang 'Nhật ký thẩm định' (tên audit_log: dòng tiêu đề AUDIT_COLUMNS và mỗi điều chỉnh một dòng,
   giữ lại mọi vòng trước).
5. Các trang 'Phát hiện', 'Minh chứng', 'Điểm thưởng', 'Tệp đã nhận': bảng (dòng tiêu đề và các dòng)
   có tên xác định findings_table, evidence_table, bonus_table, files_table; meta tables_hash =
   SHA-256 của các bảng này (layout.master.tables_hash). Bản thẩm định chép lại các bảng (thêm phát
   hiện của vòng thẩm định, cập nhật điểm được tính và số lỗi/cảnh báo).
6. Các trang hiển thị khác (Tổng hợp, Phụ lục chi tiết, …) dành cho người đọc và để in; không đọc
   số liệu từ các trang này.
"""


# ---------------------------------------------------------------- the data-sheet hash (writer and reader)


def data_hash(rows: list[list[Any]]) -> str:
    """SHA-256 of the data rows as canonical JSON (Decimals as plain strings)."""
    plain = [[_canonical(v) for v in row] for row in rows]
    payload = json.dumps(plain, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def tables_hash(tables: dict[str, list[list[Any]]]) -> str:
    """SHA-256 of the carried tables (CARRIED_TABLES order; each row prefixed by its sheet), as meta
    ``tables_hash`` records it."""
    return data_hash([[sheet, *row] for sheet in CARRIED_TABLES for row in tables.get(sheet, [])])


def _canonical(value: Any) -> Any:
    """Numbers as plain decimal text and text as written to the sheet, so a reader can recompute the hash."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float, Decimal)):
        return _canonical_number(value)
    text = clean_cell_text(value).replace("\u00a0", " ").strip()   # as a reader gets it back (trimmed, '' is blank)
    return text or None


_HASH_CONTEXT = decimal.Context(prec=60, rounding=decimal.ROUND_HALF_UP)
_HASH_PLACES = Decimal("1e-9")


def _canonical_number(value: int | float | Decimal) -> str:
    """A number as plain text, rounded to 9 decimals: 95.32 written by xlsxwriter as 95.31999999999999 (16
    significant digits) or by LibreOffice with 17 digits hashes the same as the 95.32 the writer had."""
    number = Decimal(str(value))
    if number.is_finite() and abs(number) < 10 ** 15:
        number = _HASH_CONTEXT.quantize(number, _HASH_PLACES)
    text = format(number, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text

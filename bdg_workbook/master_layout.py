"""The ward master workbook's contract: sheet names, meta keys and the machine-readable data sheet.

``report.py`` writes exactly this; a district reader merging ward masters reads it (see
``MASTER_LAYOUT_DOC``). Like ``layout.py`` for department workbooks, this module imports no
spreadsheet library.
"""

from __future__ import annotations

MASTER_KIND = "ward_master"
MASTER_LAYOUT_VERSION = "1"

SHEET_SUMMARY = "Tổng hợp"
SHEET_APPENDIX = "Phụ lục chi tiết"
SHEET_FINDINGS = "Phát hiện"
SHEET_EVIDENCE = "Minh chứng"
SHEET_BONUS = "Điểm thưởng"
SHEET_MISSING = "Chưa nộp"
SHEET_FILES = "Tệp đã nhận"
SHEET_CHART = "Biểu đồ"
SHEET_DATA = "Dữ liệu"
SHEET_META = "meta"
MASTER_SHEETS = (SHEET_SUMMARY, SHEET_APPENDIX, SHEET_FINDINGS, SHEET_EVIDENCE, SHEET_BONUS,
                 SHEET_MISSING, SHEET_FILES, SHEET_CHART, SHEET_DATA, SHEET_META)
HIDDEN_SHEETS = (SHEET_DATA, SHEET_META)

# ---- meta sheet: key in column A, value in column B, from row 1; defined name meta_<key> -> B cell
MASTER_META_KEYS = (
    "kind", "layout_version", "template_id", "template_version", "template_hash", "year", "ward",
    "district", "province", "generated_at", "generator", "generator_version", "departments",
    "collected", "missing", "data_hash", "key_id", "signature",
)
SIGNATURE_KEYS = ("key_id", "signature")   # left empty by report.py; filled by signing
META_FIRST_ROW = 1

# ---- data sheet: one header row, then one row per (department, key); defined name ``master_data``
DATA_NAME = "master_data"
DATA_COLUMNS = ("department_code", "department_name", "status", "key", "self", "counted")
DATA_STATUS_COLLECTED = "collected"
DATA_STATUS_MISSING = "missing"
# keys after the criterion codes, for a collected department, in this order
DATA_TOTAL_KEYS = ("base_raw", "applicable_max", "base", "bonus_raw", "bonus", "penalty_raw", "penalty",
                   "total", "rating", "rank", "errors", "warnings", "file", "sha256", "submitted")



def meta_cell(key: str) -> str:
    """Address of a meta key's value on the meta sheet (``B1`` for ``kind``)."""
    return f"B{META_FIRST_ROW + MASTER_META_KEYS.index(key)}"


def meta_key_cell(key: str) -> str:
    """Address of a meta key's name on the meta sheet (``A1`` for ``kind``)."""
    return f"A{META_FIRST_ROW + MASTER_META_KEYS.index(key)}"


def data_range(row_count: int) -> str:
    """Range of the data sheet holding ``row_count`` rows including the header (``A1:F120``)."""
    return f"A1:{chr(ord('A') + len(DATA_COLUMNS) - 1)}{row_count}"


# ---- status of an input file, as the master shows it
FILE_STATUS_VI = {
    "collected": "Đã tổng hợp",
    "rejected": "Bị từ chối",
    "superseded": "Không dùng (đơn vị có tệp khác được dùng)",
}
NOT_RETURNED_VI = "Chưa nộp"

MASTER_LAYOUT_DOC = """\
Bảng tổng hợp của phường (ward master), layout_version 1 — cách đọc bằng máy:

1. Trang ẩn 'meta': cột A là khóa, cột B là giá trị, từ dòng 1, theo thứ tự MASTER_META_KEYS;
   mỗi giá trị có tên xác định (defined name) meta_<khóa>, ví dụ meta_kind -> 'meta'!$B$1.
   kind = "ward_master"; template_id/template_hash cho biết bảng tiêu chí đã dùng; year, ward,
   district định danh phường; data_hash = SHA-256 (hex) của trang 'Dữ liệu' (JSON chuẩn hóa của
   các dòng, xem report.data_hash); key_id và signature để trống cho bước ký.
2. Trang ẩn 'Dữ liệu' (tên xác định master_data bao toàn bảng): dòng 1 là tiêu đề
   department_code | department_name | status | key | self | counted; mỗi dòng sau là một cặp
   (đơn vị, khóa), đơn vị theo thứ tự departments.yaml.
   - status = "collected": các khóa là mã tiêu chí (I.1 … V.4, theo thứ tự bảng tiêu chí; self =
     điểm theo công thức trong tệp đơn vị, counted = điểm được tính sau kiểm tra), rồi sec_<phần>
     (điểm phần sau trần), rồi base_raw, applicable_max, base, bonus_raw, bonus, penalty_raw,
     penalty, total (số), rating (chữ), rank, errors, warnings (số, chỉ ở cột counted), file,
     sha256, submitted (chữ, chỉ ở cột counted; submitted dạng NNNN-TT-NN).
   - status = "missing": một dòng, key, self, counted để trống.
   Số ghi dạng số (không phải chữ), đã làm tròn 2 chữ số như hàm ROUND của Excel.
3. Các trang hiển thị (Tổng hợp, Phụ lục chi tiết, …) dành cho người đọc và để in; không đọc số liệu
   từ các trang này.
"""

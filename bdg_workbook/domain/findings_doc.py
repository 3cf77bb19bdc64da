"""The findings catalogue as a Markdown page (docs/findings.md is generated from the code, never by hand)."""

from __future__ import annotations

from bdg_workbook.domain.findings import CATALOGUE, CRITERION_LEVEL_ERRORS, SEVERITY_VI

HEADER = """# Danh mục mã phát hiện (findings)

Trang này được sinh tự động từ `bdg_workbook/findings.py` bằng `bdg-workbook findings --format markdown`.
Mỗi phát hiện ghi rõ tệp, trang, ô, giá trị tìm thấy, nội dung và cách sửa.
LỖI: tệp/tiêu chí không được tính (mã thoát 1); CẢNH BÁO: vẫn tính, cần xem lại; THÔNG TIN: để biết.
LỖI mức tiêu chí ({criterion_codes}): chỉ tiêu chí (hoặc dòng minh chứng) đó không được tính, phần còn lại
của tệp vẫn tính. Mọi mã LỖI khác của một tệp đơn vị là LỖI mức tệp: tệp được ghi "cần xác minh / bị từ chối"
kèm lý do, không vào tổng điểm và xếp hạng, và đơn vị vẫn là "chưa nộp hợp lệ" nếu không có tệp hợp lệ khác.

| Mã | Mức | Tên | Nội dung (mẫu) | Cách sửa |
|---|---|---|---|---|
"""


def render_markdown() -> str:
    """Every catalogue entry as one table row, ordered by code."""
    rows = []
    for code in sorted(CATALOGUE):
        e = CATALOGUE[code]
        cells = [code, SEVERITY_VI[e.severity], e.title, e.template, e.fix or "—"]
        rows.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    header = HEADER.replace("{criterion_codes}", ", ".join(sorted(CRITERION_LEVEL_ERRORS)))
    return header + "\n".join(rows) + "\n"


def render_text() -> str:
    """Plain listing for the terminal."""
    return "\n".join(f"{code}  {SEVERITY_VI[CATALOGUE[code].severity]:<10} {CATALOGUE[code].title}"
                     for code in sorted(CATALOGUE))

"""Plain-text rendering for the terminal: the collect summary table and finding lines."""

from __future__ import annotations

import unicodedata

from bdg_workbook.domain.numbers import format_points
from bdg_workbook.domain.findings import CATALOGUE, ERROR, SEVERITY_VI, WARNING, Finding
from bdg_workbook.domain.result import CollectResult


def ascii_slug(text: str) -> str:
    """``phường Nhơn Hưng`` -> ``NHONHUNG`` (for file names)."""
    text = text.replace("đ", "d").replace("Đ", "D")
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in plain.upper() if ch.isalnum())


def _width(text: str) -> int:
    return len(unicodedata.normalize("NFC", text))


def _pad(text: str, width: int, right: bool = False) -> str:
    gap = " " * max(0, width - _width(text))
    return gap + text if right else text + gap


def table(headers: list[str], rows: list[list[str]], right: set[int] | None = None) -> str:
    """A simple aligned text table."""
    right = right or set()
    widths = [max([_width(h)] + [_width(r[i]) for r in rows]) for i, h in enumerate(headers)]
    lines = ["  ".join(_pad(h, widths[i], i in right) for i, h in enumerate(headers)),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(_pad(c, widths[i], i in right) for i, c in enumerate(r)) for r in rows]
    return "\n".join(lines)


def summary_text(result: CollectResult) -> str:
    """The collect summary: one row per department, then the missing ones and the counts."""
    rows = []
    for r in result.departments:
        rows.append([str(r.rank), r.department.code, r.department.short_name, format_points(r.card.total),
                     r.card.rating, str(r.errors), str(r.warnings)])
    for d in result.missing:
        rows.append(["-", d.code, d.short_name, "", result.not_returned_label(d.code), "", ""])
    out = [table(["Hạng", "Mã", "Đơn vị", "Tổng điểm", "Xếp loại", "Lỗi", "Cảnh báo"], rows, right={0, 3, 5, 6})]
    out.append("")
    out.append(f"Đã nhận {len(result.files)} tệp; tổng hợp {len(result.departments)} đơn vị; "
               f"chưa nộp {len(result.missing)}; {result.error_count} lỗi, {result.warning_count} cảnh báo.")
    return "\n".join(out)


def finding_lines(findings: list[Finding], limit: int = 40) -> list[str]:
    """Every error in full (up to ``limit``), then the warnings counted by kind."""
    errors = [f for f in findings if f.severity == ERROR]
    lines = [f.text() for f in errors[:limit]]
    if len(errors) > limit:
        lines.append(f"… và {len(errors) - limit} lỗi khác (xem trang 'Phát hiện' của tệp tổng hợp).")
    by_code: dict[str, list[Finding]] = {}
    for f in findings:
        if f.severity == WARNING:
            by_code.setdefault(f.code, []).append(f)
    for code, group in sorted(by_code.items()):
        depts = sorted({f.department for f in group if f.department})
        lines.append(f"[{SEVERITY_VI[WARNING]} {code}] {CATALOGUE[code].title}: {len(group)} lần"
                     + (f" ({', '.join(depts)})" if depts else ""))
    return lines

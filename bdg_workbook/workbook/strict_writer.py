"""xlsxwriter made strict: calls that only warn or return an error code raise BdgError instead.

xlsxwriter leaves items out with a ``warn()`` and a negative return value (a data-validation list
over 255 characters, a title over 32 characters, …). Every call the generator makes goes through
``checked`` inside a ``guard`` so nothing is silently dropped.
"""

from __future__ import annotations

import warnings
from contextlib import contextmanager
from typing import Any, Iterator

from xlsxwriter.worksheet import Worksheet

from bdg_workbook.domain.errors import BdgError


def checked(ret: Any, what: str) -> Any:
    """Raise BdgError when an xlsxwriter call returned an error code (any non-zero integer)."""
    if isinstance(ret, int) and not isinstance(ret, bool) and ret != 0:
        raise BdgError(f"Lỗi khi tạo bảng tính: không thực hiện được '{what}' (xlsxwriter trả mã {ret}).")
    return ret


@contextmanager
def guard(what: str) -> Iterator[None]:
    """Record xlsxwriter's warnings while building and raise BdgError if there was any."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    ours = [w for w in caught if "xlsxwriter" in (w.filename or "")]
    for w in caught:
        if w not in ours:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    if ours:
        details = "; ".join(str(w.message) for w in ours)
        raise BdgError(f"Lỗi khi tạo bảng tính ({what}): xlsxwriter bỏ qua một mục: {details}")


# The "different first page" header reaches into xlsxwriter's private XML writer; it is used only with the
# xlsxwriter versions it was tested with (setup.cfg pins the same range) and only when every private name
# it needs is there. Otherwise the header is xlsxwriter's plain one (page numbers on every page, page 1 too).
TESTED_XLSXWRITER = ((3, 1), (3, 4))    # from, up to (excluded)
_PRIVATE_HELPERS = ("_write_odd_header", "_write_odd_footer", "_xml_start_tag", "_xml_end_tag")
_PRIVATE_FIELDS = ("header_footer_changed", "header_footer_scales", "header_footer_aligns", "header", "footer")


def _version(text: str) -> tuple[int, ...]:
    parts = []
    for piece in text.split(".")[:2]:
        digits = "".join(c for c in piece if c.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts)


def first_page_header_supported(sheet: Worksheet | None = None) -> bool:
    """Whether the installed xlsxwriter is one the first-page override was tested with and has its internals."""
    import xlsxwriter
    low, high = TESTED_XLSXWRITER
    if not low <= _version(getattr(xlsxwriter, "__version__", "0")) < high:
        return False
    if not all(callable(getattr(Worksheet, name, None)) for name in _PRIVATE_HELPERS):
        return False
    return sheet is None or all(hasattr(sheet, name) for name in _PRIVATE_FIELDS)


class PrintWorksheet(Worksheet):
    """A worksheet that can leave page 1 without the page-number header ("different first page", NĐ 30/2020).

    xlsxwriter has no option for it, so the <headerFooter> element is written here; with
    ``differentFirst`` and no <firstHeader>, page 1 has an empty header. ``different_first`` is on by
    default (department workbooks); the master's ``page_setup`` sets it per sheet. With an xlsxwriter it was
    not tested with (``first_page_header_supported``), the plain header is written instead.
    """

    different_first = True

    def __init__(self) -> None:
        super().__init__()
        self.row_points: dict[int, float] = {}   # heights given to set_row, in points (xlsxwriter's own
        #                                          record changed units between versions: never read it)

    def set_row(self, row: int, height: float | None = None, cell_format: Any = None, options: Any = None) -> Any:
        """xlsxwriter's ``set_row``, remembering the height (points) for page-break estimates."""
        if height is not None:
            self.row_points[row] = height
        return super().set_row(row, height, cell_format, options)

    def _write_header_footer(self) -> None:
        if not (self.different_first and first_page_header_supported(self) and self.header_footer_changed):
            super()._write_header_footer()
            return
        attributes: list[tuple[str, Any]] = [("differentFirst", 1)]
        if not self.header_footer_scales:
            attributes.append(("scaleWithDoc", 0))
        if not self.header_footer_aligns:
            attributes.append(("alignWithMargins", 0))
        self._xml_start_tag("headerFooter", attributes)
        if self.header:
            self._write_odd_header()
        if self.footer:
            self._write_odd_footer()
        self._xml_end_tag("headerFooter")

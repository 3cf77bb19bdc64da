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


class PrintWorksheet(Worksheet):
    """A worksheet that can leave page 1 without the page-number header ("different first page", NĐ 30/2020).

    xlsxwriter has no option for it, so the <headerFooter> element is written here; with
    ``differentFirst`` and no <firstHeader>, page 1 has an empty header. ``different_first`` is on by
    default (department workbooks); the master's ``page_setup`` sets it per sheet.
    """

    different_first = True

    def _write_header_footer(self) -> None:
        if not (self.different_first and self.header_footer_changed):
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

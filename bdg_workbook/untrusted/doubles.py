"""Numbers as a spreadsheet holds them: every number cell is an IEEE double, whatever digits the file spells.

Excel writes a typed 8.37 as ``8.3699999999999992`` (17 significant digits), openpyxl ``8.369999999999999``,
LibreOffice ``8.37``: the same double. Scoring its shortest round-trip decimal (``Decimal(repr(float(text)))``)
makes ROUND half-up land where Excel's and LibreOffice's ROUND land (they correct for the binary error).
"""

from __future__ import annotations

from decimal import Decimal


def as_double(number: Decimal) -> Decimal:
    """The number a spreadsheet holds for this text: the nearest IEEE double, as its shortest round-trip
    decimal. Excel writes a typed 8.37 as ``8.3699999999999992``; read as an exact decimal it would round
    a half cent down where Excel and LibreOffice round up. Beyond the double range: unchanged (``#NUM``)."""
    double = float(number)
    if double in (_INF, -_INF):
        return number
    text = repr(double)
    return Decimal(text[:-2] if text.endswith(".0") else text)


_INF = float("inf")

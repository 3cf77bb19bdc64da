"""Numbers as a Vietnamese reader writes them: a decimal comma (``152,75``), never a decimal point.

The one place that formats numbers for people (terminal, printed report, review texts). Machine outputs
(JSON, the hidden data sheet) keep plain decimal points.
"""

from __future__ import annotations

from decimal import Decimal


def plain_number(value: Decimal | None) -> str | None:
    """``Decimal('2.50')`` -> ``'2.5'``, ``Decimal('1E+2')`` -> ``'100'``; None stays None."""
    if value is None:
        return None
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def format_points(value: Decimal | float) -> str:
    """Points with exactly two decimals and a decimal comma: ``152,75``."""
    return f"{value:.2f}".replace(".", ",")


def format_number(value: Decimal | None) -> str:
    """A number without trailing zeros and with a decimal comma (``2,5``, ``100``); empty for None."""
    text = plain_number(value)
    return "" if text is None else text.replace(".", ",")

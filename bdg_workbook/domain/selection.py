"""Department codes as a person types them after ``--only``: repeated, comma or space separated, any case."""

from __future__ import annotations

import re
from collections.abc import Iterable


def parse_codes(items: Iterable[str] | None) -> list[str]:
    """``["mttq,HLHPN", " dtn "]`` -> ``["MTTQ", "HLHPN", "DTN"]`` (order kept, duplicates dropped)."""
    codes: list[str] = []
    for item in items or ():
        for code in re.split(r"[,;\s]+", item.strip().upper()):
            if code and code not in codes:
                codes.append(code)
    return codes

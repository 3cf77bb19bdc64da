"""Signature of a returned workbook's meta, and the hash of its locked content.

Emits: E17 (signature bad, unknown key, malformed, or missing where the ward has a key), W15 (unsigned
and no key to check with), W22 (signed, but no key of the ward was found to check it), E18 (the locked-content hash in the meta is not the one issued).
"""

from __future__ import annotations

from bdg_workbook.layout.department import layout_of
from bdg_workbook.workbook.locked import expected_locked_hash
from bdg_workbook.domain.model import Department
from bdg_workbook.trust.signing import UNSIGNED, KeyRing, verify_meta
from bdg_workbook.domain.submission import Cell
from bdg_workbook.collect.rules.context import FileContext

CODES = ("E17", "E18", "W15", "W22")


def check_signature(ctx: FileContext, dept: Department, keyring: KeyRing | None) -> None:
    """Verify the meta signature against the trusted keys and the issued locked-content hash."""
    meta = ctx.sub.meta
    sheet, ref = layout_of(ctx.setup.table).names["meta_signature"]
    meta_cell = Cell(sheet, ref)
    if keyring is None or len(keyring) == 0:
        if not meta.get("signature"):
            ctx.add("W15", meta_cell, value="", reason="không tìm thấy khóa ký của phường")
        else:   # a signed file and no key: a key problem, not an unsigned file (issue 12)
            ctx.add("W22", meta_cell, value=meta.get("key_id", "") or "(không rõ)",
                    reason="không có --keys/--key, biến môi trường BDG_SIGNING_KEY hay tệp keys/ward-signing.key "
                           "ở thư mục đang chạy")
    else:
        result = verify_meta(meta, meta.get("key_id"), meta.get("signature"), keyring)
        if not result.ok:
            ctx.add("E17", meta_cell, value=meta.get("key_id", "") or "(không có)",
                    reason=result.message if result.status != UNSIGNED else "tệp không có chữ ký số")
    expected = expected_locked_hash(ctx.setup, dept)
    if meta.get("locked_hash") and meta.get("locked_hash") != expected:
        ctx.add("E18", None, value=meta.get("locked_hash", "")[:16], expected=expected[:16])

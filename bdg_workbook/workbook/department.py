"""What a department changes in its workbook: a shape (which cells, merges and styles) and texts by slot.

The sheet writers never see a ``Department``: they take a ``DeptForm``. Every department-dependent text
they write is one whole cell (or the document title) taken from ``form.texts``. Two departments of one
shape differ only in ``texts``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Callable, Mapping

from bdg_workbook import __version__
from bdg_workbook.domain.errors import BdgError
from bdg_workbook.workbook.plan import Plan
from bdg_workbook.layout.department import LAYOUT_VERSION
from bdg_workbook.workbook.locked import dept_locked_values, locked_hash
from bdg_workbook.domain.model import Department

Signer = Callable[[Mapping[str, str]], tuple[str, str]]   # meta -> (key_id, signature), e.g. SigningKey.sign

GENERATOR = "bdg-workbook"
MAX_HEADER_LINES = 5
PREPARER = "NGƯỜI LẬP BIỂU"
SEAL_NOTE = "(Ký, ghi rõ họ tên, đóng dấu)"
SIGN_NOTE = "(Ký, ghi rõ họ tên)"
NBSP = "\u00a0"
# meta sheet keys whose value is a department slot (key_id and signature only when the workbook is signed)
META_SLOTS = {"department_code": "code", "department_name": "name", "locked_hash": "locked_hash",
              "key_id": "key_id", "signature": "signature"}
UNSIGNED_META = ("key_id", "signature")     # constant (empty) in an unsigned workbook, so not slots there


@dataclass(frozen=True)
class DeptShape:
    """The structural part of a department's workbook: equal shapes give the same cells, merges and styles."""

    header_styles: tuple[str, ...]      # style of each 'header_left' line (the issuing body's line is bold)
    rule: bool                          # a short underline below the header lines
    header_right: str                   # "doan" or "quoc_hieu"
    signer_styles: tuple[str, ...]      # style of each signer line of the right signature block
    note: str                           # last line of the right block (seal or no seal)
    left_block: bool                    # the preparer's block on the left (absent when the preparer signs)
    signed: bool                        # key_id and signature filled in
    targets: tuple[tuple[str, Decimal | None], ...] = ()   # the Ban's target of each ratio criterion for this unit
    na_locked: tuple[str, ...] = ()     # criteria whose N/A cell is locked ("Áp dụng") for this unit

    def target(self, code: str) -> Decimal | None:
        """The Ban's target of a ratio criterion in this workbook."""
        return dict(self.targets).get(code)


@dataclass(frozen=True)
class DeptForm:
    """A department's shape, its texts by slot, and its meta sheet values (signed when a signer was given)."""

    shape: DeptShape
    texts: Mapping[str, str]
    meta: Mapping[str, str]


def unit_line(dept: Department) -> str:
    """``Đơn vị: <name> (mã đơn vị: <code>)``."""
    return f"Đơn vị: {dept.name} (mã đơn vị: {dept.code})"


def dept_form(plan: Plan, dept: Department, locked_digest: str, signer: Signer | None = None) -> DeptForm:
    """Shape, texts and meta values of one department's workbook (meta signed by ``signer`` if given)."""
    lines = list(dept.header_left)
    if len(lines) > MAX_HEADER_LINES:
        raise BdgError(f"Đơn vị {dept.code}: 'header_left' có {len(lines)} dòng; tối đa {MAX_HEADER_LINES} dòng "
                       "(sửa departments.yaml).")
    decorated = bool(lines) and _is_decoration(lines[-1])
    issuer = len(lines) - (2 if decorated else 1)
    self_signed = bool(dept.signer) and dept.signer[0].strip().upper() == PREPARER
    shape = DeptShape(
        header_styles=tuple("hdr_bold" if i == issuer else "hdr_plain" for i in range(len(lines))),
        rule=bool(lines) and not decorated, header_right="doan" if dept.header_right == "doan" else "quoc_hieu",
        signer_styles=tuple(signature_style(line) for line in dept.signer),
        note=SEAL_NOTE if dept.has_seal else SIGN_NOTE, left_block=not self_signed, signed=signer is not None,
        targets=tuple((c.code, dept.target_for(c)) for c in plan.setup.table.criteria if c.method == "ratio"),
        na_locked=tuple(c.code for c in plan.setup.table.criteria if c.allow_na and not dept.may_be_na(c)))
    texts = {"code": dept.code, "name": dept.name, "unit_line": unit_line(dept),
             "evidence_title": f"DANH MỤC MINH CHỨNG — {dept.name.upper()}",
             "doc_title": f"Bảng tự chấm điểm {plan.year} - {dept.name}"}
    texts.update({f"header_{i}": line for i, line in enumerate(lines)})
    if shape.rule:
        texts["rule"] = NBSP * max(12, int(len(lines[issuer]) * 1.6))
    texts.update({f"signer_{i}": line for i, line in enumerate(dept.signer)})
    meta = meta_values(plan, dept, locked_digest)
    if signer is not None:
        meta["key_id"], meta["signature"] = signer(dict(meta))
    texts.update({slot: meta[key] for key, slot in META_SLOTS.items() if shape.signed or key not in UNSIGNED_META})
    return DeptForm(shape, texts, meta)


def meta_values(plan: Plan, dept: Department, locked_digest: str) -> dict[str, str]:
    """Meta sheet values by key (all text); key_id and signature stay empty unless a signer fills them."""
    table, cfg = plan.setup.table, plan.setup.config
    return {
        "layout_version": LAYOUT_VERSION, "template_id": table.template_id, "template_version": table.version,
        "template_hash": table.content_hash, "year": str(cfg.year), "ward": cfg.ward,
        "department_code": dept.code, "department_name": dept.name, "issued_at": cfg.issue_date.isoformat(),
        "generator": GENERATOR, "generator_version": __version__, "locked_hash": locked_digest,
        "key_id": "", "signature": "",
    }


def dept_locked_hash(plan: Plan, dept: Department) -> str:
    """Hash of the department's locked content, from the plan's department-independent part."""
    return locked_hash({**plan.locked_content, **dept_locked_values(plan.setup.table, dept)})


def signature_style(line: str) -> str:
    """Style of a signature-block line: notes in brackets are italic, titles bold."""
    return "sig_note" if line.startswith("(") else "sig_title"


def _is_decoration(line: str) -> bool:
    return bool(line.strip()) and set(line.strip()) <= set("*-_=~ ")

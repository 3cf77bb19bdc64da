"""The Vietnamese messages of signature checks: what a signed key stands for, unknown key, bad signature."""

from __future__ import annotations

from typing import Any, Iterable

# Short Vietnamese label of what each signed key stands for (used to say what may have been edited).
KEY_LABELS: dict[str, str] = {
    "kind": "loại tệp", "layout_version": "phiên bản bố cục", "template_id": "mẫu",
    "template_version": "mẫu", "template_hash": "mẫu", "year": "năm", "ward": "phường",
    "district": "địa bàn cấp trên", "department_code": "mã đơn vị", "department_name": "tên đơn vị",
    "issued_at": "ngày phát hành", "generated_at": "thời điểm tổng hợp",
    "generator_version": "phiên bản chương trình", "locked_hash": "nội dung khóa",
    "content_hash": "nội dung tổng hợp", "data_hash": "nội dung tổng hợp", "province": "tỉnh",
    "departments": "số đơn vị", "collected": "số đơn vị", "missing": "số đơn vị",
    "review_round": "vòng thẩm định", "previous_file": "bản trước", "previous_sha256": "bản trước",
    "audit_hash": "nhật ký thẩm định", "view_hash": "nội dung các trang in", "tables_hash": "các bảng phát hiện, minh chứng, điểm thưởng, tệp đã nhận",
}


def unknown_key_message(kid: str, trusted: Any) -> str:
    """Why a key id is not trusted (``trusted``: the verifier's ``signing.KeyRing``)."""
    if not len(trusted):
        return (f"tệp được ký bằng khóa {kid} nhưng chưa có khóa tin cậy nào để kiểm tra "
                "(chỉ thư mục khóa công khai bằng --keys).")
    return (f"tệp được ký bằng khóa {kid}, không phải khóa của phường "
            f"(khóa tin cậy: {', '.join(trusted.key_ids)}): tệp do nơi khác phát hành hoặc đã bị thay khóa.")


def bad_signature_message(keys: Iterable[str]) -> str:
    """The Vietnamese 'signature does not match' message naming what the signature covers."""
    labels = list(dict.fromkeys(KEY_LABELS.get(k, k) for k in keys
                                if k not in ("layout_version", "generator_version")))
    covered = ", ".join(labels[:-1]) + (" hoặc " if len(labels) > 1 else "") + labels[-1] if labels else "meta"
    return (f"chữ ký không khớp: nội dung meta ({covered}) đã bị sửa sau khi phát hành, "
            "hoặc chữ ký được tạo bằng khóa khác với mã khóa ghi trong tệp.")

"""A ward's public key bound to its ward (issue 12): the file ``keys export`` writes for the level above.

The file holds the ward's identity (ward, district, province) signed by the key itself, then the PEM. A
verifier that received the file over a trusted channel binds the key to that ward (``TrustedKey.ward``); a
header edited afterwards, or a bare PEM, binds nothing, and the roll-up refuses what such a key signed.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import unicodedata
from typing import Any, Mapping

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

SIGNATURE_LENGTH = 64

IDENTITY_CONTEXT = b"bdg-workbook/ward-key/1\n"
IDENTITY_FIELDS = ("ward", "district", "province")
IDENTITY_SIGNATURE = "identity_signature"


def _identity_payload(values: Mapping[str, str], public_key: Ed25519PublicKey) -> bytes:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    body = {k: unicodedata.normalize("NFC", values.get(k, "")).strip() for k in IDENTITY_FIELDS}
    body["public_key"] = base64.b64encode(raw).decode("ascii")
    return IDENTITY_CONTEXT + json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def export_public_key(key: Any, ward: str, district: str, province: str) -> bytes:
    """The ward's public key file for the level above: its identity (ward, district, province) signed by the
    key itself, then the PEM. A verifier binds the key to that ward (``TrustedKey.ward``)."""
    private = getattr(key, "private_key", key)          # a SigningKey or the Ed25519 private key itself
    values = {"ward": ward, "district": district, "province": province}
    for k, v in values.items():
        if "\n" in v or "\r" in v:
            raise ValueError(f"{k} '{v}' có xuống dòng; sửa config.yaml.")
    signature = base64.b64encode(private.sign(_identity_payload(values, private.public_key())))
    kid = hashlib.sha256(private.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw)).hexdigest()[:16]
    pem = private.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    head = ["# bdg-workbook: khóa công khai của phường (gửi cấp trên qua kênh tin cậy)",
            *(f"{k}: {values[k]}" for k in IDENTITY_FIELDS), f"key_id: {kid}",
            f"{IDENTITY_SIGNATURE}: {signature.decode('ascii')}"]
    return ("\n".join(head) + "\n").encode("utf-8") + pem


def read_identity(data: bytes, public_key: Ed25519PublicKey) -> tuple[str, str, str]:
    """(ward, district, province) a key file binds its key to; ('', '', '') for a bare PEM or a header whose
    signature does not verify with the key (an edited ward name binds nothing)."""
    try:
        head = data.split(b"-----BEGIN", 1)[0].decode("utf-8")
    except UnicodeDecodeError:
        return "", "", ""
    values: dict[str, str] = {}
    for line in head.splitlines():
        name, sep, value = line.partition(":")
        if sep and not name.startswith("#"):
            values[name.strip()] = value.strip()
    signature = decode_signature(values.get(IDENTITY_SIGNATURE, ""))
    if signature is None or not values.get("ward"):
        return "", "", ""
    try:
        public_key.verify(signature, _identity_payload(values, public_key))
    except InvalidSignature:
        return "", "", ""
    return tuple(unicodedata.normalize("NFC", values.get(k, "")).strip() for k in IDENTITY_FIELDS)  # type: ignore[return-value]


def decode_signature(text: str) -> bytes | None:
    """The 64 raw signature bytes, or None when ``text`` is not strict base64 of that length."""
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        return None
    return raw if len(raw) == SIGNATURE_LENGTH else None

"""Issue 4 item 1: Ed25519 key files and the signature over a workbook's issued meta."""

from __future__ import annotations

import base64
import os
import stat
import unicodedata
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from bdg_workbook.writing.safe_text import write_exclusive
from bdg_workbook.trust import signing
from bdg_workbook.trust.signing import (
    BAD_SIGNATURE, MALFORMED, SIGNED_MASTER_KEYS, SIGNED_META_KEYS, UNKNOWN_KEY, UNSIGNED, VALID, KeyFileError,
    KeyRing, canonical_payload, ensure_key_pair, sign_meta, verify_meta,
)

posix_only = pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")

META = {
    "layout_version": "1", "template_id": "bdg-2024", "template_version": "2024.1",
    "template_hash": "a" * 64, "year": "2024", "ward": "phường Nhơn Hưng",
    "department_code": "HPN", "department_name": "Hội Liên hiệp Phụ nữ phường",
    "issued_at": "2024-05-06", "generator": "bdg-workbook", "generator_version": "0.1.0",
    "locked_hash": "b" * 64,
}
MASTER = {
    "kind": "ward_master", "layout_version": "1", "template_id": "bdg-2024", "template_hash": "a" * 64,
    "year": "2024", "ward": "phường Nhơn Hưng", "district": "thị xã Tịnh Biên",
    "generated_at": "2024-09-30T08:00:00", "generator_version": "0.1.0", "content_hash": "c" * 64,
}


@pytest.fixture(scope="module")
def key_a() -> Ed25519PrivateKey:
    """The ward's key."""
    return Ed25519PrivateKey.generate()


@pytest.fixture(scope="module")
def key_b() -> Ed25519PrivateKey:
    """Another ward's key."""
    return Ed25519PrivateKey.generate()


def verify(meta: dict, kid: object, sig: object, *keys: Ed25519PrivateKey, signed=SIGNED_META_KEYS):
    """verify_meta against a key ring of the public halves of ``keys``."""
    ring = KeyRing.of(*(k.public_key() for k in keys))
    return verify_meta(meta, kid, sig, ring, signed)


# ---------------------------------------------------------------- key files

@posix_only
def test_key_file_is_created_0600_and_never_replaced(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "ward-signing.key"
    first = ensure_key_pair(path)
    assert first.private_created and first.public_created
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    before = path.read_bytes()
    second = ensure_key_pair(path)
    assert not second.private_created and not second.public_created
    assert second.key_id == first.key_id and path.read_bytes() == before
    assert signing.load_public_key(first.public_path).public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw) == signing.load_private_key(
        path).private_key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def test_missing_public_key_is_recreated_from_the_private_key(tmp_path: Path) -> None:
    status = ensure_key_pair(tmp_path / "k.key")
    status.public_path.unlink()
    again = ensure_key_pair(tmp_path / "k.key")
    assert again.public_created and not again.private_created and not again.public_mismatch
    assert KeyRing.load(again.public_path).key_ids == (status.key_id,)


def test_foreign_public_key_beside_private_key_is_reported_not_replaced(tmp_path: Path) -> None:
    (tmp_path / "k.pub").write_bytes(signing.public_pem(Ed25519PrivateKey.generate().public_key()))
    status = ensure_key_pair(tmp_path / "k.key")
    assert status.public_mismatch and not status.public_created


def test_key_id_is_sha256_prefix_of_raw_public_key(key_a: Ed25519PrivateKey) -> None:
    import hashlib
    raw = key_a.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    assert signing.key_id(key_a.public_key()) == hashlib.sha256(raw).hexdigest()[:16]


@posix_only
def test_private_key_readable_by_others_gives_a_warning(tmp_path: Path) -> None:
    path = ensure_key_pair(tmp_path / "k.key").private_path
    assert signing.load_private_key(path).warning is None
    path.chmod(0o640)
    warning = signing.load_private_key(path).warning
    assert warning is not None and str(path) in warning and "chmod 600" in warning


def test_unusable_key_files_raise_key_file_error(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.pub"
    garbage.write_text("không phải khóa")
    ec_key = tmp_path / "ec.key"
    ec_key.write_bytes(ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    locked = tmp_path / "locked.key"
    locked.write_bytes(Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"mat-khau")))
    for path in (garbage, ec_key, locked, tmp_path / "missing.key"):
        with pytest.raises(KeyFileError, match=str(path.name)):
            KeyRing.load(path)
    for path in (ec_key, locked, garbage, tmp_path):
        with pytest.raises(KeyFileError):
            signing.load_private_key(path)
    with pytest.raises(KeyFileError):  # a folder without any .pub file
        KeyRing.load(tmp_path)


def test_key_location_option_then_environment_then_workspace(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv(signing.KEY_ENV, raising=False)
    assert signing.resolve_key_path(None, tmp_path)[0] == tmp_path / "keys" / "ward-signing.key"
    assert signing.find_signing_key(None, tmp_path) is None
    monkeypatch.setenv(signing.KEY_ENV, str(tmp_path / "env.key"))
    assert signing.resolve_key_path(None, tmp_path)[0] == tmp_path / "env.key"
    assert signing.resolve_key_path(tmp_path / "opt.key", tmp_path)[0] == tmp_path / "opt.key"
    with pytest.raises(KeyFileError):  # named explicitly but absent: an error, not "unsigned"
        signing.find_signing_key(None, tmp_path)
    ensure_key_pair(tmp_path / "env.key")
    assert signing.find_signing_key(None, tmp_path) == tmp_path / "env.key"


# ---------------------------------------------------------------- sign / verify

def test_valid_signature_verifies(key_a: Ed25519PrivateKey) -> None:
    kid, sig = sign_meta(key_a, META)
    result = verify(META, kid, sig, key_a)
    assert result.status == VALID and result.ok and result.key_id == kid
    assert len(base64.b64decode(sig)) == 64 and len(kid) == 16


def test_signing_is_deterministic(key_a: Ed25519PrivateKey) -> None:
    assert sign_meta(key_a, META) == sign_meta(key_a, dict(reversed(list(META.items()))))


def test_signed_by_another_key_is_unknown_key(key_a: Ed25519PrivateKey, key_b: Ed25519PrivateKey) -> None:
    kid, sig = sign_meta(key_a, META)
    result = verify(META, kid, sig, key_b)
    assert result.status == UNKNOWN_KEY and not result.ok and kid in result.message
    assert verify(META, kid, sig).status == UNKNOWN_KEY  # empty key ring


def test_signature_of_one_key_under_another_key_id_is_bad(key_a: Ed25519PrivateKey,
                                                          key_b: Ed25519PrivateKey) -> None:
    _, sig = sign_meta(key_a, META)
    kid_b = signing.key_id(key_b.public_key())
    assert verify(META, kid_b, sig, key_b).status == BAD_SIGNATURE
    assert verify(META, kid_b, sig, key_a, key_b).status == BAD_SIGNATURE


@pytest.mark.parametrize("key, value", [
    ("department_code", "CA"), ("template_id", "bdg-2025"), ("year", "2023"), ("locked_hash", "c" * 64),
    ("department_name", "Công an phường"), ("template_hash", "0" * 64), ("issued_at", "2024-06-01"),
])
def test_altered_signed_meta_is_bad_signature(key_a: Ed25519PrivateKey, key: str, value: str) -> None:
    kid, sig = sign_meta(key_a, META)
    result = verify({**META, key: value}, kid, sig, key_a)
    assert result.status == BAD_SIGNATURE and not result.ok


def test_deleted_signed_meta_row_is_bad_signature(key_a: Ed25519PrivateKey) -> None:
    kid, sig = sign_meta(key_a, META)
    meta = {k: v for k, v in META.items() if k != "locked_hash"}
    assert verify(meta, kid, sig, key_a).status == BAD_SIGNATURE


def test_unsigned_meta_keys_may_change(key_a: Ed25519PrivateKey) -> None:
    kid, sig = sign_meta(key_a, META)
    assert verify({**META, "generator": "khác", "extra": "x"}, kid, sig, key_a).status == VALID


@pytest.mark.parametrize("kid, sig", [(None, None), ("", ""), ("  ", None), ("KEEP", "")])
def test_missing_signature_is_unsigned(key_a: Ed25519PrivateKey, kid, sig) -> None:
    kid = signing.key_id(key_a.public_key()) if kid == "KEEP" else kid
    assert verify(META, kid, sig, key_a).status == UNSIGNED


@pytest.mark.parametrize("kid, sig", [
    ("VALID", "không phải base64!!"), ("VALID", "AAAA"), ("VALID", base64.b64encode(b"x" * 65).decode()),
    ("xyz", "VALID"), ("", "VALID"), ("VALID", "VALID" + "="),
])
def test_garbage_signature_or_key_id_is_malformed(key_a: Ed25519PrivateKey, kid, sig) -> None:
    good_kid, good_sig = sign_meta(key_a, META)
    kid = kid.replace("VALID", good_kid)
    sig = sig.replace("VALID", good_sig)
    assert verify(META, kid, sig, key_a).status == MALFORMED


def test_key_id_case_and_spaces_are_tolerated(key_a: Ed25519PrivateKey) -> None:
    kid, sig = sign_meta(key_a, META)
    assert verify(META, f" {kid.upper()} ", f"{sig}\n", key_a).status == VALID


def test_verification_with_only_the_public_key_file(tmp_path: Path, key_a: Ed25519PrivateKey,
                                                    key_b: Ed25519PrivateKey) -> None:
    keys_dir = tmp_path / "district-keys"
    keys_dir.mkdir()
    (keys_dir / "nhon-hung.pub").write_bytes(signing.public_pem(key_a.public_key()))
    (keys_dir / "an-phu.pub").write_bytes(signing.public_pem(key_b.public_key()))
    (keys_dir / "readme.txt").write_text("không phải khóa")
    kid, sig = sign_meta(key_a, META)
    for ring in (KeyRing.load(keys_dir), KeyRing.load(keys_dir / "nhon-hung.pub"),
                 KeyRing.load([str(keys_dir / "an-phu.pub"), keys_dir / "nhon-hung.pub"])):
        result = verify_meta(META, kid, sig, ring)
        assert result.status == VALID and result.signer.endswith("nhon-hung.pub")
    assert len(KeyRing.load(keys_dir)) == 2


def test_key_ring_accepts_a_private_key_file(tmp_path: Path, key_a: Ed25519PrivateKey) -> None:
    path = tmp_path / "ward.key"
    write_exclusive(path, signing.private_pem(key_a), 0o600)
    kid, sig = sign_meta(key_a, META)
    assert verify_meta(META, kid, sig, KeyRing.load(path)).status == VALID


def test_nfd_department_name_verifies_like_nfc(key_a: Ed25519PrivateKey) -> None:
    nfc = {k: unicodedata.normalize("NFC", v) for k, v in META.items()}
    nfd = {k: unicodedata.normalize("NFD", v) for k, v in META.items()}
    assert nfd["department_name"] != nfc["department_name"]
    kid, sig = sign_meta(key_a, nfc)
    assert verify(nfd, kid, sig, key_a).status == VALID
    assert canonical_payload(nfc) == canonical_payload(nfd)


def test_numbers_read_back_from_a_resaved_file_verify(key_a: Ed25519PrivateKey) -> None:
    kid, sig = sign_meta(key_a, META)
    for year in (2024, 2024.0, " 2024 "):
        assert verify({**META, "year": year}, kid, sig, key_a).status == VALID
    assert verify({**META, "year": 2024.5}, kid, sig, key_a).status == BAD_SIGNATURE


@pytest.mark.parametrize("hash_key", ["content_hash", "data_hash"])
def test_master_signature_uses_its_own_keys(key_a: Ed25519PrivateKey, hash_key: str) -> None:
    master = {**{k: v for k, v in MASTER.items() if k != "content_hash"}, hash_key: "c" * 64}
    kid, sig = sign_meta(key_a, master, SIGNED_MASTER_KEYS)
    assert verify(master, kid, sig, key_a, signed=SIGNED_MASTER_KEYS).status == VALID
    altered = {**master, hash_key: "d" * 64}
    assert verify(altered, kid, sig, key_a, signed=SIGNED_MASTER_KEYS).status == BAD_SIGNATURE
    assert verify(master, kid, sig, key_a).status == BAD_SIGNATURE  # not valid as a department signature


def test_canonical_payload_is_compact_sorted_json() -> None:
    payload = canonical_payload({"year": "2024", "ward": "phường"}, ("year", "ward", "kind"))
    assert payload == signing.PAYLOAD_CONTEXT + '{"kind":"","ward":"phường","year":"2024"}'.encode()


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(st.sampled_from(SIGNED_META_KEYS), st.text(max_size=30)),
       st.sampled_from(SIGNED_META_KEYS), st.text(min_size=1, max_size=30))
def test_any_meta_round_trips_and_any_real_change_breaks_it(meta: dict, key: str, new: str) -> None:
    private = Ed25519PrivateKey.generate()
    kid, sig = sign_meta(private, meta)
    assert verify(meta, kid, sig, private).status == VALID
    changed = {**meta, key: new}
    same = unicodedata.normalize("NFC", new).strip() == unicodedata.normalize("NFC", meta.get(key, "")).strip()
    assert (verify(changed, kid, sig, private).status == VALID) == same

"""Integrity: the ward's Ed25519 signing key and the signature over a workbook's issued meta.

The private key lives outside ``output/`` (default ``<workspace>/keys/ward-signing.key``, mode 0600);
its public key (``.pub`` beside it) is all a verifier needs, so a district checks ward files and masters
with a folder of public keys. The signature covers a fixed list of meta keys, serialised canonically.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import stat
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Iterable, Mapping

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from bdg_workbook.writing.safe_text import write_exclusive
from bdg_workbook.trust.ward_keys import decode_signature
from bdg_workbook.domain.errors import BdgError
from bdg_workbook.trust.messages import bad_signature_message as _bad_signature_message
from bdg_workbook.trust.messages import unknown_key_message as _unknown_key_message
from bdg_workbook.trust.ward_keys import export_public_key, read_identity  # noqa: F401  (issue 12, re-exported)

KEY_ENV = "BDG_SIGNING_KEY"
KEY_DIR = "keys"
KEY_FILE = "ward-signing.key"
PUBLIC_SUFFIX = ".pub"
KEY_ID_LENGTH = 16
SIGNATURE_LENGTH = 64
PAYLOAD_CONTEXT = b"bdg-workbook/signed-meta/1\n"

# Meta keys covered by the signature of a department workbook ...
SIGNED_META_KEYS: tuple[str, ...] = (
    "layout_version", "template_id", "template_version", "template_hash", "year", "ward",
    "department_code", "department_name", "issued_at", "generator_version", "locked_hash",
)
# ... and of a ward (or district) master. A key absent from the meta signs as '', so the list may name
# both hash spellings (``content_hash``, ``data_hash`` of master_layout.MASTER_META_KEYS) and the counts.
SIGNED_MASTER_KEYS: tuple[str, ...] = (
    "kind", "layout_version", "template_id", "template_version", "template_hash", "year", "ward",
    "district", "province", "generated_at", "generator_version", "content_hash", "data_hash",
    "departments", "collected", "missing", "review_round", "previous_file", "previous_sha256", "audit_hash",
    "tables_hash", "view_hash",
)
VALID, UNSIGNED, UNKNOWN_KEY, BAD_SIGNATURE, MALFORMED = (
    "valid", "unsigned", "unknown_key", "bad_signature", "malformed")
STATUSES = (VALID, UNSIGNED, UNKNOWN_KEY, BAD_SIGNATURE, MALFORMED)

_KEY_ID_RE = re.compile(r"^[0-9a-f]{16}$")


class KeyFileError(BdgError):
    """A key file is missing, unreadable, not an Ed25519 key, or would be overwritten."""


# ---------------------------------------------------------------- key locations

def default_key_path(cwd: Path | None = None) -> Path:
    """``<cwd>/keys/ward-signing.key`` (cwd: the workspace, default the current directory)."""
    return Path(cwd if cwd is not None else Path.cwd()) / KEY_DIR / KEY_FILE


def public_key_path(private_path: Path) -> Path:
    """The public key file beside a private key: ``ward-signing.key`` -> ``ward-signing.pub``."""
    return private_path.with_suffix(PUBLIC_SUFFIX)


def resolve_key_path(explicit: Path | None = None, cwd: Path | None = None) -> tuple[Path, str]:
    """Where the signing key is: ``--key`` first, then ``$BDG_SIGNING_KEY``, then the workspace default.

    Returns the path and a Vietnamese note on where it came from.
    """
    if explicit is not None:
        return Path(explicit), "tùy chọn --key"
    env = os.environ.get(KEY_ENV, "").strip()
    if env:
        return Path(env).expanduser(), f"biến môi trường {KEY_ENV}"
    return default_key_path(cwd), "vị trí mặc định của thư mục làm việc"


def find_signing_key(explicit: Path | None = None, cwd: Path | None = None) -> Path | None:
    """The signing key to use, or None when none is configured and the default file does not exist.

    A key named explicitly (``--key`` or the environment variable) must exist: KeyFileError otherwise.
    """
    path, source = resolve_key_path(explicit, cwd)
    if path.is_file():
        return path
    if source.startswith("vị trí mặc định"):
        return None
    raise KeyFileError(f"Không tìm thấy tệp khóa ký '{path}' (theo {source}). "
                       "Kiểm tra lại đường dẫn, hoặc chạy 'bdg-workbook init' để tạo khóa mới.")


# ---------------------------------------------------------------- key files

def key_id(public_key: Ed25519PublicKey) -> str:
    """First 16 hex characters of the SHA-256 of the raw 32-byte public key."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:KEY_ID_LENGTH]


def public_pem(public_key: Ed25519PublicKey) -> bytes:
    """The public key as PEM (SubjectPublicKeyInfo)."""
    return public_key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def private_pem(private_key: Ed25519PrivateKey) -> bytes:
    """The private key as unencrypted PKCS#8 PEM."""
    return private_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                     serialization.NoEncryption())


@dataclass(frozen=True)
class KeyPairStatus:
    """What ``ensure_key_pair`` did: which files it created and the key's id."""

    private_path: Path
    public_path: Path
    key_id: str
    private_created: bool
    public_created: bool
    public_mismatch: bool = False


def ensure_key_pair(private_path: Path) -> KeyPairStatus:
    """Create the key pair unless the private key exists (never overwritten); add a missing ``.pub``."""
    private_path = Path(private_path)
    if not private_path.parent.exists():
        private_path.parent.mkdir(parents=True, mode=0o700)
    created = write_exclusive(private_path, private_pem(Ed25519PrivateKey.generate()), 0o600)
    private_key = load_private_key(private_path).private_key
    pem = public_pem(private_key.public_key())
    public_path = public_key_path(private_path)
    public_created = write_exclusive(public_path, pem, 0o644)
    mismatch = not public_created and _public_file_differs(public_path, private_key.public_key())
    return KeyPairStatus(private_path, public_path, key_id(private_key.public_key()), created,
                         public_created, mismatch)


def _public_file_differs(path: Path, expected: Ed25519PublicKey) -> bool:
    """True when the public key file does not hold ``expected`` (or cannot be read as a key)."""
    try:
        found = load_public_key(path)
    except KeyFileError:
        return True
    return key_id(found) != key_id(expected)


@dataclass(frozen=True)
class SigningKey:
    """A loaded private key, its id, its file and a warning if the file is readable by others."""

    private_key: Ed25519PrivateKey
    key_id: str
    path: Path
    warning: str | None = None

    def sign(self, meta: Mapping[str, object], keys: Iterable[str] = SIGNED_META_KEYS) -> tuple[str, str]:
        """(key_id, base64 signature) over the signed keys of ``meta``."""
        return sign_meta(self.private_key, meta, keys)

    def public_pem(self) -> bytes:
        """The matching public key as PEM."""
        return public_pem(self.private_key.public_key())


def load_private_key(path: Path) -> SigningKey:
    """Load an unencrypted Ed25519 private key PEM; warns (in ``.warning``) when group/others can read it."""
    path = Path(path)
    data = _read_key_file(path, "khóa ký (bí mật)")
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except TypeError as exc:
        raise KeyFileError(f"Tệp khóa '{path}' được đặt mật khẩu; bdg-workbook chỉ dùng khóa không mật khẩu "
                           "(giữ an toàn bằng quyền tệp 600 và bản sao lưu cất riêng).") from exc
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise KeyFileError(f"Tệp '{path}' không phải khóa bí mật PEM hợp lệ: {exc}. "
                           "Dùng tệp ward-signing.key do 'bdg-workbook init' tạo.") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyFileError(f"Tệp '{path}' là khóa {type(key).__name__}, không phải khóa Ed25519 do "
                           "'bdg-workbook init' tạo.")
    return SigningKey(key, key_id(key.public_key()), path, permission_warning(path))


def permission_warning(path: Path) -> str | None:
    """A Vietnamese warning when a private key file grants any access to group or others (POSIX only)."""
    if os.name != "posix":
        return None
    mode = stat.S_IMODE(path.stat().st_mode)
    if not mode & 0o077:
        return None
    return (f"Cảnh báo: tệp khóa bí mật '{path}' đang cho người dùng khác trên máy đọc được "
            f"(quyền {mode:03o}). Ai có tệp này có thể ký giả biểu mẫu của phường; "
            f"hãy chạy: chmod 600 '{path}'")


def load_public_key(path: Path) -> Ed25519PublicKey:
    """The Ed25519 public key in ``path``: a public key PEM, or a private key PEM (public part derived)."""
    path = Path(path)
    data = _read_key_file(path, "khóa")
    if b"PRIVATE KEY" in data:
        return load_private_key(path).private_key.public_key()
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise KeyFileError(f"Tệp '{path}' không phải khóa công khai PEM hợp lệ: {exc}. "
                           "Dùng tệp .pub do 'bdg-workbook keys export' xuất ra.") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise KeyFileError(f"Tệp '{path}' là khóa {type(key).__name__}, không phải khóa Ed25519 của bdg-workbook.")
    return key


def _read_key_file(path: Path, what: str) -> bytes:
    """Bytes of a (small) key file, or KeyFileError naming the file."""
    try:
        if path.stat().st_size > 64 * 1024:
            raise KeyFileError(f"Tệp {what} '{path}' quá lớn để là một khóa; kiểm tra lại đường dẫn.")
        return path.read_bytes()
    except FileNotFoundError as exc:
        raise KeyFileError(f"Không tìm thấy tệp {what} '{path}'. Chạy 'bdg-workbook init' để tạo khóa, "
                           "hoặc chỉ đúng tệp bằng --key.") from exc
    except IsADirectoryError as exc:
        raise KeyFileError(f"'{path}' là thư mục, không phải tệp {what}.") from exc
    except OSError as exc:
        raise KeyFileError(f"Không đọc được tệp {what} '{path}': {exc.strerror or exc}.") from exc


# ---------------------------------------------------------------- trusted keys

@dataclass(frozen=True)
class TrustedKey:
    """One public key a verifier trusts, with the file it came from and the ward it is bound to (issue 12:
    a key exported by ``keys export`` names its ward; a bare PEM names none)."""

    public_key: Ed25519PublicKey
    key_id: str
    source: str
    ward: str = ""
    district: str = ""
    province: str = ""


@dataclass(frozen=True)
class KeyRing:
    """The public keys a verifier trusts, by key id."""

    keys: Mapping[str, TrustedKey] = field(default_factory=dict)

    @classmethod
    def load(cls, paths_or_dir: Path | str | Iterable[Path | str]) -> KeyRing:
        """Load public keys from files and/or folders (every ``*.pub`` inside); private key files are accepted."""
        items = [paths_or_dir] if isinstance(paths_or_dir, (str, Path)) else list(paths_or_dir)
        keys: dict[str, TrustedKey] = {}
        for item in items:
            for path in _key_files(Path(item)):
                public = load_public_key(path)
                identity = read_identity(_read_key_file(path, "khóa"), public)
                keys.setdefault(key_id(public), TrustedKey(public, key_id(public), str(path), *identity))
        return cls(keys)

    @classmethod
    def of(cls, *public_keys: Ed25519PublicKey, source: str = "") -> KeyRing:
        """A key ring from public key objects (tests, or a key already in memory)."""
        return cls({key_id(k): TrustedKey(k, key_id(k), source) for k in public_keys})

    def get(self, kid: str) -> TrustedKey | None:
        """The trusted key with this id, or None."""
        return self.keys.get(kid)

    def __contains__(self, kid: object) -> bool:
        return kid in self.keys

    def __len__(self) -> int:
        return len(self.keys)

    @property
    def key_ids(self) -> tuple[str, ...]:
        """Ids of every trusted key, sorted."""
        return tuple(sorted(self.keys))


def _key_files(path: Path) -> list[Path]:
    """The key files named by one ``--keys`` argument: the file itself, or a folder's ``*.pub`` files."""
    if path.is_dir():
        found = sorted(p for p in path.iterdir() if p.suffix.lower() == PUBLIC_SUFFIX and p.is_file())
        if not found:
            raise KeyFileError(f"Thư mục '{path}' không có tệp khóa công khai (.pub) nào. "
                               "Mỗi phường xuất khóa bằng 'bdg-workbook keys export' và gửi tệp .pub.")
        return found
    return [path]


# ---------------------------------------------------------------- signing

def canonical_payload(meta: Mapping[str, object], keys: Iterable[str] = SIGNED_META_KEYS) -> bytes:
    """Deterministic bytes over the signed keys of ``meta``: sorted-key UTF-8 JSON of NFC, trimmed strings.

    A missing key counts as ''. Integers and integral floats (a year re-read from a re-saved file) become
    their decimal digits, so ``2024``, ``2024.0`` and ``"2024"`` sign identically.
    """
    values = {key: _canonical_value(meta.get(key)) for key in keys}
    body = json.dumps(values, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return PAYLOAD_CONTEXT + body.encode("utf-8")


def _canonical_value(value: object) -> str:
    """One meta value as the canonical string."""
    if value is None:
        return ""
    if isinstance(value, bool):
        raise TypeError(f"giá trị meta kiểu đúng/sai không được ký: {value!r}")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, (int, float, Decimal)):
        value = str(value)
    if not isinstance(value, str):
        raise TypeError(f"giá trị meta kiểu {type(value).__name__} không được ký: {value!r}")
    return unicodedata.normalize("NFC", value).strip()


def sign_meta(private_key: Ed25519PrivateKey, meta: Mapping[str, object],
              keys: Iterable[str] = SIGNED_META_KEYS) -> tuple[str, str]:
    """(key_id, base64 signature) over ``canonical_payload(meta, keys)``; deterministic for one key."""
    signature = private_key.sign(canonical_payload(meta, keys))
    return key_id(private_key.public_key()), base64.b64encode(signature).decode("ascii")


@dataclass(frozen=True)
class Verification:
    """Outcome of checking one signature: a status in STATUSES and a Vietnamese message."""

    status: str
    message: str
    key_id: str = ""
    signer: str = ""

    @property
    def ok(self) -> bool:
        """True only for a valid signature by a trusted key."""
        return self.status == VALID


def verify_meta(meta: Mapping[str, object], key_id: object, signature_b64: object, trusted: KeyRing,
                keys: Iterable[str] = SIGNED_META_KEYS) -> Verification:
    """Check ``signature_b64`` over the signed keys of ``meta`` with the trusted key named by ``key_id``."""
    kid = _text(key_id).lower()
    sig_text = _text(signature_b64)
    if not sig_text:
        note = f" (có mã khóa '{kid}' nhưng ô chữ ký bị xóa)" if kid else ""
        return Verification(UNSIGNED, "tệp không có chữ ký số" + note
                            + ": không xác nhận được tệp do phường phát hành.", kid)
    if not _KEY_ID_RE.match(kid):
        return Verification(MALFORMED, f"mã khóa '{_text(key_id)[:40]}' không hợp lệ (phải gồm 16 ký tự 0-9, a-f); "
                            "ô meta key_id đã bị sửa hoặc hỏng.", kid)
    signature = decode_signature(sig_text)
    if signature is None:
        return Verification(MALFORMED, "chữ ký không đúng định dạng (không phải chuỗi base64 của 64 byte); "
                            "ô meta signature đã bị sửa hoặc hỏng.", kid)
    entry = trusted.get(kid)
    if entry is None:
        return Verification(UNKNOWN_KEY, _unknown_key_message(kid, trusted), kid)
    try:
        entry.public_key.verify(signature, canonical_payload(meta, keys))
    except InvalidSignature:
        return Verification(BAD_SIGNATURE, _bad_signature_message(keys), kid, entry.source)
    return Verification(VALID, f"chữ ký hợp lệ (khóa {kid}).", kid, entry.source)


def _text(value: object) -> str:
    """A meta cell as trimmed text ('' for None)."""
    return "" if value is None else str(value).strip()

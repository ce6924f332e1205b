"""Encryption of personal data at rest, and keyed hashes for look-ups.

Callers' names, phone numbers and ID numbers are stored encrypted with an
authenticated cipher: AES-256-GCM by default, or SM4-GCM where the 密评
(commercial cryptography assessment) asks for the national algorithms
(REXIAN_DATA_CIPHER=sm4-gcm). Both come from `cryptography` (OpenSSL).

Ciphertext format (ASCII, fits a text column):

    v1:<key id>:<cipher>:<base64(nonce || ciphertext || tag)>

The key id (first 8 hex digits of SHA-256 of the master key) lets old rows be
read after a key rotation: keys listed in REXIAN_OLD_DATA_KEYS still decrypt,
only the current key encrypts.

Keyed hashes (HMAC-SHA256) make "all orders from this phone" an indexed
equality query without storing the phone in clear. Their key is derived from
REXIAN_LOOKUP_KEY when it is set, else from REXIAN_DATA_KEY. Rotating the data
key must not change the look-up key (old rows keep their hashes), so before
the first rotation set REXIAN_LOOKUP_KEY to the original data key and keep it
(docs/deploy.md, "Key rotation"). Re-encrypting old rows under the new key is
not implemented yet: old keys stay listed in REXIAN_OLD_DATA_KEYS.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

PREFIX = "v1"
NONCE_BYTES = 12
TAG_BYTES = 16


class DecryptionError(Exception):
    """A stored value cannot be decrypted with any configured key."""


@dataclass(frozen=True)
class DataKey:
    key_id: str
    aes_key: bytes
    sm4_key: bytes
    hash_key: bytes


def _derive(master: bytes, label: bytes, length: int) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=b"rexian-data-key", info=label).derive(master)


def parse_master_key(text: str) -> DataKey:
    """Read a master key: base64 (standard or url-safe) of at least 32 random bytes."""
    try:
        raw = base64.urlsafe_b64decode(text.strip().replace("+", "-").replace("/", "_") + "==")
    except (ValueError, TypeError):
        raise ImproperlyConfigured("REXIAN_DATA_KEY is not valid base64.") from None
    if len(raw) < 32:
        raise ImproperlyConfigured(
            "REXIAN_DATA_KEY must encode at least 32 random bytes (make one with `openssl rand -base64 32`)."
        )
    return DataKey(
        key_id=hashlib.sha256(raw).hexdigest()[:8],
        aes_key=_derive(raw, b"aes-256-gcm", 32),
        sm4_key=_derive(raw, b"sm4-gcm", 16),
        hash_key=_derive(raw, b"lookup-hmac", 32),
    )


def generate_master_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode("ascii").rstrip("=")


@lru_cache(maxsize=8)
def _keys(current: str, old: tuple[str, ...]) -> tuple[DataKey, dict[str, DataKey]]:
    active = parse_master_key(current)
    by_id = {active.key_id: active}
    for text in old:
        key = parse_master_key(text)
        by_id.setdefault(key.key_id, key)
    return active, by_id


def current_keys() -> tuple[DataKey, dict[str, DataKey]]:
    if not settings.DATA_KEY:
        raise ImproperlyConfigured("REXIAN_DATA_KEY is not set; personal data cannot be stored without it.")
    return _keys(settings.DATA_KEY, tuple(settings.OLD_DATA_KEYS))


@lru_cache(maxsize=8)
def _lookup_key(text: str) -> bytes:
    return parse_master_key(text).hash_key


def lookup_key() -> bytes:
    text = getattr(settings, "LOOKUP_KEY", None) or settings.DATA_KEY
    if not text:
        raise ImproperlyConfigured("REXIAN_DATA_KEY is not set; personal data cannot be stored without it.")
    return _lookup_key(text)


def _cipher(name: str, key: DataKey, nonce: bytes, tag: bytes | None = None) -> Cipher:
    if name == "sm4-gcm":
        return Cipher(algorithms.SM4(key.sm4_key), modes.GCM(nonce, tag))
    raise DecryptionError(f"unknown cipher {name!r}")


@lru_cache(maxsize=8)
def _aes_gcm(aes_key: bytes) -> AESGCM:
    """One AESGCM object per key: its one-call encrypt is what makes a million-call import's numbers cheap."""
    return AESGCM(aes_key)


def encrypt(plaintext: str) -> str:
    active, _ = current_keys()
    return _seal(active, settings.DATA_CIPHER, plaintext)


def _seal(key: DataKey, name: str, plaintext: str) -> str:
    nonce = os.urandom(NONCE_BYTES)
    if name == "aes-gcm":
        sealed = _aes_gcm(key.aes_key).encrypt(nonce, plaintext.encode("utf-8"), None)  # ciphertext || tag
    else:
        encryptor = _cipher(name, key, nonce).encryptor()
        sealed = encryptor.update(plaintext.encode("utf-8")) + encryptor.finalize() + encryptor.tag
    blob = base64.b64encode(nonce + sealed).decode("ascii")
    return f"{PREFIX}:{key.key_id}:{name}:{blob}"


def phone_sealer() -> Callable[[str], tuple[str, str]]:
    """A function giving (encrypt(number), phone_hash(number)) of an already normalised phone number, with the
    keys and the cipher read once: what a bulk import calls a million times."""
    active, _ = current_keys()
    name = settings.DATA_CIPHER
    hash_key = lookup_key()

    def seal(normalized: str) -> tuple[str, str]:
        return _seal(active, name, normalized), lookup_hash(f"phone:{normalized}", hash_key)

    return seal


def decrypt(token: str) -> str:
    try:
        prefix, key_id, name, blob = token.split(":", 3)
    except ValueError:
        raise DecryptionError("not an encrypted value") from None
    if prefix != PREFIX:
        raise DecryptionError(f"unknown format {prefix!r}")
    _, by_id = current_keys()
    key = by_id.get(key_id)
    if key is None:
        raise DecryptionError(f"no key with id {key_id} is configured (REXIAN_OLD_DATA_KEYS?)")
    try:
        raw = base64.b64decode(blob, validate=True)
    except (binascii.Error, ValueError):
        raise DecryptionError("value is not valid base64 (truncated?)") from None
    if len(raw) < NONCE_BYTES + TAG_BYTES:
        raise DecryptionError("value is too short (truncated?)")
    nonce, sealed = raw[:NONCE_BYTES], raw[NONCE_BYTES:]
    try:
        if name == "aes-gcm":
            return _aes_gcm(key.aes_key).decrypt(nonce, sealed, None).decode("utf-8")
        decryptor = _cipher(name, key, nonce, sealed[-TAG_BYTES:]).decryptor()
        return (decryptor.update(sealed[:-TAG_BYTES]) + decryptor.finalize()).decode("utf-8")
    except (InvalidTag, ValueError):
        raise DecryptionError("value was altered or the key is wrong") from None


def lookup_hash(value: str, key: bytes | None = None) -> str:
    """Keyed hash of a normalised value, for indexed equality look-ups (`key`: the look-up key, when the caller
    has read it already)."""
    return hmac.digest(key or lookup_key(), value.encode("utf-8"), "sha256").hex()


_PHONE_JUNK = re.compile(r"[\s\-()（）]")


def normalize_phone(phone: str) -> str:
    """Canonical form of a Chinese phone number: digits only, no +86 / 0086 prefix."""
    phone = phone or ""
    if phone.isascii() and phone.isdigit() and not phone.startswith(("86", "0086")):
        return phone  # already canonical: the usual case, a million times in a call-record import
    digits = _PHONE_JUNK.sub("", phone)
    for prefix in ("+86", "0086"):
        if digits.startswith(prefix):
            digits = digits[len(prefix) :]
    if digits.startswith("86") and len(digits) == 13 and digits[2] == "1":
        digits = digits[2:]
    return digits


def normalize_id_number(id_number: str) -> str:
    return (id_number or "").strip().upper()


def phone_hash(phone: str) -> str:
    normalized = normalize_phone(phone)
    return lookup_hash(f"phone:{normalized}") if normalized else ""


def id_number_hash(id_number: str) -> str:
    normalized = normalize_id_number(id_number)
    return lookup_hash(f"id:{normalized}") if normalized else ""


def mask_phone(phone: str) -> str:
    """138****8000 for mobiles; keep the area code and last four digits of landlines."""
    digits = normalize_phone(phone)
    if not digits:
        return ""
    if len(digits) >= 11:
        return f"{digits[:3]}****{digits[-4:]}"
    if len(digits) > 4:
        return f"{'*' * (len(digits) - 4)}{digits[-4:]}"
    return "*" * len(digits)


def mask_name(name: str) -> str:
    """张三 → 张*, 欧阳娜娜 → 欧***."""
    name = (name or "").strip()
    if not name:
        return ""
    return name[0] + "*" * max(len(name) - 1, 1)


def mask_id_number(id_number: str) -> str:
    value = normalize_id_number(id_number)
    if len(value) <= 8:
        return "*" * len(value)
    return f"{value[:4]}{'*' * (len(value) - 8)}{value[-4:]}"

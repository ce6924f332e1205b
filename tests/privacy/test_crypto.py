"""Encryption of personal data (AES-256-GCM / SM4-GCM), keyed look-up hashes and masking."""

from __future__ import annotations

import base64
import hashlib

import pytest
from django.core.exceptions import ImproperlyConfigured

from rexian.privacy import crypto
from rexian.privacy.crypto import DecryptionError

PHONE = "13812348000"
# Two fake master keys for rotation tests (never used outside the suite).
KEY_A = base64.b64encode(bytes(range(32))).decode()
KEY_B = base64.b64encode(bytes(range(100, 132))).decode()


@pytest.fixture(autouse=True)
def _known_key(settings):
    settings.DATA_KEY = KEY_A
    settings.OLD_DATA_KEYS = []
    settings.LOOKUP_KEY = None
    settings.DATA_CIPHER = "aes-gcm"


def reencode(token: str, change) -> str:
    """The token with its decoded body passed through `change` (bytes → bytes)."""
    head, blob = token.rsplit(":", 1)
    return f"{head}:{base64.b64encode(change(base64.b64decode(blob))).decode()}"


def flip(index: int):
    return lambda raw: raw[:index] + bytes([raw[index] ^ 0x01]) + raw[index + 1 :]


# --- Round trips ----------------------------------------------------------------------------------


@pytest.mark.parametrize("cipher", ["aes-gcm", "sm4-gcm"])
def test_encrypt_then_decrypt_returns_the_plaintext(settings, cipher):
    settings.DATA_CIPHER = cipher
    for plaintext in (PHONE, "张三", "32128319800101123X", "欧阳娜娜 +86 (0523) 8765-4321", ""):
        assert crypto.decrypt(crypto.encrypt(plaintext)) == plaintext


@pytest.mark.parametrize("cipher", ["aes-gcm", "sm4-gcm"])
def test_token_names_format_key_and_cipher(settings, cipher):
    settings.DATA_CIPHER = cipher
    prefix, key_id, name, _ = crypto.encrypt(PHONE).split(":", 3)
    assert (prefix, key_id, name) == ("v1", hashlib.sha256(bytes(range(32))).hexdigest()[:8], cipher)


def test_token_body_is_nonce_ciphertext_and_tag():
    raw = base64.b64decode(crypto.encrypt(PHONE).rsplit(":", 1)[1])
    assert len(raw) == crypto.NONCE_BYTES + len(PHONE) + crypto.TAG_BYTES


def test_aes_value_sealed_by_the_streaming_api_decrypts():
    """Values stored before encryption went through AESGCM (Cipher + GCM mode, tag appended) read the same."""
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    active, _ = crypto.current_keys()
    nonce = bytes(range(12))
    encryptor = Cipher(algorithms.AES(active.aes_key), modes.GCM(nonce)).encryptor()
    body = encryptor.update(PHONE.encode()) + encryptor.finalize() + encryptor.tag
    token = f"v1:{active.key_id}:aes-gcm:{base64.b64encode(nonce + body).decode()}"
    assert crypto.decrypt(token) == PHONE


@pytest.mark.parametrize("cipher", ["aes-gcm", "sm4-gcm"])
def test_ciphertext_differs_each_time(settings, cipher):
    settings.DATA_CIPHER = cipher
    assert len({crypto.encrypt(PHONE) for _ in range(5)}) == 5


def test_ciphertext_does_not_contain_the_plaintext():
    token = crypto.encrypt(PHONE)
    assert PHONE not in token
    assert base64.b64encode(PHONE.encode()).decode()[:8] not in token


def test_value_encrypted_with_aes_still_decrypts_after_switching_to_sm4(settings):
    token = crypto.encrypt(PHONE)
    settings.DATA_CIPHER = "sm4-gcm"
    assert crypto.decrypt(token) == PHONE
    assert ":sm4-gcm:" in crypto.encrypt(PHONE)


# --- Tampering and wrong input -------------------------------------------------------------------------


@pytest.mark.parametrize("cipher", ["aes-gcm", "sm4-gcm"])
def test_altered_ciphertext_is_detected(settings, cipher):
    settings.DATA_CIPHER = cipher
    token = reencode(crypto.encrypt(PHONE), flip(crypto.NONCE_BYTES + 2))
    with pytest.raises(DecryptionError):
        crypto.decrypt(token)


def test_altered_tag_is_detected():
    with pytest.raises(DecryptionError):
        crypto.decrypt(reencode(crypto.encrypt(PHONE), flip(-1)))


def test_altered_nonce_is_detected():
    with pytest.raises(DecryptionError):
        crypto.decrypt(reencode(crypto.encrypt(PHONE), flip(0)))


def test_swapped_cipher_name_is_detected():
    token = crypto.encrypt(PHONE).replace(":aes-gcm:", ":sm4-gcm:")
    with pytest.raises(DecryptionError):
        crypto.decrypt(token)


def test_unknown_cipher_name_is_a_decryption_error():
    with pytest.raises(DecryptionError, match="cipher"):
        crypto.decrypt(crypto.encrypt(PHONE).replace(":aes-gcm:", ":des-cbc:"))


def test_plain_text_is_not_an_encrypted_value():
    with pytest.raises(DecryptionError):
        crypto.decrypt(PHONE)


def test_unknown_format_version_is_a_decryption_error():
    token = "v2" + crypto.encrypt(PHONE)[2:]
    with pytest.raises(DecryptionError, match="format"):
        crypto.decrypt(token)


@pytest.mark.parametrize("keep", [20, 30, -3])
def test_truncated_value_is_a_decryption_error(keep):
    """A column value cut short (a bad import, a too-narrow column) must read as DecryptionError, not crash."""
    token = crypto.encrypt(PHONE)
    with pytest.raises(DecryptionError):
        crypto.decrypt(token[:keep])


# --- Keys and rotation --------------------------------------------------------------------------------------


def test_old_key_still_decrypts_after_rotation(settings):
    token = crypto.encrypt(PHONE)
    settings.DATA_KEY, settings.OLD_DATA_KEYS = KEY_B, [KEY_A]
    assert crypto.decrypt(token) == PHONE


def test_after_rotation_only_the_new_key_encrypts(settings):
    old_id = crypto.encrypt(PHONE).split(":")[1]
    settings.DATA_KEY, settings.OLD_DATA_KEYS = KEY_B, [KEY_A]
    new_id = crypto.encrypt(PHONE).split(":")[1]
    assert new_id != old_id
    assert new_id == hashlib.sha256(bytes(range(100, 132))).hexdigest()[:8]


def test_value_under_an_unconfigured_key_names_the_key_id(settings):
    token = crypto.encrypt(PHONE)
    key_id = token.split(":")[1]
    settings.DATA_KEY = KEY_B
    with pytest.raises(DecryptionError, match=key_id):
        crypto.decrypt(token)


def test_phone_hash_is_stable_across_key_rotation_when_the_lookup_key_is_kept(settings):
    """crypto's docstring: the look-up key is kept when the data key rotates, so old orders are still found by phone."""
    before = crypto.phone_hash(PHONE)
    settings.DATA_KEY, settings.OLD_DATA_KEYS, settings.LOOKUP_KEY = KEY_B, [KEY_A], KEY_A
    assert crypto.phone_hash(PHONE) == before


@pytest.mark.parametrize("cipher", ["aes-gcm", "sm4-gcm"])
def test_the_bulk_phone_sealer_gives_what_encrypt_and_phone_hash_give(settings, cipher):
    settings.DATA_CIPHER = cipher
    settings.LOOKUP_KEY = KEY_B
    token, digest = crypto.phone_sealer()(PHONE)
    assert token.split(":")[2] == cipher
    assert crypto.decrypt(token) == PHONE
    assert digest == crypto.phone_hash(PHONE)


def test_lookup_key_defaults_to_the_data_key(settings):
    settings.LOOKUP_KEY = None
    by_default = crypto.phone_hash(PHONE)
    settings.LOOKUP_KEY = KEY_A
    assert crypto.phone_hash(PHONE) == by_default
    settings.LOOKUP_KEY = KEY_B
    assert crypto.phone_hash(PHONE) != by_default


def test_missing_key_is_improperly_configured(settings):
    settings.DATA_KEY = ""
    with pytest.raises(ImproperlyConfigured, match="REXIAN_DATA_KEY"):
        crypto.encrypt(PHONE)


@pytest.mark.parametrize("key", ["short", "AAAA", base64.b64encode(bytes(31)).decode(), "!!!!"])
def test_short_or_bad_key_is_improperly_configured(settings, key):
    settings.DATA_KEY = key
    with pytest.raises(ImproperlyConfigured, match="REXIAN_DATA_KEY"):
        crypto.encrypt(PHONE)


def test_bad_old_key_is_improperly_configured(settings):
    settings.OLD_DATA_KEYS = ["too-short"]
    with pytest.raises(ImproperlyConfigured):
        crypto.decrypt(crypto.encrypt(PHONE))


def test_standard_and_url_safe_base64_give_the_same_key():
    raw = bytes([0xFB, 0xFF] * 16)  # encodes with '+' and '/' in standard base64
    standard = base64.b64encode(raw).decode()
    url_safe = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    assert "+" in standard or "/" in standard
    assert crypto.parse_master_key(standard) == crypto.parse_master_key(url_safe)


def test_generated_key_is_usable_and_random():
    first, second = crypto.generate_master_key(), crypto.generate_master_key()
    assert first != second
    assert crypto.parse_master_key(first).key_id != crypto.parse_master_key(second).key_id


def test_derived_keys_have_the_ciphers_sizes():
    key = crypto.parse_master_key(KEY_A)
    assert (len(key.aes_key), len(key.sm4_key), len(key.hash_key)) == (32, 16, 32)
    assert len({key.aes_key[:16], key.sm4_key, key.hash_key[:16]}) == 3


# --- Phone normalisation and keyed hashes -------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    ["13812348000", "+86 138-1234-8000", "+8613812348000", "0086 13812348000", "8613812348000", " 138 1234 8000 ",
     "(138)1234-8000", "（138）12348000"],
)
def test_mobile_numbers_normalise_to_eleven_digits(typed):
    assert crypto.normalize_phone(typed) == PHONE


def test_landline_keeps_its_area_code():
    assert crypto.normalize_phone("(0523) 8765-4321") == "052387654321"
    assert crypto.normalize_phone("（0523）87654321") == "052387654321"


def test_short_number_starting_with_86_is_not_stripped():
    assert crypto.normalize_phone("86123456") == "86123456"


@pytest.mark.parametrize("typed", ["+86 138-1234-8000", "0086 13812348000", "8613812348000", "138 1234 8000"])
def test_phone_hash_is_equal_across_formats(typed):
    assert crypto.phone_hash(typed) == crypto.phone_hash(PHONE)


def test_different_phones_hash_differently():
    assert crypto.phone_hash("13812348000") != crypto.phone_hash("13812348001")


def test_phone_hash_is_keyed():
    assert crypto.phone_hash(PHONE) != hashlib.sha256(f"phone:{PHONE}".encode()).hexdigest()
    assert crypto.phone_hash(PHONE) != hashlib.sha256(PHONE.encode()).hexdigest()


def test_phone_hash_is_64_hex_digits():
    digest = crypto.phone_hash(PHONE)
    assert len(digest) == 64 and int(digest, 16) >= 0


@pytest.mark.parametrize("empty", ["", "  ", "-()"])
def test_no_phone_has_no_hash(empty):
    assert crypto.phone_hash(empty) == ""


def test_id_number_hash_ignores_case_and_spaces():
    assert crypto.id_number_hash(" 32128319800101123x ") == crypto.id_number_hash("32128319800101123X")


def test_phone_and_id_hashes_are_namespaced():
    assert crypto.phone_hash("123456789012345") != crypto.id_number_hash("123456789012345")


def test_no_id_number_has_no_hash():
    assert crypto.id_number_hash("") == ""


# --- Masks -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["13812348000", "+86 138-1234-8000"])
def test_mobile_is_masked_in_the_middle(typed):
    assert crypto.mask_phone(typed) == "138****8000"


def test_landline_keeps_its_last_four_digits():
    assert crypto.mask_phone("87654321") == "****4321"


def test_long_landline_keeps_the_area_code_start_and_last_four_digits():
    assert crypto.mask_phone("(0523) 8765-4321") == "052****4321"


def test_very_short_number_is_fully_masked():
    assert crypto.mask_phone("110") == "***"


def test_empty_phone_masks_to_empty():
    assert crypto.mask_phone("") == ""


@pytest.mark.parametrize("name, masked", [("张三", "张*"), ("欧阳娜娜", "欧***"), ("李", "李*"), (" 王五 ", "王*"), ("", "")])
def test_name_keeps_only_the_surname(name, masked):
    assert crypto.mask_name(name) == masked


def test_id_number_keeps_first_and_last_four():
    assert crypto.mask_id_number("32128319800101123x") == "3212**********123X"


def test_short_id_number_is_fully_masked():
    assert crypto.mask_id_number("A1234567") == "********"

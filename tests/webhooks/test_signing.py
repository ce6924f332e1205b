"""The signature receivers check: right secret, untouched body, recent timestamp."""

from __future__ import annotations

from rexian.webhooks import signing

SECRET, BODY, NOW = "s3cr3t", b'{"event":"dispatch"}', 1_800_000_000


def signed(timestamp: int = NOW, body: bytes = BODY) -> dict:
    return dict(timestamp=str(timestamp), body=body, signature_header=signing.signature(SECRET, str(timestamp), body))


def test_a_fresh_signature_verifies():
    assert signing.verify(SECRET, now=NOW + 10, **signed())


def test_a_changed_body_does_not_verify():
    request = signed() | {"body": b'{"event":"close"}'}
    assert not signing.verify(SECRET, now=NOW, **request)


def test_a_replayed_request_outside_the_window_does_not_verify():
    assert not signing.verify(SECRET, now=NOW + signing.REPLAY_WINDOW_SECONDS + 1, **signed())


def test_a_timestamp_moved_forward_does_not_verify_with_the_old_signature():
    request = signed() | {"timestamp": str(NOW + 600)}
    assert not signing.verify(SECRET, now=NOW + 600, **request)


def test_a_malformed_timestamp_or_missing_signature_does_not_verify():
    assert not signing.verify(SECRET, now=NOW, **(signed() | {"timestamp": "yesterday"}))
    assert not signing.verify(SECRET, now=NOW, **(signed() | {"signature_header": ""}))


def test_the_signature_is_hmac_sha256_over_timestamp_dot_body():
    import hashlib
    import hmac

    expected = hmac.new(SECRET.encode(), b"1800000000." + BODY, hashlib.sha256).hexdigest()
    assert signing.signature(SECRET, "1800000000", BODY) == f"sha256={expected}"

"""The signed proofs the portal gives a browser: they cannot be forged, altered or kept for ever."""

from __future__ import annotations

import time

import pytest

from rexian.portal import tokens


def test_a_rating_token_gives_back_its_number_and_version():
    assert tokens.rating_claim(tokens.rating_token(number="20261126-000123", version=7)) == ("20261126-000123", 7)


def test_a_submission_token_is_not_a_rating_token():
    with pytest.raises(tokens.TokenInvalid):
        tokens.rating_claim(tokens.submitted_token("20261126-000123"))


def test_an_altered_token_is_refused():
    # Another number's payload under this token's timestamp and signature.
    signature = tokens.submitted_token("20261126-000123").split(":", 1)[1]
    payload = tokens.submitted_token("20261126-000124").split(":", 1)[0]
    with pytest.raises(tokens.TokenInvalid):
        tokens.submitted_number(f"{payload}:{signature}")


def test_an_old_rating_token_is_refused(monkeypatch):
    token = tokens.rating_token(number="20261126-000123", version=1)
    later = time.time() + tokens.RATING_MAX_AGE + 5
    monkeypatch.setattr(time, "time", lambda: later)
    with pytest.raises(tokens.TokenInvalid):
        tokens.rating_claim(token)

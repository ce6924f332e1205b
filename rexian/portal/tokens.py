"""Signed, short-lived proofs the portal hands a citizen's browser instead of keeping a session.

- After a submission, the confirmation page's address carries the new order's
  number signed (so nobody can make the site confirm an arbitrary number).
- After a successful look-up (number + phone), the rating form carries the
  order's number and the version the citizen saw, signed: the phone never has
  to travel in the page again, and a rating for an order that changed since is
  refused.
"""

from __future__ import annotations

from django.core import signing

SUBMITTED_SALT = "rexian.portal.submitted"
SUBMITTED_MAX_AGE = 24 * 3600
RATING_SALT = "rexian.portal.rating"
RATING_MAX_AGE = 30 * 60


class TokenInvalid(Exception):
    """The token was altered, belongs to something else, or is too old."""


def submitted_token(number: str) -> str:
    return signing.dumps(number, salt=SUBMITTED_SALT, compress=False)


def submitted_number(token: str) -> str:
    try:
        return str(signing.loads(token, salt=SUBMITTED_SALT, max_age=SUBMITTED_MAX_AGE))
    except signing.BadSignature as exc:  # SignatureExpired is a BadSignature
        raise TokenInvalid from exc


def rating_token(*, number: str, version: int) -> str:
    return signing.dumps({"n": number, "v": version}, salt=RATING_SALT)


def rating_claim(token: str) -> tuple[str, int]:
    """(number, version) from a rating token; raises TokenInvalid."""
    try:
        data = signing.loads(token, salt=RATING_SALT, max_age=RATING_MAX_AGE)
        return str(data["n"]), int(data["v"])
    except (signing.BadSignature, KeyError, TypeError, ValueError) as exc:
        raise TokenInvalid from exc

"""Writes of the REST API's own records: issuing and revoking tokens, idempotent request results."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rexian.api.models import ApiToken, IdempotencyKey, key_digest

# How long a stored result answers retries of the same Idempotency-Key.
IDEMPOTENCY_TTL = dt.timedelta(hours=24)
# Write "last used" at most once a minute per token, not on every request.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


class TokenRejected(Exception):
    """The presented key is unknown, revoked, expired or belongs to a disabled user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# --- Tokens ---------------------------------------------------------------------------------


def api_token_issue(*, user, name: str, expires_at: dt.datetime | None = None, created_by=None) -> tuple[ApiToken, str]:
    """签发令牌: make a token for `user` and return it with its key, which is never shown again.

    Any active user may own tokens; the token acts with the owner's role. Only
    administrators call this (admin site, `rexian api-token create`).
    """
    if not user.is_active:
        raise ValueError(_("用户 %(user)s 已停用，不能签发令牌。") % {"user": user.username})
    name = (name or "").strip()
    if not name:
        raise ValueError(_("请填写令牌名称。"))
    key = ApiToken.generate_key()
    token = ApiToken(user=user, name=name[:80], expires_at=expires_at, created_by=created_by)
    token.set_key(key)
    token.save()
    return token, key


def api_token_install(*, user, name: str, key: str) -> ApiToken:
    """A token with a key chosen by the caller, for the demo city only (its keys are published).

    Idempotent: installing the same key again returns the existing token. Real
    deployments issue random keys with `api_token_issue`.
    """
    if len(key) < 8 or not key.isascii() or not key.isprintable() or " " in key:
        raise ValueError("A token key needs at least 8 visible ASCII characters.")
    token = ApiToken.objects.filter(key_hash=key_digest(key)).first()
    if token is None:
        token = ApiToken(user=user, name=name[:80])
        token.set_key(key)
        token.save()
    return token


def api_token_revoke(*, token: ApiToken, at: dt.datetime | None = None) -> ApiToken:
    """吊销令牌: the key stops working at once; the row stays as a record."""
    if token.revoked_at is None:
        token.revoked_at = at or timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def api_token_authenticate(key: str, *, now: dt.datetime | None = None) -> ApiToken:
    """The usable token for `key` (with its user loaded); raises TokenRejected otherwise."""
    now = now or timezone.now()
    token = ApiToken.objects.select_related("user", "user__unit").filter(key_hash=key_digest(key)).first()
    if token is None:
        raise TokenRejected(_("令牌无效。"))
    if token.revoked_at is not None:
        raise TokenRejected(_("令牌已被吊销。"))
    if token.expires_at is not None and token.expires_at <= now:
        raise TokenRejected(_("令牌已过期。"))
    if not token.user.is_active:
        raise TokenRejected(_("令牌所属用户已停用。"))
    if token.last_used_at is None or token.last_used_at <= now - LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


# --- Idempotency ----------------------------------------------------------------------------


def request_fingerprint(data) -> str:
    """A hash of a request body's content (key order and spacing do not matter)."""
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()


def idempotency_reserve(
    *, user, key: str, request_hash: str, now: dt.datetime | None = None
) -> tuple[IdempotencyKey, bool]:
    """Take `key` for this request, or return the earlier request's record: (record, taken).

    Call inside the transaction that does the work and `idempotency_complete`
    the record before it commits. A concurrent first try of the same key blocks
    on the unique constraint until this transaction ends, then finds the stored
    result, so two orders can never come of one key. A record older than 24
    hours no longer counts.
    """
    now = now or timezone.now()
    IdempotencyKey.objects.filter(user=user, key=key, created_at__lte=now - IDEMPOTENCY_TTL).delete()
    try:
        with transaction.atomic():
            record = IdempotencyKey.objects.create(
                user=user, key=key, request_hash=request_hash, status_code=0, response_body={}, created_at=now
            )
        return record, True
    except IntegrityError:
        return IdempotencyKey.objects.get(user=user, key=key), False


def idempotency_complete(record: IdempotencyKey, *, status_code: int, body: dict) -> None:
    """Store the result that retries of the record's key will receive."""
    record.status_code, record.response_body = status_code, body
    record.save(update_fields=["status_code", "response_body"])


def idempotency_keys_prune(*, now: dt.datetime | None = None) -> int:
    """Delete stored results older than 24 hours; returns how many went (run by the worker)."""
    now = now or timezone.now()
    deleted, _per_model = IdempotencyKey.objects.filter(created_at__lte=now - IDEMPOTENCY_TTL).delete()
    return deleted

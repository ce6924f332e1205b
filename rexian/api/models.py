"""What the REST API keeps of its own: systems' access tokens and the results of idempotent requests."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

KEY_PREFIX = "rxn_"


def key_digest(key: str) -> str:
    """The SHA-256 of a token's key: the only form in which a key is stored."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


class ApiToken(models.Model):  # 接口令牌
    """A key a system sends as `Authorization: Token <key>` to act as its owner.

    The key is shown once when the token is issued; only its SHA-256 is kept,
    so a stolen database does not hand out working keys. A token acts with its
    owner's role and unit and nothing more.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("所属用户")
    )
    name = models.CharField(_("名称"), max_length=80, help_text=_("用途，例如「区城管系统对接」"))
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    # The first characters of the key, so an administrator can tell tokens apart without the key.
    prefix = models.CharField(_("前缀"), max_length=12, editable=False)
    created_at = models.DateTimeField(_("签发时间"), default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("签发人"),
    )
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True, editable=False)
    expires_at = models.DateTimeField(_("过期时间"), null=True, blank=True, help_text=_("留空表示不过期"))
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("接口令牌")
        verbose_name_plural = _("接口令牌")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def generate_key() -> str:
        return KEY_PREFIX + secrets.token_urlsafe(32)

    def set_key(self, key: str) -> None:
        self.key_hash = key_digest(key)
        self.prefix = key[: len(KEY_PREFIX) + 6]

    def is_usable(self, now=None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class IdempotencyKey(models.Model):  # 幂等键
    """The first result of a request sent with an `Idempotency-Key` header, kept 24 hours.

    A retry with the same key and body gets this stored response instead of a
    second order. The unique constraint makes two concurrent first tries of the
    same key impossible: the second waits for the first and then replays it.
    The stored body is the compact order reference, never personal data.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    response_body = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("幂等键")
        verbose_name_plural = _("幂等键")
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_once_per_user")]
        indexes = [models.Index(fields=["created_at"], name="idempotency_key_created")]

    def __str__(self) -> str:
        return self.key

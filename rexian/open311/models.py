"""Open311 GeoReport v2: the API keys that may submit requests, and one record per submission.

A submission becomes an ordinary work order (`rexian.orders`); the record beside it keeps what
Open311 sends that the order has no place for (e-mail, device and account ids, the answers to
the service's attributes) and the token that `tokens/{token}` resolves. None of it is ever
returned by the API.
"""

from __future__ import annotations

import hashlib

from django.db import models
from django.utils.translation import gettext_lazy as _

from rexian.orders.models import WorkOrder
from rexian.privacy.fields import EncryptedTextField


def key_digest(raw_key: str) -> str:
    """The stored form of an API key: its SHA-256. Keys are random and long, so no salt or slow hash is needed."""
    return hashlib.sha256(raw_key.encode("utf-8")).hexdigest()


class ApiKey(models.Model):  # Open311 API密钥
    """A key a civic app sends as `api_key` to submit requests. Only its hash is stored.

    A key is a low-privilege submission right: it submits requests as the
    Open311 service account and reads nothing the public cannot. Deactivate
    a key to cut an app off; a key with submissions cannot be deleted.
    """

    name = models.CharField(_("名称"), max_length=100, help_text=_("持有该密钥的应用或合作方"))
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(_("密钥前缀"), max_length=8, editable=False, help_text=_("用于辨认密钥，不足以使用"))
    is_active = models.BooleanField(_("启用"), default=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("Open311 API密钥")
        verbose_name_plural = _("Open311 API密钥")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class Submission(models.Model):  # Open311 提交记录
    """One request POSTed through Open311, and the work order it became."""

    order = models.OneToOneField(
        WorkOrder, on_delete=models.PROTECT, related_name="open311_submission", verbose_name=_("工单")
    )
    api_key = models.ForeignKey(ApiKey, on_delete=models.PROTECT, related_name="submissions", verbose_name=_("API密钥"))
    token = models.CharField(_("令牌"), max_length=40, unique=True)
    submitted_at = models.DateTimeField(_("提交时间"))
    # Personal data the order has no field for: encrypted, never returned by the API.
    email = EncryptedTextField(_("电子邮箱"), blank=True, default="")
    device_id = models.CharField(_("设备标识"), max_length=100, blank=True)
    account_id = models.CharField(_("账号标识"), max_length=100, blank=True)
    media_url = models.URLField(_("媒体链接"), max_length=1000, blank=True)
    attributes = models.JSONField(_("附加属性"), default=dict, blank=True)

    class Meta:
        verbose_name = _("Open311提交记录")
        verbose_name_plural = _("Open311提交记录")
        ordering = ["-submitted_at"]

    def __str__(self) -> str:
        return self.order.number

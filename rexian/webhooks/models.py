"""Outbound webhooks (事件推送): the endpoints other systems registered, and the delivery log.

An order event (登记, 派单, 回复, 办结 …) becomes one `WebhookDelivery` per
active endpoint that asked for that action. The worker posts it, signed with
the endpoint's secret, and retries with back-off until it succeeds or gives
up; each row is the delivery's log entry.
"""

from __future__ import annotations

import secrets

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from rexian.orders.transitions import Action
from rexian.privacy.fields import EncryptedTextField
from rexian.webhooks.destinations import MAX_URL_LENGTH, validate_webhook_url


def new_secret() -> str:
    return secrets.token_urlsafe(32)


class WebhookEndpoint(models.Model):  # 推送地址
    name = models.CharField(_("名称"), max_length=100)
    url = models.CharField(
        _("推送地址"),
        max_length=MAX_URL_LENGTH,
        validators=[validate_webhook_url],
        help_text=_("https 地址；http 仅允许 127.0.0.1 / localhost（测试用）。"),
    )
    # Needed in clear to sign, so it cannot be hashed; encrypted at rest with the data key.
    secret = EncryptedTextField(_("签名密钥"), default=new_secret, editable=False)
    events = models.JSONField(
        _("推送事件"), default=list, blank=True, help_text=_("要推送的操作；不选则推送全部。")
    )
    active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("推送地址")
        verbose_name_plural = _("推送地址")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def wants(self, action: str) -> bool:
        return not self.events or action in self.events

    def clean(self):
        super().clean()
        if not isinstance(self.events, list) or any(code not in Action.values for code in self.events):
            raise ValidationError({"events": _("推送事件须为工单操作编码的列表。")})


class WebhookDelivery(models.Model):  # 推送记录
    """One event for one endpoint: what was sent, how often, and how it went."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待发送")
        SUCCEEDED = "succeeded", _("已送达")
        FAILED = "failed", _("失败待重试")
        GAVE_UP = "gave_up", _("已放弃")

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("推送地址")
    )
    # The event is referenced by id, not by a foreign key: the log is the webhooks app's own record.
    event_id = models.BigIntegerField(_("事件编号"))
    order_number = models.CharField(_("工单编号"), max_length=20)
    action = models.CharField(_("操作"), max_length=24, choices=Action.choices)
    payload = models.JSONField(_("推送内容"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    # When the next attempt is due; null once the delivery succeeded or gave up.
    next_attempt_at = models.DateTimeField(_("下次尝试时间"), null=True, blank=True)
    # A worker holds the delivery until then while it sends (the claim against a second worker).
    claimed_until = models.DateTimeField(null=True, blank=True, editable=False)
    # When a task was last queued for it: the safety net re-queues only deliveries that look lost.
    enqueued_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_status_code = models.PositiveSmallIntegerField(_("最近响应码"), null=True, blank=True)
    last_error = models.CharField(_("最近错误"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    delivered_at = models.DateTimeField(_("送达时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("推送记录")
        verbose_name_plural = _("推送记录")
        ordering = ["-created_at", "-id"]
        constraints = [
            # An event announced twice still gives one delivery per endpoint.
            models.UniqueConstraint(fields=["endpoint", "event_id"], name="webhook_delivery_once"),
        ]
        indexes = [
            models.Index(fields=["next_attempt_at"], name="webhook_delivery_due"),
            models.Index(fields=["endpoint", "created_at"], name="webhook_delivery_endpoint"),
            models.Index(fields=["order_number"], name="webhook_delivery_order"),
        ]

    def __str__(self) -> str:
        return f"{self.order_number} {self.action} → {self.endpoint}"

"""Text messages to callers (短信): the receipt of a registered request and the news that it has been handled."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rexian.privacy.fields import EncryptedTextField


class SmsMessage(models.Model):  # 短信
    class Kind(models.TextChoices):
        RECEIPT = "receipt", _("受理回执")
        RESULT = "result", _("办结通知")

    class Status(models.TextChoices):
        PENDING = "pending", _("待发送")
        SENT = "sent", _("已发送")
        FAILED = "failed", _("发送失败，待重试")
        GAVE_UP = "gave_up", _("已放弃")

    order = models.ForeignKey("orders.WorkOrder", on_delete=models.CASCADE, related_name="+", verbose_name=_("工单"))
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    phone = EncryptedTextField(_("手机号"))  # the caller's, as the order held it when the message was made
    text = models.CharField(_("内容"), max_length=300)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("发送次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次发送"), null=True, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True, editable=False)  # a worker is sending it
    last_error = models.CharField(_("最近错误"), max_length=500, blank=True)
    reference = models.CharField(_("网关流水号"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("短信")
        verbose_name_plural = _("短信")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["order", "kind"], name="sms_once_per_order_and_kind")]
        indexes = [
            models.Index(fields=["next_attempt_at"], condition=models.Q(status__in=["pending", "failed"]),
                         name="sms_due"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.order_id}"

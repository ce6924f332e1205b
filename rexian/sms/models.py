"""Text messages (短信): to callers, the receipt of a registered request and the news that it has been handled;
from them, their texts to the hotline (ratings, opt-outs, new requests) and the numbers that asked for no more."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rexian.privacy.fields import EncryptedTextField


class SmsMessage(models.Model):  # 短信
    class Kind(models.TextChoices):
        RECEIPT = "receipt", _("受理回执")
        RESULT = "result", _("办结通知")
        ANSWER = "answer", _("知识答复")  # an operator texts the caller a knowledge-base article's 短信口径

    class Status(models.TextChoices):
        PENDING = "pending", _("待发送")
        SENT = "sent", _("已发送")
        DELIVERED = "delivered", _("已送达")
        UNDELIVERED = "undelivered", _("未送达")
        FAILED = "failed", _("发送失败，待重试")
        GAVE_UP = "gave_up", _("已放弃")

    order = models.ForeignKey("orders.WorkOrder", on_delete=models.CASCADE, related_name="+", verbose_name=_("工单"))
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    phone = EncryptedTextField(_("手机号"))  # the caller's, as the order held it when the message was made
    phone_hash = models.CharField(max_length=64, blank=True, default="", editable=False)  # finds a reply's message
    survey = models.BooleanField(_("含评价邀请"), default=False)  # asks the caller to rate the result by reply
    text = models.CharField(_("内容"), max_length=500)  # a long text goes in several parts; 短信口径 ≤ 300 + signature
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("发送次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次发送"), null=True, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True, editable=False)  # a worker is sending it
    last_error = models.CharField(_("最近错误"), max_length=500, blank=True)
    reference = models.CharField(_("网关流水号"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("送达回执时间"), null=True, blank=True)  # the gateway's delivery report
    # A knowledge answer's article and the operator who sent it.
    article = models.ForeignKey("knowledge.Article", on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="+", verbose_name=_("知识条目"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", verbose_name=_("发送人"))

    class Meta:
        verbose_name = _("短信")
        verbose_name_plural = _("短信")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["order", "kind"], condition=models.Q(kind__in=["receipt", "result"]),
                                    name="sms_once_per_order_and_kind"),
            models.UniqueConstraint(fields=["order", "article"], condition=models.Q(kind="answer"),
                                    name="sms_answer_once_per_article"),
        ]
        indexes = [
            models.Index(fields=["next_attempt_at"], condition=models.Q(status__in=["pending", "failed"]),
                         name="sms_due"),
            models.Index(fields=["phone_hash", "sent_at"], condition=models.Q(survey=True), name="sms_survey"),
            # The dashboards' 短信统计 (selectors.sms_figures): a period's texts, and its rating invitations.
            models.Index(fields=["created_at"], name="sms_created"),
            models.Index(fields=["sent_at"], condition=models.Q(survey=True), name="sms_survey_sent"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.order_id}"


class IncomingSms(models.Model):  # 短信来信
    """A text a caller sent to the hotline's number, posted by the gateway. What it was taken for is its status:
    a rating of the order whose result notice asked for one, an opt-out, or a message an operator reads."""

    class Status(models.TextChoices):
        OPEN = "open", _("待处理")
        REGISTERED = "registered", _("已登记工单")
        DISMISSED = "dismissed", _("无需登记")
        RATED = "rated", _("已记为回访评价")
        RATED_LATE = "rated_late", _("评价未记入（已回访）")
        OPTED_OUT = "opted_out", _("已退订")

    reference = models.CharField(_("网关流水号"), max_length=100, unique=True)  # the same text posted twice is one
    phone = EncryptedTextField(_("手机号"))
    phone_hash = models.CharField(max_length=64, editable=False)
    text = models.TextField(_("内容"))
    received_at = models.DateTimeField(_("接收时间"))
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices)
    # The order it rated or was registered as.
    order = models.ForeignKey("orders.WorkOrder", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                              verbose_name=_("工单"))
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("处理人"))
    handled_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    note = models.CharField(_("处理说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("短信来信")
        verbose_name_plural = _("短信来信")
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["received_at"], condition=models.Q(status="open"), name="sms_incoming_open"),
            models.Index(fields=["phone_hash", "received_at"], name="sms_incoming_phone"),
            models.Index(fields=["received_at"], name="sms_incoming_received"),  # a period's texts (sms_figures)
        ]

    def __str__(self) -> str:
        return f"{self.get_status_display()} {self.received_at:%Y-%m-%d %H:%M}"


class SmsOptOut(models.Model):  # 退订号码
    """A number that asked for no more texts (退订): nothing is sent to it until the record is deleted."""

    phone_hash = models.CharField(max_length=64, unique=True, editable=False)
    masked_phone = models.CharField(_("手机号"), max_length=20, editable=False)  # 138****8000, for the admin's list
    created_at = models.DateTimeField(_("退订时间"), default=timezone.now)
    source = models.CharField(_("来源"), max_length=60, blank=True)  # 短信回复TD, or who entered it in the admin

    class Meta:
        verbose_name = _("退订号码")
        verbose_name_plural = _("退订号码")

    def __str__(self) -> str:
        return self.masked_phone

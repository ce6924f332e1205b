"""Notifications (通知): what the bell in the console's header counts.

Created by `rexian.notifications.services`, from committed order events and
from the deadline scan, and by `rexian.reports.services` when a report is
published, by `rexian.supervision.services` for the steps of a 督办 or 批示, and by
`rexian.telephony.services` when a roster is published or a shift handed over; never by the pages.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):  # 通知
    class Kind(models.TextChoices):
        NEW_ORDER = "new_order", _("新工单")
        DEADLINE_SOON = "deadline_soon", _("时限临近")
        ESCALATED = "escalated", _("超期催办")
        RETURN_DECIDED = "return_decided", _("退单审核结果")
        EXTENSION_DECIDED = "extension_decided", _("延期审核结果")
        REPLY_REJECTED = "reply_rejected", _("回复被退回")
        REOPENED = "reopened", _("工单重办")
        CALLBACK_DISSATISFIED = "callback_dissatisfied", _("回访不满意")
        REPORT = "report", _("新报告")
        SUPERVISION = "supervision", _("督办批示")
        ROSTER = "roster", _("排班")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("接收人")
    )
    kind = models.CharField(_("类型"), max_length=24, choices=Kind.choices)
    order = models.ForeignKey(
        "orders.WorkOrder", on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("工单")
    )
    order_number = models.CharField(_("工单编号"), max_length=20, blank=True)
    # Where a notification about something other than an order leads (a report on the reading list): a path.
    link = models.CharField(_("链接"), max_length=200, blank=True)
    text = models.CharField(_("内容"), max_length=200)
    # The deadline a "deadline soon" notice is about: the scan skips orders already told about it.
    deadline = models.DateTimeField(_("时限"), null=True, blank=True)
    created_at = models.DateTimeField(_("时间"))
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)
    # What makes the notification happen once per recipient: "event:<order event id>" for a step of the
    # lifecycle, "due:<order id>:<deadline kind>:<unit id>:<deadline ISO>" for a deadline coming up,
    # "report:<report id>" for a published report, "supervision:<step id>" for a step of a 督办 or 批示,
    # "roster:<roster id>" for a published roster, "roster-shift:<shift id>:<when it changed>" for a 调班.
    key = models.CharField(max_length=80, editable=False)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        constraints = [models.UniqueConstraint(fields=["recipient", "key"], name="notification_once")]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_unread"),
            models.Index(fields=["recipient", "-created_at", "-id"], name="notification_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.recipient_id} {self.kind} {self.order_number}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

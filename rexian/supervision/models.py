"""Supervision (督办) and leaders' instructions (批示): items attached to a work order, or to a report (报告) a
leader or supervisor read (PRODUCT.md, "Reports": instructions written on a report become tracked 批示 items).

An item never changes the order's state; it has its own loop (PRODUCT.md, "The lifecycle"):
issued 已下发 → acknowledged 已签收 → reported 已反馈 → closed 已办结, and a report the issuer
finds wanting goes back to acknowledged (退回). Every step is a `SupervisionStep` row, so a returned
report is never lost. Written only by `rexian.supervision.services`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Supervision(models.Model):  # 督办件 / 批示件
    class Kind(models.TextChoices):
        SUPERVISION = "supervision", _("督办")
        INSTRUCTION = "instruction", _("批示")

    class Status(models.TextChoices):
        ISSUED = "issued", _("已下发")
        ACKNOWLEDGED = "acknowledged", _("已签收")
        REPORTED = "reported", _("已反馈")
        CLOSED = "closed", _("已办结")

    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices)
    # What the item is about: an order, or a report (exactly one of the two).
    order = models.ForeignKey(
        "orders.WorkOrder", on_delete=models.CASCADE, related_name="supervisions", verbose_name=_("工单"),
        null=True, blank=True,
    )
    source_report = models.ForeignKey(
        "reports.Report", on_delete=models.CASCADE, related_name="supervisions", verbose_name=_("报告"),
        null=True, blank=True,
    )
    unit = models.ForeignKey(
        "units.Unit", on_delete=models.PROTECT, related_name="supervisions", verbose_name=_("责任单位")
    )
    content = models.TextField(_("督办意见/批示内容"), max_length=1000)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.ISSUED)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("下发人")
    )
    issued_at = models.DateTimeField(_("下发时间"))
    due_at = models.DateTimeField(_("反馈时限"))
    acknowledged_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    report = models.TextField(_("办理反馈"), max_length=2000, blank=True)
    reported_at = models.DateTimeField(_("反馈时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    # 超期催办: when the overdue scan reminded the unit and told the issuer (once per item).
    escalated_at = models.DateTimeField(_("超期催办时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("督办批示")
        verbose_name_plural = _("督办批示")
        indexes = [
            models.Index(fields=["unit", "status", "due_at"], name="supervision_unit_open"),
            models.Index(fields=["status", "due_at"], name="supervision_open"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(order__isnull=False, source_report__isnull=True)
                | models.Q(order__isnull=True, source_report__isnull=False),
                name="supervision_on_order_or_report",
            ),
        ]

    def __str__(self) -> str:
        about = self.order_id if self.order_id else f"report {self.source_report_id}"
        return f"{self.get_kind_display()} {about} {self.get_status_display()}"

    @property
    def subject_title(self) -> str:
        """What the item is about, in a line: the order's title or the report's."""
        return self.order.title if self.order_id else self.source_report.title

    @property
    def is_open(self) -> bool:
        return self.status != self.Status.CLOSED

    @property
    def is_overdue(self) -> bool:
        """Still unreported after its reply deadline (a reported item waits on the centre, not the unit)."""
        waiting = self.status in (self.Status.ISSUED, self.Status.ACKNOWLEDGED)
        return waiting and self.due_at < timezone.now()


class SupervisionStep(models.Model):  # 督办流转记录
    class Action(models.TextChoices):
        ISSUE = "issue", _("下发")
        ACKNOWLEDGE = "acknowledge", _("签收")
        REPORT = "report", _("反馈")
        RETURN = "return", _("退回")
        CLOSE = "close", _("办结")

    supervision = models.ForeignKey(Supervision, on_delete=models.CASCADE, related_name="steps")
    action = models.CharField(_("操作"), max_length=12, choices=Action.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("时间"))
    note = models.TextField(_("说明"), max_length=2000, blank=True)

    class Meta:
        verbose_name = _("督办流转记录")
        verbose_name_plural = _("督办流转记录")
        ordering = ["at", "id"]

"""Reports (报告): 工作日报, 简报, 专报 and 快报, and the leaders' reading list.

A report is stored as its structured `content` (headings, paragraphs, figures, tables and
the data of its charts), built once from the metrics when it is generated. The Word, PDF
and Excel files are rendered from that content when they are downloaded (`render/`), so a
published report always reads the same, whatever happens to the orders afterwards, and a
快报 or 专报 draft can be corrected in the page before it is published. Nothing but the
content is stored: no files to keep in step, to back up or to delete.

The issue number 第N期 is counted per kind and per year of publication, and given when the
report is published (`services.report_publish`), so drafts thrown away leave no gap.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Report(models.Model):  # 报告
    class Kind(models.TextChoices):
        DAILY = "daily", _("工作日报")
        MONTHLY = "monthly", _("简报")
        SPECIAL = "special", _("专报")
        QUICK = "quick", _("快报")

    class Status(models.TextChoices):
        BUILDING = "building", _("生成中")  # asked for in the console, being built by the worker
        FAILED = "failed", _("生成失败")
        DRAFT = "draft", _("草稿")
        PUBLISHED = "published", _("已发布")

    class Failure(models.TextChoices):
        """Why the worker could not build a report, said on its page in the reader's language (the label)."""

        DENIED = "denied", _("提交人已无权生成报告，请由值班长或系统管理员重新生成。")
        REJECTED = "rejected", _("报告的条件已不再成立（如所选分类、区域或热点已不存在），请核对后重新生成。")
        ERROR = "error", _("生成时出错，请重新生成；如仍失败，请联系系统管理员。")

    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    year = models.PositiveSmallIntegerField(_("年度"), null=True, blank=True)  # of publication, with `number`
    number = models.PositiveIntegerField(_("期号"), null=True, blank=True)  # 第N期, given at publication
    title = models.CharField(_("标题"), max_length=200)
    period_start = models.DateField(_("统计起始日"))
    period_end = models.DateField(_("统计截止日"))
    # What the report is about: {"day": …}, {"month": …}, {"category": id, "area": id, "keyword": …},
    # {"issue": HotIssue id} or {"surge": Surge id}, as given to the builder.
    params = models.JSONField(_("参数"), default=dict, blank=True)
    # The sections, figures, tables and chart data (see builders.py for its shape).
    content = models.JSONField(_("内容"), default=dict)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("生成人"),
    )
    created_at = models.DateTimeField(_("生成时间"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("发布人"),
    )
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    failure = models.CharField(_("失败类型"), max_length=10, choices=Failure.choices, blank=True)
    # The detail behind `failure`, for the admin and support (the service's message in the worker's language, or the
    # exception): never shown in the console, which says `failure` in the reader's language.
    error = models.CharField(_("失败原因"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("报告")
        verbose_name_plural = _("报告")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "year", "number"], condition=models.Q(number__isnull=False), name="report_issue_once"
            ),
        ]
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="report_recent"),
            models.Index(fields=["kind", "period_start"], name="report_kind_period"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def is_unfinished(self) -> bool:
        """Still being built, or the build failed: nothing to read, edit, publish or download."""
        return self.status in (self.Status.BUILDING, self.Status.FAILED)

    @property
    def period_label(self) -> str:
        """The period covered: 「2026-03-05」, or 「2026-03-01 ~ 2026-03-31」."""
        if self.period_start == self.period_end:
            return f"{self.period_start:%Y-%m-%d}"
        return f"{self.period_start:%Y-%m-%d} ~ {self.period_end:%Y-%m-%d}"

    @property
    def issue_label(self) -> str:
        """「2026年第12期」 once published; 「草稿」 before."""
        if self.number is None:
            return str(_("草稿"))
        return str(_("%(year)s年第%(number)s期")) % {"year": self.year, "number": self.number}


class ReportSequence(models.Model):
    """The last issue number given per kind and year; its row is locked while a number is taken."""

    kind = models.CharField(max_length=10, choices=Report.Kind.choices)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "year"], name="report_sequence_once")]


class ReportDelivery(models.Model):  # 报告送达 (阅读列表)
    """A published report on one reader's reading list, read or not yet."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("报告"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="report_deliveries", verbose_name=_("接收人")
    )
    delivered_at = models.DateTimeField(_("送达时间"))
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("报告送达")
        verbose_name_plural = _("报告送达")
        constraints = [models.UniqueConstraint(fields=["report", "user"], name="report_delivered_once")]
        indexes = [models.Index(fields=["user", "read_at", "-delivered_at"], name="report_reading_list")]

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

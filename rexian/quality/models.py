"""Quality inspection (质检): a daily random sample of each operator's orders, scored against a checklist.

`QualityCriterion` is the checklist (质检项), edited by administrators in the Django admin, with an optional
English name and description for the console in English.
`QualityInspection` is one sampled order (质检记录): pending 待质检 until an inspector scores it
(已质检); its `QualityScore` rows hold the points per criterion, so the weekly review can find each
operator's weakest criteria in SQL. Written only by `rexian.quality.services`.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from rexian.catalog.models import localized_name


class QualityCriterion(models.Model):  # 质检项
    code = models.SlugField(_("编码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=60)
    name_en = models.CharField(
        _("英文名称"), max_length=60, blank=True, help_text=_("英文界面显示的名称；留空则显示中文名称。")
    )
    description = models.TextField(_("说明"), blank=True)
    description_en = models.TextField(_("英文说明"), blank=True, help_text=_("英文界面显示的说明；留空则显示中文说明。"))
    max_points = models.PositiveSmallIntegerField(_("满分"), validators=[MinValueValidator(1)])
    is_active = models.BooleanField(_("启用"), default=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("质检项")
        verbose_name_plural = _("质检项")
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return f"{self.name}（{self.max_points}）"

    @property
    def label(self) -> str:
        """The name in the active language (pages only; the API and the exports keep `name`)."""
        return localized_name(self.name, self.name_en)

    @property
    def description_label(self) -> str:
        return localized_name(self.description, self.description_en)


class QualityInspection(models.Model):  # 质检记录
    class Status(models.TextChoices):
        PENDING = "pending", _("待质检")
        SCORED = "scored", _("已质检")

    order = models.OneToOneField(
        "orders.WorkOrder", on_delete=models.CASCADE, related_name="quality_inspection", verbose_name=_("工单")
    )
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="quality_inspections",
        verbose_name=_("话务员"),
    )
    sampled_on = models.DateField(_("抽检日期"))  # the day the order was registered
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices, default=Status.PENDING)
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("质检员"),
    )
    scored_at = models.DateTimeField(_("质检时间"), null=True, blank=True)
    total = models.PositiveSmallIntegerField(_("得分"), null=True, blank=True)
    # The checklist's maximum when scored (100 by default): reviews compare totals out of 100.
    max_total = models.PositiveSmallIntegerField(_("满分"), null=True, blank=True)
    comment = models.TextField(_("点评"), max_length=1000, blank=True)

    class Meta:
        verbose_name = _("质检记录")
        verbose_name_plural = _("质检记录")
        indexes = [
            models.Index(fields=["status", "sampled_on"], name="quality_queue"),
            models.Index(fields=["operator", "scored_at"], name="quality_operator_scored"),
        ]

    def __str__(self) -> str:
        return f"{self.order_id} {self.get_status_display()}"


class QualityScore(models.Model):  # 质检得分（每一质检项）
    inspection = models.ForeignKey(QualityInspection, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(QualityCriterion, on_delete=models.PROTECT, related_name="+")
    points = models.PositiveSmallIntegerField(_("得分"))
    max_points = models.PositiveSmallIntegerField(_("满分"))  # the criterion's maximum when scored

    class Meta:
        verbose_name = _("质检项得分")
        verbose_name_plural = _("质检项得分")
        constraints = [
            models.UniqueConstraint(fields=["inspection", "criterion"], name="quality_score_once"),
        ]

"""What the intelligence keeps in the database: the trained models' versions and the suggestions' feedback.

The model files themselves live in `INTELLIGENCE_MODEL_DIR` (joblib); a `TrainedModel` row records each
version, how it scored on the held-out slice it was judged on, and which version of each kind is active.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ModelKind(models.TextChoices):
    CATEGORY = "category", _("诉求分类")
    APPEAL_TYPE = "appeal_type", _("诉求类型")
    URGENCY = "urgency", _("紧急程度")
    DISPATCH = "dispatch", _("智能派单")


class TrainedModel(models.Model):  # 模型版本
    kind = models.CharField(_("模型"), max_length=20, choices=ModelKind.choices)
    version = models.PositiveIntegerField(_("版本"))
    file_name = models.CharField(_("文件"), max_length=200)
    trained_at = models.DateTimeField(_("训练时间"), default=timezone.now)
    examples = models.PositiveIntegerField(_("训练样本数"))
    holdout = models.PositiveIntegerField(_("留出样本数"), default=0)
    metric = models.CharField(_("评分指标"), max_length=40)
    score = models.FloatField(_("留出集得分"), null=True, blank=True)
    previous_score = models.FloatField(_("原模型得分"), null=True, blank=True)
    is_active = models.BooleanField(_("使用中"), default=False)
    note = models.CharField(_("说明"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("模型版本")
        verbose_name_plural = _("模型版本")
        ordering = ["kind", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "version"], name="trained_model_version"),
            models.UniqueConstraint(fields=["kind"], condition=Q(is_active=True), name="trained_model_one_active"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} v{self.version}"


class SuggestionFeedback(models.Model):  # 智能建议反馈
    """What a suggestion said and what the operator or dispatcher chose: accepted, or overridden."""

    order = models.ForeignKey(
        "orders.WorkOrder", on_delete=models.CASCADE, related_name="suggestion_feedback", verbose_name=_("工单")
    )
    kind = models.CharField(_("建议"), max_length=20, choices=ModelKind.choices)
    suggested = models.CharField(_("建议值"), max_length=64)
    confidence = models.FloatField(_("置信度"))
    chosen = models.CharField(_("实际选择"), max_length=64)
    accepted = models.BooleanField(_("采纳"))
    model = models.ForeignKey(
        TrainedModel, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("模型版本")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("操作人"),
    )
    created_at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        verbose_name = _("建议反馈")
        verbose_name_plural = _("建议反馈")
        indexes = [models.Index(fields=["kind", "created_at"], name="feedback_kind_time")]

    def __str__(self) -> str:
        return f"{self.order_id} {self.kind}: {self.suggested} → {self.chosen}"

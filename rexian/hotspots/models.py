"""Hot spots (热点) and surges (舆情预警): what the hourly scan found, and the words that flag public-opinion risk.

Nothing here is a source of truth: every run can be recomputed from the orders
(`rexian.hotspots.services.hotspot_scan`), and the orders app knows nothing of
these tables. Runs are pruned (REXIAN_HOTSPOT_KEEP_RUNS per window).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class SensitiveWord(models.Model):  # 敏感词 (舆情风险词)
    """A word whose presence in an issue's orders is a public-opinion risk (群体, 上访, 媒体曝光 …)."""

    word = models.CharField(_("敏感词"), max_length=30, unique=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("敏感词")
        verbose_name_plural = _("敏感词")
        ordering = ["word"]

    def __str__(self) -> str:
        return self.word


class HotspotRun(models.Model):  # 热点计算
    """One computation of the hot issues of a window ending at `computed_at` (the 72-hour run also holds the surges)."""

    computed_at = models.DateTimeField(_("计算时间"))
    window_hours = models.PositiveIntegerField(_("时段（小时）"))
    orders = models.PositiveIntegerField(_("时段内工单数"), default=0)
    seconds = models.FloatField(_("用时（秒）"), default=0)

    class Meta:
        verbose_name = _("热点计算")
        verbose_name_plural = _("热点计算")
        indexes = [models.Index(fields=["window_hours", "computed_at"], name="hotspot_run_latest")]

    def __str__(self) -> str:
        return f"{self.computed_at:%Y-%m-%d %H:%M} {self.window_hours}h"


class HotIssue(models.Model):  # 热点问题
    """A group of similar orders about the same thing and place, ranked (rexian/hotspots/clustering.py)."""

    run = models.ForeignKey(HotspotRun, on_delete=models.CASCADE, related_name="issues")
    rank = models.PositiveIntegerField(_("排名"))
    title = models.CharField(_("问题"), max_length=200)
    keywords = models.JSONField(_("关键词"), default=list)
    place = models.CharField(_("地点"), max_length=100, blank=True)
    count = models.PositiveIntegerField(_("件数"))
    previous_count = models.PositiveIntegerField(_("前一时段件数"), default=0)
    growth = models.FloatField(_("增长"), null=True, blank=True)  # count / previous_count − 1; None: new
    attention = models.PositiveIntegerField(_("关注度"), default=0)
    score = models.FloatField(_("热度"))
    order_ids = models.JSONField(_("工单"), default=list)  # WorkOrder pks, newest first
    sensitive_words = models.JSONField(_("敏感词"), default=list)
    first_at = models.DateTimeField(_("最早"), null=True, blank=True)
    last_at = models.DateTimeField(_("最近"), null=True, blank=True)

    class Meta:
        verbose_name = _("热点问题")
        verbose_name_plural = _("热点问题")
        ordering = ["run", "rank"]

    def __str__(self) -> str:
        return self.title


class Surge(models.Model):  # 激增预警
    """A category, area or issue whose count in the latest window is significantly above its baseline."""

    class Dimension(models.TextChoices):
        CATEGORY = "category", _("诉求分类")
        AREA = "area", _("区域")
        ISSUE = "issue", _("热点问题")

    run = models.ForeignKey(HotspotRun, on_delete=models.CASCADE, related_name="surges")
    dimension = models.CharField(_("维度"), max_length=10, choices=Dimension.choices)
    label = models.CharField(_("对象"), max_length=200)
    count = models.PositiveIntegerField(_("件数"))
    # The expected count in the window: the mean of the same hours over the baseline days, weekday-adjusted.
    baseline = models.FloatField(_("基线"))
    p_value = models.FloatField(_("显著性 p 值"))  # one-sided Poisson: P(X ≥ count | baseline)
    issue = models.ForeignKey(HotIssue, on_delete=models.SET_NULL, null=True, blank=True, related_name="surges")
    sensitive_words = models.JSONField(_("敏感词"), default=list)
    window_hours = models.PositiveIntegerField(_("监测时段（小时）"), default=24)

    class Meta:
        verbose_name = _("激增预警")
        verbose_name_plural = _("激增预警")
        ordering = ["run", "p_value", "-count"]

    def __str__(self) -> str:
        return f"{self.get_dimension_display()} {self.label}"

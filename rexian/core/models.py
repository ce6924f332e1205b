from django.db import models
from django.utils.translation import gettext_lazy as _


class PeriodicJob(models.Model):  # 定时任务
    """When a periodic job is next due. Workers claim a run with one conditional UPDATE,
    so several workers sharing the database enqueue each run exactly once."""

    name = models.CharField(_("名称"), max_length=60, primary_key=True)
    next_run_at = models.DateTimeField(_("下次运行"))
    last_run_at = models.DateTimeField(_("上次运行"), null=True, blank=True)

    class Meta:
        verbose_name = _("定时任务")
        verbose_name_plural = _("定时任务")

    def __str__(self) -> str:
        return self.name

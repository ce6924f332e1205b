from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class PersonalDataAccess(models.Model):  # 个人信息查看记录
    """One read of unmasked personal data: who saw which fields of what, when."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, verbose_name=_("用户"))
    subject_type = models.CharField(_("对象类型"), max_length=40)
    subject_id = models.CharField(_("对象"), max_length=40)
    fields = models.CharField(_("字段"), max_length=200)
    purpose = models.CharField(_("用途"), max_length=100, blank=True)
    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("个人信息查看记录")
        verbose_name_plural = _("个人信息查看记录")
        indexes = [models.Index(fields=["subject_type", "subject_id", "at"])]

    def __str__(self) -> str:
        return f"{self.user} {self.subject_type}:{self.subject_id} {self.fields}"

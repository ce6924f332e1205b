"""The organisation: units (承办单位) as a tree, and the people who work in them."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as BaseUserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class Unit(models.Model):  # 单位
    """A node of the city's organisation tree: the centre, a bureau, a town, a community, a utility."""

    class Kind(models.TextChoices):
        CITY = "city", _("市级")
        CENTRE = "centre", _("热线中心")
        BUREAU = "bureau", _("委办局")
        TOWN = "town", _("镇/街道")
        COMMUNITY = "community", _("村/社区")
        UTILITY = "utility", _("公共事业单位")
        ENTERPRISE = "enterprise", _("国有企业")

    code = models.CharField(_("编码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    short_name = models.CharField(_("简称"), max_length=40, blank=True)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("上级单位")
    )
    # Materialised path of ids ("/1/5/23/") so "this unit and everything below it" is one indexed prefix query.
    path = models.CharField(max_length=255, editable=False, db_index=True, default="")
    accepts_orders = models.BooleanField(_("可承办工单"), default=True)
    is_active = models.BooleanField(_("启用"), default=True)
    contact_phone = models.CharField(_("联系电话"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("单位")
        verbose_name_plural = _("单位")
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        if self.parent_id and self.pk and (
            self.parent_id == self.pk or (self.path and self.parent.path.startswith(self.path))
        ):
            raise ValidationError({"parent": _("上级单位不能是本单位或其下级单位。")})

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        new_path = f"{self.parent.path if self.parent_id else '/'}{self.pk}/"
        if new_path != self.path:
            old_path = self.path
            self.path = new_path
            Unit.objects.filter(pk=self.pk).update(path=new_path)
            if old_path:
                for child in Unit.objects.filter(path__startswith=old_path).exclude(pk=self.pk):
                    child.save()

    @property
    def depth(self) -> int:
        return self.path.count("/") - 2

    def subtree(self):
        return Unit.objects.filter(path__startswith=self.path)


class Role(models.TextChoices):  # 角色
    OPERATOR = "operator", _("话务员")
    DISPATCHER = "dispatcher", _("派遣员")
    UNIT_HANDLER = "unit_handler", _("承办人")
    UNIT_ADMIN = "unit_admin", _("承办单位管理员")
    INSPECTOR = "inspector", _("质检员")
    SUPERVISOR = "supervisor", _("值班长")
    LEADER = "leader", _("领导")
    ADMIN = "admin", _("系统管理员")
    # A service account through which a system acts for citizens: the portal, Open311, a partner's app.
    INTEGRATION = "integration", _("接口账号")


UNIT_ROLES = frozenset({Role.UNIT_HANDLER, Role.UNIT_ADMIN})
UNIT_STAFF_NEED_A_UNIT = _("承办人和承办单位管理员必须选择所属单位。")


class UserManager(BaseUserManager):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        # Access follows the role, not is_superuser: a superuser is the system administrator.
        extra_fields.setdefault("role", Role.ADMIN)
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    """A member of staff. Unit handlers and unit admins belong to a unit; centre staff to the centre."""

    role = models.CharField(_("角色"), max_length=16, choices=Role.choices, default=Role.OPERATOR)
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="staff", verbose_name=_("所属单位")
    )
    display_name = models.CharField(_("姓名"), max_length=40, blank=True)
    agent_number = models.CharField(_("工号"), max_length=20, blank=True)
    # The console's language for this user (界面语言); empty means the centre's default, Simplified Chinese.
    language = models.CharField(
        _("界面语言"), max_length=10, blank=True, choices=[("zh-hans", "简体中文"), ("en", "English")]
    )

    objects = UserManager()

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(role__in=["unit_handler", "unit_admin"]) | models.Q(unit__isnull=False),
                name="unit_staff_have_a_unit",
                violation_error_message=UNIT_STAFF_NEED_A_UNIT,
            )
        ]

    def __str__(self) -> str:
        return self.display_name or self.username

    def clean(self):
        super().clean()
        # The constraint says the same, but only as an error of the whole form; this marks the unit field.
        if self.role in UNIT_ROLES and self.unit_id is None:
            raise ValidationError({"unit": UNIT_STAFF_NEED_A_UNIT})

    @property
    def is_unit_staff(self) -> bool:
        return self.role in UNIT_ROLES

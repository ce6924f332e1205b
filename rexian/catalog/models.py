"""Master data: appeal types, the category tree, urgency levels, deadline rules,
the dispatch catalogue (派单目录), channels, lines and the working-day calendar.

Admins edit these in Django admin and exchange them as Excel workbooks.
The catalogue knows nothing of work orders.

Appeal types, urgencies and channels also have an English name (英文名称) for the console in English.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from rexian.units.models import Unit


def localized_name(name: str, name_en: str) -> str:
    """The name to show: `name_en` where the active language is English and there is one, else the Chinese `name`.

    For pages only: the API, the exports and the reports write `name` itself, whatever the language.
    """
    english = (get_language() or "").split("-")[0] == "en"
    return name_en if english and name_en else name


def _english_name():
    return models.CharField(
        _("英文名称"), max_length=40, blank=True, help_text=_("英文界面显示的名称；留空则显示中文名称。")
    )


class EnglishNamed:
    """A row with a Chinese `name` and an optional English one (`name_en`): its `label`, and `str()` of it (what
    a form's select shows), is the name in the active language."""

    name: str
    name_en: str

    @property
    def label(self) -> str:
        return localized_name(self.name, self.name_en)

    def __str__(self) -> str:
        return self.label


class AppealType(EnglishNamed, models.Model):  # 诉求类型
    code = models.CharField(_("编码"), max_length=20, unique=True)
    name = models.CharField(_("名称"), max_length=20, unique=True)
    name_en = _english_name()
    # 举报: the reporter's identity is never shown to units.
    protects_identity = models.BooleanField(_("保护诉求人身份"), default=False)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("诉求类型")
        verbose_name_plural = _("诉求类型")
        ordering = ["sort_order", "code"]


class Category(models.Model):  # 诉求分类 (GB/T 39666 style, 3 levels)
    code = models.CharField(_("编码"), max_length=20, unique=True)
    name = models.CharField(_("名称"), max_length=60)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("上级分类")
    )
    level = models.PositiveSmallIntegerField(_("级别"), editable=False, default=1)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("诉求分类")
        verbose_name_plural = _("诉求分类")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        names = [self.name]
        node = self
        while node.parent_id:
            node = node.parent
            names.append(node.name)
        return "/".join(reversed(names))

    def ancestors_and_self(self) -> list["Category"]:
        chain = [self]
        node = self
        while node.parent_id:
            node = node.parent
            chain.append(node)
        return chain

    def clean(self):
        if self.parent_id and self.pk:
            node, steps = self.parent, 0
            while node is not None and steps < 10:  # the bound only guards against damaged data
                if node.pk == self.pk:
                    raise ValidationError({"parent": _("上级分类不能是本分类或其下级分类。")})
                node, steps = node.parent, steps + 1
        if self.parent_id and self.parent.level >= 3:
            raise ValidationError({"parent": _("分类最多三级。")})
        if self.parent_id and not self.code.startswith(self.parent.code):
            raise ValidationError({"code": _("下级分类编码须以上级编码开头。")})

    def save(self, *args, **kwargs):
        self.level = self.parent.level + 1 if self.parent_id else 1
        super().save(*args, **kwargs)


class Urgency(EnglishNamed, models.Model):  # 紧急程度
    code = models.CharField(_("编码"), max_length=20, unique=True)
    name = models.CharField(_("名称"), max_length=20, unique=True)
    name_en = _english_name()
    rank = models.PositiveSmallIntegerField(_("等级"), default=0, help_text=_("数字越大越紧急"))

    class Meta:
        verbose_name = _("紧急程度")
        verbose_name_plural = _("紧急程度")
        ordering = ["rank"]


# The citizens' own channels, which the portal and the Open311 interface record their orders on: never chosen by an
# operator recording a call or a letter.
SELF_SERVICE_CHANNELS = ("portal", "open311")


class Channel(EnglishNamed, models.Model):  # 受理渠道
    code = models.CharField(_("编码"), max_length=20, unique=True)
    name = models.CharField(_("名称"), max_length=30, unique=True)
    name_en = _english_name()
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("受理渠道")
        verbose_name_plural = _("受理渠道")
        ordering = ["code"]


class Line(models.Model):  # 热线号码 (12345 and integrated departmental lines)
    class Mode(models.TextChoices):
        MAIN = "main", _("主号")
        MERGED = "merged", _("并入12345")
        PARALLEL = "parallel", _("双号并行")
        SEATED = "seated", _("入驻式专席")

    code = models.CharField(_("编码"), max_length=20, unique=True)
    number = models.CharField(_("号码"), max_length=20)
    name = models.CharField(_("名称"), max_length=40)
    mode = models.CharField(_("整合方式"), max_length=10, choices=Mode.choices, default=Mode.MERGED)
    owner_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("归口单位")
    )
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("热线")
        verbose_name_plural = _("热线")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"


class HotTopic(models.Model):  # 热点标签
    name = models.CharField(_("名称"), max_length=40, unique=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("热点标签")
        verbose_name_plural = _("热点标签")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class DeadlineKind(models.TextChoices):
    SIGN = "sign", _("签收时限")
    FIRST_RESPONSE = "first_response", _("首次响应时限")
    REPLY = "reply", _("办结时限")
    CALLBACK = "callback", _("回访时限")


class DeadlineRule(models.Model):  # 时限规则
    """How long a step may take, for orders matching the rule's type, urgency and category.

    Blank fields match anything. Among the matching rules, one that names the
    urgency always wins (特急 keeps its 2-hour clock whatever the category);
    then the rule that sets more fields; then the deeper category; then the one
    that names the type.
    """

    class Unit(models.TextChoices):
        HOURS = "hours", _("小时")
        WORKDAYS = "workdays", _("工作日")

    kind = models.CharField(_("时限类别"), max_length=16, choices=DeadlineKind.choices)
    appeal_type = models.ForeignKey(
        AppealType, on_delete=models.CASCADE, null=True, blank=True, verbose_name=_("诉求类型")
    )
    urgency = models.ForeignKey(Urgency, on_delete=models.CASCADE, null=True, blank=True, verbose_name=_("紧急程度"))
    category = models.ForeignKey(Category, on_delete=models.CASCADE, null=True, blank=True, verbose_name=_("诉求分类"))
    amount = models.DecimalField(_("时长"), max_digits=6, decimal_places=2)
    unit = models.CharField(_("单位"), max_length=10, choices=Unit.choices)
    note = models.CharField(_("说明"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("时限规则")
        verbose_name_plural = _("时限规则")
        ordering = ["kind", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "appeal_type", "urgency", "category"], name="one_rule_per_combination"
            ),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="deadline_amount_positive"),
        ]

    def __str__(self) -> str:
        scope = " ".join(str(x) for x in (self.appeal_type, self.urgency, self.category) if x) or _("默认")
        return f"{self.get_kind_display()} {scope}: {format(self.amount.normalize(), 'f')} {self.get_unit_display()}"

    def clean(self):
        # The unique constraint cannot see duplicates with blank fields (NULL is distinct in SQL).
        duplicate = DeadlineRule.objects.filter(
            kind=self.kind, appeal_type_id=self.appeal_type_id, urgency_id=self.urgency_id, category_id=self.category_id
        ).exclude(pk=self.pk)
        if self.kind and duplicate.exists():
            raise ValidationError(_("已有相同类别、诉求类型、紧急程度和分类的时限规则。"))
        if self.unit == self.Unit.WORKDAYS and self.amount is not None and self.amount != int(self.amount):
            raise ValidationError({"amount": _("按工作日计的时限须为整数。")})


class DispatchRule(models.Model):  # 派单目录条目
    """The dispatch catalogue: a category (optionally in an area) → its lead unit and usual assisting units."""

    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="dispatch_rules", verbose_name=_("诉求分类"))
    area = models.ForeignKey(
        Unit, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("区域"),
        help_text=_("留空表示全市"),
    )
    lead_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("主办单位"))
    assisting_units = models.ManyToManyField(Unit, blank=True, related_name="+", verbose_name=_("协办单位"))
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("派单目录")
        verbose_name_plural = _("派单目录")
        ordering = ["category__code"]
        constraints = [models.UniqueConstraint(fields=["category", "area"], name="one_dispatch_rule_per_area")]

    def __str__(self) -> str:
        return f"{self.category} → {self.lead_unit}"


class CalendarDay(models.Model):  # 工作日历调整
    """An admin's override of the official calendar for one day (e.g. next year's published schedule)."""

    date = models.DateField(_("日期"), unique=True)
    is_workday = models.BooleanField(_("是工作日"))
    note = models.CharField(_("说明"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("工作日历调整")
        verbose_name_plural = _("工作日历调整")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {'上班' if self.is_workday else '休息'} {self.note}"

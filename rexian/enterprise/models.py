"""The 一企来 enterprise desk: enterprise profiles (企业档案), policies for enterprises (涉企政策) and their pushes.

An enterprise is known by its unified social credit code (统一社会信用代码). Its requests are ordinary work
orders carrying that code (`WorkOrder.enterprise_credit_code`), so its history is the orders' own; the profile
adds what the desk knows about it: industry, size, area, a contact. A policy is tagged by the industries, sizes
and areas it is meant for (no tag: every enterprise); its push (推送) to the enterprises it applies to is
recorded one row per enterprise, so an enterprise is never told twice and the desk can say who was told when.
Written only by `rexian.enterprise.services`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rexian.privacy.fields import EncryptedTextField


class Industry(models.TextChoices):  # 国民经济行业门类 (GB/T 4754-2017)
    A = "A", _("农、林、牧、渔业")
    B = "B", _("采矿业")
    C = "C", _("制造业")
    D = "D", _("电力、热力、燃气及水生产和供应业")
    E = "E", _("建筑业")
    F = "F", _("批发和零售业")
    G = "G", _("交通运输、仓储和邮政业")
    H = "H", _("住宿和餐饮业")
    I = "I", _("信息传输、软件和信息技术服务业")  # noqa: E741 (the standard's own letter)
    J = "J", _("金融业")
    K = "K", _("房地产业")
    L = "L", _("租赁和商务服务业")
    M = "M", _("科学研究和技术服务业")
    N = "N", _("水利、环境和公共设施管理业")
    O = "O", _("居民服务、修理和其他服务业")  # noqa: E741
    P = "P", _("教育")
    Q = "Q", _("卫生和社会工作")
    R = "R", _("文化、体育和娱乐业")
    S = "S", _("公共管理、社会保障和社会组织")
    T = "T", _("国际组织")


class Size(models.TextChoices):  # 企业规模 (统计上大中小微型企业划分办法)
    LARGE = "large", _("大型")
    MEDIUM = "medium", _("中型")
    SMALL = "small", _("小型")
    MICRO = "micro", _("微型")


class Enterprise(models.Model):  # 企业档案
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, unique=True)
    name = models.CharField(_("企业名称"), max_length=100)
    industry = models.CharField(_("行业门类"), max_length=1, choices=Industry.choices, blank=True)
    size = models.CharField(_("企业规模"), max_length=8, choices=Size.choices, blank=True)
    area = models.ForeignKey(
        "units.Unit", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("所属区域")
    )
    address = models.CharField(_("经营地址"), max_length=200, blank=True)
    # The person the desk calls back and pushes policies to: personal data, encrypted like a caller's.
    contact_name = EncryptedTextField(_("联系人"), blank=True, default="")
    contact_phone = EncryptedTextField(_("联系电话"), blank=True, default="")
    note = models.CharField(_("备注"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("建档时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)

    class Meta:
        verbose_name = _("企业档案")
        verbose_name_plural = _("企业档案")
        ordering = ["name", "pk"]
        indexes = [
            # Lists are by name: page 1 reads 51 index entries instead of sorting every profile (bench/enterprise.py).
            models.Index(fields=["name", "id"], name="enterprise_name"),
            models.Index(fields=["industry", "size"], name="enterprise_industry_size"),
        ]

    def __str__(self) -> str:
        return self.name


def split_codes(value: str) -> list[str]:
    return [code for code in value.split(",") if code]


def join_codes(codes) -> str:
    """Tags stored as ",C,F," so that "tagged C" is one `contains ",C,"` in any database ("" = every one)."""
    codes = sorted(set(codes))
    return f",{','.join(codes)}," if codes else ""


class Policy(models.Model):  # 涉企政策
    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        PUBLISHED = "published", _("已发布")
        WITHDRAWN = "withdrawn", _("已撤回")

    title = models.CharField(_("政策名称"), max_length=200)
    document_number = models.CharField(_("文号"), max_length=60, blank=True)
    issuer = models.ForeignKey(
        "units.Unit", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("发布单位")
    )
    summary = models.TextField(_("政策要点"), max_length=4000)
    link = models.URLField(_("原文链接"), max_length=300, blank=True)
    valid_from = models.DateField(_("生效日期"), null=True, blank=True)
    valid_until = models.DateField(_("截止日期"), null=True, blank=True)
    # What it applies to. Empty: every enterprise on that dimension. An enterprise whose industry or size the
    # desk does not know is not matched by a policy that names industries or sizes.
    industries = models.CharField(_("适用行业"), max_length=60, blank=True, default="")
    sizes = models.CharField(_("适用规模"), max_length=40, blank=True, default="")
    areas = models.ManyToManyField("units.Unit", blank=True, related_name="+", verbose_name=_("适用区域"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("录入人")
    )
    created_at = models.DateTimeField(_("录入时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("涉企政策")
        verbose_name_plural = _("涉企政策")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "valid_until"], name="policy_status_valid")]

    def __str__(self) -> str:
        return self.title

    @property
    def industry_list(self) -> list[str]:
        return split_codes(self.industries)

    @property
    def size_list(self) -> list[str]:
        return split_codes(self.sizes)

    def industry_labels(self) -> list[str]:
        return [str(Industry(code).label) for code in self.industry_list if code in Industry.values]

    def size_labels(self) -> list[str]:
        return [str(Size(code).label) for code in self.size_list if code in Size.values]

    def is_in_force(self, day) -> bool:
        """Published, and `day` within its validity."""
        return (
            self.status == self.Status.PUBLISHED
            and (self.valid_from is None or self.valid_from <= day)
            and (self.valid_until is None or day <= self.valid_until)
        )


class PolicyPush(models.Model):  # 政策推送记录
    class Channel(models.TextChoices):
        SMS = "sms", _("短信")
        PLATFORM = "platform", _("一企来平台")
        PHONE = "phone", _("电话")
        VISIT = "visit", _("上门")

    # No index of its own: the unique (policy, enterprise) serves every look-up by policy, and a second one misled
    # PostgreSQL's planner into a nested loop after a big push (docs/performance.md, "The enterprise desk").
    policy = models.ForeignKey(
        Policy, on_delete=models.PROTECT, related_name="pushes", verbose_name=_("政策"), db_index=False
    )
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, related_name="pushes", verbose_name=_("企业")
    )
    channel = models.CharField(_("推送方式"), max_length=10, choices=Channel.choices)
    pushed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("推送人")
    )
    pushed_at = models.DateTimeField(_("推送时间"))

    class Meta:
        verbose_name = _("政策推送记录")
        verbose_name_plural = _("政策推送记录")
        constraints = [models.UniqueConstraint(fields=["policy", "enterprise"], name="policy_push_once")]
        indexes = [
            models.Index(fields=["enterprise", "pushed_at"], name="policy_push_enterprise"),
            # A policy's pushes one line each (`policy_push_batches` groups on these, reading the index only).
            models.Index(fields=["policy", "pushed_at", "channel", "pushed_by"], name="policy_push_batch"),
        ]

    def __str__(self) -> str:
        return f"{self.policy_id} → {self.enterprise_id}"

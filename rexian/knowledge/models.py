"""The knowledge base (知识库): policy articles and Q&A that operators answer callers from.

Articles live in sections (栏目), one per integrated line (12333, 12366, 12348 …) and a
general one; each has an owner unit (责任单位) that answers for its content, validity dates
and a next review date. Operators see only published articles valid today.

The knowledge base knows nothing of work orders (STYLE.md: catalogue-level apps don't):
an `ArticleUse` records the order's number and id, not a foreign key, so this app never
imports `rexian.orders` and the orders app can be changed or sharded without touching it.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rexian.catalog.models import Line
from rexian.units.models import Unit


class Section(models.Model):  # 知识库栏目
    """A shelf of the knowledge base: one per integrated line, plus the general section (no line).

    A seated desk (入驻式专席) such as 12348 answers mostly from its own section; the
    suggestions for an order that came in on a line favour that line's section.
    """

    code = models.CharField(_("编码"), max_length=20, unique=True)
    name = models.CharField(_("名称"), max_length=40, unique=True)
    line = models.OneToOneField(
        Line,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="knowledge_section",
        verbose_name=_("对应热线"),
        help_text=_("综合栏目不对应热线，留空。"),
    )
    description = models.CharField(_("说明"), max_length=200, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("知识库栏目")
        verbose_name_plural = _("知识库栏目")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name


class Article(models.Model):  # 知识条目
    """One policy article (政策文章) or question and answer (问答).

    `search_title` and `search_body` hold the text cut into words by jieba, separated
    by spaces (`rexian.knowledge.segment`): the full-text indexes of both databases read
    these columns (SQLite: the FTS5 table `knowledge_article_fts`, kept in step by the
    services; PostgreSQL: the generated `search_vector` column). `save()` refreshes them
    whenever the text changes, as `Unit.save()` refreshes a unit's path.
    """

    class Kind(models.TextChoices):
        ARTICLE = "article", _("政策文章")
        QA = "qa", _("问答")

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        PUBLISHED = "published", _("已发布")
        ARCHIVED = "archived", _("已归档")

    code = models.CharField(
        _("编号"), max_length=30, unique=True, null=True, blank=True, help_text=_("留空则自动编号（KB000123）。")
    )
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices, default=Kind.QA)
    title = models.CharField(_("标题"), max_length=200)
    question = models.TextField(_("常见问法"), blank=True, help_text=_("问答必填：市民通常怎么问，可写多种问法。"))
    body = models.TextField(_("答复口径"), help_text=_("话务员据以答复市民的正文。"))
    sms_text = models.CharField(
        _("短信口径"), max_length=300, blank=True,
        help_text=_("话务员可发给来电人的短信正文（不含签名），写明办理要点：材料、地点、电话、网址。留空则不能短信发送。"),
    )
    keywords = models.CharField(_("关键词"), max_length=200, blank=True, help_text=_("用空格或逗号分隔，检索时权重同标题。"))
    basis = models.CharField(_("政策依据"), max_length=300, blank=True)
    section = models.ForeignKey(Section, on_delete=models.PROTECT, related_name="articles", verbose_name=_("栏目"))
    owner_unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("责任单位"),
        help_text=_("对内容负责、接收复核提醒的单位；留空由热线中心维护。"),
    )
    valid_from = models.DateField(_("生效日期"), null=True, blank=True)
    valid_until = models.DateField(_("有效期至"), null=True, blank=True, help_text=_("此日之后不再向话务员展示。"))
    review_due = models.DateField(_("下次复核日期"), null=True, blank=True)
    reviewed_at = models.DateTimeField(_("上次复核时间"), null=True, blank=True, editable=False)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True, editable=False)
    search_title = models.TextField(_("标题分词"), blank=True, default="", editable=False)
    search_body = models.TextField(_("正文分词"), blank=True, default="", editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("创建人"), editable=False,
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("最后修改人"), editable=False,
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    #: The fields whose text is indexed; a save that touches none of them keeps the words.
    TEXT_FIELDS = ("title", "question", "keywords", "body", "basis")

    class Meta:
        verbose_name = _("知识条目")
        verbose_name_plural = _("知识条目")
        ordering = ["section__sort_order", "code"]
        indexes = [
            models.Index(fields=["section", "status"], name="kb_article_section_status"),
            models.Index(fields=["review_due"], name="kb_article_review_due"),
            models.Index(fields=["valid_until"], name="kb_article_valid_until"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_from__isnull=True)
                | models.Q(valid_until__isnull=True)
                | models.Q(valid_until__gte=models.F("valid_from")),
                name="kb_article_valid_range",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self):
        if self.kind == self.Kind.QA and not (self.question or "").strip():
            raise ValidationError({"question": _("问答须填写常见问法。")})
        if self.valid_from and self.valid_until and self.valid_until < self.valid_from:
            raise ValidationError({"valid_until": _("有效期至不能早于生效日期。")})

    def save(self, *args, **kwargs):
        update_fields = kwargs.get("update_fields")
        if update_fields is None or set(update_fields) & set(self.TEXT_FIELDS):
            self.refresh_search_text()
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "search_title", "search_body"}
        super().save(*args, **kwargs)

    def refresh_search_text(self) -> None:
        """Cut the title (with the question and keywords) and the body into words for the indexes."""
        from rexian.knowledge.segment import index_text

        self.search_title = index_text(self.title, self.question, self.keywords)
        self.search_body = index_text(self.body, self.basis)

    def is_current(self, on: dt.date | None = None) -> bool:
        """Published and valid on `on` (today by default): what operators are shown."""
        on = on or timezone.localdate()
        return (
            self.status == self.Status.PUBLISHED
            and (self.valid_from is None or self.valid_from <= on)
            and (self.valid_until is None or self.valid_until >= on)
        )


class ArticleUse(models.Model):  # 知识引用（话务员据此答复工单）
    """An operator marked that they answered an order with this article.

    The order is named by its number (what operators and inspectors see) and, when the
    caller knows it, its id; there is deliberately no foreign key to `orders.WorkOrder`
    (see the module docstring). Quality inspection (质检: "correct knowledge-base answer")
    and the "most used" list read these rows.
    """

    article = models.ForeignKey(Article, on_delete=models.PROTECT, related_name="uses", verbose_name=_("知识条目"))
    order_number = models.CharField(_("工单编号"), max_length=20)
    order_id = models.BigIntegerField(_("工单ID"), null=True, blank=True)
    used_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("话务员")
    )
    used_at = models.DateTimeField(_("引用时间"), default=timezone.now)

    class Meta:
        verbose_name = _("知识引用")
        verbose_name_plural = _("知识引用")
        ordering = ["-used_at"]
        constraints = [
            models.UniqueConstraint(fields=["article", "order_number"], name="kb_one_use_per_article_and_order")
        ]
        indexes = [
            models.Index(fields=["order_number"], name="kb_use_order_number"),
            models.Index(fields=["used_at", "article"], name="kb_use_used_at"),
        ]

    def __str__(self) -> str:
        return f"{self.order_number} ← {self.article_id}"


class ReviewReminder(models.Model):  # 复核提醒
    """A reminder to an article's owner unit that the article is due for review or about to lapse.

    Written once per (article, reason, date) by the daily review scan, so running the
    scan twice adds nothing; resolved when someone marks the article reviewed, updates
    its validity or archives it.
    """

    class Reason(models.TextChoices):
        REVIEW_DUE = "review_due", _("到期复核")
        EXPIRING = "expiring", _("即将失效")

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="reminders", verbose_name=_("知识条目"))
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("责任单位")
    )
    reason = models.CharField(_("提醒事由"), max_length=16, choices=Reason.choices)
    due_on = models.DateField(_("到期日"))
    created_at = models.DateTimeField(_("提醒时间"), default=timezone.now)
    resolved_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("处理人"),
    )

    class Meta:
        verbose_name = _("复核提醒")
        verbose_name_plural = _("复核提醒")
        ordering = ["due_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["article", "reason", "due_on"], name="kb_one_reminder_per_due_date")
        ]
        indexes = [
            models.Index(
                fields=["unit", "due_on"], condition=models.Q(resolved_at__isnull=True), name="kb_reminder_open"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} {self.due_on}: {self.article_id}"

"""The knowledge base as spreadsheets (django-import-export), for the admin's import/export buttons.

Like the catalogue's sheets, rows are named by natural keys: a section by its code, an
article by its number (编号), the section and owner unit of an article by their codes.
Imported articles are cut into words by `Article.save()` and indexed after each row.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from import_export import fields

from rexian.catalog.models import Line
from rexian.knowledge import search
from rexian.knowledge.models import Article, Section
from rexian.knowledge.services import REVIEW_INTERVAL_DAYS
from rexian.units.models import Unit
from rexian.units.resources import (
    ChoiceWidget,
    CodeWidget,
    DateWidget,
    IntegerWidget,
    MasterDataResource,
    TextWidget,
    YesNoWidget,
    cell_text,
)


class SectionResource(MasterDataResource):  # 知识库栏目
    code = fields.Field(attribute="code", column_name="编码", widget=TextWidget())
    name = fields.Field(attribute="name", column_name="名称", widget=TextWidget())
    line = fields.Field(attribute="line", column_name="热线编码", widget=CodeWidget(Line))
    description = fields.Field(attribute="description", column_name="说明", widget=TextWidget())
    sort_order = fields.Field(attribute="sort_order", column_name="排序", widget=IntegerWidget(), default=0)
    is_active = fields.Field(attribute="is_active", column_name="启用", widget=YesNoWidget(), default=True)

    class Meta(MasterDataResource.Meta):
        model = Section
        name = "知识库栏目"
        fields = ["code", "name", "line", "description", "sort_order", "is_active"]
        import_id_fields = ["code"]

    def get_queryset(self):
        return Section.objects.select_related("line")


class ArticleResource(MasterDataResource):  # 知识条目
    code = fields.Field(attribute="code", column_name="编号", widget=TextWidget())
    kind = fields.Field(attribute="kind", column_name="类型", widget=ChoiceWidget(Article.Kind.choices))
    title = fields.Field(attribute="title", column_name="标题", widget=TextWidget())
    question = fields.Field(attribute="question", column_name="常见问法", widget=TextWidget())
    body = fields.Field(attribute="body", column_name="答复口径", widget=TextWidget())
    sms_text = fields.Field(attribute="sms_text", column_name="短信口径", widget=TextWidget())
    keywords = fields.Field(attribute="keywords", column_name="关键词", widget=TextWidget())
    basis = fields.Field(attribute="basis", column_name="政策依据", widget=TextWidget())
    section = fields.Field(attribute="section", column_name="栏目编码", widget=CodeWidget(Section))
    owner_unit = fields.Field(attribute="owner_unit", column_name="责任单位编码", widget=CodeWidget(Unit))
    valid_from = fields.Field(attribute="valid_from", column_name="生效日期", widget=DateWidget())
    valid_until = fields.Field(attribute="valid_until", column_name="有效期至", widget=DateWidget())
    review_due = fields.Field(attribute="review_due", column_name="下次复核日期", widget=DateWidget())
    status = fields.Field(
        attribute="status", column_name="状态", widget=ChoiceWidget(Article.Status.choices), default="draft"
    )

    class Meta(MasterDataResource.Meta):
        model = Article
        name = "知识条目"
        fields = [
            "code", "kind", "title", "question", "body", "sms_text", "keywords", "basis", "section", "owner_unit",
            "valid_from", "valid_until", "review_due", "status",
        ]
        import_id_fields = ["code"]

    def get_queryset(self):
        return Article.objects.select_related("section", "owner_unit")

    def before_import_row(self, row, **kwargs):
        # The number is the row's key: a sheet without one would add the same articles again on each import.
        if not cell_text(row.get(self.fields["code"].column_name)):
            raise ValidationError({"code": [ValidationError(_("不能为空。"), code="required")]})
        super().before_import_row(row, **kwargs)

    def before_save_instance(self, instance, row, **kwargs):
        user = kwargs.get("user")
        if user is not None and getattr(user, "is_authenticated", False):
            instance.updated_by = user
            if instance.pk is None:
                instance.created_by = user
        if instance.status == Article.Status.PUBLISHED and instance.published_at is None:
            instance.published_at = timezone.now()
            if instance.review_due is None:
                instance.review_due = timezone.localdate() + dt.timedelta(days=REVIEW_INTERVAL_DAYS)
        super().before_save_instance(instance, row, **kwargs)

    def after_save_instance(self, instance, row, **kwargs):
        super().after_save_instance(instance, row, **kwargs)
        # In the import's transaction: a dry run (the preview) is rolled back with its index rows.
        if instance.pk is not None:
            search.index_article(instance)

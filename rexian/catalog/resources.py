"""The catalogue as spreadsheets (django-import-export resources), one per master-data model.

Every sheet names rows by natural keys, never database ids: codes for appeal types,
urgencies, channels, lines and categories, the name for hot topics, (kind, appeal type,
urgency, category) for deadline rules, (category, area) for the dispatch catalogue and
the date for calendar days. A blank key cell means "any" (deadline rules) or "the whole
city" (dispatch catalogue), as in the models.

The same resources serve the admin's import/export buttons and the whole-workbook
exchange in `rexian.catalog.services`.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from import_export import fields

from rexian.catalog.models import (
    AppealType,
    CalendarDay,
    Category,
    Channel,
    DeadlineKind,
    DeadlineRule,
    DispatchRule,
    HotTopic,
    Line,
    Urgency,
)
from rexian.units.models import Unit
from rexian.units.resources import (
    ChoiceWidget,
    CodeListWidget,
    CodeWidget,
    DateWidget,
    IntegerWidget,
    MasterDataResource,
    NumberWidget,
    TextWidget,
    YesNoWidget,
)


def _code():
    return fields.Field(attribute="code", column_name="编码", widget=TextWidget())


def _name():
    return fields.Field(attribute="name", column_name="名称", widget=TextWidget())


def _name_en():
    return fields.Field(attribute="name_en", column_name="英文名称", widget=TextWidget())


def _active():
    return fields.Field(attribute="is_active", column_name="启用", widget=YesNoWidget(), default=True)


def _note():
    return fields.Field(attribute="note", column_name="说明", widget=TextWidget())


class AppealTypeResource(MasterDataResource):  # 诉求类型
    code = _code()
    name = _name()
    name_en = _name_en()
    protects_identity = fields.Field(
        attribute="protects_identity", column_name="保护诉求人身份", widget=YesNoWidget(), default=False
    )
    sort_order = fields.Field(attribute="sort_order", column_name="排序", widget=IntegerWidget(), default=0)
    is_active = _active()

    class Meta(MasterDataResource.Meta):
        model = AppealType
        name = "诉求类型"
        fields = ["code", "name", "name_en", "protects_identity", "sort_order", "is_active"]
        import_id_fields = ["code"]


class UrgencyResource(MasterDataResource):  # 紧急程度
    code = _code()
    name = _name()
    name_en = _name_en()
    rank = fields.Field(attribute="rank", column_name="等级", widget=IntegerWidget(), default=0)

    class Meta(MasterDataResource.Meta):
        model = Urgency
        name = "紧急程度"
        fields = ["code", "name", "name_en", "rank"]
        import_id_fields = ["code"]


class ChannelResource(MasterDataResource):  # 受理渠道
    code = _code()
    name = _name()
    name_en = _name_en()
    is_active = _active()

    class Meta(MasterDataResource.Meta):
        model = Channel
        name = "受理渠道"
        fields = ["code", "name", "name_en", "is_active"]
        import_id_fields = ["code"]


class LineResource(MasterDataResource):  # 热线
    code = _code()
    number = fields.Field(attribute="number", column_name="号码", widget=TextWidget())
    name = _name()
    mode = fields.Field(attribute="mode", column_name="整合方式", widget=ChoiceWidget(Line.Mode.choices))
    owner_unit = fields.Field(attribute="owner_unit", column_name="归口单位编码", widget=CodeWidget(Unit))
    is_active = _active()

    class Meta(MasterDataResource.Meta):
        model = Line
        name = "热线"
        fields = ["code", "number", "name", "mode", "owner_unit", "is_active"]
        import_id_fields = ["code"]

    def get_queryset(self):
        return Line.objects.select_related("owner_unit")


class HotTopicResource(MasterDataResource):  # 热点标签
    name = _name()
    is_active = _active()

    class Meta(MasterDataResource.Meta):
        model = HotTopic
        name = "热点标签"
        fields = ["name", "is_active"]
        import_id_fields = ["name"]


class CategoryResource(MasterDataResource):  # 诉求分类
    tree = ("code", "parent")

    code = _code()
    name = _name()
    parent = fields.Field(attribute="parent", column_name="上级编码", widget=CodeWidget(Category))
    # Derived from the parent; exported so a reader sees the tree, ignored on import.
    level = fields.Field(attribute="level", column_name="级别", readonly=True)
    is_active = _active()

    class Meta(MasterDataResource.Meta):
        model = Category
        name = "诉求分类"
        fields = ["code", "name", "parent", "level", "is_active"]
        import_id_fields = ["code"]

    def get_queryset(self):
        return Category.objects.select_related("parent")


class DeadlineRuleResource(MasterDataResource):  # 时限规则
    kind = fields.Field(attribute="kind", column_name="时限类别", widget=ChoiceWidget(DeadlineKind.choices))
    appeal_type = fields.Field(attribute="appeal_type", column_name="诉求类型编码", widget=CodeWidget(AppealType))
    urgency = fields.Field(attribute="urgency", column_name="紧急程度编码", widget=CodeWidget(Urgency))
    category = fields.Field(attribute="category", column_name="分类编码", widget=CodeWidget(Category))
    amount = fields.Field(attribute="amount", column_name="时长", widget=NumberWidget())
    unit = fields.Field(attribute="unit", column_name="计时单位", widget=ChoiceWidget(DeadlineRule.Unit.choices))
    note = _note()

    class Meta(MasterDataResource.Meta):
        model = DeadlineRule
        name = "时限规则"
        fields = ["kind", "appeal_type", "urgency", "category", "amount", "unit", "note"]
        import_id_fields = ["kind", "appeal_type", "urgency", "category"]

    def get_queryset(self):
        return DeadlineRule.objects.select_related("appeal_type", "urgency", "category")

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        errors = dict(import_validation_errors or {})
        if "amount" not in errors:
            if instance.amount is None:
                errors["amount"] = [ValidationError(_("不能为空。"), code="required")]
            elif instance.amount <= 0:
                errors["amount"] = [ValidationError(_("须大于零。"), code="min_value")]
        if "amount" in errors:
            # DeadlineRule.clean() needs an amount to compare; report without it.
            raise ValidationError(errors)
        super().validate_instance(instance, errors, validate_unique)


class DispatchRuleResource(MasterDataResource):  # 派单目录
    category = fields.Field(attribute="category", column_name="分类编码", widget=CodeWidget(Category))
    category_name = fields.Field(column_name="分类名称", readonly=True)
    area = fields.Field(attribute="area", column_name="区域编码", widget=CodeWidget(Unit))
    lead_unit = fields.Field(attribute="lead_unit", column_name="主办单位编码", widget=CodeWidget(Unit))
    assisting_units = fields.Field(
        attribute="assisting_units", column_name="协办单位编码", widget=CodeListWidget(Unit)
    )
    note = _note()

    class Meta(MasterDataResource.Meta):
        model = DispatchRule
        name = "派单目录"
        fields = ["category", "category_name", "area", "lead_unit", "assisting_units", "note"]
        import_id_fields = ["category", "area"]

    def get_queryset(self):
        return DispatchRule.objects.select_related(
            "category__parent__parent", "area", "lead_unit"
        ).prefetch_related("assisting_units")

    def dehydrate_category_name(self, rule: DispatchRule) -> str:
        return rule.category.full_name


class CalendarDayResource(MasterDataResource):  # 工作日历调整
    date = fields.Field(attribute="date", column_name="日期", widget=DateWidget())
    is_workday = fields.Field(attribute="is_workday", column_name="是工作日", widget=YesNoWidget())
    note = _note()

    class Meta(MasterDataResource.Meta):
        model = CalendarDay
        name = "工作日历调整"
        fields = ["date", "is_workday", "note"]
        import_id_fields = ["date"]

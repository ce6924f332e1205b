"""Django admin for the catalogue (基础数据), with import/export buttons on every list.

The import/export buttons use the resources of rexian.catalog.resources, so a sheet
downloaded here can be pasted into the whole master-data workbook and back.
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from rexian.catalog import resources
from rexian.catalog.models import (
    AppealType,
    CalendarDay,
    Category,
    Channel,
    DeadlineRule,
    DispatchRule,
    HotTopic,
    Line,
    Urgency,
)
from rexian.units.admin import WorkbookAdmin


@admin.register(AppealType)
class AppealTypeAdmin(WorkbookAdmin):
    resource_classes = [resources.AppealTypeResource]
    list_display = ["code", "name", "name_en", "protects_identity", "sort_order", "is_active"]
    list_editable = ["sort_order", "is_active"]
    list_filter = ["protects_identity", "is_active"]
    search_fields = ["code", "name", "name_en"]


class CategoryForm(forms.ModelForm):
    class Meta:
        model = Category
        fields = ["code", "name", "parent", "is_active"]

    def clean_parent(self):
        # Category.clean() accepts a category as its own parent (its code starts with
        # itself); saving that would make full_name loop forever.
        parent = self.cleaned_data.get("parent")
        if parent is not None and self.instance.pk and parent.pk == self.instance.pk:
            raise ValidationError(_("上级分类不能是本分类。"))
        return parent


@admin.register(Category)
class CategoryAdmin(WorkbookAdmin):
    form = CategoryForm
    resource_classes = [resources.CategoryResource]
    list_display = ["code", "name", "parent", "level", "is_active"]
    list_filter = ["level", "is_active"]
    list_select_related = ["parent__parent"]
    # A code prefix picks a branch of the tree ("0101" → 物业管理 and everything under it).
    search_fields = ["^code", "name"]
    autocomplete_fields = ["parent"]
    readonly_fields = ["level"]


@admin.register(Urgency)
class UrgencyAdmin(WorkbookAdmin):
    resource_classes = [resources.UrgencyResource]
    list_display = ["code", "name", "name_en", "rank"]
    search_fields = ["code", "name", "name_en"]


@admin.register(Channel)
class ChannelAdmin(WorkbookAdmin):
    resource_classes = [resources.ChannelResource]
    list_display = ["code", "name", "name_en", "is_active"]
    list_editable = ["is_active"]
    list_filter = ["is_active"]
    search_fields = ["code", "name", "name_en"]


@admin.register(Line)
class LineAdmin(WorkbookAdmin):
    resource_classes = [resources.LineResource]
    list_display = ["number", "name", "code", "mode", "owner_unit", "is_active"]
    list_filter = ["mode", "is_active"]
    list_select_related = ["owner_unit"]
    search_fields = ["code", "number", "name"]
    autocomplete_fields = ["owner_unit"]


@admin.register(HotTopic)
class HotTopicAdmin(WorkbookAdmin):
    resource_classes = [resources.HotTopicResource]
    list_display = ["name", "is_active"]
    list_editable = ["is_active"]
    list_filter = ["is_active"]
    search_fields = ["name"]


@admin.register(DeadlineRule)
class DeadlineRuleAdmin(WorkbookAdmin):
    resource_classes = [resources.DeadlineRuleResource]
    list_display = ["kind", "appeal_type", "urgency", "category", "amount", "unit", "note"]
    list_filter = ["kind", "unit", "appeal_type", "urgency"]
    list_select_related = ["appeal_type", "urgency", "category__parent__parent"]
    search_fields = ["note", "category__code", "category__name"]
    autocomplete_fields = ["category"]


@admin.register(DispatchRule)
class DispatchRuleAdmin(WorkbookAdmin):
    resource_classes = [resources.DispatchRuleResource]
    list_display = ["category", "area", "lead_unit", "assisting", "note"]
    list_filter = ["lead_unit__kind", "category__level"]
    list_select_related = ["category__parent__parent", "area", "lead_unit"]
    search_fields = ["category__code", "category__name", "lead_unit__name", "lead_unit__code", "note"]
    autocomplete_fields = ["category", "area", "lead_unit", "assisting_units"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("assisting_units")

    @admin.display(description=_("协办单位"))
    def assisting(self, rule: DispatchRule) -> str:
        return "、".join(unit.name for unit in rule.assisting_units.all())


@admin.register(CalendarDay)
class CalendarDayAdmin(WorkbookAdmin):
    resource_classes = [resources.CalendarDayResource]
    list_display = ["date", "is_workday", "note"]
    list_filter = ["is_workday"]
    date_hierarchy = "date"
    search_fields = ["note"]

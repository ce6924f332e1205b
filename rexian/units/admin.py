from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportModelAdmin

from rexian.units.resources import UnitResource

from rexian.units.models import Unit, User


@admin.register(Unit)
class UnitAdmin(ImportExportModelAdmin):
    resource_classes = [UnitResource]
    list_display = ["code", "name", "kind", "parent", "accepts_orders", "is_active"]
    list_filter = ["kind", "accepts_orders", "is_active"]
    search_fields = ["code", "name", "short_name"]
    autocomplete_fields = ["parent"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "display_name", "role", "unit", "agent_number", "is_active"]
    list_filter = ["role", "is_active", "unit__kind"]
    search_fields = ["username", "display_name", "agent_number", "unit__name"]
    autocomplete_fields = ["unit"]
    fieldsets = BaseUserAdmin.fieldsets + ((_("热线"), {"fields": ("display_name", "role", "unit", "agent_number")}),)
    add_fieldsets = BaseUserAdmin.add_fieldsets + (
        (_("热线"), {"fields": ("display_name", "role", "unit", "agent_number")}),
    )

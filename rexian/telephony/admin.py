"""Admin for the telephony app: CTI sources (a token is shown once), and read-only views of calls, imports and the
published rosters."""

from django.contrib import admin, messages
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from rexian.core.admin import RecordAdmin
from rexian.telephony.models import (
    Agent,
    Call,
    CallImport,
    CtiSource,
    MissedCallCallback,
    Roster,
    RosterShift,
    ShiftRequest,
)
from rexian.telephony.services import cti_source_rotate


@admin.register(CtiSource)
class CtiSourceAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "token_prefix", "is_active", "created_at", "last_used_at"]
    list_filter = ["is_active"]
    search_fields = ["code", "name"]
    actions = ["rotate"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["code", "name", "is_active"]
        return ["code", "name", "is_active", "token_prefix", "created_at", "last_used_at"]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else ["code", "token_prefix", "created_at", "last_used_at"]

    def save_model(self, request, obj: CtiSource, form, change):
        if not change:
            token = CtiSource.generate_token()
            obj.set_token(token)
            super().save_model(request, obj, form, change)
            messages.warning(
                request,
                gettext("接入源「%(name)s」的令牌（只显示这一次，请立即复制保存）：%(token)s")
                % {"name": obj.name, "token": token},
            )
            return
        super().save_model(request, obj, form, change)

    @admin.action(description=_("更换所选接入源的令牌"))
    def rotate(self, request, queryset):
        for source in queryset:
            token = cti_source_rotate(source=source)
            messages.warning(
                request,
                gettext("接入源「%(name)s」的新令牌（只显示这一次）：%(token)s")
                % {"name": source.name, "token": token},
            )


class _ReadOnly(admin.ModelAdmin):
    """Calls are rebuilt from the switch's events; nobody edits them by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Call)
class CallAdmin(_ReadOnly):
    list_display = ["call_id", "source", "line", "offered_at", "outcome", "agent_number", "wait_seconds",
                    "talk_seconds"]
    list_filter = ["outcome", "source", "line"]
    search_fields = ["call_id", "agent_number"]
    date_hierarchy = "offered_at"
    exclude = ["caller"]  # never shown in clear here; the screen pop and the callback list show it as allowed
    show_full_result_count = False


@admin.register(Agent)
class AgentAdmin(admin.ModelAdmin):
    list_display = ["agent_number", "user", "state", "state_since"]
    list_filter = ["state"]
    search_fields = ["agent_number", "user__username", "user__display_name"]
    autocomplete_fields = ["user"]
    readonly_fields = ["state", "state_since"]


@admin.register(MissedCallCallback)
class MissedCallCallbackAdmin(_ReadOnly):
    list_display = ["call", "operator", "at", "outcome"]
    list_filter = ["outcome"]


@admin.register(CallImport)
class CallImportAdmin(_ReadOnly):
    list_display = ["path", "format", "source", "line_no", "accepted", "duplicates", "ignored", "rejected",
                    "updated_at"]
    list_filter = ["format", "source"]


@admin.register(Roster)
class RosterAdmin(RecordAdmin):  # published and changed on the console's 排班 pages (or the API), read here
    list_display = ["first_day", "days", "note", "published_by", "published_at"]
    list_select_related = ["published_by"]
    date_hierarchy = "first_day"
    exclude = ["calls", "agents", "staff"]  # a value per half hour: the roster's page shows them


@admin.register(RosterShift)
class RosterShiftAdmin(RecordAdmin):
    list_display = ["day", "starts_at", "ends_at", "operator", "planned_operator", "change_reason", "roster"]
    list_select_related = ["operator", "planned_operator", "roster"]
    list_filter = ["roster"]
    date_hierarchy = "day"
    search_fields = ["operator__username", "operator__display_name"]


@admin.register(ShiftRequest)
class ShiftRequestAdmin(RecordAdmin):  # asked, answered and decided on the console's 排班 pages (or the API)
    list_display = ["shift", "requested_by", "colleague", "status", "created_at", "decided_by", "decided_at"]
    list_select_related = ["shift", "requested_by", "colleague", "decided_by"]
    list_filter = ["status"]
    date_hierarchy = "created_at"
    search_fields = ["requested_by__username", "colleague__username", "reason"]

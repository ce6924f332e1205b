"""Django admin of the hot spots: the sensitive words (舆情风险词) admins edit, and the runs, read only."""

from __future__ import annotations

from django.contrib import admin

from rexian.hotspots.models import HotIssue, HotspotRun, SensitiveWord, Surge


@admin.register(SensitiveWord)
class SensitiveWordAdmin(admin.ModelAdmin):
    list_display = ["word", "note", "active"]
    list_editable = ["active"]
    list_filter = ["active"]
    search_fields = ["word", "note"]


class _ReadOnly(admin.ModelAdmin):
    """Runs are computed (`hotspot_scan`), never typed: the admin shows them for inspection only."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(HotspotRun)
class HotspotRunAdmin(_ReadOnly):
    list_display = ["computed_at", "window_hours", "orders", "seconds"]
    list_filter = ["window_hours"]
    date_hierarchy = "computed_at"


@admin.register(HotIssue)
class HotIssueAdmin(_ReadOnly):
    list_display = ["title", "place", "count", "previous_count", "attention", "score", "rank", "run"]
    list_select_related = ["run"]
    search_fields = ["title", "place"]


@admin.register(Surge)
class SurgeAdmin(_ReadOnly):
    list_display = ["dimension", "label", "count", "baseline", "p_value", "run"]
    list_filter = ["dimension"]
    list_select_related = ["run"]

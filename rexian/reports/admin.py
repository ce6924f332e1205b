"""Django admin of the reports: a list to find a report and to delete drafts no one will publish.

Reports are generated, corrected and published in the console's report centre (the services
number and deliver them); here everything but deletion of a draft is read-only, so an issue
number or a delivery is never changed by hand.
"""

from __future__ import annotations

from django.contrib import admin

from rexian.reports.models import Report


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ("title", "kind", "year", "number", "period_start", "period_end", "status", "created_at",
                    "published_at")
    list_filter = ("kind", "status", "year")
    search_fields = ("title",)
    date_hierarchy = "created_at"
    list_per_page = 50
    readonly_fields = [field.name for field in Report._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        # A published report is on leaders' reading lists and holds an issue number: it stays.
        return super().has_delete_permission(request, obj) and (obj is None or obj.status != obj.Status.PUBLISHED)

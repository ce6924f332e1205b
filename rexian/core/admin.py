"""Admin classes the apps share."""

from __future__ import annotations

from django.contrib import admin


class RecordAdmin(admin.ModelAdmin):
    """A record the system writes and nobody edits in the admin (a log, a delivery, a push): listed and read only;
    its own services write it."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

"""Open311 in Django admin: issue and deactivate API keys; read the submission log.

A new key is shown once, in the message after saving; only its hash is kept.
Submissions are read-only and never show the e-mail address kept with them.
"""

from django.contrib import admin, messages
from django.utils.translation import gettext as _

from rexian.core.admin import RecordAdmin
from rexian.open311.models import ApiKey, Submission
from rexian.open311.services import api_key_new_secret


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ["name", "prefix", "is_active", "created_at", "last_used_at"]
    list_filter = ["is_active"]
    search_fields = ["name", "prefix", "note"]
    fields = ["name", "note", "is_active", "prefix", "created_at", "last_used_at"]
    readonly_fields = ["prefix", "created_at", "last_used_at"]

    def save_model(self, request, obj, form, change):
        raw = None if change else api_key_new_secret(obj)
        super().save_model(request, obj, form, change)
        if raw:
            messages.warning(
                request, _("新的API密钥：%(key)s　请立即复制并交给持有方，离开本页后无法再次查看。") % {"key": raw}
            )


@admin.register(Submission)
class SubmissionAdmin(RecordAdmin):
    list_display = ["order", "api_key", "submitted_at"]
    list_filter = ["api_key"]
    search_fields = ["order__number"]
    date_hierarchy = "submitted_at"
    fields = ["order", "api_key", "submitted_at", "device_id", "account_id", "media_url", "attributes"]
    readonly_fields = fields
    list_select_related = ["order", "api_key"]

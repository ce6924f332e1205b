"""Django admin of the 一企来 desk: profiles (with the registry's import and export), policies and the push records.

The desk works in the console (/console/enterprises/); the admin is for bulk loads and corrections. Policies are
published, withdrawn and pushed in the console, through the services, so their rules hold; here they are read.
"""

from __future__ import annotations

from django.contrib import admin

from rexian.core.admin import RecordAdmin
from rexian.enterprise.models import Enterprise, Policy, PolicyPush
from rexian.enterprise.resources import EnterpriseResource
from rexian.units.admin import WorkbookAdmin


@admin.register(Enterprise)
class EnterpriseAdmin(WorkbookAdmin):
    resource_classes = [EnterpriseResource]
    list_display = ["credit_code", "name", "industry", "size", "area", "updated_at"]
    list_filter = ["industry", "size"]
    list_select_related = ["area"]
    search_fields = ["credit_code", "name"]
    exclude = ["contact_name", "contact_phone"]  # personal data: shown masked, and read with a log, on the desk
    raw_id_fields = ["area"]


@admin.register(Policy)
class PolicyAdmin(RecordAdmin):
    list_display = ["title", "document_number", "issuer", "status", "valid_from", "valid_until", "published_at"]
    list_filter = ["status"]
    list_select_related = ["issuer"]
    search_fields = ["title", "document_number"]


@admin.register(PolicyPush)
class PolicyPushAdmin(RecordAdmin):
    list_display = ["policy", "enterprise", "channel", "pushed_by", "pushed_at"]
    list_filter = ["channel"]
    list_select_related = ["policy", "enterprise", "pushed_by"]
    search_fields = ["enterprise__name", "enterprise__credit_code", "policy__title"]

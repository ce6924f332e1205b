from django.contrib import admin

from rexian.core.admin import RecordAdmin
from rexian.privacy.models import PersonalDataAccess


@admin.register(PersonalDataAccess)
class PersonalDataAccessAdmin(RecordAdmin):
    list_display = ["at", "user", "subject_type", "subject_id", "fields", "purpose"]
    list_filter = ["subject_type"]
    search_fields = ["subject_id", "user__username"]
    date_hierarchy = "at"

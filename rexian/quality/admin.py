"""Admin for the quality checklist (质检项): administrators add, reword, reweigh and retire criteria."""

from django.contrib import admin

from rexian.quality.models import QualityCriterion


@admin.register(QualityCriterion)
class QualityCriterionAdmin(admin.ModelAdmin):
    list_display = ["order", "code", "name", "name_en", "max_points", "is_active"]
    list_display_links = ["code", "name"]
    list_editable = ["order", "max_points", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["code", "name", "name_en"]
    ordering = ["order", "id"]

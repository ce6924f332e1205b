from django.contrib import admin

from rexian.intelligence.models import SuggestionFeedback, TrainedModel


class _ReadOnly(admin.ModelAdmin):
    """Written by training and by the order events; read here, never edited by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(TrainedModel)
class TrainedModelAdmin(_ReadOnly):
    list_display = ["kind", "version", "is_active", "trained_at", "examples", "holdout", "metric", "score",
                    "previous_score", "note"]
    list_filter = ["kind", "is_active"]


@admin.register(SuggestionFeedback)
class SuggestionFeedbackAdmin(_ReadOnly):
    list_display = ["created_at", "order", "kind", "suggested", "chosen", "confidence", "accepted", "user"]
    list_filter = ["kind", "accepted"]
    raw_id_fields = ["order", "model", "user"]

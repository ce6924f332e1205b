"""Django admin of the knowledge base (知识库): sections, articles, operators' marks and review reminders.

Articles are written through the services (`article_save`, `article_delete`, and the
publish / archive / reviewed actions), so the full-text index follows every change made
here; the search box uses the same Chinese full-text search as the operators' console,
with drafts and archived articles included. Sections and articles go to and from Excel
with the resources of `rexian.knowledge.resources`.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin import widgets
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from rexian.knowledge import resources, selectors, services
from rexian.knowledge.models import Article, ArticleUse, ReviewReminder, Section
from rexian.units.admin import WorkbookAdmin


@admin.register(Section)
class SectionAdmin(WorkbookAdmin):
    resource_classes = [resources.SectionResource]
    list_display = ["code", "name", "line", "article_count", "sort_order", "is_active"]
    list_editable = ["sort_order", "is_active"]
    list_filter = ["is_active"]
    list_select_related = ["line"]
    search_fields = ["code", "name"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_article_count=Count("articles"))

    @admin.display(description=_("条目数"), ordering="_article_count")
    def article_count(self, section: Section) -> int:
        return section._article_count


class _Outcome:
    """Counts a bulk action's successes and collects its refusals for one message each."""

    def __init__(self):
        self.done = 0
        self.refused: list[str] = []

    def run(self, article: Article, action) -> None:
        try:
            action(article)
            self.done += 1
        except (services.KnowledgeInputError, PermissionDenied) as error:
            self.refused.append(f"{article.code or article.pk} {article.title}：{error}")

    def report(self, modeladmin, request, verb: str) -> None:
        if self.done:
            modeladmin.message_user(
                request,
                ngettext("已%(verb)s %(n)d 条。", "已%(verb)s %(n)d 条。", self.done) % {"verb": verb, "n": self.done},
                messages.SUCCESS,
            )
        for line in self.refused:
            modeladmin.message_user(request, line, messages.ERROR)


@admin.register(Article)
class ArticleAdmin(WorkbookAdmin):
    resource_classes = [resources.ArticleResource]
    list_display = [
        "code", "title", "kind", "section", "owner_unit", "status", "valid_until", "review_due", "updated_at",
    ]
    list_filter = ["status", "kind", "section", "review_due", "valid_until"]
    list_select_related = ["section", "owner_unit"]
    # The search box runs the knowledge base's own search (get_search_results); "code" only makes it appear.
    search_fields = ["code"]
    search_help_text = _("按中文全文检索标题、问法、关键词和答复口径（含草稿与已归档条目），也可输入编号。")
    autocomplete_fields = ["owner_unit"]
    readonly_fields = ["status", "published_at", "reviewed_at", "created_by", "created_at", "updated_by", "updated_at"]
    fieldsets = [
        (None, {"fields": ["code", "kind", "section", "title", "question", "body", "sms_text", "keywords", "basis"]}),
        (_("责任与有效期"), {"fields": ["owner_unit", "valid_from", "valid_until", "review_due", "reviewed_at"]}),
        (_("状态"), {"fields": ["status", "published_at", "created_by", "created_at", "updated_by", "updated_at"]}),
    ]
    actions = ["publish", "archive", "mark_reviewed"]
    ADMIN_SEARCH_LIMIT = 100

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "sms_text":  # up to 300 characters: a box, not one long line
            kwargs["widget"] = widgets.AdminTextareaWidget(attrs={"rows": 3})
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_search_results(self, request, queryset, search_term):
        term = (search_term or "").strip()
        if not term:
            return queryset, False
        hits = selectors.article_search(
            query=term, user=request.user, include_inactive=True, limit=self.ADMIN_SEARCH_LIMIT
        )
        ids = {hit.id for hit in hits}
        ids |= set(Article.objects.filter(code__iexact=term).values_list("pk", flat=True))
        return queryset.filter(pk__in=ids), False

    def save_model(self, request, obj, form, change):
        services.article_save(actor=request.user, article=obj, is_new=not change, changed=form.changed_data)

    def delete_model(self, request, obj):
        # Articles operators answered with are protected (ArticleUse → PROTECT): the admin's
        # confirmation page lists them and never gets here.
        services.article_delete(actor=request.user, article=obj)

    def delete_queryset(self, request, queryset):
        for article in queryset:
            services.article_delete(actor=request.user, article=article)

    @admin.action(description=_("发布所选条目"))
    def publish(self, request, queryset):
        outcome = _Outcome()
        for article in queryset:
            outcome.run(article, lambda a: services.article_publish(actor=request.user, article=a))
        outcome.report(self, request, "发布")

    @admin.action(description=_("归档所选条目"))
    def archive(self, request, queryset):
        outcome = _Outcome()
        for article in queryset:
            outcome.run(article, lambda a: services.article_archive(actor=request.user, article=a))
        outcome.report(self, request, "归档")

    @admin.action(description=_("标记为已复核（下次复核顺延）"))
    def mark_reviewed(self, request, queryset):
        outcome = _Outcome()
        for article in queryset:
            outcome.run(article, lambda a: services.article_mark_reviewed(actor=request.user, article=a))
        outcome.report(self, request, "复核")


@admin.register(ArticleUse)
class ArticleUseAdmin(admin.ModelAdmin):
    """Read-only: marks are made by operators on the intake page."""

    list_display = ["order_number", "article", "used_by", "used_at"]
    list_filter = ["article__section"]
    list_select_related = ["article", "used_by"]
    search_fields = ["=order_number", "article__code"]
    date_hierarchy = "used_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class _OpenFilter(admin.SimpleListFilter):
    title = _("处理情况")
    parameter_name = "open"

    def lookups(self, request, model_admin):
        return [("1", _("未处理")), ("0", _("已处理"))]

    def queryset(self, request, queryset):
        if self.value() in ("0", "1"):
            return queryset.filter(resolved_at__isnull=self.value() == "1")
        return queryset


@admin.register(ReviewReminder)
class ReviewReminderAdmin(admin.ModelAdmin):
    """Read-only: written by the daily review scan, settled by reviewing, updating or archiving the article."""

    list_display = ["article", "unit", "reason", "due_on", "created_at", "resolved_at"]
    list_filter = [_OpenFilter, "reason"]
    list_select_related = ["article", "unit"]
    search_fields = ["article__code", "article__title", "unit__name"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

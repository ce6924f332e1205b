"""Admin for API tokens: issue one (its key is shown once), revoke, see when each was last used."""

from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from rexian.api.models import ApiToken
from rexian.api.services import api_token_revoke


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "expires_at", "status"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "prefix", "user__username", "user__display_name"]
    autocomplete_fields = ["user"]
    actions = ["revoke"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["user", "name", "expires_at"]
        return ["user", "name", "prefix", "created_at", "created_by", "last_used_at", "expires_at", "revoked_at"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["user", "prefix", "created_at", "created_by", "last_used_at", "revoked_at"]

    @admin.display(description=_("状态"))
    def status(self, token: ApiToken) -> str:
        if token.revoked_at:
            return gettext("已吊销")
        if token.expires_at and token.expires_at <= timezone.now():
            return gettext("已过期")
        return gettext("有效")

    def save_model(self, request, obj: ApiToken, form, change):
        if not change:
            key = ApiToken.generate_key()
            obj.set_key(key)
            obj.created_by = request.user
            super().save_model(request, obj, form, change)
            messages.warning(
                request,
                gettext("令牌「%(name)s」的密钥（只显示这一次，请立即复制保存）：%(key)s")
                % {"name": obj.name, "key": key},
            )
            return
        super().save_model(request, obj, form, change)

    @admin.action(description=_("吊销所选令牌"))
    def revoke(self, request, queryset):
        now = timezone.now()
        count = 0
        for token in queryset.filter(revoked_at__isnull=True):
            api_token_revoke(token=token, at=now)
            count += 1
        self.message_user(request, gettext("已吊销 %(count)d 个令牌。") % {"count": count}, messages.SUCCESS)

    def has_delete_permission(self, request, obj=None):
        # Revoke instead: the row records who held access and when it was last used.
        return False

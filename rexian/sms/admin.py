from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from rexian.core.admin import RecordAdmin
from rexian.privacy.crypto import mask_phone
from rexian.sms import services
from rexian.sms.models import SmsMessage


@admin.register(SmsMessage)
class SmsMessageAdmin(RecordAdmin):
    """The text messages sent to callers: read-only, the number masked; the one thing done here is send again."""

    list_display = ["created_at", "order", "kind", "masked_phone", "status", "attempts", "sent_at", "last_error"]
    list_select_related = ["order"]
    list_filter = ["kind", "status"]
    date_hierarchy = "created_at"
    search_fields = ["order__number"]
    fields = ["order", "kind", "masked_phone", "text", "status", "attempts", "next_attempt_at", "last_error",
              "reference", "created_at", "sent_at"]
    readonly_fields = fields
    actions = ["send_again"]

    @admin.display(description=_("手机号"))
    def masked_phone(self, message: SmsMessage) -> str:
        return mask_phone(message.phone)

    def has_resend_permission(self, request) -> bool:
        return request.user.has_perm("sms.view_smsmessage")

    @admin.action(description=_("重新发送所选短信"), permissions=["resend"])
    def send_again(self, request, queryset):
        count = services.sms_retry(message_ids=queryset.values_list("pk", flat=True))
        level = messages.SUCCESS if count else messages.WARNING
        done = _("已重新排队 %(count)d 条短信（只处理发送失败或已放弃的）。") % {"count": count}
        self.message_user(request, done, level)

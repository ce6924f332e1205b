from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from rexian.core.admin import RecordAdmin
from rexian.privacy.crypto import mask_phone
from rexian.sms import services
from rexian.sms.models import IncomingSms, SmsMessage, SmsOptOut


@admin.register(SmsMessage)
class SmsMessageAdmin(RecordAdmin):
    """The text messages sent to callers: read-only, the number masked; the one thing done here is send again."""

    list_display = ["created_at", "order", "kind", "masked_phone", "status", "attempts", "sent_at", "last_error"]
    list_select_related = ["order"]
    list_filter = ["kind", "status", "survey"]
    date_hierarchy = "created_at"
    search_fields = ["order__number"]
    fields = ["order", "kind", "masked_phone", "text", "survey", "status", "attempts", "next_attempt_at",
              "last_error", "reference", "created_at", "sent_at", "delivered_at"]
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


@admin.register(IncomingSms)
class IncomingSmsAdmin(RecordAdmin):
    """Callers' texts to the hotline, as they were taken: read-only, the number masked (operators handle the
    waiting ones in the console's 短信来信)."""

    list_display = ["received_at", "masked_phone", "text", "status", "order", "handled_by"]
    list_select_related = ["order", "handled_by"]
    list_filter = ["status"]
    date_hierarchy = "received_at"
    search_fields = ["order__number", "reference"]
    fields = ["received_at", "masked_phone", "text", "status", "order", "handled_by", "handled_at", "note",
              "reference"]
    readonly_fields = fields

    @admin.display(description=_("手机号"))
    def masked_phone(self, incoming: IncomingSms) -> str:
        return mask_phone(incoming.phone)


class OptOutForm(forms.ModelForm):
    phone = forms.CharField(label=_("手机号"), max_length=30,
                            help_text=_("来电要求不再接收短信的手机号；保存后只显示掩码。"))

    class Meta:
        model = SmsOptOut
        fields = []

    def clean_phone(self):
        try:
            return services.validate_mobile(self.cleaned_data["phone"])
        except services.IncomingInputError as error:
            raise forms.ValidationError(error.message) from None


@admin.register(SmsOptOut)
class SmsOptOutAdmin(admin.ModelAdmin):
    """The numbers that asked for no more texts. An administrator adds one a caller asked for on the phone, and
    deletes one to text the number again (a caller who asks to be told again)."""

    list_display = ["masked_phone", "created_at", "source"]
    date_hierarchy = "created_at"
    search_fields = ["masked_phone"]
    form = OptOutForm

    def has_change_permission(self, request, obj=None):
        return False

    def get_fields(self, request, obj=None):
        return ["phone"] if obj is None else ["masked_phone", "created_at", "source"]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else ["masked_phone", "created_at", "source"]

    def save_model(self, request, obj, form, change):
        opt_out = services.sms_opt_out(phone=form.cleaned_data["phone"],
                                       source=f"管理员 {request.user.get_username()}")
        obj.pk, obj.phone_hash, obj.masked_phone = opt_out.pk, opt_out.phone_hash, opt_out.masked_phone

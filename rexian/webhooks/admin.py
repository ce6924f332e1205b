"""Django admin for webhooks: endpoints (推送地址) are configured here, the delivery log (推送记录) is read here."""

from __future__ import annotations

import json

from django import forms
from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from rexian.core.admin import RecordAdmin
from rexian.orders.transitions import Action
from rexian.webhooks import services
from rexian.webhooks.models import WebhookDelivery, WebhookEndpoint


class WebhookEndpointForm(forms.ModelForm):
    events = forms.MultipleChoiceField(
        label=_("推送事件"),
        choices=Action.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("不选则推送全部操作。"),
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["name", "url", "events", "active"]


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    form = WebhookEndpointForm
    list_display = ["name", "url", "active", "events_display", "created_at", "deliveries_link"]
    list_filter = ["active"]
    search_fields = ["name", "url"]
    readonly_fields = ["secret", "created_at", "deliveries_link"]
    actions = ["rotate_secret"]

    def get_fields(self, request, obj=None):
        fields = ["name", "url", "events", "active"]
        # The secret exists once the endpoint is saved; show it so it can be given to the receiver.
        return fields + (["secret", "created_at", "deliveries_link"] if obj else [])

    @admin.display(description=_("推送事件"))
    def events_display(self, endpoint: WebhookEndpoint) -> str:
        if not endpoint.events:
            return str(_("全部"))
        labels = dict(Action.choices)
        return "、".join(str(labels.get(code, code)) for code in endpoint.events)

    @admin.display(description=_("推送记录"))
    def deliveries_link(self, endpoint: WebhookEndpoint) -> str:
        url = reverse("admin:webhooks_webhookdelivery_changelist") + f"?endpoint__id__exact={endpoint.pk}"
        return format_html('<a href="{}">{}</a>', url, _("查看"))

    @admin.action(description=_("生成新的签名密钥"), permissions=["change"])
    def rotate_secret(self, request, queryset):
        for endpoint in queryset:
            services.endpoint_rotate_secret(endpoint=endpoint)
        self.message_user(request, _("已为 %(count)d 个推送地址生成新密钥，请同步给接收方。") % {"count": len(queryset)})


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(RecordAdmin):
    """The delivery log: read-only; the one thing an administrator does here is send again."""

    list_display = [
        "created_at", "endpoint", "order_number", "action", "status", "attempts", "last_status_code",
        "next_attempt_at", "delivered_at",
    ]
    list_filter = ["status", "endpoint", "action"]
    search_fields = ["order_number"]
    date_hierarchy = "created_at"
    list_select_related = ["endpoint"]
    fields = [
        "endpoint", "event_id", "order_number", "action", "status", "attempts", "next_attempt_at",
        "last_status_code", "last_error", "created_at", "delivered_at", "payload_display",
    ]
    readonly_fields = fields
    actions = ["send_again"]

    @admin.display(description=_("推送内容"))
    def payload_display(self, delivery: WebhookDelivery) -> str:
        return format_html("<pre>{}</pre>", json.dumps(delivery.payload, ensure_ascii=False, indent=2))

    def has_resend_permission(self, request) -> bool:
        return request.user.has_perm("webhooks.change_webhookendpoint")

    @admin.action(description=_("重新推送所选记录"), permissions=["resend"])
    def send_again(self, request, queryset):
        count = services.deliveries_retry(delivery_ids=queryset.values_list("pk", flat=True))
        level = messages.SUCCESS if count else messages.WARNING
        self.message_user(request, _("已重新排队 %(count)d 条推送（只处理失败或已放弃的记录）。") % {"count": count}, level)

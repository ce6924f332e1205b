from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "rexian.webhooks"
    verbose_name = "事件推送"

from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "rexian.webhooks"
    verbose_name = "事件推送"

    def ready(self):
        from rexian.orders.signals import order_event
        from rexian.webhooks.receivers import order_event_committed

        order_event.connect(order_event_committed, dispatch_uid="rexian.webhooks.order_event")

from django.apps import AppConfig


class SmsConfig(AppConfig):
    name = "rexian.sms"
    verbose_name = "短信通知"

    def ready(self):
        from rexian.orders.signals import order_event
        from rexian.sms.services import on_order_event

        order_event.connect(on_order_event, dispatch_uid="rexian.sms.order_event")

from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "rexian.notifications"
    verbose_name = "通知"

    def ready(self):
        from rexian.notifications.receivers import order_event_committed
        from rexian.orders.signals import order_event

        order_event.connect(order_event_committed, dispatch_uid="rexian.notifications.order_event")

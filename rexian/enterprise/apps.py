from django.apps import AppConfig


class EnterpriseConfig(AppConfig):
    name = "rexian.enterprise"
    verbose_name = "一企来"

    def ready(self):
        from rexian.enterprise.receivers import order_event_committed
        from rexian.orders.signals import order_event

        order_event.connect(order_event_committed, dispatch_uid="rexian.enterprise.order_event")

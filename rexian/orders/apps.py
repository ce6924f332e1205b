from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "rexian.orders"
    verbose_name = "工单"

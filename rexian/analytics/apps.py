from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "rexian.analytics"
    verbose_name = "统计分析"

    def ready(self) -> None:
        # Keep the rollups current: every committed order event refreshes that order's facts.
        from rexian.analytics.rollups import on_order_event
        from rexian.orders.signals import order_event

        order_event.connect(on_order_event, dispatch_uid="analytics.rollup_refresh")

from django.apps import AppConfig


class IntelligenceConfig(AppConfig):
    name = "rexian.intelligence"
    verbose_name = "智能辅助"

    def ready(self) -> None:
        from rexian.intelligence.feedback import on_order_event as record_feedback
        from rexian.orders.signals import order_event
        from rexian.orders.smart_dispatch import on_order_event as auto_dispatch

        # After each committed order event: store what the suggestions said against what people chose,
        # and dispatch automatically where the centre allows it (REXIAN_AUTO_DISPATCH_CONFIDENCE).
        order_event.connect(record_feedback, dispatch_uid="intelligence.feedback")
        order_event.connect(auto_dispatch, dispatch_uid="intelligence.auto_dispatch")

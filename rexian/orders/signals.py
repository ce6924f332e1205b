from django.dispatch import Signal

# Sent after the transaction that recorded an order event commits
# (arguments: order_id, event_id). Notifications and webhooks listen here.
order_event = Signal()

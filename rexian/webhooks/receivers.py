"""The webhooks app listens to committed order events (connected in `WebhooksConfig.ready`)."""

from __future__ import annotations

import logging

from rexian.webhooks import services

logger = logging.getLogger(__name__)


def order_event_committed(sender, *, order_id: int, event_id: int, **kwargs) -> None:
    # The order's transaction has already committed: a failure here must not turn the user's
    # successful step into an error page, so it is logged instead of raised.
    try:
        services.deliveries_create(event_id=event_id)
    except Exception:
        logger.exception("could not create webhook deliveries for order %s event %s", order_id, event_id)

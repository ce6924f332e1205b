"""The notifications app listens to committed order events (connected in `NotificationsConfig.ready`)."""

from __future__ import annotations

import logging

from rexian.notifications import services

logger = logging.getLogger(__name__)


def order_event_committed(sender, *, order_id: int, event_id: int, **kwargs) -> None:
    # The step has already committed: a failure to notify must not turn it into an error page.
    try:
        services.notifications_for_event(event_id=event_id)
    except Exception:
        logger.exception("could not create notifications for order %s event %s", order_id, event_id)

"""The enterprise desk listens to committed order events (connected in `EnterpriseConfig.ready`)."""

from __future__ import annotations

import logging

from rexian.enterprise import services

logger = logging.getLogger(__name__)


def order_event_committed(sender, *, order_id: int, event_id: int, **kwargs) -> None:
    # The order's step has committed: a profile that cannot be made now is made by `rexian enterprise-sync`.
    try:
        services.enterprise_note_order(order_id=order_id)
    except Exception:
        logger.exception("could not note the enterprise of order %s", order_id)

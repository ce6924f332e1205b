"""Writes of the webhooks app: endpoints, and the life of a delivery.

A delivery's life: created `pending` when an order event commits (one per
active endpoint that wants the action) → a worker claims it with a
conditional UPDATE and posts it → `succeeded` on a 2xx answer, otherwise
`failed` with the next attempt scheduled by `RETRY_DELAYS` → `gave_up` after
the last (claims and back-off: `rexian.core.outbox`). Each attempt is a django-tasks task (`webhook_deliver`),
queued for the moment it is due; `webhook_redeliver_due`, run every minute by
the scheduler, queues again what a crashed worker or a lost task left behind.
The claim makes running a delivery's task twice harmless, so the safety net
may err on the side of queueing.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from rexian.core.outbox import Outbox
from rexian.webhooks import payloads, signing, transport
from rexian.webhooks.models import WebhookDelivery, WebhookEndpoint, new_secret

logger = logging.getLogger(__name__)

Status = WebhookDelivery.Status

# After the first attempt fails, the next ones follow these delays; after the last, the delivery gives up.
RETRY_DELAYS = (
    dt.timedelta(minutes=1),
    dt.timedelta(minutes=5),
    dt.timedelta(minutes=30),
    dt.timedelta(hours=2),
    dt.timedelta(hours=6),
)
# A due delivery not sent this long after it was due (or re-queued) counts as lost.
REDELIVER_GRACE = dt.timedelta(minutes=2)
REDELIVER_BATCH = 500
MAX_ERROR_LENGTH = 500
OPEN_STATUSES = (Status.PENDING, Status.FAILED)
# Claims, back-off and giving up (rexian/core/outbox.py); a claim is held 60 s, well above the request timeout.
OUTBOX = Outbox(model=WebhookDelivery, open_statuses=OPEN_STATUSES, failed=Status.FAILED, gave_up=Status.GAVE_UP,
                retry_delays=RETRY_DELAYS)


# --- Endpoints -----------------------------------------------------------------------


def endpoint_create(*, name: str, url: str, events: Iterable[str] = (), active: bool = True) -> WebhookEndpoint:
    """Register a receiver (推送地址). Raises ValidationError for an unsafe URL or an unknown action code.

    Endpoints are managed by administrators (the Django admin); the function serves scripts and the demo.
    """
    endpoint = WebhookEndpoint(name=name, url=url, events=list(events), active=active)
    endpoint.full_clean()
    endpoint.save()
    return endpoint


def endpoint_rotate_secret(*, endpoint: WebhookEndpoint) -> str:
    """Give the endpoint a new signing secret; deliveries sent from now on are signed with it."""
    endpoint.secret = new_secret()
    endpoint.save(update_fields=["secret"])
    return endpoint.secret


# --- Deliveries ------------------------------------------------------------------------


def deliveries_create(*, event_id: int) -> list[int]:
    """Create and queue the deliveries of a committed order event; returns their ids.

    Called by the `order_event` receiver. Announcing the same event twice creates nothing new.
    """
    endpoints = list(WebhookEndpoint.objects.filter(active=True))
    if not endpoints:
        return []
    event = payloads.load_event(event_id)
    endpoints = [endpoint for endpoint in endpoints if endpoint.wants(event.action)]
    if not endpoints:
        return []
    payload = payloads.event_payload(event)
    now = timezone.now()
    with transaction.atomic():
        WebhookDelivery.objects.bulk_create(
            [
                WebhookDelivery(
                    endpoint=endpoint,
                    event_id=event.pk,
                    order_number=event.order.number,
                    action=event.action,
                    payload=payload,
                    next_attempt_at=now,
                )
                for endpoint in endpoints
            ],
            ignore_conflicts=True,
        )
        # ignore_conflicts leaves the objects without ids: read back the ones still waiting for their first try.
        ids = list(
            WebhookDelivery.objects.filter(event_id=event.pk, endpoint__in=endpoints, attempts=0)
            .filter(status=Status.PENDING)
            .values_list("pk", flat=True)
        )
        transaction.on_commit(lambda: [_enqueue(pk, now=now) for pk in ids])
    return ids


def _enqueue(delivery_id: int, *, now: dt.datetime, run_after: dt.datetime | None = None) -> bool:
    """Queue an attempt; False when the backend cannot defer (the safety net sends it when due)."""
    from rexian.webhooks.tasks import webhook_deliver  # the tasks module imports this one

    task = webhook_deliver
    if run_after is not None:
        if not task.get_backend().supports_defer:
            return False
        task = task.using(run_after=run_after)
    WebhookDelivery.objects.filter(pk=delivery_id).update(enqueued_at=now)
    task.enqueue(delivery_id=delivery_id)
    return True


def _claim(delivery_id: int, now: dt.datetime) -> WebhookDelivery | None:
    """Take the delivery for this worker if it is due and nobody holds it; the attempt is counted now."""
    if not OUTBOX.claim(delivery_id, now):
        return None
    return WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)


def _headers(delivery: WebhookDelivery, body: bytes) -> dict[str, str]:
    timestamp = str(int(time.time()))
    return {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "Rexian-Webhooks/1",
        "X-Rexian-Event": delivery.action,
        "X-Rexian-Delivery": str(delivery.pk),
        "X-Rexian-Timestamp": timestamp,
        "X-Rexian-Signature": signing.signature(delivery.endpoint.secret, timestamp, body),
    }


def _send(delivery: WebhookDelivery) -> tuple[int | None, str]:
    """(status code, error) of one POST; the error is empty on success."""
    body = payloads.payload_body(delivery.payload)
    try:
        response = transport.post(
            delivery.endpoint.url, body=body, headers=_headers(delivery, body), timeout=transport.TIMEOUT_SECONDS
        )
    except transport.DeliveryError as error:
        return None, error.message
    except Exception:  # a bug must end in the log and the back-off, not in a delivery retried forever
        logger.exception("webhook delivery %s failed unexpectedly", delivery.pk)
        return None, _("内部错误，详见服务器日志。")
    if 200 <= response.status < 300:
        return response.status, ""
    if 300 <= response.status < 400:
        return response.status, _("HTTP %(status)d：不跟随重定向，请配置最终地址。") % {"status": response.status}
    return response.status, f"HTTP {response.status}: {response.snippet}".strip()


def delivery_attempt(*, delivery_id: int, now: dt.datetime | None = None) -> str | None:
    """Send a due delivery once and record the outcome; returns the new status, None if not ours to send.

    Run by the `webhook_deliver` task. A delivery that is not due, already finished or held by another
    worker is left alone, so a task queued twice sends once.
    """
    now = now or timezone.now()
    delivery = _claim(delivery_id, now)
    if delivery is None:
        return None
    stopped = not delivery.endpoint.active
    status_code, error = (None, _("推送地址已停用。")) if stopped else _send(delivery)
    changes = OUTBOX.outcome(attempts=delivery.attempts, error=error, now=now, give_up=stopped,
                             done=dict(status=Status.SUCCEEDED, delivered_at=timezone.now()))
    if not OUTBOX.record(delivery.pk, delivery.attempts, last_status_code=status_code,
                         last_error=error[:MAX_ERROR_LENGTH], **changes):
        return None
    if changes["status"] == Status.FAILED:
        _enqueue(delivery.pk, now=now, run_after=changes["next_attempt_at"])
    if error:
        logger.info("webhook delivery %s attempt %s failed: %s", delivery.pk, delivery.attempts, error)
    return changes["status"]


def webhook_redeliver_due(*, now: dt.datetime | None = None) -> int:
    """Queue again the deliveries that are overdue and not being sent; returns how many.

    The safety net run every minute by the scheduler: a task lost with a crashed worker, or a retry a
    backend could not defer, is picked up here. Each delivery is re-queued at most once per grace period.
    """
    now = now or timezone.now()
    cutoff = now - REDELIVER_GRACE if _backend_defers() else now
    ids = list(
        WebhookDelivery.objects.filter(status__in=OPEN_STATUSES, next_attempt_at__lte=cutoff)
        .filter(OUTBOX.unclaimed(now))
        .filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lte=cutoff))
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:REDELIVER_BATCH]
    )
    for pk in ids:
        _enqueue(pk, now=now)
    return len(ids)


def _backend_defers() -> bool:
    from rexian.webhooks.tasks import webhook_deliver

    return webhook_deliver.get_backend().supports_defer


def deliveries_retry(*, delivery_ids: Iterable[int]) -> int:
    """Send failed or abandoned deliveries again now (an administrator's "重新推送"); returns how many.

    A delivery that gave up gets one more attempt; one still in back-off is brought forward.
    """
    ids = list(
        WebhookDelivery.objects.filter(pk__in=list(delivery_ids), status__in=[Status.FAILED, Status.GAVE_UP])
        .values_list("pk", flat=True)
    )
    now = timezone.now()
    WebhookDelivery.objects.filter(pk__in=ids).update(status=Status.PENDING, next_attempt_at=now)
    transaction.on_commit(lambda: [_enqueue(pk, now=now) for pk in ids])
    return len(ids)


def deliveries_prune(*, days: int = 90, now: dt.datetime | None = None) -> int:
    """Delete finished deliveries (succeeded or given up) older than `days`; returns how many."""
    now = now or timezone.now()
    deleted, _counts = WebhookDelivery.objects.filter(
        status__in=[Status.SUCCEEDED, Status.GAVE_UP], created_at__lte=now - dt.timedelta(days=days)
    ).delete()
    return deleted

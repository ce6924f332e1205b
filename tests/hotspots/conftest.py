"""Orders for the hot-spot tests, written in bulk at chosen moments (the scan only reads them).

`orders(n, at=..., title=..., text=..., category=...)` creates n orders in the cast's
community (城东街道/幸福社区) with distinct callers. `NOW` is a Wednesday afternoon.
The orders registered through the services would all carry the test's clock; the
scan needs them spread over four weeks, so they are written as rows.
"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.utils import timezone

from rexian.orders.models import WorkOrder
from rexian.orders.search import order_text_reindex
from tests import factories as f

NOW = timezone.make_aware(dt.datetime(2026, 3, 18, 15, 0))
DAY = dt.timedelta(days=1)
_numbers = itertools.count(1)


@pytest.fixture
def orders(cast):
    channel, appeal, urgency = f.channel("phone"), f.appeal_type("complaint"), f.urgency("normal")

    def create(n: int, *, at: dt.datetime, title: str, text: str = "", category=None, area=None,
               phone: str | None = None, address: str = "", **fields) -> list[WorkOrder]:
        rows = []
        for k in range(n):
            number = next(_numbers)
            rows.append(WorkOrder(
                number=f"20260318-{number:06d}", channel=channel, appeal_type=appeal, urgency=urgency,
                category=category or cast.property_service, area=area or cast.community, address=address,
                title=title, description=text or title, registered_at=at - dt.timedelta(minutes=k),
                caller_phone_hash=phone if phone is not None else f"caller-{number}", **fields,
            ))
        created = WorkOrder.objects.bulk_create(rows)
        order_text_reindex(order_ids=[o.pk for o in created])  # as every bulk loader does: keyword slices read it
        return created

    return create


@pytest.fixture
def signed_in(client):
    """signed_in(user) -> the test client signed in as `user` (as tests/console/conftest.py does)."""

    def sign_in(user):
        client.force_login(type(user).objects.get(pk=user.pk))
        return client

    return sign_in

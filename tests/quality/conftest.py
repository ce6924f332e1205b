import datetime as dt

import pytest
from django.utils import timezone

from rexian.orders.models import WorkOrder

DAY = dt.date(2026, 3, 16)  # a Monday


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


@pytest.fixture
def registered_on(make_order):
    """registered_on(day, n=1, **fields) -> n orders registered on `day` (by the operator unless told otherwise)."""

    def make(day: dt.date = DAY, n: int = 1, *, by=None, hour: int = 10, **fields):
        orders = []
        for _ in range(n):
            order = make_order(**fields)
            changes = {"registered_at": at(day, hour)}
            if by is not None:
                changes["registered_by"] = by
            WorkOrder.objects.filter(pk=order.pk).update(**changes)
            order.refresh_from_db()
            orders.append(order)
        return orders

    return make

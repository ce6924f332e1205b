"""Notifications are made when a step commits: `committed()` runs the on-commit callbacks inside the test."""

from __future__ import annotations

import pytest

from rexian.notifications.models import Notification


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """`with committed(): <service calls>` runs what the services scheduled for after the commit."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def told(order=None, kind=None) -> set[tuple[str, str]]:
    """(recipient's username, kind) of the notifications made, about `order` and of `kind` when given."""
    found = Notification.objects.all()
    if order is not None:
        found = found.filter(order=order)
    if kind is not None:
        found = found.filter(kind=kind)
    return set(found.values_list("recipient__username", "kind"))

"""The demo's operators are staffed for their traffic: occupancy (talk ÷ ready) is believable on a dashboard.

A centre staffs each hour for its traffic A (erlangs) with about A + 0.8·√A operators ready, at least one
(rexian/telephony/demo.py); the demo draws each operator's idle time before a call to match.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone

from rexian.demo.generator import demo_load
from rexian.telephony.demo import _occupancy_by_hour
from rexian.telephony.figures import call_figures
from rexian.telephony.models import Call, Outcome

NOW = timezone.make_aware(dt.datetime(2026, 3, 18, 23, 59))
DAYS = 3


def _answered(at: dt.datetime, talk: float, wrap: float = 0.0) -> Call:
    return Call(answered_at=at, ended_at=at + dt.timedelta(seconds=talk), wrap_seconds=wrap, outcome=Outcome.ANSWERED)


def test_staffing_follows_the_hour_s_traffic():
    ten = timezone.make_aware(dt.datetime(2026, 3, 18, 10, 0))
    night = timezone.make_aware(dt.datetime(2026, 3, 18, 3, 0))
    # 10:00: 45 calls of 230 s talk + 10 s wrap-up = 3 erlangs: 3 ÷ (3 + 0.8·√3) ready operators.
    calls = [_answered(ten + dt.timedelta(minutes=n), 230, 10) for n in range(45)]
    # 03:00: 3 calls of 240 s = 0.2 erlangs, but one operator is ready all the same.
    calls += [_answered(night + dt.timedelta(minutes=10 * n), 240) for n in range(3)]
    occupancy = _occupancy_by_hour(calls, NOW, timezone.get_current_timezone())
    assert occupancy[(dt.date(2026, 3, 18), 10)] == pytest.approx(3 / (3 + 0.8 * 3 ** 0.5))  # 0.684
    assert occupancy[(dt.date(2026, 3, 18), 3)] == pytest.approx(0.2)


@pytest.fixture(scope="module")
def busy_city(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        demo_load(days=DAYS, per_day=500, seed=11, now=NOW)
        yield
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_busy_hours_run_at_a_believable_occupancy_and_nights_are_quiet(busy_city):
    start = NOW - dt.timedelta(days=DAYS)
    hours = {row.key: row for row in call_figures(start, NOW, by="hour_of_day")}

    def pooled(keys) -> float:
        return sum(hours[h].talk_seconds_total for h in keys) / sum(hours[h].ready_seconds_total for h in keys)

    busy = pooled([9, 10, 14, 15, 16])  # the demo city's peaks: about 40 calls an hour, 3 erlangs
    assert 0.6 <= busy <= 0.85
    assert pooled([2, 3, 4]) < 0.4  # one operator waits for the odd call
    assert 0.3 < call_figures(start, NOW).occupancy < 0.8

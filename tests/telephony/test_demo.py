"""The demo city's calls: one behind every phone order, a connection rate near the seed's 98%."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone

from rexian.demo.generator import demo_load
from rexian.orders.models import WorkOrder
from rexian.telephony.demo import DEMO_CTI_TOKEN, demo_calls_load
from rexian.telephony.figures import call_figures
from rexian.telephony.models import AgentInterval, Call, CallOrder, MissedCallCallback, Outcome, Roster
from rexian.telephony.selectors import missed_calls, roster_execution
from rexian.telephony.services import cti_source_authenticate
from rexian.units.models import Role, User

NOW = timezone.make_aware(dt.datetime(2026, 3, 18, 15, 30))
DAYS = 5


@pytest.fixture(scope="module")
def city(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        # demo_load generates the calls too (rexian.telephony.demo.demo_calls_load).
        summary = demo_load(days=DAYS, per_day=60, seed=7, now=NOW).call_summary
        yield summary
        transaction.set_rollback(True)


@pytest.mark.django_db
class TestDemoCalls:
    def test_every_phone_order_was_taken_on_an_answered_call_of_its_operator(self, city):
        phone_orders = WorkOrder.objects.filter(channel__code="phone").select_related("registered_by")
        assert phone_orders.count() == CallOrder.objects.count() == city.linked_orders > 0
        for link in CallOrder.objects.select_related("call", "order__registered_by"):
            call, order = link.call, link.order
            assert call.answered_at < order.registered_at
            assert call.presented_to == order.registered_by.agent_number
            assert call.caller_hash == order.caller_phone_hash

    def test_connection_rate_is_near_the_seeds(self, city):
        start = NOW - dt.timedelta(days=DAYS)
        total = call_figures(start, NOW)
        assert 0.95 <= total.connection_rate <= 0.995
        assert total.short_abandoned > 0 and total.abandoned > 0
        assert total.answered_in_target_rate > 0.75
        assert 0 < total.occupancy < 1

    def test_nothing_happens_after_now(self, city):
        assert not Call.objects.filter(offered_at__gt=NOW).exists()
        assert not Call.objects.filter(ended_at__gt=NOW).exists()
        assert not AgentInterval.objects.filter(ended_at__gt=NOW).exists()
        assert not MissedCallCallback.objects.filter(at__gt=NOW).exists()

    def test_missed_callers_are_listed_and_most_called_back(self, city):
        everything = missed_calls(start=NOW - dt.timedelta(days=DAYS), end=NOW, open_only=False, page_size=200)
        assert everything and city.callbacks > 0
        assert all(c.outcome in (Outcome.ABANDONED, Outcome.UNANSWERED) for c in everything)

    def test_the_demo_switch_can_post_events(self, city):
        assert cti_source_authenticate(DEMO_CTI_TOKEN).code == "demo"

    def test_same_seed_same_calls(self, city):
        before = list(Call.objects.order_by("call_id").values_list("call_id", "offered_at", "outcome", "caller_hash"))
        with transaction.atomic():
            Call.objects.all().delete()
            AgentInterval.objects.all().delete()
            demo_calls_load(now=NOW, days=DAYS, seed=7)
            again = list(Call.objects.order_by("call_id").values_list("call_id", "offered_at", "outcome",
                                                                       "caller_hash"))
            transaction.set_rollback(True)
        assert again == before


@pytest.mark.django_db
def test_the_demo_publishes_a_roster_with_one_shift_handed_over(city):
    roster = Roster.objects.get()
    today = timezone.localtime(NOW).date()
    assert (roster.first_day, roster.days) == (today - dt.timedelta(days=DAYS - 2), DAYS - 2 + 7)
    assert roster.published_at < timezone.make_aware(dt.datetime.combine(roster.first_day, dt.time(0)))
    operators = set(User.objects.filter(role=Role.OPERATOR).values_list("pk", flat=True))
    assert {s.operator_id for s in roster.shifts.all()} <= operators and roster.shifts.count() > DAYS * 10
    [changed] = roster.shifts.exclude(changed_at=None)
    assert changed.day == today + dt.timedelta(days=1) and changed.change_reason
    assert changed.operator != changed.planned_operator and changed.changed_by.username == "supervisor"
    others = roster.shifts.filter(operator=changed.operator).exclude(pk=changed.pk)
    assert not others.filter(starts_at__lt=changed.ends_at, ends_at__gt=changed.starts_at).exists()
    execution = roster_execution(roster, now=NOW)
    assert [d.day for d in execution.days] == [roster.first_day + dt.timedelta(days=n) for n in range(DAYS - 1)]
    assert all(d.offered > 0 and d.actual_hours > 0 for d in execution.days)

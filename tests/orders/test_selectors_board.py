"""The supervisor's board figures (rexian.orders.selectors.board.board_figures), counted by hand.

`NOW` is Tuesday 4 November 2025, 15:30 in Shanghai; every order's clock is set
explicitly, so the figures do not depend on when the test runs.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied

from rexian.analytics.metrics import period_metrics
from rexian.analytics.rollups import rollup_rebuild
from rexian.orders import services
from rexian.orders.models import WorkOrder
from rexian.orders.selectors import board_figures, workload_counts
from rexian.orders.transitions import State

pytestmark = pytest.mark.django_db
S = State
SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2025, 11, 4, 15, 30, tzinfo=SHANGHAI)
HOUR = dt.timedelta(hours=1)
FAR = NOW + dt.timedelta(days=5)


def order(make_order, state, *, registered, overdue=False, warn=None, due=FAR, **fields):
    made = make_order(state)
    WorkOrder.objects.filter(pk=made.pk).update(
        registered_at=registered, is_overdue=overdue, due_warn_at=warn or due - HOUR, due_at=due, **fields
    )
    return made


@pytest.fixture
def floor(cast, make_order):
    """Three orders today, five earlier, one of them closed."""
    yesterday = NOW - dt.timedelta(days=1)
    order(make_order, S.REGISTERED, registered=NOW.replace(hour=9, minute=10))
    order(make_order, S.REGISTERED, registered=NOW.replace(hour=9, minute=50))
    order(make_order, S.PENDING_DISPATCH, registered=NOW.replace(hour=14, minute=5))
    order(make_order, S.REGISTERED, registered=NOW.replace(hour=0, minute=0) - dt.timedelta(seconds=1))
    order(make_order, S.DISPATCHED, registered=yesterday, overdue=True, due=NOW - HOUR)  # housing
    order(make_order, S.IN_PROGRESS, registered=yesterday, warn=NOW - HOUR, due=NOW + HOUR)  # housing, near
    order(make_order, S.IN_PROGRESS, registered=yesterday, overdue=True, lead_unit=cast.urban)
    order(make_order, S.AWAITING_CALLBACK, registered=yesterday, overdue=True)  # the centre's callback deadline
    order(make_order, S.CLOSED, registered=yesterday, overdue=True)


def test_intake_counts_today_from_local_midnight(cast, floor):
    assert board_figures(user=cast.supervisor, now=NOW).intake_today == 3


@pytest.fixture
def voided_and_merged(cast, make_order):
    """Three orders registered this morning: one voided (作废), one merged (并单) into the third."""
    master, merged, voided = (make_order(S.PENDING_DISPATCH) for _ in range(3))
    services.order_merge(actor=cast.dispatcher, order=merged, master=master)
    services.order_void(actor=cast.supervisor, order=voided, reason="测试工单。")
    for minute, made in enumerate((master, merged, voided)):
        WorkOrder.objects.filter(pk=made.pk).update(registered_at=NOW.replace(hour=10, minute=minute))


def test_intake_leaves_out_voided_orders_and_keeps_merged_ones(cast, voided_and_merged):
    figures = board_figures(user=cast.supervisor, now=NOW)
    assert figures.intake_today == 2
    assert dict(figures.intake_by_hour)[10] == 2  # the bars add up to the card


def test_intake_today_is_the_dashboards_volume_and_the_home_count(cast, voided_and_merged):
    rollup_rebuild()
    volume = period_metrics(start=NOW.date(), end=NOW.date(), now=NOW).volume
    home = workload_counts(user=cast.supervisor, now=NOW)["registered_today"]
    assert board_figures(user=cast.leader, now=NOW).intake_today == home == volume == 2


def test_intake_by_hour_runs_from_midnight_to_this_hour(cast, floor):
    hours = board_figures(user=cast.supervisor, now=NOW).intake_by_hour
    assert [hour for hour, _count in hours] == list(range(16))
    assert {hour: count for hour, count in hours if count} == {9: 2, 14: 1}


def test_open_orders_by_state(cast, floor):
    figures = board_figures(user=cast.supervisor, now=NOW)
    counted = {s.state: (s.count, s.overdue, s.near) for s in figures.open_by_state if s.count}
    assert counted == {
        S.REGISTERED: (3, 0, 0),
        S.PENDING_DISPATCH: (1, 0, 0),
        S.DISPATCHED: (1, 1, 0),
        S.IN_PROGRESS: (2, 1, 1),
        S.AWAITING_CALLBACK: (1, 1, 0),
    }
    assert (figures.open_total, figures.overdue_total, figures.near_total) == (8, 3, 1)


def test_every_open_state_is_listed_even_when_empty(cast, floor):
    states = [s.state for s in board_figures(user=cast.supervisor, now=NOW).open_by_state]
    assert S.REOPENED in states and S.CLOSED not in states


def test_units_by_overdue_then_near(cast, floor):
    units = board_figures(user=cast.supervisor, now=NOW).units
    assert [(u.name, u.overdue, u.near) for u in units] == [("住建局", 1, 1), ("城管局", 1, 0)]


def test_a_deadline_not_yet_yellow_is_not_near(cast, make_order):
    order(make_order, S.IN_PROGRESS, registered=NOW, warn=NOW + HOUR, due=NOW + 2 * HOUR)
    figures = board_figures(user=cast.supervisor, now=NOW)
    assert (figures.near_total, figures.units) == (0, [])


def test_the_board_keeps_only_the_top_units(cast, make_order, monkeypatch):
    monkeypatch.setattr("rexian.orders.selectors.board.BOARD_TOP_UNITS", 1)
    order(make_order, S.IN_PROGRESS, registered=NOW, overdue=True)
    order(make_order, S.IN_PROGRESS, registered=NOW, overdue=True)
    order(make_order, S.IN_PROGRESS, registered=NOW, overdue=True, lead_unit=cast.urban)
    assert [u.name for u in board_figures(user=cast.leader, now=NOW).units] == ["住建局"]


def test_a_leader_sees_the_board(cast, floor):
    assert board_figures(user=cast.leader, now=NOW).intake_today == 3


@pytest.mark.parametrize("who", ["operator", "dispatcher", "inspector", "admin", "housing_admin"])
def test_other_roles_may_not_see_the_board(cast, who):
    with pytest.raises(PermissionDenied):
        board_figures(user=getattr(cast, who), now=NOW)

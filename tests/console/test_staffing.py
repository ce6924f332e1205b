"""排班: the supervisor's staffing page (rexian/console/views/staffing.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.telephony.conftest import answered_call, apply, lines  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db

URL = reverse("console:staffing")


def _next_monday() -> dt.date:
    today = timezone.localdate()
    return today + dt.timedelta(days=7 - today.weekday())


@pytest.fixture
def history(cast, lines):  # noqa: F811 (the fixture imported above)
    """Two weeks of calls: six each morning around 10:00, answered by agent 1001, five minutes each."""
    events = []
    for days_ago in range(1, 15):
        morning = timezone.localtime().replace(hour=10, minute=0, second=0, microsecond=0)
        for n in range(6):
            start = morning - dt.timedelta(days=days_ago) + dt.timedelta(minutes=5 * n)
            events += answered_call(f"d{days_ago}-{n}", start, wait=4, talk=300)
    apply(events)
    return cast


@pytest.mark.parametrize("role", ["operator", "dispatcher", "leader", "housing_handler"])
def test_only_supervisors_and_admins_may_see_it(signed_in, cast, role):
    assert signed_in(getattr(cast, role)).get(URL).status_code == 403


def test_the_default_plan_is_next_week_for_the_active_operators(signed_in, history):
    response = signed_in(history.supervisor).get(URL)
    assert response.status_code == 200
    plan = response.context["plan"]
    assert (plan.first_day, plan.days) == (_next_monday(), 7)
    assert plan.forecast.total > 0
    assert [row["hour"] for row in response.context["hours"]] == list(range(24))
    # The handling time is the last four weeks' own (300 s of talk), not the 240 s default.
    assert response.context["form"].cleaned_data["aht"] == 300
    page = response.content.decode()
    assert f'value="{_next_monday():%Y-%m-%d}"' in page  # what a date field can show, in Chinese too
    assert "话务预测" in page and "排班表" in page
    assert str(history.operator) in page  # the operator on the roster
    ten = next(row for row in response.context["hours"] if row["hour"] == 10)
    three = next(row for row in response.context["hours"] if row["hour"] == 3)
    assert max(ten["values"]) >= max(three["values"])  # the morning calls need at least the night's staff


def test_the_inputs_change_the_plan_and_what_is_left_out_takes_its_default(signed_in, history):
    client = signed_in(history.supervisor)
    short = client.get(URL, {"days": "2", "service_level": "95", "seconds": "10"})
    assert short.status_code == 200
    assert short.context["plan"].days == 2 and len(short.context["days"]) == 2
    relaxed = client.get(URL, {"days": "2", "service_level": "50", "seconds": "60"})
    assert sum(d["staff_hours"] for d in relaxed.context["days"]) <= sum(d["staff_hours"] for d in short.context["days"])


def test_bad_inputs_are_a_400_beside_the_field(signed_in, history):
    response = signed_in(history.supervisor).get(URL, {"days": "30", "first_day": "not a day"})
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"days", "first_day"}
    assert "plan" not in response.context


def test_without_call_history_the_page_says_why_there_is_no_plan(signed_in, cast):
    response = signed_in(cast.supervisor).get(URL)
    assert response.status_code == 200
    assert "第一天之前的 8 周没有来电记录，无法预测话务量。" in response.content.decode()


def test_the_page_reads_in_english(signed_in, history):
    history.supervisor.language = "en"
    history.supervisor.save()
    page = signed_in(history.supervisor).get(URL).content.decode()
    for english in ("Staffing", "Calls expected", "Staff to schedule per hour", "Roster", "Average handling time"):
        assert english in page


def test_the_centres_shrinkage_setting_is_the_default_whatever_it_is(signed_in, history, settings):
    settings.STAFFING_SHRINKAGE = 0.7
    response = signed_in(history.supervisor).get(URL)
    assert response.status_code == 200
    assert response.context["form"].cleaned_data["shrinkage"] == 70

"""排班: the supervisor's staffing page (rexian/console/views/staffing.py)."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from rexian.telephony.models import Roster
from rexian.units.models import Role
from tests.factories import UserFactory
from tests.telephony.conftest import lines, morning_calls  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db

URL = reverse("console:staffing")


def _next_monday() -> dt.date:
    today = timezone.localdate()
    return today + dt.timedelta(days=7 - today.weekday())


@pytest.fixture
def history(cast, lines):  # noqa: F811 (the fixture imported above)
    """Two weeks of calls: six each morning from 10:00, answered by agent 1001, five minutes each."""
    morning_calls(14)
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


# --- Publishing (发布), the rosters, 调班 and 我的排班 ---------------------------------------------------------------


def _publish(client, **inputs):
    fields = {"first_day": f"{_next_monday():%Y-%m-%d}", "days": "7", "service_level": "80", "seconds": "15",
              "aht": "300", "shrinkage": "30", "note": "下周排班"}
    return client.post(reverse("console:staffing-publish"), {**fields, **inputs})


def test_the_plan_is_published_as_the_page_showed_it(signed_in, history):
    client = signed_in(history.supervisor)
    shown = client.get(URL, {"aht": "300"})
    assert 'action="/console/staffing/publish/"' in shown.content.decode()
    response = _publish(client)
    roster = Roster.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("console:roster", args=[roster.pk])
    assert (roster.first_day, roster.days, roster.aht, roster.note) == (_next_monday(), 7, 300, "下周排班")
    planned = {(key, s.start) for key, shifts in shown.context["plan"].plan.roster.items() for s in shifts}
    assert {(s.operator.username, s.starts_at) for s in roster.shifts.select_related("operator")} == planned
    page = client.get(response["Location"])
    assert page.status_code == 200
    text = page.content.decode()
    assert "排班表" in text and str(history.operator) in text and "下周排班" in text
    assert "排班执行情况在本排班表的日子开始后显示。" in text  # next week has not begun
    listed = client.get(reverse("console:rosters")).content.decode()
    assert reverse("console:roster", args=[roster.pk]) in listed
    # The plan page now says those days are covered.
    assert "其中 7 天已有发布的排班" in client.get(URL, {"aht": "300"}).content.decode()


@pytest.mark.parametrize("role", ["operator", "dispatcher", "leader"])
def test_only_supervisors_and_admins_publish_and_see_rosters(signed_in, history, role):
    client = signed_in(getattr(history, role))
    assert _publish(client).status_code == 403
    assert not Roster.objects.exists()
    assert client.get(reverse("console:rosters")).status_code == 403


def test_bad_publish_inputs_are_a_400_saying_which(signed_in, history):
    client = signed_in(history.supervisor)
    response = _publish(client, days="40")
    assert response.status_code == 400
    assert "天数" in response.content.decode()
    past = _publish(client, first_day=f"{timezone.localdate() - dt.timedelta(days=1):%Y-%m-%d}")
    assert past.status_code == 400 and "只能为今天及以后的日子发布排班。" in past.content.decode()
    for bad in ("0001-01-01", "9999-12-31"):
        assert _publish(client, first_day=bad).status_code == 400
        assert client.get(URL, {"first_day": bad}).status_code == 400
    assert not Roster.objects.exists()


def test_publishing_without_operators_says_why(signed_in, history):
    history.operator.is_active = False
    history.operator.save()
    response = _publish(signed_in(history.supervisor))
    assert response.status_code == 400 and "没有在职的话务员" in response.content.decode()


@pytest.fixture
def roster(signed_in, history):
    history.operator2 = UserFactory(username="operator2", role=Role.OPERATOR, unit=history.centre)
    _publish(signed_in(history.supervisor))
    roster = Roster.objects.get()
    roster.shifts.filter(operator=history.operator2).delete()  # free to take a shift
    return roster


def test_a_shift_is_handed_over_on_the_roster_page(signed_in, history, roster):
    client = signed_in(history.supervisor)
    shift = roster.shifts.filter(operator=history.operator).first()
    url = reverse("console:roster-reassign", args=[roster.pk])
    response = client.post(url, {"shift": shift.pk, "operator": history.operator2.pk, "reason": "病假"})
    assert response.status_code == 302
    shift.refresh_from_db()
    assert shift.operator == history.operator2 and shift.planned_operator == history.operator
    page = client.get(reverse("console:roster", args=[roster.pk])).content.decode()
    assert "已调班" in page and "病假" in page
    # Refused: no reason, or to someone who is not an operator; the form comes back with the message.
    refused = client.post(url, {"shift": shift.pk, "operator": history.operator.pk, "reason": ""})
    assert refused.status_code == 400 and "reason" in refused.context["form"].errors
    refused = client.post(url, {"shift": shift.pk, "operator": history.dispatcher.pk, "reason": "x"})
    assert refused.status_code == 400 and "operator" in refused.context["form"].errors
    shift.refresh_from_db()
    assert shift.operator == history.operator2


def test_the_roster_downloads_as_excel(signed_in, history, roster):
    response = signed_in(history.supervisor).get(reverse("console:roster", args=[roster.pk]), {"format": "xlsx"})
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "话务员" and rows[0][1] == f"{_next_monday():%m-%d}"
    mine = next(row for row in rows if row[0] == str(history.operator))
    first = roster.shifts.filter(operator=history.operator).order_by("starts_at").first()
    column = (first.day - roster.first_day).days + 1
    assert mine[column].startswith(f"{timezone.localtime(first.starts_at):%H:%M}–")


def test_a_bad_day_on_the_roster_page_is_a_400(signed_in, history, roster):
    response = signed_in(history.supervisor).get(reverse("console:roster", args=[roster.pk]), {"day": "2026-13-40"})
    assert response.status_code == 400


def test_operators_see_their_own_shifts(signed_in, history, roster):
    client = signed_in(history.operator)
    page = client.get(reverse("console:my-shifts"))
    assert page.status_code == 200
    mine = list(roster.shifts.filter(operator=history.operator))
    coming = [row["shift"].pk for row in page.context["coming"]]
    assert mine and coming == [s.pk for s in sorted(mine, key=lambda s: s.starts_at)]
    assert 'href="/console/my-shifts/"' in page.content.decode()  # in the operator's menu
    other = signed_in(history.operator2).get(reverse("console:my-shifts"))
    assert other.context["coming"] == [] and "今后两周没有您的班次。" in other.content.decode()


def test_the_roster_pages_read_in_english(signed_in, history, roster):
    history.supervisor.language = "en"
    history.supervisor.save()
    client = signed_in(history.supervisor)
    page = client.get(reverse("console:roster", args=[roster.pk])).content.decode()
    for english in ("Roster", "Hand over a shift", "Reason for the change", "Export to Excel"):
        assert english in page
    assert "Published rosters" in client.get(reverse("console:rosters")).content.decode()
    assert "Publish the roster" in client.get(URL).content.decode()


def test_the_roster_list_reads_the_days_in_force_in_one_query_whatever_the_page(signed_in, history, roster):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = signed_in(history.supervisor)
    _publish(client, days="3")  # takes over the first three days of the week's roster
    with CaptureQueriesContext(connection) as two:
        rows = client.get(reverse("console:rosters")).context["rows"]
    assert [len(row["in_force"]) for row in rows] == [3, 4]
    for _ in range(3):
        _publish(client, days="1")
    with CaptureQueriesContext(connection) as five:
        rows = client.get(reverse("console:rosters")).context["rows"]
    assert [len(row["in_force"]) for row in rows] == [1, 0, 0, 2, 4]
    assert len(five.captured_queries) == len(two.captured_queries)

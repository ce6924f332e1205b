"""排班 in the API: publishing a roster, reading it and its execution, 调班, and 我的排班."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from rexian.telephony.models import Roster
from rexian.units.models import Role
from tests import factories as f
from tests.api.conftest import client_for
from tests.telephony.conftest import lines, morning_calls  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(cast, lines):  # noqa: F811 (the fixture imported above)
    """Two weeks of calls, six each morning at 10:00; a second operator."""
    morning_calls(14)
    cast.operator2 = f.UserFactory(username="operator2", role=Role.OPERATOR, unit=cast.centre)
    return cast


def _publish(client, **body):
    first = timezone.localdate() + dt.timedelta(days=2)
    return client.post("/api/v1/rosters/", {"first_day": f"{first:%Y-%m-%d}", "days": 3, "aht": 300, **body},
                       format="json")


def test_a_roster_is_published_and_read_back(history):
    client = client_for(history.supervisor)
    response = _publish(client, note="元旦")
    assert response.status_code == 201, response.json()
    body = response.json()
    roster = Roster.objects.get()
    assert response["Location"] == body["url"] == f"/api/v1/rosters/{roster.pk}/"
    assert (body["days"], body["service_level"], body["target_seconds"], body["note"]) == (3, 0.8, 15, "元旦")
    assert body["shrinkage"] == pytest.approx(0.3) and len(body["agents"]) == 144
    assert len(body["in_force"]) == 3 and len(body["shifts"]) == roster.shifts.count() > 0
    assert {s["operator"] for s in body["shifts"]} <= {"operator", "operator2"}
    assert client.get(body["url"]).json() == body
    listed = client.get("/api/v1/rosters/").json()
    assert [r["id"] for r in listed["results"]] == [roster.pk] and listed["next"] is None
    execution = client.get(f"{body['url']}execution/").json()
    assert execution["days"] == [] and execution["slots"] == []  # it has not begun


def test_publishing_is_for_supervisors_and_admins_and_checks_its_inputs(history):
    assert _publish(client_for(history.operator)).status_code == 403
    assert client_for(history.dispatcher).get("/api/v1/rosters/").status_code == 403
    client = client_for(history.admin)
    bad = _publish(client, days=30, service_level=2)
    assert bad.status_code == 400 and set(bad.json()["fields"]) == {"days", "service_level"}
    past = _publish(client, first_day="2020-01-06")
    assert past.status_code == 400 and past.json()["fields"] == {"first_day": ["只能为今天及以后的日子发布排班。"]}
    out_of_range = _publish(client, first_day="0001-01-01")
    assert out_of_range.status_code == 400 and "first_day" in out_of_range.json()["fields"]
    assert client.get("/api/v1/me/shifts/", {"first_day": "9999-12-31"}).status_code == 400
    assert not Roster.objects.exists()
    assert client.get("/api/v1/rosters/999/").status_code == 404
    assert client.get("/api/v1/rosters/x/").status_code == 404


def test_a_shift_is_handed_over(history):
    client = client_for(history.supervisor)
    roster = Roster.objects.get(pk=_publish(client).json()["id"])
    roster.shifts.filter(operator=history.operator2).delete()
    shift = roster.shifts.filter(operator=history.operator).first()
    url = f"/api/v1/roster-shifts/{shift.pk}/reassign/"
    response = client.post(url, {"operator": "operator2", "reason": "病假"}, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["operator"], body["planned_operator"], body["changed_by"]) == ("operator2", "operator", "supervisor")
    refused = client.post(url, {"operator": "dispatcher", "reason": "x"}, format="json")
    assert refused.status_code == 400 and refused.json()["fields"] == {"operator": ["只能调给在职话务员。"]}
    assert client.post(url, {"operator": "nobody", "reason": "x"}, format="json").status_code == 400
    assert client.post("/api/v1/roster-shifts/0/reassign/", {"operator": "operator", "reason": "x"},
                       format="json").status_code == 404
    assert client_for(history.operator).post(url, {"operator": "operator", "reason": "x"},
                                             format="json").status_code == 403
    mine = client_for(history.operator2).get("/api/v1/me/shifts/").json()
    assert [s["id"] for s in mine] == [shift.pk]
    assert client_for(history.operator).get("/api/v1/me/shifts/", {"days": 0}).status_code == 400


def test_a_big_roster_s_shifts_can_be_read_a_day_or_an_operator_at_a_time(history):
    client = client_for(history.supervisor)
    url = _publish(client).json()["url"]
    roster = Roster.objects.get()
    first = roster.shifts.order_by("starts_at").first()
    by_day = client.get(url, {"day": f"{first.day:%Y-%m-%d}"}).json()["shifts"]
    assert {s["day"] for s in by_day} == {f"{first.day:%Y-%m-%d}"}
    assert len(by_day) == roster.shifts.filter(day=first.day).count() < roster.shifts.count()
    mine = client.get(url, {"operator": "operator"}).json()["shifts"]
    assert {s["operator"] for s in mine} == {"operator"} and len(mine) == roster.shifts.filter(
        operator=history.operator).count()
    both = client.get(url, {"operator": "operator", "day": f"{first.day:%Y-%m-%d}"}).json()["shifts"]
    assert len(both) == roster.shifts.filter(operator=history.operator, day=first.day).count()
    bad = client.get(url, {"day": "2026-13-01"})
    assert bad.status_code == 400 and "day" in bad.json()["fields"]

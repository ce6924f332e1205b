"""The telephony admin: calls are read-only and never show a caller's number; a new source's token is shown once."""

from __future__ import annotations

import pytest
from django.test import Client

from rexian.telephony.models import CtiSource, Roster, RosterShift, token_digest
from rexian.units.models import User
from tests.telephony.conftest import abandoned_call, answered_call, apply, at

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(lines):
    user = User.objects.create_superuser("root", "root@example.invalid", "not-a-real-password-1")
    client = Client()
    client.force_login(user)
    return client


def test_calls_are_listed_without_numbers_and_cannot_be_edited(admin_client):
    apply(answered_call("c1", at(0), wait=5, caller="13812348000") + abandoned_call("c2", at(60), wait=30))
    page = admin_client.get("/admin/telephony/call/")
    assert page.status_code == 200 and "c1" in page.content.decode()
    from rexian.telephony.models import Call

    detail = admin_client.get(f"/admin/telephony/call/{Call.objects.get(call_id='c1').pk}/change/")
    assert detail.status_code == 200 and "13812348000" not in detail.content.decode()
    assert admin_client.get("/admin/telephony/call/add/").status_code == 403


def test_a_new_source_shows_its_token_once(admin_client):
    response = admin_client.post(
        "/admin/telephony/ctisource/add/", {"code": "pbx", "name": "主交换机", "is_active": "on"}, follow=True
    )
    assert response.status_code == 200
    source = CtiSource.objects.get()
    shown = [str(m) for m in response.context["messages"]]
    token = shown[0].rsplit("：", 1)[1]
    assert token_digest(token) == source.token_hash


@pytest.mark.parametrize("page", ["agent", "missedcallcallback", "callimport", "ctisource"])
def test_the_other_lists_open(admin_client, page):
    assert admin_client.get(f"/admin/telephony/{page}/").status_code == 200


def test_rosters_are_listed_read_only_and_their_shifts_found_by_operator(admin_client):
    root = User.objects.get(username="root")
    operator = User.objects.create_user("op7", role="operator", display_name="李芳")
    roster = Roster.objects.create(first_day=at().date(), days=1, service_level=0.8, target_seconds=15, aht=240,
                                   shrinkage=0.3, published_by=root, agents=[1] * 48)
    RosterShift.objects.create(roster=roster, day=roster.first_day, starts_at=at(), ends_at=at(hours=8),
                               operator=operator)
    assert admin_client.get("/admin/telephony/roster/").status_code == 200
    page = admin_client.get(f"/admin/telephony/roster/{roster.pk}/change/")
    assert page.status_code == 200 and 'name="first_day"' not in page.content.decode()  # nothing to edit
    found = admin_client.get("/admin/telephony/rostershift/", {"q": "李芳"})
    assert found.status_code == 200 and found.context["cl"].result_count == 1
    assert admin_client.get("/admin/telephony/rostershift/", {"q": "王五"}).context["cl"].result_count == 0


def test_shift_requests_are_listed_read_only_and_found_by_requester(admin_client):
    from rexian.telephony.models import ShiftRequest

    root = User.objects.get(username="root")
    operator = User.objects.create_user("op8", role="operator", display_name="张伟")
    roster = Roster.objects.create(first_day=at().date(), days=1, service_level=0.8, target_seconds=15, aht=240,
                                   shrinkage=0.3, published_by=root, agents=[1] * 48)
    shift = RosterShift.objects.create(roster=roster, day=roster.first_day, starts_at=at(), ends_at=at(hours=8),
                                       operator=operator)
    request = ShiftRequest.objects.create(shift=shift, requested_by=operator, reason="病假",
                                          status=ShiftRequest.Status.PENDING)
    found = admin_client.get("/admin/telephony/shiftrequest/", {"q": "op8"})
    assert found.status_code == 200 and found.context["cl"].result_count == 1
    page = admin_client.get(f"/admin/telephony/shiftrequest/{request.pk}/change/")
    assert page.status_code == 200 and 'name="reason"' not in page.content.decode()

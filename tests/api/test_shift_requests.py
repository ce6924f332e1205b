"""换班/请假申请 in the API: asked by the operator, answered by the colleague, decided by a supervisor."""

from __future__ import annotations

import pytest

from rexian.telephony.models import ShiftRequest
from tests.api.conftest import client_for
from tests.telephony.conftest import lines  # noqa: F401 (a fixture)
from tests.telephony.test_rosters import _future_shift, history, rostered  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db

MINE = "/api/v1/me/shift-requests/"
WAITING = "/api/v1/shift-requests/"


@pytest.fixture
def shift(rostered, history):  # noqa: F811 (the fixtures imported above)
    return _future_shift(rostered, history.operator)


def test_a_swap_from_request_to_approval(history, shift):
    operator, colleague, supervisor = (client_for(u) for u in (history.operator, history.operator2,
                                                                history.supervisor))
    response = operator.post(MINE, {"shift": shift.pk, "colleague": "operator2", "reason": "家中有事"}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    request = ShiftRequest.objects.get()
    assert response["Location"] == body["url"] == f"/api/v1/shift-requests/{request.pk}/"
    assert (body["kind"], body["status"], body["colleague"], body["requested_by"]) == (
        "swap", "asking_colleague", "operator2", "operator")
    assert body["shift"]["id"] == shift.pk and body["status_label"] == "待同事确认"
    assert [r["id"] for r in colleague.get(MINE).json()["asked"]] == [request.pk]
    assert supervisor.get(WAITING).json() == []

    answered = colleague.post(f"{body['url']}answer/", {"accept": True}, format="json")
    assert answered.status_code == 200 and answered.json()["status"] == "pending"
    assert [r["id"] for r in supervisor.get(WAITING).json()] == [request.pk]

    decided = supervisor.post(f"{body['url']}decide/", {"approve": True}, format="json")
    assert decided.status_code == 200, decided.json()
    assert (decided.json()["status"], decided.json()["decided_by"]) == ("approved", "supervisor")
    shift.refresh_from_db()
    assert shift.operator == history.operator2
    assert operator.get(MINE).json()["mine"][0]["status"] == "approved"


def test_leave_names_the_cover_on_approval_and_a_rejection_needs_a_note(history, shift):
    operator, supervisor = client_for(history.operator), client_for(history.supervisor)
    url = operator.post(MINE, {"shift": shift.pk, "reason": "病假"}, format="json").json()["url"]
    no_cover = supervisor.post(f"{url}decide/", {"approve": True}, format="json")
    assert no_cover.status_code == 400 and no_cover.json()["fields"] == {"operator": ["请假申请请选择接班的话务员。"]}
    unknown = supervisor.post(f"{url}decide/", {"approve": True, "operator": "nobody"}, format="json")
    assert unknown.status_code == 400 and "nobody" in unknown.json()["fields"]["operator"][0]
    no_note = supervisor.post(f"{url}decide/", {"approve": False}, format="json")
    assert no_note.status_code == 400 and "note" in no_note.json()["fields"]
    approved = supervisor.post(f"{url}decide/", {"approve": True, "operator": "operator2"}, format="json")
    assert approved.status_code == 200 and approved.json()["kind"] == "leave"
    shift.refresh_from_db()
    assert shift.operator == history.operator2


def test_who_sees_and_does_what(history, shift):
    operator = client_for(history.operator)
    url = operator.post(MINE, {"shift": shift.pk, "colleague": "operator2", "reason": "x"}, format="json").json()["url"]
    assert client_for(history.dispatcher).get(url).status_code == 404  # not theirs: not even its existence
    assert client_for(history.admin).get(url).status_code == 200
    assert client_for(history.operator2).get(url).status_code == 200
    assert client_for(history.dispatcher).get(WAITING).status_code == 403
    assert operator.post(f"{url}answer/", {"accept": True}, format="json").status_code == 403
    assert client_for(history.operator2).post(f"{url}withdraw/").status_code == 403
    someone_elses = client_for(history.operator2).post(MINE, {"shift": shift.pk, "reason": "x"}, format="json")
    assert someone_elses.status_code == 403
    assert operator.post(f"{url}withdraw/").json()["status"] == "withdrawn"
    again = operator.post(f"{url}withdraw/")
    assert again.status_code == 400 and "不能撤回" in again.json()["message"]


def test_bad_requests_are_400_or_404_with_the_reason(history, shift):
    operator = client_for(history.operator)
    missing = operator.post(MINE, {"shift": 999999, "reason": "x"}, format="json")
    assert missing.status_code == 404 and missing.json()["message"] == "班次不存在。"
    empty = operator.post(MINE, {"shift": shift.pk}, format="json")
    assert empty.status_code == 400 and "reason" in empty.json()["fields"]
    not_an_operator = operator.post(MINE, {"shift": shift.pk, "colleague": "dispatcher", "reason": "x"},
                                    format="json")
    assert not_an_operator.status_code == 400 and not_an_operator.json()["fields"] == {
        "colleague": ["只能调给在职话务员。"]}
    assert operator.get("/api/v1/shift-requests/abc/").status_code == 404
    assert not ShiftRequest.objects.exists()

"""换班/请假申请 in the console (rexian/console/views/shift_requests.py): asked from 我的排班, answered there by the
colleague, decided on 换班申请 by a supervisor."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from rexian.telephony.models import ShiftRequest
from tests.telephony.conftest import lines  # noqa: F401 (a fixture)
from tests.telephony.test_rosters import _future_shift, history, rostered  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db

MY_SHIFTS = reverse("console:my-shifts")
WAITING = reverse("console:shift-requests")


def client_as(user) -> Client:
    """A client of its own (signed_in shares one between users), signed in as `user`."""
    client = Client()
    client.force_login(type(user).objects.get(pk=user.pk))
    return client


@pytest.fixture
def shift(rostered, history):  # noqa: F811 (the fixtures imported above)
    return _future_shift(rostered, history.operator)


def test_a_swap_asked_answered_and_approved_in_the_console(signed_in, history, shift):
    operator = signed_in(history.operator)
    new = reverse("console:shift-request-new", args=[shift.pk])
    assert f'href="{new}"' in operator.get(MY_SHIFTS).content.decode()
    form = operator.get(new)
    assert form.status_code == 200 and "申请换班或请假" in form.content.decode()
    assert history.operator not in form.context["form"].fields["colleague"].queryset  # not oneself
    response = operator.post(new, {"colleague": history.operator2.pk, "reason": "家中有事"})
    assert response.status_code == 302 and response["Location"] == MY_SHIFTS
    request = ShiftRequest.objects.get()
    page = operator.get(MY_SHIFTS).content.decode()
    assert "待同事确认" in page and "家中有事" in page and f'href="{new}"' not in page  # no second request

    colleague = signed_in(history.operator2)
    asked = colleague.get(MY_SHIFTS).content.decode()
    assert "请我接班" in asked and reverse("console:shift-request-answer", args=[request.pk]) in asked
    answered = colleague.post(reverse("console:shift-request-answer", args=[request.pk]), {"answer": "accept"})
    assert answered.status_code == 302

    supervisor = signed_in(history.supervisor)
    assert supervisor.get(reverse("console:rosters")).context["waiting"] == 1
    listed = supervisor.get(WAITING)
    assert [row["request"].pk for row in listed.context["rows"]] == [request.pk]
    decide = reverse("console:shift-request-decide", args=[request.pk])
    decided = supervisor.post(decide, {f"r{request.pk}-decision": "approve"})
    assert decided.status_code == 302 and decided["Location"] == WAITING
    shift.refresh_from_db()
    assert shift.operator == history.operator2
    assert "没有待审批的申请" in supervisor.get(WAITING).content.decode()


def test_leave_needs_the_cover_and_the_form_comes_back_with_the_reason(signed_in, history, shift):
    signed_in(history.operator).post(reverse("console:shift-request-new", args=[shift.pk]), {"reason": "病假"})
    request = ShiftRequest.objects.get()
    assert request.status == ShiftRequest.Status.PENDING
    supervisor = signed_in(history.supervisor)
    decide = reverse("console:shift-request-decide", args=[request.pk])
    refused = supervisor.post(decide, {f"r{request.pk}-decision": "approve"})
    assert refused.status_code == 400
    [row] = refused.context["rows"]
    assert row["form"].errors == {"operator": ["请假申请请选择接班的话务员。"]}
    assert "请假申请请选择接班的话务员。" in refused.content.decode()
    rejected = supervisor.post(decide, {f"r{request.pk}-decision": "reject"})
    assert rejected.status_code == 400 and "note" in rejected.context["rows"][0]["form"].errors
    supervisor.post(decide, {f"r{request.pk}-decision": "reject", f"r{request.pk}-note": "人手不足"})
    request.refresh_from_db()
    assert (request.status, request.decision_note) == (ShiftRequest.Status.REJECTED, "人手不足")
    page = signed_in(history.operator).get(MY_SHIFTS).content.decode()
    assert "已驳回" in page and "人手不足" in page


def test_refusals_are_the_form_s_or_the_page_s_message(history, shift):
    operator, colleague = client_as(history.operator), client_as(history.operator2)
    new = reverse("console:shift-request-new", args=[shift.pk])
    empty = operator.post(new, {"reason": " "})
    assert empty.status_code == 400 and "reason" in empty.context["form"].errors
    assert colleague.get(new).status_code == 403  # not their shift
    assert operator.get(reverse("console:shift-request-new", args=[999999])).status_code == 404
    operator.post(new, {"colleague": history.operator2.pk, "reason": "x"})
    request = ShiftRequest.objects.get()
    # Only the colleague answers; a bad answer is a 400 with the reason.
    assert operator.post(reverse("console:shift-request-answer", args=[request.pk]),
                         {"answer": "accept"}).status_code == 403
    bad = colleague.post(reverse("console:shift-request-answer", args=[request.pk]), {"answer": "x"})
    assert bad.status_code == 400 and "请选择同意或不同意" in bad.content.decode()
    withdraw = reverse("console:shift-request-withdraw", args=[request.pk])
    assert operator.post(withdraw).status_code == 302
    again = operator.post(withdraw)
    assert again.status_code == 400 and "不能撤回" in again.content.decode()
    assert operator.get(WAITING).status_code == 403


def test_the_request_pages_read_in_english(signed_in, history, shift):
    history.operator.language = "en"
    history.operator.save()
    page = signed_in(history.operator).get(reverse("console:shift-request-new", args=[shift.pk])).content.decode()
    assert "Ask for a swap or leave" in page

"""换班/请假申请 (rexian/telephony/services.py: shift_request_*; selectors.py): an operator asks to be relieved of a
shift, a named colleague agrees or not, a supervisor approves (by 调班) or rejects."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.urls import reverse

from rexian.notifications.models import Notification
from rexian.telephony import selectors, services
from rexian.telephony.models import RosterShift, ShiftRequest
from rexian.units.models import Role
from tests import factories as f
from tests.telephony.test_rosters import _future_shift, _publish, history, rostered  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db

Status = ShiftRequest.Status


@pytest.fixture
def shift(rostered, history):  # noqa: F811 (the fixtures imported above)
    return _future_shift(rostered, history.operator)


def swap(history, shift, **kwargs) -> ShiftRequest:  # noqa: F811
    arguments = {"actor": history.operator, "shift": shift, "colleague": history.operator2, "reason": " 家中有事 "}
    return services.shift_request_create(**{**arguments, **kwargs})


def test_a_swap_asks_the_colleague_then_the_supervisor_approves_and_the_shift_changes_hands(history, shift):
    request = swap(history, shift)
    assert (request.status, request.reason, request.colleague) == (Status.ASKING_COLLEAGUE, "家中有事", history.operator2)
    assert selectors.shift_requests_waiting() == []  # not before the colleague agrees
    asked = selectors.operator_shift_requests(history.operator2)
    assert [r.pk for r in asked.asked] == [request.pk] and asked.mine == []

    request = services.shift_request_answer(actor=history.operator2, request=request, accept=True)
    assert request.status == Status.PENDING and request.answered_at
    assert [r.pk for r in selectors.shift_requests_waiting()] == [request.pk]
    assert selectors.shift_requests_waiting_count() == 1

    request = services.shift_request_decide(actor=history.supervisor, request=request, approve=True)
    assert (request.status, request.decided_by) == (Status.APPROVED, history.supervisor)
    shift.refresh_from_db()
    assert (shift.operator, shift.planned_operator) == (history.operator2, history.operator)
    assert (shift.changed_by, shift.change_reason) == (history.supervisor, "换班：家中有事")
    assert selectors.shift_requests_waiting() == []


def test_leave_goes_straight_to_the_supervisor_who_names_the_cover(history, shift):
    request = swap(history, shift, colleague=None, reason="病假")
    assert (request.status, request.is_swap) == (Status.PENDING, False)
    with pytest.raises(services.RosterError, match="选择接班") as refused:
        services.shift_request_decide(actor=history.supervisor, request=request, approve=True)
    assert refused.value.field == "operator"
    services.shift_request_decide(actor=history.supervisor, request=request, approve=True, operator=history.operator2)
    shift.refresh_from_db()
    assert shift.operator == history.operator2 and shift.change_reason == "请假：病假"


def test_a_declined_swap_ends_and_the_shift_stays(history, shift):
    request = services.shift_request_answer(actor=history.operator2, request=swap(history, shift), accept=False)
    assert request.status == Status.DECLINED
    shift.refresh_from_db()
    assert shift.operator == history.operator
    # Ended: the operator may ask again, of someone else or for leave.
    assert swap(history, shift, colleague=None).status == Status.PENDING


def test_a_rejection_needs_a_note_and_leaves_the_shift(history, shift):
    request = swap(history, shift, colleague=None)
    with pytest.raises(services.RosterError, match="审批意见"):
        services.shift_request_decide(actor=history.supervisor, request=request, approve=False, note=" ")
    request = services.shift_request_decide(actor=history.supervisor, request=request, approve=False,
                                            note="当日人手不足")
    assert (request.status, request.decision_note) == (Status.REJECTED, "当日人手不足")
    shift.refresh_from_db()
    assert shift.operator == history.operator and shift.changed_at is None


def test_the_requester_may_withdraw_until_it_is_decided(history, shift):
    request = services.shift_request_withdraw(actor=history.operator, request=swap(history, shift))
    assert request.status == Status.WITHDRAWN and request.decided_at
    with pytest.raises(services.RosterError, match="不能撤回"):
        services.shift_request_withdraw(actor=history.operator, request=request)
    with pytest.raises(services.RosterError, match="不需要您答复"):
        services.shift_request_answer(actor=history.operator2, request=request, accept=True)


def test_who_may_do_what(history, shift):
    with pytest.raises(PermissionDenied):  # someone else's shift
        services.shift_request_create(actor=history.operator2, shift=shift, reason="x")
    request = swap(history, shift)
    with pytest.raises(PermissionDenied):  # only the colleague asked answers
        services.shift_request_answer(actor=history.operator, request=request, accept=True)
    with pytest.raises(PermissionDenied):
        services.shift_request_withdraw(actor=history.operator2, request=request)
    services.shift_request_answer(actor=history.operator2, request=request, accept=True)
    for actor in (history.operator, history.dispatcher, history.leader):
        with pytest.raises(PermissionDenied):
            services.shift_request_decide(actor=actor, request=request, approve=True)
    services.shift_request_decide(actor=history.admin, request=request, approve=True)


def test_refusals_leave_nothing_behind(history, shift, rostered):  # noqa: F811
    def refused(match, **kwargs):
        with pytest.raises(services.RosterError, match=match):
            swap(history, shift, **kwargs)

    refused("原因", reason="  ")
    refused("在职话务员", colleague=history.dispatcher)
    refused("已由此人", colleague=history.operator)
    refused("已开始", now=shift.starts_at + dt.timedelta(minutes=1))
    busy = RosterShift.objects.create(roster=rostered, day=shift.day, starts_at=shift.starts_at,
                                      ends_at=shift.starts_at + dt.timedelta(hours=1), operator=history.operator2)
    refused("已有班次")
    busy.delete()
    assert not ShiftRequest.objects.exists()
    swap(history, shift)
    refused("待处理的申请", colleague=None)
    assert ShiftRequest.objects.count() == 1


def test_one_open_request_per_shift_is_a_database_rule(history, shift):
    swap(history, shift)
    with pytest.raises(IntegrityError), transaction.atomic():
        ShiftRequest.objects.create(shift=shift, requested_by=history.operator, reason="x", status=Status.PENDING)


def test_a_colleague_who_took_another_shift_meanwhile_cannot_accept(history, shift, rostered):  # noqa: F811
    request = swap(history, shift)
    RosterShift.objects.create(roster=rostered, day=shift.day, starts_at=shift.starts_at - dt.timedelta(hours=1),
                               ends_at=shift.starts_at + dt.timedelta(hours=1), operator=history.operator2)
    with pytest.raises(services.RosterError, match="已有班次"):
        services.shift_request_answer(actor=history.operator2, request=request, accept=True)
    request.refresh_from_db()
    assert request.status == Status.ASKING_COLLEAGUE


def test_an_approval_is_refused_once_the_shift_changed_hands_or_began(history, shift):
    request = swap(history, shift, colleague=None)
    third = f.UserFactory(username="operator3", role=Role.OPERATOR, unit=history.centre)
    services.roster_shift_reassign(actor=history.supervisor, shift=shift, operator=third, reason="临时调整")
    with pytest.raises(services.RosterError, match="已调整"):
        services.shift_request_decide(actor=history.supervisor, request=request, approve=True,
                                      operator=history.operator2)
    request.refresh_from_db()
    assert request.status == Status.PENDING
    with pytest.raises(services.RosterError, match="已开始"):
        services.shift_request_decide(actor=history.supervisor, request=request, approve=True,
                                      operator=history.operator2, now=shift.starts_at)
    # A request whose shift has begun no longer waits for anyone.
    assert selectors.shift_requests_waiting(now=shift.starts_at) == []


def test_each_step_is_told_to_whom_it_concerns(history, shift, django_capture_on_commit_callbacks):
    history.operator2.language = "en"
    history.operator2.save()
    with django_capture_on_commit_callbacks(execute=True):
        request = swap(history, shift)
    asked = Notification.objects.get(recipient=history.operator2)
    assert asked.kind == Notification.Kind.ROSTER and asked.link == reverse("console:my-shifts")
    assert asked.text.startswith("Shift swap:") and "家中有事" in asked.text
    assert not Notification.objects.filter(recipient=history.supervisor).exists()

    with django_capture_on_commit_callbacks(execute=True):
        services.shift_request_answer(actor=history.operator2, request=request, accept=True)
    pending = Notification.objects.get(recipient=history.supervisor)
    assert pending.link == reverse("console:shift-requests") and "申请换班" in pending.text
    assert not Notification.objects.filter(recipient=history.admin).exists()

    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        services.shift_request_decide(actor=history.supervisor, request=request, approve=False, note="人手不足")
    rejected = {n.recipient_id: n.text for n in Notification.objects.all()}
    assert set(rejected) == {history.operator.pk, history.operator2.pk}
    assert "已驳回：人手不足" in rejected[history.operator.pk]

    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        declined = swap(history, shift)
        services.shift_request_answer(actor=history.operator2, request=declined, accept=False)
    assert "未同意" in Notification.objects.get(recipient=history.operator).text


def test_the_choices_are_the_operators_free_at_that_time(history, shift, rostered):  # noqa: F811
    free = set(selectors.operators_free_for(shift))
    assert history.operator2 in free and history.operator not in free and history.dispatcher not in free
    RosterShift.objects.create(roster=rostered, day=shift.day, starts_at=shift.ends_at - dt.timedelta(hours=1),
                               ends_at=shift.ends_at + dt.timedelta(hours=7), operator=history.operator2)
    assert history.operator2 not in set(selectors.operators_free_for(shift))

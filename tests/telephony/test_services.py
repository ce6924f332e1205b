"""Telephony writes: CTI sources, links from calls to orders, missed-call callbacks (漏接回拨)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from rexian.telephony.models import CallOrder, CtiSource, MissedCallCallback, token_digest
from rexian.telephony.services import (
    TelephonyInputError,
    call_link_current,
    call_link_order,
    cti_source_authenticate,
    cti_source_create,
    missed_call_callback_record,
)
from tests.conftest import register
from tests.telephony.conftest import abandoned_call, answered_call, apply, at, call

pytestmark = pytest.mark.django_db


def test_a_source_token_is_stored_only_as_its_hash(db):
    source, token = cti_source_create(code="pbx", name="主交换机")
    stored = CtiSource.objects.get()
    assert token not in (stored.token_hash, stored.token_prefix) and stored.token_hash == token_digest(token)
    assert cti_source_authenticate(token) == source
    assert cti_source_authenticate(token + "x") is None and cti_source_authenticate("") is None
    with pytest.raises(TelephonyInputError):
        cti_source_create(code="pbx", name="again")


def test_an_order_is_linked_to_the_call_it_was_taken_on(cast, lines):
    cast.operator.agent_number = "1001"
    cast.operator.save()
    now = timezone.now()
    apply(answered_call("c1", now - dt.timedelta(minutes=2), wait=5)[:3])  # answered, not ended: the operator is on it
    order = register(cast)
    link = call_link_current(actor=cast.operator, order=order)
    assert (link.call, link.order, link.linked_by) == (call("c1"), order, cast.operator)
    assert call_link_order(call=call("c1"), order=order, actor=cast.operator) == link  # idempotent
    assert CallOrder.objects.count() == 1


def test_no_current_call_no_link(cast, lines):
    order = register(cast)
    assert call_link_current(actor=cast.operator, order=order) is None


def test_a_unit_handler_may_not_link_an_order_of_another_unit(cast, lines):
    apply(answered_call("c1", at(0), wait=5))
    order = register(cast)
    with pytest.raises(PermissionDenied):
        call_link_order(call=call("c1"), order=order, actor=cast.urban_handler)


def test_a_callback_is_recorded_by_an_operator(cast, lines):
    apply(abandoned_call("c1", at(0), wait=30))
    callback = missed_call_callback_record(actor=cast.operator, call=call("c1"), outcome="reached", at=at(600),
                                           note="已回拨，市民改日再来电")
    assert (callback.operator, callback.outcome, callback.at) == (cast.operator, "reached", at(600))
    assert MissedCallCallback.objects.count() == 1


@pytest.mark.parametrize(
    "who, problem",
    [("housing_handler", PermissionDenied), ("operator", TelephonyInputError)],
)
def test_callbacks_only_by_centre_staff_and_only_for_missed_calls(cast, lines, who, problem):
    apply(answered_call("c1", at(0), wait=5))
    target = call("c1") if who == "operator" else None
    if target is None:
        apply(abandoned_call("c2", at(0), wait=30))
        target = call("c2")
    with pytest.raises(problem):
        missed_call_callback_record(actor=getattr(cast, who), call=target, outcome="reached")


def test_a_callback_needs_a_known_outcome_a_number_and_a_time_after_the_miss(cast, lines):
    apply(abandoned_call("c1", at(0), wait=30) + abandoned_call("anon", at(0), wait=30, caller=""))
    with pytest.raises(TelephonyInputError):
        missed_call_callback_record(actor=cast.operator, call=call("c1"), outcome="maybe")
    with pytest.raises(TelephonyInputError):
        missed_call_callback_record(actor=cast.operator, call=call("anon"), outcome="reached")
    with pytest.raises(TelephonyInputError):
        missed_call_callback_record(actor=cast.operator, call=call("c1"), outcome="reached", at=at(10))

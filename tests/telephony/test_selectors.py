"""Telephony reads: the operator's current call, the screen pop and the missed-call callback list (漏接回拨)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from rexian.privacy.models import PersonalDataAccess
from rexian.telephony.models import MissedCallCallback
from rexian.telephony.selectors import (
    current_call_for,
    missed_call_by_id,
    missed_call_figures,
    missed_call_page,
    missed_call_phone,
    missed_calls,
    screen_pop_for,
)
from tests.conftest import register
from tests.telephony.conftest import abandoned_call, answered_call, apply, at, call, day_bounds, ev

pytestmark = pytest.mark.django_db


@pytest.fixture
def on_the_phone(cast, lines):
    """The operator (agent 1001) has a call from 138****8000 ringing at their seat; the caller has an earlier order."""
    cast.operator.agent_number = "1001"
    cast.operator.save()
    earlier = register(cast, caller_phone="13812348000")
    now = timezone.now()
    apply([ev("offered", now - dt.timedelta(seconds=20), "live", caller="13812348000", line="12345"),
           ev("queued", now - dt.timedelta(seconds=18), "live"),
           ev("ringing", now - dt.timedelta(seconds=3), "live", agent="1001")])
    return cast, earlier, now


def test_the_screen_pop_shows_the_ringing_callers_history(on_the_phone):
    cast, earlier, _ = on_the_phone
    pop = screen_pop_for(cast.operator)
    assert pop.ringing and pop.call.call_id == "live"
    assert pop.caller_masked == "138****8000"
    assert [row.order for row in pop.history] == [earlier]
    assert pop.history[0].caller.phone == "138****8000"  # masked in the list, as caller_history gives it
    assert pop.calls_last_30_days == 1 and pop.line_name.startswith("12345")


def test_the_screen_pop_stays_while_the_operator_talks_and_goes_when_the_call_ends(on_the_phone):
    cast, _, now = on_the_phone
    apply([ev("answered", now - dt.timedelta(seconds=1), "live", agent="1001")])
    pop = screen_pop_for(cast.operator)
    assert not pop.ringing and pop.call.call_id == "live"
    assert current_call_for(cast.operator).call_id == "live"
    apply([ev("ended", now, "live")])
    assert screen_pop_for(cast.operator) is None and current_call_for(cast.operator) is None


def test_no_screen_pop_for_another_seat_or_unit_staff(on_the_phone):
    cast, _, _ = on_the_phone
    assert screen_pop_for(cast.dispatcher) is None  # no agent number, no phone
    with pytest.raises(PermissionDenied):
        screen_pop_for(cast.housing_handler)


# --- Missed calls ---------------------------------------------------------------------------------------------------


@pytest.fixture
def missed_day(cast, lines):
    """Callers A-J on 18 March (see each line); callbacks by the operator."""
    apply([
        *abandoned_call("a1", at(0), wait=30, caller="13800000001"),  # A abandons, then gets through: no callback
        *answered_call("a2", at(minutes=10), wait=5, caller="13800000001"),
        *abandoned_call("b1", at(0), wait=30, caller="13800000002"),  # B abandons twice: one entry, the later
        *abandoned_call("b2", at(minutes=5), wait=30, caller="13800000002"),
        *abandoned_call("c1", at(0), wait=30, caller="13800000003"),  # C: a later short abandon changes nothing
        *abandoned_call("c2", at(minutes=2), wait=2, caller="13800000003"),
        *abandoned_call("d1", at(0), wait=30, caller="13800000004"),  # D gets through two days later: too late
        *answered_call("d2", at(days=2), wait=5, caller="13800000004"),
        *abandoned_call("e1", at(0), wait=3, caller="13800000005"),  # E: a short abandon, not a missed call
        *abandoned_call("f1", at(0), wait=300, caller="13800000006", reason="timeout"),  # F: let go by the queue
        *abandoned_call("g1", at(0), wait=30, caller=""),  # anonymous: cannot be called back
        *abandoned_call("h1", at(0), wait=30, caller="13800000008"),  # H: reached by a callback in 10 min
        *abandoned_call("i1", at(0), wait=30, caller="13800000009"),  # I: three failed tries, the first late
        *abandoned_call("j1", at(0), wait=30, caller="13800000010"),  # J: one failed try in time
    ])
    for call_id, outcome, minutes in (("h1", "reached", 10), ("i1", "no_answer", 40), ("i1", "no_answer", 60),
                                      ("i1", "no_answer", 90), ("j1", "no_answer", 20)):
        missed = call(call_id)
        MissedCallCallback.objects.create(call=missed, operator=cast.operator, outcome=outcome,
                                          at=missed.abandoned_at + dt.timedelta(minutes=minutes))
    return cast


def test_the_list_has_one_entry_per_missed_caller_who_did_not_get_through(missed_day):
    listed = [c.call_id for c in missed_calls(start=day_bounds()[0], end=day_bounds()[1], open_only=False)]
    assert sorted(listed) == ["b2", "c1", "d1", "f1", "h1", "i1", "j1"]


def test_the_open_list_leaves_out_reached_callers_and_those_tried_enough(missed_day):
    listed = {c.call_id: c for c in missed_calls(start=day_bounds()[0], end=day_bounds()[1])}
    assert sorted(listed) == ["b2", "c1", "d1", "f1", "j1"]
    assert listed["j1"].callback_attempts == 1 and not listed["j1"].callback_done
    assert listed["j1"].first_callback_at == listed["j1"].missed_at + dt.timedelta(minutes=20)
    assert listed["b2"].callback_attempts == 0 and listed["b2"].first_callback_at is None


def test_a_page_of_the_list_says_whether_another_follows_and_each_calls_last_outcome(missed_day):
    start, end = day_bounds()
    first, more = missed_call_page(start=start, end=end, open_only=False, page_size=4)
    second, after = missed_call_page(start=start, end=end, open_only=False, page=2, page_size=4)
    assert (len(first), more, len(second), after) == (4, True, 3, False)
    outcomes = {c.call_id: c.last_outcome for c in first + second}
    assert (outcomes["h1"], outcomes["i1"], outcomes["b2"]) == ("reached", "no_answer", None)
    assert missed_call_by_id(call("h1").pk) == call("h1")
    assert missed_call_by_id(call("a2").pk) is None  # answered
    assert missed_call_by_id(call("g1").pk) is None  # no number to call back


def test_the_share_called_back_in_time(missed_day, settings):
    figures = missed_call_figures(start=day_bounds()[0], end=day_bounds()[1])
    assert (figures.missed, figures.called_back, figures.called_back_in_time, figures.reached) == (7, 3, 2, 1)
    assert figures.called_back_in_time_rate == pytest.approx(2 / 7)
    settings.MISSED_CALL_CALLBACK_MINUTES = 45
    assert missed_call_figures(start=day_bounds()[0], end=day_bounds()[1]).called_back_in_time == 3


def test_the_window_for_getting_through_is_a_setting(missed_day, settings):
    settings.MISSED_CALL_WINDOW_HOURS = 72
    listed = [c.call_id for c in missed_calls(start=day_bounds()[0], end=day_bounds()[1], open_only=False)]
    assert "d1" not in listed


def test_the_number_to_call_back_is_shown_to_the_operator_and_the_read_logged(missed_day):
    cast = missed_day
    assert missed_call_phone(user=cast.operator, call=call("j1")) == "13800000010"
    log = PersonalDataAccess.objects.get()
    assert (log.user, log.subject_type, log.subject_id, log.fields) == (cast.operator, "call", str(call("j1").pk),
                                                                        "phone")
    with pytest.raises(PermissionDenied):
        missed_call_phone(user=cast.housing_handler, call=call("j1"))

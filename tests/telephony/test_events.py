"""The engine: events stored once, calls and agents' states rebuilt from all their events in time order."""

from __future__ import annotations

import random

import pytest

from rexian.privacy import crypto
from rexian.telephony.events import agent_from_channel, call_fold
from rexian.telephony.models import Agent, AgentInterval, AgentState, Call, CallEvent, Outcome
from tests import factories as f
from tests.telephony.conftest import abandoned_call, answered_call, apply, at, call, ev

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "channel, agent",
    [
        ("SIP/1001-0000001b", "1001"),
        ("PJSIP/1002-00000a3c", "1002"),
        ("Local/1003@agents-00000012;1", "1003"),
        ("Agent/1004", "1004"),
        ("SIP/1005", "1005"),
        ("NONE", ""),
        ("", ""),
    ],
)
def test_agent_number_is_read_from_the_channel_name(channel, agent):
    assert agent_from_channel(channel) == agent


def test_an_answered_call_has_its_wait_talk_agent_and_line(lines):
    operator = f.UserFactory(username="op1", agent_number="1001")
    apply(answered_call("c1", at(0), wait=12, talk=200, wrap=30))
    c = call("c1")
    assert (c.outcome, c.wait_seconds, c.talk_seconds, c.wrap_seconds) == (Outcome.ANSWERED, 12, 200, 30)
    assert (c.agent_number, c.agent, c.line, c.event_count) == ("1001", operator, lines["12345"], 4)
    assert (c.offered_at, c.queued_at, c.answered_at, c.ended_at) == (at(0), at(0), at(12), at(212))


def test_caller_numbers_are_stored_encrypted_with_a_lookup_hash_never_in_clear(lines):
    apply(answered_call("c1", at(0), wait=5, caller="+86 138-1234-8000"))
    c = call("c1")
    assert c.caller == "13812348000"
    assert c.caller_hash == crypto.phone_hash("13812348000")
    raw_call = Call.objects.filter(pk=c.pk).values_list("caller", flat=True).query
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(str(raw_call))
        stored = cursor.fetchone()[0]
        cursor.execute("SELECT caller, data FROM telephony_callevent WHERE kind = 'offered'")
        event_caller, event_data = cursor.fetchone()
    assert stored.startswith("v1:") and "13812348000" not in stored
    assert event_caller.startswith("v1:") and "1381234" not in str(event_data)


def test_events_arriving_out_of_order_give_the_same_call_as_in_order(lines):
    events = answered_call("c1", at(0), wait=9, talk=60) + [ev("transferred", at(40), "c1", target="12333")]
    apply(events)
    in_order = Call.objects.filter(call_id="c1").values().get()
    for n, shuffled in enumerate(range(5)):
        rng = random.Random(shuffled)
        copy = [ev(e.kind, e.at, f"x{n}", agent=e.agent, caller=e.caller, **e.data) for e in events]
        rng.shuffle(copy)
        for one in copy:  # one request per event, in a random order
            apply([one])
        again = Call.objects.filter(call_id=f"x{n}").values().get()
        for key in ("outcome", "offered_at", "queued_at", "answered_at", "ended_at", "wait_seconds", "talk_seconds",
                    "agent_number", "transferred", "transferred_to", "line_id", "caller_hash", "event_count"):
            assert again[key] == in_order[key], key


def test_a_late_answer_turns_an_ended_call_into_an_answered_one(lines):
    apply([ev("offered", at(0), "c1", caller="13800000001"), ev("ended", at(100), "c1")])
    assert call("c1").outcome == Outcome.ABANDONED  # ended before anyone answered, as far as we know
    apply([ev("answered", at(20), "c1", agent="1001")])
    c = call("c1")
    assert (c.outcome, c.abandoned_at, c.wait_seconds, c.talk_seconds) == (Outcome.ANSWERED, None, 20, 80)


def test_a_duplicate_event_is_counted_and_changes_nothing(lines):
    events = answered_call("c1", at(0), wait=5)
    first = apply(events)
    before = Call.objects.filter(call_id="c1").values().get()
    again = apply(events + [events[0]])
    assert (first.accepted, first.duplicates) == (4, 0)
    assert (again.accepted, again.duplicates, again.calls) == (0, 5, 0)
    assert Call.objects.filter(call_id="c1").values().get() == before  # not even updated_at moved
    assert CallEvent.objects.count() == 4


def test_the_same_event_id_from_another_source_is_another_event(lines):
    apply([ev("offered", at(0), "c1", event_id="same")], source="a")
    result = apply([ev("offered", at(0), "c1", event_id="same")], source="b")
    assert result.accepted == 1 and Call.objects.count() == 2


def test_abandonment_reasons_of_the_queue_are_unanswered_not_abandoned(lines):
    apply(abandoned_call("gone", at(0), wait=30) + abandoned_call("timeout", at(0), wait=300, reason="timeout"))
    assert call("gone").outcome == Outcome.ABANDONED and call("gone").wait_seconds == 30
    assert call("timeout").outcome == Outcome.UNANSWERED


def test_a_call_still_ringing_is_in_progress(lines):
    apply([ev("offered", at(0), "c1"), ev("queued", at(2), "c1"), ev("ringing", at(5), "c1", agent="1001")])
    c = call("c1")
    assert (c.outcome, c.presented_to, c.agent_number) == (Outcome.IN_PROGRESS, "1001", "")


def test_a_dialled_did_ending_in_a_line_number_is_that_line(lines):
    apply([ev("offered", at(0), "c1", line="052312345"), ev("offered", at(0), "c2", line="99999")])
    assert call("c1").line == lines["12345"] and call("c1").dialled == "052312345"
    assert call("c2").line is None and call("c2").dialled == "99999"


def test_fold_prefers_the_queue_over_the_cdr_for_the_outcome():
    """Asterisk writes ANSWERED in the CDR when the IVR answered; queue_log knows the caller gave up."""
    from rexian.telephony.events import Event

    cdr = Event("cdr1", "cdr", at(0), "c1", "", "13800000001", {}, summary={
        "line": "12345", "agent": "1001", "disposition": "ANSWERED", "answer_at": at(3), "end_at": at(90)})
    queued = Event("q1", "queued", at(5), "c1", "", "", {})
    gave_up = Event("q2", "abandoned", at(60), "c1", "", "", {"reason": "hangup"})
    state = call_fold([gave_up, cdr, queued])
    assert (state["outcome"], state["wait_seconds"], state["ended_at"]) == (Outcome.ABANDONED, 55, at(90))
    assert state["dialled"] == "12345" and state["caller"] == "13800000001"
    assert call_fold([cdr])["outcome"] == Outcome.ANSWERED  # the CDR alone says answered


# --- Agents -----------------------------------------------------------------------------------------------


def _ready_seconds(number: str) -> float:
    return sum(AgentInterval.objects.filter(agent__agent_number=number, state=AgentState.READY,
                                            ended_at__isnull=False).values_list("seconds", flat=True))


def test_agent_states_become_intervals_cut_at_half_hours(db):
    user = f.UserFactory(username="op1", agent_number="1001")
    apply([
        ev("agent_login", at(minutes=10), agent="1001"),
        ev("not_ready", at(minutes=50), agent="1001", reason="lunch"),
        ev("ready", at(minutes=70), agent="1001"),
        ev("agent_logout", at(minutes=100), agent="1001"),
    ])
    pieces = list(AgentInterval.objects.order_by("started_at").values_list("state", "started_at", "ended_at"))
    assert pieces == [
        ("ready", at(minutes=10), at(minutes=30)), ("ready", at(minutes=30), at(minutes=50)),
        ("not_ready", at(minutes=50), at(minutes=60)), ("not_ready", at(minutes=60), at(minutes=70)),
        ("ready", at(minutes=70), at(minutes=90)), ("ready", at(minutes=90), at(minutes=100)),
    ]
    agent = Agent.objects.get(agent_number="1001")
    assert (agent.user, agent.state, agent.state_since) == (user, AgentState.LOGGED_OUT, at(minutes=100))
    assert _ready_seconds("1001") == 70 * 60


def test_agent_events_out_of_order_rebuild_the_same_intervals(db):
    events = [
        ev("agent_login", at(0), agent="7"), ev("not_ready", at(minutes=20), agent="7"),
        ev("ready", at(minutes=25), agent="7"), ev("agent_logout", at(minutes=95), agent="7"),
    ]
    for e in (events[3], events[0], events[2], events[1]):
        apply([e])
    assert _ready_seconds("7") == 90 * 60
    assert AgentInterval.objects.filter(ended_at__isnull=True).count() == 0
    assert list(AgentInterval.objects.filter(state="not_ready").values_list("seconds", flat=True)) == [300]


def test_the_current_state_is_one_open_interval(db):
    apply([ev("agent_login", at(0), agent="7"), ev("not_ready", at(minutes=45), agent="7")])
    open_piece = AgentInterval.objects.get(ended_at__isnull=True)
    assert (open_piece.state, open_piece.started_at) == ("not_ready", at(minutes=45))
    assert Agent.objects.get(agent_number="7").state == AgentState.NOT_READY


@pytest.mark.django_db
def test_an_agents_events_are_read_through_the_partial_agent_index():
    from django.db import connection

    from rexian.telephony.events import agent_events_of

    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL's planner decides from its statistics; SQLite's rule is what this guards")
    plan = agent_events_of("1001").filter(occurred_at__lt=at(0)).order_by("-occurred_at").explain()
    assert "call_event_agent" in plan and "SCAN" not in plan.replace("USING INDEX", "")

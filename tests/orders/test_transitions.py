"""The declared lifecycle table (rexian/orders/transitions.py) on its own, without the database."""

from __future__ import annotations

import pytest

from rexian.orders.transitions import (
    FINAL_STATES,
    OPEN_STATES,
    TRANSITIONS,
    Action,
    InvalidTransition,
    State,
    allowed_actions,
    check_transition,
    replay,
)

S, A = State, Action

DECLARED = [
    (action, from_state, to_state)
    for action, table in TRANSITIONS.items()
    for from_state, targets in table.items()
    for to_state in targets
]
DECLARED_SET = set(DECLARED)
UNDECLARED = [
    (action, from_state, to_state)
    for action in Action.values
    for from_state in ["", *State.values]
    for to_state in State.values
    if (action, from_state, to_state) not in DECLARED_SET
]

# PRODUCT.md, "The lifecycle": the table every service must honour, written out independently.
PRODUCT_TABLE = {
    (A.REGISTER, "", S.REGISTERED),
    (A.ANSWER_ON_SPOT, S.REGISTERED, S.AWAITING_CALLBACK),
    (A.ANSWER_ON_SPOT, S.REGISTERED, S.CLOSED),
    (A.SEND_TO_DISPATCH, S.REGISTERED, S.PENDING_DISPATCH),
    (A.DISPATCH, S.PENDING_DISPATCH, S.DISPATCHED),
    (A.SIGN, S.DISPATCHED, S.IN_PROGRESS),
    (A.REQUEST_RETURN, S.DISPATCHED, S.RETURN_REQUESTED),
    (A.REQUEST_RETURN, S.IN_PROGRESS, S.RETURN_REQUESTED),
    (A.APPROVE_RETURN, S.RETURN_REQUESTED, S.PENDING_DISPATCH),
    (A.REJECT_RETURN, S.RETURN_REQUESTED, S.DISPATCHED),
    (A.REJECT_RETURN, S.RETURN_REQUESTED, S.IN_PROGRESS),
    (A.REQUEST_EXTENSION, S.IN_PROGRESS, S.IN_PROGRESS),
    (A.APPROVE_EXTENSION, S.IN_PROGRESS, S.IN_PROGRESS),
    (A.REJECT_EXTENSION, S.IN_PROGRESS, S.IN_PROGRESS),
    (A.REPLY, S.IN_PROGRESS, S.REPLIED),
    (A.ACCEPT_REPLY, S.REPLIED, S.AWAITING_CALLBACK),
    (A.REJECT_REPLY, S.REPLIED, S.IN_PROGRESS),
    (A.CALLBACK, S.AWAITING_CALLBACK, S.CLOSED),
    (A.CALLBACK, S.AWAITING_CALLBACK, S.REOPENED),
    (A.CALLBACK_FAILED, S.AWAITING_CALLBACK, S.CLOSED),
    (A.REHANDLE, S.REOPENED, S.IN_PROGRESS),
    # PRODUCT.md's re-handle returns the order to its unit; one answered on the spot has none and
    # goes to the dispatchers instead (a dissatisfied on-the-spot answer must not be a dead end).
    (A.REHANDLE, S.REOPENED, S.PENDING_DISPATCH),
    # PRODUCT.md: "Dissatisfied answers go to a dispatcher who decides to reopen (重办)": the other decision is
    # to close without re-handling (维持办结, e.g. a demand without legal basis), with a reason.
    (A.UPHOLD, S.REOPENED, S.CLOSED),
    *((A.MERGE, state, S.MERGED) for state in OPEN_STATES),
    *((A.VOID, state, S.VOIDED) for state in OPEN_STATES),
}


def test_every_lifecycle_step_of_the_product_is_declared():
    assert PRODUCT_TABLE <= DECLARED_SET


def test_every_declared_state_change_is_one_of_the_product_lifecycle():
    """Steps that move the order are exactly PRODUCT.md's; the rest record something and keep the state."""
    moving = {(a, f, t) for a, f, t in DECLARED if f != t}
    assert moving == {(a, f, t) for a, f, t in PRODUCT_TABLE if f != t}


def test_open_and_final_states_partition_the_states():
    assert OPEN_STATES | FINAL_STATES == set(State.values)
    assert not OPEN_STATES & FINAL_STATES


def test_nothing_leaves_a_final_state_except_attaching_to_a_closed_order():
    for action, from_state, to_state in DECLARED:
        if from_state in FINAL_STATES:
            assert (action, from_state, to_state) == (A.ATTACH, S.CLOSED, S.CLOSED)


@pytest.mark.parametrize(("action", "from_state", "to_state"), DECLARED)
def test_check_transition_accepts_every_declared_step(action, from_state, to_state):
    check_transition(number="20260101-000001", action=action, from_state=from_state, to_state=to_state)


def test_check_transition_rejects_every_undeclared_step():
    assert UNDECLARED  # the table is not everything-to-everything
    for action, from_state, to_state in UNDECLARED:
        with pytest.raises(InvalidTransition):
            check_transition(number="20260101-000001", action=action, from_state=from_state, to_state=to_state)


def test_check_transition_refuses_an_unknown_action():
    # A programming error, not a user's: refused, though not necessarily as InvalidTransition.
    with pytest.raises((InvalidTransition, ValueError)):
        check_transition(number="X", action="teleport", from_state=S.REGISTERED, to_state=S.CLOSED)


def test_invalid_transition_names_the_order_state_and_action_in_chinese():
    with pytest.raises(InvalidTransition) as caught:
        check_transition(number="20260101-000007", action=A.SIGN, from_state=S.CLOSED, to_state=S.IN_PROGRESS)
    error = caught.value
    assert str(error) == "工单 20260101-000007 当前状态为「已办结」，不能执行「签收」。"
    assert error.message == str(error)
    assert (error.number, error.action, error.from_state, error.to_state) == (
        "20260101-000007", A.SIGN, S.CLOSED, S.IN_PROGRESS,
    )


def test_invalid_transition_from_nothing_calls_the_state_new():
    with pytest.raises(InvalidTransition) as caught:
        check_transition(number="X", action=A.DISPATCH, from_state="", to_state=S.DISPATCHED)
    assert "「新建」" in str(caught.value)
    assert "「派单」" in str(caught.value)


def test_a_state_may_not_be_reached_by_the_wrong_target_of_a_declared_action():
    with pytest.raises(InvalidTransition):
        check_transition(number="X", action=A.SEND_TO_DISPATCH, from_state=S.REGISTERED, to_state=S.DISPATCHED)


ORDINARY_LIFE = [
    (A.REGISTER, "", S.REGISTERED),
    (A.SEND_TO_DISPATCH, S.REGISTERED, S.PENDING_DISPATCH),
    (A.DISPATCH, S.PENDING_DISPATCH, S.DISPATCHED),
    (A.SIGN, S.DISPATCHED, S.IN_PROGRESS),
    (A.REQUEST_EXTENSION, S.IN_PROGRESS, S.IN_PROGRESS),
    (A.APPROVE_EXTENSION, S.IN_PROGRESS, S.IN_PROGRESS),
    (A.REPLY, S.IN_PROGRESS, S.REPLIED),
    (A.ACCEPT_REPLY, S.REPLIED, S.AWAITING_CALLBACK),
    (A.CALLBACK, S.AWAITING_CALLBACK, S.REOPENED),
    (A.REHANDLE, S.REOPENED, S.IN_PROGRESS),
    (A.REPLY, S.IN_PROGRESS, S.REPLIED),
    (A.ACCEPT_REPLY, S.REPLIED, S.AWAITING_CALLBACK),
    (A.CALLBACK_FAILED, S.AWAITING_CALLBACK, S.AWAITING_CALLBACK),
    (A.CALLBACK_FAILED, S.AWAITING_CALLBACK, S.CLOSED),
    (A.ATTACH, S.CLOSED, S.CLOSED),
]


def test_replay_of_a_good_history_gives_the_state_it_ends_in():
    assert replay(ORDINARY_LIFE) == S.CLOSED


def test_replay_of_no_events_is_no_state():
    assert replay([]) == ""


def test_replay_reads_objects_with_action_and_states():
    class Event:
        def __init__(self, action, from_state, to_state):
            self.action, self.from_state, self.to_state = action, from_state, to_state

    assert replay([Event(*step) for step in ORDINARY_LIFE[:3]]) == S.DISPATCHED


def test_replay_refuses_a_history_that_does_not_start_with_registration():
    with pytest.raises(InvalidTransition):
        replay(ORDINARY_LIFE[1:])


def test_replay_refuses_a_gap_between_events():
    broken = ORDINARY_LIFE[:2] + ORDINARY_LIFE[3:]  # dispatched without the dispatch
    with pytest.raises(InvalidTransition) as caught:
        replay(broken)
    assert caught.value.from_state == S.PENDING_DISPATCH


def test_replay_refuses_an_undeclared_step():
    with pytest.raises(InvalidTransition):
        replay([(A.REGISTER, "", S.REGISTERED), (A.REPLY, S.REGISTERED, S.REPLIED)])


def test_replay_refuses_an_event_out_of_a_final_state():
    closed = [(A.REGISTER, "", S.REGISTERED), (A.VOID, S.REGISTERED, S.VOIDED)]
    with pytest.raises(InvalidTransition):
        replay([*closed, (A.SEND_TO_DISPATCH, S.VOIDED, S.PENDING_DISPATCH)])


def test_allowed_actions_from_registered():
    assert set(allowed_actions(S.REGISTERED)) == {
        A.ANSWER_ON_SPOT, A.SEND_TO_DISPATCH, A.AMEND, A.MERGE, A.VOID, A.ESCALATE, A.ATTACH,
    }


def test_the_record_is_amended_only_before_dispatch_and_keeps_the_state():
    assert TRANSITIONS[A.AMEND] == {
        S.REGISTERED: frozenset({S.REGISTERED}),
        S.PENDING_DISPATCH: frozenset({S.PENDING_DISPATCH}),
    }


def test_a_reopened_order_is_either_rehandled_or_upheld_and_closed():
    assert set(allowed_actions(S.REOPENED)) == {
        A.REHANDLE, A.UPHOLD, A.MERGE, A.VOID, A.ESCALATE, A.ATTACH,
    }
    assert TRANSITIONS[A.UPHOLD] == {S.REOPENED: frozenset({S.CLOSED})}


def test_replay_of_an_amended_order_closed_by_upholding_its_handling():
    life = [
        (A.REGISTER, "", S.REGISTERED),
        (A.AMEND, S.REGISTERED, S.REGISTERED),
        (A.SEND_TO_DISPATCH, S.REGISTERED, S.PENDING_DISPATCH),
        (A.AMEND, S.PENDING_DISPATCH, S.PENDING_DISPATCH),
        *ORDINARY_LIFE[2:9],  # dispatch … a dissatisfied callback
        (A.UPHOLD, S.REOPENED, S.CLOSED),
    ]
    assert replay(life) == S.CLOSED


def test_allowed_actions_while_a_unit_handles_the_order():
    assert set(allowed_actions(S.IN_PROGRESS)) == {
        A.SIGN, A.RESPOND, A.REQUEST_RETURN, A.REQUEST_EXTENSION, A.APPROVE_EXTENSION, A.REJECT_EXTENSION,
        A.REPLY, A.MERGE, A.VOID, A.ESCALATE, A.ATTACH,
    }


def test_allowed_actions_from_a_closed_order_is_only_attaching():
    assert allowed_actions(S.CLOSED) == [A.ATTACH]


@pytest.mark.parametrize("state", [S.MERGED, S.VOIDED])
def test_nothing_is_allowed_on_a_merged_or_voided_order(state):
    assert allowed_actions(state) == []


def test_allowed_actions_from_nothing_is_registering():
    assert allowed_actions("") == [A.REGISTER]


@pytest.mark.parametrize("state", sorted(OPEN_STATES))
def test_every_open_state_may_be_merged_voided_and_escalated(state):
    assert {A.MERGE, A.VOID, A.ESCALATE} <= set(allowed_actions(state))

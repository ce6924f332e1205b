"""Property tests of the work-order state machine: random people try random lifecycle steps.

Hypothesis drives a few orders through sequences of (actor, action, input)
attempts, most of them plausible (an action the state allows, by someone who
might take it), some arbitrary. Every attempt must either succeed as one
declared, recorded step, or be refused with PermissionDenied, InvalidTransition
or OrderInputError and write nothing. After every step the order must still
tell one consistent story (see `check_order`).

Each Hypothesis run happens inside a savepoint that is rolled back afterwards,
so runs share the named cast (created once per test) but no orders.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from rexian.orders import access, services
from rexian.orders.models import (
    Assignment,
    Callback,
    ExtensionRequest,
    OrderEvent,
    ReturnRequest,
    WorkOrder,
)
from rexian.orders.services import OrderInputError
from rexian.orders.transitions import (
    FINAL_STATES,
    OPEN_STATES,
    TRANSITIONS,
    Action,
    InvalidTransition,
    State,
    allowed_actions,
    replay,
)
from rexian.units.models import Role
from tests import factories as f
from tests.conftest import register

S, A = State, Action
REFUSALS = (PermissionDenied, InvalidTransition, OrderInputError)

# The steps a person can try (registering and attaching are tested elsewhere; escalation is the worker's).
ACTIONS = [
    A.ANSWER_ON_SPOT, A.SEND_TO_DISPATCH, A.AMEND, A.DISPATCH, A.SIGN, A.RESPOND, A.REQUEST_RETURN,
    A.APPROVE_RETURN, A.REJECT_RETURN, A.REQUEST_EXTENSION, A.APPROVE_EXTENSION, A.REJECT_EXTENSION, A.REPLY,
    A.ACCEPT_REPLY, A.REJECT_REPLY, A.CALLBACK, A.CALLBACK_FAILED, A.REHANDLE, A.UPHOLD, A.MERGE, A.VOID,
]
# Steps that end an order at once: offered less often, so that orders live long enough to go round the loop.
SHORTCUTS = {A.ANSWER_ON_SPOT, A.MERGE, A.VOID}
MEMBERS = [
    "operator", "dispatcher", "supervisor", "inspector", "leader", "admin",
    "housing_handler", "housing_admin", "urban_handler", "community_handler",
]
UNIT_ACTIONS = {A.SIGN, A.RESPOND, A.REQUEST_RETURN, A.REQUEST_EXTENSION, A.REPLY}
LEAD_ONLY = {A.RESPOND, A.REQUEST_RETURN, A.REQUEST_EXTENSION}
# PRODUCT.md's "who" column, written out on its own (supervisors run the floor and may act for the centre).
WHO = {
    A.ANSWER_ON_SPOT: {Role.OPERATOR, Role.SUPERVISOR},
    A.SEND_TO_DISPATCH: {Role.OPERATOR, Role.SUPERVISOR},
    A.AMEND: {Role.OPERATOR, Role.DISPATCHER, Role.SUPERVISOR},  # narrowed by the state: AMEND_WHO
    A.DISPATCH: {Role.DISPATCHER, Role.SUPERVISOR},
    **{action: {Role.UNIT_HANDLER, Role.UNIT_ADMIN} for action in UNIT_ACTIONS},
    **{
        action: {Role.DISPATCHER, Role.SUPERVISOR}
        for action in (A.APPROVE_RETURN, A.REJECT_RETURN, A.APPROVE_EXTENSION, A.REJECT_EXTENSION,
                       A.ACCEPT_REPLY, A.REJECT_REPLY, A.REHANDLE, A.UPHOLD)
    },
    A.CALLBACK: {Role.OPERATOR, Role.SUPERVISOR},
    A.CALLBACK_FAILED: {Role.OPERATOR, Role.SUPERVISOR},
    A.MERGE: {Role.OPERATOR, Role.DISPATCHER, Role.SUPERVISOR},
    A.VOID: {Role.SUPERVISOR},
}
# 补充登记 by the staff of the queue the order waits in: operators review registrations, dispatchers dispatch.
AMEND_WHO = {S.REGISTERED: {Role.OPERATOR, Role.SUPERVISOR}, S.PENDING_DISPATCH: {Role.DISPATCHER, Role.SUPERVISOR}}
# The centre member who would ordinarily take each centre step.
USUAL = {
    A.ANSWER_ON_SPOT: "operator", A.SEND_TO_DISPATCH: "operator", A.DISPATCH: "dispatcher", A.UPHOLD: "dispatcher",
    A.APPROVE_RETURN: "dispatcher", A.REJECT_RETURN: "dispatcher", A.APPROVE_EXTENSION: "dispatcher",
    A.REJECT_EXTENSION: "dispatcher", A.ACCEPT_REPLY: "dispatcher", A.REJECT_REPLY: "dispatcher",
    A.CALLBACK: "operator", A.CALLBACK_FAILED: "operator", A.REHANDLE: "dispatcher", A.MERGE: "operator",
    A.VOID: "supervisor",
}
# States in which units work on the order (PRODUCT.md: dispatched to the reply's review); units have open
# assignments exactly then.
UNIT_STATES = {S.DISPATCHED, S.IN_PROGRESS, S.RETURN_REQUESTED, S.REPLIED}
LEAD_STATUS = {
    S.DISPATCHED: Assignment.Status.DISPATCHED,
    S.IN_PROGRESS: Assignment.Status.SIGNED,
    S.REPLIED: Assignment.Status.REPLIED,
}


def onward_actions(order: WorkOrder) -> list[str]:
    """The steps that move an order on along the ordinary loop (first the likeliest)."""
    if order.state == S.IN_PROGRESS:
        if order.pending_extension:
            return [A.APPROVE_EXTENSION, A.REJECT_EXTENSION, A.REPLY]
        return [A.REPLY, A.REQUEST_EXTENSION, A.SIGN]
    if order.state == S.REGISTERED:
        # A request without a category is completed (补充登记) before it can go to dispatch.
        return [A.AMEND] if order.category_id is None else [A.SEND_TO_DISPATCH, A.AMEND]
    return {
        S.PENDING_DISPATCH: [A.DISPATCH, A.AMEND],
        S.DISPATCHED: [A.SIGN, A.RESPOND],
        S.RETURN_REQUESTED: [A.REJECT_RETURN, A.APPROVE_RETURN],
        S.REPLIED: [A.ACCEPT_REPLY, A.REJECT_REPLY],
        S.AWAITING_CALLBACK: [A.CALLBACK, A.CALLBACK_FAILED],
        # Round the loop again (重办), or the dispatcher closes it as it is (维持办结).
        S.REOPENED: [A.REHANDLE, A.UPHOLD],
    }.get(order.state, [])


def plausible_actions(state: str, *, shortcuts: bool) -> list[str]:
    return [a for a in allowed_actions(state) if a in ACTIONS and (a in SHORTCUTS) == shortcuts]


# --- What one order looks like from the outside ------------------------------------------------


def snapshot(pk: int) -> tuple:
    order = WorkOrder.objects.filter(pk=pk).values().get()
    return (
        order,
        list(
            OrderEvent.objects.filter(order_id=pk)
            .order_by("seq")
            .values_list("seq", "action", "from_state", "to_state")
        ),
        list(Assignment.objects.filter(order_id=pk).order_by("pk").values()),
        list(ReturnRequest.objects.filter(order_id=pk).order_by("pk").values()),
        list(ExtensionRequest.objects.filter(order_id=pk).order_by("pk").values()),
        Callback.objects.filter(order_id=pk).count(),
        WorkOrder.objects.filter(master_id=pk).count(),
    )


def running_clocks(order: WorkOrder) -> list[tuple[dt.datetime, str]]:
    """The deadlines the order's state runs against (docs/lifecycle.md, "The live clock")."""
    if order.state in (S.DISPATCHED, S.IN_PROGRESS):
        clocks = []
        if order.first_response_deadline and not order.first_responded_at:
            clocks.append((order.first_response_deadline, "first_response"))
        if order.state == S.DISPATCHED and order.sign_deadline:
            clocks.append((order.sign_deadline, "sign"))
        if order.reply_deadline:
            clocks.append((order.reply_deadline, "reply"))
        return clocks
    if order.state == S.AWAITING_CALLBACK and order.callback_deadline:
        return [(order.callback_deadline, "callback")]
    return []


def check_live_clock(order: WorkOrder) -> None:
    """The live clock is the earliest running deadline (none has passed within a test run)."""
    clocks = running_clocks(order)
    if not clocks:
        assert (order.due_kind, order.due_at, order.due_from) == ("", None, None)
        assert not order.is_overdue
        return
    earliest = min(deadline for deadline, _ in clocks)
    assert order.due_at == earliest
    assert order.due_kind in {kind for deadline, kind in clocks if deadline == earliest}  # a tie may go either way
    assert order.due_from == (order.accepted_at if order.due_kind == "callback" else order.dispatched_at)
    assert not order.is_overdue


def check_order(pk: int) -> None:
    """Everything that must hold of an order whatever happened to it."""
    order = WorkOrder.objects.get(pk=pk)
    state = order.state
    assert state in State.values

    # The history: numbered 1..n, every step declared, chained, replaying to the state.
    events = list(order.events.order_by("seq"))
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert order.event_count == len(events)
    assert order.version == len(events)  # version 1 at registration, one more per later event
    for step in events:
        assert step.to_state in TRANSITIONS[step.action][step.from_state]
    assert replay(events) == state

    # Units work on the order exactly while it is with them, through one open lead assignment.
    open_assignments = list(order.assignments.filter(is_open=True))
    assert len({a.unit_id for a in open_assignments}) == len(open_assignments)
    if state in UNIT_STATES:
        leads = [a for a in open_assignments if a.role == Assignment.Role.LEAD]
        assert len(leads) == 1, f"{state}: open lead assignments {leads}"
        assert leads[0].unit_id == order.lead_unit_id
        lead_state = order.state_before_return if state == S.RETURN_REQUESTED else state
        assert leads[0].status == LEAD_STATUS[lead_state]
    else:
        assert open_assignments == [], f"open assignments in state {state}"
    if state in (S.REGISTERED, S.PENDING_DISPATCH):
        assert order.lead_unit_id is None
    # Each re-handling counts against the lead unit, except for an order answered on the spot (no unit yet).
    unitless_rehandles = order.events.filter(action=A.REHANDLE, to_state=S.PENDING_DISPATCH).count()
    assert sum(
        order.assignments.filter(role=Assignment.Role.LEAD).values_list("reopen_count", flat=True)
    ) + unitless_rehandles == order.reopen_count

    # Requests waiting for a decision.
    pending_returns = order.return_requests.filter(status="pending").count()
    assert pending_returns == (1 if state == S.RETURN_REQUESTED else 0)
    if state == S.RETURN_REQUESTED:
        assert order.state_before_return in (S.DISPATCHED, S.IN_PROGRESS)
    pending_extensions = order.extension_requests.filter(status="pending").count()
    assert pending_extensions == int(order.pending_extension)
    if order.pending_extension:
        assert state in (S.IN_PROGRESS, S.RETURN_REQUESTED)

    # Counters agree with the history.
    actions = [e.action for e in events]
    assert order.return_count == actions.count(A.APPROVE_RETURN)
    assert order.reopen_count == actions.count(A.REHANDLE)
    assert order.callbacks.count() == actions.count(A.CALLBACK) + actions.count(A.CALLBACK_FAILED)
    # Nothing goes to dispatch without a category, and 补充登记 never takes one away.
    if A.SEND_TO_DISPATCH in actions:
        assert order.category_id is not None
    # 维持办结 closes a dissatisfied order as such, without counting a re-handling.
    if A.UPHOLD in actions:
        assert (state, order.close_reason) == (S.CLOSED, "upheld")
        assert order.callbacks.filter(satisfaction="dissatisfied").exists()

    # Ends.
    if state in OPEN_STATES:
        assert order.closed_at is None
    else:
        assert state in FINAL_STATES
        assert order.closed_at is not None
        assert order.due_at is None
    if state == S.CLOSED:
        assert order.close_reason
    if state == S.MERGED:
        assert order.master_id not in (None, order.pk)
    else:
        assert order.master_id is None

    check_live_clock(order)


# --- The machine -----------------------------------------------------------------------------


class LifecycleMachine(RuleBasedStateMachine):
    """A few orders; each rule is one attempt by someone to do something to one of them."""

    cast = None  # set by the test before running

    def __init__(self):
        super().__init__()
        self._savepoint = transaction.atomic()
        self._savepoint.__enter__()
        self.orders: list[int] = []

    def teardown(self):
        transaction.set_rollback(True)
        self._savepoint.__exit__(None, None, None)

    @initialize(
        kinds=st.lists(
            st.tuples(
                st.sampled_from(["complaint", "consult", "report"]),
                st.sampled_from(["normal", "urgent", "critical"]),
            ),
            min_size=2, max_size=3,
        )
    )
    def register_orders(self, kinds):
        for i, (appeal_type, urgency) in enumerate(kinds):
            # The second order comes without a category, as the portal's requests may.
            order = register(
                self.cast,
                appeal_type=f.appeal_type(appeal_type),
                urgency=f.urgency(urgency),
                category=None if i == 1 else self.cast.property_service,
            )
            self.orders.append(order.pk)

    # -- choosing who does what --

    def _unit_member(self, order: WorkOrder, variant: int) -> str:
        """A unit's staff member with a part in the order (lead or assisting, as `variant` says)."""
        by_unit = {
            self.cast.housing.pk: ["housing_handler", "housing_admin"],
            self.cast.urban.pk: ["urban_handler"],
            self.cast.community.pk: ["community_handler"],
            self.cast.town.pk: ["community_handler"],  # the town has no handler: its community's is refused
        }
        units = list(
            order.assignments.filter(is_open=True).order_by("-role", "pk").values_list("unit_id", flat=True)
        ) or [self.cast.housing.pk]
        members = by_unit[units[variant % len(units)]]
        return members[variant // len(units) % len(members)]

    def _attempt(self, order: WorkOrder, action: str, actor, variant: int):
        cast = self.cast
        text = "" if variant % 7 == 6 else "情况说明"  # Hypothesis favours small numbers: keep 0 ordinary
        if action == A.ANSWER_ON_SPOT:
            return services.order_answer_on_spot(
                actor=actor, order=order, answer=text, sample_for_callback=variant % 2 == 1
            )
        if action == A.SEND_TO_DISPATCH:
            return services.order_send_to_dispatch(actor=actor, order=order)
        if action == A.AMEND:
            # Three real corrections; three refused: a blank title, a category that is not a leaf, nothing new.
            changes = [
                {"category": cast.noise, "urgency": f.urgency("urgent")},
                {"category": cast.property_service, "title": f"更正后的标题{variant}"},
                {"appeal_type": f.appeal_type("consult"), "area": None, "address": "城东街道幸福路1号"},
                {"title": "  "},
                {"category": cast.property_service.parent},
                {"title": order.title},
            ][variant % 6]
            return services.order_amend(actor=actor, order=order, **changes)
        if action == A.DISPATCH:
            leads = [cast.housing, cast.urban, cast.community, cast.housing, cast.centre]
            assisting = [[], [cast.town], [cast.urban], [cast.housing, cast.town], [cast.community, cast.urban]]
            return services.order_dispatch(
                actor=actor, order=order, lead_unit=leads[variant % 5], assisting_units=assisting[variant // 5 % 5]
            )
        if action == A.SIGN:
            return services.order_sign(actor=actor, order=order)
        if action == A.RESPOND:
            return services.order_respond(actor=actor, order=order, note=text)
        if action == A.REQUEST_RETURN:
            return services.return_request(actor=actor, order=order, reason=text)
        if action == A.APPROVE_RETURN:
            return services.return_approve(actor=actor, order=order)
        if action == A.REJECT_RETURN:
            return services.return_reject(actor=actor, order=order, reason=text)
        if action == A.REQUEST_EXTENSION:
            base = order.reply_deadline or order.registered_at
            delta = [dt.timedelta(days=5), -dt.timedelta(hours=1), dt.timedelta(days=1), dt.timedelta(days=91)]
            delta = delta[variant % 4]
            return services.extension_request(actor=actor, order=order, new_deadline=base + delta, reason=text)
        if action == A.APPROVE_EXTENSION:
            return services.extension_approve(actor=actor, order=order)
        if action == A.REJECT_EXTENSION:
            return services.extension_reject(actor=actor, order=order, reason=text)
        if action == A.REPLY:
            return services.order_reply(actor=actor, order=order, result=text)
        if action == A.ACCEPT_REPLY:
            return services.reply_accept(actor=actor, order=order)
        if action == A.REJECT_REPLY:
            return services.reply_reject(actor=actor, order=order, reason=text)
        if action == A.CALLBACK:
            satisfaction = ["satisfied", "dissatisfied", "basic", "dissatisfied", "unknown"][variant % 5]
            return services.callback_record(
                actor=actor, order=order, satisfaction=satisfaction, solved=variant % 2 == 0, responded_in_time=True,
                note=text,
            )
        if action == A.CALLBACK_FAILED:
            return services.callback_fail(actor=actor, order=order)
        if action == A.REHANDLE:
            return services.order_rehandle(actor=actor, order=order, note=text)
        if action == A.UPHOLD:
            return services.order_uphold(actor=actor, order=order, reason=text)
        if action == A.MERGE:
            master = WorkOrder.objects.get(pk=self.orders[variant % len(self.orders)])
            return services.order_merge(actor=actor, order=order, master=master)
        if action == A.VOID:
            return services.order_void(actor=actor, order=order, reason=text)
        raise AssertionError(action)

    @rule(data=st.data(), which=st.integers(0, 2), variant=st.integers(0, 59))
    def attempt(self, data, which, variant):
        pk = self.orders[which % len(self.orders)]
        order = WorkOrder.objects.get(pk=pk)
        # Mostly the onward step or another the state allows, now and then a shortcut that ends the order,
        # sometimes anything at all.
        choice = data.draw(st.integers(0, 9), label="kind of attempt")
        if choice < 5:
            plausible = onward_actions(order)
        else:
            plausible = plausible_actions(order.state, shortcuts=choice == 8)
        if choice < 9 and plausible:
            action = data.draw(st.sampled_from(plausible), label="action")
        else:
            action = data.draw(st.sampled_from(ACTIONS), label="action")
        # Mostly someone who might take it, sometimes anyone.
        if data.draw(st.integers(0, 3), label="unusual actor") < 3:
            if action in UNIT_ACTIONS:
                name = self._unit_member(order, variant)
            elif action == A.AMEND:
                name = "dispatcher" if order.state == S.PENDING_DISPATCH else "operator"
            else:
                name = USUAL[action]
        else:
            name = data.draw(st.sampled_from(MEMBERS), label="actor")
        actor = getattr(self.cast, name)

        before_all = {other: snapshot(other) for other in self.orders}
        before = before_all[pk]
        may = access.may(actor, action, order)
        acting = access.acting_assignment(actor, order)
        try:
            self._attempt(order, action, actor, variant)
        except REFUSALS as error:
            event(f"{action}: {type(error).__name__}")
            assert isinstance(error, PermissionDenied) == (not may), (action, name, error)
            for other, earlier in before_all.items():
                assert snapshot(other) == earlier, f"refused {action} by {name} wrote something: {error}"
            return
        event(f"{action}: done")
        # It succeeded: as one declared step, by someone entitled to it, recorded once.
        assert may
        assert actor.role in WHO[action], (action, name)
        if action == A.AMEND:
            assert actor.role in AMEND_WHO[before[0]["state"]], (name, before[0]["state"])
        if action in UNIT_ACTIONS:
            assert acting is not None
            if action in LEAD_ONLY:
                assert acting.role == Assignment.Role.LEAD
        after = WorkOrder.objects.get(pk=pk)
        assert after.event_count == before[0]["event_count"] + 1
        assert after.version == before[0]["version"] + 1
        recorded = after.events.get(seq=after.event_count)
        assert (recorded.action, recorded.from_state, recorded.to_state, recorded.actor_id) == (
            action, before[0]["state"], after.state, actor.pk,
        )
        if action in UNIT_ACTIONS:
            assert recorded.unit_id == acting.unit_id
        # ... and touched no other order (a merge only gains its master a merged order).
        for other, earlier in before_all.items():
            if other != pk and not (action == A.MERGE and other == after.master_id):
                assert snapshot(other) == earlier, f"{action} on {pk} changed order {other}"

    @invariant()
    def every_order_tells_one_consistent_story(self):
        for pk in self.orders:
            check_order(pk)
        states = set(WorkOrder.objects.filter(pk__in=self.orders).values_list("state", flat=True))
        for state in states:
            event(f"state reached: {state}")


@pytest.mark.slow
def test_random_attempts_keep_every_order_consistent(cast):
    LifecycleMachine.cast = cast
    try:
        run_state_machine_as_test(
            LifecycleMachine,
            settings=settings(
                max_examples=80,
                stateful_step_count=30,
                deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
            ),
        )
    finally:
        LifecycleMachine.cast = None

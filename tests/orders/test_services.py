"""The lifecycle services (rexian/orders/services.py): each step, each refusal, each event.

A refused action must write nothing: `refused()` compares a snapshot of the
order and everything hanging from it before and after the attempt.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from rexian.catalog.calendar import add_workdays
from rexian.catalog.models import Category, HotTopic
from rexian.catalog.selectors import forget_category_index
from rexian.orders import access, selectors, services
from rexian.orders.models import (
    Assignment,
    Attachment,
    Callback,
    CloseReason,
    ExtensionRequest,
    OrderEvent,
    OrderNumberSequence,
    ReturnRequest,
    WorkOrder,
)
from rexian.orders.services import AlreadyRegistered, OrderInputError
from rexian.orders.signals import order_event
from rexian.orders.transitions import TRANSITIONS, Action, InvalidTransition, State, replay
from rexian.privacy import crypto
from tests import factories as f
from tests.conftest import register

S, A = State, Action
RESULT = "已督促物业修复电梯，电梯已恢复运行。"
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)


# --- Helpers ---------------------------------------------------------------------------


def snapshot(order) -> dict:
    """Everything a lifecycle step could write about one order."""
    pk = order.pk
    row = WorkOrder.objects.filter(pk=pk).values(
        "state", "version", "event_count", "lead_unit_id", "master_id", "state_before_return", "pending_extension",
        "return_count", "reopen_count", "callback_attempts", "sign_deadline", "first_response_deadline",
        "reply_deadline", "callback_deadline", "due_kind", "due_from", "due_at", "due_escalated", "is_overdue",
        "dispatched_at", "signed_at",
        "first_responded_at", "replied_at", "accepted_at", "closed_at", "close_reason", "answer",
        "title", "appeal_type_id", "urgency_id", "category_id", "area_id", "address",
    ).get()
    return {
        **row,
        "events": list(OrderEvent.objects.filter(order_id=pk).order_by("seq").values_list("seq", "action")),
        "assignments": list(
            Assignment.objects.filter(order_id=pk)
            .order_by("pk")
            .values_list("unit_id", "role", "status", "is_open", "reopen_count", "result")
        ),
        "returns": list(ReturnRequest.objects.filter(order_id=pk).order_by("pk").values_list("status", "reason")),
        "extensions": list(
            ExtensionRequest.objects.filter(order_id=pk).order_by("pk").values_list("status", "requested_deadline")
        ),
        "callbacks": Callback.objects.filter(order_id=pk).count(),
        "attachments": Attachment.objects.filter(order_id=pk).count(),
    }


def refused(order, error, attempt: Callable):
    """Assert `attempt()` raises `error` and leaves the order exactly as it was; return the error."""
    before = snapshot(order)
    with pytest.raises(error) as caught:
        attempt()
    assert snapshot(order) == before
    return caught.value


def fresh(order) -> WorkOrder:
    return WorkOrder.objects.get(pk=order.pk)


def last_event(order) -> OrderEvent:
    return OrderEvent.objects.filter(order_id=order.pk).order_by("-seq").first()


def lead_assignment(order) -> Assignment:
    return Assignment.objects.get(order_id=order.pk, role=Assignment.Role.LEAD, is_open=True)


def request_return(cast, order, actor=None):
    return services.return_request(actor=actor or cast.housing_handler, order=order, reason="该事项属物业企业自治范围，非本单位职责。")


def request_extension(cast, order, days=5, actor=None):
    order = fresh(order)
    return services.extension_request(
        actor=actor or cast.housing_handler, order=order, new_deadline=order.reply_deadline + days * DAY,
        reason="需协调供电部门联合处置。",
    )


def record_callback(cast, order, satisfaction="satisfied"):
    return services.callback_record(
        actor=cast.operator, order=order, satisfaction=satisfaction, solved=satisfaction != "dissatisfied",
        responded_in_time=True, note="市民表示问题仍未解决。" if satisfaction == "dissatisfied" else "",
    )


def order_in(cast, make_order, state: str, **overrides) -> WorkOrder:
    """An order brought into `state` through the services."""
    if state == S.RETURN_REQUESTED:
        order = make_order(S.DISPATCHED, **overrides)
        request_return(cast, order)
    elif state == S.REOPENED:
        order = make_order(S.AWAITING_CALLBACK, **overrides)
        record_callback(cast, order, "dissatisfied")
    elif state == S.MERGED:
        master = make_order(**overrides)
        order = make_order(**overrides)
        services.order_merge(actor=cast.operator, order=order, master=master)
    elif state == S.VOIDED:
        order = make_order(**overrides)
        services.order_void(actor=cast.supervisor, order=order, reason="测试工单")
    else:
        order = make_order(state, **overrides)
    order = fresh(order)
    assert order.state == state
    return order


# --- The step table: each service, the state it starts from, who may take it ---------------


@dataclass(frozen=True)
class Step:
    action: str
    state: str  # the state the step is taken from in the table-driven tests
    allowed: frozenset[str]  # the cast members entitled to take it there
    actor: str  # the one the event tests use
    to_state: str
    unit: str | None  # the cast unit the event names
    run: Callable  # run(cast, order, actor, other_open_order)
    prepare: Callable | None = None  # prepare(cast, order): extra set-up in `state`

    def __str__(self) -> str:
        return self.action


CENTRE_OPERATORS = frozenset({"operator", "supervisor"})
CENTRE_DISPATCHERS = frozenset({"dispatcher", "supervisor"})
HOUSING_STAFF = frozenset({"housing_handler", "housing_admin"})
MEMBERS = [
    "operator", "dispatcher", "supervisor", "inspector", "leader", "admin",
    "housing_handler", "housing_admin", "urban_handler", "community_handler",
]

STEPS = [
    Step(A.ANSWER_ON_SPOT, S.REGISTERED, CENTRE_OPERATORS, "operator", S.CLOSED, None,
         lambda c, o, actor, other: services.order_answer_on_spot(
             actor=actor, order=o, answer="已按知识库答复：物业维修基金可申请使用。", sample_for_callback=False)),
    Step(A.SEND_TO_DISPATCH, S.REGISTERED, CENTRE_OPERATORS, "operator", S.PENDING_DISPATCH, None,
         lambda c, o, actor, other: services.order_send_to_dispatch(actor=actor, order=o)),
    Step(A.AMEND, S.REGISTERED, CENTRE_OPERATORS, "operator", S.REGISTERED, None,
         lambda c, o, actor, other: services.order_amend(actor=actor, order=o, category=c.noise)),
    Step(A.AMEND, S.PENDING_DISPATCH, CENTRE_DISPATCHERS, "dispatcher", S.PENDING_DISPATCH, None,
         lambda c, o, actor, other: services.order_amend(actor=actor, order=o, category=c.noise)),
    Step(A.DISPATCH, S.PENDING_DISPATCH, CENTRE_DISPATCHERS, "dispatcher", S.DISPATCHED, "housing",
         lambda c, o, actor, other: services.order_dispatch(actor=actor, order=o, lead_unit=c.housing)),
    Step(A.SIGN, S.DISPATCHED, HOUSING_STAFF, "housing_handler", S.IN_PROGRESS, "housing",
         lambda c, o, actor, other: services.order_sign(actor=actor, order=o)),
    Step(A.RESPOND, S.DISPATCHED, HOUSING_STAFF, "housing_handler", S.DISPATCHED, "housing",
         lambda c, o, actor, other: services.order_respond(actor=actor, order=o, note="已电话联系诉求人。")),
    Step(A.REQUEST_RETURN, S.IN_PROGRESS, HOUSING_STAFF, "housing_handler", S.RETURN_REQUESTED, "housing",
         lambda c, o, actor, other: request_return(c, o, actor)),
    Step(A.APPROVE_RETURN, S.RETURN_REQUESTED, CENTRE_DISPATCHERS, "dispatcher", S.PENDING_DISPATCH, "housing",
         lambda c, o, actor, other: services.return_approve(actor=actor, order=o)),
    Step(A.REJECT_RETURN, S.RETURN_REQUESTED, CENTRE_DISPATCHERS, "dispatcher", S.DISPATCHED, "housing",
         lambda c, o, actor, other: services.return_reject(actor=actor, order=o, reason="物业监管属住建局职责。")),
    Step(A.REQUEST_EXTENSION, S.IN_PROGRESS, HOUSING_STAFF, "housing_handler", S.IN_PROGRESS, "housing",
         lambda c, o, actor, other: request_extension(c, o, actor=actor)),
    Step(A.APPROVE_EXTENSION, S.IN_PROGRESS, CENTRE_DISPATCHERS, "dispatcher", S.IN_PROGRESS, "housing",
         lambda c, o, actor, other: services.extension_approve(actor=actor, order=o),
         prepare=lambda c, o: request_extension(c, o)),
    Step(A.REJECT_EXTENSION, S.IN_PROGRESS, CENTRE_DISPATCHERS, "dispatcher", S.IN_PROGRESS, "housing",
         lambda c, o, actor, other: services.extension_reject(actor=actor, order=o, reason="时限充足。"),
         prepare=lambda c, o: request_extension(c, o)),
    Step(A.REPLY, S.IN_PROGRESS, HOUSING_STAFF, "housing_handler", S.REPLIED, "housing",
         lambda c, o, actor, other: services.order_reply(actor=actor, order=o, result=RESULT)),
    Step(A.ACCEPT_REPLY, S.REPLIED, CENTRE_DISPATCHERS, "dispatcher", S.AWAITING_CALLBACK, "housing",
         lambda c, o, actor, other: services.reply_accept(actor=actor, order=o)),
    Step(A.REJECT_REPLY, S.REPLIED, CENTRE_DISPATCHERS, "dispatcher", S.IN_PROGRESS, "housing",
         lambda c, o, actor, other: services.reply_reject(actor=actor, order=o, reason="未写明整改时限。")),
    Step(A.CALLBACK, S.AWAITING_CALLBACK, CENTRE_OPERATORS, "operator", S.CLOSED, None,
         lambda c, o, actor, other: services.callback_record(
             actor=actor, order=o, satisfaction="satisfied", solved=True, responded_in_time=True)),
    Step(A.CALLBACK_FAILED, S.AWAITING_CALLBACK, CENTRE_OPERATORS, "operator", S.AWAITING_CALLBACK, None,
         lambda c, o, actor, other: services.callback_fail(actor=actor, order=o, note="无人接听")),
    Step(A.REHANDLE, S.REOPENED, CENTRE_DISPATCHERS, "dispatcher", S.IN_PROGRESS, "housing",
         lambda c, o, actor, other: services.order_rehandle(actor=actor, order=o, note="请上门复查。")),
    Step(A.UPHOLD, S.REOPENED, CENTRE_DISPATCHERS, "dispatcher", S.CLOSED, "housing",
         lambda c, o, actor, other: services.order_uphold(actor=actor, order=o, reason="诉求无政策依据，已解释。")),
    Step(A.MERGE, S.REGISTERED, frozenset({"operator", "dispatcher", "supervisor"}), "operator", S.MERGED, None,
         lambda c, o, actor, other: services.order_merge(actor=actor, order=o, master=other)),
    Step(A.VOID, S.REGISTERED, frozenset({"supervisor"}), "supervisor", S.VOIDED, None,
         lambda c, o, actor, other: services.order_void(actor=actor, order=o, reason="骚扰电话")),
]
UNIT_STEPS = [s for s in STEPS if s.allowed == HOUSING_STAFF]
CENTRE_STEPS = [s for s in STEPS if s.allowed != HOUSING_STAFF]


def prepared(cast, make_order, step: Step) -> tuple[WorkOrder, WorkOrder]:
    """An order ready for `step`, and another open order (a master for merging)."""
    order = order_in(cast, make_order, step.state)
    if step.prepare:
        step.prepare(cast, order)
    return fresh(order), make_order()


def take(cast, step: Step, order, actor_name: str, other):
    return step.run(cast, order, getattr(cast, actor_name), other)


# --- Table-driven: roles, states, events -----------------------------------------------------


@pytest.mark.parametrize(
    ("step", "member"),
    [(step, member) for step in STEPS for member in MEMBERS if member not in step.allowed],
    ids=str,
)
def test_a_role_without_the_right_is_refused_and_nothing_is_written(cast, make_order, step, member):
    order, other = prepared(cast, make_order, step)
    refused(order, PermissionDenied, lambda: take(cast, step, order, member, other))


@pytest.mark.parametrize(
    ("step", "member"), [(step, member) for step in STEPS for member in sorted(step.allowed)], ids=str
)
def test_every_entitled_role_may_take_the_step(cast, make_order, step, member):
    order, other = prepared(cast, make_order, step)
    take(cast, step, order, member, other)
    assert fresh(order).state == step.to_state


@pytest.mark.parametrize("step", STEPS, ids=str)
def test_each_step_appends_one_event_naming_action_states_actor_and_unit(cast, make_order, step):
    order, other = prepared(cast, make_order, step)
    before = fresh(order)
    take(cast, step, order, step.actor, other)
    after = fresh(order)
    event = last_event(order)
    assert after.event_count == before.event_count + 1
    assert after.version == before.version + 1
    assert OrderEvent.objects.filter(order=order).count() == after.event_count
    assert event.seq == after.event_count
    assert (event.action, event.from_state, event.to_state) == (step.action, step.state, step.to_state)
    assert event.actor == getattr(cast, step.actor)
    assert event.unit == (getattr(cast, step.unit) if step.unit else None)
    assert event.at is not None


@pytest.mark.parametrize(
    ("step", "state"),
    [(step, state) for step in CENTRE_STEPS for state in State.values if state not in TRANSITIONS[step.action]],
    ids=str,
)
def test_a_centre_step_in_the_wrong_state_is_refused_naming_state_and_action(cast, make_order, step, state):
    order = order_in(cast, make_order, state)
    other = make_order()
    error = refused(order, InvalidTransition, lambda: take(cast, step, order, step.actor, other))
    assert f"「{State(state).label}」" in str(error)
    assert f"「{Action(step.action).label}」" in str(error)
    assert order.number in str(error)


def test_a_step_announces_its_event_only_once_committed(cast, make_order, django_capture_on_commit_callbacks):
    heard = []

    def listener(sender, order_id, event_id, **kwargs):
        heard.append((order_id, event_id))

    order = make_order()
    order_event.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            services.order_send_to_dispatch(actor=cast.operator, order=order)
        assert heard == []
        for callback in callbacks:
            callback()
    finally:
        order_event.disconnect(listener)
    assert heard == [(order.pk, last_event(order).pk)]


def test_a_refused_step_announces_nothing(cast, make_order, django_capture_on_commit_callbacks):
    order = make_order()
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(PermissionDenied):
        services.order_send_to_dispatch(actor=cast.dispatcher, order=order)
    assert callbacks == []


# --- Register (登记) -----------------------------------------------------------------------


def test_operator_registers_an_order_with_a_dated_number_and_a_first_event(cast):
    order = register(cast)
    assert order.state == S.REGISTERED
    assert order.number == f"{timezone.localtime(order.registered_at):%Y%m%d}-000001"
    assert order.registered_by == cast.operator
    assert (order.version, order.event_count) == (1, 1)
    event = order.events.get()
    assert (event.seq, event.action, event.from_state, event.to_state, event.actor) == (
        1, A.REGISTER, "", S.REGISTERED, cast.operator,
    )
    assert fresh(order).event_count == 1


def test_order_numbers_count_up_within_a_day(cast):
    first, second = register(cast), register(cast)
    assert first.number.endswith("-000001")
    assert second.number.endswith("-000002")


def test_register_without_urgency_takes_the_least_urgent(cast):
    assert register(cast, urgency=None).urgency == f.urgency("normal")


def test_register_keeps_a_keyed_hash_of_the_callers_phone_for_history(cast):
    order = register(cast, caller_phone="138-1234-8000")
    assert order.caller_phone_hash == crypto.phone_hash("13812348000")
    assert order.caller_phone_hash


def test_a_credit_code_makes_an_enterprise_request(cast):
    order = register(cast, enterprise_name="泰兴某某科技有限公司", enterprise_credit_code="91321283mA1abcdE2b")
    assert order.caller_is_enterprise
    assert order.enterprise_credit_code == "91321283MA1ABCDE2B"


def test_register_tags_hot_topics(cast):
    topic = HotTopic.objects.create(name="加装电梯")
    assert list(register(cast, hot_topics=[topic]).hot_topics.all()) == [topic]


def test_supervisor_may_register(cast):
    assert register(cast, actor=cast.supervisor).registered_by == cast.supervisor


@pytest.mark.parametrize("member", [m for m in MEMBERS if m not in CENTRE_OPERATORS])
def test_only_operators_and_supervisors_may_register(cast, member):
    with pytest.raises(PermissionDenied):
        register(cast, actor=getattr(cast, member))
    assert not WorkOrder.objects.exists()
    assert not OrderEvent.objects.exists()


BAD_REGISTRATIONS = {  # id: (overrides for the cast, the field named in the error)
    "blank title": (lambda c: {"title": "   "}, "title"),
    "title too long": (lambda c: {"title": "长" * 121}, "title"),
    "no description": (lambda c: {"description": ""}, "description"),
    "phone with letters": (lambda c: {"caller_phone": "138abc"}, "caller_phone"),
    "phone too short": (lambda c: {"caller_phone": "1234"}, "caller_phone"),
    "unknown gender": (lambda c: {"caller_gender": "X"}, "caller_gender"),
    "short credit code": (lambda c: {"enterprise_credit_code": "9132128"}, "enterprise_credit_code"),
    "credit code failing its check": (lambda c: {"enterprise_credit_code": "91321283MA1ABCDE2X"}, "enterprise_credit_code"),
    "occurred tomorrow": (lambda c: {"occurred_at": timezone.now() + DAY}, "occurred_at"),
    "category not a leaf": (lambda c: {"category": c.property_service.parent}, "category"),
}


@pytest.mark.parametrize(("overrides", "field"), BAD_REGISTRATIONS.values(), ids=BAD_REGISTRATIONS.keys())
def test_register_refuses_bad_input_naming_the_field_and_writes_nothing(cast, overrides, field):
    with pytest.raises(OrderInputError) as caught:
        register(cast, **overrides(cast))
    assert caught.value.field == field
    assert caught.value.message
    assert not WorkOrder.objects.exists()
    assert not OrderEvent.objects.exists()
    assert not OrderNumberSequence.objects.filter(last__gt=0).exists()


def test_register_accepts_a_title_of_exactly_120_characters(cast):
    assert len(register(cast, title="长" * 120).title) == 120


TOKEN = "0123456789abcdef0123456789abcdef"


def test_registering_twice_with_one_intake_token_makes_one_order_and_names_it(cast):
    first = register(cast, intake_token=TOKEN)
    with pytest.raises(AlreadyRegistered) as repeated:
        register(cast, intake_token=TOKEN)
    assert repeated.value.order == first
    assert WorkOrder.objects.count() == 1 and OrderEvent.objects.count() == 1
    assert OrderNumberSequence.objects.get().last == 1  # no number used up by the repeat


def test_orders_without_an_intake_token_never_collide(cast):
    register(cast), register(cast)
    assert WorkOrder.objects.filter(intake_token=None).count() == 2


def test_a_refused_registration_leaves_its_intake_token_usable(cast):
    with pytest.raises(OrderInputError):
        register(cast, title="", intake_token=TOKEN)
    assert register(cast, intake_token=TOKEN).intake_token == TOKEN


def test_a_registration_racing_another_with_its_token_gets_the_others_order(cast, monkeypatch):
    # Two saves at once both find the token unused; the unique column stops the second, which then answers with the
    # first's order (on PostgreSQL it waits for the first to commit: tests/orders/test_intake.py runs it for real).
    first = register(cast, intake_token=TOKEN)
    look, looks = services._refuse_repeated_intake, []

    def before_the_first_committed(token):
        looks.append(token)
        if len(looks) > 1:
            look(token)

    monkeypatch.setattr(services, "_refuse_repeated_intake", before_the_first_committed)
    with pytest.raises(AlreadyRegistered) as repeated:
        register(cast, intake_token=TOKEN)
    assert repeated.value.order == first and len(looks) == 2
    assert WorkOrder.objects.count() == 1 and OrderEvent.objects.count() == 1
    assert OrderNumberSequence.objects.get().last == 1


# --- Answer on the spot (直接办结) ------------------------------------------------------------


def test_an_answer_on_the_spot_not_sampled_closes_the_order(cast, make_order):
    order = make_order(appeal_type=f.appeal_type("consult"))
    services.order_answer_on_spot(actor=cast.operator, order=order, answer="公积金提取需携带身份证。", sample_for_callback=False)
    order = fresh(order)
    assert order.state == S.CLOSED
    assert order.close_reason == CloseReason.ANSWERED
    assert order.closed_at is not None
    assert order.answer == "公积金提取需携带身份证。"
    assert order.callback_deadline is None
    assert order.due_at is None


def test_an_answer_on_the_spot_sampled_for_callback_waits_for_it(cast, make_order):
    order = make_order(appeal_type=f.appeal_type("consult"))
    services.order_answer_on_spot(actor=cast.operator, order=order, answer="公积金提取需携带身份证。", sample_for_callback=True)
    order = fresh(order)
    assert order.state == S.AWAITING_CALLBACK
    assert order.closed_at is None
    assert order.callback_deadline == add_workdays(order.accepted_at, 2)
    assert (order.due_kind, order.due_at) == ("callback", order.callback_deadline)
    assert not order.assignments.exists()


@pytest.mark.parametrize(("share", "state"), [(1.0, S.AWAITING_CALLBACK), (0.0, S.CLOSED)])
def test_the_callback_sample_share_setting_decides_when_not_told(cast, make_order, settings, share, state):
    settings.DIRECT_ANSWER_CALLBACK_SAMPLE = share
    order = make_order()
    services.order_answer_on_spot(actor=cast.operator, order=order, answer="已答复。")
    assert fresh(order).state == state


def test_an_answer_on_the_spot_needs_the_answer(cast, make_order):
    order = make_order()
    error = refused(order, OrderInputError, lambda: services.order_answer_on_spot(
        actor=cast.operator, order=order, answer=" ", sample_for_callback=False))
    assert error.field == "answer"


# --- Send to dispatch (转派遣) ---------------------------------------------------------------


def test_an_order_sent_to_dispatch_waits_in_the_dispatch_queue(cast, make_order):
    order = make_order()
    services.order_send_to_dispatch(actor=cast.operator, order=order, note="需住建局处理")
    assert fresh(order).state == S.PENDING_DISPATCH
    assert last_event(order).note == "需住建局处理"
    assert [row.order.pk for row in selectors.dispatch_queue(user=cast.dispatcher)] == [order.pk]


def test_an_order_without_a_category_is_not_sent_to_dispatch(cast, make_order):
    order = make_order(channel=f.channel("portal"), category=None)
    error = refused(order, OrderInputError, lambda: services.order_send_to_dispatch(actor=cast.operator, order=order))
    assert error.field == "category"
    assert str(error) == "该工单尚未选择诉求分类，请先补充登记诉求分类，再转派遣。"


# --- Amend the record (补充登记) ---------------------------------------------------------------


def test_operator_completes_a_portal_request_without_a_category_and_then_sends_it(cast, make_order):
    order = make_order(channel=f.channel("portal"), category=None, title="小区电梯坏了两周没人修，老人上下楼很困…")
    services.order_amend(
        actor=cast.operator, order=order, category=cast.property_service, title="小区电梯长期故障无人维修"
    )
    order = fresh(order)
    assert (order.state, order.category, order.title) == (S.REGISTERED, cast.property_service, "小区电梯长期故障无人维修")
    event = last_event(order)
    assert (event.action, event.from_state, event.to_state, event.actor) == (
        A.AMEND, S.REGISTERED, S.REGISTERED, cast.operator,
    )
    assert event.note == (
        "标题：「小区电梯坏了两周没人修，老人上下楼很困…」 → 「小区电梯长期故障无人维修」；"
        "诉求分类：（无） → 城乡建设/物业管理/物业服务"
    )
    assert event.data == {
        "changed": ["title", "category"],
        "from": {"title": "小区电梯坏了两周没人修，老人上下楼很困…", "category": None},
        "to": {"title": "小区电梯长期故障无人维修", "category": "010101"},
    }
    services.order_send_to_dispatch(actor=cast.operator, order=order)
    assert fresh(order).state == S.PENDING_DISPATCH


def test_dispatcher_corrects_type_urgency_and_category_before_dispatching(cast, make_order):
    order = make_order(S.PENDING_DISPATCH)
    services.order_amend(
        actor=cast.dispatcher, order=order, appeal_type=f.appeal_type("consult"), urgency=f.urgency("urgent"),
        category=cast.noise, expected_version=order.version,
    )
    order = fresh(order)
    assert order.state == S.PENDING_DISPATCH
    assert (order.appeal_type.code, order.urgency.code, order.category) == ("consult", "urgent", cast.noise)
    note = last_event(order).note
    assert "诉求类型：投诉 → 咨询" in note and "紧急程度：一般 → 紧急" in note
    assert "诉求分类：城乡建设/物业管理/物业服务 → 生态环境/噪声污染/施工噪声" in note


def test_the_amended_type_and_urgency_set_the_deadlines_at_dispatch(cast, make_order):
    order = make_order(S.PENDING_DISPATCH)
    services.order_amend(actor=cast.dispatcher, order=order, urgency=f.urgency("urgent"))
    order = fresh(order)
    assert (order.sign_deadline, order.reply_deadline, order.due_at) == (None, None, None)  # no clock runs yet
    services.order_dispatch(actor=cast.dispatcher, order=order, lead_unit=cast.housing)
    order = fresh(order)
    assert order.reply_deadline == order.dispatched_at + 24 * HOUR


def test_amending_the_place_names_the_area_but_never_the_address_or_the_caller(cast, make_order):
    order = make_order()
    services.order_amend(actor=cast.operator, order=order, area=cast.town, address="城东街道幸福路8号")
    order = fresh(order)
    assert (order.area, order.address) == (cast.town, "城东街道幸福路8号")
    event = last_event(order)
    assert event.note == "所属区域：幸福社区 → 城东街道；详细地址已更正"
    assert event.data == {"changed": ["area", "address"], "from": {"area": "C-CD-01"}, "to": {"area": "C-CD"}}
    recorded = f"{event.note} {event.data}"
    for personal in ("幸福路8号", "幸福小区3号楼", "张三", "13812348000", "32128319800101123X"):
        assert personal not in recorded


def test_amending_may_clear_the_area(cast, make_order):
    order = make_order()
    services.order_amend(actor=cast.operator, order=order, area=None)
    assert fresh(order).area is None
    assert last_event(order).note == "所属区域：幸福社区 → （无）"


def test_an_amended_title_is_searched_by_its_new_words(cast, make_order):
    from rexian.orders.selectors import SearchFilters, order_search

    order = make_order()
    services.order_amend(actor=cast.operator, order=order, title="楼道路灯不亮")

    def found(words):
        return [row.order.pk for row in order_search(user=cast.operator, filters=SearchFilters(words=words)).rows]

    assert found("路灯") == [order.pk]
    assert found("电梯停运") == [order.pk]  # the description is unchanged
    assert found("无人维修") == []  # only the old title said so


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"title": "  "}, "title", "请填写标题。"),
        ({"title": "长" * 121}, "title", "标题不能超过 120 个字。"),
        ({"category": None}, "category", "请选择诉求分类。"),
        ({"appeal_type": None}, "appeal_type", "请选择诉求类型。"),
        ({"urgency": None}, "urgency", "请选择紧急程度。"),
        ({"address": "路" * 201}, "address", "地址不能超过 200 个字。"),
    ],
)
def test_amend_refuses_bad_input_naming_the_field(cast, make_order, changes, field, message):
    order = make_order()
    error = refused(order, OrderInputError, lambda: services.order_amend(actor=cast.operator, order=order, **changes))
    assert (error.field, str(error)) == (field, message)


def test_amend_takes_only_a_leaf_of_the_active_tree(cast, make_order):
    order = make_order(category=None)
    error = refused(
        order, OrderInputError,
        lambda: services.order_amend(actor=cast.operator, order=order, category=cast.property_service.parent),
    )
    assert (error.field, str(error)) == ("category", "请选择最末一级的诉求分类。")
    # A leaf whose branch was switched off is no longer offered by the picker, nor taken here.
    Category.objects.filter(pk=cast.noise.parent_id).update(is_active=False)
    forget_category_index()
    error = refused(
        order, OrderInputError, lambda: services.order_amend(actor=cast.operator, order=order, category=cast.noise)
    )
    assert (error.field, str(error)) == ("category", "所选诉求分类已停用，请重新选择。")


def test_amend_with_nothing_new_is_refused(cast, make_order):
    order = make_order()
    error = refused(
        order, OrderInputError,
        lambda: services.order_amend(
            actor=cast.operator, order=order, title=f" {order.title} ", category=order.category, area=order.area
        ),
    )
    assert str(error) == "没有需要更正的内容：补充登记前后一致。"


def test_amend_on_a_stale_page_is_refused(cast, make_order):
    order = make_order()
    seen = order.version
    services.order_amend(actor=cast.operator, order=order, urgency=f.urgency("urgent"))
    refused(
        order, services.StaleVersion,
        lambda: services.order_amend(actor=cast.operator, order=order, category=cast.noise, expected_version=seen),
    )


def test_an_order_in_the_dispatch_queue_is_amended_by_dispatchers_not_operators(cast, make_order):
    order = make_order(S.PENDING_DISPATCH)
    error = refused(
        order, PermissionDenied, lambda: services.order_amend(actor=cast.operator, order=order, category=cast.noise)
    )
    assert str(error) == "您的角色无权对该工单执行「补充登记」。"
    assert access.may(cast.dispatcher, A.AMEND, order) and access.may(cast.supervisor, A.AMEND, order)
    registered = make_order()
    assert access.may(cast.operator, A.AMEND, registered) and not access.may(cast.dispatcher, A.AMEND, registered)


# --- Dispatch (派单) --------------------------------------------------------------------------


def test_dispatch_creates_a_lead_and_assisting_assignments(cast, make_order):
    order = make_order(S.DISPATCHED, assisting=[cast.town, cast.urban])
    assignments = {a.unit: a for a in order.assignments.all()}
    assert set(assignments) == {cast.housing, cast.town, cast.urban}
    assert assignments[cast.housing].role == Assignment.Role.LEAD
    assert assignments[cast.town].role == assignments[cast.urban].role == Assignment.Role.ASSIST
    for assignment in assignments.values():
        assert assignment.status == Assignment.Status.DISPATCHED
        assert assignment.is_open
        assert assignment.dispatched_by == cast.dispatcher
        assert assignment.dispatched_at == order.dispatched_at
        assert assignment.sign_deadline == order.sign_deadline
    assert order.lead_unit == cast.housing
    assert last_event(order).data == {"lead": cast.housing.pk, "assisting": [cast.town.pk, cast.urban.pk]}


def test_an_order_without_a_category_is_not_dispatched_until_it_is_amended(cast, make_order):
    order = make_order(S.PENDING_DISPATCH)
    WorkOrder.objects.filter(pk=order.pk).update(category=None)  # queued before 转派遣 required a category
    error = refused(
        order, OrderInputError,
        lambda: services.order_dispatch(actor=cast.dispatcher, order=fresh(order), lead_unit=cast.housing),
    )
    assert (error.field, str(error)) == ("category", "该工单尚未选择诉求分类，请先补充登记诉求分类，再派单。")
    assert not order.assignments.exists()
    services.order_amend(actor=cast.dispatcher, order=fresh(order), category=cast.property_service)
    services.order_dispatch(actor=cast.dispatcher, order=fresh(order), lead_unit=cast.housing)
    assert (fresh(order).state, fresh(order).lead_unit) == (S.DISPATCHED, cast.housing)


def test_dispatch_sets_the_deadlines_of_an_ordinary_complaint_from_the_rules(cast, make_order):
    order = make_order(S.DISPATCHED)
    assert order.sign_deadline == add_workdays(order.dispatched_at, 1)
    assert order.reply_deadline == add_workdays(order.dispatched_at, 10)
    assert order.first_response_deadline is None
    assert (order.due_kind, order.due_from, order.due_at) == ("sign", order.dispatched_at, order.sign_deadline)
    assert not order.is_overdue


def test_dispatch_gives_a_consultation_three_working_days(cast, make_order):
    order = make_order(S.DISPATCHED, appeal_type=f.appeal_type("consult"))
    assert order.reply_deadline == add_workdays(order.dispatched_at, 3)


def test_dispatch_gives_an_urgent_order_24_hours(cast, make_order):
    order = make_order(S.DISPATCHED, urgency=f.urgency("urgent"))
    assert order.reply_deadline == order.dispatched_at + 24 * HOUR


def test_dispatch_of_a_critical_order_starts_the_first_response_clock(cast, make_order):
    order = make_order(S.DISPATCHED, urgency=f.urgency("critical"))
    assert order.first_response_deadline == order.dispatched_at + dt.timedelta(minutes=30)
    assert order.sign_deadline == order.dispatched_at + 2 * HOUR
    assert order.reply_deadline == order.dispatched_at + 2 * HOUR
    assert (order.due_kind, order.due_at) == ("first_response", order.first_response_deadline)


def test_dispatched_order_enters_the_inbox_of_each_assigned_unit(cast, make_order):
    order = make_order(S.DISPATCHED, assisting=[cast.urban])
    assert [row.order.pk for row in selectors.unit_inbox(user=cast.housing_handler)] == [order.pk]
    assert [row.order.pk for row in selectors.unit_inbox(user=cast.urban_handler)] == [order.pk]
    assert selectors.unit_inbox(user=cast.community_handler) == []


def test_a_unit_named_twice_as_assisting_gets_one_assignment(cast, make_order):
    order = make_order(S.DISPATCHED, assisting=[cast.urban, cast.urban])
    assert order.assignments.filter(unit=cast.urban).count() == 1


def test_dispatch_refuses_a_unit_that_does_not_take_orders(cast, make_order):
    order = make_order(S.PENDING_DISPATCH)
    error = refused(order, OrderInputError, lambda: services.order_dispatch(
        actor=cast.dispatcher, order=order, lead_unit=cast.centre))
    assert error.field == "lead_unit"


def test_dispatch_refuses_an_inactive_assisting_unit(cast, make_order):
    order = make_order(S.PENDING_DISPATCH)
    cast.urban.is_active = False
    cast.urban.save()
    refused(order, OrderInputError, lambda: services.order_dispatch(
        actor=cast.dispatcher, order=order, lead_unit=cast.housing, assisting_units=[cast.urban]))


def test_dispatch_refuses_the_lead_unit_as_its_own_assistant(cast, make_order):
    order = make_order(S.PENDING_DISPATCH)
    error = refused(order, OrderInputError, lambda: services.order_dispatch(
        actor=cast.dispatcher, order=order, lead_unit=cast.housing, assisting_units=[cast.housing]))
    assert error.field == "assisting_units"


# --- Sign (签收) and first response (首次响应) ----------------------------------------------------


def test_lead_unit_signing_starts_the_handling(cast, make_order):
    order = make_order(S.DISPATCHED)
    services.order_sign(actor=cast.housing_handler, order=order)
    order = fresh(order)
    assert order.state == S.IN_PROGRESS
    assert order.signed_at is not None
    assert order.first_responded_at == order.signed_at
    assert (order.due_kind, order.due_at) == ("reply", order.reply_deadline)
    lead = lead_assignment(order)
    assert (lead.status, lead.signed_by, lead.signed_at) == (
        Assignment.Status.SIGNED, cast.housing_handler, order.signed_at,
    )
    assert last_event(order).data == {"role": "lead", "in_time": True}


def test_assisting_unit_signing_keeps_the_order_dispatched(cast, make_order):
    order = make_order(S.DISPATCHED, assisting=[cast.urban])
    services.order_sign(actor=cast.urban_handler, order=order)
    order = fresh(order)
    assert order.state == S.DISPATCHED
    assert order.signed_at is None
    assert order.assignments.get(unit=cast.urban).status == Assignment.Status.SIGNED
    assert lead_assignment(order).status == Assignment.Status.DISPATCHED
    event = last_event(order)
    assert (event.from_state, event.to_state, event.unit, event.data["role"]) == (
        S.DISPATCHED, S.DISPATCHED, cast.urban, "assist",
    )


def test_assisting_unit_may_sign_after_the_lead(cast, make_order):
    order = make_order(S.IN_PROGRESS, assisting=[cast.urban])
    services.order_sign(actor=cast.urban_handler, order=order)
    assert fresh(order).state == S.IN_PROGRESS
    assert order.assignments.get(unit=cast.urban).status == Assignment.Status.SIGNED


def test_each_unit_works_on_its_part_whatever_the_other_unit_did_since_its_page_was_opened(cast, make_order):
    order = make_order(S.DISPATCHED, assisting=[cast.urban])
    seen = order.version  # both units' pages show this version
    services.order_sign(actor=cast.housing_handler, order=order, expected_version=seen)
    services.order_sign(actor=cast.urban_handler, order=order, expected_version=seen)  # the lead's 签收 moved it on
    services.order_reply(actor=cast.urban_handler, order=order, result="已配合清理。", expected_version=seen)
    services.extension_request(
        actor=cast.housing_handler, order=order, new_deadline=fresh(order).reply_deadline + dt.timedelta(days=3),
        reason="需协调多个部门。", expected_version=seen,
    )
    assert order.assignments.get(unit=cast.urban).status == Assignment.Status.REPLIED
    assert fresh(order).pending_extension
    # What the step depends on is still checked: a second extension request waits for the first to be decided.
    refused(order, OrderInputError, lambda: services.extension_request(
        actor=cast.housing_handler, order=order, new_deadline=fresh(order).reply_deadline + dt.timedelta(days=5),
        reason="再次申请。", expected_version=seen,
    ))
    # A centre step is still checked against the version the dispatcher saw.
    refused(order, services.StaleVersion, lambda: services.extension_approve(
        actor=cast.dispatcher, order=order, expected_version=seen
    ))


def test_a_unit_cannot_sign_twice(cast, make_order):
    order = make_order(S.IN_PROGRESS)
    refused(order, OrderInputError, lambda: services.order_sign(actor=cast.housing_handler, order=order))


def test_an_assisting_unit_cannot_sign_twice(cast, make_order):
    order = make_order(S.DISPATCHED, assisting=[cast.urban])
    services.order_sign(actor=cast.urban_handler, order=order)
    refused(order, OrderInputError, lambda: services.order_sign(actor=cast.urban_handler, order=order))


def test_a_unit_not_assigned_cannot_sign(cast, make_order):
    order = make_order(S.DISPATCHED)
    refused(order, PermissionDenied, lambda: services.order_sign(actor=cast.urban_handler, order=order))


def test_the_handler_of_a_community_cannot_sign_for_its_town(cast, make_order):
    order = make_order(S.DISPATCHED, assisting=[cast.town])
    refused(order, PermissionDenied, lambda: services.order_sign(actor=cast.community_handler, order=order))


def test_lead_unit_cannot_sign_while_its_return_is_reviewed(cast, make_order):
    order = order_in(cast, make_order, S.RETURN_REQUESTED)
    error = refused(order, InvalidTransition, lambda: services.order_sign(actor=cast.housing_handler, order=order))
    assert "「退单待审」" in str(error) and "「签收」" in str(error)


def test_an_assisting_unit_cannot_sign_once_the_lead_has_replied(cast, make_order):
    order = make_order(S.REPLIED, assisting=[cast.urban])
    refused(order, InvalidTransition, lambda: services.order_sign(actor=cast.urban_handler, order=order))


def test_lead_unit_records_a_first_response_before_signing(cast, make_order):
    order = make_order(S.DISPATCHED, urgency=f.urgency("critical"))
    services.order_respond(actor=cast.housing_handler, order=order, note="已派人赶赴现场。")
    order = fresh(order)
    assert order.state == S.DISPATCHED
    assert order.first_responded_at is not None
    assert order.due_kind != "first_response"
    assert last_event(order).note == "已派人赶赴现场。"


def test_signing_after_a_first_response_keeps_the_response_time(cast, make_order):
    order = make_order(S.DISPATCHED)
    services.order_respond(actor=cast.housing_handler, order=order, note="已联系诉求人。")
    responded_at = fresh(order).first_responded_at
    services.order_sign(actor=cast.housing_handler, order=order)
    assert fresh(order).first_responded_at == responded_at


def test_a_first_response_is_recorded_once(cast, make_order):
    order = make_order(S.IN_PROGRESS)  # signing counts as the first response
    refused(order, OrderInputError, lambda: services.order_respond(
        actor=cast.housing_handler, order=order, note="再次联系"))


def test_a_first_response_needs_a_note(cast, make_order):
    order = make_order(S.DISPATCHED)
    error = refused(order, OrderInputError, lambda: services.order_respond(
        actor=cast.housing_handler, order=order, note=""))
    assert error.field == "note"


def test_an_assisting_unit_cannot_record_the_first_response(cast, make_order):
    order = make_order(S.DISPATCHED, assisting=[cast.urban])
    refused(order, PermissionDenied, lambda: services.order_respond(
        actor=cast.urban_handler, order=order, note="已联系"))


def test_no_first_response_while_a_return_is_reviewed(cast, make_order):
    order = order_in(cast, make_order, S.RETURN_REQUESTED)
    refused(order, InvalidTransition, lambda: services.order_respond(
        actor=cast.housing_handler, order=order, note="已联系"))


# --- Return (退单) ------------------------------------------------------------------------------


def test_lead_unit_requests_a_return_before_signing(cast, make_order):
    order = make_order(S.DISPATCHED)
    request = request_return(cast, order)
    order = fresh(order)
    assert order.state == S.RETURN_REQUESTED
    assert order.state_before_return == S.DISPATCHED
    assert (request.status, request.unit, request.requested_by) == ("pending", cast.housing, cast.housing_handler)
    assert request.reason == last_event(order).note
    assert order.due_at is None


def test_a_return_request_needs_a_reason(cast, make_order):
    order = make_order(S.IN_PROGRESS)
    error = refused(order, OrderInputError, lambda: services.return_request(
        actor=cast.housing_handler, order=order, reason=""))
    assert error.field == "reason"


def test_an_assisting_unit_cannot_request_a_return(cast, make_order):
    order = make_order(S.IN_PROGRESS, assisting=[cast.urban])
    services.order_sign(actor=cast.urban_handler, order=order)
    refused(order, PermissionDenied, lambda: request_return(cast, order, cast.urban_handler))


@pytest.mark.parametrize("state", [S.RETURN_REQUESTED, S.REPLIED])
def test_a_return_cannot_be_requested_outside_handling(cast, make_order, state):
    order = order_in(cast, make_order, state)
    refused(order, InvalidTransition, lambda: request_return(cast, order))


@pytest.mark.parametrize("before", [S.DISPATCHED, S.IN_PROGRESS])
def test_a_rejected_return_goes_back_to_the_state_before_it(cast, make_order, before):
    order = make_order(before)
    request_return(cast, order)
    services.return_reject(actor=cast.dispatcher, order=order, reason="属住建局职责。")
    order = fresh(order)
    assert order.state == before
    assert order.state_before_return == ""
    assert order.lead_unit == cast.housing
    request = order.return_requests.get()
    assert (request.status, request.decided_by, request.decision_note) == ("rejected", cast.dispatcher, "属住建局职责。")
    assert lead_assignment(order).is_open
    event = last_event(order)
    assert (event.from_state, event.to_state) == (S.RETURN_REQUESTED, before)


def test_rejecting_a_return_needs_a_reason(cast, make_order):
    order = order_in(cast, make_order, S.RETURN_REQUESTED)
    error = refused(order, OrderInputError, lambda: services.return_reject(
        actor=cast.dispatcher, order=order, reason=""))
    assert error.field == "reason"


def test_an_approved_return_takes_the_order_back_from_the_unit(cast, make_order):
    order = make_order(S.IN_PROGRESS, assisting=[cast.urban])
    request_return(cast, order)
    services.return_approve(actor=cast.dispatcher, order=order, note="改派城管局")
    order = fresh(order)
    assert order.state == S.PENDING_DISPATCH
    assert order.lead_unit is None
    assert order.return_count == 1
    assert order.state_before_return == ""
    assert order.sign_deadline is order.reply_deadline is order.dispatched_at is order.signed_at is None
    assert order.due_at is None
    assert not order.assignments.filter(is_open=True).exists()
    assert set(order.assignments.values_list("status", flat=True)) == {Assignment.Status.WITHDRAWN}
    request = order.return_requests.get()
    assert (request.status, request.decided_by) == ("approved", cast.dispatcher)
    assert last_event(order).unit == cast.housing
    assert selectors.unit_inbox(user=cast.housing_handler) == []
    assert not access.can_view(cast.housing_handler, order)  # never its business: it no longer sees the order


def test_an_approved_return_withdraws_a_pending_extension(cast, make_order):
    order = make_order(S.IN_PROGRESS)
    request_extension(cast, order)
    request_return(cast, order)
    services.return_approve(actor=cast.dispatcher, order=order)
    order = fresh(order)
    assert not order.pending_extension
    assert order.extension_requests.get().status == "withdrawn"


def test_a_returned_order_can_be_dispatched_again_to_another_unit(cast, make_order):
    order = make_order(S.DISPATCHED)
    request_return(cast, order)
    services.return_approve(actor=cast.dispatcher, order=order)
    services.order_dispatch(actor=cast.dispatcher, order=order, lead_unit=cast.urban)
    services.order_sign(actor=cast.urban_handler, order=order)
    order = fresh(order)
    assert order.state == S.IN_PROGRESS
    assert order.lead_unit == cast.urban
    assert lead_assignment(order).unit == cast.urban
    refused(order, PermissionDenied, lambda: services.order_reply(
        actor=cast.housing_handler, order=order, result=RESULT))


def test_a_returned_order_can_be_dispatched_again_to_the_same_unit(cast, make_order):
    order = make_order(S.IN_PROGRESS)
    request_return(cast, order)
    services.return_approve(actor=cast.dispatcher, order=order)
    services.order_dispatch(actor=cast.dispatcher, order=order, lead_unit=cast.housing)
    services.order_sign(actor=cast.housing_handler, order=order)
    assert fresh(order).state == S.IN_PROGRESS
    assert order.assignments.filter(unit=cast.housing, is_open=True).count() == 1


# --- Extension (延期) ------------------------------------------------------------------------


def test_lead_unit_requests_an_extension(cast, make_order):
    order = make_order(S.IN_PROGRESS)
    old_deadline = order.reply_deadline
    request = request_extension(cast, order, days=5)
    order = fresh(order)
    assert order.state == S.IN_PROGRESS
    assert order.pending_extension
    assert order.reply_deadline == old_deadline
    assert (request.status, request.unit, request.previous_deadline, request.requested_deadline) == (
        "pending", cast.housing, old_deadline, old_deadline + 5 * DAY,
    )
    assert last_event(order).data == {"requested_deadline": (old_deadline + 5 * DAY).isoformat()}


def test_approved_extension_moves_the_reply_deadline(cast, make_order):
    order = make_order(S.IN_PROGRESS)
    old_deadline = order.reply_deadline
    request_extension(cast, order, days=5)
    services.extension_approve(actor=cast.dispatcher, order=order, note="同意")
    order = fresh(order)
    assert order.reply_deadline == old_deadline + 5 * DAY
    assert (order.due_kind, order.due_at) == ("reply", order.reply_deadline)
    assert not order.pending_extension
    request = order.extension_requests.get()
    assert (request.status, request.decided_by) == ("approved", cast.dispatcher)
    assert last_event(order).data == {"from": old_deadline.isoformat(), "to": order.reply_deadline.isoformat()}


def test_rejected_extension_keeps_the_reply_deadline(cast, make_order):
    order = make_order(S.IN_PROGRESS)
    old_deadline = order.reply_deadline
    request_extension(cast, order)
    services.extension_reject(actor=cast.dispatcher, order=order, reason="时限充足。")
    order = fresh(order)
    assert order.reply_deadline == old_deadline
    assert not order.pending_extension
    assert order.extension_requests.get().status == "rejected"


def test_an_extension_may_be_requested_again_after_a_decision(cast, make_order):
    order = make_order(S.IN_PROGRESS)
    request_extension(cast, order)
    services.extension_reject(actor=cast.dispatcher, order=order, reason="时限充足。")
    request_extension(cast, order, days=2)
    assert fresh(order).pending_extension


@pytest.mark.parametrize("offset", [dt.timedelta(0), -HOUR], ids=["same", "earlier"])
def test_an_extension_must_be_later_than_the_current_deadline(cast, make_order, offset):
    order = make_order(S.IN_PROGRESS)
    error = refused(order, OrderInputError, lambda: services.extension_request(
        actor=cast.housing_handler, order=order, new_deadline=order.reply_deadline + offset, reason="需协调"))
    assert error.field == "new_deadline"


def test_an_extension_may_not_exceed_90_days(cast, make_order):
    order = make_order(S.IN_PROGRESS)
    error = refused(order, OrderInputError, lambda: services.extension_request(
        actor=cast.housing_handler, order=order, new_deadline=order.reply_deadline + 90 * DAY + dt.timedelta(seconds=1),
        reason="需协调"))
    assert error.field == "new_deadline"


def test_an_extension_of_exactly_90_days_is_accepted(cast, make_order):
    order = make_order(S.IN_PROGRESS)
    request_extension(cast, order, days=90)
    assert fresh(order).pending_extension


def test_an_extension_needs_a_reason(cast, make_order):
    order = make_order(S.IN_PROGRESS)
    error = refused(order, OrderInputError, lambda: services.extension_request(
        actor=cast.housing_handler, order=order, new_deadline=order.reply_deadline + DAY, reason=""))
    assert error.field == "reason"


def test_only_one_extension_may_be_pending(cast, make_order):
    order = make_order(S.IN_PROGRESS)
    request_extension(cast, order, days=3)
    refused(order, OrderInputError, lambda: request_extension(cast, order, days=6))


def test_an_assisting_unit_may_not_request_an_extension(cast, make_order):
    order = make_order(S.IN_PROGRESS, assisting=[cast.urban])
    services.order_sign(actor=cast.urban_handler, order=order)
    refused(order, PermissionDenied, lambda: request_extension(cast, order, actor=cast.urban_handler))


@pytest.mark.parametrize("state", [S.DISPATCHED, S.REPLIED, S.RETURN_REQUESTED])
def test_an_extension_may_only_be_requested_in_progress(cast, make_order, state):
    order = order_in(cast, make_order, state)
    error = refused(order, InvalidTransition, lambda: request_extension(cast, order))
    assert f"「{State(state).label}」" in str(error) and "「申请延期」" in str(error)


@pytest.mark.parametrize("decide", ["approve", "reject"])
def test_an_extension_decision_needs_a_pending_request(cast, make_order, decide):
    order = make_order(S.IN_PROGRESS)
    if decide == "approve":
        refused(order, OrderInputError, lambda: services.extension_approve(actor=cast.dispatcher, order=order))
    else:
        refused(order, OrderInputError, lambda: services.extension_reject(
            actor=cast.dispatcher, order=order, reason="否"))


def test_rejecting_an_extension_needs_a_reason(cast, make_order):
    order = make_order(S.IN_PROGRESS)
    request_extension(cast, order)
    error = refused(order, OrderInputError, lambda: services.extension_reject(
        actor=cast.dispatcher, order=order, reason=" "))
    assert error.field == "reason"


def test_an_extension_cannot_be_decided_while_a_return_is_reviewed(cast, make_order):
    order = make_order(S.IN_PROGRESS)
    request_extension(cast, order)
    request_return(cast, order)
    refused(order, InvalidTransition, lambda: services.extension_approve(actor=cast.dispatcher, order=order))


# --- Reply (办结回复) and its review (审核) ---------------------------------------------------------


def test_unit_cannot_reply_before_signing(cast, make_order):
    order = make_order(S.DISPATCHED)
    refused(order, OrderInputError, lambda: services.order_reply(
        actor=cast.housing_handler, order=order, result=RESULT))


def test_lead_unit_reply_sends_the_order_for_review(cast, make_order):
    order = make_order(S.IN_PROGRESS)
    services.order_reply(actor=cast.housing_handler, order=order, result=RESULT, measures=" 约谈物业公司 ")
    order = fresh(order)
    assert order.state == S.REPLIED
    assert order.replied_at is not None
    lead = lead_assignment(order)
    assert (lead.status, lead.replied_by, lead.result, lead.measures) == (
        Assignment.Status.REPLIED, cast.housing_handler, RESULT, "约谈物业公司",
    )
    event = last_event(order)
    assert event.note == RESULT
    assert event.data == {
        "role": "lead", "measures": "约谈物业公司", "deadline": order.reply_deadline.isoformat(), "in_time": True,
    }


def test_a_reply_needs_a_result(cast, make_order):
    order = make_order(S.IN_PROGRESS)
    error = refused(order, OrderInputError, lambda: services.order_reply(
        actor=cast.housing_handler, order=order, result=""))
    assert error.field == "result"


def test_assisting_unit_reply_keeps_the_order_in_progress(cast, make_order):
    order = make_order(S.IN_PROGRESS, assisting=[cast.urban])
    services.order_sign(actor=cast.urban_handler, order=order)
    services.order_reply(actor=cast.urban_handler, order=order, result="已配合拆除违建。")
    order = fresh(order)
    assert order.state == S.IN_PROGRESS
    assert order.replied_at is None
    assert order.assignments.get(unit=cast.urban).status == Assignment.Status.REPLIED
    assert last_event(order).data["role"] == "assist"


def test_assisting_unit_may_reply_before_the_lead_signs(cast, make_order):
    order = make_order(S.DISPATCHED, assisting=[cast.urban])
    services.order_sign(actor=cast.urban_handler, order=order)
    services.order_reply(actor=cast.urban_handler, order=order, result="已配合处理。")
    assert fresh(order).state == S.DISPATCHED


def test_a_unit_cannot_reply_twice(cast, make_order):
    order = make_order(S.IN_PROGRESS, assisting=[cast.urban])
    services.order_sign(actor=cast.urban_handler, order=order)
    services.order_reply(actor=cast.urban_handler, order=order, result="已配合处理。")
    refused(order, OrderInputError, lambda: services.order_reply(
        actor=cast.urban_handler, order=order, result="再次回复"))


def test_lead_unit_cannot_reply_while_its_return_is_reviewed(cast, make_order):
    order = make_order(S.IN_PROGRESS)
    request_return(cast, order)
    error = refused(order, InvalidTransition, lambda: services.order_reply(
        actor=cast.housing_handler, order=order, result=RESULT))
    assert "「退单待审」" in str(error) and "「办结回复」" in str(error)


def test_lead_reply_withdraws_a_pending_extension(cast, make_order):
    order = make_order(S.IN_PROGRESS)
    old_deadline = order.reply_deadline
    request_extension(cast, order)
    services.order_reply(actor=cast.housing_handler, order=order, result=RESULT)
    order = fresh(order)
    assert not order.pending_extension
    assert order.extension_requests.get().status == "withdrawn"
    assert order.reply_deadline == old_deadline


def test_accepting_the_reply_starts_the_callback_clock_and_closes_the_units_work(cast, make_order):
    order = make_order(S.REPLIED, assisting=[cast.urban])
    services.reply_accept(actor=cast.dispatcher, order=order)
    order = fresh(order)
    assert order.state == S.AWAITING_CALLBACK
    assert order.accepted_at is not None
    assert order.callback_deadline == add_workdays(order.accepted_at, 2)
    assert (order.due_kind, order.due_from, order.due_at) == ("callback", order.accepted_at, order.callback_deadline)
    assert not order.assignments.filter(is_open=True).exists()
    assert selectors.unit_inbox(user=cast.housing_handler) == []
    assert selectors.unit_inbox(user=cast.urban_handler) == []


def test_a_unit_cannot_act_on_an_order_once_its_reply_is_accepted(cast, make_order):
    order = make_order(S.AWAITING_CALLBACK)
    refused(order, PermissionDenied, lambda: services.order_reply(
        actor=cast.housing_handler, order=order, result=RESULT))
    refused(order, PermissionDenied, lambda: request_return(cast, order))


def test_a_rejected_reply_goes_back_to_the_lead_unit(cast, make_order):
    order = make_order(S.REPLIED)
    deadline = order.reply_deadline
    services.reply_reject(actor=cast.dispatcher, order=order, reason="未写明整改时限。")
    order = fresh(order)
    assert order.state == S.IN_PROGRESS
    assert order.replied_at is None
    assert order.reply_deadline == deadline
    assert lead_assignment(order).status == Assignment.Status.SIGNED
    assert last_event(order).note == "未写明整改时限。"
    services.order_reply(actor=cast.housing_handler, order=order, result="已补充整改时限：本周五前。")
    assert fresh(order).state == S.REPLIED


def test_rejecting_a_reply_needs_a_reason(cast, make_order):
    order = make_order(S.REPLIED)
    error = refused(order, OrderInputError, lambda: services.reply_reject(
        actor=cast.dispatcher, order=order, reason=""))
    assert error.field == "reason"


# --- Callback (回访) ----------------------------------------------------------------------------


@pytest.mark.parametrize("satisfaction", ["satisfied", "basic"])
def test_a_satisfied_callback_closes_the_order(cast, make_order, satisfaction):
    order = make_order(S.AWAITING_CALLBACK)
    callback = services.callback_record(
        actor=cast.operator, order=order, satisfaction=satisfaction, solved=True, responded_in_time=False,
        note=" 市民认可 ",
    )
    order = fresh(order)
    assert order.state == S.CLOSED
    assert order.close_reason == CloseReason.CALLBACK
    assert order.closed_at == callback.at
    assert order.due_at is None
    assert (callback.reached, callback.satisfaction, callback.solved, callback.responded_in_time, callback.note) == (
        True, satisfaction, True, False, "市民认可",
    )
    assert last_event(order).data == {
        "satisfaction": satisfaction, "solved": True, "responded_in_time": False, "in_time": True,
    }


def test_a_dissatisfied_callback_reopens_the_order(cast, make_order):
    order = make_order(S.AWAITING_CALLBACK)
    record_callback(cast, order, "dissatisfied")
    order = fresh(order)
    assert order.state == S.REOPENED
    assert order.closed_at is None
    assert order.close_reason == ""


def test_a_callback_needs_a_known_satisfaction(cast, make_order):
    order = make_order(S.AWAITING_CALLBACK)
    error = refused(order, OrderInputError, lambda: services.callback_record(
        actor=cast.operator, order=order, satisfaction="great", solved=True, responded_in_time=True))
    assert error.field == "satisfaction"


def test_a_dissatisfied_callback_needs_the_citizen_s_reason(cast, make_order):
    order = make_order(S.AWAITING_CALLBACK)
    error = refused(order, OrderInputError, lambda: services.callback_record(
        actor=cast.operator, order=order, satisfaction="dissatisfied", solved=False, responded_in_time=True,
        note="  "))
    assert (error.field, str(error)) == ("note", "回访不满意时，请填写市民不满意的原因。")


def test_rehandling_needs_what_the_unit_must_redo(cast, make_order):
    order = make_order(S.REOPENED)
    error = refused(order, OrderInputError, lambda: services.order_rehandle(actor=cast.dispatcher, order=order, note=""))
    assert (error.field, str(error)) == ("note", "请填写重办要求。")


def test_a_failed_callback_attempt_keeps_the_order_waiting(cast, make_order):
    order = make_order(S.AWAITING_CALLBACK)
    callback = services.callback_fail(actor=cast.operator, order=order, note="无人接听")
    order = fresh(order)
    assert order.state == S.AWAITING_CALLBACK
    assert order.callback_attempts == 1
    assert not callback.reached
    assert last_event(order).data == {"attempt": 1}


def test_the_order_closes_unreachable_after_the_default_three_failed_callbacks(cast, make_order, settings):
    assert settings.CALLBACK_MAX_ATTEMPTS == 3
    order = make_order(S.AWAITING_CALLBACK)
    for _ in range(2):
        services.callback_fail(actor=cast.operator, order=order)
        assert fresh(order).state == S.AWAITING_CALLBACK
    services.callback_fail(actor=cast.operator, order=order)
    order = fresh(order)
    assert order.state == S.CLOSED
    assert order.close_reason == CloseReason.UNREACHABLE
    assert order.closed_at is not None
    assert order.callback_attempts == 3


def test_the_number_of_callback_attempts_is_a_setting(cast, make_order, settings):
    settings.CALLBACK_MAX_ATTEMPTS = 1
    order = make_order(S.AWAITING_CALLBACK)
    services.callback_fail(actor=cast.operator, order=order)
    order = fresh(order)
    assert (order.state, order.close_reason, order.callback_attempts) == (S.CLOSED, CloseReason.UNREACHABLE, 1)


def test_a_callback_after_failed_attempts_still_closes_the_order(cast, make_order):
    order = make_order(S.AWAITING_CALLBACK)
    services.callback_fail(actor=cast.operator, order=order)
    record_callback(cast, order)
    assert fresh(order).state == S.CLOSED
    assert order.callbacks.count() == 2


# --- Re-handle (重办) ------------------------------------------------------------------------------


def test_rehandling_sends_the_order_back_to_its_lead_unit_and_counts_against_it(cast, make_order, monkeypatch):
    order = order_in(cast, make_order, S.REOPENED, assisting=[cast.urban])
    old_deadline = order.reply_deadline
    # Re-handled two weeks later, so the new clock starts on a later working day whatever the day is today
    # (on a weekend or a holiday, two steps a moment apart share the same deadline).
    later = timezone.now() + dt.timedelta(days=14)
    monkeypatch.setattr(services, "_now", lambda: later)
    services.order_rehandle(actor=cast.dispatcher, order=order, note="市民反映电梯仍未修复")
    order = fresh(order)
    assert order.state == S.IN_PROGRESS
    assert order.reopen_count == 1
    lead = Assignment.objects.get(order=order, role=Assignment.Role.LEAD)
    assert (lead.unit, lead.is_open, lead.status, lead.reopen_count) == (
        cast.housing, True, Assignment.Status.SIGNED, 1,
    )
    assert not order.assignments.get(unit=cast.urban).is_open  # only the lead unit is asked again
    assert order.reply_deadline == add_workdays(order.dispatched_at, 10)
    assert order.reply_deadline > old_deadline
    assert order.replied_at is order.accepted_at is order.callback_deadline is None
    assert order.callback_attempts == 0
    assert (order.due_kind, order.due_at) == ("reply", order.reply_deadline)
    assert last_event(order).unit == cast.housing
    assert [row.order.pk for row in selectors.unit_inbox(user=cast.housing_handler)] == [order.pk]
    assert selectors.unit_inbox(user=cast.urban_handler) == []


def test_a_rehandled_order_goes_round_the_loop_again(cast, make_order):
    order = order_in(cast, make_order, S.REOPENED)
    services.order_rehandle(actor=cast.dispatcher, order=order, note="请上门复查。")
    services.order_reply(actor=cast.housing_handler, order=order, result="已更换电梯主板。")
    services.reply_accept(actor=cast.dispatcher, order=order)
    record_callback(cast, order, "dissatisfied")
    services.order_rehandle(actor=cast.dispatcher, order=order, note="请上门复查。")
    order = fresh(order)
    assert order.reopen_count == 2
    assert lead_assignment(order).reopen_count == 2


def test_an_order_answered_on_the_spot_and_reopened_goes_to_the_dispatchers(cast, make_order):
    order = make_order()
    services.order_answer_on_spot(actor=cast.operator, order=order, answer="已答复。", sample_for_callback=True)
    record_callback(cast, order, "dissatisfied")
    services.order_rehandle(actor=cast.dispatcher, order=order, note="请上门复查。")
    order = fresh(order)
    assert order.state == S.PENDING_DISPATCH
    assert order.reopen_count == 1
    assert last_event(order).unit is None
    services.order_dispatch(actor=cast.dispatcher, order=order, lead_unit=cast.housing)
    assert fresh(order).state == S.DISPATCHED


def test_an_assisting_unit_that_replied_keeps_seeing_the_order_after_the_lead_returns_it(cast, make_order):
    from rexian.orders import access

    order = make_order(S.IN_PROGRESS, assisting=[cast.urban])
    services.order_sign(actor=cast.urban_handler, order=order)
    services.order_reply(actor=cast.urban_handler, order=order, result="已配合核查。")
    services.return_request(actor=cast.housing_handler, order=order, reason="不属于本单位职责。")
    services.return_approve(actor=cast.dispatcher, order=order)
    order = fresh(order)
    assert access.can_view(cast.urban_handler, order)
    assert not access.can_view(cast.housing_handler, order)
    assert not order.assignments.filter(is_open=True).exists()


# --- Uphold (维持办结) ------------------------------------------------------------------------------


def test_dispatcher_closes_a_dissatisfied_order_without_rehandling(cast, make_order):
    order = order_in(cast, make_order, S.REOPENED)
    services.order_uphold(
        actor=cast.dispatcher, order=order, reason="诉求要求物业免收全部费用，无政策依据，已向市民解释。",
        expected_version=order.version,
    )
    order = fresh(order)
    assert (order.state, order.close_reason) == (S.CLOSED, "upheld")
    assert order.closed_at is not None and order.due_at is None
    # Not a re-handling: nothing counts against the unit, and its part stays finished.
    assert order.reopen_count == 0
    lead = Assignment.objects.get(order=order, role=Assignment.Role.LEAD)
    assert (lead.reopen_count, lead.is_open) == (0, False)
    assert selectors.unit_inbox(user=cast.housing_handler) == []
    # The citizen's answer stays on record as dissatisfied.
    assert list(order.callbacks.values_list("satisfaction", flat=True)) == ["dissatisfied"]
    event = last_event(order)
    assert (event.action, event.from_state, event.to_state, event.actor, event.unit) == (
        A.UPHOLD, S.REOPENED, S.CLOSED, cast.dispatcher, cast.housing,
    )
    assert event.note == "诉求要求物业免收全部费用，无政策依据，已向市民解释。"


def test_upholding_needs_a_reason(cast, make_order):
    order = order_in(cast, make_order, S.REOPENED)
    error = refused(order, OrderInputError, lambda: services.order_uphold(actor=cast.dispatcher, order=order, reason=" "))
    assert (error.field, str(error)) == ("reason", "请填写维持办结理由。")


# --- Merge (并单) and void (作废) -------------------------------------------------------------------


def test_a_merged_order_points_at_its_master_and_stops(cast, make_order):
    master = make_order()
    order = make_order(S.IN_PROGRESS)
    request_extension(cast, order)
    services.order_merge(actor=cast.dispatcher, order=order, master=master, note="同一诉求人重复来电")
    order = fresh(order)
    assert order.state == S.MERGED
    assert order.master == master
    assert order.closed_at is not None
    assert not order.pending_extension
    assert order.extension_requests.get().status == "withdrawn"
    assert set(order.assignments.values_list("status", "is_open")) == {(Assignment.Status.DONE, False)}
    assert last_event(order).data == {"master": master.number}
    assert list(master.merged_orders.all()) == [order]
    assert fresh(master).state == S.REGISTERED


def test_merging_an_order_under_return_review_settles_the_return(cast, make_order):
    master = make_order()
    order = order_in(cast, make_order, S.RETURN_REQUESTED)
    services.order_merge(actor=cast.operator, order=order, master=master)
    assert order.return_requests.get().status == "rejected"


def test_an_order_cannot_be_merged_into_itself(cast, make_order):
    order = make_order()
    error = refused(order, OrderInputError, lambda: services.order_merge(
        actor=cast.operator, order=order, master=order))
    assert error.field == "master"


@pytest.mark.parametrize("master_state", [S.CLOSED, S.MERGED, S.VOIDED])
def test_an_order_cannot_be_merged_into_a_finished_master(cast, make_order, master_state):
    master = order_in(cast, make_order, master_state)
    order = make_order()
    error = refused(order, OrderInputError, lambda: services.order_merge(
        actor=cast.operator, order=order, master=master))
    assert error.field == "master"
    assert master.number in error.message


def test_an_order_that_is_itself_a_master_cannot_be_merged(cast, make_order):
    master, duplicate, other = make_order(), make_order(), make_order()
    services.order_merge(actor=cast.operator, order=duplicate, master=master)
    error = refused(master, OrderInputError, lambda: services.order_merge(
        actor=cast.operator, order=master, master=other))
    assert error.field == "master"


def test_a_supervisor_voids_an_order_with_a_reason(cast, make_order):
    order = make_order(S.DISPATCHED, assisting=[cast.urban])
    services.order_void(actor=cast.supervisor, order=order, reason="恶意骚扰电话")
    order = fresh(order)
    assert order.state == S.VOIDED
    assert order.closed_at is not None
    assert order.due_at is None
    assert last_event(order).note == "恶意骚扰电话"
    assert not order.assignments.filter(is_open=True).exists()
    assert selectors.unit_inbox(user=cast.housing_handler) == []


def test_voiding_needs_a_reason(cast, make_order):
    order = make_order()
    error = refused(order, OrderInputError, lambda: services.order_void(actor=cast.supervisor, order=order, reason=""))
    assert error.field == "reason"


def test_voiding_settles_pending_requests(cast, make_order):
    order = order_in(cast, make_order, S.RETURN_REQUESTED)
    services.order_void(actor=cast.supervisor, order=order, reason="重复来电")
    assert order.return_requests.get().status == "rejected"


# --- The history as a whole -----------------------------------------------------------------


def test_a_long_life_numbers_its_events_from_one_and_replays_to_its_state(cast, make_order):
    order = make_order(S.IN_PROGRESS, assisting=[cast.urban])
    services.order_sign(actor=cast.urban_handler, order=order)
    request_extension(cast, order)
    services.extension_approve(actor=cast.dispatcher, order=order)
    request_return(cast, order)
    services.return_reject(actor=cast.dispatcher, order=order, reason="属本单位职责")
    services.order_reply(actor=cast.urban_handler, order=order, result="已配合。")
    services.order_reply(actor=cast.housing_handler, order=order, result=RESULT)
    services.reply_reject(actor=cast.dispatcher, order=order, reason="请补充照片")
    services.order_reply(actor=cast.housing_handler, order=order, result=RESULT)
    services.reply_accept(actor=cast.dispatcher, order=order)
    services.callback_fail(actor=cast.operator, order=order)
    record_callback(cast, order, "dissatisfied")
    services.order_rehandle(actor=cast.dispatcher, order=order, note="请上门复查。")
    services.order_reply(actor=cast.housing_handler, order=order, result=RESULT)
    services.reply_accept(actor=cast.dispatcher, order=order)
    record_callback(cast, order)
    order = fresh(order)
    events = list(order.events.order_by("seq"))
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert order.event_count == len(events) == 20
    assert order.version == len(events)  # registered at version 1, one more per later event
    assert replay(events) == order.state == S.CLOSED

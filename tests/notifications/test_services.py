"""Who is told what (rexian/notifications/services.py): one behaviour per test, through the real services."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone, translation

from rexian.notifications import services as notify
from rexian.notifications.models import Notification
from rexian.orders import services
from rexian.orders.deadlines import deadline_scan
from rexian.orders.models import OrderEvent
from rexian.orders.transitions import Action, State
from rexian.units.models import Role
from tests import factories as f
from tests.conftest import register
from tests.notifications.conftest import told

K = Notification.Kind
S = State
HOUR = dt.timedelta(hours=1)
MINUTE = dt.timedelta(minutes=1)

pytestmark = pytest.mark.django_db


def dispatch(cast, order, *, lead=None, assisting=()):
    return services.order_dispatch(
        actor=cast.dispatcher, order=order, lead_unit=lead or cast.housing, assisting_units=assisting
    )


# --- From the steps of the lifecycle ---------------------------------------------------------------


def test_dispatch_tells_the_lead_units_handlers_and_admin(cast, make_order, committed):
    order = make_order(S.PENDING_DISPATCH)
    with committed():
        dispatch(cast, order)
    assert told(order) == {("housing_handler", K.NEW_ORDER), ("housing_admin", K.NEW_ORDER)}


def test_dispatch_tells_the_assisting_units_as_assisting(cast, make_order, committed):
    order = make_order(S.PENDING_DISPATCH)
    with committed():
        dispatch(cast, order, assisting=[cast.urban])
    assert ("urban_handler", K.NEW_ORDER) in told(order)
    assert "协办" in Notification.objects.get(recipient=cast.urban_handler).text
    assert "主办" in Notification.objects.get(recipient=cast.housing_handler).text


def test_another_unit_is_told_nothing(cast, make_order, committed):
    order = make_order(S.PENDING_DISPATCH)
    with committed():
        dispatch(cast, order)
    assert not Notification.objects.filter(recipient__in=[cast.urban_handler, cast.community_handler]).exists()


def test_the_centre_staff_are_not_told_of_a_dispatch(cast, make_order, committed):
    order = make_order(S.PENDING_DISPATCH)
    with committed():
        dispatch(cast, order)
    assert not Notification.objects.filter(recipient__role__in=[Role.DISPATCHER, Role.OPERATOR]).exists()


def test_an_inactive_handler_is_not_told(cast, make_order, committed):
    cast.housing_handler.is_active = False
    cast.housing_handler.save()
    order = make_order(S.PENDING_DISPATCH)
    with committed():
        dispatch(cast, order)
    assert told(order) == {("housing_admin", K.NEW_ORDER)}


def test_the_same_event_twice_creates_nothing_new(cast, make_order, committed):
    order = make_order(S.PENDING_DISPATCH)
    with committed():
        dispatch(cast, order)
    event = OrderEvent.objects.get(order=order, action=Action.DISPATCH)
    notify.notifications_for_event(event_id=event.pk)
    assert Notification.objects.filter(order=order).count() == 2


def test_a_step_that_concerns_no_one_makes_nothing(cast, make_order, committed):
    order = make_order(S.DISPATCHED)
    with committed():
        services.order_sign(actor=cast.housing_handler, order=order)
    assert told(order, K.NEW_ORDER) == set()
    assert not Notification.objects.exists()


def test_an_unknown_event_makes_nothing(db):
    assert notify.notifications_for_event(event_id=987654) == 0


def test_an_approved_return_tells_the_unit_that_asked(cast, make_order, committed):
    order = make_order(S.IN_PROGRESS)
    services.return_request(actor=cast.housing_handler, order=order, reason="不属于本单位职责。")
    with committed():
        services.return_approve(actor=cast.dispatcher, order=order)
    assert told(order) == {("housing_handler", K.RETURN_DECIDED), ("housing_admin", K.RETURN_DECIDED)}
    assert "已同意" in Notification.objects.get(recipient=cast.housing_admin).text


def test_a_rejected_return_tells_the_unit_why(cast, make_order, committed):
    order = make_order(S.IN_PROGRESS)
    services.return_request(actor=cast.housing_handler, order=order, reason="不属于本单位职责。")
    with committed():
        services.return_reject(actor=cast.dispatcher, order=order, reason="物业监管属住建局职责")
    notification = Notification.objects.get(recipient=cast.housing_handler)
    assert notification.kind == K.RETURN_DECIDED
    assert "驳回" in notification.text and "物业监管属住建局职责" in notification.text


def test_a_redispatch_after_a_return_tells_the_new_unit(cast, make_order, committed):
    order = make_order(S.IN_PROGRESS)
    services.return_request(actor=cast.housing_handler, order=order, reason="不属于本单位职责。")
    services.return_approve(actor=cast.dispatcher, order=order)
    with committed():
        dispatch(cast, order, lead=cast.urban)
    assert told(order) == {("urban_handler", K.NEW_ORDER)}


def test_an_approved_extension_tells_the_new_deadline(cast, make_order, committed):
    order = make_order(S.IN_PROGRESS)
    new_deadline = order.reply_deadline + dt.timedelta(days=3)
    services.extension_request(actor=cast.housing_handler, order=order, new_deadline=new_deadline, reason="需协调")
    with committed():
        services.extension_approve(actor=cast.dispatcher, order=order)
    notification = Notification.objects.get(recipient=cast.housing_handler)
    assert notification.kind == K.EXTENSION_DECIDED
    assert timezone.localtime(new_deadline).strftime("%m-%d %H:%M") in notification.text


def test_a_rejected_extension_tells_the_lead_unit(cast, make_order, committed):
    order = make_order(S.IN_PROGRESS)
    new_deadline = order.reply_deadline + dt.timedelta(days=3)
    services.extension_request(actor=cast.housing_handler, order=order, new_deadline=new_deadline, reason="需协调")
    with committed():
        services.extension_reject(actor=cast.dispatcher, order=order, reason="时限充足")
    assert told(order) == {("housing_handler", K.EXTENSION_DECIDED), ("housing_admin", K.EXTENSION_DECIDED)}


def test_a_rejected_reply_tells_the_lead_unit(cast, make_order, committed):
    order = make_order(S.REPLIED)
    with committed():
        services.reply_reject(actor=cast.dispatcher, order=order, reason="未说明整改时间")
    assert told(order) == {("housing_handler", K.REPLY_REJECTED), ("housing_admin", K.REPLY_REJECTED)}
    assert "未说明整改时间" in Notification.objects.get(recipient=cast.housing_handler).text


def test_a_rejected_reply_does_not_tell_an_assisting_unit(cast, make_order, committed):
    order = make_order(S.REPLIED, assisting=[cast.urban])
    with committed():
        services.reply_reject(actor=cast.dispatcher, order=order, reason="未说明整改时间")
    assert ("urban_handler", K.REPLY_REJECTED) not in told(order)


def dissatisfied(cast, order):
    return services.callback_record(
        actor=cast.operator, order=order, satisfaction="dissatisfied", solved=False, responded_in_time=True,
        note="市民表示问题仍未解决。",
    )


def test_a_dissatisfied_callback_tells_the_dispatcher_who_dispatched(cast, make_order, committed):
    f.UserFactory(username="dispatcher2", role=Role.DISPATCHER, unit=cast.centre)
    order = make_order(S.AWAITING_CALLBACK)
    with committed():
        dissatisfied(cast, order)
    assert told(order) == {("dispatcher", K.CALLBACK_DISSATISFIED)}


def test_a_dissatisfied_callback_tells_every_dispatcher_when_no_one_dispatched(cast, committed):
    f.UserFactory(username="dispatcher2", role=Role.DISPATCHER, unit=cast.centre)
    order = services.order_answer_on_spot(
        actor=cast.operator, order=register(cast), answer="已告知办理流程。", sample_for_callback=True
    )
    with committed():
        dissatisfied(cast, order)
    assert told(order) == {("dispatcher", K.CALLBACK_DISSATISFIED), ("dispatcher2", K.CALLBACK_DISSATISFIED)}


def test_a_satisfied_callback_tells_no_one(cast, make_order, committed):
    order = make_order(S.AWAITING_CALLBACK)
    with committed():
        services.callback_record(
            actor=cast.operator, order=order, satisfaction="satisfied", solved=True, responded_in_time=True
        )
    assert told(order) == set()


def test_rehandling_tells_the_lead_unit_the_order_is_back(cast, make_order, committed):
    order = make_order(S.AWAITING_CALLBACK)
    dissatisfied(cast, order)
    with committed():
        services.order_rehandle(actor=cast.dispatcher, order=order, note="请重新核实")
    assert told(order) == {("housing_handler", K.REOPENED), ("housing_admin", K.REOPENED)}


def test_the_rehandling_notice_carries_what_the_unit_must_redo(cast, make_order, committed):
    order = make_order(S.AWAITING_CALLBACK)
    dissatisfied(cast, order)
    with committed():
        services.order_rehandle(actor=cast.dispatcher, order=order, note="市民反映电梯仍有异响，请上门复查")
    text = Notification.objects.get(recipient=cast.housing_handler).text
    assert text == "回访不满意，工单重办，请重新办理：小区电梯长期故障无人维修。重办要求：市民反映电梯仍有异响，请上门复查"


def test_upholding_the_handling_tells_no_one(cast, make_order, committed):
    order = make_order(S.AWAITING_CALLBACK)
    dissatisfied(cast, order)
    with committed():
        services.order_uphold(actor=cast.dispatcher, order=order, reason="诉求无政策依据，已向市民解释。")
    assert told(order) == set()  # the order is closed at the centre: no unit has anything to do


def test_an_escalation_tells_the_unit_whose_deadline_passed(cast, make_order, committed):
    order = make_order(S.DISPATCHED)
    with committed():
        deadline_scan(now=order.due_at + MINUTE)
    assert told(order) == {("housing_handler", K.ESCALATED), ("housing_admin", K.ESCALATED)}
    assert "签收时限" in Notification.objects.get(recipient=cast.housing_handler).text


def test_notifications_are_in_chinese_whatever_the_actors_language(cast, make_order, committed):
    order = make_order(S.REPLIED)
    with translation.override("en"), committed():
        services.reply_reject(actor=cast.dispatcher, order=order, reason="未说明整改时间")
    assert Notification.objects.get(recipient=cast.housing_handler).text.startswith("办结回复被退回")


# --- Deadlines coming up (时限临近) -----------------------------------------------------------------


def test_a_sign_deadline_two_hours_away_tells_the_unit(cast, make_order):
    order = make_order(S.DISPATCHED)
    assert notify.deadline_soon_scan(now=order.sign_deadline - HOUR) == 2
    assert told(order) == {("housing_handler", K.DEADLINE_SOON), ("housing_admin", K.DEADLINE_SOON)}
    notification = Notification.objects.get(recipient=cast.housing_handler)
    assert notification.deadline == order.sign_deadline
    assert "签收时限临近" in notification.text


def test_a_deadline_further_away_tells_no_one_yet(cast, make_order):
    order = make_order(S.DISPATCHED)
    assert notify.deadline_soon_scan(now=order.sign_deadline - 3 * HOUR) == 0


def test_the_scan_tells_once_per_deadline(cast, make_order):
    order = make_order(S.DISPATCHED)
    notify.deadline_soon_scan(now=order.sign_deadline - HOUR)
    assert notify.deadline_soon_scan(now=order.sign_deadline - 30 * MINUTE) == 0
    assert Notification.objects.filter(order=order).count() == 2


def test_the_window_follows_the_setting(cast, make_order, settings):
    settings.NOTIFY_DEADLINE_HOURS = 4
    order = make_order(S.DISPATCHED)
    assert notify.deadline_soon_scan(now=order.sign_deadline - 3 * HOUR) == 2


def test_the_reply_deadline_of_an_order_in_progress_tells_the_lead_unit(cast, make_order):
    order = make_order(S.IN_PROGRESS)
    notify.deadline_soon_scan(now=order.reply_deadline - HOUR)
    notification = Notification.objects.get(recipient=cast.housing_handler)
    assert (notification.kind, notification.deadline) == (K.DEADLINE_SOON, order.reply_deadline)
    assert "办结时限临近" in notification.text


def test_an_assisting_units_unsigned_part_is_told_of_its_sign_deadline(cast, make_order):
    order = make_order(S.IN_PROGRESS, assisting=[cast.urban])
    notify.deadline_soon_scan(now=order.sign_deadline - HOUR)
    assert told(order) == {("urban_handler", K.DEADLINE_SOON)}  # the lead unit has signed


def test_a_closed_order_is_not_told_of_anything(cast, make_order):
    order = make_order(S.CLOSED)
    for moment in (order.sign_deadline, order.reply_deadline):
        assert notify.deadline_soon_scan(now=moment - HOUR) == 0


def test_an_order_waiting_for_review_is_not_told(cast, make_order):
    order = make_order(S.REPLIED)
    assert notify.deadline_soon_scan(now=order.reply_deadline - HOUR) == 0


def test_a_past_deadline_is_for_the_escalation_not_this_scan(cast, make_order):
    order = make_order(S.DISPATCHED)
    assert notify.deadline_soon_scan(now=order.sign_deadline + MINUTE) == 0


def test_the_scan_task_runs_the_scan(cast, make_order):
    from rexian.notifications.tasks import deadline_soon_scan_task

    make_order(S.DISPATCHED)
    assert deadline_soon_scan_task.call() == 0  # real clock: the deadline is a working day away


# --- In the recipient's language (界面语言) ------------------------------------------------------------


def english(*users):
    for user in users:
        user.language = "en"
        user.save(update_fields=["language"])


def text_of(user, order) -> str:
    return Notification.objects.get(recipient=user, order=order).text


def test_a_dispatch_is_told_to_each_recipient_in_their_own_language(cast, make_order, committed):
    english(cast.housing_handler, cast.urban_handler)
    order = make_order(S.PENDING_DISPATCH)
    with committed():
        dispatch(cast, order, assisting=[cast.urban])
    assert text_of(cast.housing_handler, order) == "New order (lead): 小区电梯长期故障无人维修"
    assert text_of(cast.urban_handler, order) == "New order (assisting): 小区电梯长期故障无人维修"
    assert text_of(cast.housing_admin, order) == "新工单（主办）：小区电梯长期故障无人维修"


def test_an_approved_extension_is_told_in_english_to_an_english_handler(cast, make_order, committed):
    english(cast.housing_handler)
    order = make_order(S.IN_PROGRESS)
    new_deadline = order.reply_deadline + dt.timedelta(days=3)
    services.extension_request(actor=cast.housing_handler, order=order, new_deadline=new_deadline, reason="需协调")
    with committed():
        services.extension_approve(actor=cast.dispatcher, order=order)
    moment = timezone.localtime(new_deadline).strftime("%m-%d %H:%M")
    assert text_of(cast.housing_handler, order) == f"Extension approved; the completion deadline is now {moment}"
    assert text_of(cast.housing_admin, order) == f"延期申请已同意，办结时限延至 {moment}"


def test_rehandling_is_told_in_english_with_the_dispatchers_note_as_written(cast, make_order, committed):
    english(cast.housing_admin)
    order = make_order(S.AWAITING_CALLBACK)
    dissatisfied(cast, order)
    with committed():
        services.order_rehandle(actor=cast.dispatcher, order=order, note="请上门复查")
    reopened = Notification.objects.filter(order=order, kind=K.REOPENED)
    assert reopened.get(recipient=cast.housing_admin).text == (
        "Dissatisfied callback; please handle the order again: 小区电梯长期故障无人维修. What to redo: 请上门复查"
    )
    assert reopened.get(recipient=cast.housing_handler).text == (
        "回访不满意，工单重办，请重新办理：小区电梯长期故障无人维修。重办要求：请上门复查"
    )


def test_a_rejected_reply_is_told_in_english_with_the_reason_as_written(cast, make_order, committed):
    english(cast.housing_handler)
    order = make_order(S.REPLIED)
    with committed():
        services.reply_reject(actor=cast.dispatcher, order=order, reason="未说明整改时间")
    assert text_of(cast.housing_handler, order) == "Closing reply sent back: 未说明整改时间"
    assert text_of(cast.housing_admin, order) == "办结回复被退回：未说明整改时间"


def test_an_escalation_names_the_deadline_in_the_recipients_language(cast, make_order, committed):
    english(cast.housing_handler)
    order = make_order(S.DISPATCHED)
    with committed():
        deadline_scan(now=order.due_at + MINUTE)
    moment = timezone.localtime(order.sign_deadline).strftime("%m-%d %H:%M")
    assert text_of(cast.housing_handler, order) == (
        f"Sign-for deadline has passed ({moment}); please handle the order promptly: 小区电梯长期故障无人维修"
    )
    assert text_of(cast.housing_admin, order) == f"签收时限已超期（{moment}），请尽快办理：小区电梯长期故障无人维修"


def test_a_dissatisfied_callback_is_told_in_english_to_an_english_dispatcher(cast, make_order, committed):
    english(cast.dispatcher)
    order = make_order(S.AWAITING_CALLBACK)
    with committed():
        dissatisfied(cast, order)
    assert text_of(cast.dispatcher, order) == (
        "Dissatisfied callback; decide whether to re-handle the order: 小区电梯长期故障无人维修"
    )


def test_an_english_actor_does_not_make_a_chinese_recipients_text_english(cast, make_order, committed):
    english(cast.dispatcher)
    order = make_order(S.REPLIED)
    with translation.override("en"), committed():
        services.reply_reject(actor=cast.dispatcher, order=order, reason="未说明整改时间")
    assert text_of(cast.housing_handler, order) == "办结回复被退回：未说明整改时间"


def test_the_recipients_languages_cost_no_query_per_recipient(cast, make_order, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    order = make_order(S.PENDING_DISPATCH)
    dispatch(cast, order)  # not committed: nothing told yet
    event = OrderEvent.objects.get(order=order, action=Action.DISPATCH)
    with CaptureQueriesContext(connection) as chinese_only:
        assert notify.notifications_for_event(event_id=event.pk) == 2
    Notification.objects.all().delete()
    english(cast.housing_handler, *(f.UserFactory(role=Role.UNIT_HANDLER, unit=cast.housing) for _ in range(3)))
    with django_assert_num_queries(len(chinese_only)):
        assert notify.notifications_for_event(event_id=event.pk) == 5


def test_a_deadline_coming_up_is_told_to_each_recipient_in_their_own_language(cast, make_order):
    english(cast.housing_handler)
    order = make_order(S.DISPATCHED)
    assert notify.deadline_soon_scan(now=order.sign_deadline - HOUR) == 2
    moment = timezone.localtime(order.sign_deadline).strftime("%m-%d %H:%M")
    assert text_of(cast.housing_handler, order) == (
        f"Sign-for deadline approaching ({moment}): 小区电梯长期故障无人维修"
    )
    assert text_of(cast.housing_admin, order) == f"签收时限临近（{moment}）：小区电梯长期故障无人维修"

"""What callers text back (rexian/sms/services.py, "What callers text back"): ratings by text, opt-outs, the
operators' 短信来信 list, and the gateway's delivery reports."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from rexian.orders.models import Callback, OrderEvent, Satisfaction
from rexian.orders.transitions import Action, State
from rexian.sms import services
from rexian.sms.models import IncomingSms, SmsMessage, SmsOptOut

pytestmark = pytest.mark.django_db

In = IncomingSms.Status
PHONE = "13812348000"  # the factories' caller


@pytest.fixture
def replies(settings):
    """The log gateway, with callers' replies taken."""
    settings.SMS_BACKEND, settings.SMS_SIGN, settings.SMS_PORTAL_URL = "log", "泰兴12345", ""
    settings.SMS_REPLIES, settings.SMS_SECRET = True, "s3cret"
    return settings


@pytest.fixture
def surveyed(replies, make_order, django_capture_on_commit_callbacks):
    """An order awaiting its callback whose result notice, asking for a rating, has been sent."""
    with django_capture_on_commit_callbacks(execute=True):
        order = make_order(State.AWAITING_CALLBACK)
    return order


_counter = iter(range(1, 10**6))


def receive(text: str, *, phone: str = PHONE, at: dt.datetime | None = None, reference: str | None = None):
    return services.sms_receive(reference=reference or f"gw-{next(_counter)}", phone=phone, text=text,
                                received_at=at)


def test_the_result_notice_asks_for_a_rating_and_every_text_says_how_to_opt_out(surveyed):
    result = SmsMessage.objects.get(order=surveyed, kind=SmsMessage.Kind.RESULT)
    assert result.survey and result.phone_hash
    assert result.text.endswith("请回复数字评价办理结果：1满意，2基本满意，3不满意。回复TD退订")
    assert "我们将回访" not in result.text
    receipt = SmsMessage.objects.get(order=surveyed, kind=SmsMessage.Kind.RECEIPT)
    assert not receipt.survey and receipt.text.endswith("可拨打12345凭工单号查询。回复TD退订")


def test_without_replies_the_texts_stay_as_they_were(replies, make_order, django_capture_on_commit_callbacks):
    replies.SMS_REPLIES = False
    with django_capture_on_commit_callbacks(execute=True):
        make_order(State.AWAITING_CALLBACK)
    result = SmsMessage.objects.get(kind=SmsMessage.Kind.RESULT)
    assert not result.survey and result.text.endswith("我们将回访听取您的评价。")


@pytest.mark.parametrize(("text", "satisfaction", "comment"), [
    ("1", Satisfaction.SATISFIED, ""),
    (" ２ ", Satisfaction.BASIC, ""),
    ("满意", Satisfaction.SATISFIED, ""),
    ("基本满意", Satisfaction.BASIC, ""),
    ("3，路灯还是不亮", Satisfaction.DISSATISFIED, "路灯还是不亮"),
    ("３ 没人来修", Satisfaction.DISSATISFIED, "没人来修"),
])
def test_what_counts_as_a_rating(text, satisfaction, comment):
    assert services.parse_rating(text) == (satisfaction, comment)


@pytest.mark.parametrize("text", ["12", "4", "123号楼漏水", "不太满意", "谢谢", "1号线地铁", "TD"])
def test_what_is_not_a_rating(text):
    assert services.parse_rating(text) is None


@pytest.mark.parametrize("text", ["TD", "td", "ＴＤ", "T", "退订", " 退订 "])
def test_what_opts_out(text):
    assert services.is_opt_out(text)


def test_a_satisfied_reply_is_the_orders_callback_and_closes_it(surveyed):
    incoming = receive("1")
    assert (incoming.status, incoming.order) == (In.RATED, surveyed)
    surveyed.refresh_from_db()
    assert surveyed.state == State.CLOSED
    callback = Callback.objects.get(order=surveyed)
    assert (callback.reached, callback.satisfaction, callback.solved, callback.note) == (
        True, Satisfaction.SATISFIED, None, "短信评价：满意")
    assert callback.operator.username == "sms" and callback.operator.role == "integration"


def test_a_dissatisfied_reply_reopens_the_order_with_the_callers_words(surveyed):
    incoming = receive("3，还是没人来修")
    assert incoming.status == In.RATED
    surveyed.refresh_from_db()
    assert surveyed.state == State.REOPENED
    assert OrderEvent.objects.filter(order=surveyed, action=Action.CALLBACK).get().note == (
        "短信评价：不满意。还是没人来修")


def test_a_rating_after_the_callback_is_kept_but_not_counted(surveyed, cast):
    from rexian.orders import services as order_services

    order_services.callback_record(actor=cast.operator, order=surveyed, satisfaction=Satisfaction.SATISFIED,
                                   solved=True, responded_in_time=True)
    incoming = receive("3")
    assert (incoming.status, incoming.order) == (In.RATED_LATE, surveyed)
    assert Callback.objects.filter(order=surveyed).count() == 1


def test_a_rating_nobody_asked_for_goes_to_the_operators(replies):
    incoming = receive("1")
    assert (incoming.status, incoming.order) == (In.OPEN, None)


def test_an_invitation_stands_for_seven_days(surveyed):
    SmsMessage.objects.filter(order=surveyed, kind=SmsMessage.Kind.RESULT).update(
        sent_at=timezone.now() - dt.timedelta(days=7, minutes=1))
    assert receive("1").status == In.OPEN


def test_a_reply_from_another_number_rates_nothing(surveyed):
    assert receive("1", phone="13900001111").status == In.OPEN
    surveyed.refresh_from_db()
    assert surveyed.state == State.AWAITING_CALLBACK


def test_the_reply_rates_the_order_still_waiting(surveyed, make_order, django_capture_on_commit_callbacks, cast):
    from rexian.orders import services as order_services

    with django_capture_on_commit_callbacks(execute=True):
        later = make_order(State.AWAITING_CALLBACK)
    order_services.callback_record(actor=cast.operator, order=later, satisfaction=Satisfaction.SATISFIED,
                                   solved=True, responded_in_time=True)
    incoming = receive("2")  # the later order was called back: the reply is the earlier one's
    assert (incoming.status, incoming.order) == (In.RATED, surveyed)


def test_a_deactivated_sms_account_leaves_the_rating_to_an_operator(surveyed):
    from rexian.portal.services import integration_account

    account = integration_account("sms", "短信回访")
    account.is_active = False
    account.save()
    incoming = receive("1")
    assert incoming.status == In.OPEN
    surveyed.refresh_from_db()
    assert surveyed.state == State.AWAITING_CALLBACK


def test_a_repeated_post_is_taken_once(replies):
    first = receive("你好，小区路灯坏了", reference="gw-same")
    assert first is not None and receive("你好，小区路灯坏了", reference="gw-same") is None
    assert IncomingSms.objects.count() == 1


def test_the_number_is_stored_encrypted_and_normalised(replies):
    incoming = receive("路灯坏了", phone="+86 138-1234-8000")
    incoming.refresh_from_db()
    assert incoming.phone == PHONE
    assert incoming.text == "路灯坏了"


@pytest.mark.parametrize(("fields", "field"), [
    ({"reference": ""}, "id"),
    ({"phone": "12"}, "from"),
    ({"text": "   "}, "text"),
    ({"text": "长" * 1001}, "text"),
])
def test_a_text_that_cannot_be_stored_is_refused(replies, fields, field):
    given = {"reference": "gw-x", "phone": PHONE, "text": "你好", **fields}
    with pytest.raises(services.IncomingInputError) as refused:
        services.sms_receive(**given)
    assert refused.value.field == field
    assert not IncomingSms.objects.exists()


def test_a_batch_is_all_or_none(replies):
    with pytest.raises(services.IncomingInputError) as refused:
        services.sms_receive_many([{"reference": "a", "phone": PHONE, "text": "你好"},
                                   {"reference": "b", "phone": PHONE, "text": ""}])
    assert refused.value.index == 1
    assert not IncomingSms.objects.exists()


def test_a_received_time_in_the_future_is_taken_as_now(replies):
    incoming = receive("你好", at=timezone.now() + dt.timedelta(days=1))
    assert incoming.received_at <= timezone.now()


def test_td_stops_every_later_text(replies, make_order, django_capture_on_commit_callbacks):
    incoming = receive("TD")
    assert incoming.status == In.OPTED_OUT
    opt_out = SmsOptOut.objects.get()
    assert (opt_out.masked_phone, opt_out.source) == ("138****8000", "短信回复退订")
    assert receive("退订").status == In.OPTED_OUT and SmsOptOut.objects.count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        make_order(State.AWAITING_CALLBACK)
    assert not SmsMessage.objects.exists()


def test_an_operator_dismisses_a_text_with_a_reason(replies, cast):
    incoming = receive("谢谢你们")
    with pytest.raises(services.IncomingInputError):
        services.incoming_dismiss(actor=cast.operator, incoming_id=incoming.pk, note="  ")
    services.incoming_dismiss(actor=cast.operator, incoming_id=incoming.pk, note="致谢，无需登记")
    incoming.refresh_from_db()
    assert (incoming.status, incoming.handled_by, incoming.note) == (In.DISMISSED, cast.operator, "致谢，无需登记")
    with pytest.raises(services.IncomingInputError, match="已由他人处理"):
        services.incoming_dismiss(actor=cast.operator, incoming_id=incoming.pk, note="再次")


def test_an_operator_registers_a_text_as_an_order(replies, cast, make_order):
    incoming = receive("幸福路路灯不亮")
    order = make_order(State.REGISTERED)
    services.incoming_registered(actor=cast.operator, incoming_id=incoming.pk, order=order)
    incoming.refresh_from_db()
    assert (incoming.status, incoming.order, incoming.handled_at is not None) == (In.REGISTERED, order, True)


def test_only_operators_and_supervisors_handle_texts(replies, cast):
    incoming = receive("你好")
    for user in (cast.dispatcher, cast.housing_handler):
        with pytest.raises(PermissionDenied):
            services.incoming_dismiss(actor=user, incoming_id=incoming.pk, note="无")
    services.incoming_dismiss(actor=cast.supervisor, incoming_id=incoming.pk, note="无")


def test_delivery_reports_follow_a_sent_message(replies, make_order, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        make_order(State.REGISTERED)
    message = SmsMessage.objects.get()
    at = timezone.now()
    assert services.sms_delivery_report(message_id=message.pk, delivered=True, at=at)
    message.refresh_from_db()
    assert (message.status, message.delivered_at) == (SmsMessage.Status.DELIVERED, at)
    assert services.sms_delivery_report(message_id=message.pk, delivered=False, error="UNDELIV: 关机")
    message.refresh_from_db()
    assert (message.status, message.last_error) == (SmsMessage.Status.UNDELIVERED, "UNDELIV: 关机")
    assert not services.sms_delivery_report(message_id=message.pk + 1000, delivered=True)


def test_a_report_on_a_message_not_sent_yet_is_not_taken(replies, make_order):
    replies.SMS_BACKEND = "log"
    make_order(State.REGISTERED)  # made on commit, which this test never reaches: nothing to report on
    message = SmsMessage.objects.create(order=make_order(State.REGISTERED), kind=SmsMessage.Kind.RESULT,
                                        phone=PHONE, text="x")
    assert not services.sms_delivery_report(message_id=message.pk, delivered=True)
    message.refresh_from_db()
    assert message.status == SmsMessage.Status.PENDING


def test_td_from_a_number_that_is_no_mobile_waits_for_an_operator(replies):
    assert receive("TD", phone="10086").status == In.OPEN
    assert not SmsOptOut.objects.exists()


def answered_on_call(cast, make_order, django_capture_on_commit_callbacks, *, sampled: bool):
    from rexian.orders import services as order_services

    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():  # as the intake page does: registered and answered in one step
            order = make_order(State.REGISTERED)
            order_services.order_answer_on_spot(actor=cast.operator, order=order, answer="已告知办理流程。",
                                                sample_for_callback=sampled)
    return order


def test_an_answer_on_the_call_sampled_for_callback_asks_for_a_rating_and_no_receipt(
        replies, cast, make_order, django_capture_on_commit_callbacks):
    order = answered_on_call(cast, make_order, django_capture_on_commit_callbacks, sampled=True)
    message = SmsMessage.objects.get(order=order)
    assert (message.kind, message.survey) == (SmsMessage.Kind.RESULT, True)
    assert message.text == (f"【泰兴12345】您来电反映的问题（工单号{order.number}）已当场答复。"
                            "请回复数字评价办理结果：1满意，2基本满意，3不满意。回复TD退订")
    assert receive("2").order == order
    order.refresh_from_db()
    assert order.state == State.CLOSED


@pytest.mark.parametrize(("sampled", "replies_on"), [(False, True), (True, False)])
def test_an_answer_on_the_call_is_otherwise_not_texted(replies, cast, make_order, django_capture_on_commit_callbacks,
                                                        sampled, replies_on):
    replies.SMS_REPLIES = replies_on
    answered_on_call(cast, make_order, django_capture_on_commit_callbacks, sampled=sampled)
    assert not SmsMessage.objects.exists()

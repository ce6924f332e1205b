"""短信来信 in the console (rexian/console/views/sms.py): the operators' list of callers' texts, setting one aside,
registering one on the intake page, the menu's count, and the caller's texts on the order page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from rexian.orders.models import WorkOrder
from rexian.orders.transitions import State
from rexian.privacy.models import PersonalDataAccess
from rexian.sms import services
from rexian.sms.models import IncomingSms, SmsMessage
from tests import factories as f
from tests.console.test_intake import form_data

pytestmark = pytest.mark.django_db

URL = reverse("console:incoming-sms")
INTAKE = reverse("console:intake")
In = IncomingSms.Status
PHONE = "13900001234"


@pytest.fixture
def replies(settings):
    """Callers' replies taken, sent through the log gateway."""
    settings.SMS_BACKEND, settings.SMS_SIGN, settings.SMS_PORTAL_URL = "log", "泰兴12345", ""
    settings.SMS_REPLIES, settings.SMS_SECRET = True, "s3cret"
    return settings


_counter = iter(range(1, 10**6))


def receive(text: str, *, phone: str = PHONE, minutes_ago: int = 0) -> IncomingSms:
    return services.sms_receive(reference=f"gw-{next(_counter)}", phone=phone, text=text,
                                received_at=timezone.now() - dt.timedelta(minutes=minutes_ago))


def dismiss_url(incoming: IncomingSms) -> str:
    return reverse("console:incoming-sms-dismiss", args=[incoming.pk])


def client_for(user) -> Client:
    client = Client()
    client.force_login(type(user).objects.get(pk=user.pk))
    return client


def status_of(incoming: IncomingSms) -> str:
    incoming.refresh_from_db()
    return incoming.status


# --- The list --------------------------------------------------------------------------------------------------------


def test_the_list_shows_the_waiting_texts_oldest_first_with_the_number_masked(signed_in, cast, replies):
    newer = receive("幸福路的路灯坏了三天了", minutes_ago=5)
    older = receive("小区门口的垃圾没人清运", phone="13800000021", minutes_ago=30)
    done = receive("谢谢你们")
    services.incoming_dismiss(actor=cast.operator, incoming_id=done.pk, note="致谢")
    response = signed_in(cast.operator).get(URL)
    page = response.content.decode()
    assert response.status_code == 200
    assert page.index("小区门口的垃圾没人清运") < page.index("幸福路的路灯坏了三天了")
    assert "谢谢你们" not in page  # handled: not waiting any more
    assert "139****1234" in page and "138****0021" in page
    assert PHONE not in page and "13800000021" not in page
    assert f'href="{INTAKE}?sms={older.pk}"' in page and f'href="{INTAKE}?sms={newer.pk}"' in page
    assert f'action="{dismiss_url(newer)}"' in page
    assert not PersonalDataAccess.objects.exists()  # masked numbers only: nothing read in full


def test_a_supervisor_may_open_it_too(signed_in, cast, replies):
    receive("你好，想咨询一下")
    response = signed_in(cast.supervisor).get(URL)
    assert response.status_code == 200 and "你好，想咨询一下" in response.content.decode()


@pytest.mark.parametrize("role", ["housing_handler", "dispatcher", "leader"])
def test_other_staff_get_403_and_handle_nothing(signed_in, cast, replies, role):
    incoming = receive("你好")
    client = signed_in(getattr(cast, role))
    assert client.get(URL).status_code == 403
    assert client.post(dismiss_url(incoming), {"note": "无需登记"}).status_code == 403
    assert client.get(INTAKE, {"sms": incoming.pk}).status_code == 403
    assert status_of(incoming) == In.OPEN
    assert not PersonalDataAccess.objects.exists()


def test_every_text_newest_first_with_what_became_of_it(signed_in, cast, replies, make_order):
    dismissed = receive("谢谢", minutes_ago=30)
    services.incoming_dismiss(actor=cast.supervisor, incoming_id=dismissed.pk, note="致谢，无需登记")
    registered = receive("幸福路路灯不亮", minutes_ago=20)
    order = make_order(State.REGISTERED)
    services.incoming_registered(actor=cast.operator, incoming_id=registered.pk, order=order)
    waiting = receive("还在等回复", minutes_ago=10)
    page = signed_in(cast.operator).get(URL, {"show": "all"}).content.decode()
    assert page.index("还在等回复") < page.index("幸福路路灯不亮") < page.index("谢谢")
    assert "致谢，无需登记" in page and str(cast.supervisor) in page
    assert "无需登记" in page and "已登记工单" in page and "待处理" in page
    assert f'href="{reverse("console:order", args=[order.number])}">{order.number}</a>' in page
    # Only the waiting text can still be registered or set aside.
    assert f"?sms={waiting.pk}" in page
    assert f"?sms={registered.pk}" not in page and dismiss_url(dismissed) not in page


def test_the_list_is_paged(signed_in, cast, replies, monkeypatch):
    monkeypatch.setattr("rexian.console.views.sms.PAGE_SIZE", 2)
    for minutes, text in ((30, "第一条"), (20, "第二条"), (10, "第三条")):
        receive(text, minutes_ago=minutes)
    client = signed_in(cast.operator)
    first = client.get(URL)
    assert first.context["has_next"] and [t.text for t in first.context["rows"]] == ["第一条", "第二条"]
    second = client.get(URL, {"page": 2})
    assert not second.context["has_next"] and [t.text for t in second.context["rows"]] == ["第三条"]


def test_a_bad_filter_is_a_400(signed_in, cast, replies):
    assert signed_in(cast.operator).get(URL, {"show": "every"}).status_code == 400


# --- 无需登记 ---------------------------------------------------------------------------------------------------------


def test_an_operator_sets_a_text_aside_with_a_reason(signed_in, cast, replies):
    incoming = receive("谢谢你们")
    client = signed_in(cast.operator)
    response = client.post(dismiss_url(incoming), {"note": "  致谢，无需登记 ", "next": f"{URL}?show=all"})
    assert (response.status_code, response["Location"]) == (302, f"{URL}?show=all")
    incoming.refresh_from_db()
    assert (incoming.status, incoming.handled_by, incoming.note) == (In.DISMISSED, cast.operator, "致谢，无需登记")
    assert "已将这条短信标为无需登记。" in client.get(URL).content.decode()


def test_setting_a_text_aside_without_a_reason_is_refused_beside_it(signed_in, cast, replies):
    incoming = receive("谢谢你们")
    response = signed_in(cast.operator).post(dismiss_url(incoming), {"note": "   ", "next": URL})
    page = response.content.decode()
    assert response.status_code == 400
    assert f'<p class="field-error" id="sms-note-{incoming.pk}-error" role="alert">请填写无需登记的原因。</p>' in page
    assert "谢谢你们" in page  # the list again, the text still in it
    assert status_of(incoming) == In.OPEN


def test_setting_aside_a_text_a_colleague_handled_says_so(signed_in, cast, replies):
    incoming = receive("谢谢你们")
    services.incoming_dismiss(actor=cast.supervisor, incoming_id=incoming.pk, note="致谢")
    response = signed_in(cast.operator).post(dismiss_url(incoming), {"note": "致谢", "next": URL})
    assert response.status_code == 400
    assert '<div class="form-errors" role="alert"><p>这条短信已由他人处理。</p></div>' in response.content.decode()
    incoming.refresh_from_db()
    assert (incoming.handled_by, incoming.note) == (cast.supervisor, "致谢")


# --- 登记工单 on the intake page -------------------------------------------------------------------------------------


def test_the_intake_page_holds_the_text_and_logs_the_read_of_the_number(signed_in, cast, replies):
    incoming = receive("幸福路 12 号门口的路灯不亮")
    response = signed_in(cast.operator).get(INTAKE, {"sms": incoming.pk})
    assert response.status_code == 200
    form = response.context["form"]
    assert form["caller_phone"].value() == PHONE
    assert form["description"].value() == "幸福路 12 号门口的路灯不亮"
    assert form["channel"].value() == f.channel("sms").pk
    assert form["incoming_sms"].value() == incoming.pk
    page = response.content.decode()
    assert f'name="incoming_sms" value="{incoming.pk}"' in page and 'id="intake-from-sms"' in page
    log = PersonalDataAccess.objects.get()
    assert (log.user, log.subject_type, log.subject_id, log.fields) == (
        cast.operator, "incoming_sms", str(incoming.pk), "phone")


def test_registering_the_text_links_it_to_the_new_order(signed_in, cast, replies):
    incoming = receive("幸福小区旁工地每晚十一点后仍在施工")
    client = signed_in(cast.operator)
    data = form_data(cast, channel=f.channel("sms").pk, caller_phone=PHONE, description=incoming.text,
                     incoming_sms=incoming.pk)
    response = client.post(INTAKE, data)
    assert (response.status_code, response["Location"]) == (302, URL)  # on to the next text
    order = WorkOrder.objects.get()
    assert (order.channel.code, order.caller_phone) == ("sms", PHONE)
    incoming.refresh_from_db()
    assert (incoming.status, incoming.order, incoming.handled_by) == (In.REGISTERED, order, cast.operator)
    page = client.get(URL).content.decode()
    assert f">{order.number}</a>" in page and "已登记并转派遣" in page
    assert "幸福小区旁工地" not in page  # not waiting any more


def test_a_text_handled_while_it_was_being_registered_keeps_the_order_and_warns(signed_in, cast, replies):
    incoming = receive("路灯不亮")
    client = signed_in(cast.operator)
    client.get(INTAKE, {"sms": incoming.pk})
    services.incoming_dismiss(actor=cast.supervisor, incoming_id=incoming.pk, note="重复来信")  # meanwhile
    response = client.post(INTAKE, form_data(cast, incoming_sms=incoming.pk))
    assert response.status_code == 302
    order = WorkOrder.objects.get()  # registered all the same
    incoming.refresh_from_db()
    assert (incoming.status, incoming.order, incoming.handled_by) == (In.DISMISSED, None, cast.supervisor)
    page = client.get(URL).content.decode()
    assert f"这条短信已由他人处理。工单 {order.number} 已照常登记" in page


def test_opening_a_text_no_longer_waiting_gives_an_empty_form_and_a_warning(signed_in, cast, replies):
    incoming = receive("路灯不亮")
    services.incoming_dismiss(actor=cast.supervisor, incoming_id=incoming.pk, note="重复来信")
    response = signed_in(cast.operator).get(INTAKE, {"sms": incoming.pk})
    assert response.status_code == 200
    assert "这条短信已不在待处理之列（可能已由他人处理），以下为空白登记表。" in response.content.decode()
    form = response.context["form"]
    assert form["caller_phone"].value() in (None, "") and form["description"].value() in (None, "")
    assert form["incoming_sms"].value() is None and form["channel"].value() == f.channel("phone").pk
    assert not PersonalDataAccess.objects.exists()


def test_a_mangled_text_id_is_refused_beside_the_form(signed_in, cast, replies):
    response = signed_in(cast.operator).post(INTAKE, form_data(cast, incoming_sms="abc"))
    assert response.status_code == 400
    assert "所登记的短信来信无效，请从短信来信列表重新打开。" in response.content.decode()
    assert not WorkOrder.objects.exists()


# --- The menu --------------------------------------------------------------------------------------------------------


def _menu_entry(page: str) -> str:
    start = page.index(f'<a href="{URL}"')
    return page[start:page.index("</a>", start)]


def test_the_menu_counts_the_waiting_texts_for_operators_and_supervisors(cast, replies):
    receive("一", minutes_ago=3)
    receive("二", minutes_ago=2)
    services.incoming_dismiss(actor=cast.operator, incoming_id=receive("三").pk, note="致谢")
    for user in (cast.operator, cast.supervisor):
        entry = _menu_entry(client_for(user).get(reverse("console:home")).content.decode())
        assert 'accesskey="x"' in entry and "短信来信" in entry
        assert '<span class="menu__count" aria-hidden="true">2</span>' in entry and "（2 条待处理）" in entry
    for user in (cast.dispatcher, cast.housing_handler):
        assert f'href="{URL}"' not in client_for(user).get(reverse("console:home")).content.decode()


def test_the_menu_shows_no_count_when_nothing_waits(signed_in, cast, replies):
    entry = _menu_entry(signed_in(cast.operator).get(reverse("console:home")).content.decode())
    assert "menu__count" not in entry


def test_the_menu_offers_no_texts_page_while_replies_are_off(signed_in, cast, replies):
    replies.SMS_REPLIES = False
    assert f'href="{URL}"' not in signed_in(cast.operator).get(reverse("console:home")).content.decode()


def test_the_count_costs_one_query(signed_in, cast, replies):
    receive("你好")
    client = signed_in(cast.operator)
    page = reverse("console:callbacks")
    client.get(page)  # the session and the like, loaded once
    with CaptureQueriesContext(connection) as on:
        client.get(page)
    replies.SMS_REPLIES = False
    with CaptureQueriesContext(connection) as off:
        client.get(page)
    assert len(on.captured_queries) == len(off.captured_queries) + 1
    [count] = [query["sql"] for query in on.captured_queries if "sms_incomingsms" in query["sql"]]
    assert "COUNT(" in count.upper()
    assert not [query for query in off.captured_queries if "sms_incomingsms" in query["sql"]]


# --- The order page --------------------------------------------------------------------------------------------------


def test_the_order_page_shows_the_callers_rating_text_and_the_delivery_status(
    signed_in, cast, replies, make_order, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        order = make_order(State.AWAITING_CALLBACK)  # its result notice asks for a rating
    result = SmsMessage.objects.get(order=order, kind=SmsMessage.Kind.RESULT)
    assert services.sms_delivery_report(message_id=result.pk, delivered=True)
    receipt = SmsMessage.objects.get(order=order, kind=SmsMessage.Kind.RECEIPT)
    assert services.sms_delivery_report(message_id=receipt.pk, delivered=False, error="UNDELIV")
    rating = receive("1", phone="13812348000")  # the factories' caller
    assert (rating.status, rating.order) == (In.RATED, order)
    response = signed_in(cast.operator).get(reverse("console:order", args=[order.number]))
    page = response.content.decode()
    section = page[page.index('id="h-sms"'):]
    section = section[:section.index("</section>")]
    assert [t.pk for t in response.context["sms_incoming"]] == [rating.pk]
    assert "<strong>短信来信</strong> 已记为回访评价" in section
    assert "<strong>办结通知</strong> 已送达" in section and "<strong>受理回执</strong> 未送达" in section


def test_the_order_page_shows_the_text_it_was_registered_from(signed_in, cast, replies):
    incoming = receive("幸福小区旁工地每晚十一点后仍在施工")
    client = signed_in(cast.operator)
    client.post(INTAKE, form_data(cast, incoming_sms=incoming.pk))
    order = WorkOrder.objects.get()
    page = client.get(reverse("console:order", args=[order.number])).content.decode()
    assert '<strong>短信来信</strong> 已登记工单<br><span class="muted">幸福小区旁工地每晚十一点后仍在施工' in page


def test_the_unit_handling_the_order_sees_no_texts_on_its_page(signed_in, cast, replies, make_order):
    order = make_order(State.DISPATCHED)  # to the housing bureau
    incoming = receive("补充：路灯在幸福路 12 号")
    services.incoming_registered(actor=cast.operator, incoming_id=incoming.pk, order=order)
    assert "补充：路灯在幸福路 12 号" in client_for(cast.operator).get(
        reverse("console:order", args=[order.number])).content.decode()
    response = client_for(cast.housing_handler).get(reverse("console:order", args=[order.number]))
    assert response.status_code == 200 and response.context["sms_incoming"] == []
    assert "补充：路灯在幸福路 12 号" not in response.content.decode()

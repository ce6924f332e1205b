"""知识答复 and an order's texts in the API: an operator texts the caller an article's 短信口径
(`POST orders/{number}/sms-answer/`); the centre's staff read what was sent and received
(`GET orders/{number}/sms/`)."""

from __future__ import annotations

import re

import pytest

from rexian.knowledge.models import Article
from rexian.sms import services
from rexian.sms.models import SmsMessage
from tests import factories as f
from tests.api.conftest import client_for
from tests.knowledge.conftest import kb  # noqa: F401 (a fixture)
from tests.sms.conftest import SMS_TEXT, article, texting  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db

PHONE = "13812348000"



def answer_url(order) -> str:
    return f"/api/v1/orders/{order.number}/sms-answer/"


def sms_url(order) -> str:
    return f"/api/v1/orders/{order.number}/sms/"


def answer(user, order, article_id):
    return client_for(user).post(answer_url(order), {"article": article_id}, format="json")


def test_an_operator_texts_the_caller_the_articles_answer(texting, cast, make_order, article):
    order = make_order()
    response = answer(cast.operator, order, article.pk)
    assert response.status_code == 201, response.json()
    message = SmsMessage.objects.get(order=order, kind=SmsMessage.Kind.ANSWER)
    assert (message.article, message.requested_by, message.phone) == (article, cast.operator, PHONE)
    assert response.json() == {
        "id": message.pk, "kind": "answer", "kind_label": "知识答复", "status": "pending", "status_label": "待发送",
        "text": f"【泰兴12345】{SMS_TEXT}", "article": article.pk, "created_at": response.json()["created_at"],
        "sent_at": None,
    }
    assert PHONE not in response.content.decode()


def test_the_same_article_twice_is_refused(texting, cast, make_order, article):
    order = make_order()
    assert answer(cast.operator, order, article.pk).status_code == 201
    response = answer(cast.supervisor, order, article.pk)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_input"
    assert "已发给本工单" in body["fields"]["article"][0]
    assert SmsMessage.objects.filter(order=order, kind=SmsMessage.Kind.ANSWER).count() == 1


def test_a_landline_caller_is_not_texted_and_is_told_why(texting, cast, make_order, article):
    response = answer(cast.operator, make_order(caller_phone="0523-87654321"), article.pk)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_input"
    assert "不是手机号" in response.json()["message"]
    assert not SmsMessage.objects.filter(kind=SmsMessage.Kind.ANSWER).exists()


def test_an_article_without_sms_text_is_refused_on_article(texting, cast, make_order, kb):  # noqa: F811
    response = answer(cast.operator, make_order(), kb.fund_loan.pk)
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["article"]


def test_nothing_is_sent_while_the_gateway_is_off(cast, make_order, article):
    response = answer(cast.operator, make_order(), article.pk)
    assert response.status_code == 400
    assert "未开通" in response.json()["message"]


@pytest.mark.parametrize("role", ["dispatcher", "leader", "housing_handler"])
def test_only_operators_and_supervisors_send_answers(texting, cast, make_order, article, role):
    order = make_order()
    response = answer(getattr(cast, role), order, article.pk)
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    # Refused before the body is read: an unknown article makes no difference.
    assert answer(getattr(cast, role), order, 999999).status_code == 403
    assert not SmsMessage.objects.filter(kind=SmsMessage.Kind.ANSWER).exists()


@pytest.mark.parametrize("value", [999999, "12", 0, None])
def test_an_unknown_or_malformed_article_is_refused(texting, cast, make_order, article, value):
    response = answer(cast.operator, make_order(), value)
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["article"]


def test_an_operator_cannot_pick_a_lapsed_article(texting, cast, make_order, kb):  # noqa: F811
    Article.objects.filter(pk=kb.expired.pk).update(sms_text="已过期的口径")
    response = answer(cast.operator, make_order(), kb.expired.pk)
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["article"]


def test_an_unknown_order_is_404(texting, cast, article):
    client = client_for(cast.operator)
    for number in ("20000101-000001", "no such number!"):
        response = client.post(f"/api/v1/orders/{number}/sms-answer/", {"article": article.pk}, format="json")
        assert response.status_code == 404
        assert client.get(f"/api/v1/orders/{number}/sms/").status_code == 404


def test_the_order_lists_the_texts_sent_and_received_without_numbers(texting, cast, article,
                                                                   django_capture_on_commit_callbacks):
    incoming = services.sms_receive(reference="gw-1", phone=PHONE, text="社保卡丢了怎么补办")
    with django_capture_on_commit_callbacks(execute=True):  # the receipt is made once the order is committed
        order = services.incoming_register(
            actor=cast.operator, incoming_id=incoming.pk, channel=f.channel("sms"),
            appeal_type=f.appeal_type("consult"), urgency=f.urgency("normal"), category=cast.property_service,
            title="社保卡补办", description="市民短信询问社保卡丢失后如何补办。", caller_name="张三",
            area=cast.community)
    assert answer(cast.operator, order, article.pk).status_code == 201
    answered = SmsMessage.objects.get(kind=SmsMessage.Kind.ANSWER)

    response = client_for(cast.dispatcher).get(sms_url(order))
    assert response.status_code == 200, response.json()
    body = response.json()
    assert [(row["kind"], row["article"]) for row in body["sent"]] == [("receipt", None), ("answer", article.pk)]
    assert body["sent"][1]["id"] == answered.pk
    assert set(body["sent"][0]) == {"id", "kind", "kind_label", "status", "status_label", "text", "article",
                                    "created_at", "sent_at"}
    assert body["received"] == [{
        "id": incoming.pk, "received_at": body["received"][0]["received_at"], "text": "社保卡丢了怎么补办",
        "status": "registered", "status_label": "已登记工单",
    }]
    content = response.content.decode()
    assert PHONE not in content and not re.search(r"1[3-9]\d\*{4}", content)


def test_an_order_without_texts_lists_none(texting, cast, make_order):
    body = client_for(cast.operator).get(sms_url(make_order())).json()
    assert body == {"sent": [], "received": []}


@pytest.mark.parametrize("role", ["leader", "inspector"])
def test_staff_who_do_not_answer_callers_may_not_read_the_texts(texting, cast, make_order, role):
    response = client_for(getattr(cast, role)).get(sms_url(make_order()))
    assert response.status_code == 403


def test_another_units_order_is_refused(texting, cast, make_order, article):
    order = make_order()  # not dispatched: no unit may see it yet
    assert client_for(cast.housing_handler).get(sms_url(order)).status_code == 403
    assert answer(cast.housing_handler, order, article.pk).status_code == 403


"""A console action opened with GET (rexian/console/middleware.py, MethodNotAllowedMiddleware).

A session expires on a page; the user sends a form; the console sends them to sign in with `next` set to
the form's action, which the browser opens with GET once they have. They are sent back to the action's page
with a word why, and nothing is done. Any other 405 in the console is a short page, not an empty one.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from rexian.orders.transitions import State
from rexian.supervision.models import Supervision
from rexian.supervision.services import supervision_issue

pytestmark = pytest.mark.django_db
NOT_DONE = "会话已过期或页面已刷新：该操作未执行，请在页面上重新操作。"
PASSWORD = "correct horse 12345"


def _status(page: str) -> str:
    """The text of the page's status area (the messages above the page)."""
    found = re.search(r'<div class="messages" role="status">(.*?)</div>', page, re.S)
    assert found, "the page shows a message"
    return re.sub(r"<[^>]+>", "", found.group(1)).strip()


def test_an_action_sent_after_the_session_expired_leads_back_to_the_order_after_signing_in(client, cast, make_order):
    order = make_order(State.PENDING_DISPATCH)
    action = reverse("console:order-action", args=[order.number, "dispatch"])
    cast.dispatcher.set_password(PASSWORD)
    cast.dispatcher.save()

    expired = client.post(action, {"version": order.version, "lead_unit": cast.housing.pk})
    login = f"{reverse('console:login')}?next={action}"
    assert (expired.status_code, expired["Location"]) == (302, login)
    signed = client.post(login, {"username": "dispatcher", "password": PASSWORD})
    assert (signed.status_code, signed["Location"]) == (302, action)

    back = client.get(action, follow=True)
    assert back.redirect_chain == [(reverse("console:order", args=[order.number]), 302)]
    assert back.status_code == 200
    assert _status(back.content.decode()) == NOT_DONE
    order.refresh_from_db()
    assert order.state == State.PENDING_DISPATCH  # nothing was dispatched


def test_opening_a_units_sign_action_goes_back_to_the_order(signed_in, cast, make_order):
    order = make_order(State.DISPATCHED)
    response = signed_in(cast.housing_handler).get(reverse("console:order-action", args=[order.number, "sign"]))
    assert (response.status_code, response["Location"]) == (302, reverse("console:order", args=[order.number]))
    order.refresh_from_db()
    assert order.state == State.DISPATCHED


def test_opening_a_supervision_step_goes_back_to_the_item(signed_in, cast, make_order):
    order = make_order(State.IN_PROGRESS)
    item = supervision_issue(actor=cast.supervisor, order=order, kind="supervision", content="请尽快修复电梯并反馈。")
    client = signed_in(cast.supervisor)
    response = client.get(reverse("console:supervision-step", args=[item.pk, "close"]), follow=True)
    assert response.redirect_chain == [(reverse("console:supervision", args=[item.pk]), 302)]
    assert _status(response.content.decode()) == NOT_DONE
    item.refresh_from_db()
    assert item.status != Supervision.Status.CLOSED


def test_the_message_is_shown_once(signed_in, cast, make_order):
    order = make_order(State.PENDING_DISPATCH)
    client = signed_in(cast.dispatcher)
    client.get(reverse("console:order-action", args=[order.number, "dispatch"]), follow=True)
    again = client.get(reverse("console:order", args=[order.number])).content.decode()
    assert NOT_DONE not in again


def test_opening_an_action_on_an_unknown_order_is_a_404_not_a_500(signed_in, cast):
    response = signed_in(cast.dispatcher).get(reverse("console:order-action", args=["NOPE", "dispatch"]), follow=True)
    assert response.status_code == 404
    assert "找不到该工单。" in response.content.decode()


def test_another_method_on_an_action_is_a_readable_405(signed_in, cast, make_order):
    order = make_order(State.PENDING_DISPATCH)
    response = signed_in(cast.dispatcher).put(reverse("console:order-action", args=[order.number, "dispatch"]))
    assert (response.status_code, response["Allow"]) == (405, "POST")
    page = response.content.decode()
    assert "405 · 不支持该请求方式" in page and "该地址不接受 PUT 请求，请回到页面上操作。" in page
    assert f'href="{reverse("console:home")}"' in page


def test_opening_an_action_without_a_page_of_its_own_is_a_readable_405(signed_in, cast):
    client = signed_in(cast.operator)
    for url in (reverse("console:logout"), reverse("console:screen-pop-number")):
        response = client.get(url)
        assert (response.status_code, response["Allow"]) == (405, "POST"), url
        assert "该地址不接受 GET 请求" in response.content.decode(), url
    assert client.get(reverse("console:home")).status_code == 200  # still signed in


def test_an_english_user_is_told_in_english(signed_in, cast, make_order):
    type(cast.dispatcher).objects.filter(pk=cast.dispatcher.pk).update(language="en")
    order = make_order(State.PENDING_DISPATCH)
    client = signed_in(cast.dispatcher)
    back = client.get(reverse("console:order-action", args=[order.number, "dispatch"]), follow=True)
    assert _status(back.content.decode()) == (
        "Your session expired or the page was reloaded: the action was not taken. Take it again on the page."
    )
    page = client.put(reverse("console:order-action", args=[order.number, "dispatch"])).content.decode()
    assert '<html lang="en">' in page
    assert "405 · Method not allowed" in page and "This address does not accept PUT requests" in page


def test_a_made_up_action_address_is_a_404_whatever_the_method(signed_in, cast, make_order):
    order = make_order(State.PENDING_DISPATCH)
    client = signed_in(cast.dispatcher)
    url = f"/console/orders/{order.number}/no-such-step/"
    for response in (client.get(url), client.post(url)):
        assert response.status_code == 404 and "没有这项操作。" in response.content.decode()

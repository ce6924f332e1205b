"""Errors are JSON with a code, a message in the caller's language and the fields to blame; bad input is a 4xx."""

from __future__ import annotations

import json

import pytest
from rest_framework.test import APIClient

from rexian.orders.transitions import State
from tests.api.conftest import action_url, client_for

S = State


def raw_post(client, url: str, body: bytes, content_type: str = "application/json", **headers):
    return client.generic("POST", url, body, content_type=content_type, **headers)


def test_an_error_has_a_code_a_message_and_fields(cast):
    body = client_for(cast.dispatcher).get("/api/v1/orders/20990101-000001/").json()
    assert body == {"code": "not_found", "message": "工单不存在。", "fields": {}}


def test_messages_are_english_when_the_caller_asks_for_english(cast):
    client = client_for(cast.dispatcher)
    assert (
        client.get("/api/v1/orders/20990101-000001/", HTTP_ACCEPT_LANGUAGE="en").json()["message"] == "No such order."
    )
    response = client.get("/api/v1/orders/?page_size=500", HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")
    assert response.json()["message"] == (
        "Invalid request (page_size): Ensure this value is less than or equal to 100."
    )
    assert response["Content-Language"] == "en"


def test_messages_are_chinese_by_default(cast):
    response = client_for(cast.dispatcher).get("/api/v1/orders/?page_size=500")
    assert response.json()["message"] == "提交的数据有误（page_size）：请确保该值小于或者等于 100。"


def test_the_services_chinese_messages_keep_their_stable_code_in_english(cast, make_order):
    order = make_order()
    response = client_for(cast.dispatcher).post(
        action_url(order, "reply-accept"), {"version": order.version}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"


def test_an_unauthenticated_caller_is_told_in_english_too(cast):
    response = APIClient().get("/api/v1/me/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.json()["message"] == "Authentication credentials were not provided."


@pytest.mark.parametrize(
    "body",
    [
        b"{",
        b"not json",
        b'{"version": NaN}',
        b'{"version": Infinity}',
        b"\xff\xfe",
        b'{"version": 1' + b"0" * 5000 + b"}",
    ],
)
def test_malformed_json_gets_400(cast, make_order, body):
    order = make_order()
    response = raw_post(client_for(cast.operator), action_url(order, "send-to-dispatch"), body)
    assert response.status_code == 400
    assert response.json()["code"] in ("malformed_request", "invalid")


def test_malformed_json_is_told_in_the_caller_s_language_without_the_parser_s_words(cast, make_order):
    order = make_order()
    client = client_for(cast.operator)
    response = raw_post(client, action_url(order, "send-to-dispatch"), b"{bad json")
    assert response.status_code == 400
    assert response.json() == {"code": "malformed_request", "message": "请求内容不是有效的 JSON。", "fields": {}}
    english = raw_post(client, action_url(order, "send-to-dispatch"), b"{bad json", HTTP_ACCEPT_LANGUAGE="en")
    assert english.json()["message"] == "The request body is not valid JSON."


def test_a_malformed_upload_is_told_without_the_parser_s_words(cast, make_order):
    order = make_order()
    response = raw_post(client_for(cast.operator), action_url(order, "attachments"), b"--x\r\n", "multipart/form-data")
    assert response.status_code == 400
    assert response.json() == {"code": "malformed_request", "message": "请求内容无法解析，请检查其格式。", "fields": {}}


@pytest.mark.parametrize("body", [b"[1, 2]", b'"text"', b"null", b"42"])
def test_a_body_that_is_not_an_object_gets_400(cast, make_order, body):
    order = make_order()
    response = raw_post(client_for(cast.operator), action_url(order, "send-to-dispatch"), body)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


def test_a_form_body_where_json_is_expected_gets_415(cast, make_order):
    order = make_order()
    response = raw_post(
        client_for(cast.operator),
        action_url(order, "send-to-dispatch"),
        b"version=1",
        "application/x-www-form-urlencoded",
    )
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"


@pytest.mark.parametrize(
    "field, value",
    [
        ("latitude", 1e308),
        ("latitude", 10**400),
        ("longitude", -(10**30)),
        ("title", "电梯\u0000故障"),
        ("title", "\ud800"),
    ],
)
def test_huge_numbers_and_unstorable_text_get_400(cast, field, value):
    body = {
        "channel": "phone",
        "appeal_type": "complaint",
        "title": "电梯故障",
        "description": "三号楼电梯停运。",
        field: value,
    }
    # json.dumps escapes a lone surrogate as \\ud800, as a client in another language might send it.
    response = raw_post(client_for(cast.operator), "/api/v1/orders/", json.dumps(body).encode())
    assert response.status_code == 400
    assert list(response.json()["fields"]) == [field]


@pytest.mark.parametrize("number", ["%00", "20261127-000001%00", "x" * 30, "%E4%B8%AD", "..%2F..%2Fadmin"])
def test_an_order_number_that_cannot_exist_gets_a_json_404(cast, number):
    response = client_for(cast.dispatcher).get(f"/api/v1/orders/{number}/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_an_unknown_api_url_gets_a_json_404(cast):
    response = client_for(cast.dispatcher).get("/api/v2/orders/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_a_method_the_endpoint_does_not_take_gets_405(cast, make_order):
    order = make_order()
    response = client_for(cast.dispatcher).delete(f"/api/v1/orders/{order.number}/")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


def test_a_body_over_the_upload_limit_gets_413(cast, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = b'{"title": "' + b"x" * 2000 + b'"}'
    response = raw_post(client_for(cast.operator), "/api/v1/orders/", body)
    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"


@pytest.mark.parametrize("query", ["appeal_type=com%00plaint", "unit=C-ZJJ%00", "category=01%00"])
def test_a_nul_in_a_code_filter_gets_400_on_every_database(cast, query):
    response = client_for(cast.dispatcher).get(f"/api/v1/orders/?{query}")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


@pytest.mark.parametrize("code", ["C-ZJJ\u0000", "\ud800"])
def test_a_nul_or_a_lone_surrogate_in_a_code_gets_400(cast, make_order, code):
    order = make_order(S.PENDING_DISPATCH)
    body = json.dumps({"version": order.version, "lead_unit": code}).encode()
    response = raw_post(client_for(cast.dispatcher), action_url(order, "dispatch"), body)
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["lead_unit"]

"""The events API: a switch posts JSON with its bearer token; duplicates are harmless; mistakes are clear 4xx."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from rexian.telephony.models import Call, CallEvent, CtiSource, Outcome
from rexian.telephony.services import cti_source_create

pytestmark = pytest.mark.django_db
URL = "/telephony/events/"


@pytest.fixture
def switch(lines):
    source, token = cti_source_create(code="pbx", name="主交换机")
    return source, token


def post(token: str | None, body, *, content_type: str = "application/json", client: Client | None = None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return (client or Client()).post(URL, data=data, content_type=content_type, **headers)


def offered(event_id="e1", call_id="c1", at="2026-03-18T09:00:00+08:00", **extra):
    return {"id": event_id, "type": "offered", "call_id": call_id, "at": at, "caller": "13812348000",
            "line": "12345", **extra}


def test_events_are_accepted_and_make_a_call(switch):
    _, token = switch
    response = post(token, [
        offered(),
        {"id": "e2", "type": "answered", "call_id": "c1", "at": "2026-03-18T09:00:12+08:00", "agent": "1001"},
        {"id": "e3", "type": "ended", "call_id": "c1", "at": 1773795852, "wrap_seconds": 30},
    ])
    assert response.status_code == 200
    assert response.json() == {"accepted": 3, "duplicates": 0, "calls": 1, "agents": 0}
    c = Call.objects.get(source="pbx", call_id="c1")
    assert (c.outcome, c.wait_seconds, c.talk_seconds, c.wrap_seconds) == (Outcome.ANSWERED, 12, 240, 30)


def test_one_event_may_be_posted_alone(switch):
    response = post(switch[1], {"id": "a1", "type": "agent_login", "agent": "1001", "at": "2026-03-18T08:00:00+08:00"})
    assert response.status_code == 200 and response.json()["agents"] == 1


def test_a_duplicate_returns_200_and_changes_nothing(switch):
    _, token = switch
    post(token, [offered()])
    before = Call.objects.values().get()
    response = post(token, [offered(caller="13999999999")])  # same id, even with other content: first one wins
    assert response.status_code == 200
    assert response.json() == {"accepted": 0, "duplicates": 1, "calls": 0, "agents": 0}
    assert Call.objects.values().get() == before and CallEvent.objects.count() == 1


def test_without_a_token_401(switch):
    response = post(None, [offered()])
    assert response.status_code == 401 and response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["code"] == "not_authenticated"


def test_with_a_wrong_token_401(switch):
    assert post("cti_wrong", [offered()]).status_code == 401
    assert Client().post(URL, data="[]", content_type="application/json",
                         HTTP_AUTHORIZATION=f"Token {switch[1]}").status_code == 401  # wrong scheme


def test_a_disabled_source_is_refused(switch):
    source, token = switch
    CtiSource.objects.filter(pk=source.pk).update(is_active=False)
    assert post(token, [offered()]).status_code == 401


def test_a_rotated_token_replaces_the_old_one(switch):
    from rexian.telephony.services import cti_source_rotate

    source, old = switch
    new = cti_source_rotate(source=source)
    assert post(old, [offered()]).status_code == 401
    assert post(new, [offered()]).status_code == 200


def test_only_post(switch):
    response = Client().get(URL, HTTP_AUTHORIZATION=f"Bearer {switch[1]}")
    assert response.status_code == 405 and response["Allow"] == "POST"


@pytest.mark.parametrize(
    "body, content_type, status, code",
    [
        ("{not json", "application/json", 400, "malformed_json"),
        (b"\xff\xfe", "application/json", 400, "malformed_json"),
        ("[]", "application/json", 400, "no_events"),
        ("id=1", "application/x-www-form-urlencoded", 415, "unsupported_media_type"),
    ],
)
def test_malformed_requests_are_4xx_with_a_code(switch, body, content_type, status, code):
    response = post(switch[1], body, content_type=content_type)
    assert response.status_code == status and response.json()["code"] == code


def test_too_many_events_413(switch, settings):
    settings.CTI_MAX_EVENTS_PER_REQUEST = 2
    response = post(switch[1], [offered("a"), offered("b"), offered("c")])
    assert response.status_code == 413 and "2" in response.json()["message"]


def test_invalid_events_are_all_listed_and_nothing_is_stored(switch):
    response = post(switch[1], [
        offered("ok"),
        {"type": "offered", "call_id": "c2", "at": "2026-03-18T09:00:00+08:00"},
        offered("bad-type", type="rang"),
        offered("bad-time", at="yesterday"),
        offered("future", at="2099-01-01T00:00:00+08:00"),
        {"id": "no-call", "type": "answered", "at": "2026-03-18T09:00:00+08:00", "agent": "1001"},
        {"id": "no-agent", "type": "ready", "at": "2026-03-18T09:00:00+08:00"},
        offered("bad-wait", wait_seconds=-1),
        "not an object",
        offered("long-line", line="1" * 41),
    ])
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_events"
    errors = {error["index"]: error for error in body["errors"]}
    assert sorted(errors) == [1, 2, 3, 4, 5, 6, 7, 8, 9]
    assert errors[1]["message"] == "id is required"
    assert errors[2]["field"] == "type" and "offered" in errors[2]["message"]
    assert errors[3]["field"] == "at" and errors[4]["field"] == "at"
    assert errors[5]["message"] == "call_id is required" and errors[6]["message"] == "agent is required"
    assert errors[7]["field"] == "wait_seconds"
    assert errors[8]["message"] == "each event must be a JSON object" and errors[8]["id"] is None
    assert errors[9]["field"] == "line"
    assert CallEvent.objects.count() == 0 and Call.objects.count() == 0


def test_naive_times_are_the_centres_local_time(switch):
    post(switch[1], [offered(at="2026-03-18T09:00:00")])
    assert Call.objects.get().offered_at.isoformat() == "2026-03-18T01:00:00+00:00"


def test_unknown_fields_are_not_stored(switch):
    post(switch[1], [offered(caller_name="张三", extra={"id_card": "320"})])
    data = CallEvent.objects.get().data
    assert data == {"line": "12345"}


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)
event_like = st.fixed_dictionaries(
    {},
    optional={
        "id": json_values, "type": st.sampled_from(["offered", "answered", "ready", "cdr", "x"]) | json_values,
        "call_id": json_values, "at": st.integers() | st.floats() | st.text(max_size=30) | json_values,
        "agent": json_values, "caller": json_values, "line": json_values, "wait_seconds": json_values,
    },
)


@hypothesis_settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.lists(event_like, max_size=3) | event_like | json_values)
def test_nothing_a_client_sends_makes_a_500(switch, body):
    response = post(switch[1], body)
    assert response.status_code < 500, response.content

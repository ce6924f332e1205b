"""No endpoint lets a unit read another unit's order, or any unit learn who a whistle-blower is.

The endpoints are enumerated from the served OpenAPI document, so an endpoint
added later is covered without touching these tests.
"""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from rexian.orders.transitions import State
from rexian.privacy import crypto
from tests import factories as f
from tests.api.conftest import client_for

S = State


def operations() -> list[tuple[str, str, dict]]:
    document = APIClient().get("/api/v1/schema/?format=json").json()
    return [
        (method.upper(), path, operation)
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
    ]


def test_the_document_lists_the_endpoints_these_tests_walk(cast):
    assert len(operations()) >= 30


def call(client, method: str, path: str, order, *, version: int, phone: str = "13812348000"):
    """Call one operation on `order` with a plausible, well-formed body."""
    url = path.replace("{number}", order.number)
    if method == "GET":
        return client.get(url)
    if path.endswith("/attachments/"):
        upload = SimpleUploadedFile("说明.txt", "补充材料".encode())
        return client.post(url, {"version": version, "file": upload}, format="multipart")
    body = {
        "version": version,
        "note": "备注",
        "reason": "理由",
        "answer": "答复",
        "result": "结果",
        "lead_unit": "C-CGJ",
        "satisfaction": "satisfied",
        "master": order.number,
        "phone": phone,
        "new_deadline": "2099-01-01T00:00:00+08:00",
    }
    return client.post(url, body, format="json")


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.mark.parametrize("state", [S.DISPATCHED, S.IN_PROGRESS, S.REPLIED])
def test_another_units_token_cannot_read_or_touch_an_order_through_any_endpoint(cast, make_order, media, state):
    order = make_order(state, title="住建局独办的工单", caller_name="王五")
    order.refresh_from_db()
    before = (order.state, order.version, order.event_count)
    urban = client_for(cast.urban_handler)
    for method, path, _ in operations():
        response = call(urban, method, path, order, version=order.version)
        text = response.content.decode()
        if "{number}" in path:
            assert response.status_code in (403, 404), (method, path, response.status_code, text)
        else:
            assert response.status_code < 500, (method, path)
        for secret in (
            order.number,
            order.title,
            "王",
            "13812348000",
            "138****8000",
            '"version"' if "{number}" in path else "\0",
        ):
            assert secret not in text, (method, path, secret)
    order.refresh_from_db()
    assert (order.state, order.version, order.event_count) == before


def test_an_order_withdrawn_from_a_unit_by_a_return_is_closed_to_it(cast, make_order):
    from rexian.orders import services

    order = make_order(S.DISPATCHED)
    services.return_request(actor=cast.housing_handler, order=order, reason="不属于本单位职责。")
    services.return_approve(actor=cast.dispatcher, order=order)
    housing = client_for(cast.housing_handler)
    assert housing.get(f"/api/v1/orders/{order.number}/").status_code == 403
    assert order.number not in housing.get("/api/v1/orders/").content.decode()


WHISTLEBLOWER = {"caller_name": "赵六", "caller_phone": "13700001111", "caller_id_number": "320102199001011234"}


def identity_traces() -> list[str]:
    values = WHISTLEBLOWER.values()
    return [
        *values,
        "赵",
        crypto.mask_phone(WHISTLEBLOWER["caller_phone"]),
        crypto.mask_id_number(WHISTLEBLOWER["caller_id_number"]),
    ]


@pytest.mark.parametrize("kind", ["report", "confidential"])
@pytest.mark.parametrize("member", ["housing_handler", "housing_admin"])
def test_no_endpoint_tells_a_unit_who_a_whistleblower_is(cast, make_order, media, kind, member):
    overrides = {"appeal_type": f.appeal_type("report")} if kind == "report" else {"confidential": True}
    order = make_order(S.IN_PROGRESS, **WHISTLEBLOWER, **overrides)
    client = client_for(getattr(cast, member))
    seen = []
    for method, path, _ in operations():
        order.refresh_from_db()
        response = call(client, method, path, order, version=order.version, phone=WHISTLEBLOWER["caller_phone"])
        assert response.status_code < 500, (method, path)
        text = json.dumps(response.json(), ensure_ascii=False)
        seen.append((method, path, response.status_code))
        for trace in identity_traces():
            assert trace not in text, (method, path, trace)
    # The unit did read the order (so the check above is about masking, not about refusal).
    assert ("GET", "/api/v1/orders/{number}/", 200) in seen


def test_caller_history_does_not_confirm_a_whistleblowers_phone_to_a_unit(cast, make_order):
    make_order(S.DISPATCHED, **WHISTLEBLOWER, appeal_type=f.appeal_type("report"))
    ordinary = make_order(S.DISPATCHED, caller_phone=WHISTLEBLOWER["caller_phone"])
    response = client_for(cast.housing_handler).post(
        "/api/v1/caller-history/", {"phone": WHISTLEBLOWER["caller_phone"]}, format="json"
    )
    assert [row["number"] for row in response.json()["results"]] == [ordinary.number]


def test_the_centre_still_sees_a_whistleblowers_earlier_orders(cast, make_order):
    report = make_order(S.DISPATCHED, **WHISTLEBLOWER, appeal_type=f.appeal_type("report"))
    response = client_for(cast.operator).post(
        "/api/v1/caller-history/", {"phone": WHISTLEBLOWER["caller_phone"]}, format="json"
    )
    assert [row["number"] for row in response.json()["results"]] == [report.number]

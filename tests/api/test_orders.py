"""Registering, reading and listing orders through the API: masking as access.py says, lists paged in SQL."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rexian.catalog.models import HotTopic
from rexian.orders import access
from rexian.orders.models import WorkOrder
from rexian.orders.transitions import State
from rexian.privacy.models import PersonalDataAccess
from tests import factories as f
from tests.api.conftest import client_for, detail_url
from tests.conftest import register

S = State
NEW_ORDER = {
    "channel": "phone",
    "appeal_type": "complaint",
    "urgency": "urgent",
    "category": "010101",
    "title": "小区电梯长期故障无人维修",
    "description": "幸福小区3号楼电梯停运两周。",
    "caller_name": "李四",
    "caller_phone": "13912345678",
    "area": "C-CD-01",
    "address": "城东街道幸福小区3号楼",
    "latitude": 32.1234567,
    "longitude": 120.5,
    "occurred_at": "2025-11-03T09:00:00+08:00",
}


# --- Register -------------------------------------------------------------------------------------


def test_operator_registers_an_order_and_gets_its_number_and_version(cast):
    HotTopic.objects.create(name="电梯安全")
    response = client_for(cast.operator).post(
        "/api/v1/orders/", {**NEW_ORDER, "hot_topics": ["电梯安全"]}, format="json"
    )
    assert response.status_code == 201, response.json()
    order = WorkOrder.objects.get()
    assert response.json() == {
        "number": order.number,
        "state": "registered",
        "version": order.version,
        "url": f"/api/v1/orders/{order.number}/",
    }
    assert response["Location"] == f"/api/v1/orders/{order.number}/"
    assert (order.caller_phone, order.urgency.code, order.area.code) == ("13912345678", "urgent", "C-CD-01")
    assert str(order.latitude) == "32.123457"  # rounded to the six places stored
    assert [t.name for t in order.hot_topics.all()] == ["电梯安全"]


def test_register_with_an_unknown_code_gets_400_naming_the_field(cast):
    response = client_for(cast.operator).post("/api/v1/orders/", {**NEW_ORDER, "channel": "pigeon"}, format="json")
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["channel"]
    assert not WorkOrder.objects.exists()


def test_register_with_a_category_that_is_not_a_leaf_gets_the_services_message(cast):
    response = client_for(cast.operator).post("/api/v1/orders/", {**NEW_ORDER, "category": "0101"}, format="json")
    assert response.status_code == 400
    assert response.json()["fields"] == {"category": ["请选择最末一级的诉求分类。"]}


@pytest.mark.parametrize(
    "field, value",
    [
        ("title", 12345),
        ("title", "长" * 121),
        ("confidential", "yes"),
        ("latitude", "32.1"),
        ("latitude", 91),
        ("occurred_at", "0001-01-01T00:00:00+14:00"),
        ("hot_topics", "电梯安全"),
        ("caller_phone", None),
    ],
)
def test_register_with_a_wrong_type_or_size_gets_400(cast, field, value):
    response = client_for(cast.operator).post("/api/v1/orders/", {**NEW_ORDER, field: value}, format="json")
    assert response.status_code == 400
    assert list(response.json()["fields"]) == [field]


def test_a_unit_handler_may_not_register(cast):
    response = client_for(cast.housing_handler).post("/api/v1/orders/", NEW_ORDER, format="json")
    assert response.status_code == 403
    assert not WorkOrder.objects.exists()


# --- Detail ------------------------------------------------------------------------------------------


def test_the_detail_has_the_history_the_units_and_the_viewers_next_actions(cast, make_order):
    order = make_order(S.DISPATCHED, assisting=[cast.town])
    body = client_for(cast.housing_handler).get(detail_url(order)).json()
    assert body["version"] == order.version
    assert [e["action"] for e in body["events"]] == ["register", "send_to_dispatch", "dispatch"]
    assert body["events"][-1]["unit"] == {"code": "C-ZJJ", "name": "住建局"}
    # The dispatcher acted for the centre; the unit the dispatch concerns is the bureau.
    assert body["events"][-1]["actor_unit"] == {"code": "C-12345", "name": "12345热线中心"}
    assert {(a["unit"]["code"], a["role"], a["status"]) for a in body["assignments"]} == {
        ("C-ZJJ", "lead", "dispatched"),
        ("C-CD", "assist", "dispatched"),
    }
    assert body["category"] == {"code": "010101", "name": "物业服务", "full_name": "城乡建设/物业管理/物业服务"}
    # Only what makes sense now: no reply before signing, no first response without a 特急 clock.
    assert set(body["allowed_actions"]) == {"sign", "return-request", "attachments"}


def test_the_detail_offers_amending_to_the_staff_of_the_queue_the_order_waits_in(cast, make_order):
    registered, pending = make_order(category=None), make_order(S.PENDING_DISPATCH)
    allowed = {
        (name, order.state): set(client_for(getattr(cast, name)).get(detail_url(order)).json()["allowed_actions"])
        for name in ("operator", "dispatcher") for order in (registered, pending)
    }
    assert "amend" in allowed["operator", S.REGISTERED] and "amend" not in allowed["operator", S.PENDING_DISPATCH]
    assert "amend" in allowed["dispatcher", S.PENDING_DISPATCH] and "amend" not in allowed["dispatcher", S.REGISTERED]


@pytest.mark.parametrize(
    "member",
    ["operator", "dispatcher", "supervisor", "inspector", "leader", "admin", "housing_handler", "housing_admin"],
)
@pytest.mark.parametrize("appeal", ["complaint", "report"])
def test_the_detail_shows_the_caller_exactly_as_caller_view_allows(cast, make_order, member, appeal):
    order = make_order(S.DISPATCHED, appeal_type=f.appeal_type(appeal))
    user = getattr(cast, member)
    caller = client_for(user).get(detail_url(order)).json()["caller"]
    expected = access.caller_view(user, order, log=False)
    assert {k: caller[k] for k in ("name", "phone", "id_number", "hidden", "masked")} == {
        "name": expected.name,
        "phone": expected.phone,
        "id_number": expected.id_number,
        "hidden": expected.hidden,
        "masked": expected.masked,
    }


def test_an_unmasked_read_of_the_detail_is_logged(cast, make_order):
    order = make_order()
    client_for(cast.dispatcher).get(detail_url(order))
    logged = PersonalDataAccess.objects.get(user=cast.dispatcher, subject_id=order.number)
    assert set(logged.fields.split(",")) == {"name", "phone", "id_number"}


def test_an_enterprise_whistleblowers_company_is_withheld_from_units(cast, make_order):
    order = make_order(
        S.DISPATCHED,
        appeal_type=f.appeal_type("report"),
        enterprise_name="江安精密机械有限公司",
        enterprise_credit_code="91321200MA1XXXXX1J",
        caller_gender="M",
    )
    caller = client_for(cast.housing_handler).get(detail_url(order)).json()["caller"]
    assert caller["enterprise_name"] == caller["enterprise_credit_code"] == caller["gender"] == ""
    assert caller["is_enterprise"] is False


# --- Lists ----------------------------------------------------------------------------------------------


def rows(response) -> list[str]:
    assert response.status_code == 200, response.json()
    return [row["number"] for row in response.json()["results"]]


@pytest.mark.parametrize("member", ["dispatcher", "inspector", "housing_handler", "housing_admin"])
@pytest.mark.parametrize("appeal", ["complaint", "report"])
def test_list_rows_mask_the_caller_exactly_as_masked_caller(cast, make_order, member, appeal):
    order = make_order(
        S.DISPATCHED if member != "dispatcher" else S.PENDING_DISPATCH, appeal_type=f.appeal_type(appeal)
    )
    user = getattr(cast, member)
    expected = access.masked_caller(user, order)
    lists = {
        "housing_handler": "/api/v1/inbox/",
        "housing_admin": "/api/v1/inbox/",
        "dispatcher": "/api/v1/dispatch-queue/",
    }
    for url in ["/api/v1/orders/", *([lists[member]] if member in lists else [])]:
        listed = client_for(user).get(url).json()["results"]
        assert [row["number"] for row in listed] == [order.number]
        for row in listed:
            assert row["caller"] == {"name": expected.name, "phone": expected.phone, "hidden": expected.hidden}


def test_the_order_list_filters_by_state_type_category_unit_overdue_date_and_number(cast, make_order):
    complaint = make_order(S.DISPATCHED)
    noise = make_order(S.PENDING_DISPATCH, category=cast.noise, appeal_type=f.appeal_type("report"))
    old = make_order()
    WorkOrder.objects.filter(pk=old.pk).update(registered_at=dt.datetime(2025, 1, 10, 1, 0, tzinfo=dt.UTC))
    WorkOrder.objects.filter(pk=complaint.pk).update(is_overdue=True)
    client = client_for(cast.dispatcher)

    def listed(query: str) -> set[str]:
        return set(rows(client.get(f"/api/v1/orders/?{query}")))

    assert listed("state=pending_dispatch") == {noise.number}
    assert listed("appeal_type=report") == {noise.number}
    assert listed("category=02") == {noise.number}  # a top-level code takes its whole subtree
    assert listed("unit=C-ZJJ") == {complaint.number}
    assert listed("overdue=true") == {complaint.number}
    assert listed("overdue=false") == {noise.number, old.number}
    assert listed("registered_from=2025-01-10&registered_to=2025-01-10") == {old.number}
    assert listed("registered_to=2025-01-09") == set()
    assert listed(f"number={noise.number}") == {noise.number}


@pytest.mark.parametrize(
    "query",
    [
        "state=lost",
        "unit=NOPE",
        "unit=",
        "overdue=maybe",
        "page=0",
        "page=10001",
        "page_size=101",
        "page=99999999999999999999999",
        "registered_from=0001-01-01",
        "registered_to=2025-13-01",
    ],
)
def test_the_order_list_refuses_a_bad_filter_with_400(cast, query):
    response = client_for(cast.dispatcher).get(f"/api/v1/orders/?{query}")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


@pytest.mark.parametrize(
    ("query", "field"),
    [("registered_from=0001-01-01", "registered_from"), ("registered_to=9999-12-31", "registered_to")],
)
def test_a_well_formed_date_out_of_range_is_told_so_not_as_a_format_error(cast, query, field):
    response = client_for(cast.dispatcher).get(f"/api/v1/orders/?{query}")
    assert response.status_code == 400
    body = response.json()
    assert body["fields"] == {field: ["请填写 1900-01-01 至 2999-12-31 之间的日期。"]}
    assert body["message"] == f"提交的数据有误（{field}）：请填写 1900-01-01 至 2999-12-31 之间的日期。"


def test_a_date_out_of_range_is_told_in_english_to_an_english_caller(cast):
    response = client_for(cast.dispatcher).get("/api/v1/orders/?registered_from=0001-01-01", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json()["fields"] == {"registered_from": ["Enter a date between 1900-01-01 and 2999-12-31."]}


def test_reversed_registration_dates_are_a_400_naming_the_end(cast):
    response = client_for(cast.dispatcher).get("/api/v1/orders/?registered_from=2026-11-10&registered_to=2026-11-01")
    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid",
        "message": "提交的数据有误（registered_to）：结束日期不能早于开始日期。",
        "fields": {"registered_to": ["结束日期不能早于开始日期。"]},
    }
    english = client_for(cast.dispatcher).get(
        "/api/v1/orders/?registered_from=2026-11-10&registered_to=2026-11-01", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert english.json()["fields"] == {"registered_to": ["The end date cannot be before the start date."]}


def test_the_order_list_pages_with_next_and_previous_links_and_no_total(cast, make_order):
    numbers = [make_order().number for _ in range(5)]
    client = client_for(cast.dispatcher)
    first = client.get("/api/v1/orders/?page_size=2&state=registered").json()
    assert [r["number"] for r in first["results"]] == numbers[::-1][:2]
    assert first["previous"] is None
    assert set(first) == {"results", "next", "previous"}
    second = client.get(first["next"]).json()
    third = client.get(second["next"]).json()
    assert [r["number"] for r in second["results"] + third["results"]] == numbers[::-1][2:]
    assert third["next"] is None
    assert "page=2" in third["previous"]


def test_a_page_is_one_limited_query_whatever_the_number_of_orders(cast, make_order):
    for _ in range(3):
        make_order()
    client = client_for(cast.dispatcher)
    client.get("/api/v1/me/")  # the token's first use records it; later requests only read it

    def page_queries() -> list[str]:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/api/v1/orders/?page_size=2").status_code == 200
        return [q["sql"] for q in captured.captured_queries]

    few = page_queries()
    for _ in range(4):
        make_order()
    many = page_queries()
    assert len(few) == len(many)
    order_queries = [sql for sql in many if 'FROM "orders_workorder"' in sql]
    assert len(order_queries) == 1
    assert "LIMIT 3" in order_queries[0]
    assert not any("COUNT(" in sql.upper() for sql in many)


def test_the_unit_inbox_lists_the_units_open_orders(cast, make_order):
    order = make_order(S.DISPATCHED)
    make_order(S.PENDING_DISPATCH)
    assert rows(client_for(cast.housing_handler).get("/api/v1/inbox/")) == [order.number]


def test_the_unit_inbox_is_for_unit_staff_only(cast):
    assert client_for(cast.dispatcher).get("/api/v1/inbox/").status_code == 403


def test_the_dispatch_queue_lists_orders_waiting_for_dispatch(cast, make_order):
    order = make_order(S.PENDING_DISPATCH)
    make_order(S.DISPATCHED)
    assert rows(client_for(cast.dispatcher).get("/api/v1/dispatch-queue/")) == [order.number]


def test_the_dispatch_queue_is_for_dispatchers_and_supervisors(cast):
    assert client_for(cast.housing_handler).get("/api/v1/dispatch-queue/").status_code == 403


def test_a_full_page_of_the_dispatch_queue_offers_the_next(cast, make_order):
    for _ in range(2):
        make_order(S.PENDING_DISPATCH)
    body = client_for(cast.dispatcher).get("/api/v1/dispatch-queue/?page_size=2").json()
    assert body["next"].endswith("page=2&page_size=2") or "page=2" in body["next"]


def test_caller_history_finds_a_callers_orders_by_any_spelling_of_the_phone(cast):
    first = register(cast, caller_phone="13812348000")
    register(cast, caller_phone="13900000000")
    response = client_for(cast.operator).post("/api/v1/caller-history/", {"phone": "+86 138-1234-8000"}, format="json")
    assert rows(response) == [first.number]
    assert response.json()["results"][0]["caller"] == {"name": "张*", "phone": "138****8000", "hidden": False}


# --- Master data --------------------------------------------------------------------------------------------


def test_master_data_fills_the_forms(cast):
    client = client_for(cast.operator)
    types = client.get("/api/v1/appeal-types/").json()
    assert {"code": "report", "name": "举报", "protects_identity": True} in types
    categories = {c["code"]: c for c in client.get("/api/v1/categories/").json()}
    assert categories["0101"] == {"code": "0101", "name": "物业管理", "parent": "01", "level": 2, "is_leaf": False}
    assert categories["010101"]["is_leaf"] is True
    assert [u["code"] for u in client.get("/api/v1/urgencies/").json()] == ["normal", "urgent", "critical"]
    assert {"code": "phone", "name": "电话"} in client.get("/api/v1/channels/").json()
    units = {u["code"]: u for u in client.get("/api/v1/units/").json()}
    assert units["C-CD-01"]["parent"] == "C-CD"
    assert units["C-12345"]["accepts_orders"] is False

"""督办与批示 in the API: issue on an order, list, one item, and each step, with their errors."""

from __future__ import annotations

import pytest

from rexian.orders.transitions import State
from rexian.supervision.models import Supervision
from tests.api.conftest import client_for

pytestmark = pytest.mark.django_db


def _issue(client, order, **body):
    body = {"kind": "supervision", "content": "请三日内修复电梯并反馈。", **body}
    return client.post(f"/api/v1/orders/{order.number}/supervisions/", body, format="json")


def _step(client, item_id: int, step: str, text: str = ""):
    return client.post(f"/api/v1/supervisions/{item_id}/{step}/", {"text": text}, format="json")


def test_the_loop_through_the_api(cast, make_order):
    order = make_order(State.IN_PROGRESS)
    made = _issue(client_for(cast.supervisor), order)
    assert made.status_code == 201, made.json()
    item = made.json()
    assert (item["kind"], item["status"], item["unit"]["code"], item["order"]) == (
        "supervision", "issued", cast.housing.code, order.number
    )
    handler = client_for(cast.housing_handler)
    listed = handler.get("/api/v1/supervisions/?tab=open").json()
    assert [row["id"] for row in listed["results"]] == [item["id"]] and listed["counts"]["issued"] == 1
    assert _step(handler, item["id"], "acknowledge").json()["status"] == "acknowledged"
    reported = _step(handler, item["id"], "report", "电梯已修复。").json()
    assert reported["status"] == "reported" and reported["report"] == "电梯已修复。"
    supervisor = client_for(cast.supervisor)
    returned = _step(supervisor, item["id"], "return", "请写明整改措施。").json()
    assert returned["status"] == "acknowledged"
    _step(handler, item["id"], "report", "已更换控制柜，物业每周巡查。")
    closed = _step(supervisor, item["id"], "close").json()
    assert closed["status"] == "closed"
    assert [s["action"] for s in closed["steps"]] == ["issue", "acknowledge", "report", "return", "report", "close"]


def test_errors_are_clear_and_4xx(cast, make_order):
    order = make_order(State.IN_PROGRESS)
    supervisor = client_for(cast.supervisor)
    empty = _issue(supervisor, order, content="")
    assert empty.status_code == 400 and empty.json()["code"] in ("invalid", "invalid_input")
    unknown_unit = _issue(supervisor, order, unit="NOPE")
    assert unknown_unit.status_code == 400 and "NOPE" in unknown_unit.json()["message"]
    not_handled = _issue(supervisor, order, unit=cast.urban.code)
    assert not_handled.status_code == 400 and "没有承办该工单" in not_handled.json()["message"]
    assert _issue(client_for(cast.operator), order).status_code == 403
    assert _issue(client_for(cast.supervisor), order, kind="instruction").status_code == 403
    assert not Supervision.objects.exists()

    item = _issue(supervisor, order).json()
    assert _step(client_for(cast.urban_handler), item["id"], "acknowledge").status_code == 404  # not its unit
    assert _step(client_for(cast.housing_handler), item["id"], "close", "x").status_code == 403
    assert _step(supervisor, item["id"], "approve").status_code == 404
    early = _step(supervisor, item["id"], "return", "不行")
    assert early.status_code == 409 and early.json()["code"] == "invalid_step"
    assert client_for(cast.supervisor).get("/api/v1/supervisions/?tab=nope").status_code == 400


def test_a_leader_s_instruction_is_listed_by_kind(cast, make_order):
    order = make_order(State.CLOSED)
    made = _issue(client_for(cast.leader), order, kind="instruction", content="请举一反三，排查全市老旧电梯。")
    assert made.status_code == 201
    leader = client_for(cast.leader)
    assert leader.get("/api/v1/supervisions/?kind=instruction").json()["results"][0]["kind_label"] == "批示"
    assert leader.get("/api/v1/supervisions/?kind=supervision").json()["results"] == []
    assert leader.get(f"/api/v1/supervisions/{made.json()['id']}/").json()["content"] == "请举一反三，排查全市老旧电梯。"

"""The API's suggestions: categories, appeal types and urgencies for a text, lead units for an order."""

from __future__ import annotations

import pytest

from rexian.intelligence import training
from rexian.orders import services
from tests.api.conftest import client_for
from tests.conftest import register

pytestmark = pytest.mark.django_db

SUGGESTIONS = "/api/v1/suggestions/"


def test_an_operator_gets_ranked_categories_and_types_with_confidence(cast, history):
    training.train_all()
    response = client_for(cast.operator).post(
        SUGGESTIONS, {"title": "工地晚上施工太吵", "description": "凌晨打桩噪音扰民", "limit": 2}, format="json"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["categories"][0]["code"] == "020101"
    assert body["categories"][0]["name"] == "生态环境/噪声污染/施工噪声"
    assert len(body["categories"]) <= 2
    assert all(s["confidence"] >= 0.05 for s in body["categories"] + body["appeal_types"])
    assert body["appeal_types"][0]["code"] == "complaint"
    assert body["urgencies"][0] == {"code": "urgent", "name": "紧急", "confidence": body["urgencies"][0]["confidence"]}


def test_the_names_stay_chinese_for_a_client_that_prefers_english(cast, history):
    training.train_all()
    client = client_for(cast.operator, HTTP_ACCEPT_LANGUAGE="en")
    body = client.post(SUGGESTIONS, {"title": "工地晚上施工太吵", "description": "凌晨打桩噪音扰民"}, format="json").json()
    top_type, top_urgency = body["appeal_types"][0], body["urgencies"][0]
    assert top_type == {"code": "complaint", "name": "投诉", "confidence": top_type["confidence"]}
    assert top_urgency == {"code": "urgent", "name": "紧急", "confidence": top_urgency["confidence"]}


def test_no_model_gives_empty_lists(cast, model_dir):
    response = client_for(cast.operator).post(SUGGESTIONS, {"title": "工地晚上施工太吵"}, format="json")
    assert response.json() == {"categories": [], "appeal_types": [], "urgencies": []}


def test_bad_input_and_wrong_roles_get_clear_errors(cast, model_dir):
    long = client_for(cast.operator).post(SUGGESTIONS, {"title": "长" * 201}, format="json")
    assert long.status_code == 400
    refused = client_for(cast.housing_handler).post(SUGGESTIONS, {"title": "工地晚上施工太吵"}, format="json")
    assert refused.status_code == 403


def test_a_dispatcher_gets_the_likeliest_lead_units_of_an_order(cast, history):
    training.train_all()
    order = register(cast, category=cast.noise, title="工地晚上施工太吵", description="凌晨打桩噪音扰民")
    order = services.order_send_to_dispatch(actor=cast.operator, order=order)
    url = f"/api/v1/orders/{order.number}/dispatch-suggestions/"
    response = client_for(cast.dispatcher).get(url)
    assert response.status_code == 200
    units = response.json()
    assert units[0]["code"] == "C-CGJ" and units[0]["name"] == "城管局"
    assert [u["code"] for u in units] == ["C-CGJ", "C-ZJJ"]
    assert client_for(cast.housing_handler).get(url).status_code in (403, 404)


# --- 疑似重复 ---

DUPLICATES = "/api/v1/duplicates/"


def test_the_request_being_recorded_finds_the_earlier_order_it_repeats(cast, model_dir):
    earlier = register(cast)  # 幸福社区, 13812348000, the lift story
    response = client_for(cast.operator).post(
        DUPLICATES,
        {"phone": "13900001111", "area": cast.community.code, "title": "小区电梯长期故障没人维修",
         "description": "幸福小区3号楼电梯停运两周，物业不予维修，老人出行困难。"},
        format="json",
    )
    assert response.status_code == 200
    [hit] = response.json()["results"]
    assert hit["number"] == earlier.number and hit["state"] == "registered"
    assert hit["reasons"] == ["同一区域", "内容相似"] and hit["likely"] and hit["mergeable"]
    assert 0.65 <= hit["score"] <= 1 and hit["lead_unit"] is None


def test_a_caller_s_open_order_is_found_by_phone_alone(cast, model_dir):
    earlier = register(cast, title="路灯不亮", description="幸福路路灯坏了三天。")
    response = client_for(cast.dispatcher).post(DUPLICATES, {"phone": "138 1234 8000"}, format="json")
    assert [hit["number"] for hit in response.json()["results"]] == [earlier.number]


def test_an_order_s_own_duplicates_leave_the_order_out_and_can_then_be_merged(cast, model_dir):
    earlier = services.order_send_to_dispatch(actor=cast.operator, order=register(cast))
    repeat = register(cast, caller_phone="13900001111", title="小区电梯长期故障没人维修")
    client = client_for(cast.dispatcher)
    response = client.get(f"/api/v1/orders/{repeat.number}/duplicates/", {"days": 7})
    [hit] = response.json()["results"]
    assert hit["number"] == earlier.number and hit["state"] == "pending_dispatch"
    merged = client.post(
        f"/api/v1/orders/{repeat.number}/merge/", {"version": repeat.version, "master": earlier.number},
        format="json",
    )
    assert merged.status_code == 200 and merged.json()["state"] == "merged"


def test_duplicates_are_for_the_centre_s_staff_and_bad_input_is_told(cast, model_dir):
    order = register(cast)
    assert client_for(cast.housing_handler).post(DUPLICATES, {"phone": "13812348000"}, format="json").status_code == 403
    assert client_for(cast.leader).get(f"/api/v1/orders/{order.number}/duplicates/").status_code == 403
    bad = client_for(cast.operator).post(DUPLICATES, {"phone": "13812348000", "days": 0}, format="json")
    assert bad.status_code == 400
    unknown = client_for(cast.operator).post(DUPLICATES, {"area": "NO-SUCH"}, format="json")
    assert unknown.status_code == 400
    assert client_for(cast.operator).post(DUPLICATES, {}, format="json").json() == {"results": []}

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

"""智能建议 on the intake page: the live category, appeal-type and urgency suggestions for the text typed."""

from __future__ import annotations

import pytest
from django.urls import reverse

from rexian.intelligence import training

pytestmark = pytest.mark.django_db

PANEL = reverse("console:intake-suggestions")


def test_the_intake_page_asks_for_suggestions_as_the_text_is_typed(signed_in, cast):
    page = signed_in(cast.operator).get(reverse("console:intake")).content.decode()
    assert 'id="suggestions-panel"' in page
    assert PANEL in page


def test_the_panel_offers_the_likeliest_category_and_type_to_take_in_one_click(signed_in, cast, history):
    training.train_all()
    html = signed_in(cast.operator).get(PANEL, {"title": "工地晚上施工太吵", "description": "凌晨打桩噪音扰民"})
    body = html.content.decode()
    assert html.status_code == 200
    assert "智能建议" in body
    first = body.index("data-category-id=")
    assert body[first:].startswith(f'data-category-id="{cast.noise.pk}" data-category-path="生态环境/噪声污染/施工噪声"')
    assert 'data-appeal-type-id="' in body and "投诉" in body


def test_the_panel_flags_a_likely_urgent_request_and_not_an_ordinary_one(signed_in, cast, history):
    from tests import factories as f

    training.train_all()
    client = signed_in(cast.operator)
    urgent = client.get(PANEL, {"title": "工地晚上施工太吵", "description": "凌晨打桩噪音扰民"}).content.decode()
    assert "可能紧急" in urgent
    assert f'data-urgency-id="{f.urgency("urgent").pk}"' in urgent
    ordinary = client.get(PANEL, {"title": "咨询物业费怎么收", "description": "想了解物业费收费标准"}).content.decode()
    assert "可能紧急" not in ordinary and "data-urgency-id" not in ordinary


def test_without_a_model_the_panel_is_empty(signed_in, cast, model_dir):
    body = signed_in(cast.operator).get(PANEL, {"title": "工地晚上施工太吵"}).content.decode()
    assert body.strip() == ""


def test_a_unit_handler_may_not_ask(signed_in, cast):
    assert signed_in(cast.housing_handler).get(PANEL, {"title": "工地晚上施工太吵"}).status_code == 403


def test_an_english_operator_is_offered_the_type_and_urgency_by_their_english_names(signed_in, cast, history):
    training.train_all()
    type(cast.operator).objects.filter(pk=cast.operator.pk).update(language="en")
    body = signed_in(cast.operator).get(PANEL, {"title": "工地晚上施工太吵", "description": "凌晨打桩噪音扰民"}).content.decode()
    assert "Complaint <span" in body and "投诉" not in body
    assert "Possibly urgent" in body and "Urgent <span" in body

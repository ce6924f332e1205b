"""Live suggestions (智能建议) from the active models, and the feedback kept when people choose otherwise."""

from __future__ import annotations

import pytest

from rexian.catalog.models import Category
from rexian.intelligence import training
from rexian.intelligence.feedback import feedback_for_event
from rexian.intelligence.models import ModelKind, SuggestionFeedback
from rexian.intelligence.suggest import text_suggestions
from rexian.orders import services
from rexian.orders.models import OrderEvent
from rexian.orders.transitions import Action
from tests import factories as f
from tests.conftest import register


@pytest.fixture
def trained(history):
    training.train_all()
    return history


def _event(order, action):
    return OrderEvent.objects.filter(order=order, action=action).latest("seq")


def test_no_model_no_suggestions(model_dir, cast):
    assert text_suggestions("工地夜间施工噪音", "晚上打桩") == text_suggestions("", "")
    assert text_suggestions("工地夜间施工噪音", "晚上打桩").categories == []


def test_suggestions_rank_the_right_category_and_type_first(trained, cast):
    found = text_suggestions("工地晚上施工太吵", "凌晨还在打桩，噪音扰民")
    assert found.categories[0].code == "020101"
    assert found.categories[0].pk == cast.noise.pk
    assert found.categories[0].name == "生态环境/噪声污染/施工噪声"
    assert found.appeal_types[0].code == "complaint"
    assert 0.5 < found.categories[0].confidence <= 1
    assert found.models[ModelKind.CATEGORY].version == 1


def test_an_urgent_sounding_text_is_flagged_and_an_ordinary_one_is_not(trained, cast):
    noise = text_suggestions("工地晚上施工太吵", "凌晨还在打桩，噪音扰民")
    assert noise.urgencies[0].code == "urgent" and noise.urgencies[0].name == "紧急"
    assert noise.urgent
    fee = text_suggestions("咨询物业费怎么收", "想了解小区物业费的收费标准")
    assert fee.urgencies[0].code == "normal"
    assert not fee.urgent  # "ordinary" is what nearly every order is: not worth a flag
    assert fee.top(ModelKind.URGENCY) == fee.urgencies[0]


def test_a_category_no_longer_in_use_is_not_suggested(trained, cast):
    Category.objects.filter(pk=cast.noise.pk).update(is_active=False)
    found = text_suggestions("工地晚上施工太吵", "凌晨还在打桩，噪音扰民")
    assert "020101" not in [s.code for s in found.categories]


def test_a_label_the_model_all_but_rules_out_is_not_offered(trained, cast):
    from rexian.intelligence import registry
    from rexian.intelligence.suggest import MIN_CONFIDENCE

    text = "工地晚上施工太吵。凌晨还在打桩，噪音扰民"
    ranked = {s.label: s.confidence for s in registry.active_model(ModelKind.CATEGORY)[1].suggest(text, k=5)}
    assert ranked["010101"] < MIN_CONFIDENCE  # the property category is all but ruled out for a noise complaint
    found = text_suggestions("工地晚上施工太吵", "凌晨还在打桩，噪音扰民")
    assert [s.code for s in found.categories] == ["020101"]


def test_too_short_a_text_gets_no_suggestions(trained):
    assert text_suggestions("噪", "").categories == []


def test_registration_stores_accepted_and_overridden_suggestions(trained, cast):
    accepted = register(cast, category=cast.noise, appeal_type=f.appeal_type("complaint"),
                        urgency=f.urgency("urgent"), title="工地晚上施工太吵", description="凌晨还在打桩，噪音扰民")
    rows = feedback_for_event(_event(accepted, Action.REGISTER).pk)
    assert {(r.kind, r.suggested, r.chosen, r.accepted) for r in rows} == {
        (ModelKind.CATEGORY, "020101", "020101", True),
        (ModelKind.APPEAL_TYPE, "complaint", "complaint", True),
        (ModelKind.URGENCY, "urgent", "urgent", True),
    }
    overridden = register(cast, category=cast.property_service, appeal_type=f.appeal_type("suggestion"),
                          title="工地晚上施工太吵", description="凌晨还在打桩，噪音扰民")  # of ordinary urgency
    rows = feedback_for_event(_event(overridden, Action.REGISTER).pk)
    by_kind = {r.kind: r for r in rows}
    assert (by_kind[ModelKind.CATEGORY].suggested, by_kind[ModelKind.CATEGORY].chosen) == ("020101", "010101")
    assert not by_kind[ModelKind.CATEGORY].accepted
    assert (by_kind[ModelKind.APPEAL_TYPE].chosen, by_kind[ModelKind.APPEAL_TYPE].accepted) == ("suggestion", False)
    assert by_kind[ModelKind.CATEGORY].user == cast.operator
    assert by_kind[ModelKind.CATEGORY].model.version == 1
    assert (by_kind[ModelKind.URGENCY].suggested, by_kind[ModelKind.URGENCY].chosen) == ("urgent", "normal")
    assert not by_kind[ModelKind.URGENCY].accepted
    assert SuggestionFeedback.objects.filter(order=overridden).count() == 3


def test_dispatch_stores_whether_the_dispatcher_took_the_top_unit(trained, cast):
    order = register(cast, category=cast.noise, title="工地晚上施工太吵", description="凌晨还在打桩，噪音扰民")
    order = services.order_send_to_dispatch(actor=cast.operator, order=order)
    order = services.order_dispatch(actor=cast.dispatcher, order=order, lead_unit=cast.housing)
    (row,) = feedback_for_event(_event(order, Action.DISPATCH).pk)
    assert (row.kind, row.suggested, row.chosen, row.accepted) == (ModelKind.DISPATCH, "C-CGJ", "C-ZJJ", False)
    assert row.user == cast.dispatcher


def test_feedback_follows_committed_events(trained, cast, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        order = register(cast, category=cast.noise, appeal_type=f.appeal_type("complaint"),
                         urgency=f.urgency("urgent"), title="工地晚上施工太吵", description="凌晨还在打桩，噪音扰民")
    assert SuggestionFeedback.objects.filter(order=order, accepted=True).count() == 3


def test_other_events_and_portal_registrations_give_no_feedback(trained, cast):
    order = trained[0]
    assert feedback_for_event(_event(order, Action.SEND_TO_DISPATCH).pk) == []
    integration = f.UserFactory(username="portal", role="integration")
    portal = register(cast, actor=integration, title="工地晚上施工太吵", description="凌晨还在打桩")
    assert feedback_for_event(_event(portal, Action.REGISTER).pk) == []

"""Smart dispatch (智能派单): the training data, the suggestions and their place on the dispatch pages."""

from __future__ import annotations

import pytest
from django.urls import reverse

from rexian.intelligence.models import ModelKind, SuggestionFeedback, TrainedModel
from rexian.orders import selectors, services, smart_dispatch
from rexian.orders.transitions import State
from tests.conftest import register


@pytest.fixture
def model_dir(tmp_path, settings):
    settings.INTELLIGENCE_MODEL_DIR = tmp_path / "models"
    smart_dispatch.forget_dispatch_model()
    yield settings.INTELLIGENCE_MODEL_DIR
    smart_dispatch.forget_dispatch_model()


def returned_and_redispatched(cast, make_order):
    """Dispatched to housing, returned (退单), then re-dispatched (改派) to urban management."""
    order = make_order(State.DISPATCHED)
    services.return_request(actor=cast.housing_handler, order=order, reason="不属于本单位职责")
    order.refresh_from_db()
    services.return_approve(actor=cast.dispatcher, order=order)
    order.refresh_from_db()
    return services.order_dispatch(actor=cast.dispatcher, order=order, lead_unit=cast.urban)


def train_small_model(cast, make_order):
    """Three property-service orders led by housing, three noise orders led by urban management; then train."""
    for _ in range(3):
        make_order(State.DISPATCHED)
        noise = register(cast, category=cast.noise, title="工地夜间施工噪音", description="晚上十一点还在打桩。")
        noise = services.order_send_to_dispatch(actor=cast.operator, order=noise)
        services.order_dispatch(actor=cast.dispatcher, order=noise, lead_unit=cast.urban)
    return smart_dispatch.train_dispatch_model()


def test_training_examples_take_the_final_unit_after_a_return_and_redispatch(cast, make_order):
    order = returned_and_redispatched(cast, make_order)
    make_order(State.REGISTERED)  # never reached a unit: no example
    rows = list(selectors.dispatch_training_examples())
    assert len(rows) == 1
    row = rows[0]
    assert row["order_id"] == order.pk
    assert row["unit_code"] == cast.urban.code
    assert row["returned_unit_codes"] == (cast.housing.code,)
    assert row["return_count"] == 1
    assert row["category_code"] == cast.property_service.code
    assert row["area_code"] == cast.community.code
    assert smart_dispatch.example_from_row(row).text.startswith("小区电梯")


def test_training_examples_carry_the_final_units_reply(cast, make_order):
    order = returned_and_redispatched(cast, make_order)
    assert next(selectors.dispatch_training_examples())["reply"] == ""  # urban management has not replied yet
    order = services.order_sign(actor=cast.urban_handler, order=order)
    services.order_reply(actor=cast.urban_handler, order=order, result="已责令物业修复电梯。", measures="现场检查两次。")
    row = next(selectors.dispatch_training_examples())
    assert row["reply"] == "已责令物业修复电梯。\n现场检查两次。"
    assert smart_dispatch.example_from_row(row).reply == row["reply"]


def test_training_examples_since_leaves_older_orders_out(cast, make_order):
    order = make_order(State.DISPATCHED)
    assert list(selectors.dispatch_training_examples(since=order.registered_at)) != []
    later = order.registered_at.replace(year=order.registered_at.year + 1)
    assert list(selectors.dispatch_training_examples(since=later)) == []


def test_no_model_means_no_suggestions(cast, make_order, model_dir):
    order = make_order(State.PENDING_DISPATCH)
    assert smart_dispatch.dispatch_suggestions_for(order) == []
    assert smart_dispatch.auto_dispatch_if_confident(order=order, actor=cast.dispatcher) is None


def test_suggestions_from_a_trained_model_rank_the_usual_unit_first(cast, make_order, model_dir):
    ranker, count = train_small_model(cast, make_order)
    assert count == 6 and (model_dir / "dispatch-v1.joblib").exists()
    order = register(cast, category=cast.noise, title="施工噪音扰民", description="工地夜里施工。")
    suggestions = smart_dispatch.dispatch_suggestions_for(order)
    assert suggestions[0].unit == cast.urban
    assert 0 < suggestions[0].confidence <= 1


def test_a_unit_that_returned_the_order_is_not_suggested_for_it_again(cast, make_order, model_dir):
    train_small_model(cast, make_order)
    order = register(cast, category=cast.noise, title="施工噪音扰民", description="工地夜里施工。")
    order = services.order_send_to_dispatch(actor=cast.operator, order=order)
    before = {s.unit: s.confidence for s in smart_dispatch.dispatch_suggestions_for(order)}
    assert next(iter(before)) == cast.urban  # the habit the small history taught
    order = services.order_dispatch(actor=cast.dispatcher, order=order, lead_unit=cast.urban)
    services.return_request(actor=cast.urban_handler, order=order, reason="工地噪声归生态环境部门。")
    order.refresh_from_db()
    services.return_approve(actor=cast.dispatcher, order=order)
    order.refresh_from_db()
    suggestions = smart_dispatch.dispatch_suggestions_for(order)
    assert suggestions and cast.urban not in [s.unit for s in suggestions]
    assert all(s.confidence >= smart_dispatch.MIN_CONFIDENCE for s in suggestions)  # no "0%"
    # The confidences are among the units left: the next unit is not shown at the few percent it had beside urban.
    assert sum(s.confidence for s in suggestions) <= 1 + 1e-6
    after = {s.unit: s.confidence for s in suggestions}
    assert all(after[unit] > before[unit] for unit in after.keys() & before.keys())
    assert suggestions[0].confidence > 0.3


def test_auto_dispatch_only_above_the_configured_confidence(cast, make_order, model_dir, settings):
    train_small_model(cast, make_order)
    order = services.order_send_to_dispatch(
        actor=cast.operator, order=register(cast, category=cast.noise, title="施工噪音", description="夜间打桩。")
    )
    settings.AUTO_DISPATCH_CONFIDENCE = 0
    assert smart_dispatch.auto_dispatch_if_confident(order=order, actor=cast.dispatcher) is None
    settings.AUTO_DISPATCH_CONFIDENCE = 0.999  # never reached: confidences are smoothed
    assert smart_dispatch.auto_dispatch_if_confident(order=order, actor=cast.dispatcher) is None
    settings.AUTO_DISPATCH_CONFIDENCE = 0.01
    dispatched = smart_dispatch.auto_dispatch_if_confident(order=order, actor=cast.dispatcher)
    assert dispatched.state == State.DISPATCHED and dispatched.lead_unit == cast.urban


def test_dispatch_form_shows_smart_suggestions_with_a_model(cast, make_order, model_dir, client):
    order = make_order(State.PENDING_DISPATCH)
    client.force_login(type(cast.dispatcher).objects.get(pk=cast.dispatcher.pk))
    assert "智能推荐" not in client.get(reverse("console:order", args=[order.number])).content.decode()
    assert "智能推荐" not in client.get(reverse("console:dispatch")).content.decode()
    train_small_model(cast, make_order)
    page = client.get(reverse("console:order", args=[order.number])).content.decode()
    assert "智能推荐" in page and cast.housing.name in page.split("智能推荐")[1][:200]
    assert "智能推荐" in client.get(reverse("console:dispatch")).content.decode()


def test_train_dispatch_command_writes_the_model(cast, make_order, model_dir):
    from io import StringIO

    from django.core.management import call_command

    returned_and_redispatched(cast, make_order)
    make_order(State.DISPATCHED)
    out = StringIO()
    call_command("train-dispatch", stdout=out)
    assert "orders=2 units=2" in out.getvalue()
    record = TrainedModel.objects.get(kind=ModelKind.DISPATCH, is_active=True)
    assert (record.version, record.examples) == (1, 2)
    assert (model_dir / "dispatch-v1.joblib").exists()


def test_an_order_reaching_pending_dispatch_is_dispatched_automatically_when_allowed(
    cast, make_order, model_dir, settings, django_capture_on_commit_callbacks
):
    train_small_model(cast, make_order)
    settings.AUTO_DISPATCH_CONFIDENCE = 0  # the default: never
    with django_capture_on_commit_callbacks(execute=True):
        waiting = services.order_send_to_dispatch(actor=cast.operator, order=register(cast))
    waiting.refresh_from_db()
    assert waiting.state == State.PENDING_DISPATCH

    settings.AUTO_DISPATCH_CONFIDENCE = 0.01
    with django_capture_on_commit_callbacks(execute=True):
        order = services.order_send_to_dispatch(actor=cast.operator, order=register(cast))
    order.refresh_from_db()
    assert order.state == State.DISPATCHED
    assert order.lead_unit == cast.housing
    event = order.events.get(action="dispatch")
    assert event.actor.username == smart_dispatch.AUTO_DISPATCHER
    assert "智能派单" in event.note
    # The automatic dispatch is not a person's choice: it gives no feedback on the suggestion.
    assert not SuggestionFeedback.objects.filter(order=order, kind=ModelKind.DISPATCH).exists()


def test_amending_an_order_in_the_dispatch_queue_does_not_dispatch_it_automatically(
    cast, make_order, model_dir, settings, django_capture_on_commit_callbacks
):
    train_small_model(cast, make_order)
    settings.AUTO_DISPATCH_CONFIDENCE = 0.999  # not reached on arrival: the order waits for a dispatcher
    with django_capture_on_commit_callbacks(execute=True):
        order = services.order_send_to_dispatch(actor=cast.operator, order=register(cast))
    settings.AUTO_DISPATCH_CONFIDENCE = 0.01
    with django_capture_on_commit_callbacks(execute=True):
        services.order_amend(actor=cast.dispatcher, order=order, category=cast.noise)
    order.refresh_from_db()
    assert order.state == State.PENDING_DISPATCH  # the dispatcher who corrected it dispatches it

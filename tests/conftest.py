"""The cast of the tests: a small city with a hotline centre, two bureaus and a town.

    cast.operator, cast.dispatcher, cast.supervisor, cast.inspector, cast.leader, cast.admin
    cast.housing (住建局) with cast.housing_handler and cast.housing_admin
    cast.urban (城管局) with cast.urban_handler
    cast.town (城东街道) and its community cast.community with cast.community_handler
    cast.property_service: a leaf category 城乡建设/物业管理/物业服务, catalogued to housing
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.core.cache import cache
from django.utils import translation

from rexian.orders import services
from rexian.orders.transitions import State
from rexian.units.models import Role, Unit
from tests import factories as f


@dataclass
class Cast:
    city: Unit
    centre: Unit
    housing: Unit
    urban: Unit
    town: Unit
    community: Unit
    operator: object
    dispatcher: object
    supervisor: object
    inspector: object
    leader: object
    admin: object
    housing_handler: object
    housing_admin: object
    urban_handler: object
    community_handler: object
    property_service: object
    noise: object


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language: a request by an English user leaves English active in the thread
    (every request activates its own, but a service called straight from the next test would speak English)."""
    yield
    translation.deactivate()


@pytest.fixture
def cast(db) -> Cast:
    city = f.UnitFactory(code="C", name="泰兴市", kind=Unit.Kind.CITY, accepts_orders=False)
    centre = f.UnitFactory(code="C-12345", name="12345热线中心", kind=Unit.Kind.CENTRE, parent=city, accepts_orders=False)
    housing = f.UnitFactory(code="C-ZJJ", name="住建局", parent=city)
    urban = f.UnitFactory(code="C-CGJ", name="城管局", parent=city)
    town = f.UnitFactory(code="C-CD", name="城东街道", kind=Unit.Kind.TOWN, parent=city)
    community = f.UnitFactory(code="C-CD-01", name="幸福社区", kind=Unit.Kind.COMMUNITY, parent=town)
    user = f.UserFactory
    l1 = f.CategoryFactory(code="01", name="城乡建设")
    l2 = f.CategoryFactory(code="0101", name="物业管理", parent=l1)
    property_service = f.CategoryFactory(code="010101", name="物业服务", parent=l2)
    e1 = f.CategoryFactory(code="02", name="生态环境")
    e2 = f.CategoryFactory(code="0201", name="噪声污染", parent=e1)
    noise = f.CategoryFactory(code="020101", name="施工噪声", parent=e2)
    f.dispatch_rule(property_service, housing, [town])
    f.dispatch_rule(noise, urban)
    return Cast(
        city=city, centre=centre, housing=housing, urban=urban, town=town, community=community,
        operator=user(username="operator", role=Role.OPERATOR, unit=centre),
        dispatcher=user(username="dispatcher", role=Role.DISPATCHER, unit=centre),
        supervisor=user(username="supervisor", role=Role.SUPERVISOR, unit=centre),
        inspector=user(username="inspector", role=Role.INSPECTOR, unit=centre),
        leader=user(username="leader", role=Role.LEADER, unit=city),
        admin=user(username="admin", role=Role.ADMIN, unit=centre),
        housing_handler=user(username="housing_handler", role=Role.UNIT_HANDLER, unit=housing),
        housing_admin=user(username="housing_admin", role=Role.UNIT_ADMIN, unit=housing),
        urban_handler=user(username="urban_handler", role=Role.UNIT_HANDLER, unit=urban),
        community_handler=user(username="community_handler", role=Role.UNIT_HANDLER, unit=community),
        property_service=property_service,
        noise=noise,
    )


def register(cast: Cast, **overrides):
    """An order registered by the operator: a property-service complaint unless told otherwise."""
    fields = dict(
        actor=cast.operator,
        channel=f.channel("phone"),
        appeal_type=f.appeal_type("complaint"),
        urgency=f.urgency("normal"),
        category=cast.property_service,
        title="小区电梯长期故障无人维修",
        description="幸福小区3号楼电梯停运两周，物业不予维修，老人出行困难。",
        caller_name="张三",
        caller_phone="13812348000",
        caller_id_number="32128319800101123X",
        area=cast.community,
        address="城东街道幸福小区3号楼",
    )
    fields.update(overrides)
    return services.order_register(**fields)


def advance(cast: Cast, order, target: str, *, assisting=()):
    """Drive an order through the services up to `target` along the ordinary path."""
    path = [
        State.PENDING_DISPATCH, State.DISPATCHED, State.IN_PROGRESS, State.REPLIED, State.AWAITING_CALLBACK,
        State.CLOSED,
    ]
    steps = {
        State.PENDING_DISPATCH: lambda o: services.order_send_to_dispatch(actor=cast.operator, order=o),
        State.DISPATCHED: lambda o: services.order_dispatch(
            actor=cast.dispatcher, order=o, lead_unit=cast.housing, assisting_units=assisting
        ),
        State.IN_PROGRESS: lambda o: services.order_sign(actor=cast.housing_handler, order=o),
        State.REPLIED: lambda o: services.order_reply(actor=cast.housing_handler, order=o, result="已督促物业修复电梯。"),
        State.AWAITING_CALLBACK: lambda o: services.reply_accept(actor=cast.dispatcher, order=o),
        State.CLOSED: lambda o: services.callback_record(
            actor=cast.operator, order=o, satisfaction="satisfied", solved=True, responded_in_time=True
        ),
    }
    for state in path:
        result = steps[state](order)
        order = result if hasattr(result, "state") else result.order
        order.refresh_from_db()
        if state == target:
            return order
    raise ValueError(f"{target} is not on the ordinary path")


@pytest.fixture
def make_order(cast):
    def make(state: str = State.REGISTERED, *, assisting=(), **overrides):
        order = register(cast, **overrides)
        if state == State.REGISTERED:
            return order
        if state == State.REOPENED:  # the citizen was dissatisfied (回访不满意): a dispatcher decides what next
            order = advance(cast, order, State.AWAITING_CALLBACK, assisting=assisting)
            services.callback_record(
                actor=cast.operator, order=order, satisfaction="dissatisfied", solved=False, responded_in_time=True,
                note="市民表示问题仍未解决。",
            )
            order.refresh_from_db()
            return order
        return advance(cast, order, state, assisting=assisting)

    return make


# --- A small history of orders in the database, for training and suggestions ----------------------------------

NOISE_TEXTS = ["工地夜间施工噪音扰民", "晚上打桩声音太大睡不着", "建筑工地凌晨还在施工", "夜里搅拌机噪声严重"]
PROPERTY_TEXTS = ["咨询小区物业费收费标准", "想了解物业费怎么计算", "咨询物业维修基金如何使用", "问一下物业费缴纳方式"]


@pytest.fixture
def queued_tasks(settings):
    """A task backend that keeps what is queued (and can defer) instead of running it at once: the worker has not
    run yet. Its `results` are the tasks queued, in order."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend", "QUEUES": ["default"]}}
    from django_tasks import default_task_backend

    default_task_backend.clear()
    return default_task_backend


@pytest.fixture
def model_dir(tmp_path, settings):
    from rexian.intelligence import registry

    settings.INTELLIGENCE_MODEL_DIR = tmp_path / "models"
    registry.forget()
    yield settings.INTELLIGENCE_MODEL_DIR
    registry.forget()


@pytest.fixture
def history(cast, model_dir):
    """40 dispatched orders: 20 urgent construction-noise complaints led by 城管局, 20 ordinary property-fee
    consultations by 住建局, registered one minute apart in alternation (so the held-out newest tenth has both)."""
    import datetime as dt

    from django.utils import timezone

    from rexian.orders.models import WorkOrder

    start = timezone.now() - dt.timedelta(days=10)
    orders = []
    for i in range(40):
        noise = i % 2 == 0
        texts = NOISE_TEXTS if noise else PROPERTY_TEXTS
        order = register(
            cast,
            category=cast.noise if noise else cast.property_service,
            appeal_type=f.appeal_type("complaint" if noise else "consult"),
            urgency=f.urgency("urgent" if noise else "normal"),
            title=f"{texts[i // 2 % 4]}（{i}）",
            description=f"{texts[(i // 2 + 1) % 4]}，第{i}次反映。",
        )
        WorkOrder.objects.filter(pk=order.pk).update(registered_at=start + dt.timedelta(minutes=i))
        order.refresh_from_db()
        order = services.order_send_to_dispatch(actor=cast.operator, order=order)
        orders.append(
            services.order_dispatch(actor=cast.dispatcher, order=order, lead_unit=cast.urban if noise else cast.housing)
        )
    return orders

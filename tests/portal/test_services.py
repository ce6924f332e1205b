"""The portal's writes: its service account, the citizen's request, the citizen's rating."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured, PermissionDenied

from rexian.orders.models import WorkOrder
from rexian.orders.services import OrderInputError
from rexian.portal import services
from rexian.units.models import Role
from tests import factories as f
from tests.portal.conftest import JPEG, photo

pytestmark = pytest.mark.django_db


def submission(cast, **overrides) -> services.Submission:
    fields = {
        "appeal_type": f.appeal_type("help"),
        "description": "路灯不亮已经一周，夜间行走很不安全。",
        "address": "城东街道人民路",
        "caller_name": "李四",
        "caller_phone": "13912345678",
    }
    fields.update(overrides)
    return services.Submission(**fields)


def test_the_portal_account_is_created_once_as_an_integration_account(db):
    first = services.integration_account()
    assert services.integration_account().pk == first.pk
    assert first.role == Role.INTEGRATION and first.unit is None
    assert not first.has_usable_password()


def test_the_portal_refuses_to_act_as_a_person_who_holds_its_username(db):
    f.UserFactory(username="portal", role=Role.OPERATOR)
    with pytest.raises(ImproperlyConfigured):
        services.integration_account()


def test_a_short_description_is_its_own_title():
    assert services.title_from("路灯不亮\n已经一周") == "路灯不亮 已经一周"


def test_a_long_description_is_cut_to_thirty_characters():
    assert services.title_from("一" * 40) == "一" * 30 + "…"


def test_a_refused_photo_leaves_no_order_and_no_file(cast, media):
    bad = photo("bad.jpg", b"not an image at all")
    with pytest.raises(OrderInputError):
        services.request_submit(submission=submission(cast, photos=[photo("ok.jpg", JPEG), bad]))
    assert not WorkOrder.objects.exists()
    assert not [p for p in media.rglob("*") if p.is_file()]


def test_without_the_right_to_attach_a_request_with_photos_is_not_half_registered(cast, media, monkeypatch):
    from rexian.orders import access
    from rexian.orders.transitions import Action

    allowed = access.may
    monkeypatch.setattr(access, "may", lambda user, action, order=None: action != Action.ATTACH and allowed(user, action, order))
    with pytest.raises(PermissionDenied):
        services.request_submit(submission=submission(cast, photos=[photo("ok.jpg", JPEG)]))
    assert not WorkOrder.objects.exists()


def test_a_rating_is_a_callback_by_the_portal_account(make_order):
    order = make_order("awaiting_callback")
    callback = services.rating_record(
        number=order.number, expected_version=order.version, satisfaction="satisfied", solved=True,
        responded_in_time=True, comment="  很及时 ",
    )
    assert callback.operator.username == "portal"
    assert callback.note == "市民门户评价：很及时"

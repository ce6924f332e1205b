"""A unit admin manages the handlers of their own unit (rexian/units/services.py)."""

from __future__ import annotations

import logging

import pytest
from django.core.exceptions import PermissionDenied

from rexian.units.models import Role, User
from rexian.units.services import (
    StaffError,
    unit_handler_create,
    unit_handler_set_active,
    unit_handler_set_password,
)
from tests import factories as f

pytestmark = pytest.mark.django_db
PASSWORD = "Wuyi-garden-2026"


def _create(actor, **overrides):
    values = {"username": "zhangsan", "display_name": "张三", "agent_number": "ZJ-07",
              "password": PASSWORD, "password2": PASSWORD}
    values.update(overrides)
    return unit_handler_create(actor=actor, **values)


def _fresh(user):
    return User.objects.get(pk=user.pk)


# --- 新增承办人 --------------------------------------------------------------------------------------------------------


def test_a_unit_admin_adds_an_active_handler_to_their_own_unit(cast):
    handler = _fresh(_create(cast.housing_admin))
    assert (handler.role, handler.unit, handler.is_active) == (Role.UNIT_HANDLER, cast.housing, True)
    assert (handler.display_name, handler.agent_number) == ("张三", "ZJ-07")
    assert handler.check_password(PASSWORD)
    assert not handler.is_staff and not handler.is_superuser


def test_the_work_number_is_optional(cast):
    assert _create(cast.housing_admin, agent_number="").agent_number == ""


def test_adding_is_refused_to_anyone_but_a_unit_admin(cast):
    for actor in (cast.housing_handler, cast.admin, cast.supervisor, cast.dispatcher):
        with pytest.raises(PermissionDenied):
            _create(actor, username=f"new_{actor.username}")
    assert not User.objects.filter(username__startswith="new_").exists()


def test_adding_is_refused_to_a_stopped_unit_admin(cast):
    cast.housing_admin.is_active = False
    with pytest.raises(PermissionDenied):
        _create(cast.housing_admin)


def test_a_taken_username_is_refused_beside_the_username(cast):
    with pytest.raises(StaffError) as refused:
        _create(cast.housing_admin, username="URBAN_handler")
    assert refused.value.field == "username"
    assert "已被使用" in refused.value.message


def test_passwords_typed_differently_are_refused(cast):
    with pytest.raises(StaffError) as refused:
        _create(cast.housing_admin, password2=PASSWORD + "x")
    assert refused.value.field == "password2"
    assert not User.objects.filter(username="zhangsan").exists()


@pytest.mark.parametrize("weak", ["short1", "12345678901234", "password123", "zhangsan2026"])
def test_a_weak_password_is_refused_by_the_password_rules(cast, weak):
    with pytest.raises(StaffError) as refused:
        _create(cast.housing_admin, password=weak, password2=weak)
    assert refused.value.field == "password1"
    assert not User.objects.filter(username="zhangsan").exists()


def test_a_name_and_a_valid_username_are_needed(cast):
    with pytest.raises(StaffError) as no_name:
        _create(cast.housing_admin, display_name="  ")
    with pytest.raises(StaffError) as bad_username:
        _create(cast.housing_admin, username="zhang san")
    assert (no_name.value.field, bad_username.value.field) == ("display_name", "username")


def test_adding_is_written_to_the_server_log_without_the_password(cast, caplog):
    with caplog.at_level(logging.INFO, logger="rexian.units.services"):
        _create(cast.housing_admin)
    assert "housing_admin" in caplog.text and "zhangsan" in caplog.text
    assert PASSWORD not in caplog.text


# --- 停用 / 启用 -------------------------------------------------------------------------------------------------------


def test_a_unit_admin_deactivates_and_reactivates_a_handler_of_their_unit(cast):
    unit_handler_set_active(actor=cast.housing_admin, user=cast.housing_handler, active=False)
    assert not _fresh(cast.housing_handler).is_active
    unit_handler_set_active(actor=cast.housing_admin, user=cast.housing_handler.pk, active=True)
    assert _fresh(cast.housing_handler).is_active


def test_a_unit_admin_cannot_deactivate_themself(cast):
    with pytest.raises(PermissionDenied):
        unit_handler_set_active(actor=cast.housing_admin, user=cast.housing_admin, active=False)
    assert _fresh(cast.housing_admin).is_active


def test_a_unit_admin_cannot_touch_another_units_handler(cast):
    with pytest.raises(PermissionDenied):
        unit_handler_set_active(actor=cast.housing_admin, user=cast.urban_handler, active=False)
    assert _fresh(cast.urban_handler).is_active


def test_a_unit_admin_cannot_touch_the_handlers_of_a_unit_below(cast):
    below = f.UnitFactory(code="C-ZJJ-01", name="住建局房管所", parent=cast.housing)
    handler = f.UserFactory(username="below", role=Role.UNIT_HANDLER, unit=below)
    with pytest.raises(PermissionDenied):
        unit_handler_set_active(actor=cast.housing_admin, user=handler, active=False)


def test_a_unit_admin_cannot_touch_another_admin_of_their_unit(cast):
    other_admin = f.UserFactory(username="housing_admin2", role=Role.UNIT_ADMIN, unit=cast.housing)
    with pytest.raises(PermissionDenied):
        unit_handler_set_active(actor=cast.housing_admin, user=other_admin, active=False)
    with pytest.raises(PermissionDenied):
        unit_handler_set_password(actor=cast.housing_admin, user=other_admin, password=PASSWORD, password2=PASSWORD)
    assert _fresh(other_admin).is_active


def test_a_handler_cannot_deactivate_a_colleague(cast):
    colleague = f.UserFactory(username="colleague", role=Role.UNIT_HANDLER, unit=cast.housing)
    with pytest.raises(PermissionDenied):
        unit_handler_set_active(actor=cast.housing_handler, user=colleague, active=False)


def test_an_unknown_user_is_refused(cast):
    with pytest.raises(PermissionDenied):
        unit_handler_set_active(actor=cast.housing_admin, user=999_999, active=False)


# --- 重置密码 ----------------------------------------------------------------------------------------------------------


def test_a_unit_admin_resets_a_handlers_password(cast):
    unit_handler_set_password(actor=cast.housing_admin, user=cast.housing_handler, password=PASSWORD,
                              password2=PASSWORD)
    assert _fresh(cast.housing_handler).check_password(PASSWORD)


def test_a_reset_needs_the_same_valid_password_twice(cast):
    before = _fresh(cast.housing_handler).password
    with pytest.raises(StaffError) as differ:
        unit_handler_set_password(actor=cast.housing_admin, user=cast.housing_handler, password=PASSWORD,
                                  password2="other-Password-9")
    with pytest.raises(StaffError) as weak:
        unit_handler_set_password(actor=cast.housing_admin, user=cast.housing_handler, password="123",
                                  password2="123")
    assert (differ.value.field, weak.value.field) == ("password2", "password1")
    assert _fresh(cast.housing_handler).password == before


def test_a_reset_is_refused_for_another_units_handler(cast):
    before = _fresh(cast.urban_handler).password
    with pytest.raises(PermissionDenied):
        unit_handler_set_password(actor=cast.housing_admin, user=cast.urban_handler, password=PASSWORD,
                                  password2=PASSWORD)
    assert _fresh(cast.urban_handler).password == before

"""本单位人员: a unit admin's page for the people of their unit (rexian/console/views/unit_staff.py)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client, RequestFactory
from django.urls import reverse

from rexian.console.views.unit_staff import unit_staff

from rexian.units.models import Role, User
from tests import factories as f

pytestmark = pytest.mark.django_db
URL = "/console/my-unit/staff/"
PASSWORD = "Wuyi-garden-2026"


def _fresh(user):
    return User.objects.get(pk=user.pk)


def _add(client, **overrides):
    data = {"action": "create", "username": "zhangsan", "display_name": "张三", "agent_number": "ZJ-07",
            "password1": PASSWORD, "password2": PASSWORD}
    data.update(overrides)
    return client.post(URL, data)


def test_the_url_name(cast):
    assert reverse("console:unit-staff") == URL


def test_a_unit_admin_sees_the_active_and_stopped_staff_of_their_unit(signed_in, cast):
    f.UserFactory(username="stopped_one", display_name="李四", role=Role.UNIT_HANDLER, unit=cast.housing,
                  is_active=False, agent_number="ZJ-99")
    response = signed_in(cast.housing_admin).get(URL)
    page = response.content.decode()
    assert response.status_code == 200
    assert "本单位人员" in page and "住建局" in page
    for shown in ("housing_handler", "housing_admin", "stopped_one", "李四", "ZJ-99", "已停用", "从未登录"):
        assert shown in page
    assert "urban_handler" not in page and "community_handler" not in page
    assert 'name="action" value="deactivate"' in page and 'name="action" value="activate"' in page


def test_the_admin_gets_no_buttons_for_themself(signed_in, cast):
    page = signed_in(cast.housing_admin).get(URL).content.decode()
    own_row = page.split('data-user="housing_admin"')[1].split("</tr>")[0]
    assert "本人" in own_row and "停用" not in own_row and "重置密码" not in own_row


@pytest.mark.parametrize("who", ["housing_handler", "urban_handler", "dispatcher", "supervisor", "admin"])
def test_anyone_but_a_unit_admin_gets_403(signed_in, cast, who):
    client = signed_in(getattr(cast, who))
    for response in (client.get(URL), _add(client)):
        assert response.status_code == 403
        assert "只有承办单位管理员可以管理本单位人员。" in response.content.decode()
    assert not User.objects.filter(username="zhangsan").exists()


def test_a_unit_admin_without_a_unit_gets_403(signed_in, cast):
    # The database refuses a unit admin without a unit; one built in memory stands for such an account.
    admin = _fresh(cast.housing_admin)
    admin.unit = None
    request = RequestFactory().get(URL)
    request.user = admin
    with pytest.raises(PermissionDenied):
        unit_staff(request)


def test_the_menu_offers_the_page_to_unit_admins_only(signed_in, cast):
    entry = f'href="{URL}" accesskey="m"'
    assert entry in signed_in(cast.housing_admin).get(reverse("console:home")).content.decode()
    assert entry not in signed_in(cast.housing_handler).get(reverse("console:home")).content.decode()


def test_the_menu_lists_it_after_my_unit(signed_in, cast):
    page = signed_in(cast.housing_admin).get(reverse("console:home")).content.decode()
    assert page.index('href="/console/my-unit/"') < page.index(f'href="{URL}"')


def test_adding_a_handler_makes_a_handler_of_the_admins_unit_whatever_the_form_says(signed_in, cast):
    client = signed_in(cast.housing_admin)
    response = _add(client, role=Role.UNIT_ADMIN, unit=cast.urban.pk, is_staff="on")
    assert (response.status_code, response["Location"]) == (302, URL)
    handler = User.objects.get(username="zhangsan")
    assert (handler.role, handler.unit, handler.is_staff, handler.is_active) == (
        Role.UNIT_HANDLER, cast.housing, False, True)
    assert handler.check_password(PASSWORD)
    page = client.get(URL).content.decode()
    assert "已新增承办人 张三（zhangsan）。" in page
    assert PASSWORD not in page


def test_a_taken_username_is_shown_beside_the_field(signed_in, cast):
    response = _add(signed_in(cast.housing_admin), username="urban_handler")
    page = response.content.decode()
    assert response.status_code == 400
    assert '<p class="field-error" id="id_add_username_error" role="alert">用户名“urban_handler”已被使用，请换一个。</p>' in page
    assert PASSWORD not in page


def test_a_weak_password_is_shown_beside_the_field_and_not_echoed(signed_in, cast):
    response = _add(signed_in(cast.housing_admin), password1="12345", password2="12345")
    page = response.content.decode()
    assert response.status_code == 400
    error = page.split('id="id_add_password1_error"')[1].split("</p>")[0]
    assert "密码" in error
    assert 'value="12345"' not in page
    assert not User.objects.filter(username="zhangsan").exists()


def test_a_missing_name_is_shown_in_the_staffs_words(signed_in, cast):
    response = _add(signed_in(cast.housing_admin), display_name="")
    assert response.status_code == 400
    assert "请填写姓名。" in response.content.decode()


def test_deactivating_and_reactivating_a_handler(signed_in, cast):
    client = signed_in(cast.housing_admin)
    response = client.post(URL, {"action": "deactivate", "user": cast.housing_handler.pk})
    assert (response.status_code, response["Location"]) == (302, URL)
    assert not _fresh(cast.housing_handler).is_active
    assert f"已停用 {cast.housing_handler.display_name} 的账号" in client.get(URL).content.decode()
    client.post(URL, {"action": "activate", "user": cast.housing_handler.pk})
    assert _fresh(cast.housing_handler).is_active


def test_the_admin_cannot_deactivate_themself_or_another_units_handler(signed_in, cast):
    client = signed_in(cast.housing_admin)
    assert client.post(URL, {"action": "deactivate", "user": cast.housing_admin.pk}).status_code == 403
    assert client.post(URL, {"action": "deactivate", "user": cast.urban_handler.pk}).status_code == 403
    assert _fresh(cast.housing_admin).is_active and _fresh(cast.urban_handler).is_active


def test_a_change_needs_a_post_with_a_known_action_and_user(signed_in, cast):
    client = signed_in(cast.housing_admin)
    assert client.post(URL, {"action": "delete", "user": cast.housing_handler.pk}).status_code == 400
    assert client.post(URL, {"action": "deactivate", "user": "x"}).status_code == 400
    client.get(URL, {"action": "deactivate", "user": cast.housing_handler.pk})
    assert _fresh(cast.housing_handler).is_active


def test_actions_need_the_csrf_token(cast):
    client = Client(enforce_csrf_checks=True)
    client.force_login(_fresh(cast.housing_admin))
    response = client.post(URL, {"action": "deactivate", "user": cast.housing_handler.pk})
    assert response.status_code == 403
    assert _fresh(cast.housing_handler).is_active


def test_resetting_a_handlers_password(signed_in, cast):
    client = signed_in(cast.housing_admin)
    response = client.post(URL, {"action": "password", "user": cast.housing_handler.pk,
                                 "password1": PASSWORD, "password2": PASSWORD})
    assert (response.status_code, response["Location"]) == (302, URL)
    assert _fresh(cast.housing_handler).check_password(PASSWORD)
    assert PASSWORD not in client.get(URL).content.decode()


def test_a_bad_reset_password_is_shown_beside_the_rows_field(signed_in, cast):
    client = signed_in(cast.housing_admin)
    pk = cast.housing_handler.pk
    before = _fresh(cast.housing_handler).password
    response = client.post(URL, {"action": "password", "user": pk, "password1": PASSWORD, "password2": "other"})
    page = response.content.decode()
    assert response.status_code == 400
    assert f'id="id_reset{pk}_password2_error" role="alert">两次输入的密码不一致。</p>' in page
    assert PASSWORD not in page
    empty = client.post(URL, {"action": "password", "user": pk, "password1": "", "password2": ""})
    assert empty.status_code == 400 and "请填写新密码。" in empty.content.decode()
    assert _fresh(cast.housing_handler).password == before


def test_a_reset_for_another_units_handler_is_403_even_when_the_form_is_empty(signed_in, cast):
    client = signed_in(cast.housing_admin)
    for data in ({"password1": PASSWORD, "password2": PASSWORD}, {}):
        response = client.post(URL, {"action": "password", "user": cast.urban_handler.pk, **data})
        assert response.status_code == 403


def test_the_page_in_english(signed_in, cast):
    f.UserFactory(username="stopped_one", role=Role.UNIT_HANDLER, unit=cast.housing, is_active=False)
    admin = _fresh(cast.housing_admin)
    admin.language = "en"
    admin.save()
    client = signed_in(admin)
    page = client.get(URL).content.decode()
    for english in ("Unit staff", "Add a handler", "Deactivate", "Activate", "Reset password", "Never signed in",
                    "Agent number"):
        assert english in page, english
    for chinese in ("本单位人员", "新增承办人", "停用", "启用", "重置密码", "从未登录", "用户名"):
        assert chinese not in page
    refused = _add(client, username="urban_handler").content.decode()
    assert "The username “urban_handler” is already taken; please choose another." in refused

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_console_pages_send_anonymous_visitors_to_sign_in(client):
    response = client.get(reverse("console:home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("console:login"))


def test_operator_signs_in_with_password_and_lands_on_home(client, cast):
    cast.operator.set_password("correct horse 12345")
    cast.operator.save()
    response = client.post(reverse("console:login"), {"username": "operator", "password": "correct horse 12345"})
    assert response.status_code == 302
    assert response.url == reverse("console:home")


def test_wrong_password_gets_a_chinese_message_and_400(client, cast):
    response = client.post(reverse("console:login"), {"username": "operator", "password": "nope"})
    assert response.status_code == 400
    assert "用户名或密码不正确" in response.content.decode()


def test_an_empty_sign_in_asks_for_the_username_and_password(client, cast):
    response = client.post(reverse("console:login"), {"username": "", "password": ""})
    assert response.status_code in (200, 400)
    page = response.content.decode()
    assert "请填写用户名。" in page and "请填写密码。" in page


def test_login_is_throttled_per_account(client, cast, settings):
    settings.CONSOLE_LOGINS_PER_ACCOUNT_PER_HOUR = 3
    for _ in range(3):
        client.post(reverse("console:login"), {"username": "operator", "password": "nope"})
    response = client.post(reverse("console:login"), {"username": "operator", "password": "nope"})
    assert response.status_code == 429
    assert "登录尝试过于频繁" in response.content.decode()
    assert int(response["Retry-After"]) > 0


def test_signing_in_right_counts_nothing_however_often(client, cast, settings):
    settings.CONSOLE_LOGINS_PER_ACCOUNT_PER_HOUR = 2
    settings.CONSOLE_LOGINS_PER_ADDRESS_PER_HOUR = 2
    cast.operator.set_password("correct horse 12345")
    cast.operator.save()
    for _ in range(5):  # a shift change: one account (or one address) signing in again and again
        response = client.post(reverse("console:login"), {"username": "operator", "password": "correct horse 12345"})
        assert response.status_code == 302
        client.post(reverse("console:logout"))
    # Failures count: two wrong passwords spend the account's allowance, then even the right one waits.
    for _ in range(2):
        assert client.post(reverse("console:login"), {"username": "operator", "password": "nope"}).status_code == 400
    response = client.post(reverse("console:login"), {"username": "operator", "password": "correct horse 12345"})
    assert response.status_code == 429


def test_integration_account_cannot_sign_in_to_the_console(client, cast):
    from tests import factories as f
    from rexian.units.models import Role

    robot = f.UserFactory(username="portal-robot", role=Role.INTEGRATION, unit=cast.centre)
    robot.set_password("correct horse 12345")
    robot.save()
    response = client.post(reverse("console:login"), {"username": "portal-robot", "password": "correct horse 12345"})
    assert response.status_code == 400
    assert "接口账号不能登录工作台" in response.content.decode()


def test_logout_needs_post_and_signs_out(signed_in, cast):
    client = signed_in(cast.operator)
    assert client.get(reverse("console:logout")).status_code == 405
    response = client.post(reverse("console:logout"))
    assert response.status_code == 302
    assert client.get(reverse("console:home")).status_code == 302


def test_language_choice_is_kept_on_the_user(signed_in, cast):
    client = signed_in(cast.dispatcher)
    response = client.post(reverse("console:language"), {"language": "en", "next": reverse("console:home")})
    assert response.status_code == 302
    cast.dispatcher.refresh_from_db()
    assert cast.dispatcher.language == "en"
    page = client.get(reverse("console:home")).content.decode()
    assert '<html lang="en">' in page


def test_language_switch_refuses_an_outside_next_url(signed_in, cast):
    client = signed_in(cast.dispatcher)
    response = client.post(reverse("console:language"), {"language": "en", "next": "https://evil.example/"})
    assert response.url == reverse("console:home")


def test_the_admin_signs_in_through_the_throttled_console_login(client, cast, settings):
    settings.CONSOLE_LOGINS_PER_ACCOUNT_PER_HOUR = 1
    client.post("/admin/login/", {"username": "admin", "password": "nope"})
    response = client.post("/admin/login/", {"username": "admin", "password": "nope"})
    assert response.status_code == 429


def test_staff_without_admin_rights_are_told_so_instead_of_looping(signed_in, cast):
    response = signed_in(cast.operator).get("/admin/login/?next=/admin/")
    assert response.status_code == 403
    assert "无权进入管理后台" in response.content.decode()

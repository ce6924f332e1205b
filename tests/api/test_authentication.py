"""Who may call the API: tokens (only their SHA-256 stored), browser sessions with CSRF, active users only."""

from __future__ import annotations

import datetime as dt
import hashlib
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from rexian.api.models import ApiToken
from rexian.api.services import api_token_install, api_token_issue, api_token_revoke
from tests.api.conftest import client_for


def signed_in(client, user):
    # From the database: the cast's factory sets an unusable password without saving it,
    # and a session keyed on the unsaved one would not survive the next request.
    client.force_login(type(user).objects.get(pk=user.pk))
    return client


def token_client(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_a_request_without_credentials_is_refused_with_a_token_challenge(cast):
    response = APIClient().get("/api/v1/me/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json()["code"] == "not_authenticated"


def test_a_token_acts_as_its_user(cast):
    response = client_for(cast.housing_handler).get("/api/v1/me/")
    assert response.status_code == 200
    assert response.json() == {
        "username": "housing_handler",
        "display_name": cast.housing_handler.display_name,
        "role": "unit_handler",
        "role_label": "承办人",
        "unit": {"code": "C-ZJJ", "name": "住建局"},
    }


def test_only_the_sha256_of_a_key_is_stored(cast):
    token, key = api_token_issue(user=cast.dispatcher, name="区城管系统")
    stored = ApiToken.objects.filter(pk=token.pk).values().get()
    assert key not in [str(value) for value in stored.values()]
    assert stored["key_hash"] == hashlib.sha256(key.encode()).hexdigest()


def test_an_unknown_key_is_refused(cast):
    response = token_client("rxn_not-a-real-key").get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_a_revoked_token_is_refused(cast):
    token, key = api_token_issue(user=cast.dispatcher, name="old system")
    api_token_revoke(token=token)
    response = token_client(key).get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json()["message"] == "令牌已被吊销。"


def test_an_expired_token_is_refused(cast):
    _, key = api_token_issue(user=cast.dispatcher, name="pilot", expires_at=timezone.now() - dt.timedelta(minutes=1))
    assert token_client(key).get("/api/v1/me/").status_code == 401


def test_the_token_of_a_disabled_user_is_refused(cast):
    _, key = api_token_issue(user=cast.dispatcher, name="system")
    cast.dispatcher.is_active = False
    cast.dispatcher.save()
    assert token_client(key).get("/api/v1/me/").status_code == 401


def test_a_malformed_authorization_header_is_refused(cast):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token two parts")
    assert client.get("/api/v1/me/").status_code == 401


def test_a_token_records_when_it_was_last_used(cast):
    token, key = api_token_issue(user=cast.dispatcher, name="system")
    token_client(key).get("/api/v1/me/")
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_a_signed_in_browser_reads_the_api_with_its_session(cast):
    client = signed_in(APIClient(), cast.dispatcher)
    assert client.get("/api/v1/me/").json()["username"] == "dispatcher"


def test_a_browser_write_without_the_csrf_token_is_refused(cast, make_order):
    order = make_order()
    client = signed_in(Client(enforce_csrf_checks=True), cast.operator)
    response = client.post(
        f"/api/v1/orders/{order.number}/send-to-dispatch/", {"version": order.version}, content_type="application/json"
    )
    assert response.status_code == 403
    order.refresh_from_db()
    assert order.state == "registered"


def test_a_browser_write_with_the_csrf_token_is_accepted(cast, make_order):
    order = make_order()
    client = signed_in(Client(enforce_csrf_checks=True), cast.operator)
    client.get("/api/v1/docs/")  # any page that sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    response = client.post(
        f"/api/v1/orders/{order.number}/send-to-dispatch/",
        {"version": order.version},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
    )
    assert response.status_code == 200


def test_the_api_token_command_prints_a_working_key_once(cast):
    out, err = StringIO(), StringIO()
    call_command("api-token", "create", "--user=dispatcher", "--name=区城管系统", stdout=out, stderr=err)
    key = out.getvalue().strip()
    assert key.startswith("rxn_")
    assert token_client(key).get("/api/v1/me/").json()["username"] == "dispatcher"
    listing = StringIO()
    call_command("api-token", "list", stdout=listing)
    assert "区城管系统" in listing.getvalue() and key not in listing.getvalue()


def test_the_api_token_command_revokes_a_token(cast):
    token, key = api_token_issue(user=cast.dispatcher, name="system")
    call_command("api-token", "revoke", str(token.pk), stdout=StringIO())
    assert token_client(key).get("/api/v1/me/").status_code == 401


@pytest.fixture
def admin_client(cast):
    cast.admin.is_staff = cast.admin.is_superuser = True
    cast.admin.save()
    return signed_in(Client(), cast.admin)


def test_the_admin_issues_a_token_and_shows_its_key_once(cast, admin_client):
    response = admin_client.post(
        "/admin/api/apitoken/add/",
        {"user": cast.dispatcher.pk, "name": "区城管系统", "expires_at_0": "", "expires_at_1": ""},
        follow=True,
    )
    token = ApiToken.objects.get(name="区城管系统")
    shown = [str(m) for m in response.context["messages"]]
    key = shown[0].rsplit("：", 1)[1]
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert token.created_by == cast.admin
    assert key not in admin_client.get(f"/admin/api/apitoken/{token.pk}/change/").content.decode()


def test_the_admin_revokes_selected_tokens(cast, admin_client):
    token, key = api_token_issue(user=cast.dispatcher, name="system")
    admin_client.post("/admin/api/apitoken/", {"action": "revoke", "_selected_action": [token.pk]})
    assert token_client(key).get("/api/v1/me/").status_code == 401


def test_the_demo_installs_a_token_with_a_published_key_once(cast):
    first = api_token_install(user=cast.dispatcher, name="演示", key="demo-dispatcher")
    again = api_token_install(user=cast.dispatcher, name="演示", key="demo-dispatcher")
    assert first.pk == again.pk
    assert token_client("demo-dispatcher").get("/api/v1/me/").json()["username"] == "dispatcher"

"""Webhooks in Django admin: endpoints are configured, the delivery log is read and can be sent again."""

from __future__ import annotations

import pytest
from django.urls import reverse

from rexian.units.models import User
from rexian.webhooks.models import WebhookDelivery, WebhookEndpoint
from tests.conftest import register


@pytest.fixture
def root(db, client):
    user = User.objects.create_superuser("root", "root@example.invalid", None)
    client.force_login(user)
    return client


@pytest.fixture
def delivery(cast, endpoint, receiver, django_capture_on_commit_callbacks):
    receiver.status = 503
    with django_capture_on_commit_callbacks(execute=True):
        register(cast)
    return WebhookDelivery.objects.get()


def test_an_endpoint_is_added_with_an_event_filter_and_gets_a_secret(root, receiver):
    response = root.post(
        reverse("admin:webhooks_webhookendpoint_add"),
        {"name": "区大数据局", "url": receiver.url, "events": ["dispatch", "callback"], "active": "on"},
    )
    assert response.status_code == 302
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.events == ["dispatch", "callback"] and len(endpoint.secret) >= 40


def test_an_unsafe_url_is_refused_in_the_form(root, settings):
    settings.WEBHOOK_ALLOW_PRIVATE = False
    response = root.post(reverse("admin:webhooks_webhookendpoint_add"), {"name": "接收方", "url": "https://10.0.0.5/"})
    assert response.status_code == 200
    assert "是内网、本机或保留地址" in response.content.decode() and not WebhookEndpoint.objects.exists()


def test_the_endpoint_page_shows_its_secret(root, endpoint):
    response = root.get(reverse("admin:webhooks_webhookendpoint_change", args=[endpoint.pk]))
    assert response.status_code == 200 and endpoint.secret in response.content.decode()


def test_rotating_the_secret_from_the_list(root, endpoint):
    old = endpoint.secret
    root.post(
        reverse("admin:webhooks_webhookendpoint_changelist"),
        {"action": "rotate_secret", "_selected_action": [endpoint.pk]},
    )
    endpoint.refresh_from_db()
    assert endpoint.secret != old


def test_the_delivery_log_pages_render_read_only(root, delivery):
    changelist = root.get(reverse("admin:webhooks_webhookdelivery_changelist"))
    page = root.get(reverse("admin:webhooks_webhookdelivery_change", args=[delivery.pk]))
    assert changelist.status_code == page.status_code == 200
    assert "推送记录" in changelist.content.decode() and "HTTP 503" in page.content.decode()
    assert 'name="_save"' not in page.content.decode()
    assert root.get(reverse("admin:webhooks_webhookdelivery_add")).status_code == 403


def test_sending_a_failed_delivery_again_from_the_log(root, delivery, receiver, django_capture_on_commit_callbacks):
    receiver.status = 200
    with django_capture_on_commit_callbacks(execute=True):
        root.post(
            reverse("admin:webhooks_webhookdelivery_changelist"),
            {"action": "send_again", "_selected_action": [delivery.pk]},
        )
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.SUCCEEDED

"""Issuing Open311 API keys in Django admin: the key is shown once and only its hash is kept."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from rexian.open311.models import ApiKey, key_digest
from rexian.open311.services import api_key_check
from rexian.units.models import User
from tests.open311.conftest import post_request


@pytest.fixture
def root(db, client):
    client.force_login(User.objects.create_superuser("root", "root@example.invalid", "not-a-real-password-1"))
    return client


def test_adding_a_key_shows_it_once_and_stores_its_hash(root):
    response = root.post(reverse("admin:open311_apikey_add"), {"name": "随手拍App", "note": "", "is_active": "on"})
    assert response.status_code == 302
    key = ApiKey.objects.get(name="随手拍App")
    message = str(next(iter(get_messages(response.wsgi_request))))
    raw = message.split("：", 1)[1].split()[0]
    assert key.key_hash == key_digest(raw)
    assert api_key_check(raw) == key


@pytest.mark.parametrize("view", ["changelist", "add"])
def test_key_pages_render(root, view):
    assert root.get(reverse(f"admin:open311_apikey_{view}")).status_code == 200


def test_submission_pages_render_without_the_email(root, api_key):
    post_request(root, "json")
    submission = ApiKey.objects.get().submissions.get()
    assert root.get(reverse("admin:open311_submission_changelist")).status_code == 200
    page = root.get(reverse("admin:open311_submission_change", args=[submission.pk]))
    assert page.status_code == 200
    assert "zhangsan@example.com" not in page.content.decode()

"""Clients of the REST API for the test cast: each acts with a token of its own user."""

from __future__ import annotations

from rest_framework.test import APIClient

from rexian.api.services import api_token_issue


def client_for(user, **client_options) -> APIClient:
    """An API client acting as `user` through a freshly issued token."""
    _, key = api_token_issue(user=user, name=f"tests {user.username}")
    client = APIClient(**client_options)
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def action_url(order, slug: str) -> str:
    return f"/api/v1/orders/{order.number}/{slug}/"


def detail_url(order) -> str:
    return f"/api/v1/orders/{order.number}/"


def act(client, order, slug: str, **body):
    """POST an action with the order's current version (unless the body names one)."""
    order.refresh_from_db()
    return client.post(action_url(order, slug), {"version": order.version, **body}, format="json")

"""The OpenAPI document describes every endpoint; the docs pages work offline from local assets."""

from __future__ import annotations

import re

import yaml
from django.contrib.staticfiles import finders
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from rexian.api.serializers import SLUG_BY_ACTION

DOC_VIEWS = {"schema/", "docs/", "redoc/"}


def document() -> dict:
    response = APIClient().get("/api/v1/schema/?format=json")
    assert response.status_code == 200
    return response.json()


def v1_routes() -> set[str]:
    """Every route under /api/v1/ as the document writes it (/api/v1/orders/{number}/sign/)."""
    api = next(p for p in get_resolver().url_patterns if isinstance(p, URLResolver) and str(p.pattern) == "api/")
    v1 = next(p for p in api.url_patterns if isinstance(p, URLResolver) and str(p.pattern) == "v1/")
    return {
        "/api/v1/" + re.sub(r"<\w+:(\w+)>", r"{\1}", str(p.pattern))
        for p in v1.url_patterns
        if isinstance(p, URLPattern) and str(p.pattern) not in DOC_VIEWS
    }


def test_the_document_is_openapi_3_in_json_and_yaml():
    assert document()["openapi"].startswith("3.")
    response = APIClient().get("/api/v1/schema/?format=yaml")
    assert yaml.safe_load(response.content)["info"]["title"] == "Rexian API"


def test_the_document_describes_every_endpoint_and_nothing_else():
    assert set(document()["paths"]) == v1_routes()


def test_every_action_has_its_own_operation_with_the_version_required():
    doc = document()
    for slug in set(SLUG_BY_ACTION.values()) - {"attachments"}:
        operation = doc["paths"][f"/api/v1/orders/{{number}}/{slug}/"]["post"]
        ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
        assert "version" in doc["components"]["schemas"][ref]["required"], slug
        assert {"200", "400", "401", "403", "404", "409"} <= set(operation["responses"]), slug


def test_every_error_response_is_the_error_object():
    doc = document()
    for path, methods in doc["paths"].items():
        for method, operation in methods.items():
            assert "401" in operation["responses"], (method, path)
            for status, response in operation["responses"].items():
                if status.startswith(("4", "5")):
                    assert response["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
    assert doc["components"]["schemas"]["Error"]["required"] == ["code", "fields", "message"]


def test_token_and_session_authentication_are_documented():
    schemes = document()["components"]["securitySchemes"]
    assert schemes["tokenAuth"] == {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": schemes["tokenAuth"]["description"],
    }
    assert "cookieAuth" in schemes


def test_the_swagger_and_redoc_pages_load_their_assets_locally():
    for url in ("/api/v1/docs/", "/api/v1/redoc/"):
        html = APIClient().get(url).content.decode()
        assets = re.findall(r'(?:src|href)="([^"]+)"', html)
        assert assets, url
        for asset in assets:
            assert asset.startswith("/static/"), (url, asset)
            assert finders.find(asset.removeprefix("/static/")), asset


def test_redoc_may_not_fetch_its_makers_logo_from_their_cdn():
    response = APIClient().get("/api/v1/redoc/")
    assert response.status_code == 200 and response["Content-Security-Policy"] == "img-src 'self' data:"

"""Open311 test helpers: the demo key, a citizen's POST, and parsing of both formats."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from rexian.open311.services import DEMO_KEY, open311_demo_key_install
from rexian.orders import access
from rexian.orders.transitions import Action
from rexian.units.models import Role
from tests import factories as f

BASE = "/open311/v2"


@pytest.fixture
def api_key(cast):
    """The demo key "demo-key", installed as the demo loader installs it."""
    return open311_demo_key_install()


def _send_to_dispatch_right(monkeypatch, granted: bool) -> None:
    """Decide whether integration accounts may send orders to dispatch (转派遣), whatever access.py says today."""
    original = access.may

    def may(user, action, order=None):
        if action == Action.SEND_TO_DISPATCH and user.role == Role.INTEGRATION:
            return granted
        return original(user, action, order)

    monkeypatch.setattr(access, "may", may)


@pytest.fixture
def integration_dispatches(monkeypatch):
    """The access rule Open311 asks for: its service account sends the orders it registers to dispatch."""
    _send_to_dispatch_right(monkeypatch, True)


@pytest.fixture
def integration_may_not_dispatch(monkeypatch):
    _send_to_dispatch_right(monkeypatch, False)


def citizen_request(**overrides) -> dict:
    """A citizen's POST requests form: a property-service complaint with a location and contact data."""
    data = {
        "api_key": DEMO_KEY,
        "service_code": "010101",
        "lat": "32.170651",
        "long": "120.016224",
        "address_string": "城东街道幸福小区3号楼",
        "description": "小区电梯停运两周，物业不予维修。",
        "first_name": "三",
        "last_name": "张",
        "phone": "13812348000",
        "email": "zhangsan@example.com",
        "device_id": "device-1",
        "account_id": "account-1",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def post_request(client, fmt: str = "json", **overrides):
    return client.post(f"{BASE}/requests.{fmt}", citizen_request(**overrides))


def xml(response) -> ET.Element:
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    return ET.fromstring(response.content)


def as_json(response):
    assert response["Content-Type"] == "application/json; charset=utf-8"
    return json.loads(response.content)


def open311_order(make_order, state, **overrides):
    """An order that came in through Open311 (public), driven to `state` by the cast."""
    overrides.setdefault("channel", f.channel("open311"))
    return make_order(state, **overrides)

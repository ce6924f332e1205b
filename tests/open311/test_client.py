"""Rexian's Open311 endpoint driven by a third-party client: georeport 0.3.1 from PyPI, over HTTP.

georeport reads services, service definitions and requests in JSON and XML but cannot create
requests (its README says so), so the POST goes through `requests`, the HTTP library
georeport itself uses, with the form fields the spec defines.
"""

from __future__ import annotations

import gc
import threading

import pytest
import requests
from georeport import GeoReport

from rexian.open311.services import DEMO_KEY, open311_demo_key_install
from rexian.orders.models import WorkOrder
from rexian.orders.transitions import State

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture(autouse=True)
def _server_threads_finish():
    """Let the live server's request threads close their database connections before the next test.

    A thread lives as long as its keep-alive socket; one left open at the end of
    the session keeps a PostgreSQL session that blocks dropping the test database.
    """
    yield
    gc.collect()
    for thread in threading.enumerate():
        if thread.name.endswith("(process_request_thread)"):
            thread.join(timeout=5)


@pytest.fixture
def endpoint(live_server, cast, integration_dispatches) -> str:
    open311_demo_key_install()
    return f"{live_server.url}/open311/v2"


def test_georeport_client_lists_services_and_reads_a_definition(endpoint):
    client = GeoReport(endpoint, api_key=DEMO_KEY)
    services = client.get_service_list()
    assert [s["service_code"] for s in services] == ["010101", "020101"]
    definition = client.get_service_definition("010101")
    assert definition["service_code"] == "010101"
    assert [a["code"] for a in definition["attributes"]] == ["appeal_type", "confidential", "occurred_at"]

    xml_client = GeoReport(endpoint, output_format="xml")
    assert [s["service_code"] for s in xml_client.get_service_list()] == ["010101", "020101"]
    assert xml_client.get_service_definition("020101")["service_code"] == "020101"


def test_a_request_posted_over_http_is_read_back_by_the_georeport_client(endpoint):
    client = GeoReport(endpoint, api_key=DEMO_KEY)
    response = requests.post(
        f"{endpoint}/requests.json",
        data={
            "api_key": client.api_key,
            "service_code": "020101",
            "lat": "32.170651",
            "long": "120.016224",
            "address_string": "城东街道人民路18号工地",
            "description": "工地夜间22点后仍在打桩，噪声扰民。",
            "first_name": "四",
            "last_name": "李",
            "phone": "13900001111",
            "attribute[appeal_type]": "complaint",
        },
        timeout=30,
    )
    assert response.status_code == 200
    number = response.json()[0]["service_request_id"]
    assert WorkOrder.objects.get(number=number).state == State.PENDING_DISPATCH

    request = client.get_service_request(number)
    assert request["service_request_id"] == number
    assert request["status"] == "open"
    assert request["service_code"] == "020101"
    assert request["description"] == "工地夜间22点后仍在打桩，噪声扰民。"
    assert [r["service_request_id"] for r in client.get_service_requests(service_request_id=number)] == [number]
    assert client.get_service_requests(status="closed") == []

    xml_request = GeoReport(endpoint, output_format="xml").get_service_request(number)
    assert xml_request["service_request_id"] == number
    assert xml_request["lat"] == "32.170651"
    for value in ("李四", "13900001111"):
        assert value not in str(request) and value not in str(xml_request)


def test_the_client_sees_the_spec_error_for_an_unknown_service(endpoint):
    with pytest.raises(requests.HTTPError) as raised:
        GeoReport(endpoint).get_service_definition("999999")
    with raised.value.response as response:
        assert response.status_code == 404
        assert response.json()[0]["code"] == 404

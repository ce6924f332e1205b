"""Every Open311 endpoint in XML and JSON, with the spec's element names, filters and errors."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from rexian.open311 import selectors
from rexian.open311.models import Submission
from rexian.orders.models import WorkOrder
from rexian.orders.transitions import State
from tests import factories as f
from tests.conftest import register
from tests.open311.conftest import BASE, as_json, open311_order, post_request, xml

REQUEST_ELEMENTS = [
    "service_request_id", "status", "status_notes", "service_name", "service_code", "description",
    "agency_responsible", "service_notice", "requested_datetime", "updated_datetime", "expected_datetime",
    "address", "address_id", "zipcode", "lat", "long",
]


def children(element) -> list[str]:
    return [child.tag for child in element]


# --- Discovery ---------------------------------------------------------------------------------


def test_discovery_xml_lists_the_v2_endpoint(client, cast):
    root = xml(client.get("/open311/discovery.xml"))
    assert root.tag == "discovery"
    assert children(root) == ["changeset", "contact", "key_service", "endpoints"]
    endpoint = root.find("endpoints/endpoint")
    assert children(endpoint) == ["specification", "url", "changeset", "type", "formats"]
    assert endpoint.findtext("specification") == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint.findtext("url") == "http://testserver/open311/v2"
    assert [f.text for f in endpoint.findall("formats/format")] == ["text/xml", "application/json"]


def test_discovery_json_mirrors_the_xml(client, cast):
    data = as_json(client.get("/open311/discovery.json"))
    assert set(data) == {"changeset", "contact", "key_service", "endpoints"}
    assert data["endpoints"][0]["formats"] == ["text/xml", "application/json"]
    assert data["endpoints"][0]["type"] == "production"


def test_endpoint_root_redirects_to_discovery(client, cast):
    response = client.get(f"{BASE}/")
    assert response.status_code == 302
    assert response["Location"] == "/open311/discovery.xml"


# --- Services ----------------------------------------------------------------------------------


def test_services_xml_lists_leaf_categories_as_services(client, cast):
    root = xml(client.get(f"{BASE}/services.xml"))
    assert root.tag == "services"
    services = root.findall("service")
    assert [s.findtext("service_code") for s in services] == ["010101", "020101"]
    first = services[0]
    assert children(first) == ["service_code", "service_name", "description", "metadata", "type", "keywords", "group"]
    assert first.findtext("service_name") == "物业服务"
    assert first.findtext("group") == "城乡建设"
    assert first.findtext("description") == "城乡建设 / 物业管理 / 物业服务"
    assert first.findtext("metadata") == "true"
    assert first.findtext("type") == "realtime"


def test_services_json_is_a_list_of_services(client, cast):
    data = as_json(client.get(f"{BASE}/services.json"))
    assert data[0] == {
        "service_code": "010101", "service_name": "物业服务", "description": "城乡建设 / 物业管理 / 物业服务",
        "metadata": True, "type": "realtime", "keywords": "物业管理, 城乡建设", "group": "城乡建设",
    }


def test_inactive_categories_are_not_services(client, cast):
    cast.noise.parent.is_active = False
    cast.noise.parent.save()
    codes = [s["service_code"] for s in as_json(client.get(f"{BASE}/services.json"))]
    assert codes == ["010101"]


def test_service_definition_xml_has_the_attribute_elements(client, cast):
    root = xml(client.get(f"{BASE}/services/010101.xml"))
    assert root.tag == "service_definition"
    assert root.findtext("service_code") == "010101"
    attributes = root.findall("attributes/attribute")
    assert [a.findtext("code") for a in attributes] == ["appeal_type", "confidential", "occurred_at"]
    assert children(attributes[0]) == [
        "variable", "code", "datatype", "required", "datatype_description", "order", "description", "values",
    ]
    keys = [v.findtext("key") for v in attributes[0].findall("values/value")]
    assert keys == ["consult", "help", "complaint", "report", "suggestion", "praise"]
    assert children(attributes[0].find("values/value")) == ["key", "name"]
    assert attributes[0].findtext("datatype") == "singlevaluelist"
    assert attributes[0].findtext("required") == "false"


def test_service_definition_json(client, cast):
    data = as_json(client.get(f"{BASE}/services/010101.json"))
    assert data["service_code"] == "010101"
    appeal = data["attributes"][0]
    assert appeal["variable"] is True and appeal["required"] is False and appeal["order"] == 1
    assert {"key": "complaint", "name": "投诉"} in appeal["values"]
    assert data["attributes"][2]["datatype"] == "datetime"


@pytest.mark.parametrize("code", ["999999", "0101"], ids=["unknown", "not-a-leaf"])
def test_service_definition_of_an_unknown_service_is_404(client, cast, code):
    response = client.get(f"{BASE}/services/{code}.xml")
    assert response.status_code == 404
    root = xml(response)
    assert root.tag == "errors"
    assert root.findtext("error/code") == "404"
    assert code in root.findtext("error/description")


# --- POST requests ------------------------------------------------------------------------------


def test_post_request_xml_returns_the_order_number(client, api_key):
    response = post_request(client, "xml")
    assert response.status_code == 200
    root = xml(response)
    assert root.tag == "service_requests"
    request = root.find("request")
    assert children(request) == ["service_request_id", "service_notice", "account_id"]
    number = request.findtext("service_request_id")
    assert WorkOrder.objects.get(number=number).channel.code == "open311"
    assert request.findtext("service_notice") == f"诉求已受理，工单编号 {number}。承办单位一般在派单后 10个工作日内答复。"


def test_post_request_json_returns_a_list_with_the_id(client, api_key):
    data = as_json(post_request(client, "json"))
    assert len(data) == 1
    assert set(data[0]) == {"service_request_id", "service_notice", "account_id"}
    assert data[0]["account_id"] is None


def test_post_request_with_extensions_also_returns_its_token(client, api_key):
    data = as_json(post_request(client, "json", extensions="true"))
    submission = Submission.objects.get(order__number=data[0]["service_request_id"])
    assert data[0]["token"] == submission.token


def test_post_request_keeps_known_attributes_and_ignores_others(client, api_key):
    response = post_request(client, "json", **{"attribute[appeal_type][]": "consult", "attribute[extra][]": ["a", "b"]})
    order = WorkOrder.objects.get(number=as_json(response)[0]["service_request_id"])
    assert order.appeal_type.code == "consult"
    assert order.open311_submission.attributes == {"appeal_type": ["consult"]}


def test_get_responses_may_be_read_by_browser_apps(client, cast):
    assert client.get(f"{BASE}/services.json")["Access-Control-Allow-Origin"] == "*"
    assert client.head(f"{BASE}/services.xml").status_code == 200


@pytest.mark.parametrize("api_key_value", [None, "", "wrong-key"], ids=["missing", "empty", "wrong"])
def test_post_request_without_a_valid_api_key_is_403(client, api_key, api_key_value):
    response = post_request(client, "xml", api_key=api_key_value)
    assert response.status_code == 403
    assert xml(response).findtext("error/code") == "403"
    assert not WorkOrder.objects.exists()


def test_post_request_with_a_deactivated_key_is_403(client, api_key):
    api_key.is_active = False
    api_key.save()
    assert post_request(client, "json").status_code == 403


def test_post_request_for_an_unknown_service_is_404(client, api_key):
    response = post_request(client, "json", service_code="999999")
    assert response.status_code == 404
    assert as_json(response)[0]["code"] == 404


@pytest.mark.parametrize(
    "overrides",
    [
        {"service_code": None},
        {"lat": None, "long": None, "address_string": None},
        {"lat": "32.1", "long": None},
        {"lat": "north", "long": "120"},
        {"lat": "95", "long": "120"},
        {"lat": None, "long": None, "address_string": None, "address_id": "545483"},
        {"description": None},
        {"description": "字" * 4001},
        {"first_name": "名" * 51},
        {"address_string": "址" * 201},
        {"phone": "call me"},
        {"phone": "1" * 31},
        {"email": "not-an-email"},
        {"media_url": "ftp://example.com/a.jpg"},
        {"attribute[appeal_type]": "nonsense"},
        {"attribute[confidential]": "maybe"},
        {"attribute[occurred_at]": "yesterday"},
        {"attribute[appeal_type]": ["help", "consult"]},
        {"attribute[appeal_type]": "x" * 201},
    ],
    ids=[
        "no-service-code", "no-location", "lat-without-long", "lat-not-a-number", "lat-out-of-range",
        "address-id-only", "no-description", "description-over-4000", "first-name-too-long",
        "address-too-long", "phone-malformed", "phone-too-long", "email-malformed", "media-url-not-http",
        "unknown-appeal-type", "confidential-not-boolean", "occurred-at-not-a-date", "two-appeal-types",
        "attribute-value-too-long",
    ],
)
def test_post_request_with_bad_input_is_400_and_registers_nothing(client, api_key, overrides):
    response = post_request(client, "xml", **overrides)
    assert response.status_code == 400
    root = xml(response)
    assert root.tag == "errors"
    assert root.find("error/description").text
    assert not WorkOrder.objects.exists()


def test_post_request_lists_every_bad_field(client, api_key):
    response = post_request(client, "json", email="x", first_name="名" * 51)
    described = " ".join(error["description"] for error in as_json(response))
    assert "email" in described and "first_name" in described


def test_posted_form_fields_may_not_exceed_the_upload_limit(client, api_key, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 20
    extra = {f"x{i}": "1" for i in range(30)}
    response = post_request(client, "json", **extra)
    assert response.status_code == 400
    assert not WorkOrder.objects.exists()


# --- GET requests ------------------------------------------------------------------------------


def test_get_requests_xml_has_the_spec_elements(client, api_key):
    number = as_json(post_request(client, "json"))[0]["service_request_id"]
    root = xml(client.get(f"{BASE}/requests.xml"))
    assert root.tag == "service_requests"
    request = root.find("request")
    assert children(request) == REQUEST_ELEMENTS
    assert request.findtext("service_request_id") == number
    assert request.findtext("status") == "open"
    assert request.findtext("service_code") == "010101"
    assert request.findtext("service_name") == "物业服务"
    assert request.findtext("lat") == "32.170651"
    assert request.findtext("long") == "120.016224"
    assert request.findtext("address") == "城东街道幸福小区3号楼"
    assert request.find("media_url") is None
    requested = dt.datetime.fromisoformat(request.findtext("requested_datetime"))
    assert requested.utcoffset() == dt.timedelta(hours=8)


def test_get_requests_json_has_the_spec_keys(client, api_key):
    post_request(client, "json")
    data = as_json(client.get(f"{BASE}/requests.json"))
    assert list(data[0]) == REQUEST_ELEMENTS
    assert data[0]["lat"] == pytest.approx(32.170651)
    assert data[0]["address_id"] is None


def test_extensions_add_rexian_detailed_status(client, make_order):
    order = open311_order(make_order, State.IN_PROGRESS)
    root = xml(client.get(f"{BASE}/requests/{order.number}.xml?extensions=true"))
    extended = root.find("request/extended_attributes")
    assert children(extended) == ["detailed_status", "detailed_status_label", "channel"]
    assert extended.findtext("detailed_status") == "in_progress"
    assert extended.findtext("detailed_status_label") == "办理中"
    data = as_json(client.get(f"{BASE}/requests.json?extensions=true"))
    assert data[0]["extended_attributes"]["detailed_status"] == "in_progress"


def test_without_extensions_no_foreign_elements_are_sent(client, make_order):
    order = open311_order(make_order, State.IN_PROGRESS)
    root = xml(client.get(f"{BASE}/requests/{order.number}.xml"))
    assert root.find("request/extended_attributes") is None


def test_get_requests_filters_by_ids_overriding_other_filters(client, make_order):
    first = open311_order(make_order, State.REGISTERED)
    second = open311_order(make_order, State.CLOSED)
    open311_order(make_order, State.REGISTERED)
    ids = f"{first.number},{second.number}"
    data = as_json(client.get(f"{BASE}/requests.json", {"service_request_id": ids, "status": "closed"}))
    assert sorted(r["service_request_id"] for r in data) == sorted([first.number, second.number])


def test_get_requests_filters_by_service_code(client, cast, make_order):
    noise = open311_order(make_order, State.REGISTERED, category=cast.noise)
    open311_order(make_order, State.REGISTERED)
    data = as_json(client.get(f"{BASE}/requests.json", {"service_code": "020101"}))
    assert [r["service_request_id"] for r in data] == [noise.number]


@pytest.mark.parametrize(
    "status,expected", [("open", ["registered"]), ("closed", ["closed"]), ("open,closed", ["registered", "closed"])]
)
def test_get_requests_filters_by_status(client, make_order, status, expected):
    orders = {state: open311_order(make_order, state) for state in (State.REGISTERED, State.CLOSED)}
    data = as_json(client.get(f"{BASE}/requests.json", {"status": status}))
    assert sorted(r["service_request_id"] for r in data) == sorted(orders[s].number for s in expected)


def _registered_days_ago(order, days: int):
    WorkOrder.objects.filter(pk=order.pk).update(registered_at=timezone.now() - dt.timedelta(days=days))


def test_get_requests_defaults_to_the_last_90_days(client, make_order):
    recent = open311_order(make_order, State.REGISTERED)
    old = open311_order(make_order, State.REGISTERED)
    _registered_days_ago(old, 91)
    data = as_json(client.get(f"{BASE}/requests.json"))
    assert [r["service_request_id"] for r in data] == [recent.number]


def test_get_requests_filters_by_date_range(client, make_order):
    recent = open311_order(make_order, State.REGISTERED)
    old = open311_order(make_order, State.REGISTERED)
    _registered_days_ago(old, 100)
    start = (timezone.now() - dt.timedelta(days=120)).strftime("%Y-%m-%dT%H:%M:%SZ")
    end = (timezone.now() - dt.timedelta(days=95)).strftime("%Y-%m-%dT%H:%M:%SZ")
    data = as_json(client.get(f"{BASE}/requests.json", {"start_date": start, "end_date": end}))
    assert [r["service_request_id"] for r in data] == [old.number]
    assert recent.number not in [r["service_request_id"] for r in data]


@pytest.mark.parametrize(
    "params",
    [
        {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"},
        {"start_date": "2026-06-01T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"},
        {"start_date": "last week"},
        {"status": "pending"},
        {"page_size": "0"},
        {"page": "x"},
    ],
    ids=["span-over-90-days", "end-before-start", "malformed-date", "unknown-status", "page-size-zero", "page-not-int"],
)
def test_get_requests_with_bad_filters_is_400(client, cast, params):
    response = client.get(f"{BASE}/requests.xml", params)
    assert response.status_code == 400
    assert xml(response).findtext("error/code") == "400"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("start_date", "0001-01-01"),  # local midnight of year 1 cannot even be converted to UTC
        ("start_date", "0001-01-01T00:00:00Z"),
        ("end_date", "0001-01-01"),
        ("start_date", "9999-12-31T00:00:00Z"),  # its 90-day window would end after year 9999
        ("end_date", "9999-12-31T23:59:59-05:00"),
    ],
)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_get_requests_with_a_date_outside_1900_to_2999_is_the_spec_s_400(client, cast, name, value, fmt):
    response = client.get(f"{BASE}/requests.{fmt}", {name: value})
    assert response.status_code == 400
    message = f"{name} 须在 1900-01-01 至 2999-12-31 之间。"
    if fmt == "json":
        assert as_json(response) == [{"code": 400, "description": message}]
    else:
        assert xml(response).findtext("error/description") == message


def test_a_date_outside_the_range_is_told_in_english_to_an_english_client(client, cast):
    response = client.get(f"{BASE}/requests.json", {"start_date": "0001-01-01"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert as_json(response) == [{"code": 400, "description": "start_date must be between 1900-01-01 and 2999-12-31."}]


def test_get_requests_accepts_the_first_day_a_date_may_name(client, cast):
    assert as_json(client.get(f"{BASE}/requests.json", {"start_date": "1900-01-01"})) == []


def test_get_requests_pages_with_page_and_page_size(client, make_order):
    orders = [open311_order(make_order, State.REGISTERED) for _ in range(3)]
    newest_first = [o.number for o in reversed(orders)]
    page1 = as_json(client.get(f"{BASE}/requests.json", {"page_size": "2"}))
    page2 = as_json(client.get(f"{BASE}/requests.json", {"page_size": "2", "page": "2"}))
    assert [r["service_request_id"] for r in page1 + page2] == newest_first


def test_get_requests_returns_at_most_1000(client, cast, monkeypatch):
    monkeypatch.setattr(selectors, "MAX_REQUESTS", 1)
    register(cast, channel=f.channel("open311"))
    register(cast, channel=f.channel("open311"))
    assert len(as_json(client.get(f"{BASE}/requests.json"))) == 1


# --- GET requests/{id} and tokens -------------------------------------------------------------


def test_get_request_by_id_xml_and_json(client, make_order):
    order = open311_order(make_order, State.DISPATCHED)
    root = xml(client.get(f"{BASE}/requests/{order.number}.xml"))
    assert [r.findtext("service_request_id") for r in root.findall("request")] == [order.number]
    assert root.findtext("request/agency_responsible") == "住建局"
    data = as_json(client.get(f"{BASE}/requests/{order.number}.json"))
    assert data[0]["service_request_id"] == order.number
    assert data[0]["expected_datetime"] is not None


def test_get_unknown_request_is_404(client, cast):
    response = client.get(f"{BASE}/requests/20260101-999999.json")
    assert response.status_code == 404
    assert as_json(response)[0]["code"] == 404


def test_token_resolves_to_the_request_id(client, api_key):
    posted = as_json(post_request(client, "json", extensions="true"))[0]
    root = xml(client.get(f"{BASE}/tokens/{posted['token']}.xml"))
    assert root.tag == "service_requests"
    assert children(root.find("request")) == ["service_request_id", "token"]
    assert root.findtext("request/service_request_id") == posted["service_request_id"]
    data = as_json(client.get(f"{BASE}/tokens/{posted['token']}.json"))
    assert data == [{"service_request_id": posted["service_request_id"], "token": posted["token"]}]


def test_unknown_token_is_404(client, cast):
    assert client.get(f"{BASE}/tokens/nope.xml").status_code == 404


# --- Errors in general ------------------------------------------------------------------------


def test_wrong_method_is_405_with_an_error_list(client, cast):
    response = client.delete(f"{BASE}/services.json")
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
    assert as_json(response)[0]["code"] == 405


def test_unknown_path_is_404_in_the_format_asked(client, cast):
    assert xml(client.get("/open311/v2/nothing.xml")).tag == "errors"
    response = client.get("/open311/v2/nothing.json")
    assert response.status_code == 404
    assert as_json(response)[0]["code"] == 404


def test_a_foreign_jurisdiction_is_404(client, cast, settings):
    settings.OPEN311_JURISDICTION_ID = "jiangan.gov.cn"
    assert client.get(f"{BASE}/services.xml", {"jurisdiction_id": "jiangan.gov.cn"}).status_code == 200
    assert client.get(f"{BASE}/services.xml").status_code == 200
    response = client.get(f"{BASE}/services.xml", {"jurisdiction_id": "sfgov.org"})
    assert response.status_code == 404
    assert xml(response).findtext("error/code") == "404"


def test_jurisdiction_id_is_ignored_when_none_is_configured(client, cast):
    assert client.get(f"{BASE}/services.json", {"jurisdiction_id": "anything.org"}).status_code == 200

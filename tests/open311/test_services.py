"""A request POSTed through Open311 becomes an ordinary order; API keys and the service account."""

from __future__ import annotations

import pytest
from django.db import connection

from rexian.open311 import services
from rexian.open311.errors import Open311Error
from rexian.open311.models import ApiKey, Submission, key_digest
from rexian.orders import selectors as order_selectors
from rexian.orders import services as order_services
from rexian.orders.models import WorkOrder
from rexian.orders.transitions import State
from rexian.privacy import crypto
from rexian.units.models import Role, User
from tests.open311.conftest import as_json, post_request


def stored(model, column: str, pk) -> str:
    """A column as the database holds it (the ORM would decrypt it)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {model._meta.db_table} WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def submit(client, **overrides) -> WorkOrder:
    response = post_request(client, "json", **overrides)
    assert response.status_code == 200, response.content
    return WorkOrder.objects.get(number=as_json(response)[0]["service_request_id"])


# --- The order a request becomes -----------------------------------------------------------


def test_posted_request_is_registered_by_the_open311_account(client, api_key):
    order = submit(client)
    assert order.registered_by.username == "open311"
    assert order.registered_by.role == Role.INTEGRATION
    assert not order.registered_by.has_usable_password()
    assert order.channel.code == "open311"
    assert order.events.first().action == "register"


def test_posted_request_maps_service_and_defaults(client, cast, api_key):
    order = submit(client)
    assert order.category == cast.property_service
    assert order.appeal_type.code == "complaint"
    assert order.urgency.code == "normal"
    assert order.title == "物业服务：小区电梯停运两周，物业不予维修。"
    assert order.description == "小区电梯停运两周，物业不予维修。"
    assert str(order.latitude) == "32.170651"
    assert order.address == "城东街道幸福小区3号楼"


def test_chinese_given_and_family_names_become_one_caller_name(client, api_key):
    assert submit(client).caller_name == "张三"


def test_western_names_keep_their_order():
    assert services.caller_name("John", "Smith") == "John Smith"
    assert services.caller_name("", "Smith") == "Smith"


def test_caller_phone_is_stored_encrypted_with_its_lookup_hash(client, api_key):
    order = submit(client)
    raw = stored(WorkOrder, "caller_phone", order.pk)
    assert "13812348000" not in raw
    assert order.caller_phone == "13812348000"
    assert order.caller_phone_hash == crypto.phone_hash("13812348000")


def test_email_device_and_account_are_kept_on_the_submission_only(client, api_key):
    order = submit(client)
    submission = order.open311_submission
    raw = stored(Submission, "email", submission.pk)
    assert "zhangsan@example.com" not in raw
    assert submission.email == "zhangsan@example.com"
    assert (submission.device_id, submission.account_id) == ("device-1", "account-1")
    assert "zhangsan" not in order.description
    assert submission.api_key == api_key


def test_appeal_type_attribute_chooses_the_type(client, api_key):
    assert submit(client, **{"attribute[appeal_type]": "suggestion"}).appeal_type.code == "suggestion"


def test_confidential_attribute_marks_the_order_confidential(client, api_key):
    assert submit(client, **{"attribute[confidential]": "true"}).confidential is True


def test_occurred_at_attribute_sets_when_it_happened(client, api_key):
    order = submit(client, **{"attribute[occurred_at]": "2026-11-20T08:30:00+08:00"})
    assert order.occurred_at.isoformat() == "2026-11-20T00:30:00+00:00"


def test_occurred_at_in_the_future_is_refused(client, api_key):
    response = post_request(client, "json", **{"attribute[occurred_at]": "2099-01-01T00:00:00Z"})
    assert response.status_code == 400
    assert "attribute[occurred_at]" in as_json(response)[0]["description"]


def test_occurred_at_in_year_1_is_refused_not_stored(client, api_key):
    response = post_request(client, "json", **{"attribute[occurred_at]": "0001-01-01"})
    assert response.status_code == 400
    assert as_json(response) == [
        {"code": 400, "description": "attribute[occurred_at] 须在 1900-01-01 至 2999-12-31 之间。"}
    ]


def test_media_url_is_linked_in_the_description_for_the_unit(client, api_key):
    order = submit(client, media_url="https://img.example.com/lift.jpg")
    assert order.description.endswith("附图链接：https://img.example.com/lift.jpg")
    assert order.open311_submission.media_url == "https://img.example.com/lift.jpg"


def test_address_string_alone_is_a_location(client, api_key):
    order = submit(client, lat=None, long=None)
    assert order.latitude is None and order.address == "城东街道幸福小区3号楼"


def test_coordinates_alone_are_a_location(client, api_key):
    order = submit(client, address_string=None)
    assert order.address == "" and order.longitude is not None


def test_control_characters_are_dropped_from_the_description(client, api_key):
    assert submit(client, description="电梯\x07\x1b坏了").description == "电梯坏了"


def test_the_key_records_when_it_was_last_used(client, api_key):
    submit(client)
    api_key.refresh_from_db()
    assert api_key.last_used_at is not None


# --- Into dispatch ---------------------------------------------------------------------------


@pytest.mark.usefixtures("integration_dispatches")
def test_posted_request_goes_straight_to_the_dispatch_queue(client, cast, api_key):
    order = submit(client)
    assert order.state == State.PENDING_DISPATCH
    queue = order_selectors.dispatch_queue(user=cast.dispatcher)
    assert order.pk in [row.order.pk for row in queue]


@pytest.mark.usefixtures("integration_dispatches")
def test_posted_request_flows_through_dispatch_like_any_order(client, cast, api_key):
    order = submit(client)
    order = order_services.order_dispatch(actor=cast.dispatcher, order=order, lead_unit=cast.housing)
    order = order_services.order_sign(actor=cast.housing_handler, order=order)
    assert order.state == State.IN_PROGRESS


@pytest.mark.usefixtures("integration_may_not_dispatch")
def test_without_the_right_to_send_to_dispatch_the_order_waits_registered(client, cast, api_key):
    order = submit(client)
    assert order.state == State.REGISTERED
    order_services.order_send_to_dispatch(actor=cast.operator, order=order)


# --- Refusals ----------------------------------------------------------------------------------


def test_a_staff_user_named_open311_is_never_used(client, api_key):
    User.objects.create(username="open311", role=Role.SUPERVISOR)
    response = post_request(client, "json")
    assert response.status_code == 503
    assert not WorkOrder.objects.exists()


def test_integration_account_is_created_once(cast):
    assert services.integration_account().pk == services.integration_account().pk


def test_order_input_errors_become_400_with_the_open311_field_name(cast, api_key):
    data = services.RequestInput(service_code="010101", description="电梯坏了", address_string="幸福小区", phone="abc")
    with pytest.raises(Open311Error) as raised:
        services.request_submit(api_key=api_key, data=data)
    assert raised.value.status == 400
    assert raised.value.errors[0][1].startswith("phone:")


# --- API keys ----------------------------------------------------------------------------------


def test_api_key_is_stored_only_as_its_hash(db):
    key, raw = services.api_key_create(name="随手拍")
    assert key.key_hash == key_digest(raw) and raw not in key.key_hash
    assert key.prefix == raw[:6]
    assert services.api_key_check(raw) == key


def test_demo_key_install_is_idempotent(db):
    first = services.open311_demo_key_install()
    second = services.open311_demo_key_install()
    assert first.pk == second.pk
    assert ApiKey.objects.count() == 1
    assert services.api_key_check("demo-key") == first

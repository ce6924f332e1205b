"""The request form (我要反映): a citizen's request becomes an order, bad input never does."""

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse

from rexian.orders.models import Attachment, WorkOrder
from rexian.privacy import crypto
from tests.portal.conftest import CITIZEN_NAME, CITIZEN_PHONE, JPEG, PNG, WEBP, photo

pytestmark = pytest.mark.django_db

SUBMIT = reverse("portal:submit")


def post(client, data, **extra):
    return client.post(SUBMIT, data, **extra)


def test_the_form_renders_with_a_label_for_every_control(client, cast):
    response = client.get(SUBMIT)
    html = response.content.decode()
    assert response.status_code == 200
    for name in ["category", "title", "description", "area", "address", "photos", "caller_name", "caller_phone",
                 "confidential", "website"]:
        assert f'<label for="id_{name}"' in html, name
    assert 'name="csrfmiddlewaretoken"' in html
    assert "<legend>诉求类型" in html


def test_the_form_offers_leaf_categories_grouped_by_level_one_and_towns(client, cast):
    html = client.get(SUBMIT).content.decode()
    assert '<optgroup label="城乡建设">' in html
    assert f'<option value="{cast.property_service.pk}">物业管理 / 物业服务</option>' in html
    assert ">物业管理</option>" not in html and ">城乡建设</option>" not in html  # only leaves can be chosen
    assert f'<option value="{cast.town.pk}">城东街道</option>' in html
    assert ">住建局</option>" not in html  # a bureau is not a place


def test_the_form_is_chinese_even_for_an_english_browser(client, cast, request_form):
    response = post(client, request_form(description=""), HTTP_ACCEPT_LANGUAGE="en")
    assert "请填写诉求内容。" in response.content.decode()
    assert response["Content-Language"] == "zh-hans"


def test_a_request_becomes_a_portal_order_and_shows_its_number(client, cast, request_form):
    response = post(client, request_form())
    assert response.status_code == 302
    order = WorkOrder.objects.get()
    page = client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    assert f'<p class="order-number" id="order-number">{order.number}</p>' in html
    assert "请妥善保存" in html
    assert CITIZEN_PHONE not in html and CITIZEN_NAME not in html
    assert order.channel.code == "portal"
    assert order.registered_by.username == "portal" and order.registered_by.role == "integration"
    assert order.state == "registered"
    assert order.category == cast.property_service and order.area == cast.town
    assert order.address == "城东街道幸福小区3号楼"


def test_the_callers_data_is_stored_encrypted_with_a_lookup_hash(client, cast, request_form):
    post(client, request_form(caller_phone="139-1234-5678"))
    order = WorkOrder.objects.get()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT caller_name, caller_phone FROM {WorkOrder._meta.db_table} WHERE id = %s", [order.pk])
        stored_name, stored_phone = cursor.fetchone()
    assert CITIZEN_NAME not in stored_name and "5678" not in stored_phone
    assert order.caller_name == CITIZEN_NAME
    assert order.caller_phone_hash == crypto.phone_hash(CITIZEN_PHONE)


def test_a_request_without_a_title_takes_the_start_of_the_description(client, cast, request_form):
    description = "幸福小区3号楼电梯停运两周，物业一直不予维修，\n老人出行十分困难，请尽快处理。"
    post(client, request_form(title="", description=description))
    assert WorkOrder.objects.get().title == "幸福小区3号楼电梯停运两周，物业一直不予维修， 老人出行十分…"


def test_a_given_title_is_kept(client, cast, request_form):
    post(client, request_form(title="电梯停运两周"))
    assert WorkOrder.objects.get().title == "电梯停运两周"


def test_the_confidentiality_box_marks_the_order_confidential(client, cast, request_form):
    post(client, request_form(confidential="on"))
    assert WorkOrder.objects.get().confidential is True


def test_category_and_town_may_be_left_to_the_centre(client, cast, request_form):
    response = post(client, request_form(category="", area=""))
    assert response.status_code == 302
    order = WorkOrder.objects.get()
    assert order.category is None and order.area is None


def test_photos_are_attached_to_the_order(client, cast, request_form, media):
    data = request_form(photos=[photo("a.jpg", JPEG), photo("b.png", PNG), photo("c.webp", WEBP)])
    assert post(client, data).status_code == 302
    attachments = Attachment.objects.filter(order=WorkOrder.objects.get())
    assert sorted(a.content_type for a in attachments) == ["image/jpeg", "image/png", "image/webp"]
    assert {a.uploaded_by.username for a in attachments} == {"portal"}
    assert len([p for p in media.rglob("*") if p.is_file()]) == 3


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        ({"description": ""}, "description", "请填写诉求内容。"),
        ({"description": "太吵了"}, "description", "诉求内容至少 10 个字"),
        ({"address": ""}, "address", "请填写详细地址。"),
        ({"caller_name": ""}, "caller_name", "请填写姓名。"),
        ({"caller_phone": ""}, "caller_phone", "请填写联系电话。"),
        ({"caller_phone": "12ab"}, "caller_phone", "请填写正确的手机号码或固定电话"),
        ({"appeal_type": ""}, "appeal_type", "请选择诉求类型。"),
        ({"category": "999999"}, "category", "请从列表中选择问题分类。"),
        ({"area": "999999"}, "area", "请从列表中选择镇（街道）。"),
    ],
)
def test_bad_input_is_shown_beside_the_field_and_creates_nothing(client, cast, request_form, overrides, field, message):
    response = post(client, request_form(**overrides))
    html = response.content.decode()
    assert response.status_code == 400
    assert f'id="id_{field}_error"' in html
    assert message in html.split(f'id="id_{field}_error"')[1].split("</p>")[0]
    assert 'class="error-summary"' in html
    assert not WorkOrder.objects.exists()


def test_bad_input_keeps_what_the_citizen_typed(client, cast, request_form):
    html = post(client, request_form(address="", title="电梯停运两周")).content.decode()
    assert "幸福小区3号楼电梯停运两周，物业一直不予维修" in html
    assert 'value="电梯停运两周"' in html
    assert f'value="{CITIZEN_PHONE}"' in html  # the citizen's own input, on their own screen
    assert "照片不会保留" in html


def test_a_category_that_is_not_a_leaf_is_refused(client, cast, request_form):
    response = post(client, request_form(category=cast.property_service.parent_id))
    assert response.status_code == 400
    assert not WorkOrder.objects.exists()


def test_a_filled_honeypot_creates_no_order(client, cast, request_form):
    response = post(client, request_form(website="http://spam.example"))
    assert response.status_code == 400
    assert "提交未成功" in response.content.decode()
    assert not WorkOrder.objects.exists()


@pytest.mark.parametrize(
    "upload, message",
    [
        (photo("scan.pdf", b"%PDF-1.7\n"), "不是 JPG、PNG 或 WebP 格式的图片"),
        (photo("anim.gif", b"GIF89a" + b"\x00" * 32), "不是 JPG、PNG 或 WebP 格式的图片"),
        (photo("fake.jpg", b"MZ\x90\x00 this is a program"), "的内容不是有效的图片"),
        (photo("fake.webp", b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 16), "的内容不是有效的图片"),
        (photo("empty.png", b""), "空文件"),
    ],
)
def test_uploads_that_are_not_images_are_refused(client, cast, request_form, media, upload, message):
    response = post(client, request_form(photos=[upload]))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not WorkOrder.objects.exists()
    assert not [p for p in media.rglob("*") if p.is_file()]


def test_a_photo_over_the_portal_cap_is_refused(client, cast, request_form, settings):
    settings.PORTAL_PHOTO_MAX_BYTES = 1024
    response = post(client, request_form(photos=[photo("big.jpg", JPEG + b"\x00" * 2048)]))
    assert response.status_code == 400
    assert "请压缩后重新选择照片" in response.content.decode()
    assert not WorkOrder.objects.exists()


def test_the_site_wide_attachment_cap_also_bounds_portal_photos(client, cast, request_form, settings):
    settings.PORTAL_PHOTO_MAX_BYTES = 10 * 1024 * 1024
    settings.ATTACHMENT_MAX_BYTES = 1024
    response = post(client, request_form(photos=[photo("big.jpg", JPEG + b"\x00" * 2048)]))
    assert response.status_code == 400
    assert not WorkOrder.objects.exists()


def test_more_than_three_photos_are_refused(client, cast, request_form):
    response = post(client, request_form(photos=[photo(f"{i}.jpg") for i in range(4)]))
    assert response.status_code == 400
    assert "最多上传 3 张照片" in response.content.decode()
    assert not WorkOrder.objects.exists()


def test_a_request_body_beyond_three_photos_is_refused_unread(client, cast, request_form, settings):
    settings.PORTAL_PHOTO_MAX_BYTES = 1024
    big = photo("big.jpg", JPEG + b"\x00" * (3 * 1024 + 1024 * 1024))
    response = post(client, request_form(photos=[big]))
    assert response.status_code == 413
    assert "上传内容过大" in response.content.decode()
    assert not WorkOrder.objects.exists()


def test_the_form_needs_its_csrf_token(cast, request_form):
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post(SUBMIT, request_form())
    assert response.status_code == 403
    assert not WorkOrder.objects.exists()


def test_a_deactivated_portal_account_stops_submissions_but_keeps_the_input(client, cast, request_form):
    from rexian.portal.services import integration_account

    account = integration_account()
    account.is_active = False
    account.save()
    response = post(client, request_form())
    assert response.status_code == 503
    assert "暂时无法受理" in response.content.decode()
    assert "幸福小区3号楼电梯停运两周" in response.content.decode()
    assert not WorkOrder.objects.exists()


def test_the_confirmation_page_refuses_a_forged_number(client, cast):
    response = client.get(reverse("portal:submitted") + "?t=20261126-000001")
    assert response.status_code == 404
    assert "20261126-000001" not in response.content.decode()


def test_a_garbled_content_length_is_not_an_error(client, cast, request_form):
    response = client.post(SUBMIT, request_form(), CONTENT_LENGTH="abc")
    assert response.status_code < 500

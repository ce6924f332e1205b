"""短信来信 in the browser: the menu's count leads to the list, where an operator sets a text aside."""

from __future__ import annotations

import pytest

from rexian.sms import services
from tests.browser.conftest import VIEWPORT
from tests.browser.support import exclusive_db, expect_message
from tests.browser.test_header import BOXES, TOOLS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def replies(settings):
    settings.SMS_BACKEND, settings.SMS_REPLIES, settings.SMS_SECRET = "log", True, "s3cret"
    with exclusive_db():
        services.sms_receive(reference="gw-1", phone="13900001234", text="谢谢你们，路灯已经修好了")
    return settings


def test_an_operator_sets_a_text_aside_from_the_list(page, sign_in, shot, cast, replies):
    sign_in(page, cast.operator)
    entry = page.get_by_role("navigation", name="主菜单").locator('a[href="/console/sms/"]')
    assert entry.locator(".menu__count").inner_text() == "1"
    entry.click()
    page.wait_for_url("**/console/sms/")
    shot(page, "incoming-sms")
    row = page.get_by_role("row").filter(has_text="谢谢你们，路灯已经修好了")
    assert "139****1234" in row.inner_text()
    row.get_by_label("无需登记的原因").fill("致谢，无需登记")
    row.get_by_role("button", name="无需登记", exact=True).click()
    expect_message(page, "已将这条短信标为无需登记。")
    shot(page, "dismissed")
    assert page.get_by_text("没有待处理的短信。").is_visible()
    assert entry.locator(".menu__count").count() == 0


def test_the_header_still_fits_with_the_texts_entry_in_english(page, sign_in, shot, cast, replies):
    with exclusive_db():
        type(cast.supervisor).objects.filter(pk=cast.supervisor.pk).update(language="en")
    sign_in(page, cast.supervisor)
    shot(page, "home-en")
    assert page.locator('.menu a[href="/console/sms/"] .menu__count').is_visible()
    found = page.evaluate(BOXES, TOOLS)
    assert found["width"] <= VIEWPORT["width"] and found["right"] <= VIEWPORT["width"]
    assert found["overlaps"] == []

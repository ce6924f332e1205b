"""The intake page in the browser: one order however often the operator presses the save shortcut.

While the test presses, it keeps the live server busy (`exclusive_db`), so every press reaches the page being
saved, as it does for an operator whose save takes a moment to answer.
"""

from __future__ import annotations

import re

import pytest

from rexian.orders.models import WorkOrder
from rexian.orders.transitions import State
from tests.browser.support import exclusive_db, expect_message, go

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

INTAKE = "/console/intake/"
TITLE = "小区电梯长期故障无人维修"


def _saves_sent(page) -> list[str]:
    """The intake form's POSTs the page sends from now on."""
    sent: list[str] = []
    page.on("request", lambda request: request.method == "POST" and request.url.endswith(INTAKE) and sent.append(1))
    return sent


def _press_save_again_and_again(page) -> None:
    with exclusive_db():  # the server answers nothing until the presses are over
        for keys in ("Control+Enter", "Control+Enter", "Alt+P", "Control+Enter"):
            page.keyboard.press(keys)


def test_pressing_the_save_shortcut_again_and_again_registers_one_order(page, sign_in, shot, cast):
    from playwright.sync_api import expect

    sign_in(page, cast.operator)
    go(page, "受理")
    page.get_by_label("来电号码").fill("13812345678")
    page.get_by_label("诉求类型").select_option(label="投诉")
    page.get_by_label("诉求内容").fill("幸福小区3号楼电梯停运两周，物业不予维修，老人出行困难。")
    page.get_by_label("诉求分类").fill("wy")
    page.locator("#category-results").get_by_role("button", name=re.compile("物业服务")).click()
    sent = _saves_sent(page)

    # Without a title the save is refused: the page comes back with the message, and a working form.
    _press_save_again_and_again(page)
    expect(page.locator("#id_title_error")).to_be_visible()
    shot(page, "intake-refused")
    assert len(sent) == 1
    expect(page.get_by_role("button", name=re.compile("^转派遣"))).to_be_enabled()

    page.get_by_label("标题").fill(TITLE)
    expect(page.locator("#id_title_error")).to_have_count(0)  # corrected: the refusal no longer stands beside it
    _press_save_again_and_again(page)
    expect_message(page, "已登记并转派遣。")
    shot(page, "intake-saved")
    assert len(sent) == 2
    number = page.get_by_role("status").get_by_role("link").inner_text().strip()
    with exclusive_db():
        orders = list(WorkOrder.objects.values_list("number", "title", "state"))
    assert orders == [(number, TITLE, State.PENDING_DISPATCH)]

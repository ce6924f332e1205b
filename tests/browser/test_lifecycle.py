"""Orders through their lives in the browser, each role on its own pages, as people click through them.

The whole life: the operator records a call on the intake page and sends it to dispatch, the dispatcher
dispatches it from the queue, the unit signs for it in its inbox and replies on the order page, the
dispatcher accepts the reply, the operator records the callback, and the order is closed. Then a
return, an extension and a reopen, a portal request completed on its order page (补充登记), and the
intake page worked with the keyboard alone.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from rexian.orders.models import WorkOrder
from rexian.orders.transitions import State
from tests.browser.support import exclusive_db, expect_message, follow, go, row, state_of, take_action, timeline

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

TITLE = "小区电梯长期故障无人维修"


def test_an_order_goes_through_its_whole_life_across_the_roles(page, sign_in, shot, cast):
    # The operator records the call and sends it to dispatch.
    sign_in(page, cast.operator)
    go(page, "受理")
    shot(page, "intake")
    page.get_by_label("来电号码").fill("13812345678")
    page.get_by_label("姓名").fill("李四")
    page.get_by_label("诉求类型").select_option(label="投诉")
    page.get_by_label("标题").fill(TITLE)
    page.get_by_label("诉求内容").fill("幸福小区3号楼电梯停运两周，物业不予维修，老人出行困难。")
    page.get_by_label("诉求分类").fill("wy")
    page.locator("#category-results").get_by_role("button", name=re.compile("物业服务")).click()
    assert "物业服务" in page.locator("#category-chosen").inner_text()
    page.get_by_label("镇/街道").select_option(label="城东街道")
    page.get_by_label("村/社区").select_option(label="幸福社区")
    page.get_by_label("详细地址").fill("幸福小区3号楼")
    shot(page, "intake-filled")
    page.get_by_role("button", name=re.compile("^转派遣")).click()
    expect_message(page, "已登记并转派遣。")
    shot(page, "intake-saved")
    number = page.get_by_role("status").get_by_role("link").inner_text().strip()  # shown at once, linked
    expect_message(page, f"工单 {number} 已登记并转派遣。")
    with exclusive_db():
        order = WorkOrder.objects.get(number=number)
    assert (order.state, order.category, order.area) == (State.PENDING_DISPATCH, cast.property_service, cast.community)

    # The dispatcher dispatches it from the queue, to the unit the catalogue preselected.
    sign_in(page, cast.dispatcher)
    go(page, "派遣")
    shot(page, "dispatch-queue")
    line = row(page, number)
    lead = line.get_by_label("主办单位")
    assert lead.locator("option:checked").inner_text() == "住建局"
    line.get_by_role("button", name="派单", exact=True).click()
    expect_message(page, "已派单。")
    shot(page, "dispatched")
    assert row(page, number).count() == 0

    # The unit signs for it in its inbox and replies on the order page.
    sign_in(page, cast.housing_handler)
    go(page, "承办")
    shot(page, "inbox")
    row(page, number).get_by_role("button", name="签收", exact=True).click()
    expect_message(page, "已签收。")
    shot(page, "signed")
    follow(row(page, number).get_by_role("link", name="回复", exact=True))
    shot(page, "order-to-reply")
    take_action(page, "reply", "办结回复", {"办理结果": "已督促物业修复电梯，现已恢复运行。", "处理措施": "约谈物业公司负责人。"})
    expect_message(page, "已提交办结回复。")
    shot(page, "replied")
    assert state_of(page) == "已回复待审"

    # The dispatcher accepts the reply from the review list.
    sign_in(page, cast.dispatcher)
    page.goto("/console/dispatch/requests/?kind=reply")
    shot(page, "replies-to-review")
    assert "已督促物业修复电梯" in row(page, number).inner_text()
    row(page, number).get_by_role("button", name="审核通过", exact=True).click()
    expect_message(page, "回复审核通过，工单转入待回访。")
    shot(page, "reply-accepted")

    # The operator calls the citizen back: satisfied.
    sign_in(page, cast.operator)
    go(page, "回访")
    shot(page, "callbacks")
    line = row(page, number)
    line.get_by_label("满意度").select_option(label="满意")
    line.get_by_label("问题是否解决").select_option(label="是")
    line.get_by_label("单位是否及时联系").select_option(label="是")
    line.get_by_label("回访记录").fill("市民表示电梯已修好。")
    line.get_by_role("button", name="记录回访").click()
    expect_message(page, "回访已记录。")
    shot(page, "callback-recorded")

    # Closed, with its whole history: the operator looks it up by its number.
    go(page, "查询")
    shot(page, "search")
    page.get_by_label("工单编号").fill(number)
    page.get_by_role("button", name="查询", exact=True).click()
    page.wait_for_url(re.compile(r"[?&]number="))
    shot(page, "search-results")
    follow(row(page, number).get_by_role("link", name=number, exact=True))
    shot(page, "closed-order")
    assert state_of(page) == "已办结"
    history = timeline(page)
    for step in ("登记", "转派遣", "派单", "签收", "办结回复", "审核通过", "回访"):
        assert step in history, step
    assert page.locator(".action-forms summary").all_inner_texts() == ["上传附件"]  # nothing left but filing papers
    with exclusive_db():
        order.refresh_from_db()
    assert order.state == State.CLOSED


def test_a_unit_returns_an_order_and_the_dispatcher_approves(page, sign_in, shot, cast, make_order):
    number = make_order(State.DISPATCHED).number

    sign_in(page, cast.housing_handler)
    go(page, "承办")
    shot(page, "inbox")
    follow(row(page, number).get_by_role("link", name="退单", exact=True))
    shot(page, "order")
    take_action(page, "return-request", "申请退单", {"理由": "该小区物业不属本局管辖，请改派城东街道。"})
    expect_message(page, "退单申请已提交，等待审核。")
    shot(page, "return-requested")
    assert page.dialogs == ["确定要申请退单吗？"]

    sign_in(page, cast.dispatcher)
    follow(page.get_by_role("link", name=re.compile("退单待审")))
    shot(page, "returns-to-review")
    assert "该小区物业不属本局管辖" in row(page, number).inner_text()
    row(page, number).get_by_role("button", name="同意退单", exact=True).click()
    expect_message(page, "已同意退单，工单回到待派单。")
    shot(page, "return-approved")

    go(page, "派遣")
    shot(page, "dispatch-queue")
    assert row(page, number).count() == 1


def test_a_unit_gets_an_extension_and_the_new_deadline_shows(page, sign_in, shot, cast, make_order):
    order = make_order(State.IN_PROGRESS)
    new_deadline = (timezone.localtime(order.reply_deadline) + dt.timedelta(days=10)).replace(
        hour=17, minute=30, second=0, microsecond=0
    )

    sign_in(page, cast.housing_handler)
    go(page, "承办")
    shot(page, "inbox")
    follow(row(page, order.number).get_by_role("link", name="延期", exact=True))
    shot(page, "order")
    take_action(
        page,
        "extension-request",
        "申请延期",
        {"申请延至": new_deadline.strftime("%Y-%m-%dT%H:%M"), "延期理由": "电梯配件需向厂家订购，约需十天。"},
    )
    expect_message(page, "延期申请已提交，等待审核。")
    shot(page, "extension-requested")

    sign_in(page, cast.dispatcher)
    follow(page.get_by_role("link", name=re.compile("延期待审")))
    shot(page, "extensions-to-review")
    assert new_deadline.strftime("%Y-%m-%d %H:%M") in row(page, order.number).inner_text()
    row(page, order.number).get_by_role("button", name="同意延期", exact=True).click()
    expect_message(page, "已同意延期。")
    shot(page, "extension-approved")

    page.goto(f"/console/orders/{order.number}/")
    shot(page, "order-with-new-deadline")
    deadline = page.locator("dt", has_text="办结时限").locator("xpath=following-sibling::dd[1]")
    assert deadline.inner_text() == new_deadline.strftime("%Y-%m-%d %H:%M")


def test_a_dissatisfied_callback_reopens_the_order_for_the_unit(page, sign_in, shot, cast, make_order):
    number = make_order(State.AWAITING_CALLBACK).number

    sign_in(page, cast.operator)
    go(page, "回访")
    shot(page, "callbacks")
    line = row(page, number)
    line.get_by_label("满意度").select_option(label="不满意")
    line.get_by_label("问题是否解决").select_option(label="否")
    line.get_by_label("回访记录").fill("电梯仍经常停运。")
    line.get_by_role("button", name="记录回访").click()
    expect_message(page, "回访已记录。")
    shot(page, "callback-dissatisfied")

    sign_in(page, cast.dispatcher)
    follow(page.get_by_role("link", name=re.compile("待重办")))
    shot(page, "reopened-to-review")
    assert "电梯仍经常停运" in row(page, number).inner_text()
    line = row(page, number)
    line.locator("summary", has_text="重办").click()  # 重办 or 维持办结: each a decision to write down
    line.get_by_label("重办要求").fill("电梯仍经常停运，请上门复查。")
    line.get_by_role("button", name="重办", exact=True).click()
    expect_message(page, "已安排重办。")
    shot(page, "rehandled")

    sign_in(page, cast.housing_handler)
    go(page, "承办")
    shot(page, "inbox-again")
    assert row(page, number).count() == 1
    follow(row(page, number).get_by_role("link", name=number, exact=True))
    shot(page, "reopened-order")
    assert state_of(page) == "办理中"
    assert "重办" in timeline(page) and "请上门复查" in timeline(page)  # what to redo reaches the unit


def test_an_operator_completes_a_portal_request_with_the_category_picker_then_sends_it(
    page, sign_in, shot, cast, make_order
):
    from playwright.sync_api import expect

    from tests import factories as f

    with exclusive_db():
        number = make_order(channel=f.channel("portal"), category=None).number

    sign_in(page, cast.operator)
    go(page, "待审核登记")
    follow(row(page, number).get_by_role("link", name="补充登记", exact=True))
    panel = page.locator("#action-amend")
    assert panel.get_attribute("open") is not None  # no category yet: this is what the order needs first
    search = panel.get_by_role("searchbox", name="分类检索")
    search.fill("wy")
    search.press("Enter")  # searches; it must not save the form half done
    results = panel.locator("#amend-category-results")
    results.get_by_label(re.compile("物业服务")).check()
    with page.expect_response(re.compile("/categories/")):  # a late answer to the same search (typing, then Enter)
        search.dispatch_event("search")
    expect(results.get_by_label(re.compile("物业服务"))).to_be_checked()  # keeps the leaf already picked
    shot(page, "amend-category-chosen")
    panel.get_by_role("button", name="补充登记", exact=True).click()
    expect_message(page, "已补充登记。")
    assert "诉求分类：（无） → 城乡建设/物业管理/物业服务" in timeline(page)
    take_action(page, "send-to-dispatch", "转派遣")
    expect_message(page, "已转派遣。")
    with exclusive_db():
        order = WorkOrder.objects.get(number=number)
    assert (order.state, order.category) == (State.PENDING_DISPATCH, cast.property_service)


# The intake form's fields in the order Tab reaches them (category results and the like in between are skipped).
INTAKE_TAB_ORDER = [
    "id_caller_phone", "id_caller_name", "id_caller_gender", "id_confidential", "id_caller_is_enterprise",
    "id_channel", "id_line", "id_appeal_type", "id_urgency", "id_title", "id_occurred_at", "id_description",
    "id_category_q", "id_town", "id_community", "id_address",
]


def _focused(page) -> str:
    return page.evaluate("document.activeElement.id || document.activeElement.tagName")


def _arrow_to(page, option: str) -> None:
    """In the focused <select>, press ↓ until `option` is chosen."""
    for _ in range(30):
        if page.evaluate("document.activeElement.selectedOptions[0].text") == option:
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"no option {option}")


def test_the_intake_form_works_from_the_keyboard_alone(page, sign_in, shot, cast):
    sign_in(page, cast.operator)
    intake_link = page.get_by_role("navigation", name="主菜单").get_by_role("link", name="受理", exact=True)
    assert intake_link.get_attribute("accesskey") == "n"  # Alt+N, as the home page's 新建工单 button says
    for _ in range(20):  # Tab from the top of the page to the menu's 受理, and Enter
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == "受理":
            break
    page.keyboard.press("Enter")
    page.wait_for_url("**/console/intake/")
    page.wait_for_load_state()
    shot(page, "intake")
    typed = {
        "id_caller_phone": "13912345678",
        "id_caller_name": "王五",
        "id_title": "小区电梯长期故障无人维修",
        "id_description": "幸福小区3号楼电梯停运两周，物业不予维修。",
        "id_address": "幸福小区3号楼",
    }
    seen = [_focused(page)]  # the phone field has the focus when the page opens
    for _ in range(60):
        field = seen[-1]
        if field in typed:
            page.keyboard.type(typed[field])
        elif field == "id_appeal_type":
            _arrow_to(page, "投诉")
        elif field == "id_category_q":
            page.keyboard.type("wy")
            page.locator("#category-results").get_by_role("button", name=re.compile("物业服务")).wait_for()
            page.keyboard.press("ArrowDown")  # into the results, as the page's shortcut line says
            for _ in range(20):
                if "物业服务" in page.evaluate("document.activeElement.textContent"):
                    break
                page.keyboard.press("ArrowDown")
            page.keyboard.press("Enter")  # chosen; the focus moves on to the place
            seen.append(_focused(page))
            continue
        elif field == "id_town":
            _arrow_to(page, "城东街道")
            page.get_by_label("村/社区").locator("option", has_text="幸福社区").wait_for(state="attached")
        elif field == "id_community":
            _arrow_to(page, "幸福社区")
        if field == "id_address":
            break
        page.keyboard.press("Tab")
        seen.append(_focused(page))
    assert [field for field in seen if field in INTAKE_TAB_ORDER] == INTAKE_TAB_ORDER
    shot(page, "intake-typed")
    page.keyboard.press("Control+Enter")  # the documented shortcut for 转派遣
    expect_message(page, "已登记并转派遣。")
    shot(page, "intake-saved")
    number = page.get_by_role("status").get_by_role("link").inner_text().strip()
    with exclusive_db():
        order = WorkOrder.objects.get(number=number)
    assert (order.state, order.category, order.area) == (State.PENDING_DISPATCH, cast.property_service, cast.community)
    assert order.title == typed["id_title"]


def test_a_dispatcher_merges_a_repeated_request_into_the_original_it_is_shown(page, sign_in, shot, cast, make_order):
    original = make_order(State.PENDING_DISPATCH)
    repeat = make_order(State.PENDING_DISPATCH, caller_phone="13900001111", title="小区电梯长期故障没人维修")

    sign_in(page, cast.dispatcher)
    page.goto(f"/console/orders/{repeat.number}/")
    panel = page.locator("#action-merge")
    panel.locator("summary").click()
    assert original.number in panel.locator(".duplicates").inner_text()
    shot(page, "suspected-duplicates")
    panel.get_by_role("button", name="并入此单", exact=True).click()
    assert panel.get_by_label("主工单编号").input_value() == original.number
    panel.get_by_role("button", name="并单", exact=True).click()
    expect_message(page, "已并入主工单。")
    assert state_of(page) == "已并单"
    assert page.dialogs == ["确定要并单吗？"]


def test_the_operator_takes_the_suggested_category_and_urgency_in_one_click_each(page, sign_in, shot, cast, history):
    from rexian.intelligence import training
    from tests import factories as f

    training.train_all()
    urgent = f.urgency("urgent")
    sign_in(page, cast.operator)
    go(page, "受理")
    page.locator("#id_title").fill("工地晚上施工太吵")
    page.locator("#id_description").fill("凌晨还在打桩，噪音扰民")
    suggestions = page.locator("#suggestions-panel")
    suggestions.get_by_text("可能紧急").wait_for()
    shot(page, "intake-suggestions")
    suggestions.locator(f'button[data-urgency-id="{urgent.pk}"]').click()
    assert page.locator("#id_urgency").input_value() == str(urgent.pk)
    suggestions.locator(f'button[data-category-id="{cast.noise.pk}"]').click()
    assert page.locator("#id_category").input_value() == str(cast.noise.pk)

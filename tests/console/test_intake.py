"""The operator's intake page (受理) and its live panels."""

from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from rexian.knowledge.models import ArticleUse, Section
from rexian.knowledge.services import article_create
from rexian.orders.models import WorkOrder
from rexian.orders.transitions import State
from rexian.privacy.models import PersonalDataAccess
from rexian.telephony.models import CallOrder
from tests import factories as f
from tests.telephony.conftest import apply, ev

pytestmark = pytest.mark.django_db

INTAKE = reverse("console:intake")


def form_data(cast, **overrides):
    data = {
        "caller_phone": "13912345678",
        "caller_name": "李四",
        "caller_gender": "F",
        "channel": f.channel("phone").pk,
        "appeal_type": f.appeal_type("complaint").pk,
        "urgency": f.urgency("normal").pk,
        "title": "小区夜间施工噪声扰民",
        "description": "幸福小区旁工地每晚十一点后仍在施工，噪声很大。",
        "category": cast.noise.pk,
        "town": cast.town.pk,
        "community": cast.community.pk,
        "address": "幸福小区东门",
        "action": "dispatch",
        "intake_token": uuid.uuid4().hex,  # each call a page of its own
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def saved_order() -> WorkOrder:
    return WorkOrder.objects.get()


# --- The form -------------------------------------------------------------------------------------------------------


def test_operator_gets_an_empty_form_with_the_focus_on_the_phone(signed_in, cast):
    response = signed_in(cast.operator).get(INTAKE)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="id_caller_phone"' in page and "autofocus" in page
    assert "<kbd>Ctrl</kbd>+<kbd>Enter</kbd>" in page
    assert response.context["form"]["channel"].value() == f.channel("phone").pk


def test_the_operator_chooses_among_the_centre_s_channels_phone_first_not_the_portal_s_or_open311_s(signed_in, cast):
    form = signed_in(cast.operator).get(INTAKE).context["form"]
    codes = list(form.fields["channel"].queryset.values_list("code", flat=True))
    assert codes[0] == "phone" and "letter" in codes
    assert "portal" not in codes and "open311" not in codes
    # Sent anyway (a tampered form), the portal's channel is refused beside the field.
    response = signed_in(cast.operator).post(INTAKE, form_data(cast, channel=f.channel("portal").pk))
    assert response.status_code == 400 and response.context["form"].errors["channel"]


def test_a_supervisor_may_take_calls_too(signed_in, cast):
    assert signed_in(cast.supervisor).get(INTAKE).status_code == 200


@pytest.mark.parametrize("who", ["housing_handler", "dispatcher", "leader"])
def test_staff_who_do_not_take_calls_get_403(signed_in, cast, who):
    client = signed_in(getattr(cast, who))
    assert client.get(INTAKE).status_code == 403
    assert client.post(INTAKE, form_data(cast)).status_code == 403
    assert client.get(reverse("console:intake-caller"), {"phone": "13812348000"}).status_code == 403
    assert not WorkOrder.objects.exists()


def test_register_and_send_to_dispatch(signed_in, cast):
    client = signed_in(cast.operator)
    response = client.post(INTAKE, form_data(cast))
    assert response.status_code == 302 and response["Location"] == INTAKE
    order = saved_order()
    assert order.state == State.PENDING_DISPATCH
    assert order.caller_phone == "13912345678" and order.caller_gender == "F"
    assert order.area == cast.community and order.category == cast.noise
    assert order.registered_by == cast.operator
    page = client.get(INTAKE).content.decode()
    assert f'class="order-number" href="{reverse("console:order", args=[order.number])}">{order.number}</a>' in page
    assert "已登记并转派遣" in page


def test_the_form_is_empty_again_after_a_save(signed_in, cast):
    client = signed_in(cast.operator)
    client.post(INTAKE, form_data(cast))
    response = client.get(INTAKE)
    assert response.context["form"]["title"].value() in (None, "")
    assert "小区夜间施工噪声扰民" not in response.content.decode().split("</form>")[0]


def test_answer_on_the_spot_closes_the_order(signed_in, cast, settings):
    settings.DIRECT_ANSWER_CALLBACK_SAMPLE = 0
    client = signed_in(cast.operator)
    data = form_data(cast, action="answer", appeal_type=f.appeal_type("consult").pk, answer="已告知夜间施工须办理许可。")
    assert client.post(INTAKE, data).status_code == 302
    order = saved_order()
    assert order.state == State.CLOSED and order.answer == "已告知夜间施工须办理许可。"
    assert "已直接办结" in client.get(INTAKE).content.decode()


def test_answer_on_the_spot_sampled_for_callback_awaits_it(signed_in, cast, settings):
    settings.DIRECT_ANSWER_CALLBACK_SAMPLE = 1
    signed_in(cast.operator).post(INTAKE, form_data(cast, action="answer", answer="已答复。"))
    assert saved_order().state == State.AWAITING_CALLBACK


def test_register_only_leaves_the_order_registered(signed_in, cast):
    signed_in(cast.operator).post(INTAKE, form_data(cast, action="register"))
    assert saved_order().state == State.REGISTERED


# --- One order per page (the once-only token) ------------------------------------------------------------------------


def _token(page: str) -> str:
    return re.search(r'name="intake_token" value="([0-9a-f]{32})"', page).group(1)


def test_each_showing_of_the_form_carries_a_new_once_only_token(signed_in, cast):
    client = signed_in(cast.operator)
    assert _token(client.get(INTAKE).content.decode()) != _token(client.get(INTAKE).content.decode())


@pytest.mark.parametrize("again", ["dispatch", "answer", "register"])
def test_the_same_page_saved_twice_registers_one_order_and_leads_to_it(signed_in, cast, again):
    client = signed_in(cast.operator)
    data = form_data(cast)
    assert client.post(INTAKE, data)["Location"] == INTAKE
    order = saved_order()
    response = client.post(INTAKE, {**data, "action": again, "answer": "已答复。"}, follow=True)
    assert response.redirect_chain == [(reverse("console:order", args=[order.number]), 302)]
    assert f"该工单已登记（工单 {order.number}），请勿重复提交。" in response.content.decode()
    assert saved_order() == order and order.state == State.PENDING_DISPATCH


@pytest.mark.parametrize("token", [None, "", "abc", "0123456789ABCDEF0123456789ABCDEF", "<script>"])
def test_a_save_without_a_valid_token_is_refused_with_a_message_to_reopen_the_page(signed_in, cast, token):
    response = signed_in(cast.operator).post(INTAKE, form_data(cast, intake_token=token))
    assert response.status_code == 400
    assert "页面已失效，请重新打开受理登记页面后再填写。" in response.content.decode()
    assert not WorkOrder.objects.exists()


def test_a_refused_save_keeps_its_token_for_the_corrected_one(signed_in, cast):
    client = signed_in(cast.operator)
    data = form_data(cast, title="")
    refused = client.post(INTAKE, data)
    assert refused.status_code == 400 and _token(refused.content.decode()) == data["intake_token"]
    assert client.post(INTAKE, {**data, "title": "小区夜间施工噪声扰民"})["Location"] == INTAKE
    assert saved_order().intake_token == data["intake_token"]


def test_a_missing_title_is_shown_beside_the_field_and_nothing_is_saved(signed_in, cast):
    response = signed_in(cast.operator).post(INTAKE, form_data(cast, title=""))
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="id_title_error"' in page
    assert "幸福小区旁工地" in page  # what was typed stays
    assert not WorkOrder.objects.exists()


def test_a_too_long_title_says_how_long_it_may_be(signed_in, cast):
    response = signed_in(cast.operator).post(INTAKE, form_data(cast, title="长" * 121))
    assert response.status_code == 400
    page = response.content.decode()
    assert "标题最多 120 个字，现有 121 个字。" in page
    assert "变量" not in page
    assert not WorkOrder.objects.exists()


def test_a_too_long_title_is_told_in_english_to_an_english_operator(signed_in, cast):
    type(cast.operator).objects.filter(pk=cast.operator.pk).update(language="en")
    response = signed_in(cast.operator).post(INTAKE, form_data(cast, title="长" * 121))
    assert "Title: at most 120 characters (121 given)." in response.content.decode()


def test_missing_and_unknown_choices_are_named_in_the_staffs_words(signed_in, cast):
    data = form_data(cast, urgency="", town=999999, community="", description="")
    page = signed_in(cast.operator).post(INTAKE, data).content.decode()
    assert "请选择紧急程度。" in page
    assert "所选镇/街道不存在或已停用。" in page
    assert "请填写诉求内容。" in page  # the field's own message stays
    assert "该字段是必填项" not in page


def test_answer_on_the_spot_needs_an_answer(signed_in, cast):
    response = signed_in(cast.operator).post(INTAKE, form_data(cast, action="answer", answer=" "))
    assert response.status_code == 400
    assert 'id="id_answer_error"' in response.content.decode()
    assert not WorkOrder.objects.exists()


def test_a_service_error_is_shown_beside_its_field(signed_in, cast):
    # Only a leaf category may be chosen: the service says so, on the category field.
    parent = cast.noise.parent
    response = signed_in(cast.operator).post(INTAKE, form_data(cast, category=parent.pk))
    assert response.status_code == 400
    assert 'id="id_category_error"' in response.content.decode()
    assert "最末一级" in response.content.decode()
    assert not WorkOrder.objects.exists()


def test_a_bad_phone_number_is_shown_beside_the_phone(signed_in, cast):
    response = signed_in(cast.operator).post(INTAKE, form_data(cast, caller_phone="12ab"))
    assert response.status_code == 400
    assert 'id="id_caller_phone_error"' in response.content.decode()


def test_a_missing_action_is_refused(signed_in, cast):
    response = signed_in(cast.operator).post(INTAKE, form_data(cast, action=None))
    assert response.status_code == 400
    assert "请选择办理方式" in response.content.decode()
    assert not WorkOrder.objects.exists()


def test_the_community_must_lie_in_the_town(signed_in, cast):
    other_town = f.UnitFactory(code="C-CX", name="城西街道", kind="town", parent=cast.city)
    response = signed_in(cast.operator).post(INTAKE, form_data(cast, town=other_town.pk))
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="id_community_error"' in page and "所选村/社区不在所选镇/街道内，或已停用，请重新选择。" in page
    assert 'id="id_town_error"' not in page


def test_a_town_alone_is_the_orders_area(signed_in, cast):
    signed_in(cast.operator).post(INTAKE, form_data(cast, community=""))
    assert saved_order().area == cast.town


def test_an_enterprise_request_keeps_the_credit_code(signed_in, cast):
    data = form_data(
        cast, caller_is_enterprise="on", enterprise_name="泰兴某机械有限公司", enterprise_credit_code="91321283MA1XXXXX0N"
    )
    signed_in(cast.operator).post(INTAKE, data)
    order = saved_order()
    assert order.caller_is_enterprise and order.enterprise_credit_code == "91321283MA1XXXXX0N"


def test_a_phone_in_the_address_bar_fills_the_form(signed_in, cast):
    response = signed_in(cast.operator).get(INTAKE, {"phone": "13812348000"})
    assert response.context["form"]["caller_phone"].value() == "13812348000"


# --- The area pickers ------------------------------------------------------------------------------------------------


def test_choosing_a_town_lists_its_communities(signed_in, cast):
    response = signed_in(cast.operator).get(reverse("console:intake-areas"), {"town": cast.town.pk})
    assert f'<option value="{cast.community.pk}">幸福社区</option>' in response.content.decode()


def test_the_town_select_offers_towns_only(signed_in, cast):
    form = signed_in(cast.operator).get(INTAKE).context["form"]
    assert list(form.fields["town"].queryset) == [cast.town]


# --- The caller panel ------------------------------------------------------------------------------------------------


def test_the_caller_panel_shows_open_orders_first_then_earlier_ones(signed_in, cast, make_order):
    closed = make_order(State.CLOSED, title="去年的物业投诉")
    open_order = make_order(State.DISPATCHED, title="电梯还没修好")
    response = signed_in(cast.operator).get(reverse("console:intake-caller"), {"caller_phone": "138 1234 8000"})
    page = response.content.decode()
    assert response.context["overview"].open[0].order == open_order
    assert [row.order for row in response.context["overview"].earlier] == [closed]
    assert page.index("电梯还没修好") < page.index("去年的物业投诉")
    assert "history__item--open" in page
    assert reverse("console:order", args=[open_order.number]) in page


def test_the_caller_panel_says_first_call_for_a_new_number(signed_in, cast, make_order):
    make_order()
    page = signed_in(cast.operator).get(reverse("console:intake-caller"), {"phone": "13700000000"}).content.decode()
    assert "首次来电" in page


def test_the_caller_panel_waits_for_seven_digits(signed_in, cast, make_order):
    make_order()
    response = signed_in(cast.operator).get(reverse("console:intake-caller"), {"phone": "138123"})
    assert "overview" not in response.context
    assert "首次来电" not in response.content.decode()


def test_the_caller_panel_masks_the_callers_number_in_the_list(signed_in, cast, make_order):
    make_order()
    page = signed_in(cast.operator).get(reverse("console:intake-caller"), {"phone": "13812348000"}).content.decode()
    assert "13812348000" not in page


# --- Categories ------------------------------------------------------------------------------------------------------


def test_category_search_by_pinyin_initials(signed_in, cast):
    response = signed_in(cast.operator).get(reverse("console:intake-categories"), {"category_q": "wy"})
    page = response.content.decode()
    assert f'data-category-id="{cast.property_service.pk}"' in page
    assert "城乡建设/物业管理/物业服务" in page
    assert f'data-category-id="{cast.noise.pk}"' not in page


def test_category_search_without_a_query_browses_the_tree(signed_in, cast):
    client = signed_in(cast.operator)
    top = client.get(reverse("console:intake-categories")).content.decode()
    assert "城乡建设" in top and "生态环境" in top and "data-category-id" not in top
    level2 = client.get(reverse("console:intake-categories"), {"parent": cast.noise.parent.pk}).content.decode()
    assert f'data-category-id="{cast.noise.pk}"' in level2
    assert "返回上一级" in level2


def test_a_failed_save_keeps_the_chosen_categorys_path(signed_in, cast):
    response = signed_in(cast.operator).post(INTAKE, form_data(cast, title=""))
    assert "生态环境/噪声污染/施工噪声" in response.content.decode()


# --- The knowledge base ----------------------------------------------------------------------------------------------


@pytest.fixture
def article(cast):
    section = Section.objects.create(code="general", name="综合")
    return article_create(
        actor=cast.supervisor, section=section, kind="qa", title="夜间施工噪声投诉如何处理",
        question="晚上工地施工太吵怎么办", body="夜间22时至次日6时禁止产生噪声的建筑施工，确需连续作业的须取得证明。",
        keywords="噪声 施工 夜间", publish=True,
    )


def test_the_knowledge_panel_searches_the_knowledge_base(signed_in, cast, article):
    response = signed_in(cast.operator).get(reverse("console:intake-knowledge"), {"kb_q": "施工噪声"})
    page = response.content.decode()
    assert "<mark>" in page and "夜间施工噪声投诉如何处理" in page.replace("<mark>", "").replace("</mark>", "")
    assert f"?id={article.pk}" in page


def test_the_knowledge_panel_suggests_articles_for_the_text_typed(signed_in, cast, article):
    response = signed_in(cast.operator).get(
        reverse("console:intake-knowledge"), {"title": "工地夜间施工", "description": "晚上施工噪声很大"}
    )
    assert response.context["suggested"] and [hit.id for hit in response.context["hits"]] == [article.pk]


def test_an_article_opens_with_a_button_to_quote_it(signed_in, cast, article):
    page = signed_in(cast.operator).get(reverse("console:intake-article"), {"id": article.pk}).content.decode()
    assert "夜间22时至次日6时" in page
    assert f'data-quote-article="{article.pk}"' in page and "引用此条答复" in page


def test_an_answer_quoted_from_the_knowledge_base_is_recorded(signed_in, cast, article):
    data = form_data(cast, action="answer", answer=article.body, knowledge_article=article.pk)
    assert signed_in(cast.operator).post(INTAKE, data).status_code == 302
    use = ArticleUse.objects.get()
    assert use.article == article and use.order_number == saved_order().number


def test_a_quoted_article_is_ignored_when_the_order_is_dispatched(signed_in, cast, article):
    signed_in(cast.operator).post(INTAKE, form_data(cast, knowledge_article=article.pk))
    assert saved_order().state == State.PENDING_DISPATCH
    assert not ArticleUse.objects.exists()


def test_a_lapsed_article_stops_the_save_with_a_message_on_the_answer(signed_in, cast, article):
    article.valid_until = timezone.localdate() - dt.timedelta(days=1)
    article.save()
    data = form_data(cast, action="answer", answer="…", knowledge_article=article.pk)
    response = signed_in(cast.operator).post(INTAKE, data)
    assert response.status_code == 400 and 'id="id_answer_error"' in response.content.decode()
    assert not WorkOrder.objects.exists()


@pytest.mark.parametrize("value", ["abc", "0"])
def test_a_malformed_quote_is_said_where_the_quote_is_shown(signed_in, cast, value):
    data = form_data(cast, action="answer", answer="已答复。", knowledge_article=value)
    response = signed_in(cast.operator).post(INTAKE, data)
    page = response.content.decode()
    assert response.status_code == 400 and "引用的知识库条目无效，请重新引用。" in page
    assert not WorkOrder.objects.exists()


# --- The screen pop --------------------------------------------------------------------------------------------------


@pytest.fixture
def ringing(cast, make_order):
    """A call from 138****8000 rings at the operator's seat (agent 1001); the caller has an open order."""
    cast.operator.agent_number = "1001"
    cast.operator.save()
    earlier = make_order(State.DISPATCHED, title="电梯还没修好")
    now = timezone.now()
    apply([ev("offered", now - dt.timedelta(seconds=20), "live", caller="13812348000", line="12345"),
           ev("queued", now - dt.timedelta(seconds=18), "live"),
           ev("ringing", now - dt.timedelta(seconds=3), "live", agent="1001")])
    return earlier


def test_the_screen_pop_shows_the_ringing_callers_history(signed_in, cast, ringing):
    response = signed_in(cast.operator).get(reverse("console:screen-pop"))
    page = response.content.decode()
    assert response.status_code == 200
    assert 'class="panel pop"' in page and "来电振铃" in page
    assert "138****8000" in page and "13812348000" not in page  # the full number only on request
    assert ringing.number in page and "带入来电号码" in page


def test_the_screen_pop_is_quiet_for_another_operator(signed_in, cast, ringing):
    other = f.UserFactory(username="operator2", role="operator", unit=cast.centre, agent_number="1002")
    response = signed_in(other).get(reverse("console:screen-pop"))
    assert response.status_code == 204 and response.content == b""


def test_the_screen_pop_is_an_empty_fragment_for_unit_staff(signed_in, cast, ringing):
    response = signed_in(cast.housing_handler).get(reverse("console:screen-pop"))
    assert response.status_code == 200 and response.content == b""


def test_an_unchanged_screen_pop_is_not_sent_again(signed_in, cast, ringing):
    client = signed_in(cast.operator)
    key = client.get(reverse("console:screen-pop")).context["key"]
    assert client.get(reverse("console:screen-pop"), {"shown": key}).status_code == 204


def test_the_screen_pop_clears_when_the_call_ends(signed_in, cast, ringing):
    client = signed_in(cast.operator)
    key = client.get(reverse("console:screen-pop")).context["key"]
    apply([ev("abandoned", timezone.now(), "live")])
    response = client.get(reverse("console:screen-pop"), {"shown": key})
    assert response.status_code == 200 and response.content == b""


def test_bringing_the_callers_number_fills_the_phone_field_and_is_logged(signed_in, cast, ringing):
    response = signed_in(cast.operator).post(reverse("console:screen-pop-number"))
    html = response.content.decode()
    assert 'id="id_caller_phone"' in html and 'value="13812348000"' in html
    assert PersonalDataAccess.objects.filter(user=cast.operator, subject_type="call", fields="phone").exists()


def test_an_order_saved_during_a_call_is_linked_to_it(signed_in, cast, ringing):
    apply([ev("answered", timezone.now(), "live", agent="1001")])
    signed_in(cast.operator).post(INTAKE, form_data(cast, caller_phone="13812348000"))
    link = CallOrder.objects.get()
    assert link.order == WorkOrder.objects.latest("pk") and link.call.call_id == "live"


def test_an_occurrence_in_the_future_is_shown_beside_its_field(signed_in, cast):
    tomorrow = (timezone.localtime() + dt.timedelta(days=1)).strftime("%Y-%m-%d %H:%M")
    response = signed_in(cast.operator).post(INTAKE, form_data(cast, occurred_at=tomorrow))
    assert response.status_code == 400
    assert 'id="id_occurred_at_error"' in response.content.decode()
    assert not WorkOrder.objects.exists()


def test_the_occurrence_time_is_typed_as_text(signed_in, cast):
    signed_in(cast.operator).post(INTAKE, form_data(cast, occurred_at="2026-03-01 21:30"))
    assert timezone.localtime(saved_order().occurred_at).strftime("%Y-%m-%d %H:%M") == "2026-03-01 21:30"


def test_confidentiality_and_hot_topics_are_saved(signed_in, cast):
    from rexian.catalog.models import HotTopic

    topic = HotTopic.objects.create(name="夜间施工")
    client = signed_in(cast.operator)
    assert "夜间施工" in client.get(INTAKE).content.decode()
    client.post(INTAKE, form_data(cast, confidential="on", hot_topics=[topic.pk]))
    order = saved_order()
    assert order.confidential and list(order.hot_topics.all()) == [topic]


@pytest.mark.parametrize("chosen", ["switched_off", "abc"])
def test_a_hot_topic_switched_off_meanwhile_is_said_beside_the_tags(signed_in, cast, chosen):
    from rexian.catalog.models import HotTopic

    topic = HotTopic.objects.create(name="夜间施工")
    HotTopic.objects.create(name="供暖")  # still on: the tags are shown again
    client = signed_in(cast.operator)
    if chosen == "switched_off":
        topic.is_active = False
        topic.save()
        chosen = topic.pk
    response = client.post(INTAKE, form_data(cast, title="夜间施工扰民", hot_topics=[chosen]))
    assert response.status_code == 400
    page = response.content.decode()
    assert "所选热点标签不存在或已停用。" in page and "夜间施工扰民" in page
    assert not WorkOrder.objects.exists()


# --- The pickers shared with 补充登记 on the order page ---------------------------------------------------------------


def test_dispatchers_may_use_the_category_and_area_pickers_but_units_may_not(signed_in, cast):
    client = signed_in(cast.dispatcher)
    assert client.get(reverse("console:intake-categories"), {"category_q": "wy"}).status_code == 200
    assert client.get(reverse("console:intake-areas"), {"town": cast.town.pk}).status_code == 200
    client = signed_in(cast.housing_handler)
    response = client.get(reverse("console:intake-categories"), {"category_q": "wy"})
    assert response.status_code == 403
    assert "只有话务员、派遣员和值班长可以选择诉求分类和区域。" in response.content.decode()
    assert client.get(reverse("console:intake-areas"), {"town": cast.town.pk}).status_code == 403


def test_the_picker_offers_leaves_as_radio_buttons_for_the_order_page(signed_in, cast):
    client = signed_in(cast.dispatcher)
    found = client.get(reverse("console:intake-categories"), {"category_q": "wy", "pick": "radio"}).content.decode()
    assert f'<input type="radio" name="category" value="{cast.property_service.pk}">' in found
    assert "data-category-id" not in found
    level2 = client.get(
        reverse("console:intake-categories"), {"parent": cast.noise.parent.pk, "pick": "radio"}
    ).content.decode()
    assert f'<input type="radio" name="category" value="{cast.noise.pk}">' in level2
    # Going back up stays in the order page's picker.
    assert 'hx-target="#amend-category-results"' in level2 and "pick=radio" in level2

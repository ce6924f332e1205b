"""The search page (工单查询) and its Excel export."""

from __future__ import annotations

import io
from urllib.parse import unquote

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from rexian.orders import services
from rexian.orders.transitions import State
from tests import factories as f
from tests.conftest import register

pytestmark = pytest.mark.django_db

SEARCH = reverse("console:search")
EXPORT = reverse("console:search-export")
PHONE = "13812348000"


def dispatched_to(cast, lead, **overrides):
    order = register(cast, **overrides)
    services.order_send_to_dispatch(actor=cast.operator, order=order)
    services.order_dispatch(actor=cast.dispatcher, order=order, lead_unit=lead)
    order.refresh_from_db()
    return order


def numbers(response) -> list[str]:
    return [row.order.number for row in response.context["rows"]]


def sheet_rows(response) -> list[tuple]:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return list(load_workbook(io.BytesIO(body), read_only=True).active.iter_rows(values_only=True))


# --- The page ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "role", ["operator", "dispatcher", "supervisor", "inspector", "leader", "admin", "housing_handler", "housing_admin"]
)
def test_every_staff_role_opens_the_search_page(signed_in, cast, role):
    response = signed_in(getattr(cast, role)).get(SEARCH)
    assert response.status_code == 200


def test_anonymous_visitor_is_sent_to_sign_in(client):
    response = client.get(SEARCH)
    assert response.status_code == 302


def test_the_search_box_is_labelled_and_reachable_by_slash(signed_in, cast):
    page = signed_in(cast.operator).get(SEARCH).content.decode()
    assert 'data-search-box' in page
    assert '<label for="id_words">' in page
    for name in ("number", "phone", "date_from", "date_to", "state", "appeal_type", "category", "unit", "overdue"):
        assert f'for="id_{name}"' in page
    assert 'type="date"' in page


def test_words_find_the_order_through_the_page(signed_in, cast):
    order = register(cast, title="夜间施工噪音扰民", description="工地每晚打桩。")
    register(cast, title="路灯不亮", description="晚上很黑。")
    response = signed_in(cast.operator).get(SEARCH, {"words": "噪音"})
    assert numbers(response) == [order.number]


def test_the_page_shows_the_phone_masked(signed_in, cast):
    register(cast, caller_phone=PHONE)
    page = signed_in(cast.operator).get(SEARCH).content.decode()
    assert "138****8000" in page
    assert PHONE not in page


def test_another_units_orders_are_never_shown(signed_in, cast):
    order = dispatched_to(cast, cast.housing, title="电梯故障")
    client = signed_in(cast.urban_handler)
    for query in ({}, {"words": "电梯"}, {"number": order.number}, {"phone": PHONE}):
        response = client.get(SEARCH, query)
        assert response.status_code == 200
        assert numbers(response) == []
        assert reverse("console:order", args=[order.number]) not in response.content.decode()


def test_unit_handler_cannot_find_a_whistleblower_by_phone_on_the_page(signed_in, cast):
    order = dispatched_to(cast, cast.housing, caller_phone=PHONE, appeal_type=f.appeal_type("report"))
    response = signed_in(cast.housing_handler).get(SEARCH, {"phone": PHONE})
    assert numbers(response) == []
    assert reverse("console:order", args=[order.number]) not in response.content.decode()


def test_unit_choices_of_a_handler_are_their_own_unit(signed_in, cast):
    response = signed_in(cast.housing_handler).get(SEARCH)
    assert list(response.context["form"].fields["unit"].queryset) == [cast.housing]


def test_home_card_links_work(signed_in, cast, make_order):
    mine = register(cast)
    client = signed_in(cast.operator)
    assert numbers(client.get(SEARCH, {"mine": "1", "period": "today"})) == [mine.number]
    assert client.get(SEARCH, {"deadline": "near"}).status_code == 200
    assert client.get(SEARCH, {"deadline": "overdue"}).status_code == 200


def test_filters_by_state_type_category_and_unit_through_the_page(signed_in, cast):
    order = dispatched_to(cast, cast.housing, appeal_type=f.appeal_type("consult"))
    register(cast, category=cast.noise)
    query = {"state": State.DISPATCHED, "appeal_type": "consult", "category": "01", "unit": cast.housing.code}
    assert numbers(signed_in(cast.operator).get(SEARCH, query)) == [order.number]


def test_a_unit_s_orders_are_those_it_leads_or_assists_or_with_lead_only_those_it_leads(signed_in, cast):
    led = dispatched_to(cast, cast.housing)
    order = register(cast)
    services.order_send_to_dispatch(actor=cast.operator, order=order)
    assisted = services.order_dispatch(
        actor=cast.dispatcher, order=order, lead_unit=cast.urban, assisting_units=[cast.housing]
    )
    client = signed_in(cast.supervisor)
    assert set(numbers(client.get(SEARCH, {"unit": cast.housing.code}))) == {led.number, assisted.number}
    assert numbers(client.get(SEARCH, {"unit": cast.housing.code, "lead_only": "1"})) == [led.number]
    export = sheet_rows(client.get(EXPORT, {"unit": cast.housing.code, "lead_only": "1"}))
    assert [row[0] for row in export[1:]] == [led.number]


def test_the_pager_links_to_the_next_page_with_the_filters(signed_in, cast):
    for _ in range(51):
        register(cast, title="电梯故障")
    response = signed_in(cast.operator).get(SEARCH, {"words": "电梯"})
    assert len(response.context["rows"]) == 50
    assert response.context["has_next"]
    page = response.content.decode()
    assert "第 1 页" in page
    assert "page=2" in page and "words=" in page
    second = signed_in(cast.operator).get(SEARCH, {"words": "电梯", "page": 2})
    assert len(second.context["rows"]) == 1 and not second.context["has_next"]


def test_the_page_says_how_many_orders_it_found(signed_in, cast):
    for _ in range(3):
        register(cast, title="电梯故障")
    register(cast, title="路灯不亮", description="晚上很黑。")
    page = signed_in(cast.operator).get(SEARCH, {"words": "电梯"}).content.decode()
    assert "共 3 条" in page


def test_a_count_beyond_the_first_page_and_past_the_limit(signed_in, cast, monkeypatch):
    for _ in range(51):
        register(cast)
    client = signed_in(cast.operator)
    assert "共 51 条" in client.get(SEARCH, {"period": "today"}).content.decode()  # counted: a page follows
    monkeypatch.setattr("rexian.orders.selectors.search.SEARCH_COUNT_LIMIT", 50)
    assert "超过 50 条" in client.get(SEARCH, {"period": "today"}).content.decode()
    assert "共 51 条" in client.get(SEARCH, {"period": "today", "page": 2}).content.decode()  # the last page knows


def test_voided_orders_can_be_left_out_through_the_page(signed_in, cast):
    kept, voided = register(cast), register(cast)
    services.order_void(actor=cast.supervisor, order=voided, reason="测试工单。")
    client = signed_in(cast.supervisor)
    assert numbers(client.get(SEARCH, {"period": "today"})) == [voided.number, kept.number]
    response = client.get(SEARCH, {"period": "today", "exclude_voided": "1"})
    assert numbers(response) == [kept.number]
    assert "共 1 条" in response.content.decode()


def test_a_bad_filter_shows_no_count(signed_in, cast):
    page = signed_in(cast.operator).get(SEARCH, {"date_from": "2026-13-45"}).content.decode()
    assert "共 " not in page and "超过 " not in page


# --- Bad filters -------------------------------------------------------------------------------------


def test_a_malformed_date_is_400_with_the_message_beside_the_field(signed_in, cast):
    response = signed_in(cast.operator).get(SEARCH, {"date_from": "2026-13-45"})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="id_date_from_error"' in page
    assert response.context["form"].errors["date_from"]


def test_date_from_after_date_to_is_400_with_the_message_beside_the_field(signed_in, cast):
    response = signed_in(cast.operator).get(SEARCH, {"date_from": "2026-03-05", "date_to": "2026-03-01"})
    assert response.status_code == 400
    assert "结束日期不能早于开始日期" in response.content.decode()
    assert 'id="id_date_to_error"' in response.content.decode()


@pytest.mark.parametrize("dates", [
    {"date_from": "0001-01-01", "date_to": "0001-01-02"},  # cannot even be converted to UTC
    {"date_from": "0001-01-01", "date_to": "2026-01-01"},
    {"date_from": "2026-01-01", "date_to": "9999-12-31"},
])
def test_a_date_outside_1900_to_2999_is_400_with_the_message_beside_the_field(signed_in, cast, dates):
    response = signed_in(cast.supervisor).get(SEARCH, dates)
    assert response.status_code == 400
    page = response.content.decode()
    field = "date_from" if dates["date_from"] == "0001-01-01" else "date_to"
    assert f'id="id_{field}_error"' in page
    assert response.context["form"].errors[field] == ["请填写 1900-01-01 至 2999-12-31 之间的日期。"]


def test_the_first_and_last_days_a_date_may_name_are_searched(signed_in, cast):
    response = signed_in(cast.supervisor).get(SEARCH, {"date_from": "1900-01-01", "date_to": "2999-12-31"})
    assert response.status_code == 200


def test_a_date_outside_the_range_is_told_in_english_to_english_users(signed_in, cast):
    type(cast.leader).objects.filter(pk=cast.leader.pk).update(language="en")
    response = signed_in(cast.leader).get(SEARCH, {"date_from": "0001-01-01", "date_to": "0001-01-02"})
    assert response.status_code == 400
    assert response.context["form"].errors["date_from"] == ["Enter a date between 1900-01-01 and 2999-12-31."]


def test_a_malformed_number_is_400(signed_in, cast):
    response = signed_in(cast.operator).get(SEARCH, {"number": "abc'--"})
    assert response.status_code == 400
    assert 'id="id_number_error"' in response.content.decode()


def test_a_malformed_phone_is_400(signed_in, cast):
    response = signed_in(cast.operator).get(SEARCH, {"phone": "12"})
    assert response.status_code == 400
    assert 'id="id_phone_error"' in response.content.decode()


def test_period_and_dates_together_are_400(signed_in, cast):
    response = signed_in(cast.operator).get(SEARCH, {"period": "today", "date_from": "2026-03-01"})
    assert response.status_code == 400
    assert 'id="id_period_error"' in response.content.decode()


def test_an_unknown_unit_code_is_400(signed_in, cast):
    response = signed_in(cast.housing_handler).get(SEARCH, {"unit": cast.urban.code})
    assert response.status_code == 400


@pytest.mark.parametrize(("query", "message"), [
    ({"words": "电梯" * 300}, "关键词最多 100 个字，现有 600 个字。"),
    ({"words": "电梯\x00"}, "关键词含有不可见的空字符，请删去后再提交。"),
    ({"period": "bogus"}, "时间段：请从列表中选择。"),
])
def test_bad_filters_are_told_in_the_staffs_words_naming_the_field(signed_in, cast, query, message):
    response = signed_in(cast.operator).get(SEARCH, query)
    assert response.status_code == 400
    assert message in response.content.decode()


def test_a_bad_page_number_is_400_not_500(signed_in, cast):
    assert signed_in(cast.operator).get(SEARCH, {"page": "x"}).status_code == 400


# --- Export ----------------------------------------------------------------------------------------


def test_export_holds_masked_phones_only(signed_in, cast):
    register(cast, caller_phone=PHONE, caller_name="张三")
    response = signed_in(cast.operator).get(EXPORT)
    assert response.status_code == 200
    header, row = sheet_rows(response)
    assert header[0] == "工单编号" and len(header) == 16
    assert row[header.index("联系电话")] == "138****8000"
    assert row[header.index("诉求人")] != "张三"
    flat = " ".join(str(cell) for cell in row)
    assert PHONE not in flat
    assert row[header.index("诉求分类")] == "城乡建设/物业管理/物业服务"


def test_export_hides_a_whistleblower_from_the_unit(signed_in, cast):
    dispatched_to(cast, cast.housing, caller_phone=PHONE, caller_name="张三", appeal_type=f.appeal_type("report"))
    header, row = sheet_rows(signed_in(cast.housing_handler).get(EXPORT))
    assert row[header.index("联系电话")] == "（保密）"
    assert row[header.index("诉求人")] == "（保密）"


def test_export_respects_the_filters(signed_in, cast):
    wanted = register(cast, title="夜间施工噪音扰民")
    register(cast, title="路灯不亮")
    rows = sheet_rows(signed_in(cast.operator).get(EXPORT, {"words": "噪音"}))
    assert [row[0] for row in rows[1:]] == [wanted.number]


def test_export_respects_the_visibility(signed_in, cast):
    dispatched_to(cast, cast.housing)
    rows = sheet_rows(signed_in(cast.urban_handler).get(EXPORT))
    assert rows[1:] == []


def test_export_stops_at_the_row_cap(signed_in, cast, settings):
    settings.EXPORT_MAX_ROWS = 2
    for _ in range(3):
        register(cast)
    rows = sheet_rows(signed_in(cast.operator).get(EXPORT))
    assert len(rows) == 1 + 2


def test_export_is_named_in_chinese_with_an_rfc5987_filename(signed_in, cast):
    response = signed_in(cast.operator).get(EXPORT)
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=utf-8''" in disposition
    assert unquote(disposition.split("''", 1)[1]).startswith("工单查询_")
    assert unquote(disposition).endswith(".xlsx")


def test_export_writes_a_formula_like_text_as_text(signed_in, cast):
    register(cast, title="=HYPERLINK(\"http://x\")")
    header, row = sheet_rows(signed_in(cast.operator).get(EXPORT))
    assert row[header.index("标题")] == "=HYPERLINK(\"http://x\")"


def test_export_with_a_bad_filter_is_400(signed_in, cast):
    response = signed_in(cast.operator).get(EXPORT, {"date_to": "yesterday"})
    assert response.status_code == 400
    assert 'id="id_date_to_error"' in response.content.decode()


def test_export_of_a_date_in_year_1_is_400_with_the_message(signed_in, cast):
    response = signed_in(cast.leader).get(EXPORT, {"date_from": "0001-01-01", "date_to": "2026-01-01"})
    assert response.status_code == 400
    assert 'id="id_date_from_error"' in response.content.decode()
    assert "请填写 1900-01-01 至 2999-12-31 之间的日期。" in response.content.decode()


def test_a_hyphen_before_the_date_ends_is_400(signed_in, cast):
    assert signed_in(cast.operator).get(SEARCH, {"number": "2026-11"}).status_code == 400


def test_full_width_digits_find_the_number(signed_in, cast):
    order = register(cast)
    wide = order.number.translate(str.maketrans("0123456789-", "０１２３４５６７８９－"))
    assert numbers(signed_in(cast.operator).get(SEARCH, {"number": wide})) == [order.number]

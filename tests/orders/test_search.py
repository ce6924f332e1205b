"""Order search (工单查询): the full-text index of title and description and every filter of `order_search`."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from rexian.orders import search, selectors, services
from rexian.orders.models import WorkOrder
from rexian.orders.transitions import State
from tests import factories as f
from tests.conftest import register

pytestmark = pytest.mark.django_db

PHONE = "13812348000"


def found(user, now=None, **filters) -> list[str]:
    page = selectors.order_search(user=user, filters=selectors.SearchFilters(**filters), now=now)
    return [row.order.number for row in page.rows]


def dispatched_to(cast, lead, assisting=(), **overrides) -> WorkOrder:
    order = register(cast, **overrides)
    services.order_send_to_dispatch(actor=cast.operator, order=order)
    services.order_dispatch(actor=cast.dispatcher, order=order, lead_unit=lead, assisting_units=assisting)
    order.refresh_from_db()
    return order


def registered_on(order, day: dt.date, hour: int = 10) -> None:
    at = timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))
    WorkOrder.objects.filter(pk=order.pk).update(registered_at=at)


# --- Terms ------------------------------------------------------------------------------------------


def test_text_probes_are_runs_of_neighbouring_bigrams_spread_over_the_title_and_the_opening():
    probes = search.text_probes("小区电梯长期故障无人维修", "幸福小区3号楼电梯停运两周，物业不予维修。")
    assert probes[:3] == [["小区", "区电", "电梯", "梯长"], ["长期", "期故", "故障", "障无"], ["障无", "无人", "人维", "维修"]]
    assert probes[3] == ["幸福", "福小", "小区", "号楼"]  # the digits split the run: 幸福小区 | 号楼
    assert len(probes) == 6 and all(len(probe) == search.PROBE_SIZE for probe in probes)


def test_a_short_title_is_one_probe_and_a_single_character_none():
    assert search.text_probes("路灯不亮", "") == [["路灯", "灯不", "不亮"]]
    assert search.text_probes("灯", "") == [] and search.text_probes("", "") == []


def test_probe_queries_require_every_term_of_any_probe():
    probes = [["电梯", "故障"], ["停水"]]
    assert search.fts5_any(probes) == '("电梯" AND "故障") OR ("停水")'
    assert search.tsquery_any(probes) == "('电梯' & '故障') | ('停水')"


def test_the_newest_orders_holding_a_whole_probe_are_found_newest_first(cast):
    older = register(cast, title="小区电梯长期故障", description="一直没人修。")
    newer = register(cast, title="电梯长期故障", description="三号楼。")
    register(cast, title="电梯维保", description="长期故障率高。")  # every bigram of the probe, but not together
    register(cast, title="楼道灯不亮", description="三楼。")
    lamp = WorkOrder.objects.get(title="楼道灯不亮")
    probes = [["电梯", "梯长", "长期", "期故"], ["楼道", "道灯", "灯不"]]
    assert search.newest_matching_ids(probes, limit=10) == [lamp.pk, newer.pk, older.pk]
    assert search.newest_matching_ids(probes, limit=2) == [lamp.pk, newer.pk]
    assert search.newest_matching_ids([], limit=10) == []


def test_text_terms_hold_every_character_and_every_pair_and_whole_latin_words():
    terms = search.text_terms("噪音扰民", "WiFi 5G信号")
    assert {"噪", "音", "扰", "民", "噪音", "音扰", "扰民", "wifi", "5g", "信号", "信", "号"} <= set(terms)
    assert "噪音扰" not in terms


def test_text_terms_fold_full_width_letters_and_digits():
    assert {"wifi", "123"} <= set(search.text_terms("ＷｉＦｉ密码１２３"))


def test_query_terms_of_two_characters_are_the_word_itself():
    assert search.query_terms("噪音") == ["噪音"]


def test_query_terms_of_a_phrase_are_cut_into_words_first():
    terms = search.query_terms("小区电梯坏了")
    assert {"小区", "电梯", "坏"} <= set(terms)
    assert "区电" not in terms  # a pair across two words is not required
    assert "了" not in terms  # filler words are dropped


def test_query_of_filler_words_only_keeps_them():
    assert search.query_terms("的") == ["的"]


def test_query_of_punctuation_only_has_no_terms():
    assert search.query_terms("！？……") == []


# --- Words --------------------------------------------------------------------------------------------


def test_registration_indexes_the_title_and_description(cast):
    order = register(cast, title="夜间施工噪音扰民", description="工地每晚十点后仍在打桩。")
    assert found(cast.operator, words="打桩") == [order.number]
    assert found(cast.operator, words="施工") == [order.number]


def test_a_two_character_word_finds_the_order(cast):
    order = register(cast, title="楼上噪音", description="每天深夜都很吵。")
    register(cast, title="楼顶漏水", description="雨天漏水。")
    assert found(cast.operator, words="噪音") == [order.number]


def test_a_single_character_finds_the_order(cast):
    order = register(cast, title="小区电梯故障", description="停运两周。")
    register(cast, title="路灯不亮", description="晚上很黑。")
    assert found(cast.operator, words="梯") == [order.number]


def test_a_word_inside_a_longer_word_is_found(cast):
    order = register(cast, title="住房公积金提取", description="咨询提取条件。")
    assert found(cast.operator, words="积金") == [order.number]


def test_every_word_is_required(cast):
    both = register(cast, title="电梯故障", description="物业不予维修。")
    register(cast, title="电梯故障", description="已经修好了。")
    assert found(cast.operator, words="电梯 物业") == [both.number]


def test_words_far_apart_in_the_text_match_a_phrase(cast):
    order = register(cast, title="小区的电梯又坏了", description="三号楼。")
    assert found(cast.operator, words="小区电梯坏了") == [order.number]


def test_within_terms_narrows_a_queryset_for_counting_and_keeps_its_filters(cast):
    lift = register(cast, title="小区的电梯又坏了", description="三号楼。")
    register(cast, title="电梯故障", description="物业不予维修。")
    register(cast, title="噪音扰民", description="小区旁工地。")
    orders = WorkOrder.objects.exclude(title="电梯故障")
    narrowed = search.within_terms(orders, search.query_terms("小区电梯"))
    assert list(narrowed.values_list("number", flat=True)) == [lift.number]
    everyone = search.within_terms(WorkOrder.objects.all(), search.query_terms("电梯"))
    assert everyone.order_by().count() == 2


def test_latin_words_and_digits_are_found_whatever_their_case(cast):
    order = register(cast, title="WiFi信号差", description="5G基站在3号楼顶，编号A102。")
    assert found(cast.operator, words="wifi") == [order.number]
    assert found(cast.operator, words="5G") == [order.number]
    assert found(cast.operator, words="a102") == [order.number]


def test_words_not_in_the_text_find_nothing(cast):
    register(cast, title="电梯故障", description="停运两周。")
    assert found(cast.operator, words="燃气") == []
    assert found(cast.operator, words="梯电") == []


def test_reindex_rebuilds_the_index_of_bulk_loaded_orders(cast):
    order = register(cast, title="河道异味", description="夏天发臭。")
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"INSERT INTO {search.FTS_TABLE} ({search.FTS_TABLE}) VALUES ('delete-all')")
        else:
            cursor.execute(f"DELETE FROM {search.PG_TABLE}")
    assert found(cast.operator, words="异味") == []
    assert search.order_text_reindex() == 1
    assert found(cast.operator, words="异味") == [order.number]


def test_reindex_of_missing_orders_adds_only_those(cast):
    indexed = register(cast, title="河道异味", description="夏天发臭。")
    search.order_text_reindex()
    assert search.order_text_reindex(order_ids=[indexed.pk]) == 0
    assert found(cast.operator, words="异味") == [indexed.number]


def test_indexing_an_order_twice_leaves_it_found_once(cast):
    order = register(cast, title="河道异味", description="夏天发臭。")
    search.order_text_index(order)
    assert found(cast.operator, words="异味") == [order.number]
    assert search.index_size() == 1


def test_reindex_orders_command_indexes_every_order(cast):
    order = register(cast, title="河道异味", description="夏天发臭。")
    call_command("reindex-orders", verbosity=0)
    assert found(cast.operator, words="发臭") == [order.number]
    call_command("reindex-orders", "--missing", verbosity=0)
    assert search.index_size() == 1


# --- Number and phone ---------------------------------------------------------------------------------


def test_number_finds_the_order_exactly(cast):
    first, second = register(cast), register(cast)
    assert found(cast.operator, number=second.number) == [second.number]
    assert found(cast.operator, number=first.number) == [first.number]


def test_number_prefix_finds_the_day_newest_first(cast):
    first, second = register(cast), register(cast)
    day = first.number[:8]
    assert found(cast.operator, number=day) == [second.number, first.number]
    assert found(cast.operator, number=f"{day}-") == [second.number, first.number]
    assert found(cast.operator, number=day[:4]) == [second.number, first.number]


def test_number_prefix_without_the_hyphen_is_understood(cast):
    order = register(cast)
    assert found(cast.operator, number=order.number.replace("-", "")) == [order.number]


def test_number_of_another_day_finds_nothing(cast):
    register(cast)
    assert found(cast.operator, number="19990101") == []


def test_phone_finds_the_callers_orders_by_hash_in_any_format(cast):
    order = register(cast, caller_phone=PHONE)
    register(cast, caller_phone="13900001111")
    assert found(cast.operator, phone="+86 138-1234-8000") == [order.number]


def test_unit_handler_finds_an_ordinary_order_of_the_unit_by_phone(cast):
    order = dispatched_to(cast, cast.housing, caller_phone=PHONE)
    assert found(cast.housing_handler, phone=PHONE) == [order.number]


def test_unit_handler_cannot_find_a_whistleblower_order_by_phone(cast):
    order = dispatched_to(cast, cast.housing, caller_phone=PHONE, appeal_type=f.appeal_type("report"))
    assert found(cast.housing_handler, phone=PHONE) == []
    assert found(cast.housing_handler, number=order.number) == [order.number]  # the order itself is theirs


def test_unit_handler_cannot_find_a_confidential_order_by_phone(cast):
    dispatched_to(cast, cast.housing, caller_phone=PHONE, confidential=True)
    assert found(cast.housing_handler, phone=PHONE) == []


def test_operator_finds_a_whistleblower_order_by_phone(cast):
    order = register(cast, caller_phone=PHONE, appeal_type=f.appeal_type("report"))
    assert found(cast.operator, phone=PHONE) == [order.number]


# --- Visibility ------------------------------------------------------------------------------------


def test_another_units_orders_never_appear(cast):
    dispatched_to(cast, cast.housing, title="电梯故障")
    assert found(cast.urban_handler) == []
    assert found(cast.urban_handler, words="电梯") == []
    assert found(cast.urban_handler, phone=PHONE) == []


def test_unit_handler_finds_the_orders_of_the_unit(cast):
    order = dispatched_to(cast, cast.housing, title="电梯故障")
    register(cast)  # not dispatched: the centre's only
    assert found(cast.housing_handler) == [order.number]
    assert found(cast.housing_handler, words="电梯") == [order.number]


def test_rows_carry_the_caller_masked(cast):
    register(cast, caller_phone=PHONE)
    row = selectors.order_search(user=cast.operator).rows[0]
    assert row.caller.phone == "138****8000"


# --- Other filters -----------------------------------------------------------------------------------


def test_date_range_includes_both_days(cast):
    before, first, last, after = (register(cast) for _ in range(4))
    for order, day in ((before, 1), (first, 2), (last, 4), (after, 5)):
        registered_on(order, dt.date(2026, 3, day), hour=23 if order is last else 0)
    result = found(cast.operator, date_from=dt.date(2026, 3, 2), date_to=dt.date(2026, 3, 4))
    assert result == [last.number, first.number]


def test_state_filter(cast, make_order):
    pending = make_order(State.PENDING_DISPATCH)
    register(cast)
    assert found(cast.operator, state=State.PENDING_DISPATCH) == [pending.number]


def test_appeal_type_filter(cast):
    consult = register(cast, appeal_type=f.appeal_type("consult"))
    register(cast, appeal_type=f.appeal_type("complaint"))
    assert found(cast.operator, appeal_type=f.appeal_type("consult")) == [consult.number]


def test_category_matches_every_level_below_it(cast):
    housing = register(cast, category=cast.property_service)
    noise = register(cast, category=cast.noise)
    top = cast.property_service.parent.parent
    assert found(cast.operator, category=top) == [housing.number]
    assert found(cast.operator, category=cast.property_service.parent) == [housing.number]
    assert found(cast.operator, category=cast.noise) == [noise.number]


def test_unit_filter_matches_lead_and_assisting_parts(cast):
    led = dispatched_to(cast, cast.housing)
    assisted = dispatched_to(cast, cast.urban, assisting=[cast.housing])
    dispatched_to(cast, cast.urban)
    assert found(cast.operator, unit=cast.housing) == [assisted.number, led.number]


def test_overdue_filter_finds_open_overdue_orders(cast, make_order):
    late = make_order(State.IN_PROGRESS)
    make_order(State.IN_PROGRESS)
    WorkOrder.objects.filter(pk=late.pk).update(is_overdue=True)
    assert found(cast.operator, overdue=True) == [late.number]
    assert found(cast.operator, deadline="overdue") == [late.number]
    assert late.number not in found(cast.operator, overdue=False)


def test_deadline_near_finds_yellow_orders(cast, make_order):
    near = make_order(State.IN_PROGRESS)
    make_order(State.IN_PROGRESS)
    now = timezone.now()
    WorkOrder.objects.filter(pk=near.pk).update(
        due_warn_at=now - dt.timedelta(hours=1), due_at=now + dt.timedelta(hours=1), is_overdue=False
    )
    assert found(cast.operator, deadline="near", now=now) == [near.number]


def test_mine_finds_the_orders_the_user_registered(cast):
    mine = register(cast)
    register(cast, actor=cast.supervisor)
    assert found(cast.operator, mine=True) == [mine.number]


# --- Pages --------------------------------------------------------------------------------------------


def test_pages_follow_each_other_newest_first(cast):
    orders = [register(cast, title=f"电梯故障{n}") for n in range(5)]
    first = selectors.order_search(user=cast.operator, page=1, page_size=2)
    last = selectors.order_search(user=cast.operator, page=3, page_size=2)
    assert [r.order.number for r in first.rows] == [orders[4].number, orders[3].number]
    assert first.has_next
    assert [r.order.number for r in last.rows] == [orders[0].number]
    assert not last.has_next


def test_word_search_pages_follow_each_other(cast):
    orders = [register(cast, title=f"电梯故障{n}") for n in range(3)]
    second = selectors.order_search(
        user=cast.operator, filters=selectors.SearchFilters(words="电梯"), page=2, page_size=2
    )
    assert [r.order.number for r in second.rows] == [orders[0].number]
    assert second.page == 2 and not second.has_next


def test_page_beyond_the_last_served_is_the_last_served(cast):
    register(cast)
    result = selectors.order_search(user=cast.operator, page=10_000)
    assert result.page == selectors.SEARCH_MAX_PAGE
    assert result.rows == [] and not result.has_next


# --- The count of results (共 N 条 / 超过 N 条) --------------------------------------------------------


@pytest.fixture
def count_limit(monkeypatch) -> int:
    monkeypatch.setattr("rexian.orders.selectors.search.SEARCH_COUNT_LIMIT", 4)
    return 4


def search_page(user, page: int = 1, **filters) -> selectors.SearchPage:
    return selectors.order_search(user=user, filters=selectors.SearchFilters(**filters), page=page, page_size=2)


def counts(queries) -> list[str]:
    return [q["sql"] for q in queries if "COUNT(" in q["sql"].upper()]


def test_the_count_is_exact_below_the_limit_on_every_page(cast, count_limit):
    for _ in range(3):
        register(cast)
    first, last = search_page(cast.operator), search_page(cast.operator, page=2)
    assert (first.total, first.total_exceeds, last.total, last.total_exceeds) == (3, False, 3, False)


def test_the_count_stops_at_the_limit_and_says_more(cast, count_limit):
    for _ in range(6):
        register(cast)
    page = search_page(cast.operator)
    assert (page.total, page.total_exceeds) == (4, True)


def test_a_page_past_the_limit_says_more_than_the_orders_up_to_it_and_the_last_page_is_exact(cast, count_limit):
    for _ in range(7):
        register(cast)
    third, fourth = search_page(cast.operator, page=3), search_page(cast.operator, page=4)
    assert (third.total, third.total_exceeds) == (6, True)
    assert (fourth.total, fourth.total_exceeds) == (7, False)


def test_nothing_found_counts_zero(cast, count_limit):
    register(cast)
    page = search_page(cast.operator, words="路灯")
    assert (page.rows, page.total, page.total_exceeds) == ([], 0, False)


def test_a_page_past_the_end_still_counts(cast, count_limit):
    for _ in range(3):
        register(cast)
    page = search_page(cast.operator, page=5)
    assert (page.rows, page.total, page.total_exceeds) == ([], 3, False)


def test_the_last_page_counts_without_another_query(cast, count_limit):
    for _ in range(3):
        register(cast)
    with CaptureQueriesContext(connection) as queries:
        search_page(cast.operator, page=2)
    assert counts(queries) == []


def test_a_page_before_the_last_counts_in_one_query_bounded_by_the_limit(cast, count_limit):
    for _ in range(6):
        register(cast)
    with CaptureQueriesContext(connection) as queries:
        search_page(cast.operator)
    [count] = counts(queries)
    assert f"LIMIT {count_limit + 1}" in count.upper()


@pytest.fixture
def lifts_and_lamps(cast):
    """Three lift orders from PHONE, a lift order from another phone, a street lamp from PHONE."""
    for _ in range(3):
        register(cast, title="电梯故障", caller_phone=PHONE)
    register(cast, title="电梯故障", caller_phone="13900001111")
    register(cast, title="路灯不亮", description="晚上很黑。", caller_phone=PHONE)


def test_the_count_keeps_every_filter(cast, count_limit, lifts_and_lamps):
    page = search_page(cast.operator, words="电梯", phone=PHONE)
    assert (page.total, page.total_exceeds, page.has_next) == (3, False, True)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="PostgreSQL's planner chooses; words are never tested one by one")
def test_words_tested_order_by_order_are_not_counted_ahead_of_the_page(cast, count_limit, lifts_and_lamps, monkeypatch):
    monkeypatch.setattr(search, "COMMON_TERMS", 1)  # common words: each of the phone's orders is tested
    lifts = {"words": "电梯", "phone": PHONE}
    first, last = search_page(cast.operator, **lifts), search_page(cast.operator, 2, **lifts)
    assert (first.total, first.total_exceeds) == (2, True)  # "more than 2": what the page has seen
    assert (last.total, last.total_exceeds) == (3, False)
    assert search_page(cast.operator, 9, **lifts).total is None  # past the end: not known


def test_voided_orders_can_be_left_out(cast):
    kept, voided = register(cast), register(cast)
    services.order_void(actor=cast.supervisor, order=voided, reason="测试工单。")
    assert found(cast.operator) == [voided.number, kept.number]
    assert found(cast.operator, exclude_voided=True) == [kept.number]


# --- Export ---------------------------------------------------------------------------------------


def test_export_rows_are_masked_even_for_the_operator(cast):
    register(cast, caller_phone=PHONE, caller_name="张三")
    row = next(selectors.order_search_export(user=cast.operator, filters=selectors.SearchFilters(), limit=10))
    assert row.caller.phone == "138****8000"
    assert "三" not in row.caller.name
    assert row.category_path == "城乡建设/物业管理/物业服务"


def test_export_stops_at_the_limit(cast):
    for _ in range(3):
        register(cast)
    assert len(list(selectors.order_search_export(user=cast.operator, filters=selectors.SearchFilters(), limit=2))) == 2


# --- Plans: a filter's rows drive the query when few, ride the newest-first walk when many ----------------


@pytest.fixture(params=["few", "many"])
def density(request, monkeypatch):
    """Run a test with the filters' matches counted as few (their index drives) and as many (the walk tests them)."""
    if request.param == "many":
        monkeypatch.setattr("rexian.orders.selectors.search.SEARCH_DENSE", 1)
    return request.param


def test_category_filter_gives_the_same_orders_either_way(cast, density):
    housing = register(cast, category=cast.property_service)
    register(cast, category=cast.noise)
    assert found(cast.operator, category=cast.property_service.parent.parent) == [housing.number]


def test_unit_filter_gives_the_same_orders_either_way(cast, density):
    led = dispatched_to(cast, cast.housing)
    assisted = dispatched_to(cast, cast.urban, assisting=[cast.housing])
    dispatched_to(cast, cast.urban)
    assert found(cast.operator, unit=cast.housing) == [assisted.number, led.number]
    assert found(cast.operator, unit=cast.housing, words="电梯") == [assisted.number, led.number]


def test_mine_gives_the_same_orders_either_way(cast, density):
    mine = register(cast)
    register(cast, actor=cast.supervisor)
    today = timezone.localdate()
    assert found(cast.operator, mine=True) == [mine.number]
    assert found(cast.operator, mine=True, date_from=today, date_to=today) == [mine.number]


def test_handler_sees_the_same_orders_either_way(cast, density):
    order = dispatched_to(cast, cast.housing, title="电梯故障")
    other = dispatched_to(cast, cast.urban, title="路灯不亮", description="晚上很黑。")
    register(cast)
    assert found(cast.housing_handler) == [order.number]
    assert found(cast.housing_handler, words="电梯") == [order.number]
    assert found(cast.urban_handler) == [other.number]
    assert found(cast.urban_handler, words="电梯") == []


@pytest.fixture(params=["rare", "common"])
def commonness(request, monkeypatch):
    """Run a test with the words counted as rare (the index is walked) and as common (each order is tested)."""
    if request.param == "common":
        monkeypatch.setattr(search, "COMMON_TERMS", 1)
    return request.param


def test_words_with_other_filters_give_the_same_orders_either_way(cast, commonness):
    old = register(cast, title="电梯故障", caller_phone=PHONE)
    new = register(cast, title="电梯故障", caller_phone="13900001111")
    register(cast, title="路灯不亮", description="晚上很黑。", caller_phone=PHONE)
    registered_on(old, dt.date(2026, 3, 2))
    assert found(cast.operator, words="电梯", phone=PHONE) == [old.number]
    assert found(cast.operator, words="电梯", date_from=dt.date(2026, 3, 1), date_to=dt.date(2026, 3, 3)) == [old.number]
    assert found(cast.operator, words="电梯", appeal_type=f.appeal_type("complaint")) == [new.number, old.number]


def test_unit_staff_words_give_the_same_orders_either_way(cast, commonness):
    order = dispatched_to(cast, cast.housing, title="电梯故障")
    register(cast, title="电梯故障")
    assert found(cast.housing_handler, words="电梯") == [order.number]
    assert found(cast.urban_handler, words="电梯") == []

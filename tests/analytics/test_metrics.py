"""Every metric with expected values computed by hand from small stories (docs/metrics.md has the rules).

Dates used (Asia/Shanghai): Monday 3 November 2025 starts an ordinary week. A
dispatch on Tue 4 Nov 10:00 must be signed by Wed 5 Nov 10:00 (1 working day)
and a complaint answered by Tue 18 Nov 10:00 (10 working days); a reply
accepted on Tue 4 Nov 11:00 must be called back by Thu 6 Nov 11:00 (2 working
days). National Day 2025: 1-8 October off. New Year 2026: 1-3 January off,
Sunday 4 January a make-up working day.
"""

from __future__ import annotations

import datetime as dt

import pytest

from rexian.analytics.metrics import (
    METRIC_NAMES,
    UnknownSlice,
    metrics_by,
    period_metrics,
    unit_ranking,
    volume_by_day,
    volume_by_hour,
    volume_by_hour_of_day,
)
from rexian.analytics.rollups import rollup_rebuild
from rexian.catalog.models import Line
from tests import factories as f
from tests.analytics.conftest import SHANGHAI, at, metrics

D = dt.date
NOV_3, NOV_9, NOV_30 = D(2025, 11, 3), D(2025, 11, 9), D(2025, 11, 30)
LATER = at(2026, 2, 1)  # long after every story: all deadlines have passed


# --- Volume, daily average, 同比/环比 ------------------------------------------------------------------


def test_volume_counts_the_period_s_registrations_except_voided_ones(story):
    first = story.register(at(2025, 11, 3))
    story.register(at(2025, 11, 4))
    story.void(story.register(at(2025, 11, 5)), at(2025, 11, 5, 11))
    story.merge(story.register(at(2025, 11, 6)), first, at(2025, 11, 6, 11))
    story.register(at(2025, 11, 10, 9))  # the next week

    m = metrics(NOV_3, NOV_9, now=LATER)

    assert (m.volume, m.voided, m.merged, m.orders) == (3, 1, 1, 2)
    assert m.daily_average == 3 / 7


def test_a_period_is_made_of_local_days(story):
    story.register(at(2025, 11, 2, 23, 59))  # 15:59 UTC on the 2nd: before the period
    story.register(at(2025, 11, 3, 0, 0))  # 16:00 UTC on the 2nd, but the 3rd in Shanghai
    story.register(at(2025, 11, 9, 23, 59))
    story.register(at(2025, 11, 10, 0, 0))

    assert metrics(NOV_3, NOV_9, now=LATER).volume == 2


def test_daily_average_counts_only_the_days_already_begun(story):
    for day in (3, 4, 5):
        story.register(at(2025, 11, day))

    m = metrics(NOV_3, NOV_9, now=at(2025, 11, 5, 12))

    assert m.days == 3 and m.daily_average == 1.0


def test_change_against_the_previous_period_and_the_same_period_last_year(story):
    for moment in (at(2026, 3, 1, 0, 0), at(2026, 3, 5), at(2026, 3, 10, 23, 59)):
        story.register(moment)
    for moment in (at(2026, 2, 18, 23, 59), at(2026, 2, 19, 0, 5), at(2026, 2, 28, 23)):
        story.register(moment)  # 18 February is outside the previous ten days
    for day in (1, 2, 9, 10):
        story.register(at(2025, 3, day))

    m = metrics(D(2026, 3, 1), D(2026, 3, 10), now=LATER)

    assert (m.volume, m.volume_previous, m.volume_last_year) == (3, 2, 4)
    assert m.volume_mom == 0.5 and m.volume_yoy == -0.25


def test_a_period_that_ends_today_is_compared_up_to_the_same_hour(story, cast):
    # Today, Tuesday 10 March 2026 at 10:20: yesterday counts until 11:00, and a year ago the same.
    for moment in (at(2026, 3, 10, 8), at(2026, 3, 10, 10, 5)):
        story.register(moment)
    for moment in (at(2026, 3, 9, 0, 0), at(2026, 3, 9, 10, 59), at(2026, 3, 9, 11, 0), at(2026, 3, 9, 18)):
        story.register(moment)
    for moment in (at(2025, 3, 10, 9), at(2025, 3, 10, 15)):
        story.register(moment)
    now = at(2026, 3, 10, 10, 20)

    today = metrics(D(2026, 3, 10), D(2026, 3, 10), now=now)
    assert (today.volume, today.volume_previous, today.volume_last_year) == (2, 2, 1)
    assert today.volume_mom == 0.0 and today.volume_yoy == 1.0
    # Two days so far: the two days before count the first whole and the second until 11:00.
    story.register(at(2026, 3, 7, 23))
    story.register(at(2026, 3, 8, 9))
    story.register(at(2026, 3, 8, 12))
    two_days = metrics(D(2026, 3, 9), D(2026, 3, 10), now=now)
    assert (two_days.volume, two_days.volume_previous) == (6, 2)
    # By category, the same bases (every order here is of one category).
    rows = metrics_by("category", start=D(2026, 3, 10), end=D(2026, 3, 10), level=1, now=now)
    assert [(row.volume, row.volume_previous, row.volume_last_year) for row in rows] == [(2, 2, 1)]
    # Tomorrow the same day is a past period: compared with the whole of the day before.
    later = metrics(D(2026, 3, 10), D(2026, 3, 10), now=at(2026, 3, 11, 9))
    assert (later.volume_previous, later.volume_last_year) == (4, 2)


def test_a_period_across_the_year_end(story, cast):
    story.register(at(2024, 12, 30))  # the same period a year earlier
    story.register(at(2025, 1, 3))
    story.register(at(2025, 12, 24))  # the previous seven days
    story.register(at(2025, 12, 31, 23, 30))
    story.register(at(2026, 1, 1, 0, 30))
    late = story.register(at(2026, 1, 2))
    # Dispatched on New Year's Eve: one working day runs to Sunday 4 January (a make-up working day).
    signed = story.dispatch(story.register(at(2025, 12, 31, 9)), at(2025, 12, 31, 10))
    assert signed.sign_deadline == at(2026, 1, 4, 10)
    story.sign(signed, at(2026, 1, 4, 9))
    # Dispatched on a holiday: the clock starts on the next working day and runs to its end.
    late = story.dispatch(late, at(2026, 1, 2, 10))
    assert late.sign_deadline == dt.datetime(2026, 1, 4, 23, 59, 59, tzinfo=SHANGHAI)

    m = metrics(D(2025, 12, 29), D(2026, 1, 4), now=LATER)

    assert (m.volume, m.volume_previous, m.volume_last_year) == (4, 1, 2)
    assert (m.sign_due, m.sign_in_time) == (2, 1)
    months = metrics_by("month", start=D(2025, 12, 29), end=D(2026, 1, 4), now=LATER)
    assert [(row.key, row.start, row.end, row.volume) for row in months] == [
        ("2025-12", D(2025, 12, 29), D(2025, 12, 31), 2),
        ("2026-01", D(2026, 1, 1), D(2026, 1, 4), 2),
    ]


# --- 直接办结率, 办结率 --------------------------------------------------------------------------------


def test_direct_answer_and_completion_rates_are_shares_of_the_live_orders(story):
    story.answer(story.consultation(at(2025, 11, 3, 9)), at(2025, 11, 3, 9, 5))  # closed on the call
    story.answer(story.consultation(at(2025, 11, 3, 9)), at(2025, 11, 3, 9, 5), sample=True)  # awaits callback
    closed = story.handled(story.register(at(2025, 11, 3, 9)), at(2025, 11, 3, 10))
    story.callback(closed, at(2025, 11, 5))
    open_order = story.dispatch(story.register(at(2025, 11, 3, 9)), at(2025, 11, 3, 10))
    story.void(story.register(at(2025, 11, 3, 11)), at(2025, 11, 3, 12))
    story.merge(story.register(at(2025, 11, 3, 11)), open_order, at(2025, 11, 3, 12))

    m = metrics(NOV_3, NOV_3, now=LATER)

    assert (m.volume, m.orders, m.answered_on_spot, m.closed) == (5, 4, 2, 2)
    assert m.direct_answer_rate == 0.5 and m.completion_rate == 0.5


# --- 及时签收率 ----------------------------------------------------------------------------------------


@pytest.fixture
def signing(story, cast):
    """Four dispatches due on 5 November (one to two units) and one due on 6 November 10:00."""
    both = story.dispatch(story.register(at(2025, 11, 4, 9)), at(2025, 11, 4, 10), assisting=[cast.urban])
    story.sign(both, at(2025, 11, 4, 12))
    story.sign(both, at(2025, 11, 5, 9), handler=cast.urban_handler)
    late = story.dispatch(story.register(at(2025, 11, 4, 9)), at(2025, 11, 4, 10))
    story.sign(late, at(2025, 11, 5, 11))
    story.dispatch(story.register(at(2025, 11, 4, 9)), at(2025, 11, 4, 10))  # never signed
    story.dispatch(story.register(at(2025, 11, 5, 9)), at(2025, 11, 5, 10))  # due 6 Nov 10:00, not signed
    rollup_rebuild()


def test_timely_sign_rate_counts_each_dispatch_whose_deadline_has_passed(signing):
    m = period_metrics(start=D(2025, 11, 5), end=D(2025, 11, 6), now=at(2025, 11, 6, 9))

    assert (m.sign_due, m.sign_in_time) == (4, 2)
    assert m.timely_sign_rate == 0.5


def test_an_unsigned_dispatch_counts_as_late_once_its_deadline_passes(signing):
    m = period_metrics(start=D(2025, 11, 5), end=D(2025, 11, 6), now=at(2025, 11, 6, 10, 1))

    assert (m.sign_due, m.sign_in_time) == (5, 2)
    assert m.timely_sign_rate == 0.4


def test_timely_sign_rate_of_a_unit_counts_its_own_dispatches(signing, cast):
    now = at(2025, 11, 6, 9)
    housing = period_metrics(start=D(2025, 11, 5), end=D(2025, 11, 6), unit=cast.housing, now=now)
    urban = period_metrics(start=D(2025, 11, 5), end=D(2025, 11, 6), unit="C-CGJ", now=now)

    assert (housing.sign_due, housing.sign_in_time) == (3, 1)
    assert (urban.sign_due, urban.sign_in_time) == (1, 1)


def test_a_sign_deadline_over_a_holiday_falls_after_it(story):
    # Dispatched Tue 30 Sep 15:00: one working day runs to Thu 9 Oct 15:00 (1-8 October are off).
    on_time = story.dispatch(story.register(at(2025, 9, 30, 14)), at(2025, 9, 30, 15))
    assert on_time.sign_deadline == at(2025, 10, 9, 15)
    story.sign(on_time, at(2025, 10, 8, 9))
    story.sign(story.dispatch(story.register(at(2025, 9, 30, 14)), at(2025, 9, 30, 15)), at(2025, 10, 9, 16))

    holiday = metrics(D(2025, 10, 1), D(2025, 10, 8), now=LATER)
    after = metrics(D(2025, 10, 9), D(2025, 10, 9), now=LATER)

    assert holiday.sign_due == 0 and holiday.timely_sign_rate is None
    assert (after.sign_due, after.sign_in_time) == (2, 1)


# --- 退单率 --------------------------------------------------------------------------------------------


def test_returns_count_against_the_unit_that_gave_the_order_back(story, cast):
    unsigned = story.dispatch(story.register(at(2025, 11, 3, 9)), at(2025, 11, 3, 10))
    unsigned = story.give_back(unsigned, at(2025, 11, 3, 15))
    unsigned = story.dispatch(unsigned, at(2025, 11, 3, 16), lead=cast.urban, send=False)
    story.sign(unsigned, at(2025, 11, 4, 9), handler=cast.urban_handler)  # due Tue 4 Nov 16:00
    signed = story.dispatch(story.register(at(2025, 11, 3, 9)), at(2025, 11, 3, 10))
    signed = story.sign(signed, at(2025, 11, 3, 11))
    signed = story.give_back(signed, at(2025, 11, 4, 9))
    signed = story.dispatch(signed, at(2025, 11, 4, 10), lead=cast.urban, send=False)
    story.sign(signed, at(2025, 11, 5, 11), handler=cast.urban_handler)  # due Wed 5 Nov 10:00: late
    rejected = story.dispatch(story.register(at(2025, 11, 3, 9)), at(2025, 11, 3, 10))
    story.give_back(rejected, at(2025, 11, 3, 12), approve=False)

    m = metrics(NOV_3, NOV_9, now=LATER)
    housing = period_metrics(start=NOV_3, end=NOV_9, unit=cast.housing, now=LATER)
    urban = period_metrics(start=NOV_3, end=NOV_9, unit=cast.urban, now=LATER)

    # The first order's housing dispatch left unsigned: it is not counted for signing.
    assert (m.sign_due, m.sign_in_time) == (4, 2)  # urban ✓, housing ✓, urban ✗, housing (rejected return) ✗
    assert (m.dispatched, m.returned, m.return_rate) == (5, 2, 0.4)
    assert (housing.dispatched, housing.returned, housing.return_rate) == (3, 2, 2 / 3)
    assert (urban.dispatched, urban.returned, urban.return_rate) == (2, 0, 0.0)


# --- 及时处办率 (按时办结率) and 超期率 -------------------------------------------------------------------


@pytest.fixture
def replies(story):
    """Complaints dispatched Tue 4 Nov 10:00 and signed at 11:00: reply due Tue 18 Nov 10:00."""

    def handling():
        order = story.dispatch(story.register(at(2025, 11, 4, 9)), at(2025, 11, 4, 10))
        return story.sign(order, at(2025, 11, 4, 11))

    extended = story.extend(handling(), at(2025, 11, 10), to=at(2025, 11, 25))
    assert extended.reply_deadline == at(2025, 11, 25)
    story.reply(extended, at(2025, 11, 20))  # in time: the deadline moved to the 25th
    story.reply(handling(), at(2025, 11, 17))  # in time
    story.reply(handling(), at(2025, 11, 20))  # late
    handling()  # never replied: late once the 18th 10:00 has passed
    refused = story.extend(handling(), at(2025, 11, 10), to=at(2025, 11, 25), approve=False)
    story.reply(refused, at(2025, 11, 19))  # late: the deadline stayed
    sent_back = story.reply(handling(), at(2025, 11, 10))
    sent_back = story.reject_reply(sent_back, at(2025, 11, 11))
    story.reply(sent_back, at(2025, 11, 19))  # the reply that counts is the last one: late
    rollup_rebuild()


def test_timely_reply_rate_counts_unreplied_overdue_orders_as_late(replies):
    m = period_metrics(start=D(2025, 11, 18), end=D(2025, 11, 18), now=LATER)

    assert (m.reply_due, m.reply_in_time, m.reply_overdue) == (5, 1, 4)
    assert m.timely_reply_rate == 0.2 and m.overdue_rate == 0.8


def test_an_approved_extension_moves_the_reply_into_the_period_of_its_new_deadline(replies):
    m = period_metrics(start=D(2025, 11, 25), end=D(2025, 11, 25), now=LATER)

    assert (m.reply_due, m.reply_in_time) == (1, 1)
    assert m.timely_reply_rate == 1.0 and m.overdue_rate == 0.0


def test_a_reply_deadline_still_ahead_is_not_counted(story):
    order = story.dispatch(story.register(at(2025, 11, 4, 9)), at(2025, 11, 4, 10))
    story.sign(order, at(2025, 11, 4, 11))

    m = metrics(D(2025, 11, 18), D(2025, 11, 18), now=at(2025, 11, 18, 9))

    assert m.reply_due == 0 and m.timely_reply_rate is None


# --- 回访率, 回访满意率, 响应率, 解决率 and the weighted score -----------------------------------------------


@pytest.fixture
def callbacks(story):
    """Replies accepted Tue 4 Nov 11:00 (callback due Thu 6 Nov 11:00), and one accepted Thu 6 Nov 11:00."""

    def waiting(day=3):
        return story.handled(story.register(at(2025, 11, day, 9)), at(2025, 11, day, 10))

    story.callback(waiting(), at(2025, 11, 5, 10), "satisfied", solved=True, responded=True)
    story.callback(waiting(), at(2025, 11, 5, 10), "basic", solved=False, responded=True)
    story.callback(waiting(), at(2025, 11, 5, 10), "dissatisfied", solved=False, responded=False)
    unreachable = waiting()
    for hour in (9, 10, 11):
        unreachable = story.callback_fails(unreachable, at(2025, 11, 5, hour))
    assert unreachable.state == "closed" and unreachable.close_reason == "unreachable"
    second_try = story.callback_fails(waiting(), at(2025, 11, 5, 9))
    story.callback(second_try, at(2025, 11, 5, 15), "satisfied", solved=True, responded=None)
    waiting()  # never called back: its deadline (6 Nov 11:00) has passed
    recent = waiting(day=5)  # accepted 6 Nov 11:00: due Mon 10 Nov 11:00
    assert recent.callback_deadline == at(2025, 11, 10, 11)
    rollup_rebuild()


def test_callback_rate_counts_reached_callbacks_over_callbacks_owed(callbacks):
    m = period_metrics(start=NOV_3, end=D(2025, 11, 10), now=at(2025, 11, 10, 9))

    assert (m.callback_due, m.callback_reached) == (6, 4)
    assert m.callback_rate == 4 / 6


def test_satisfaction_rate_counts_basically_satisfied_by_default(callbacks):
    m = period_metrics(start=NOV_3, end=D(2025, 11, 10), now=at(2025, 11, 10, 9))

    assert (m.satisfied, m.basically_satisfied, m.dissatisfied) == (2, 1, 1)
    assert m.satisfaction_rate == 0.75


def test_satisfaction_rate_without_basically_satisfied(callbacks, settings):
    settings.METRICS_BASIC_COUNTS_AS_SATISFIED = False

    assert period_metrics(start=NOV_3, end=D(2025, 11, 10), now=at(2025, 11, 10, 9)).satisfaction_rate == 0.5


def test_response_and_solution_rates_count_the_callbacks_that_asked(callbacks):
    m = period_metrics(start=NOV_3, end=D(2025, 11, 10), now=at(2025, 11, 10, 9))

    assert (m.responded_asked, m.responded, m.response_rate) == (3, 2, 2 / 3)
    assert (m.solved_asked, m.solved, m.solution_rate) == (4, 2, 0.5)


def test_weighted_score_weighs_the_three_rates(callbacks, settings):
    m = period_metrics(start=NOV_3, end=D(2025, 11, 10), now=at(2025, 11, 10, 9))
    assert m.weighted_score == pytest.approx(0.1 * 2 / 3 + 0.45 * 0.5 + 0.45 * 0.75)

    settings.METRICS_WEIGHT_RESPONSE, settings.METRICS_WEIGHT_SOLUTION, settings.METRICS_WEIGHT_SATISFACTION = 1, 1, 2
    assert m.weighted_score == pytest.approx((2 / 3 + 0.5 + 2 * 0.75) / 4)


def test_a_callback_still_owed_counts_once_its_deadline_passes(callbacks):
    m = period_metrics(start=NOV_3, end=D(2025, 11, 10), now=at(2025, 11, 10, 12))

    assert (m.callback_due, m.callback_reached) == (7, 4)


# --- 重办率 and reopened orders --------------------------------------------------------------------------


def test_a_reopened_order_counts_once_for_reopening_and_twice_for_callbacks(story):
    reopened = story.handled(story.register(at(2025, 11, 3, 9)), at(2025, 11, 3, 10))
    reopened = story.callback(reopened, at(2025, 11, 5, 10), "dissatisfied", solved=False, responded=True)
    reopened = story.rehandle(reopened, at(2025, 11, 5, 14))
    assert reopened.reply_deadline == at(2025, 11, 19, 14)  # ten working days from the re-handling
    story.reply(reopened, at(2025, 11, 7, 10))
    story.accept(reopened, at(2025, 11, 7, 11))
    story.callback(reopened, at(2025, 11, 10, 10), "satisfied")
    story.callback(story.handled(story.register(at(2025, 11, 3, 9)), at(2025, 11, 3, 10)), at(2025, 11, 5, 10))

    m = metrics(NOV_3, NOV_30, now=LATER)

    assert (m.dispatched, m.handled, m.reopened, m.reopen_rate) == (2, 2, 1, 0.5)
    assert (m.callback_due, m.callback_reached, m.dissatisfied) == (3, 3, 1)
    assert m.satisfaction_rate == 2 / 3
    # The reopened order's reply counts once, against its latest deadline (19 Nov 14:00).
    assert (m.reply_due, m.reply_in_time) == (2, 2)
    assert (m.closed, m.completion_rate) == (2, 1.0)


# --- Voided and merged orders ------------------------------------------------------------------------


def test_a_voided_order_counts_only_as_voided(story):
    order = story.sign(story.dispatch(story.register(at(2025, 11, 4, 9)), at(2025, 11, 4, 10)), at(2025, 11, 4, 11))
    story.void(order, at(2025, 11, 4, 12))

    m = metrics(NOV_3, NOV_30, now=LATER)

    assert (m.volume, m.voided, m.sign_due, m.reply_due, m.dispatched) == (0, 1, 0, 0, 0)


def test_a_merged_order_keeps_what_was_done_before_the_merge(story):
    master = story.register(at(2025, 11, 4, 8))
    order = story.dispatch(story.register(at(2025, 11, 4, 9)), at(2025, 11, 4, 10))
    order = story.sign(order, at(2025, 11, 5, 11))  # late
    story.merge(order, master, at(2025, 11, 6))

    m = metrics(NOV_3, NOV_30, now=LATER)

    assert (m.volume, m.merged, m.orders) == (2, 1, 1)
    assert (m.sign_due, m.sign_in_time, m.dispatched) == (1, 0, 1)
    assert m.reply_due == 0  # it stopped being handled before its reply


# --- 重复来电率 ------------------------------------------------------------------------------------------


def test_repeat_calls_are_orders_from_a_phone_heard_within_the_window(story):
    def call(moment, phone):
        story.register(moment, caller_phone=phone)

    call(at(2025, 11, 1), "13900000001")
    call(at(2025, 11, 20), "13900000001")  # 19 days after: a repeat
    call(at(2025, 12, 25), "13900000001")  # 35 days after the last one: not a repeat
    call(at(2025, 11, 2), "13900000002")
    call(at(2025, 11, 3), "13900000004")
    call(at(2025, 12, 3), "13900000004")  # exactly 30 days: a repeat
    call(at(2025, 11, 3), "13900000005")
    call(at(2025, 12, 3, 10, 1), "13900000005")  # 30 days and a minute: not a repeat
    call(at(2025, 11, 4), "")
    call(at(2025, 11, 4), "")  # no phone: never a repeat

    m = metrics(D(2025, 11, 1), D(2025, 12, 31), now=LATER)

    assert (m.volume, m.repeat_calls) == (10, 2)
    assert m.repeat_call_rate == 0.2


# --- Slices --------------------------------------------------------------------------------------------


@pytest.fixture
def sliced(story, cast):
    line = Line.objects.get(number="12345")
    story.handled(story.register(at(2025, 11, 3, 9), line=line), at(2025, 11, 3, 10))
    noise = story.register(at(2025, 11, 3, 9), category=cast.noise, area=cast.town, channel=f.channel("web"))
    story.handled(noise, at(2025, 11, 3, 10), lead=cast.urban)
    story.answer(story.consultation(at(2025, 11, 3, 9)), at(2025, 11, 3, 9, 5))
    rollup_rebuild()


@pytest.mark.parametrize(
    ("slices", "volume"),
    [
        ({}, 3),
        ({"category": "01"}, 2),  # 城乡建设: its leaf 物业服务 below it
        ({"category": "0101"}, 2),
        ({"category": "020101"}, 1),
        ({"area": "C-CD"}, 3),  # the town: its community's orders and its own
        ({"area": "C-CD-01"}, 2),
        ({"unit": "C-ZJJ"}, 1),
        ({"appeal_type": "consult"}, 1),
        ({"channel": "web"}, 1),
        ({"line": "12345"}, 1),
        ({"operator": "operator"}, 3),
        ({"unit": "C-ZJJ", "appeal_type": "complaint"}, 1),  # the unit × type rollup
        ({"unit": "C-ZJJ", "category": "01"}, 1),  # no rollup: summed from the facts
        ({"area": "C-CD", "appeal_type": "complaint", "channel": "phone"}, 1),
    ],
)
def test_volume_of_a_slice(sliced, slices, volume):
    assert period_metrics(start=NOV_3, end=NOV_3, now=LATER, **slices).volume == volume


def test_metrics_by_area_of_one_kind(sliced, cast):
    towns = metrics_by("area", start=NOV_3, end=NOV_3, level="town", now=LATER)
    communities = metrics_by("area", start=NOV_3, end=NOV_3, level="community", now=LATER)

    assert [(row.key, row.volume) for row in towns] == [(cast.town.pk, 3)]
    assert [(row.key, row.volume) for row in communities] == [(cast.community.pk, 2)]


def test_the_facts_and_the_rollups_give_the_same_metrics(sliced, cast):
    from_rollup = period_metrics(start=NOV_3, end=NOV_30, unit=cast.housing, appeal_type="complaint", now=LATER)
    from_facts = period_metrics(start=NOV_3, end=NOV_30, unit=cast.housing, appeal_type="complaint",
                                operator=cast.operator, now=LATER)

    assert from_facts.as_dict() == from_rollup.as_dict()
    assert from_rollup.dispatched == 1 and from_rollup.sign_due == 1


def test_an_unknown_slice_is_refused(db):
    with pytest.raises(UnknownSlice):
        period_metrics(start=NOV_3, end=NOV_3, unit="NO-SUCH-UNIT")


def test_a_period_that_ends_before_it_starts_is_refused(db):
    with pytest.raises(ValueError):
        period_metrics(start=NOV_9, end=NOV_3)


# --- Grouped metrics, the unit ranking, volume by day and hour -----------------------------------------


@pytest.fixture
def ranked(story, cast):
    for _ in range(2):
        order = story.handled(story.register(at(2025, 11, 3, 9)), at(2025, 11, 3, 10))
        story.callback(order, at(2025, 11, 5), "satisfied", solved=True, responded=True)
    noise = story.handled(story.register(at(2025, 11, 3, 9), category=cast.noise), at(2025, 11, 3, 10),
                          lead=cast.urban)
    story.callback(noise, at(2025, 11, 5), "basic", solved=False, responded=True)
    story.answer(story.consultation(at(2025, 11, 3, 9)), at(2025, 11, 3, 9, 5))
    rollup_rebuild()


def test_unit_ranking_puts_the_best_weighted_score_first(ranked, cast):
    rows = unit_ranking(start=NOV_3, end=NOV_30, now=LATER)

    assert [(row.label, row.volume) for row in rows] == [("住建局", 2), ("城管局", 1)]
    assert rows[0].weighted_score == pytest.approx(1.0)
    assert rows[1].weighted_score == pytest.approx(0.1 * 1 + 0.45 * 0 + 0.45 * 1)


def test_metrics_by_unit_leaves_out_orders_without_a_unit_unless_asked(ranked, cast):
    assert [row.key for row in metrics_by("unit", start=NOV_3, end=NOV_30, now=LATER)] == sorted(
        [cast.housing.pk, cast.urban.pk]
    )
    with_none = metrics_by("unit", start=NOV_3, end=NOV_30, include_none=True, now=LATER)
    assert (with_none[0].key, with_none[0].label, with_none[0].volume) == (0, "（无）", 1)


def test_metrics_by_category_level(ranked):
    rows = metrics_by("category", start=NOV_3, end=NOV_30, level=1, now=LATER)

    assert [(row.label, row.volume) for row in rows] == [("城乡建设", 3), ("生态环境", 1)]


def test_metrics_by_type_within_a_unit(ranked, cast):
    rows = metrics_by("type", start=NOV_3, end=NOV_30, unit=cast.housing, now=LATER)

    assert [(row.label, row.volume, row.callback_reached) for row in rows] == [("投诉", 2, 2)]


def test_metrics_by_day_lists_every_day(ranked):
    rows = metrics_by("day", start=NOV_3, end=D(2025, 11, 5), now=LATER)

    assert [(row.key, row.volume, row.callback_reached) for row in rows] == [
        (NOV_3, 4, 0), (D(2025, 11, 4), 0, 0), (D(2025, 11, 5), 0, 3),
    ]


def test_volume_by_day_and_hour(story, cast):
    for moment in (at(2025, 11, 3, 9, 15), at(2025, 11, 3, 9, 45), at(2025, 11, 3, 14), at(2025, 11, 4, 9, 30)):
        story.register(moment)
    rollup_rebuild()

    assert volume_by_day(start=NOV_3, end=D(2025, 11, 5)) == [(NOV_3, 3), (D(2025, 11, 4), 1), (D(2025, 11, 5), 0)]
    profile = volume_by_hour_of_day(start=NOV_3, end=D(2025, 11, 4))
    assert (profile[9], profile[14], sum(profile)) == (3, 1, 4)
    hours = volume_by_hour(start=NOV_3, end=NOV_3)
    assert len(hours) == 24 and hours[9] == (at(2025, 11, 3, 9, 0), 2) and hours[14] == (at(2025, 11, 3, 14), 1)
    # A slice without an hourly rollup is counted from the facts.
    assert volume_by_hour_of_day(start=NOV_3, end=D(2025, 11, 4), area=cast.town)[9] == 3


# --- The call-centre seam ----------------------------------------------------------------------------


@pytest.fixture
def calls(db):
    from tests.telephony.conftest import T0, abandoned_call, answered_call, apply

    apply([
        *answered_call("m1", T0, wait=10),
        *answered_call("m2", T0 + dt.timedelta(minutes=5), wait=20),
        *abandoned_call("m3", T0 + dt.timedelta(minutes=10), wait=30),
        *abandoned_call("m4", T0 + dt.timedelta(minutes=15), wait=3),  # a short abandon: not offered
        *answered_call("m5", T0 + dt.timedelta(minutes=20), wait=5, line="12333"),
    ])
    return T0.date()


def test_connection_rates_come_from_the_calls_of_the_period(calls):
    m = period_metrics(start=calls, end=calls)

    assert (m.calls_offered, m.calls_answered, m.calls_answered_in_target) == (4, 3, 2)
    assert m.connection_rate == 0.75 and m.answered_in_15s_rate == 0.5


def test_connection_rates_of_one_line(calls):
    m = period_metrics(start=calls, end=calls, line="12345")

    assert (m.calls_offered, m.connection_rate, m.answered_in_15s_rate) == (3, 2 / 3, 1 / 3)


def test_connection_rates_do_not_apply_to_a_unit(calls, cast):
    m = period_metrics(start=calls, end=calls, unit=cast.housing)

    assert m.calls_offered is None and m.connection_rate is None


def test_connection_rates_by_day(calls):
    (row,) = metrics_by("day", start=calls, end=calls)

    assert (row.calls_offered, row.connection_rate) == (4, 0.75)


# --- Names ---------------------------------------------------------------------------------------------


def test_as_dict_gives_every_metric_by_name(db):
    values = period_metrics(start=NOV_3, end=NOV_3).as_dict()

    assert list(values) == list(METRIC_NAMES)
    assert values["volume"] == 0 and values["timely_sign_rate"] is None

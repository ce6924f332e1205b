"""The call figures on a small day of calls, computed by hand (see the `small_day` fixture)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rexian.catalog.models import Line
from rexian.telephony.figures import call_figures
from tests import factories as f
from tests.telephony.conftest import answered_call, apply, at, day_bounds, ev

pytestmark = pytest.mark.django_db


def test_totals_of_the_day(small_day):
    total = call_figures(*day_bounds())
    # Offered: c1 c2 c3 c5 c6 c7 c9 (c4 and c10 abandoned within 5 s, c8 still ringing).
    assert (total.offered, total.answered, total.answered_in_target) == (7, 4, 3)
    assert (total.abandoned, total.unanswered, total.short_abandoned) == (2, 1, 2)
    assert total.connection_rate == pytest.approx(4 / 7)
    assert total.answered_in_target_rate == pytest.approx(3 / 7)
    assert total.abandonment_rate == pytest.approx(2 / 7)
    assert total.average_wait_seconds == pytest.approx((10 + 15 + 16 + 3) / 4)
    assert total.average_handling_seconds == pytest.approx((100 + 200 + 300 + 60 + 20) / 4)
    # Talk 660 s over 3 h of ready time (1001 08:00-10:00, 1002 09:00-10:00).
    assert total.occupancy == pytest.approx(660 / 10800)


def test_exactly_five_seconds_is_a_short_abandon_and_exactly_fifteen_is_within_target(small_day):
    total = call_figures(*day_bounds())
    assert total.short_abandoned == 2  # c4 at 5.0 s and c10 at 2 s; c5 at 5.5 s counts
    assert total.answered_in_target == 3  # c2 at 15.0 s counts, c3 at 16 s does not


def test_the_short_abandon_threshold_is_a_setting(small_day, settings):
    settings.CALL_SHORT_ABANDON_SECONDS = 0
    total = call_figures(*day_bounds())
    assert (total.offered, total.abandoned, total.short_abandoned) == (9, 4, 0)
    settings.CALL_SHORT_ABANDON_SECONDS = 6
    assert call_figures(*day_bounds()).offered == 6  # c5 (5.5 s) is now short too


def test_per_line(small_day, lines):
    rows = {row.key: row for row in call_figures(*day_bounds(), by="line")}
    main, labour = rows[lines["12345"].pk], rows[lines["12333"].pk]
    assert (main.offered, main.answered, main.answered_in_target, main.abandoned) == (6, 3, 2, 2)
    assert (labour.offered, labour.answered, labour.short_abandoned) == (1, 1, 1)
    assert main.label == "12345 12345政务服务便民热线"
    assert main.occupancy is None  # operators answer every line


def test_one_line_only(small_day, lines):
    by_number = call_figures(*day_bounds(), line="12333")
    by_code = call_figures(*day_bounds(), line=lines["12333"])
    assert by_number == by_code and (by_number.offered, by_number.answered) == (1, 1)
    with pytest.raises(Line.DoesNotExist):
        call_figures(*day_bounds(), line="99999")


def test_per_operator(small_day):
    f.UserFactory(username="op1", agent_number="1001", display_name="王芳")
    rows = {row.key: row for row in call_figures(*day_bounds(), by="agent")}
    assert set(rows) == {"1001", "1002"}
    assert (rows["1001"].answered, rows["1001"].answered_in_target, rows["1001"].talk_seconds_total) == (2, 2, 300)
    assert rows["1001"].occupancy == pytest.approx(300 / 7200)
    assert rows["1002"].occupancy == pytest.approx(360 / 3600)
    assert rows["1001"].label == "1001 王芳"
    assert rows["1002"].average_handling_seconds == pytest.approx(180)


def test_per_hour_and_day(small_day):
    hours = call_figures(*day_bounds(), by="hour")
    assert [(row.label, row.offered) for row in hours] == [("2026-03-18 08:00", 0), ("2026-03-18 09:00", 7)]
    assert hours[0].occupancy == 0  # logged in, no call
    assert hours[1].occupancy == pytest.approx(660 / 7200)
    profile = call_figures(*day_bounds(), by="hour_of_day")
    assert [(row.key, row.offered) for row in profile] == [(8, 0), (9, 7)]
    days = call_figures(*day_bounds(), by="day")
    assert [(row.key, row.offered, row.answered) for row in days] == [(dt.date(2026, 3, 18), 7, 4)]


def test_figures_are_grouped_in_the_database_not_in_python(small_day):
    with CaptureQueriesContext(connection) as queries:
        call_figures(*day_bounds(), by="day")
    assert len(queries) <= 3  # calls by day, ready time by day, open states
    assert "GROUP BY" in queries[0]["sql"]


def test_an_open_ready_state_counts_until_now(lines):
    apply([ev("agent_login", at(0), agent="1001"), *answered_call("c1", at(minutes=10), wait=5, talk=360)])
    total = call_figures(at(0), at(hours=2), now=at(hours=1))
    assert total.ready_seconds_total == 3600
    assert total.occupancy == pytest.approx(360 / 3600)


def test_no_calls_no_rates(db):
    total = call_figures(at(0), at(hours=1))
    assert total.offered == 0 and total.connection_rate is None and total.occupancy is None


def test_per_half_hour_for_staffing(small_day):
    slots = call_figures(*day_bounds(), by="half_hour")
    assert [(row.label, row.offered, row.ready_seconds_total) for row in slots] == [
        ("2026-03-18 08:00", 0, 1800), ("2026-03-18 08:30", 0, 1800),
        ("2026-03-18 09:00", 6, 3600), ("2026-03-18 09:30", 1, 3600),  # c9 came in at 09:30
    ]

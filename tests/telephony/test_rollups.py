"""The call rollups (话务汇总): `call_figures` read from them equals the figures computed from the calls, always.

`_call_figures_direct` is the definition (GROUP BY over the calls and the agents' intervals); every test
compares `call_figures` with it for every grouping and line filter, and checks by hand what the rollup rows
hold, after events in any order, imports, re-imports, the rebuild command and the nightly reconciliation.
"""

from __future__ import annotations

import datetime as dt
import io
import random

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from rexian.core.scheduler import _task, jobs
from rexian.telephony import rollups
from rexian.telephony.figures import GROUPINGS, CallFigures, _call_figures_direct, call_figures
from rexian.telephony.importers import calls_import
from rexian.telephony.models import (
    Call,
    CallAgentDayRollup,
    CallSlotRollup,
    Outcome,
    ReadyAgentDayRollup,
    ReadySlotRollup,
)
from rexian.telephony.rollups import call_rollup_rebuild, call_rollup_reconcile
from rexian.telephony.tasks import call_rollup_reconcile_task
from tests import factories as f
from tests.telephony.conftest import abandoned_call, answered_call, apply, at, cdr, day_bounds, ev, write

pytestmark = pytest.mark.django_db

INTS = ("offered", "answered", "answered_in_target", "abandoned", "unanswered", "short_abandoned", "handled")
FLOATS = ("wait_seconds_total", "talk_seconds_total", "wrap_seconds_total")


def local(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=timezone.get_default_timezone())


def same(got: CallFigures, want: CallFigures) -> None:
    """Equal figures: counts exactly; sums of seconds up to the rounding of adding floats in another order."""
    assert (got.key, got.label) == (want.key, want.label)
    assert [getattr(got, name) for name in INTS] == [getattr(want, name) for name in INTS], got.key
    for name in FLOATS:
        assert getattr(got, name) == pytest.approx(getattr(want, name), rel=1e-9, abs=1e-6), (got.key, name)
    if want.ready_seconds_total is None:
        assert got.ready_seconds_total is None
    else:
        assert got.ready_seconds_total == pytest.approx(want.ready_seconds_total, rel=1e-9, abs=1e-6), got.key


def assert_like_direct(start, end, *, now=None, lines=(None,)) -> int:
    """call_figures == _call_figures_direct for the totals, every grouping and each line; returns the rows seen."""
    seen = 0
    for line in lines:
        same(call_figures(start, end, line=line, now=now), _call_figures_direct(start, end, line=line, now=now))
        for by in GROUPINGS:
            got = call_figures(start, end, line=line, by=by, now=now)
            want = _call_figures_direct(start, end, line=line, by=by, now=now)
            assert [row.key for row in got] == [row.key for row in want], by
            for a, b in zip(got, want, strict=True):
                same(a, b)
            seen += len(got)
    return seen


def tables_read(start, end, **kwargs) -> str:
    """The SQL that call_figures ran, to tell the rollups from the calls."""
    with CaptureQueriesContext(connection) as queries:
        call_figures(start, end, **kwargs)
    return "\n".join(q["sql"] for q in queries.captured_queries)


def slot_rows() -> dict:
    return {
        (timezone.localtime(r.slot).strftime("%m-%d %H:%M"), r.line_id): (r.offered, r.answered, r.abandoned,
                                                                             r.unanswered, r.short_abandoned)
        for r in CallSlotRollup.objects.all()
    }


# --- Hand-made days ---------------------------------------------------------------------------------------------


def test_the_small_day_in_the_rollup_rows(small_day, lines):
    main, labour = lines["12345"].pk, lines["12333"].pk
    # 09:00-09:30 on 12345: c1 c2 c3 answered, c5 c6 abandoned, c7 let go, c4 short; 09:30 on 12333: c9, c10 short.
    assert slot_rows() == {("03-18 09:00", main): (6, 3, 2, 1, 1), ("03-18 09:30", labour): (1, 1, 0, 0, 1)}
    slot = CallSlotRollup.objects.get(line_id=main)
    assert (slot.day, slot.hour, slot.minute) == (dt.date(2026, 3, 18), 9, 0)
    assert (slot.answered_in_target, slot.wait_seconds_total, slot.talk_seconds_total) == (2, 10 + 15 + 16, 600)
    agents = {(r.agent_number, r.line_id): (r.answered, r.talk_seconds_total)
              for r in CallAgentDayRollup.objects.filter(day=dt.date(2026, 3, 18))}
    assert agents == {("1001", main): (2, 300), ("1002", main): (1, 300), ("1002", labour): (1, 60)}
    # Agent 1001 ready 08:00-10:00, 1002 09:00-10:00.
    ready = {timezone.localtime(r.slot).strftime("%H:%M"): r.ready_seconds for r in ReadySlotRollup.objects.all()}
    assert ready == {"08:00": 1800, "08:30": 1800, "09:00": 3600, "09:30": 3600}
    assert dict(ReadyAgentDayRollup.objects.values_list("agent_number", "ready_seconds")) == {"1001": 7200,
                                                                                             "1002": 3600}


def test_the_small_day_from_the_rollups_equals_the_direct_figures(small_day, lines):
    f.UserFactory(username="op1", agent_number="1001", display_name="王芳")
    assert assert_like_direct(*day_bounds(), lines=(None, "12345", "12333")) > 0
    total = call_figures(*day_bounds())
    assert (total.offered, total.answered, total.answered_in_target, total.short_abandoned) == (7, 4, 3, 2)
    assert total.occupancy == pytest.approx(660 / 10800)


def test_figures_of_whole_half_hours_are_read_from_the_rollups_not_the_calls(small_day):
    sql = tables_read(*day_bounds(), by="day")
    assert "telephony_callslotrollup" in sql and "telephony_readyslotrollup" in sql
    assert '"telephony_call"' not in sql
    assert '"telephony_call"' not in tables_read(*day_bounds(), by="agent")
    # Proof by tampering: a call changed behind the engine's back does not move the figures until a rebuild.
    Call.objects.filter(call_id="c1").update(outcome=Outcome.UNANSWERED)
    assert call_figures(*day_bounds()).answered == 4
    assert _call_figures_direct(*day_bounds()).answered == 3
    call_rollup_rebuild()
    assert call_figures(*day_bounds()).answered == 3


def test_a_year_is_a_handful_of_queries_on_the_rollups(small_day):
    start, end = local(2025, 4, 1), local(2026, 4, 1)
    for by, most in ((None, 3), ("day", 3), ("hour_of_day", 3), ("line", 2), ("agent", 4)):
        with CaptureQueriesContext(connection) as queries:
            call_figures(start, end, by=by)
        assert len(queries) <= most, by
        assert not any('FROM "telephony_call"' in q["sql"] for q in queries.captured_queries), by


def test_the_edges_of_a_period_come_from_the_calls(small_day, lines):
    start, end = at(minutes=10), at(minutes=70)  # 09:10-10:10: the 09:30 half hour is whole, the rest is not
    sql = tables_read(start, end, by="hour")
    assert "telephony_callslotrollup" in sql and '"telephony_call"' in sql
    assert_like_direct(start, end, lines=(None, "12345"))
    total = call_figures(start, end)
    # c3 (09:10), c5, c6, c7 (09:26) and c9 (09:30); c4 and c10 were short, c8 rings.
    assert (total.offered, total.answered, total.short_abandoned) == (5, 2, 2)
    # By operator the whole days come from the rollups, the partial days around them from the calls.
    assert_like_direct(at(minutes=10), at(days=2, minutes=40))
    assert_like_direct(at(days=-1, minutes=45), at(minutes=20))


def test_a_period_without_a_whole_half_hour_is_read_from_the_calls(small_day):
    start, end = at(minutes=1), at(minutes=29)
    assert "callslotrollup" not in tables_read(start, end)
    assert_like_direct(start, end)
    assert call_figures(start, end).offered == 5  # c2 c3 c5 c6 c7 (c4 is short; c1 came at 09:00)


def test_events_out_of_order_move_a_call_across_midnight_and_its_rows_with_it(lines):
    """A call queued at 23:59:50 and answered at 00:00:05 is the evening's: its events arrive backwards."""
    queued, answered, ended = local(2026, 3, 18, 23, 59, 50), local(2026, 3, 19, 0, 0, 5), local(2026, 3, 19, 0, 5)
    two_days = (local(2026, 3, 18), local(2026, 3, 20))
    apply([ev("ended", ended, "n1")])  # alone: ended before anyone answered, no wait: a short abandon
    assert slot_rows() == {("03-19 00:00", 0): (0, 0, 0, 0, 1)}
    assert_like_direct(*two_days)
    apply([ev("answered", answered, "n1", agent="1001")])
    assert slot_rows() == {("03-19 00:00", 0): (1, 1, 0, 0, 0)}
    assert list(CallAgentDayRollup.objects.values_list("day", "agent_number")) == [(dt.date(2026, 3, 19), "1001")]
    assert_like_direct(*two_days)
    apply([ev("queued", queued, "n1"), ev("offered", queued, "n1", caller="13800000001", line="12345")])
    assert slot_rows() == {("03-18 23:30", lines["12345"].pk): (1, 1, 0, 0, 0)}
    assert list(CallAgentDayRollup.objects.values_list("day", "agent_number")) == [(dt.date(2026, 3, 18), "1001")]
    assert_like_direct(*two_days, lines=(None, "12345"))
    days = call_figures(*two_days, by="day")
    assert [(row.key, row.answered, row.answered_in_target) for row in days] == [(dt.date(2026, 3, 18), 1, 1)]
    assert call_figures(*two_days).wait_seconds_total == 15


def test_an_event_about_a_call_written_without_events_clears_its_old_half_hour(lines):
    """The demo writes calls without events; a visitor may post one about such a call through the API."""
    Call.objects.create(source="pbx", call_id="d1", offered_at=at(0), answered_at=at(10), ended_at=at(100),
                        wait_seconds=10, talk_seconds=90, agent_number="1001", outcome=Outcome.ANSWERED)
    call_rollup_rebuild()
    assert slot_rows() == {("03-18 09:00", 0): (1, 1, 0, 0, 0)}
    apply([*abandoned_call("d1", at(minutes=65), wait=30)])  # the API rebuilds the call from its events alone
    assert slot_rows() == {("03-18 10:00", lines["12345"].pk): (1, 0, 1, 0, 0)}
    assert_like_direct(*day_bounds())


def test_a_call_counts_in_the_hour_it_was_offered_not_the_one_it_was_answered(lines):
    apply(answered_call("h1", local(2026, 3, 18, 9, 59, 58), wait=22, talk=100))
    hours = call_figures(*day_bounds(), by="hour")
    assert [(row.key.hour, row.answered) for row in hours] == [(9, 1)]
    assert_like_direct(*day_bounds())


def test_an_open_agent_session_counts_until_now_beside_the_closed_time_in_the_rollups(lines):
    apply([
        ev("agent_login", at(hours=-1), agent="1001"),  # 08:00, still logged in
        ev("agent_login", at(0), agent="1002"),
        ev("not_ready", at(minutes=40), agent="1002"),
        ev("ready", at(minutes=50), agent="1002"),  # open since 09:50
        *answered_call("s1", at(minutes=5), wait=10, talk=600, agent="1002"),
    ])
    now = at(hours=1, minutes=15)
    total = call_figures(*day_bounds(), now=now)
    # 1001: 08:00-10:15 open (8100 s); 1002: 09:00-09:40 closed (2400 s) and 09:50-10:15 open (1500 s).
    assert total.ready_seconds_total == 8100 + 2400 + 1500
    assert ReadyAgentDayRollup.objects.get().ready_seconds == 2400  # only the closed pieces are rolled up
    halves = {row.label[-5:]: row.ready_seconds_total for row in call_figures(*day_bounds(), by="half_hour", now=now)}
    assert halves == {"08:00": 1800, "08:30": 1800, "09:00": 3600, "09:30": 1800 + 600 + 600, "10:00": 1800}
    assert_like_direct(*day_bounds(), now=now)
    assert_like_direct(*day_bounds(), now=at(hours=3))
    apply([ev("agent_logout", at(hours=2), agent="1002")])
    assert_like_direct(*day_bounds(), now=at(hours=3))
    assert ReadyAgentDayRollup.objects.get().ready_seconds == 2400 + 4200  # 09:50-11:00 is closed now


def test_a_late_logout_shortens_a_session_and_its_rolled_up_ready_time(lines):
    apply([ev("agent_login", at(hours=-1), agent="1001"), ev("agent_logout", at(hours=3), agent="1001")])
    assert ReadySlotRollup.objects.count() == 8  # 08:00-12:00
    apply([ev("agent_logout", at(0), agent="1001")])  # the switch's earlier logout arrives late
    ready = {timezone.localtime(r.slot).strftime("%H:%M"): r.ready_seconds for r in ReadySlotRollup.objects.all()}
    assert ready == {"08:00": 1800, "08:30": 1800}
    assert call_figures(*day_bounds()).ready_seconds_total == 3600
    assert_like_direct(*day_bounds())


# --- Random calls, events in random order and batches -----------------------------------------------------------

AGENTS = ("1001", "1002", "1003")
LINES = ("12345", "12333", "88888")  # 88888: no such line (line_id 0)


def _random_calls(rng: random.Random, n: int, first_day: dt.datetime) -> list:
    """n calls over three days, many near :00, :30 and midnight, with every outcome; a list of events."""
    events = []
    for i in range(n):
        day = first_day + dt.timedelta(days=rng.randrange(3))
        if rng.random() < 0.5:
            boundary = day + dt.timedelta(minutes=30 * rng.randrange(48))
            start = boundary + dt.timedelta(seconds=rng.uniform(-40, 40))
        else:
            start = day + dt.timedelta(seconds=rng.uniform(0, 86400))
        call_id, line = f"r{i}", rng.choice(LINES)
        draw = rng.random()
        if draw < 0.55:
            wrap = rng.choice([None, rng.uniform(0, 60)])
            events += answered_call(call_id, start, wait=rng.choice([rng.uniform(0, 40), 15]), line=line,
                                    talk=rng.uniform(5, 900), agent=rng.choice(AGENTS), wrap=wrap)
        elif draw < 0.8:
            events += abandoned_call(call_id, start, wait=rng.choice([5, rng.uniform(0, 10), rng.uniform(5, 90)]),
                                     line=line)
        elif draw < 0.88:
            events += abandoned_call(call_id, start, wait=rng.uniform(30, 300), line=line, reason="timeout")
        elif draw < 0.94:
            events += answered_call(call_id, start, wait=rng.uniform(0, 30), line=line, agent=rng.choice(AGENTS))[:3]
        else:
            events.append(ev("offered", start, call_id, caller="13800000003", line=line))  # still ringing
    for agent in AGENTS:
        t = first_day + dt.timedelta(hours=rng.uniform(0, 6))
        while t < first_day + dt.timedelta(days=3):
            events.append(ev(rng.choice(["agent_login", "ready", "not_ready", "agent_logout"]), t, agent=agent))
            t += dt.timedelta(minutes=rng.uniform(5, 400))
    return events


def _apply_shuffled(rng: random.Random, events: list) -> None:
    rng.shuffle(events)
    cut = sorted(rng.sample(range(1, len(events)), 5))
    for a, b in zip([0, *cut], [*cut, len(events)], strict=True):
        apply(events[a:b])


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_random_calls_in_random_order_give_the_same_figures_from_the_rollups(lines, seed):
    rng = random.Random(seed)
    first_day = local(2026, 3, 17)
    events = _random_calls(rng, 70, first_day)
    later = events[len(events) * 2 // 3:]  # the last third of the events arrives later, in other batches
    _apply_shuffled(rng, events[: len(events) * 2 // 3])
    whole = (first_day, first_day + dt.timedelta(days=3))
    now = first_day + dt.timedelta(days=2, hours=rng.uniform(0, 24))
    assert assert_like_direct(*whole, now=now, lines=(None, "12345", "12333")) > 0
    _apply_shuffled(rng, later)
    assert_like_direct(*whole, now=now, lines=(None, "12345", "12333"))
    for _ in range(3):
        a = first_day + dt.timedelta(seconds=rng.uniform(0, 86400 * 3))
        b = a + dt.timedelta(seconds=rng.uniform(0, 86400 * 2))
        assert_like_direct(a, b, now=now, lines=(None, "12345"))
    # The rows are exactly those a rebuild writes.
    before = {model: sorted(_row_values(model)) for model in rollups.ROLLUPS}
    call_rollup_rebuild()
    assert {model: sorted(_row_values(model)) for model in rollups.ROLLUPS} == before


def _row_values(model) -> list[tuple]:
    names = [field.name for field in model._meta.fields if field.name != "id"]
    return [tuple(round(v, 6) if isinstance(v, float) else v for v in row)
            for row in model.objects.values_list(*names)]


# --- Imports -----------------------------------------------------------------------------------------------------


def ql(t: float, callid: str, event: str, *data: str, queue: str = "hotline", agent: str = "NONE") -> str:
    return "|".join([str(int(t)), callid, queue, agent, event, *data]) + "\n"


T = 1773795600  # 2026-03-18 09:00:00 +08:00


def test_imports_reimports_and_a_later_queue_log_keep_the_rollups_right(tmp_path, lines):
    master = write(tmp_path, "Master.csv", [
        cdr("1.1", start="2026-03-18 09:29:50", answer="2026-03-18 09:30:02", end="2026-03-18 09:33:00"),
        cdr("1.2", start="2026-03-18 23:59:58", answer="2026-03-19 00:00:20", end="2026-03-19 00:10:00",
            dstchannel="SIP/1002-00000002"),
        cdr("1.3", start="2026-03-19 10:00:00", answer="", end="2026-03-19 10:00:03", disposition="NO ANSWER",
            dstchannel=""),
        cdr("1.4", start="2026-03-19 10:10:00", answer="", end="2026-03-19 10:11:30", disposition="BUSY",
            dstchannel=""),
    ])
    two_days = (local(2026, 3, 18), local(2026, 3, 20))
    calls_import(path=master, batch_size=2)
    main = lines["12345"].pk
    assert slot_rows() == {
        ("03-18 09:00", main): (1, 1, 0, 0, 0), ("03-18 23:30", main): (1, 1, 0, 0, 0),
        ("03-19 10:00", main): (1, 0, 0, 1, 1),  # 1.3 gave up after 3 s (short), 1.4 busy (unanswered)
    }
    assert_like_direct(*two_days, lines=(None, "12345"))
    rows = sorted(_row_values(CallSlotRollup))
    assert calls_import(path=master).already_imported
    calls_import(path=master, restart=True)
    assert sorted(_row_values(CallSlotRollup)) == rows
    assert [row.key for row in call_figures(*two_days, by="agent")] == ["1001", "1002"]
    # The queue_log knows more: 1.1 was queued at 09:29:55 and answered by 1003 after 7 s; 1003's session.
    calls_import(path=write(tmp_path, "queue_log", [
        ql(T - 600, "NONE", "ADDMEMBER", "", agent="PJSIP/1003"),
        ql(T + 1795, "1.1", "ENTERQUEUE", "", "13812348000", "1"),
        ql(T + 1802, "1.1", "CONNECT", "7", "1.1-b", "3", agent="PJSIP/1003"),
        ql(T + 1980, "1.1", "COMPLETECALLER", "7", "178", "1", agent="PJSIP/1003"),
        ql(T + 3600, "NONE", "REMOVEMEMBER", "", agent="PJSIP/1003"),
    ]))
    assert (Call.objects.get(call_id="1.1").wait_seconds, Call.objects.get(call_id="1.1").agent_number) == (7, "1003")
    assert_like_direct(*two_days, lines=(None, "12345"))
    assert [row.key for row in call_figures(*two_days, by="agent")] == ["1002", "1003"]
    assert call_figures(*day_bounds()).ready_seconds_total == 4200  # 08:50-10:00


# --- Rebuild, reconciliation, settings ------------------------------------------------------------------------------


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_the_rebuild_command_rewrites_a_range_of_days_or_everything(small_day):
    apply(answered_call("x1", local(2026, 3, 20, 11), wait=3, agent="1001"))
    CallSlotRollup.objects.update(offered=0)
    ReadySlotRollup.objects.all().delete()
    CallAgentDayRollup.objects.update(talk_seconds_total=1)
    output = run("call-rollup-rebuild", "--from", "2026-03-18", "--to", "2026-03-19")
    assert "Rebuilt the call rollups (2 天 days): 9 calls" in output
    assert_like_direct(*day_bounds())
    assert call_figures(*day_bounds(dt.date(2026, 3, 20))).offered == 0  # not in the range: still wrong
    run("call-rollup-rebuild")
    assert_like_direct(local(2026, 3, 18), local(2026, 3, 21))
    assert call_figures(*day_bounds(dt.date(2026, 3, 20))).offered == 1


def test_the_rebuild_command_refuses_bad_dates(db):
    with pytest.raises(CommandError, match="--to must not be before --from"):
        run("call-rollup-rebuild", "--from", "2026-03-18", "--to", "2026-03-17")
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        run("call-rollup-rebuild", "--from", "18.03.2026")


def test_a_changed_threshold_is_read_from_the_calls_until_the_nightly_reconciliation(small_day, settings):
    settings.CALL_SHORT_ABANDON_SECONDS = 0
    assert '"telephony_call"' in tables_read(*day_bounds())  # the rows were counted with 5 s
    assert call_figures(*day_bounds()).offered == 9
    assert_like_direct(*day_bounds())
    result = call_rollup_reconcile()
    assert result.days == 0 and result.calls == 9  # stale: everything was rebuilt
    assert '"telephony_call"' not in tables_read(*day_bounds())
    assert call_figures(*day_bounds()).offered == 9
    assert_like_direct(*day_bounds())


def test_rows_of_another_time_zone_are_not_read(small_day, settings):
    settings.TIME_ZONE = "Asia/Tokyo"
    bounds = (dt.datetime(2026, 3, 18, tzinfo=timezone.get_default_timezone()),
              dt.datetime(2026, 3, 19, tzinfo=timezone.get_default_timezone()))
    assert "callslotrollup" in tables_read(*bounds) and '"telephony_call"' in tables_read(*bounds)
    assert_like_direct(*bounds)
    call_rollup_reconcile()
    assert '"telephony_call"' not in tables_read(*bounds)
    assert_like_direct(*bounds)


def test_the_reconciliation_rebuilds_empty_rollups_and_otherwise_the_last_days(small_day):
    for model in rollups.ROLLUPS:
        model.objects.all().delete()
    assert call_rollup_reconcile().days == 0
    assert_like_direct(*day_bounds())
    assert call_rollup_reconcile().days == rollups.RECONCILE_DAYS
    result = call_rollup_reconcile_task.call()
    assert (result["days"], result["calls"], result["rows"]) == (2, 0, 2 + 3 + 4 + 2)  # small_day is long ago


def test_the_reconciliation_runs_every_night():
    (job,) = [job for job in jobs() if job.name == "call_rollup_reconcile"]
    assert job.at == dt.time(2, 30) and _task(job.task_path) is call_rollup_reconcile_task


# --- Time zones ----------------------------------------------------------------------------------------------------


def test_a_day_of_daylight_saving_gives_the_same_hours_from_the_rollups(lines, settings):
    """Europe/Berlin, 25 October 2026: 02:00-03:00 happens twice; TruncHour makes it one hour, so must we."""
    settings.TIME_ZONE = "Europe/Berlin"
    utc = [dt.datetime(2026, 10, 24, 22, 50, tzinfo=dt.UTC) + dt.timedelta(minutes=20 * i) for i in range(14)]
    events = []
    for i, start in enumerate(utc):
        events += answered_call(f"b{i}", start, wait=i, talk=60, agent=AGENTS[i % 3])
    apply(events)
    tz = timezone.get_default_timezone()
    day = (dt.datetime(2026, 10, 25, tzinfo=tz), dt.datetime(2026, 10, 26, tzinfo=tz))
    assert '"telephony_call"' not in tables_read(*day, by="hour")
    assert_like_direct(*day)
    hours = {row.key.hour: row.answered for row in call_figures(*day, by="hour")}
    assert hours == {0: 1, 1: 3, 2: 6, 3: 3, 4: 1}  # 02:10, 02:30, 02:50 twice (summer time, then winter time)
    spring = (dt.datetime(2026, 3, 29, tzinfo=tz), dt.datetime(2026, 3, 30, tzinfo=tz))
    apply(answered_call("s1", dt.datetime(2026, 3, 29, 0, 59, 50, tzinfo=dt.UTC), wait=20, talk=60))
    assert_like_direct(*spring)
    assert [row.key.hour for row in call_figures(*spring, by="hour")] == [1]


def test_a_zone_whose_half_hours_start_at_a_quarter_past_utc(lines, settings):
    settings.TIME_ZONE = "Asia/Kathmandu"  # UTC+05:45
    tz = timezone.get_default_timezone()
    assert rollups.grid_remainder(tz) == 900
    events = []
    for i, minute in enumerate((0, 14, 15, 16, 29, 44, 45, 46, 59)):
        events += answered_call(f"k{i}", dt.datetime(2026, 3, 18, 3, minute, 30, tzinfo=dt.UTC), wait=1)
    apply(events)
    slots = sorted(timezone.localtime(r.slot, tz).strftime("%H:%M") for r in CallSlotRollup.objects.all())
    assert slots == ["08:30", "09:00", "09:30"]  # 03:00:30 UTC is 08:45:30 local, 03:15:30 is 09:00:30
    day = (dt.datetime(2026, 3, 18, tzinfo=tz), dt.datetime(2026, 3, 19, tzinfo=tz))
    assert_like_direct(*day)
    assert_like_direct(dt.datetime(2026, 3, 18, 9, 10, tzinfo=tz), dt.datetime(2026, 3, 18, 9, 50, tzinfo=tz))


# --- The demo ------------------------------------------------------------------------------------------------------


def test_the_demo_s_bulk_calls_are_rolled_up(db):
    from rexian.demo.generator import demo_load

    now = timezone.make_aware(dt.datetime(2026, 3, 18, 15, 30))
    demo_load(days=2, per_day=40, seed=3, now=now)
    assert CallSlotRollup.objects.exists() and ReadyAgentDayRollup.objects.exists()
    start = now - dt.timedelta(days=2)
    assert '"telephony_call"' not in tables_read(local(2026, 3, 16), local(2026, 3, 19), by="day", now=now)
    assert_like_direct(local(2026, 3, 16), local(2026, 3, 19), now=now, lines=(None, "12345"))
    assert_like_direct(start, now, now=now)


def test_changed_half_hours_a_few_hours_apart_are_counted_again_in_one_run():
    from rexian.telephony.rollups import SLOT, SLOT_BRIDGE, _runs

    start = at(0)
    slots = [start, start + SLOT, start + 4 * SLOT, start + (4 + SLOT_BRIDGE + 1) * SLOT]
    assert _runs(slots, SLOT) == [(slots[0], slots[1]), (slots[2], slots[2]), (slots[3], slots[3])]
    assert _runs(slots, SLOT, bridge=SLOT_BRIDGE) == [(slots[0], slots[2]), (slots[3], slots[3])]

"""Helpers for the telephony tests: events at readable times, applied the way a source would."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.db import transaction
from django.utils import timezone

from rexian.telephony.events import Event, events_apply
from rexian.telephony.models import Call

# A Wednesday morning in the centre's time zone.
T0 = timezone.make_aware(dt.datetime(2026, 3, 18, 9, 0, 0))
_ids = itertools.count(1)


def at(seconds: float = 0, *, minutes: float = 0, hours: float = 0, days: float = 0) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds, minutes=minutes, hours=hours, days=days)


def ev(kind: str, when: dt.datetime, call_id: str = "", *, agent: str = "", caller: str = "", event_id: str = "",
       **data) -> Event:
    return Event(event_id or f"e{next(_ids)}", kind, when, call_id, agent, caller, data)


def apply(events, *, source: str = "pbx", lock: bool = True):
    with transaction.atomic():
        return events_apply(source=source, events=list(events), lock=lock)


def call(call_id: str, source: str = "pbx") -> Call:
    return Call.objects.get(source=source, call_id=call_id)


def answered_call(call_id: str, start: dt.datetime, *, wait: float, talk: float = 120, agent: str = "1001",
                  caller: str = "13800000001", line: str = "12345", source: str = "pbx", wrap: float | None = None):
    """The events of a call queued at `start` and answered `wait` seconds later, talking `talk` seconds."""
    ended = {"wrap_seconds": wrap} if wrap is not None else {}
    return [
        ev("offered", start, call_id, caller=caller, line=line),
        ev("queued", start, call_id),
        ev("answered", start + dt.timedelta(seconds=wait), call_id, agent=agent),
        ev("ended", start + dt.timedelta(seconds=wait + talk), call_id, **ended),
    ]


def morning_calls(days: int, *, per_day: int = 6) -> None:
    """A call history for staffing: `per_day` calls five minutes apart from 10:00 (local) on each of the `days` days
    before today, each answered after 4 s by agent 1001 and talked for five minutes."""
    events = []
    today = timezone.localdate()
    for days_ago in range(1, days + 1):
        day = today - dt.timedelta(days=days_ago)
        morning = dt.datetime.combine(day, dt.time(10), tzinfo=timezone.get_current_timezone())
        for n in range(per_day):
            events += answered_call(f"d{days_ago}-{n}", morning + dt.timedelta(minutes=5 * n), wait=4, talk=300)
    apply(events)


def abandoned_call(call_id: str, start: dt.datetime, *, wait: float, caller: str = "13800000002",
                   line: str = "12345", reason: str = "hangup"):
    return [
        ev("offered", start, call_id, caller=caller, line=line),
        ev("queued", start, call_id),
        ev("abandoned", start + dt.timedelta(seconds=wait), call_id, reason=reason),
    ]


@pytest.fixture
def lines(db):
    """The default lines (12345, 12333, …) come with the catalog's migration."""
    from rexian.catalog.models import Line

    return {line.number: line for line in Line.objects.all()}


@pytest.fixture
def small_day(lines):
    """Ten calls on 18 March 2026 with hand-computed figures (see tests/telephony/test_figures.py).

    Line 12345: c1 answered after 10 s (talk 100, wrap 20) and c2 after exactly 15 s (talk 200), both by 1001;
    c3 after 16 s (talk 300) by 1002; c4 abandoned after exactly 5 s (short: not counted), c5 after 5.5 s and
    c6 after 40 s; c7 let go by the queue after 300 s; c8 still ringing. Line 12333: c9 answered after 3 s
    (talk 60) by 1002; c10 abandoned after 2 s (short). Agent 1001 is ready 08:00-10:00, agent 1002 09:00-10:00.
    """
    events = [
        *answered_call("c1", at(minutes=0), wait=10, talk=100, wrap=20, agent="1001"),
        *answered_call("c2", at(minutes=5), wait=15, talk=200, agent="1001"),
        *answered_call("c3", at(minutes=10), wait=16, talk=300, agent="1002"),
        *abandoned_call("c4", at(minutes=15), wait=5),
        *abandoned_call("c5", at(minutes=20), wait=5.5),
        *abandoned_call("c6", at(minutes=25), wait=40),
        *abandoned_call("c7", at(minutes=26), wait=300, reason="timeout"),
        ev("offered", at(minutes=40), "c8", caller="13800000009", line="12345"),
        *answered_call("c9", at(minutes=30), wait=3, talk=60, agent="1002", line="12333"),
        *abandoned_call("c10", at(minutes=35), wait=2, line="12333"),
        ev("agent_login", at(hours=-1), agent="1001"), ev("agent_logout", at(hours=1), agent="1001"),
        ev("agent_login", at(0), agent="1002"), ev("agent_logout", at(hours=1), agent="1002"),
    ]
    apply(events)
    return events


def day_bounds(day: dt.date = dt.date(2026, 3, 18)):
    tz = timezone.get_current_timezone()
    return dt.datetime.combine(day, dt.time(), tzinfo=tz), dt.datetime.combine(day + dt.timedelta(days=1), dt.time(),
                                                                              tzinfo=tz)


def cdr(uniqueid="1773795600.1", *, src="13812348000", dst="12345", start="2026-03-18 09:00:00",
        answer="2026-03-18 09:00:12", end="2026-03-18 09:04:12", disposition="ANSWERED",
        dstchannel="SIP/1001-00000001", dcontext="from-trunk", duration=None, billsec=None, userfield="") -> str:
    """One Master.csv line as cdr_csv writes it (18 columns: loguniqueid and loguserfield on)."""
    duration = duration if duration is not None else 252
    billsec = billsec if billsec is not None else (240 if answer else 0)
    clid = f'"""张三"" <{src}>"'
    return (f'"","{src}","{dst}","{dcontext}",{clid},"SIP/trunk-00000001","{dstchannel}","Queue",'
            f'"hotline,t,,,300","{start}","{answer}","{end}",{duration},{billsec},"{disposition}","DOCUMENTATION",'
            f'"{uniqueid}","{userfield}"\n')


def write(tmp_path, name: str, lines: list[str]):
    path = tmp_path / name
    path.write_text("".join(lines), encoding="utf-8")
    return path

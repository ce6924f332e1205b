"""Importing Asterisk's Master.csv and queue_log: every line accounted for, idempotent, resumable."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.utils import timezone

from rexian.privacy import crypto
from rexian.telephony import events as engine
from rexian.telephony.importers import ImportFileError, _local_time, _LocalClock, calls_import, detect_format
from rexian.telephony.models import AgentInterval, Call, CallEvent, CallImport, CallImportRejection, Outcome
from tests import factories as f
from tests.telephony.conftest import cdr, write

pytestmark = pytest.mark.django_db


def test_a_cdr_file_becomes_calls(tmp_path, lines):
    operator = f.UserFactory(username="op1", agent_number="1001")
    path = write(tmp_path, "Master.csv", [
        cdr("1.1"),
        cdr("1.2", answer="", end="2026-03-18 10:00:40", start="2026-03-18 10:00:00", disposition="NO ANSWER",
            dstchannel=""),
        cdr("1.3", answer="", end="2026-03-18 11:00:02", start="2026-03-18 11:00:00", disposition="BUSY",
            dstchannel=""),
    ])
    report = calls_import(path=path)
    assert report.format == "cdr" and (report.lines, report.accepted, report.rejected) == (3, 3, 0)
    answered, abandoned, busy = (Call.objects.get(call_id=i) for i in ("1.1", "1.2", "1.3"))
    local = timezone.get_current_timezone()
    assert answered.offered_at == dt.datetime(2026, 3, 18, 9, 0, tzinfo=local)
    assert (answered.outcome, answered.wait_seconds, answered.talk_seconds) == (Outcome.ANSWERED, 12, 240)
    assert (answered.agent, answered.line, answered.caller) == (operator, lines["12345"], "13812348000")
    assert (abandoned.outcome, abandoned.wait_seconds) == (Outcome.ABANDONED, 40)
    assert busy.outcome == Outcome.UNANSWERED


def test_the_cdr_payload_keeps_no_caller_number(tmp_path, lines):
    calls_import(path=write(tmp_path, "Master.csv", [cdr("1.1")]))
    data = CallEvent.objects.get().data
    assert data["cdr"][1] == "" and data["cdr"][4] == "" and "13812348000" not in str(data)


def test_malformed_cdr_lines_are_rejected_with_their_number_and_reason(tmp_path, lines):
    path = write(tmp_path, "Master.csv", [
        cdr("2.1"),
        '"only","three","columns"\n',
        cdr("2.3", start="yesterday"),
        cdr("2.4", disposition="MAYBE"),
        cdr("2.5", duration="x"),
        cdr("2.6", end="2026-03-18 08:00:00"),
        '"unterminated,"quote\n',
        b"\xff\xfe broken".decode("latin-1") + "\n",
        cdr("2.9", dst="8001", dcontext="from-internal"),  # an internal call: ignored, not rejected
        cdr("2.10"),
    ])
    report = calls_import(path=path)
    reasons = dict(report.rejections)
    assert sorted(reasons) == [2, 3, 4, 5, 6, 7, 8]
    assert "3 columns" in reasons[2]
    assert "start" in reasons[3] and "yesterday" in reasons[3]
    assert "disposition" in reasons[4]
    assert "duration" in reasons[5]
    assert "end is before start" in reasons[6]
    assert report.ignored_by_reason == {"not an inbound call to a hotline line": 1}
    assert (report.accepted, report.rejected, report.ignored) == (2, 7, 1)
    stored = list(CallImportRejection.objects.values_list("line_no", "reason"))
    assert stored == sorted(report.rejections)
    assert Call.objects.count() == 2


def test_reimporting_a_file_adds_nothing(tmp_path, lines):
    path = write(tmp_path, "Master.csv", [cdr(f"3.{i}") for i in range(5)])
    calls_import(path=path)
    before = list(Call.objects.order_by("pk").values())
    again = calls_import(path=path)
    assert again.already_imported and again.accepted == 0
    restarted = calls_import(path=path, restart=True)
    assert (restarted.lines, restarted.accepted, restarted.duplicates) == (5, 0, 5)
    copy = write(tmp_path, "copy-of-Master.csv", [cdr(f"3.{i}") for i in range(5)])
    assert calls_import(path=copy).accepted == 0  # the same file under another name: recognised by its head
    assert list(Call.objects.order_by("pk").values()) == before
    assert CallEvent.objects.count() == 5


def test_batches_large_enough_to_be_copied_store_the_same_calls_and_events(tmp_path, lines, monkeypatch):
    """On PostgreSQL a batch of COPY_FROM rows or more is COPYed: the events straight into their table, the calls
    through the load table and its upsert, since one (the stub) is stored already. SQLite: the same inserts."""
    monkeypatch.setattr(engine._Insert, "COPY_FROM", 1)
    operator = f.UserFactory(username="op1", agent_number="1001")
    Call.objects.create(source="asterisk", call_id="7.2", offered_at=timezone.now(), outcome=Outcome.IN_PROGRESS)
    path = write(tmp_path, "Master.csv", [
        cdr("7.1"),
        cdr("7.2", answer="", end="2026-03-18 10:00:40", start="2026-03-18 10:00:00", disposition="NO ANSWER",
            dstchannel="", src="13900000002"),
    ])
    report = calls_import(path=path)
    assert (report.accepted, report.duplicates) == (2, 0)
    answered, abandoned = Call.objects.get(call_id="7.1"), Call.objects.get(call_id="7.2")
    assert (answered.outcome, answered.agent, answered.caller, answered.talk_seconds) == (
        Outcome.ANSWERED, operator, "13812348000", 240)
    assert answered.caller_hash == crypto.phone_hash("13812348000")
    assert (abandoned.outcome, abandoned.caller) == (Outcome.ABANDONED, "13900000002")  # written over the stub
    assert CallEvent.objects.get(call_id="7.1").data["cdr"][16] == "7.1"
    assert calls_import(path=path, restart=True).duplicates == 2
    assert (Call.objects.count(), CallEvent.objects.count()) == (2, 2)


def test_an_import_resumes_after_a_crash_where_the_last_batch_committed(tmp_path, lines, monkeypatch):
    path = write(tmp_path, "Master.csv", [cdr(f"4.{i}") for i in range(10)] + ["garbage\n"])
    real = engine.events_apply
    batches = []

    def crash_on_third_batch(**kwargs):
        batches.append(len(kwargs["events"]))
        if len(batches) == 3:
            raise RuntimeError("power cut")
        return real(**kwargs)

    monkeypatch.setattr("rexian.telephony.importers.events_apply", crash_on_third_batch)
    with pytest.raises(RuntimeError):
        calls_import(path=path, batch_size=4)
    record = CallImport.objects.get()
    assert (record.line_no, record.accepted) == (8, 8)  # two batches committed, the third rolled back
    assert Call.objects.count() == 8
    monkeypatch.setattr("rexian.telephony.importers.events_apply", real)
    report = calls_import(path=path, batch_size=4)
    assert report.resumed_from_line == 8 and report.lines == 3
    assert (report.accepted, report.rejected) == (2, 1)
    assert report.rejections == [(11, "1 column; cdr_csv writes 16, 17, 18 or 21")]
    record.refresh_from_db()
    assert (record.line_no, record.accepted, record.rejected) == (11, 10, 1)
    assert Call.objects.count() == 10


def test_a_growing_file_continues_from_its_last_line_and_waits_for_an_unfinished_one(tmp_path, lines):
    first = [cdr(f"5.{i}", userfield="x" * 300) for i in range(20)]  # more than the 4 KiB that identify the file
    path = write(tmp_path, "Master.csv", first)
    calls_import(path=path)
    with path.open("a", encoding="utf-8") as out:
        out.write(cdr("5.20"))
        out.write(cdr("5.21").rstrip("\n"))  # Asterisk is still writing this one
    report = calls_import(path=path)
    assert (report.resumed_from_line, report.lines, report.accepted) == (20, 1, 1)
    assert report.pending_partial_line
    with path.open("a", encoding="utf-8") as out:
        out.write("\n")
    assert calls_import(path=path).accepted == 1
    assert Call.objects.count() == 22


def test_the_format_is_detected_from_the_first_line(tmp_path):
    assert detect_format(cdr().encode()) == "cdr"
    assert detect_format(b"1773795600|1773795600.1|hotline|NONE|ENTERQUEUE||13812348000|1\n") == "queue_log"
    with pytest.raises(ImportFileError):
        detect_format(b"hello world\n")
    with pytest.raises(ImportFileError):
        calls_import(path=tmp_path / "missing.csv")


# --- queue_log -------------------------------------------------------------------------------------------------


def ql(t: float, callid: str, event: str, *data: str, queue: str = "hotline", agent: str = "NONE") -> str:
    return "|".join([str(int(t)), callid, queue, agent, event, *data]) + "\n"


T = 1773795600  # 2026-03-18 09:00:00 +08:00


def test_a_queue_log_becomes_calls_and_agent_states(tmp_path, lines):
    f.UserFactory(username="op1", agent_number="1001")
    path = write(tmp_path, "queue_log", [
        ql(T - 600, "NONE", "ADDMEMBER", "", queue="hotline", agent="PJSIP/1001"),
        ql(T, "9.1", "DID", "12345", queue="NONE"),
        ql(T + 1, "9.1", "ENTERQUEUE", "", "13812348000", "1"),
        ql(T + 14, "9.1", "RINGNOANSWER", "12000", agent="PJSIP/1002"),
        ql(T + 16, "9.1", "CONNECT", "15", "9.1-b", "3", agent="PJSIP/1001"),
        ql(T + 316, "9.1", "COMPLETECALLER", "15", "300", "1", agent="PJSIP/1001"),
        ql(T + 400, "9.2", "ENTERQUEUE", "", "13900000000", "1"),
        ql(T + 404, "9.2", "ABANDON", "1", "1", "4"),
        ql(T + 500, "9.3", "ENTERQUEUE", "", "13700000000", "1"),
        ql(T + 800, "9.3", "EXITWITHTIMEOUT", "1", "1", "300"),
        ql(T + 900, "NONE", "PAUSE", "lunch", queue="NONE", agent="PJSIP/1001"),
        ql(T + 1800, "NONE", "UNPAUSE", "", queue="NONE", agent="PJSIP/1001"),
        ql(T + 3000, "NONE", "REMOVEMEMBER", "", agent="PJSIP/1001"),
        ql(T + 3001, "NONE", "QUEUESTART", queue="NONE"),
        ql(T + 3002, "9.4", "CONNECT", "abc", "x", "1", agent="PJSIP/1001"),
        "1773795600|too|short\n",
    ])
    report = calls_import(path=path)
    assert report.format == "queue_log"
    assert report.ignored_by_reason == {"queue_log RINGNOANSWER": 1, "queue_log QUEUESTART": 1}
    assert dict(report.rejections) == {15: "CONNECT holdtime “abc” is not a whole number",
                                       16: "3 fields; queue_log lines have at least 5 (time|callid|queue|agent|event)"}
    answered, short, timeout = (Call.objects.get(call_id=i) for i in ("9.1", "9.2", "9.3"))
    assert (answered.outcome, answered.wait_seconds, answered.talk_seconds) == (Outcome.ANSWERED, 15, 300)
    assert (answered.agent_number, answered.line, answered.caller, answered.queue) == (
        "1001", lines["12345"], "13812348000", "hotline")
    assert (short.outcome, short.wait_seconds) == (Outcome.ABANDONED, 4)
    assert timeout.outcome == Outcome.UNANSWERED
    ready = AgentInterval.objects.filter(state="ready").values_list("seconds", flat=True)
    assert sum(ready) == 1500 + 1200  # logged in 10 min before T, paused at T+900 for 15 min, left at T+3000


def test_cdr_and_queue_log_of_the_same_switch_make_one_call(tmp_path, lines):
    """The IVR answers every call, so the CDR says ANSWERED; the queue_log knows the caller gave up."""
    calls_import(path=write(tmp_path, "Master.csv", [cdr("7.1", dstchannel="", answer="2026-03-18 09:00:01",
                                                         end="2026-03-18 09:01:00")]))
    assert Call.objects.get().outcome == Outcome.ABANDONED  # ANSWERED by the IVR only: no agent's channel
    calls_import(path=write(tmp_path, "queue_log", [
        ql(T + 5, "7.1", "ENTERQUEUE", "", "13812348000", "1"),
        ql(T + 50, "7.1", "ABANDON", "1", "1", "45"),
    ]))
    c = Call.objects.get()
    assert (c.outcome, c.wait_seconds, c.event_count) == (Outcome.ABANDONED, 45, 3)
    assert c.ended_at == timezone.make_aware(dt.datetime(2026, 3, 18, 9, 1))  # the end comes from the CDR


def test_cdr_times_in_utc_with_usegmtime(tmp_path, lines):
    calls_import(path=write(tmp_path, "Master.csv", [cdr("8.1", start="2026-03-18 01:00:00",
                                                         answer="2026-03-18 01:00:10", end="2026-03-18 01:02:00")]),
                 time_zone="UTC")
    assert Call.objects.get().offered_at == dt.datetime(2026, 3, 18, 1, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize("day", ["2026-03-08", "2026-11-01"])  # New York's clocks go forward, then back
def test_the_per_hour_offset_cache_reads_times_as_the_zone_does_across_a_clock_change(day):
    zone = zoneinfo.ZoneInfo("America/New_York")
    clock = _LocalClock(zone)
    for _ in range(2):  # the second pass reads from the cache
        for minute in range(0, 24 * 60, 7):
            text = f"{day} {minute // 60:02d}:{minute % 60:02d}:{minute % 60:02d}"
            assert clock(text, "start") == _local_time(text, zone, "start"), text
    assert None in clock.offsets.values()  # the changing hour is never cached


def test_a_line_that_is_not_utf8_is_rejected_not_skipped(tmp_path, lines):
    path = tmp_path / "Master.csv"
    path.write_bytes(cdr("6.1").encode() + b'"\xff\xfe",broken\n' + cdr("6.3").encode())
    report = calls_import(path=path)
    assert report.rejections == [(2, "not UTF-8 text")]
    assert report.accepted == 2

"""Importing Asterisk's call records: `Master.csv` (CDR) and `queue_log`, streaming, idempotent, resumable.

Each line becomes events (`rexian.telephony.events.Event`) handed to
`events_apply` in batches. A batch, the lines it rejected and the file's
import record (`CallImport`: byte offset and line number reached) are
committed in one transaction, so a crash loses at most the batch in flight and
the next run starts where the last commit left off. Re-importing a file adds
nothing: its record says it is done, and even a fresh start finds every event
id already stored (an event id is a hash of the line).

Every line is accounted for: imported, a duplicate, ignored with a counted
reason (an outbound call in the CDR, a RINGNOANSWER in the queue_log), or
rejected with its line number and why (`CallImportRejection`). A last line
without its newline is being written by Asterisk: it is left for the next run.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import os
import re
import zoneinfo
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from rexian.telephony import conf
from rexian.telephony.events import Event, Writer, agent_from_channel, caller_number, events_apply
from rexian.telephony.models import Call, CallEvent, CallImport, CallImportRejection, EventKind

K = EventKind
UTC = dt.UTC
HEAD_BYTES = 4096
DEFAULT_BATCH = 20000

# cdr_csv's columns (Asterisk cdr/cdr_csv.c): 16 always, then uniqueid (loguniqueid=yes), userfield
# (loguserfield=yes) and, with newcdrcolumns=yes, peeraccount, linkedid and sequence.
CDR_COLUMNS = (
    "accountcode", "src", "dst", "dcontext", "clid", "channel", "dstchannel", "lastapp", "lastdata", "start",
    "answer", "end", "duration", "billsec", "disposition", "amaflags", "uniqueid", "userfield", "peeraccount",
    "linkedid", "sequence",
)
# Columns that may carry a caller's or a called citizen's number: never stored in an event's payload.
CDR_PERSONAL = frozenset({"src", "clid", "lastdata"})
_PERSONAL_INDEXES = tuple(CDR_COLUMNS.index(name) for name in sorted(CDR_PERSONAL))
DISPOSITIONS = frozenset({"ANSWERED", "NO ANSWER", "BUSY", "FAILED", "CONGESTION"})
_UNIQUEID = re.compile(r"^(?:[\w.-]+-)?\d{9,}\.\d+$")
_CLID_NUMBER = re.compile(r"<([^>]*)>")
_QUEUE_LOG_HEAD = re.compile(rb"^\s*(?:\d{9,}(?:\.\d+)?|\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(?:\.\d+)?)\|")


class ImportFileError(Exception):
    """The file cannot be imported at all (unreadable, unknown format, shorter than its recorded progress)."""


class Rejected(Exception):
    """A line that cannot be read; the message says why."""


class Ignored(Exception):
    """A line that is well formed but not a hotline call event (counted by reason, not imported)."""


@dataclass
class ImportReport:
    call_import: CallImport
    format: str
    lines: int = 0
    accepted: int = 0
    duplicates: int = 0
    ignored: int = 0
    rejected: int = 0
    ignored_by_reason: Counter = field(default_factory=Counter)
    rejections: list[tuple[int, str]] = field(default_factory=list)
    resumed_from_line: int = 0
    already_imported: bool = False
    pending_partial_line: bool = False
    seconds: float = 0.0


# --- Reading the formats --------------------------------------------------------------------------------------


def detect_format(head: bytes) -> str:
    """`queue_log` lines start with a time and a bar; CDR lines are CSV with at least 16 columns."""
    for raw in head.splitlines():
        if not raw.strip():
            continue
        if _QUEUE_LOG_HEAD.match(raw):
            return CallImport.Format.QUEUE_LOG
        try:
            row = next(csv.reader([raw.decode("utf-8", errors="replace")]))
        except (csv.Error, StopIteration):
            row = []
        if len(row) >= 16:
            return CallImport.Format.CDR
        break
    raise ImportFileError(
        "无法识别文件格式：既不是 Master.csv（CDR）也不是 queue_log。"
        " The file is neither an Asterisk Master.csv (CDR) nor a queue_log; pass --format."
    )


def _local_time(text: str, zone, what: str) -> dt.datetime:
    """A wall-clock time of `zone` (or with its own offset) as an aware UTC datetime: UTC from the start makes
    the arithmetic and the database adaptation of a large import cheaper."""
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        raise Rejected(f"{what} “{text[:30]}” is not a time (YYYY-MM-DD HH:MM:SS)") from None
    return (value.replace(tzinfo=zone) if value.tzinfo is None else value).astimezone(UTC)


_UNSEEN = object()


class _LocalClock:
    """`_local_time` for the many times of one file: the zone's offset is worked out once per hour of
    "YYYY-MM-DD HH:MM:SS" text, for every hour whose offset is the same from its first to its last second
    (all but the hours of a daylight-saving change, which take the exact way)."""

    def __init__(self, zone):
        self.zone = zone
        self.offsets: dict[str, dt.timedelta | None] = {}  # "YYYY-MM-DD HH" → its offset, None: not steady

    def __call__(self, text: str, what: str) -> dt.datetime:
        if len(text) != 19 or text[13] != ":":
            return _local_time(text, self.zone, what)
        key = text[:13]
        offset = self.offsets.get(key, _UNSEEN)
        if offset is _UNSEEN:
            value = _local_time(text, self.zone, what)  # checks the text: nothing is cached for a bad one
            self.offsets[key] = self._steady_offset(dt.datetime.fromisoformat(key + ":00"))
            return value
        if offset is None:
            return _local_time(text, self.zone, what)
        try:
            value = dt.datetime.fromisoformat(text)
        except ValueError:
            raise Rejected(f"{what} “{text[:30]}” is not a time (YYYY-MM-DD HH:MM:SS)") from None
        return (value - offset).replace(tzinfo=UTC)

    def _steady_offset(self, hour: dt.datetime) -> dt.timedelta | None:
        """The offset of every second of this wall-clock hour (both folds), or None if they differ."""
        local = hour.replace(tzinfo=self.zone)
        last = local + dt.timedelta(minutes=59, seconds=59)
        offsets = {moment.replace(fold=fold).utcoffset() for moment in (local, last) for fold in (0, 1)}
        return offsets.pop() if len(offsets) == 1 else None


class _OneLine:
    """Hands a csv.reader one line at a time, so that a file's lines share one reader."""

    __slots__ = ("line",)

    def __init__(self):
        self.line = None

    def __iter__(self):
        return self

    def __next__(self) -> str:
        line, self.line = self.line, None
        if line is None:
            raise StopIteration  # a quoted field left open: the strict reader then raises csv.Error
        return line


def _number(text: str, what: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise Rejected(f"{what} “{text[:20]}” is not a whole number") from None


class CdrParser:
    """One `Master.csv` line → one `cdr` event (or Ignored / Rejected)."""

    format = CallImport.Format.CDR

    def __init__(self, *, zone, lines: dict[str, int]):
        self.zone = zone
        self.zone_key = zone.key
        self.clock = _LocalClock(zone)
        self.lines = lines
        self.inbound_contexts = conf.cdr_inbound_contexts()
        self.feed = _OneLine()
        self.reader = csv.reader(self.feed, strict=True)

    def __call__(self, text: str, raw: bytes, line_no: int) -> list[Event]:
        self.feed.line = text
        try:
            fields = next(self.reader)
        except (csv.Error, StopIteration) as error:
            raise Rejected(f"not a CSV line ({error})") from None
        n = len(fields)
        if n not in (16, 17, 18, 21):
            if line_no == 1 and "disposition" in text.lower():
                raise Ignored("header line")
            raise Rejected(f"{n} column{'s' if n != 1 else ''}; cdr_csv writes 16, 17, 18 or 21")
        uniqueid = fields[16] if n >= 17 else ""
        if n == 17 and not _UNIQUEID.match(uniqueid):
            uniqueid = ""
        clock = self.clock
        start = clock(fields[9], "start")
        answer = clock(fields[10], "answer") if fields[10] else None
        if not fields[11]:
            raise Rejected("end is empty")
        end = clock(fields[11], "end")
        if end < start:
            raise Rejected("end is before start")
        _number(fields[12], "duration")
        _number(fields[13], "billsec")
        disposition = fields[14]
        if disposition not in DISPOSITIONS:
            raise Rejected(
                f"disposition “{disposition[:20]}” is not one of ANSWERED, NO ANSWER, BUSY, FAILED, CONGESTION"
            )
        account, dst = fields[0], fields[2]
        if dst in self.lines:
            dialled = dst
        elif account in self.lines:
            dialled = account
        elif fields[3] in self.inbound_contexts or _ends_with_line(dst, self.lines):
            dialled = dst
        else:
            raise Ignored("not an inbound call to a hotline line")
        call_id = uniqueid or "cdr-" + hashlib.blake2b(f"{fields[5]}|{fields[9]}".encode(), digest_size=10).hexdigest()
        if len(call_id) > 64:
            raise Rejected("uniqueid is longer than 64 characters")
        caller = caller_number(fields[1])
        if not caller:
            found = _CLID_NUMBER.search(fields[4])
            caller = caller_number(found.group(1)) if found else ""
        for index in _PERSONAL_INDEXES:
            fields[index] = ""
        agent = agent_from_channel(fields[6]) if fields[6] else ""
        summary = {"line": dialled, "agent": agent, "disposition": disposition, "answer_at": answer, "end_at": end}
        data = {"cdr": fields, "tz": self.zone_key, "line": dialled}
        # The call id first keeps the index on event ids growing at its end (uniqueids rise with time); the
        # line's hash makes the id unique and the same on every re-import.
        event_id = f"cdr:{call_id}:{hashlib.blake2b(raw, digest_size=8).hexdigest()}"
        return [Event(event_id, K.CDR, start, call_id, "", caller, data, line_no, summary)]


def cdr_summary(data: dict) -> dict:
    """What a stored CDR event says (the same as the parser's summary), for a call folded from the database."""
    row = dict(zip(CDR_COLUMNS, data["cdr"]))
    if len(data["cdr"]) == 17 and not _UNIQUEID.match(data["cdr"][16]):
        row["userfield"], row["uniqueid"] = data["cdr"][16], ""
    zone = zoneinfo.ZoneInfo(data.get("tz") or settings.TIME_ZONE)
    return {
        "line": data.get("line", ""),
        "agent": agent_from_channel(row["dstchannel"]) if row.get("dstchannel") else "",
        "disposition": row.get("disposition", ""),
        "answer_at": _local_time(row["answer"], zone, "answer") if row.get("answer") else None,
        "end_at": _local_time(row["end"], zone, "end") if row.get("end") else None,
    }


def _ends_with_line(dialled: str, lines: dict[str, int]) -> bool:
    return any(number.isdigit() and len(number) >= 5 and dialled.endswith(number) for number in lines)


# queue_log event → (Rexian kind, reason) for the events that matter; see docs/telephony.md.
_QUEUE_CALL_EVENTS = {
    "DID", "ENTERQUEUE", "CONNECT", "ABANDON", "EXITWITHTIMEOUT", "EXITEMPTY", "EXITWITHKEY", "COMPLETECALLER",
    "COMPLETEAGENT", "TRANSFER", "BLINDTRANSFER", "ATTENDEDTRANSFER",
}
_QUEUE_AGENT_EVENTS = {
    "AGENTLOGIN": K.AGENT_LOGIN, "AGENTCALLBACKLOGIN": K.AGENT_LOGIN, "ADDMEMBER": K.AGENT_LOGIN,
    "AGENTLOGOFF": K.AGENT_LOGOUT, "AGENTCALLBACKLOGOFF": K.AGENT_LOGOUT, "REMOVEMEMBER": K.AGENT_LOGOUT,
    "PAUSE": K.NOT_READY, "PAUSEALL": K.NOT_READY, "UNPAUSE": K.READY, "UNPAUSEALL": K.READY,
}
# Events that say nothing about the figures: counted, not imported.
QUEUE_IGNORED = frozenset({
    "RINGNOANSWER", "RINGCANCELED", "AGENTDUMP", "CONFIGRELOAD", "QUEUESTART", "INFO", "SYSCOMPAT",
})


class QueueLogParser:
    """One `queue_log` line (`time|callid|queuename|agent|event|data1|data2|…`) → events."""

    format = CallImport.Format.QUEUE_LOG

    def __init__(self, *, zone, lines: dict[str, int]):
        self.zone = zone
        self.lines = lines

    def _time(self, text: str) -> dt.datetime:
        if text.replace(".", "", 1).isdigit():
            return dt.datetime.fromtimestamp(float(text), tz=UTC)
        return _local_time(text, self.zone, "time")

    def __call__(self, text: str, raw: bytes, line_no: int) -> list[Event]:
        parts = text.split("|")
        if len(parts) < 5:
            raise Rejected(f"{len(parts)} fields; queue_log lines have at least 5 (time|callid|queue|agent|event)")
        at = self._time(parts[0])
        call_id, queue, member, name = parts[1], parts[2], parts[3], parts[4]
        data = parts[5:]
        event_id = f"ql:{parts[0]}:{hashlib.blake2b(raw, digest_size=8).hexdigest()}"

        def arg(i: int) -> str:
            return data[i] if i < len(data) else ""

        def seconds(i: int, what: str) -> int | None:
            value = arg(i)
            return _number(value, f"{name} {what}") if value != "" else None

        if name in _QUEUE_AGENT_EVENTS:
            agent = agent_from_channel(member) or agent_from_channel(arg(0))
            if not agent:
                raise Rejected(f"{name} names no agent")
            payload = {"event": name, "queue": queue}
            if name.startswith("PAUSE") and arg(0):
                payload["reason"] = arg(0)[:40]
            return [Event(event_id, _QUEUE_AGENT_EVENTS[name], at, "", agent, "", payload, line_no)]
        if name not in _QUEUE_CALL_EVENTS:
            raise Ignored(f"queue_log {name}" if name in QUEUE_IGNORED else f"queue_log {name} (unknown event)")
        if not call_id or call_id == "NONE":
            raise Rejected(f"{name} has no call id")
        if len(call_id) > 64:
            raise Rejected("call id is longer than 64 characters")
        payload: dict = {"event": name, "queue": queue} if queue and queue != "NONE" else {"event": name}
        agent = agent_from_channel(member)
        if queue in self.lines:
            payload["line"] = queue
        caller = ""
        if name == "DID":
            payload["line"] = arg(0)
            kind = K.OFFERED
        elif name == "ENTERQUEUE":
            caller = caller_number(arg(1))
            kind = K.QUEUED
        elif name == "CONNECT":
            payload["wait_seconds"] = seconds(0, "holdtime")
            if not agent:
                raise Rejected("CONNECT names no agent")
            kind = K.ANSWERED
        elif name in ("ABANDON", "EXITWITHTIMEOUT", "EXITEMPTY"):
            payload["wait_seconds"] = seconds(2, "waittime")
            payload["reason"] = {"ABANDON": "hangup", "EXITWITHTIMEOUT": "timeout", "EXITEMPTY": "empty"}[name]
            kind = K.ABANDONED
        elif name == "EXITWITHKEY":
            payload["wait_seconds"] = seconds(3, "waittime")
            payload["reason"] = "key"
            kind = K.ABANDONED
        elif name in ("COMPLETECALLER", "COMPLETEAGENT"):
            payload["wait_seconds"] = seconds(0, "holdtime")
            payload["talk_seconds"] = seconds(1, "calltime")
            kind = K.ENDED
        else:  # TRANSFER, BLINDTRANSFER, ATTENDEDTRANSFER: the operator's part ends here.
            target = arg(1) if name == "ATTENDEDTRANSFER" else arg(0)
            talk = seconds(3, "calltime") if name != "ATTENDEDTRANSFER" else None
            ended = {"event": name, "talk_seconds": talk}
            return [
                Event(event_id, K.TRANSFERRED, at, call_id, agent, "", {**payload, "target": target[:80]}, line_no),
                Event(event_id + ":end", K.ENDED, at, call_id, agent, "", ended, line_no),
            ]
        payload = {k: v for k, v in payload.items() if v is not None}
        return [Event(event_id, kind, at, call_id, agent, caller, payload, line_no)]


# --- The import ------------------------------------------------------------------------------------------------


def _fingerprint(head: bytes) -> str:
    return f"{len(head)}:{hashlib.sha256(head).hexdigest()}"


def calls_import(
    *,
    path: str | os.PathLike,
    format: str | None = None,
    source: str = "asterisk",
    time_zone: str | None = None,
    batch_size: int = DEFAULT_BATCH,
    restart: bool = False,
    progress: Callable[[int, int, ImportReport], None] | None = None,
) -> ImportReport:
    """Import an Asterisk `Master.csv` or `queue_log` file, continuing where the last run of it stopped.

    `format` is "cdr" or "queue_log" (detected from the first line when
    omitted); `source` is the switch's code (the `CtiSource` code when the
    same switch also posts events); `time_zone` is the zone the CDR's times
    are written in (Asterisk writes local time unless `usegmtime=yes`: pass
    "UTC" then), by default TIME_ZONE. `restart` reads the file from the start
    again (nothing is added twice). `progress(bytes_done, bytes_total, report)`
    is called after each committed batch.

    Raises ImportFileError when the file cannot be imported at all.
    """
    started = timezone.now()
    path = os.fspath(path)
    try:
        zone = zoneinfo.ZoneInfo(time_zone or settings.TIME_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ImportFileError(f"未知时区 Unknown time zone {time_zone!r} (e.g. Asia/Shanghai, UTC).") from None
    try:
        with open(path, "rb") as handle:
            report = _import(handle, path=path, format=format, source=source, zone=zone, batch_size=batch_size,
                             restart=restart, progress=progress)
    except OSError as error:
        raise ImportFileError(f"无法读取文件 Cannot read {path}: {error.strerror}") from None
    report.seconds = (timezone.now() - started).total_seconds()
    return report


def _import(handle, *, path: str, format: str | None, source: str, zone, batch_size: int, restart: bool,
            progress) -> ImportReport:
    head = handle.read(HEAD_BYTES)
    size = os.fstat(handle.fileno()).st_size
    fmt = format or detect_format(head)
    if fmt not in CallImport.Format.values:
        raise ImportFileError(f"未知格式 Unknown format {fmt!r}: use cdr or queue_log.")
    with transaction.atomic():
        record, _ = CallImport.objects.get_or_create(
            format=fmt, source=source, fingerprint=_fingerprint(head), defaults={"path": path}
        )
        if restart:
            record.offset = record.line_no = 0
        record.path = path
        record.save(update_fields=["path", "offset", "line_no"])
    report = ImportReport(call_import=record, format=fmt, resumed_from_line=record.line_no)
    if record.offset > size:
        raise ImportFileError(
            f"文件比上次导入时短 The file is shorter ({size} bytes) than what was imported from it "
            f"({record.offset} bytes): was it truncated? Import it with --restart."
        )
    if record.offset == size:
        report.already_imported = True
        return report
    writer = Writer(source=source, call_import_id=record.pk)
    parser = (CdrParser if fmt == CallImport.Format.CDR else QueueLogParser)(zone=zone, lines=writer.lines)
    handle.seek(record.offset)
    offset, line_no = record.offset, record.line_no
    batch: list[Event] = []
    rejections: list[tuple[int, str]] = []
    ignored: Counter = Counter()
    lines_in_batch = batches = 0
    for raw in handle:
        if not raw.endswith(b"\n"):
            report.pending_partial_line = True
            break
        line_no += 1
        offset += len(raw)
        lines_in_batch += 1
        body = raw.rstrip(b"\r\n")
        if not body.strip():
            ignored["empty line"] += 1
        else:
            try:
                text = body.decode("utf-8")
            except UnicodeDecodeError:
                rejections.append((line_no, "not UTF-8 text"))
            else:
                try:
                    batch.extend(parser(text, body, line_no))
                except Rejected as error:
                    rejections.append((line_no, str(error)[:200]))
                except Ignored as reason:
                    ignored[str(reason)] += 1
        if lines_in_batch >= batch_size:
            _commit(record, writer, batch, rejections, ignored, offset, line_no, report)
            batch, rejections, ignored, lines_in_batch = [], [], Counter(), 0
            batches += 1
            if batches & (batches - 1) == 0:  # after batches 1, 2, 4, 8 …: as the tables double at most
                _refresh_statistics()
            if progress is not None:
                progress(offset, size, report)
    if lines_in_batch:
        _commit(record, writer, batch, rejections, ignored, offset, line_no, report)
        if progress is not None:
            progress(offset, size, report)
    return report


def _refresh_statistics() -> None:
    """PostgreSQL: let the planner see how big the events and calls have grown. A large import into new tables
    outruns autovacuum; without statistics the planner reads each batch's look-up of its call ids
    (`call_id = ANY(…)`) as most of the table and scans all of it, which made a million-line import quadratic
    (385 s instead of about 100)."""
    if connection.vendor != "postgresql":
        return
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {qn(CallEvent._meta.db_table)}, {qn(Call._meta.db_table)}")


def _commit(record: CallImport, writer: Writer, events: list[Event], rejections: list[tuple[int, str]],
            ignored: Counter, offset: int, line_no: int, report: ImportReport) -> None:
    """One batch: its events, its rejected lines and the import's progress, in one transaction.

    On PostgreSQL the commit does not wait for its WAL to reach the disk (synchronous_commit off, for this
    transaction only): a crash can lose the last batches, never part of one, and since the progress is in the
    same transaction, the next run reads them again."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        result = events_apply(source=writer.source, events=events, writer=writer, lock=False)
        CallImportRejection.objects.bulk_create(
            CallImportRejection(call_import=record, line_no=n, reason=reason) for n, reason in rejections
        )
        lines = line_no - record.line_no
        record.offset, record.line_no = offset, line_no
        record.accepted += result.accepted
        record.duplicates += result.duplicates
        record.rejected += len(rejections)
        record.ignored += sum(ignored.values())
        merged = Counter(record.ignored_by_reason)
        merged.update(ignored)
        record.ignored_by_reason = dict(merged)
        record.updated_at = timezone.now()
        record.save()
    report.lines += lines
    report.accepted += result.accepted
    report.duplicates += result.duplicates
    report.rejected += len(rejections)
    report.ignored += sum(ignored.values())
    report.ignored_by_reason.update(ignored)
    report.rejections.extend(rejections)

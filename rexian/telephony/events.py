"""The engine of the telephony app: store events once, rebuild calls and agents' states from them.

Every source (the CTI's HTTP API, Asterisk's `Master.csv` and `queue_log`)
turns what it reads into `Event`s and hands them to `events_apply`, which

1. drops the events already stored (same source and event id: idempotency),
2. inserts the new ones in one `executemany` (caller numbers encrypted, never
   in clear),
3. rebuilds every call that got a new event from *all* its events ordered by
   the time they happened (`call_fold`), not by the order they arrived, and
   writes the calls with one upsert,
4. rebuilds the states of the agents that got a new event (`agents_rebuild`),
5. counts again the call rollups of the half hours and days whose calls or
   intervals changed (`rexian.telephony.rollups.call_rollup_refresh`), in the
   same transaction, so the figures never read a stale slot.

A call whose events all arrive in the same batch (every line of a CDR file) is
folded from memory; only calls that already had events are read back. That is
what lets a million-line CDR import run in a couple of minutes.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db import IntegrityError, connection, transaction
from django.db.models import Max, Min
from django.utils import timezone

from rexian.catalog.models import Line
from rexian.privacy import crypto
from rexian.telephony.models import (
    AGENT_KINDS,
    Agent,
    AgentInterval,
    AgentState,
    Call,
    CallEvent,
    EventKind,
    Outcome,
)
from rexian.telephony.rollups import call_rollup_refresh
from rexian.units.models import User

K = EventKind
UTC = dt.UTC
HALF_HOUR = 1800
# Reasons a queue lets a call go without the caller hanging up: the call was not connected, but not abandoned.
SWITCH_REASONS = frozenset({"timeout", "empty", "key", "busy", "failed", "congestion", "full", "joinempty"})
# When several events share a timestamp, the natural order of a call's life decides.
_RANK = {K.OFFERED: 0, K.CDR: 0, K.QUEUED: 1, K.RINGING: 2, K.ANSWERED: 3, K.TRANSFERRED: 4, K.ABANDONED: 5,
         K.ENDED: 6, K.AGENT_LOGIN: 0, K.READY: 1, K.NOT_READY: 1, K.AGENT_LOGOUT: 2}
_AGENT_STATE = {K.AGENT_LOGIN: AgentState.READY, K.READY: AgentState.READY, K.NOT_READY: AgentState.NOT_READY,
                K.AGENT_LOGOUT: AgentState.LOGGED_OUT}
# A state left open longer than this (a seat nobody logged out) stops counting as ready time.
OPEN_STATE_MAX = dt.timedelta(hours=12)


@dataclass(slots=True)
class Event:
    """An event as a source reports it, in Rexian's words; `caller` is the normalised number (memory only)."""

    event_id: str
    kind: str
    at: dt.datetime
    call_id: str = ""
    agent: str = ""
    caller: str = ""
    data: dict = field(default_factory=dict)
    line_no: int | None = None
    # What a CDR line says, parsed (answer_at, end_at, disposition, agent, line); read from `data` when absent.
    summary: dict | None = None


@dataclass
class ApplyResult:
    accepted: int = 0
    duplicates: int = 0
    calls: int = 0
    agents: int = 0


# --- Small parsers shared by the sources ----------------------------------------------------------

_AGENT_CHANNEL = re.compile(r"^(?:[A-Za-z0-9_]+/)?([^@;/]+?)(?:-[0-9A-Fa-f]{6,})?(?:[@;/].*)?$")


def agent_from_channel(channel: str) -> str:
    """The agent's number in a channel or member name: SIP/1001-0000001b, PJSIP/1001, Local/1001@agents/n → 1001."""
    channel = (channel or "").strip()
    if not channel or channel.upper() == "NONE":
        return ""
    match = _AGENT_CHANNEL.match(channel)
    return (match.group(1) if match else channel)[:40]


def caller_number(text: str) -> str:
    """A caller number fit to store (digits, after the +86 prefix); '' for anonymous or garbage."""
    number = crypto.normalize_phone(text)
    return number if number.isdigit() and 3 <= len(number) <= 20 else ""


def seconds_between(start: dt.datetime | None, end: dt.datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return max(0.0, (end - start).total_seconds())


# --- The fold: one call's state from all its events -----------------------------------------------


def _sort_key(event) -> tuple:
    return (event.at, _RANK.get(event.kind, 9), event.event_id)


def call_fold(events: Sequence[Event]) -> dict:
    """The call's fields from its events, whatever order they arrived in.

    Queue events (queued / answered / abandoned, from the CTI or `queue_log`)
    know who answered and how long the caller waited; a CDR line only knows
    when the call started, was answered and ended. When both exist the queue
    events decide the outcome and the CDR adds what they lack (line, caller,
    start and end).
    """
    if len(events) == 1 and events[0].kind == K.CDR and events[0].summary is not None:
        return _single_cdr(events[0])
    events = sorted(events, key=_sort_key)
    offered_at = events[0].at
    caller = dialled = queue = presented = agent = reason = target = ""
    queued_at = answered_at = abandoned_at = ended_at = None
    answer_wait = abandon_wait = talk_hint = wrap = None
    transferred = False
    queue_knows = False
    cdr_lines = []
    for e in events:
        d = e.data
        if not caller and e.caller:
            caller = e.caller
        if e.kind == K.CDR:
            cdr_lines.append(e)
            continue
        if not dialled and d.get("line"):
            dialled = str(d["line"])
        if not queue and d.get("queue"):
            queue = str(d["queue"])
        kind = e.kind
        if kind == K.QUEUED:
            queue_knows = True
            queued_at = queued_at or e.at
        elif kind == K.RINGING:
            if answered_at is None:
                presented = e.agent or presented
        elif kind == K.ANSWERED:
            queue_knows = True
            if answered_at is None:
                answered_at, agent = e.at, e.agent
                presented = presented or e.agent
                answer_wait = d.get("wait_seconds")
        elif kind == K.ABANDONED:
            queue_knows = True
            if abandoned_at is None and answered_at is None:
                abandoned_at = e.at
                reason = str(d.get("reason") or "")
                abandon_wait = d.get("wait_seconds")
        elif kind == K.ENDED:
            ended_at = e.at if ended_at is None else max(ended_at, e.at)
            if d.get("talk_seconds") is not None:
                talk_hint = d["talk_seconds"]
            if d.get("wrap_seconds") is not None:
                wrap = d["wrap_seconds"]
        elif kind == K.TRANSFERRED:
            transferred = True
            target = str(d.get("target") or target)
    if answered_at is not None:
        abandoned_at = None
    if cdr_lines:
        cdr = _cdr_fold(cdr_lines)
        dialled = dialled or cdr["dialled"]
        ended_at = max(filter(None, (ended_at, cdr["ended_at"])), default=None)
        if not queue_knows:
            answered_at, agent = cdr["answered_at"], cdr["agent"]
            abandoned_at, reason = cdr["abandoned_at"], cdr["reason"]
            presented = presented or agent
    # A queue that only reports the wait (CONNECT's holdtime) still tells when the caller joined it.
    if queued_at is None and answered_at is not None and answer_wait is not None:
        queued_at = answered_at - dt.timedelta(seconds=float(answer_wait))
    if queued_at is None and abandoned_at is not None and abandon_wait is not None:
        queued_at = abandoned_at - dt.timedelta(seconds=float(abandon_wait))
    if queued_at is not None and queued_at < offered_at:
        offered_at = queued_at
    if answered_at is not None:
        outcome = Outcome.ANSWERED
    elif abandoned_at is not None:
        outcome = Outcome.UNANSWERED if reason in SWITCH_REASONS else Outcome.ABANDONED
    elif ended_at is not None:
        # Ended before anyone answered: the caller hung up (in the IVR or the queue).
        abandoned_at, outcome = ended_at, Outcome.ABANDONED
    else:
        outcome = Outcome.IN_PROGRESS
    wait_from = queued_at or offered_at
    wait = seconds_between(wait_from, answered_at if answered_at is not None else abandoned_at)
    talk = seconds_between(answered_at, ended_at) if answered_at is not None else None
    if talk is None and answered_at is not None and talk_hint is not None:
        talk = float(talk_hint)
    return {
        "offered_at": offered_at, "queued_at": queued_at, "answered_at": answered_at, "abandoned_at": abandoned_at,
        "ended_at": ended_at, "caller": caller, "dialled": dialled[:40], "queue": queue[:40],
        "presented_to": presented[:40], "agent_number": agent[:40], "transferred": transferred,
        "transferred_to": target[:80], "wait_seconds": wait, "talk_seconds": talk,
        "wrap_seconds": float(wrap) if wrap is not None else None, "outcome": outcome, "event_count": len(events),
    }


def _single_cdr(e: Event) -> dict:
    """`call_fold` of a call known from one CDR line only (most of a CDR import), without the general machinery."""
    d = e.summary
    start, end = e.at, d["end_at"]
    answered_at = d["answer_at"] if d["disposition"] == "ANSWERED" and d["agent"] else None
    if answered_at is not None:
        outcome, abandoned_at, agent = Outcome.ANSWERED, None, d["agent"]
        wait = max(0.0, (answered_at - start).total_seconds())
        talk = max(0.0, (end - answered_at).total_seconds())
    else:
        connected = d["disposition"] in ("ANSWERED", "NO ANSWER")
        outcome = Outcome.ABANDONED if connected else Outcome.UNANSWERED
        abandoned_at, agent, talk = end, "", None
        wait = max(0.0, (end - start).total_seconds())
    return {
        "offered_at": start, "queued_at": None, "answered_at": answered_at, "abandoned_at": abandoned_at,
        "ended_at": end, "caller": e.caller, "dialled": d["line"][:40], "queue": "", "presented_to": agent,
        "agent_number": agent, "transferred": False, "transferred_to": "", "wait_seconds": wait,
        "talk_seconds": talk, "wrap_seconds": None, "outcome": outcome, "event_count": 1,
    }


def _cdr_fold(lines: Sequence[Event]) -> dict:
    """What CDR lines alone say. Asterisk may write several lines for one call (one per Dial attempt)."""
    answered_at = None
    agent = reason = ""
    ended_at = None
    dialled = ""
    connected_somewhere = False
    for e in lines:
        d = e.summary
        if d is None:  # read back from the database: parse the stored line (the importers know the columns)
            from rexian.telephony.importers import cdr_summary

            d = e.summary = cdr_summary(e.data)
        dialled = dialled or d.get("line", "")
        end = d.get("end_at") or e.at
        ended_at = end if ended_at is None else max(ended_at, end)
        disposition = d.get("disposition", "")
        # ANSWERED without a destination channel is the dialplan answering (IVR, queue music), not an operator.
        if disposition == "ANSWERED" and d.get("agent"):
            answer = d.get("answer_at")
            if answer is not None and (answered_at is None or answer < answered_at):
                answered_at, agent = answer, d["agent"]
        if disposition in ("ANSWERED", "NO ANSWER"):
            connected_somewhere = True
    abandoned_at = None
    if answered_at is None:
        abandoned_at = ended_at
        reason = "" if connected_somewhere else "failed"
    return {"answered_at": answered_at, "agent": agent, "ended_at": ended_at, "abandoned_at": abandoned_at,
            "reason": reason, "dialled": dialled}


# --- Writing: events, calls -----------------------------------------------------------------------


class _Cipher:
    """Encrypts each distinct caller number once per run (the keyed hash already reveals equality).

    Numbers are normalised here too (+86, spaces, dashes), whatever the source
    did, so one caller always has one hash.
    """

    def __init__(self):
        self.cache: dict[str, tuple[str, str]] = {}
        self.seal = crypto.phone_sealer()

    def __call__(self, number: str) -> tuple[str, str]:
        if not number:
            return "", ""
        found = self.cache.get(number)
        if found is None:
            if len(self.cache) > 200_000:
                self.cache.clear()
            normalised = caller_number(number)
            found = self.seal(normalised) if normalised else ("", "")
            self.cache[number] = found
        return found


def _columns(model, names: Sequence[str]) -> list[str]:
    return [model._meta.get_field(name).column for name in names]


def _chunks(items: Sequence, size: int = 900) -> Iterable[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


_EVENT_FIELDS = ("source", "event_id", "kind", "call_id", "agent_number", "occurred_at", "received_at", "caller",
                 "data", "call_import", "line_no")
_CALL_FIELDS = ("source", "call_id", "line", "dialled", "caller", "caller_hash", "queue", "offered_at", "queued_at",
                "answered_at", "abandoned_at", "ended_at", "presented_to", "agent_number", "agent", "transferred",
                "transferred_to", "wait_seconds", "talk_seconds", "wrap_seconds", "outcome", "event_count",
                "updated_at")


@dataclass(frozen=True)
class _Insert:
    """An `INSERT … ON CONFLICT` of many rows: one `executemany` of a prepared statement on SQLite. On
    PostgreSQL a large batch goes by `COPY` (Django's cursor binds on the client, so the server would parse
    one literal statement per row): rows expected to be new (`expect_new`, the caller has looked) are copied
    straight into the table; the others, or all of them should one be there after all (a concurrent writer),
    into a temporary table of the same columns, then inserted from it with the `ON CONFLICT` clause."""

    table: str
    columns: str
    values: str
    conflict: str

    COPY_FROM = 1000  # rows: fewer (an API post's events) are inserted as they are

    def run(self, cursor, rows: Sequence[tuple], *, expect_new: bool = False) -> int | None:
        """Insert `rows`; returns how many the database says it wrote, or None when it does not say."""
        if connection.vendor == "postgresql" and len(rows) >= self.COPY_FROM:
            if expect_new:
                try:
                    with transaction.atomic():  # a savepoint: a duplicate undoes this copy only
                        self._copy_into(cursor, self.table, rows)
                    return len(rows)
                except IntegrityError:
                    pass
            with transaction.atomic():  # the load table lives until the commit
                return self._copy_through_load_table(cursor, rows)
        cursor.executemany(f"INSERT INTO {self.table} ({self.columns}) VALUES ({self.values}) {self.conflict}", rows)
        return cursor.rowcount if cursor.rowcount is not None and cursor.rowcount >= 0 else None

    def _copy_into(self, cursor, table: str, rows: Sequence[tuple]) -> None:
        # psycopg's own cursor (Django's has no COPY), its errors turned into Django's (IntegrityError …).
        with connection.wrap_database_errors, cursor.cursor.copy(f"COPY {table} ({self.columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)

    def _copy_through_load_table(self, cursor, rows: Sequence[tuple]) -> int:
        bare = self.table.strip('"')
        load = connection.ops.quote_name(f"rexian_load_{bare}")
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {load} ON COMMIT DROP AS "
            f"SELECT {self.columns} FROM {self.table} WITH NO DATA"
        )
        cursor.execute(f"TRUNCATE {load}")
        self._copy_into(cursor, load, rows)
        cursor.execute(f"INSERT INTO {self.table} ({self.columns}) SELECT {self.columns} FROM {load} {self.conflict}")
        return cursor.rowcount


def _insert_sql(model, names: Sequence[str], *, conflict: Sequence[str], update: Sequence[str] = ()) -> _Insert:
    qn = connection.ops.quote_name
    columns = _columns(model, names)
    target = ", ".join(qn(c) for c in _columns(model, conflict))
    conflict = f"ON CONFLICT ({target}) DO NOTHING"
    if update:
        updates = ", ".join(f"{qn(c)} = EXCLUDED.{qn(c)}" for c in _columns(model, update))
        conflict = f"ON CONFLICT ({target}) DO UPDATE SET {updates}"
    return _Insert(qn(model._meta.db_table), ", ".join(qn(c) for c in columns), ", ".join(["%s"] * len(columns)),
                   conflict)


class Writer:
    """Turns events and folded calls into rows, with the database's own value adaptation."""

    def __init__(self, *, source: str, call_import_id: int | None = None):
        self.source = source
        self.call_import_id = call_import_id
        self.cipher = _Cipher()
        self._dt = _datetime_adapter()
        self._json = connection.ops.adapt_json_value
        self.lines = _line_lookup()
        self._line_cache: dict[str, int | None] = {}
        self._agents: dict[str, int | None] = {}
        self.event_sql = _insert_sql(CallEvent, _EVENT_FIELDS, conflict=("source", "event_id"))
        update = [name for name in _CALL_FIELDS if name not in ("source", "call_id")]
        self.call_sql = _insert_sql(Call, _CALL_FIELDS, conflict=("source", "call_id"), update=update)
        self.call_insert_sql = _insert_sql(Call, _CALL_FIELDS, conflict=("source", "call_id"))

    def insert_events(self, events: Sequence[Event], now: dt.datetime) -> int:
        adapt, js, cipher = self._dt, self._json, self.cipher
        received = adapt(now)
        rows = []
        for e in events:
            rows.append((self.source, e.event_id, str(e.kind), e.call_id, e.agent, adapt(e.at), received,
                         cipher(e.caller)[0], js(e.data, None), self.call_import_id, e.line_no))
        with connection.cursor() as cursor:
            inserted = self.event_sql.run(cursor, rows, expect_new=True)  # events_apply left out the stored ones
        return len(rows) if inserted is None else inserted

    def upsert_calls(self, states: dict[str, dict], now: dt.datetime, *, fresh: bool = False) -> None:
        """Write the folded calls. `fresh`: none of them is expected to be stored yet (no events of theirs were):
        a plain insert then, because SQLite's upsert costs twice as much with foreign keys on; should one be stored
        after all (a call written without events), the whole batch is upserted."""
        if not states:
            return
        self.resolve_agents({s["agent_number"] for s in states.values() if s["agent_number"]})
        adapt, cipher, agents = self._dt, self.cipher, self._agents
        updated = adapt(now)
        rows = []
        for call_id, s in states.items():
            encrypted, digest = cipher(s["caller"])
            rows.append((
                self.source, call_id, self.line(s["dialled"]), s["dialled"], encrypted, digest, s["queue"],
                adapt(s["offered_at"]), adapt(s["queued_at"]), adapt(s["answered_at"]), adapt(s["abandoned_at"]),
                adapt(s["ended_at"]), s["presented_to"], s["agent_number"], agents.get(s["agent_number"]),
                s["transferred"], s["transferred_to"], s["wait_seconds"], s["talk_seconds"], s["wrap_seconds"],
                str(s["outcome"]), s["event_count"], updated,
            ))
        with connection.cursor() as cursor:
            if fresh and self.call_insert_sql.run(cursor, rows, expect_new=True) == len(rows):
                return
            self.call_sql.run(cursor, rows)

    def resolve_agents(self, numbers: Iterable[str]) -> dict[str, int | None]:
        missing = [n for n in numbers if n not in self._agents]
        if missing:
            self._agents.update(users_by_agent_number(missing))
        return self._agents

    def line(self, dialled: str) -> int | None:
        if dialled not in self._line_cache:
            self._line_cache[dialled] = line_for(dialled, self.lines)
        return self._line_cache[dialled]


def users_by_agent_number(numbers: Iterable[str]) -> dict[str, int | None]:
    """Agent number (工号) → the user carrying it; None when no user, or several, carry it."""
    numbers = list(numbers)
    found: dict[str, list[int]] = {}
    for chunk in _chunks(numbers):
        for pk, number in User.objects.filter(agent_number__in=chunk).values_list("pk", "agent_number"):
            found.setdefault(number, []).append(pk)
    return {n: (found[n][0] if len(found.get(n, ())) == 1 else None) for n in numbers}


def _datetime_adapter():
    """The backend's datetime adapter; for SQLite (naive UTC text) the same conversion without the settings
    look-ups that otherwise cost a tenth of a large import."""
    if connection.vendor != "sqlite" or connection.timezone != UTC:
        return connection.ops.adapt_datetimefield_value

    def adapt(value: dt.datetime | None) -> str | None:
        if value is None:
            return None
        if value.tzinfo is not UTC:
            value = value.astimezone(UTC)
        return value.isoformat(" ")[:-6]  # str() of the naive value: without its "+00:00"

    return adapt


def _line_lookup() -> dict[str, int]:
    lines: dict[str, int] = {}
    for pk, code, number in Line.objects.values_list("pk", "code", "number"):
        lines.setdefault(code, pk)
        lines[number] = pk
    return lines


def line_for(dialled: str, lines: dict[str, int]) -> int | None:
    """The line a dialled number belongs to: its number or code, else the longest line number it ends with
    (a DID like 052312345 is the 12345 line)."""
    if not dialled:
        return None
    found = lines.get(dialled)
    if found is not None:
        return found
    best = None
    for number, pk in lines.items():
        if number.isdigit() and len(number) >= 5 and dialled.endswith(number) and (
            best is None or len(number) > len(best[0])
        ):
            best = (number, pk)
    return best[1] if best else None


def _select_in(model, columns: Sequence[str], source: str, key: str, values: Sequence[str]) -> Iterable[tuple]:
    """SELECT columns WHERE source = %s AND key IN (values), in chunks (one array on PostgreSQL): plain SQL,
    because building an ORM `__in` lookup for tens of thousands of values costs more than running it."""
    qn = connection.ops.quote_name
    table = qn(model._meta.db_table)
    select = ", ".join(qn(c) for c in _columns(model, columns))
    source_column, key_column = (qn(c) for c in _columns(model, ("source", key)))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # one array, however many values
            cursor.execute(f"SELECT {select} FROM {table} WHERE {source_column} = %s AND {key_column} = ANY(%s)",
                           [source, list(values)])
            yield from cursor.fetchall()
            return
        for chunk in _chunks(values):
            cursor.execute(
                f"SELECT {select} FROM {table} WHERE {source_column} = %s AND {key_column} IN "
                f"({', '.join(['%s'] * len(chunk))})",
                [source, *chunk],
            )
            yield from cursor.fetchall()


def _stored_events(source: str, call_ids: Sequence[str]) -> dict[str, list[Event]]:
    found: dict[str, list[Event]] = {}
    for chunk in _chunks(list(call_ids)):
        rows = CallEvent.objects.filter(source=source, call_id__in=chunk).values_list(
            "call_id", "event_id", "kind", "occurred_at", "agent_number", "caller", "data"
        )
        for call_id, event_id, kind, at, agent, caller, data in rows:
            found.setdefault(call_id, []).append(Event(event_id, kind, at, call_id, agent, caller, data or {}))
    return found


def events_apply(
    *, source: str, events: Sequence[Event], writer: Writer | None = None, lock: bool = True,
    now: dt.datetime | None = None,
) -> ApplyResult:
    """Store the new events of `source` and rebuild what they change. Call inside a transaction.

    Events already stored (same source and id, or repeated in `events`) are
    counted as duplicates and change nothing. With `lock` (the API), the calls
    are locked before their events are read, so two requests about the same
    call never both write a state that misses the other's events.
    """
    now = now or timezone.now()
    writer = writer or Writer(source=source)
    unique: dict[str, Event] = {}
    for e in events:
        unique.setdefault(e.event_id, e)
    by_call: dict[str, list[Event]] = {}
    agent_ids = []
    for e in unique.values():
        if e.kind in AGENT_KINDS:
            agent_ids.append(e.event_id)
        elif e.call_id:
            by_call.setdefault(e.call_id, []).append(e)
    if lock and by_call:
        _lock_calls(source, by_call, now)
    # One look-up serves twice: the events already stored for these calls (duplicates), and which calls have a
    # past (to be folded from the database rather than from this batch alone).
    stored: set[str] = set()
    known: set[str] = set()
    for event_id, call_id in _select_in(CallEvent, ("event_id", "call_id"), source, "call_id", list(by_call)):
        stored.add(event_id)
        known.add(call_id)
    stored.update(event_id for event_id, in _select_in(CallEvent, ("event_id",), source, "event_id", agent_ids))
    new = [e for e in unique.values() if e.event_id not in stored]
    result = ApplyResult(duplicates=len(events) - len(new))
    if not new:
        return result
    inserted = writer.insert_events(new, now)
    result.accepted = inserted
    result.duplicates += len(new) - inserted
    changed = {e.call_id for e in new if e.call_id and e.kind not in AGENT_KINDS}
    earlier = _stored_events(source, [c for c in changed if c in known])
    states = {call_id: call_fold(earlier.get(call_id) or by_call[call_id]) for call_id in changed}
    # Where the changed calls were counted before (a late event may move a call to another slot) and are now.
    # Only calls with stored events can have been counted, but for the API's few calls also those written
    # without events (the demo's).
    counted = _counted_offer_times(source, [c for c in changed if lock or c in known])
    counted += [s["offered_at"] for s in states.values() if s["outcome"] != Outcome.IN_PROGRESS]
    fresh = {call_id: state for call_id, state in states.items() if call_id not in known}
    writer.upsert_calls(fresh, now, fresh=True)
    writer.upsert_calls({call_id: state for call_id, state in states.items() if call_id in known}, now)
    result.calls = len(states)
    agent_since: dict[str, dt.datetime] = {}
    for e in new:
        if e.kind in AGENT_KINDS and (e.agent not in agent_since or e.at < agent_since[e.agent]):
            agent_since[e.agent] = e.at
    replaced: list[tuple[dt.datetime, dt.datetime]] = []
    if agent_since:
        replaced = agents_rebuild(agent_since, writer=writer)
        result.agents = len(agent_since)
    call_rollup_refresh(calls=counted, ready=replaced)
    return result


def _counted_offer_times(source: str, call_ids: Sequence[str]) -> list[dt.datetime]:
    """The offer times of these calls as stored now, for those already counted in the figures."""
    found: list[dt.datetime] = []
    for chunk in _chunks(list(call_ids)):
        found.extend(
            Call.objects.filter(source=source, call_id__in=chunk).exclude(outcome=Outcome.IN_PROGRESS)
            .values_list("offered_at", flat=True)
        )
    return found


def _lock_calls(source: str, call_events: dict[str, list[Event]], now: dt.datetime) -> None:
    """Create missing calls as placeholders and lock every call of the batch (a no-op lock on SQLite, whose
    writers are serialised anyway)."""
    existing = set()
    for chunk in _chunks(list(call_events)):
        existing.update(Call.objects.filter(source=source, call_id__in=chunk).values_list("call_id", flat=True))
    missing = [
        Call(source=source, call_id=call_id, offered_at=min(e.at for e in evs), updated_at=now)
        for call_id, evs in call_events.items() if call_id not in existing
    ]
    if missing:
        Call.objects.bulk_create(missing, ignore_conflicts=True)
    for chunk in _chunks(sorted(call_events)):
        list(Call.objects.select_for_update().filter(source=source, call_id__in=chunk).order_by("pk").values_list("pk"))


# --- Agents ------------------------------------------------------------------------------------------


def half_hour_pieces(state: str, start: dt.datetime, end: dt.datetime) -> list[tuple[str, dt.datetime, dt.datetime]]:
    pieces = []
    t = start
    while t < end:
        epoch = t.timestamp()
        boundary = dt.datetime.fromtimestamp((epoch // HALF_HOUR + 1) * HALF_HOUR, tz=UTC)
        stop = min(boundary, end)
        pieces.append((state, t, stop))
        t = stop
    return pieces


def agent_events_of(number: str):
    """The events of one agent's states. The exclude repeats the condition of the partial index
    `call_event_agent`: without it SQLite, which cannot tell that agent_number = '1001' implies
    agent_number <> '', scans every event (a million for a year of calls) for each agent."""
    return CallEvent.objects.filter(agent_number=number, kind__in=AGENT_KINDS).exclude(agent_number="")


def agents_rebuild(
    agent_since: dict[str, dt.datetime], *, writer: Writer | None = None
) -> list[tuple[dt.datetime, dt.datetime]]:
    """Rebuild each agent's state intervals from its events, starting at the last event before `since`.

    Intervals are cut at every event, so everything from that anchor event on
    is replaced and nothing before it moves: a late event costs one agent's
    recent history, not all of it. Returns, per agent, the first and last
    start of the intervals replaced or written (for the call rollups).
    """
    replaced: list[tuple[dt.datetime, dt.datetime]] = []
    users = writer.resolve_agents(agent_since) if writer else users_by_agent_number(agent_since)
    for number, since in sorted(agent_since.items()):
        agent, created = Agent.objects.select_for_update().get_or_create(
            agent_number=number, defaults={"user_id": users.get(number)}
        )
        if not created and agent.user_id is None and users.get(number):
            agent.user_id = users[number]
        agent_events = agent_events_of(number)
        anchor = (
            agent_events.filter(occurred_at__lt=since).order_by("-occurred_at").values_list("occurred_at", flat=True)
            .first()
        )
        start = anchor or since
        old = AgentInterval.objects.filter(agent=agent, started_at__gte=start)
        span = old.aggregate(first=Min("started_at"), last=Max("started_at"))
        old.delete()
        rows = sorted(
            agent_events.filter(occurred_at__gte=start).values_list("occurred_at", "kind", "event_id"),
            key=lambda r: (r[0], _RANK.get(r[1], 9), r[2]),
        )
        pieces: list[AgentInterval] = []
        state, since_at = AgentState.LOGGED_OUT, None
        for at, kind, _ in rows:
            if state != AgentState.LOGGED_OUT and since_at is not None and at > since_at:
                pieces.extend(
                    AgentInterval(agent=agent, state=s, started_at=a, ended_at=b, seconds=(b - a).total_seconds())
                    for s, a, b in half_hour_pieces(state, since_at, at)
                )
            state, since_at = _AGENT_STATE[kind], at
        if state != AgentState.LOGGED_OUT and since_at is not None:
            pieces.append(AgentInterval(agent=agent, state=state, started_at=since_at))
        AgentInterval.objects.bulk_create(pieces)
        if rows:
            agent.state, agent.state_since = state, since_at
        agent.save(update_fields=["state", "state_since", "user"])
        starts = [t for t in (span["first"], span["last"], *(p.started_at for p in pieces[:1] + pieces[-1:])) if t]
        if starts:
            replaced.append((min(starts), max(starts)))
    return replaced


def agent_open_pieces(*, start: dt.datetime, end: dt.datetime, now: dt.datetime | None = None,
                      agent_numbers: Iterable[str] | None = None):
    """The agents' current (open) states overlapping [start, end), clipped to now and to OPEN_STATE_MAX.

    At most one per agent, so reading them into Python stays bounded by the
    number of seats, not by history.
    """
    now = now or timezone.now()
    rows = AgentInterval.objects.filter(ended_at__isnull=True, started_at__lt=min(end, now))
    if agent_numbers is not None:
        rows = rows.filter(agent__agent_number__in=list(agent_numbers))
    for number, state, started in rows.values_list("agent__agent_number", "state", "started_at"):
        stop = min(end, now, started + OPEN_STATE_MAX)
        begin = max(start, started)
        if stop > begin:
            yield number, state, begin, stop

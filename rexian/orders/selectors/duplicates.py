"""Duplicates (重复诉求): the earlier orders a request may repeat, found through indexes and ranked by
`rexian.intelligence.duplicates`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from rexian.orders import access, search
from rexian.orders.models import WorkOrder
from rexian.orders.selectors.search import _is_dense, _steer
from rexian.orders.transitions import OPEN_STATES, State
from rexian.privacy import crypto
from rexian.units.models import Role, Unit

DUPLICATE_CALLER_CAP = 100  # the caller's newest orders read per look-up
DUPLICATE_PLACE_CAP = 300  # the place's newest orders of the window read per look-up
DUPLICATE_TEXT_CAP = 100  # the newest orders of the window, anywhere, that share a run of the text's words
DUPLICATE_TEXT_SCAN = 500  # … found among this many newest such orders of any date (bounds the index read)
# What ranking reads of each candidate: plain tuples, not model instances (300 instances cost ~30 ms).
_DUPLICATE_COLUMNS = ("pk", "title", "description", "address", "area_id", "caller_phone_hash", "registered_at")
_DUPLICATE_SHOWN = (
    "number", "title", "state", "registered_at", "due_at", "is_overdue", "lead_unit__code", "lead_unit__name",
)


@dataclass(frozen=True)
class DuplicateHit:  # 疑似重复
    order: WorkOrder  # with its lead unit
    score: float  # rexian.intelligence.duplicates.score, 0–1
    reasons: list[str]  # 同一来电人 / 同一地址 or 同一区域 / 内容相似
    likely: bool  # at or above the measured operating point (duplicates.DUPLICATE_SCORE)
    mergeable: bool  # still open: a new order may be merged into it (并单)


def _duplicate_reason_labels() -> dict[str, str]:
    from rexian.intelligence import duplicates as dup

    return {
        dup.SAME_CALLER: _("同一来电人"), dup.SAME_ADDRESS: _("同一地址"), dup.SAME_PLACE: _("同一区域"),
        dup.SIMILAR: _("内容相似"),
    }


def duplicate_candidates(
    *,
    user,
    phone: str = "",
    area=None,
    address: str = "",
    title: str = "",
    description: str = "",
    days: int = 30,
    limit: int = 10,
    now: dt.datetime | None = None,
) -> list[DuplicateHit]:
    """疑似重复: earlier orders the request being recorded may repeat, best first, as far as `user` may see.

    Candidates are read through indexes, never by scanning: the caller's orders by the phone's keyed hash
    (open ones of any age, others of the last `days` days; at most DUPLICATE_CALLER_CAP), and the orders of
    the same place (`area` and the units below it) registered in the last `days` days (the newest
    DUPLICATE_PLACE_CAP), and the orders of those days, anywhere, that hold a whole run of the text's words
    (`search.text_probes`, the newest DUPLICATE_TEXT_CAP). Merged and voided orders are left out. They are ranked by
    `rexian.intelligence.duplicates.rank_candidates` on title, description and address: the caller's orders
    are always listed, the others from a modest text similarity on. Unit staff never find a whistle-blower's or
    confidential caller's order by phone (as in `caller_history`).
    """
    return _duplicate_hits(
        user=user,
        digest=crypto.phone_hash(phone) if phone else "",
        area_id=getattr(area, "pk", area),
        title=title,
        description=description,
        address=address,
        days=days,
        limit=limit,
        now=now or timezone.now(),
    )


def order_duplicates(*, user, order: WorkOrder, days: int = 30, limit: int = 5) -> list[DuplicateHit]:
    """疑似重复 of an order already recorded (its page's 并单 form): as `duplicate_candidates`, the order left out.

    Looks up with the order's own caller (by the stored keyed hash, nothing decrypted), place, title,
    description and address, over the `days` before now, so a dispatcher or operator who meets a repeated
    request after it was recorded can merge it into the earlier order.
    """
    return _duplicate_hits(
        user=user,
        digest=order.caller_phone_hash,
        area_id=order.area_id,
        title=order.title,
        description=order.description,
        address=order.address,
        days=days,
        limit=limit,
        now=timezone.now(),
        exclude=order.pk,
    )


def _duplicate_hits(
    *, user, digest, area_id, title, description, address, days, limit, now, exclude=None
) -> list[DuplicateHit]:
    """The look-up behind both: `digest` is the caller's keyed phone hash, `exclude` an order's own id."""
    from rexian.intelligence import duplicates as dup
    from rexian.intelligence.text import order_text

    query_text = f"{order_text(title, description)} {address or ''}".strip()
    probes = search.text_probes(title, description)
    since = now - dt.timedelta(days=days)
    if not digest and not (area_id and query_text) and not probes:
        return []
    visible = access.orders_visible_to(user).exclude(state__in=(State.MERGED, State.VOIDED))
    if exclude is not None:
        visible = visible.exclude(pk=exclude)
    found: dict[int, tuple] = {}
    if digest:
        mine = visible.filter(caller_phone_hash=digest).filter(Q(registered_at__gte=since) | Q(state__in=OPEN_STATES))
        if user.role in (Role.UNIT_HANDLER, Role.UNIT_ADMIN):
            mine = mine.exclude(confidential=True).exclude(appeal_type__protects_identity=True)
        rows = mine.order_by("-registered_at").values_list(*_DUPLICATE_COLUMNS)[:DUPLICATE_CALLER_CAP]
        found.update((row[0], row) for row in rows)
    places: set[int] = set()
    if area_id and query_text:
        places = _place_units(area_id)
        # A busy place's orders are met along the newest-first walk of the registration index (at 1,000,000 orders
        # a town holds 100,000: read through the area index and sorted, that took over a second); a quiet place's
        # few orders are read through the area index (see _steer).
        nearby, _drives = _steer(visible, None, "area_id", list(places), dense=_place_is_busy(places))
        rows = nearby.filter(registered_at__gte=since).order_by("-registered_at").values_list(*_DUPLICATE_COLUMNS)
        found.update((row[0], row) for row in rows[:DUPLICATE_PLACE_CAP])
    if probes:
        # Similar text from anyone, anywhere: the same request from another phone, or filed under another place, or
        # one older than a busy place's newest orders. Read through the word index, newest first.
        ids = search.newest_matching_ids(probes, limit=DUPLICATE_TEXT_SCAN)
        if ids:
            similar = visible.filter(pk__in=ids, registered_at__gte=since).order_by("-pk")
            found.update((row[0], row) for row in similar.values_list(*_DUPLICATE_COLUMNS)[:DUPLICATE_TEXT_CAP])
    candidates = [
        dup.Candidate(
            id=pk,
            text=f"{order_text(title_, text_)} {address_}".strip(),
            same_caller=bool(digest) and phone_hash == digest,
            same_place=area_ in places,
            age_days=max((now - registered_at).total_seconds(), 0) / 86400,
            address=address_ or "",
        )
        for pk, title_, text_, address_, area_, phone_hash, registered_at in found.values()
    ]
    ranked = dup.rank_candidates(query_text, candidates, query_address=address or "", limit=max(1, min(limit, 50)))
    # The few columns the panel shows: loading a whole order would decrypt its caller for nothing.
    shown = WorkOrder.objects.select_related("lead_unit").only(*_DUPLICATE_SHOWN)
    orders = shown.in_bulk([hit.id for hit in ranked])
    labels = _duplicate_reason_labels()
    return [
        DuplicateHit(
            order=orders[hit.id],
            score=hit.score,
            reasons=[labels[code] for code in hit.reasons],
            likely=hit.likely,
            mergeable=orders[hit.id].state in OPEN_STATES,
        )
        for hit in ranked
        if hit.id in orders
    ]


def _place_is_busy(places: set[int]) -> bool:
    """Whether the place holds SEARCH_DENSE orders or more (`_is_dense`), remembered for ten minutes: a busy
    town stays busy, and the count costs ~20 ms on PostgreSQL at a million orders, as much as the rest of the
    look-up."""
    key = "orders:busy-place:" + ",".join(map(str, sorted(places)))
    busy = cache.get(key)
    if busy is None:
        busy = _is_dense(WorkOrder.objects.filter(area_id__in=places))
        cache.set(key, busy, 600)
    return busy


def _place_units(area_id: int) -> set[int]:
    """The area and the units below it (a town's communities): an order recorded under either is the same place."""
    path = Unit.objects.filter(pk=area_id).values_list("path", flat=True).first()
    if path is None:
        return {area_id}
    return set(Unit.objects.filter(path__startswith=path).values_list("pk", flat=True)) | {area_id}

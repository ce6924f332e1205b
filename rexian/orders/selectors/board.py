"""The supervisor's board (值班看板): today's intake by hour, open orders by state, overdue and near orders by unit."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.db.models.functions import ExtractHour
from django.utils import timezone
from django.utils.translation import gettext as _

from rexian.orders import access
from rexian.orders.selectors.queues import registered_today
from rexian.orders.transitions import OPEN_STATES, State
from rexian.units.models import Role

BOARD_ROLES = frozenset({Role.SUPERVISOR, Role.LEADER})
BOARD_TOP_UNITS = 20
# States in which a unit's clock runs (签收, 首次响应, 办结): overdue in them is the unit's. An order awaiting
# its callback runs against the centre's callback deadline instead, so it is counted by state, not by unit.
UNIT_CLOCK_STATES = (State.DISPATCHED, State.IN_PROGRESS)


@dataclass(frozen=True)
class StateFigures:
    state: str
    label: str
    count: int
    overdue: int
    near: int  # not overdue, and the live deadline has turned yellow


@dataclass(frozen=True)
class UnitFigures:
    unit_id: int
    code: str  # the search page's unit filter takes the code
    name: str
    overdue: int
    near: int


@dataclass(frozen=True)
class BoardFigures:  # 值班看板
    now: dt.datetime
    intake_today: int  # 今日受理: registered since local midnight, voided left out (the dashboards' 受理量)
    intake_by_hour: list[tuple[int, int]]  # (local hour, registered in it), from 0 to the current hour
    open_by_state: list[StateFigures]  # every open state, in the lifecycle's order
    open_total: int
    overdue_total: int  # 当前超期在办: open orders past a running deadline now (not the dashboards' 本期超期件数)
    near_total: int
    units: list[UnitFigures]  # lead units with overdue or near orders, most overdue first (BOARD_TOP_UNITS)


def _near(now: dt.datetime) -> Q:
    """Not overdue, and past the moment the live deadline turned yellow (`due_warn_at`)."""
    return Q(is_overdue=False, due_warn_at__lte=now, due_at__gte=now)


def board_figures(*, user, now: dt.datetime | None = None) -> BoardFigures:
    """The supervisor's live board: today's intake by hour, open orders by state, overdue and near orders by unit.

    Today's intake is `registered_today` (voided orders left out, as the dashboards' 受理量); overdue is the
    open orders past a running deadline now (sign, first response, reply or callback), a stock, where the
    dashboards' 本期超期件数 counts the replies late against deadlines that fell in a period.

    For supervisors and leaders (PermissionDenied otherwise), over the orders they may see. Four
    GROUP BY queries: today's orders through the index on registered_at, open orders through the
    indexes on (state, …); none reads closed orders, so the board costs what is open, not what is stored.
    """
    if user.role not in BOARD_ROLES:
        raise PermissionDenied(_("只有值班长和领导可以查看值班看板。"))
    now = now or timezone.now()
    local_tz = timezone.get_default_timezone()
    visible = access.orders_visible_to(user)

    by_hour = dict(
        registered_today(visible, now)
        .annotate(hour=ExtractHour("registered_at", tzinfo=local_tz))
        .values("hour")
        .annotate(count=Count("pk"))
        .order_by("hour")
        .values_list("hour", "count")
    )
    hours = [(hour, by_hour.get(hour, 0)) for hour in range(timezone.localtime(now, local_tz).hour + 1)]

    counts = {
        row["state"]: row
        for row in visible.filter(state__in=OPEN_STATES)
        .values("state")
        .annotate(
            count=Count("pk"), overdue=Count("pk", filter=Q(is_overdue=True)), near=Count("pk", filter=_near(now))
        )
        .order_by()
    }
    states = [
        StateFigures(
            state=state.value,
            label=state.label,
            count=counts.get(state.value, {}).get("count", 0),
            overdue=counts.get(state.value, {}).get("overdue", 0),
            near=counts.get(state.value, {}).get("near", 0),
        )
        for state in State
        if state in OPEN_STATES
    ]

    units = (
        visible.filter(state__in=UNIT_CLOCK_STATES, lead_unit__isnull=False)
        .values("lead_unit", "lead_unit__code", "lead_unit__name")
        .annotate(overdue=Count("pk", filter=Q(is_overdue=True)), near=Count("pk", filter=_near(now)))
        .filter(Q(overdue__gt=0) | Q(near__gt=0))
        .order_by("-overdue", "-near", "lead_unit__name")[:BOARD_TOP_UNITS]
    )
    return BoardFigures(
        now=now,
        intake_today=sum(count for _hour, count in hours),
        intake_by_hour=hours,
        open_by_state=states,
        open_total=sum(s.count for s in states),
        overdue_total=sum(s.overdue for s in states),
        near_total=sum(s.near for s in states),
        units=[
            UnitFigures(
                unit_id=row["lead_unit"],
                code=row["lead_unit__code"],
                name=row["lead_unit__name"],
                overdue=row["overdue"],
                near=row["near"],
            )
            for row in units
        ],
    )


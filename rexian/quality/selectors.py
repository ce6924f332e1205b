"""Reads of quality inspection (质检): the inspectors' queue, the weekly review (每周一点评) and the monthly
assessment (每月一考核).

Inspectors and supervisors see every inspection; nobody else sees any. Every figure is counted in SQL
(grouped by operator, or by operator and criterion), so a page costs a fixed number of queries.

The monthly assessment ranks operators by a weighted score (docs/quality.md):

    score = W_QUALITY·质检均分 + W_VOLUME·受理量得分 + W_SATISFACTION·回访满意率×100

- 质检均分: the average total, out of 100, of the month's scored inspections of orders registered that month;
- 受理量得分: the operator's orders registered in the month (voided left out) ÷ the busiest operator's × 100;
- 回访满意率: as the dashboards count it (docs/metrics.md): reached callbacks made in the month on the
  operator's orders (voided left out), satisfied (+ basically satisfied per
  REXIAN_METRICS_BASIC_COUNTS_AS_SATISFIED) ÷ reached.

A score is undefined (and the operator listed after the ranked ones) when the operator has no scored
inspection or no reached callback that month, as the metrics' weighted score is when a rate is undefined.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Avg, Count, ExpressionWrapper, F, FloatField, Q, QuerySet
from django.shortcuts import get_object_or_404

from rexian.catalog.models import localized_name
from rexian.core.dates import local_midnight
from rexian.orders.models import Callback, Satisfaction, WorkOrder
from rexian.orders.transitions import State
from rexian.quality.models import QualityCriterion, QualityInspection, QualityScore
from rexian.quality.services import PASS_MARK, SCORERS
from rexian.units.models import Role, User

Status = QualityInspection.Status
PAGE_SIZE = 50
LOWEST_CRITERIA = 2  # the weekly review names each operator's weakest criteria, at most this many
COMMENTS_LIMIT = 2000  # a week's comments shown at most (about 3 a day per operator)
# The monthly assessment's weights (每月一考核); they add up to 1.
W_QUALITY = 0.5
W_VOLUME = 0.2
W_SATISFACTION = 0.3

# An inspection's total out of 100, whatever the checklist's maximum was when it was scored.
PERCENT = ExpressionWrapper(F("total") * 100.0 / F("max_total"), output_field=FloatField())


def inspections_visible_to(user) -> QuerySet:
    """The inspections `user` may see: all of them for inspectors and supervisors, none otherwise."""
    items = QualityInspection.objects.all()
    if user.is_authenticated and user.is_active and user.role in SCORERS:
        return items
    return items.none()


@dataclass
class QueuePage:
    rows: list[QualityInspection]
    page: int
    has_next: bool
    pending: int


def quality_pending_count(*, user) -> int:
    """How many inspections wait for a score (待质检)."""
    return inspections_visible_to(user).filter(status=Status.PENDING).count()


def quality_queue(*, user, page: int = 1, page_size: int = PAGE_SIZE) -> QueuePage:
    """A page of the inspections waiting for a score, the oldest day first."""
    items = inspections_visible_to(user).filter(status=Status.PENDING)
    page = max(1, int(page))
    start = (page - 1) * page_size
    rows = list(
        items.select_related("order", "order__appeal_type", "operator").order_by("sampled_on", "id")[
            start : start + page_size + 1
        ]
    )
    return QueuePage(rows=rows[:page_size], page=page, has_next=len(rows) > page_size,
                     pending=quality_pending_count(user=user))


def inspection_get(*, user, pk: int) -> QualityInspection:
    """One inspection with its scores (404 for anyone who may not see inspections)."""
    items = inspections_visible_to(user).select_related("order", "operator", "inspector")
    return get_object_or_404(items.prefetch_related("scores__criterion"), pk=pk)


def active_criteria() -> list[QualityCriterion]:
    """The checklist as scored now, in its order."""
    return list(QualityCriterion.objects.filter(is_active=True).order_by("order", "id"))


# --- 每周一点评 ---------------------------------------------------------------------------------------------


@dataclass
class WeakCriterion:
    name: str
    average: float  # points
    max_points: int
    name_en: str = ""

    @property
    def label(self) -> str:
        """The name in the active language, for pages (the API and the export keep `name`)."""
        return localized_name(self.name, self.name_en)


@dataclass
class OperatorWeek:
    operator: User
    scored: int
    average: float | None  # out of 100
    failed: int  # below the pass mark
    weakest: list[WeakCriterion] = field(default_factory=list)
    comments: list[QualityInspection] = field(default_factory=list)


def week_bounds(week_start: dt.date) -> tuple[dt.date, dt.date]:
    """The Monday of `week_start`'s week and the Monday after."""
    monday = week_start - dt.timedelta(days=week_start.weekday())
    return monday, monday + dt.timedelta(days=7)


def weekly_review(*, week_start: dt.date) -> list[OperatorWeek]:
    """每周一点评: per operator, the inspections scored in the week (Monday to Sunday, by when they were scored):
    how many, the average out of 100, how many failed, the weakest criteria and the comments."""
    monday, next_monday = week_bounds(week_start)
    scored = QualityInspection.objects.filter(
        status=Status.SCORED, scored_at__gte=local_midnight(monday), scored_at__lt=local_midnight(next_monday)
    )
    figures = list(
        scored.values("operator_id")
        .annotate(n=Count("pk"), average=Avg(PERCENT), failed=Count("pk", filter=Q(total__lt=F("max_total") * PASS_MARK / 100.0)))
        .order_by()
    )
    if not figures:
        return []
    by_criterion = (
        QualityScore.objects.filter(inspection__in=scored)
        .values("inspection__operator_id", "criterion__name", "criterion__name_en", "criterion_id")
        .annotate(
            average=Avg("points"),
            share=Avg(ExpressionWrapper(F("points") * 1.0 / F("max_points"), output_field=FloatField())),
            max_points=Avg("max_points"),
        )
        .order_by("inspection__operator_id", "share", "criterion_id")
    )
    weakest: dict[int, list[WeakCriterion]] = {}
    for row in by_criterion:
        mine = weakest.setdefault(row["inspection__operator_id"], [])
        if row["share"] < 1 and len(mine) < LOWEST_CRITERIA:
            mine.append(
                WeakCriterion(
                    row["criterion__name"], round(row["average"], 1), round(row["max_points"]), row["criterion__name_en"]
                )
            )
    comments: dict[int, list[QualityInspection]] = {}
    for item in scored.exclude(comment="").select_related("order", "inspector").order_by("operator_id", "scored_at")[
        :COMMENTS_LIMIT
    ]:
        comments.setdefault(item.operator_id, []).append(item)
    operators = User.objects.in_bulk([row["operator_id"] for row in figures])
    rows = [
        OperatorWeek(
            operator=operators[row["operator_id"]],
            scored=row["n"],
            average=round(row["average"], 1) if row["average"] is not None else None,
            failed=row["failed"],
            weakest=weakest.get(row["operator_id"], []),
            comments=comments.get(row["operator_id"], []),
        )
        for row in figures
    ]
    rows.sort(key=lambda r: (r.average if r.average is not None else 101, r.operator.username))
    return rows


# --- 每月一考核 ---------------------------------------------------------------------------------------------


@dataclass
class OperatorMonth:
    operator: User
    inspections: int
    quality: float | None  # average out of 100
    volume: int
    volume_score: float  # out of 100, against the busiest operator
    callbacks: int  # reached callbacks
    satisfaction: float | None  # 0..1
    score: float | None
    rank: int | None = None


def month_bounds(year: int, month: int) -> tuple[dt.date, dt.date]:
    first = dt.date(year, month, 1)
    following = dt.date(year + (month == 12), month % 12 + 1, 1)
    return first, following


def monthly_assessment(*, year: int, month: int) -> list[OperatorMonth]:
    """每月一考核: per operator, the quality average, the volume and the callback satisfaction of the month,
    combined into the weighted score (module docstring) and ranked, the best first; unranked ones last."""
    first, following = month_bounds(year, month)
    start, end = local_midnight(first), local_midnight(following)
    quality = {
        row["operator_id"]: row
        for row in QualityInspection.objects.filter(status=Status.SCORED, sampled_on__gte=first, sampled_on__lt=following)
        .values("operator_id")
        .annotate(n=Count("pk"), average=Avg(PERCENT))
        .order_by()
    }
    volume = dict(
        WorkOrder.objects.filter(registered_at__gte=start, registered_at__lt=end, registered_by__role=Role.OPERATOR)
        .exclude(state=State.VOIDED)
        .values("registered_by_id")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("registered_by_id", "n")
    )
    happy = [Satisfaction.SATISFIED] + ([Satisfaction.BASIC] if settings.METRICS_BASIC_COUNTS_AS_SATISFIED else [])
    callbacks = {
        row["order__registered_by_id"]: row
        for row in Callback.objects.filter(
            reached=True, at__gte=start, at__lt=end, order__registered_by__role=Role.OPERATOR
        )
        .exclude(order__state=State.VOIDED)
        .values("order__registered_by_id")
        .annotate(reached=Count("pk"), satisfied=Count("pk", filter=Q(satisfaction__in=happy)))
        .order_by()
    }
    ids = set(quality) | set(volume) | set(callbacks)
    operators = User.objects.filter(Q(pk__in=ids) | Q(role=Role.OPERATOR, is_active=True)).order_by("username")
    busiest = max(volume.values(), default=0)
    rows = []
    for operator in operators:
        q, c, v = quality.get(operator.pk), callbacks.get(operator.pk), volume.get(operator.pk, 0)
        average = q["average"] if q else None
        rate = c["satisfied"] / c["reached"] if c and c["reached"] else None
        volume_score = 100.0 * v / busiest if busiest else 0.0
        score = None
        if average is not None and rate is not None:
            score = W_QUALITY * average + W_VOLUME * volume_score + W_SATISFACTION * rate * 100
        rows.append(
            OperatorMonth(
                operator=operator,
                inspections=q["n"] if q else 0,
                quality=round(average, 1) if average is not None else None,
                volume=v,
                volume_score=round(volume_score, 1),
                callbacks=c["reached"] if c else 0,
                satisfaction=rate,
                score=round(score, 1) if score is not None else None,
            )
        )
    rows.sort(key=lambda r: (r.score is None, -(r.score or 0), r.operator.username))
    for n, row in enumerate(r for r in rows if r.score is not None):
        row.rank = n + 1
    return rows

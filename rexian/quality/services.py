"""Writes of quality inspection (质检): drawing the daily sample, and scoring a sampled order.

- `quality_sample` (抽检): for one day, a random sample of REXIAN_QC_SAMPLE_PER_OPERATOR orders registered
  by each active operator (话务员) that day, voided ones (作废) left out. The worker runs it every night for
  the day before; running it again for the same day adds nothing (an order is sampled at most once).
- `quality_score` (评分): an inspector (质检员) or a supervisor (值班长) scores every active criterion of the
  checklist, from 0 to the criterion's maximum; below the pass mark a comment (点评) is required. A scored
  inspection may be scored again, by the same or another scorer, to correct it: the scores are replaced
  and the latest scorer and time are kept.

Errors a user can cause are `PermissionDenied` and `QualityError`, each with a message in Chinese.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter, defaultdict

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from rexian.core.dates import local_midnight
from rexian.core.errors import InputError
from rexian.orders.models import WorkOrder
from rexian.orders.transitions import State
from rexian.quality.models import QualityCriterion, QualityInspection, QualityScore
from rexian.units.models import Role, User

# A total below this share of the checklist's maximum, in points out of 100, fails and needs a comment.
PASS_MARK = 80
SCORERS = frozenset({Role.INSPECTOR, Role.SUPERVISOR})
COMMENT_MAX = QualityInspection._meta.get_field("comment").max_length


class QualityError(InputError):
    """A score that cannot be recorded as given, with every problem found at once.

    `errors` maps each form field at fault (`score_<code>`, `comment`) to its message; a problem of no one
    field (the checklist is not configured) leaves it empty. For callers that show one message, `message`
    holds them all in one line and `field` names the first field.
    """

    def __init__(self, message: str = "", *, field: str | None = None, errors: dict[str, str] | None = None):
        errors = dict(errors) if errors else ({field: message} if field else {})
        super().__init__(message or " ".join(errors.values()), field=field or next(iter(errors), None))
        self.errors = errors


def may_score(user) -> bool:
    return user.is_authenticated and user.is_active and user.role in SCORERS


def quality_sample(*, day: dt.date, now: dt.datetime | None = None, seed: int | None = None) -> Counter[int]:
    """抽检: sample up to REXIAN_QC_SAMPLE_PER_OPERATOR of each active operator's orders registered on `day`.

    An operator already sampled that day only gets what is missing, so a second run adds nothing. `seed`
    makes the draw repeatable (the demo). Returns how many inspections were created, by operator id
    (`.total()` for all of them); empty when none was.
    """
    per_operator = settings.QC_SAMPLE_PER_OPERATOR
    if per_operator <= 0:
        return Counter()
    now = now or timezone.now()
    start, end = local_midnight(day), local_midnight(day + dt.timedelta(days=1))
    operators = User.objects.filter(role=Role.OPERATOR, is_active=True)
    orders = (
        WorkOrder.objects.filter(registered_at__gte=start, registered_at__lt=min(end, now), registered_by__in=operators)
        .exclude(state=State.VOIDED)
        .filter(quality_inspection__isnull=True)
    )
    candidates: dict[int, list[int]] = defaultdict(list)
    for pk, operator_id in orders.order_by("pk").values_list("pk", "registered_by_id"):
        candidates[operator_id].append(pk)
    already = dict(
        QualityInspection.objects.filter(sampled_on=day, operator_id__in=list(candidates))
        .values("operator_id")
        .annotate(n=Count("pk"))
        .values_list("operator_id", "n")
    )
    rng = random.Random(seed) if seed is not None else random.SystemRandom()
    picked = []
    for operator_id in sorted(candidates):
        need = per_operator - already.get(operator_id, 0)
        pool = candidates[operator_id]
        if need > 0:
            for pk in rng.sample(pool, min(need, len(pool))):
                picked.append(QualityInspection(order_id=pk, operator_id=operator_id, sampled_on=day))
    # The unique order keeps a concurrent run from sampling an order twice.
    made = QualityInspection.objects.bulk_create(picked, ignore_conflicts=True)
    return Counter(item.operator_id for item in made)


def _points(criterion: QualityCriterion, value) -> int:
    label = {"name": criterion.label, "max": criterion.max_points}
    field = f"score_{criterion.code}"
    if value is None or str(value).strip() == "":
        raise QualityError(_("请为「%(name)s」打分。") % label, field=field)
    try:
        points = int(str(value).strip())
    except ValueError:
        raise QualityError(_("「%(name)s」的得分须为整数。") % label, field=field) from None
    if not 0 <= points <= criterion.max_points:
        raise QualityError(_("「%(name)s」的得分须在 0 到 %(max)d 分之间。") % label, field=field)
    return points


@transaction.atomic
def quality_score(
    *, actor, inspection: QualityInspection | int, scores: dict, comment: str = "", now: dt.datetime | None = None
) -> QualityInspection:
    """评分: score every active criterion of a sampled order (or correct an earlier score).

    `scores` maps a criterion's code to its points. Only inspectors and supervisors score (PermissionDenied);
    missing, non-integer or out-of-range scores, unknown criteria, a comment too long, or a failing total
    without a comment raise one QualityError naming every problem (`errors`, by form field).
    """
    if not may_score(actor):
        raise PermissionDenied(_("只有质检员或值班长可以质检评分。"))
    pk = inspection.pk if isinstance(inspection, QualityInspection) else inspection
    item = QualityInspection.objects.select_for_update().get(pk=pk)
    criteria = list(QualityCriterion.objects.filter(is_active=True).order_by("order", "id"))
    if not criteria:
        raise QualityError(_("质检项尚未配置，请联系管理员。"))
    # Every problem is collected, so the inspector corrects the whole form at once.
    errors: dict[str, str] = {}
    points: dict[str, int] = {}
    for criterion in criteria:
        try:
            points[criterion.code] = _points(criterion, scores.get(criterion.code))
        except QualityError as refused:
            errors.update(refused.errors)
    known = {c.code for c in criteria}
    for code in sorted(code for code in scores if code not in known):
        errors[f"score_{code}"] = _("未知的质检项：%(codes)s。") % {"codes": code}
    total = sum(points.values())
    maximum = sum(c.max_points for c in criteria)
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        errors["comment"] = _("点评不能超过 %(limit)d 字。") % {"limit": COMMENT_MAX}
    elif not errors and total * 100 < PASS_MARK * maximum and not comment:
        # Only a total of valid scores can fall below the pass mark.
        errors["comment"] = _("得分低于合格线（%(mark)d 分），请填写点评。") % {"mark": PASS_MARK}
    if errors:
        raise QualityError(errors=errors)
    item.status = QualityInspection.Status.SCORED
    item.inspector = actor
    item.scored_at = now or timezone.now()
    item.total, item.max_total = total, maximum
    item.comment = comment
    item.save(update_fields=["status", "inspector", "scored_at", "total", "max_total", "comment"])
    item.scores.all().delete()
    QualityScore.objects.bulk_create(
        [QualityScore(inspection=item, criterion=c, points=points[c.code], max_points=c.max_points) for c in criteria]
    )
    return item

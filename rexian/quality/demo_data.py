"""The demo city's 质检: the last days' samples, most of them scored by the demo inspector.

Written by `rexian demo` after the orders, through the services (the sample is the nightly job's, the
scores are checked as an inspector's would be). Scores spread as a centre's do: most orders lose a few
points, some fail the pass mark and carry the inspector's comment; the latest day stays partly unscored
so the inspector's queue has work.
"""

from __future__ import annotations

import datetime as dt
import random

DAYS = 3
COMMENTS = [
    "受理时未核实详细地址，五要素不完整，请注意追问门牌号。",
    "诉求分类选择有误，应归入物业服务类，请熟悉分类目录。",
    "政策答复与知识库口径不一致，请答复前先检索知识库。",
    "未使用标准结束语，语气略显生硬，注意服务用语。",
    "市民情绪激动时打断市民讲话，需加强情绪安抚。",
]
PRAISE = ["记录清晰完整，答复准确。", "服务耐心，安抚得当。", ""]


def _points(rng: random.Random, maximum: int, weak: bool) -> int:
    if not weak and rng.random() < 0.65:
        return maximum
    lost = rng.randint(1, max(1, maximum // 2)) if weak else rng.randint(1, max(1, maximum // 5))
    return max(0, maximum - lost)


def demo_quality_load(*, now: dt.datetime, seed: int = 0) -> int:
    """Sample the last DAYS days before `now` and score most of them; returns how many were scored."""
    from django.utils import timezone

    from rexian.quality import services
    from rexian.quality.models import QualityCriterion, QualityInspection
    from rexian.units.models import User

    rng = random.Random(seed)
    inspector = User.objects.get(username="inspector")
    today = timezone.localtime(now).date()
    for back in range(DAYS, 0, -1):
        services.quality_sample(day=today - dt.timedelta(days=back), now=now, seed=seed + back)
    criteria = list(QualityCriterion.objects.filter(is_active=True).order_by("order", "id"))
    scored = 0
    pending = QualityInspection.objects.filter(status=QualityInspection.Status.PENDING).order_by("sampled_on", "pk")
    for item in pending:
        latest = item.sampled_on == today - dt.timedelta(days=1)
        if rng.random() < (0.5 if latest else 0.1):
            continue  # left for the inspector's queue
        weak = rng.random() < 0.15
        scores = {c.code: _points(rng, c.max_points, weak and rng.random() < 0.6) for c in criteria}
        total, maximum = sum(scores.values()), sum(c.max_points for c in criteria)
        failing = total * 100 < services.PASS_MARK * maximum
        comment = rng.choice(COMMENTS) if failing or rng.random() < 0.2 else rng.choice(PRAISE)
        next_morning = timezone.make_aware(dt.datetime.combine(item.sampled_on + dt.timedelta(days=1), dt.time(9)))
        at = min(next_morning + dt.timedelta(minutes=rng.randint(0, 8 * 60)), now)
        services.quality_score(actor=inspector, inspection=item, scores=scores, comment=comment, now=at)
        scored += 1
    return scored

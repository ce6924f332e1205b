"""The metrics' own tables: per-order facts and the daily and hourly rollups built from them.

Nothing here is a source of truth. Every row can be recomputed from the orders
tables (`rexian.analytics.rollups.rollup_rebuild`), and the orders app knows
nothing of these tables.

* `OrderFact` (指标明细): what one order contributes to the metrics of one day.
  An order has a few: its registration, its reply deadline, the end of its
  callback, one per assignment (sign deadline, dispatch) and one per reached
  callback. Each carries the order's dimensions and 0/1 counts (`MEASURES`).
* `DailyRollup` (日汇总): the sum of the facts per day and slice. A slice is one
  dimension and one value (`dim="unit", key=<unit id>`), a pair of them
  (`dim="unit_type"`, `"cat_town"` …: `metrics.PAIRS`), or everything (`dim="all"`).
* `HourlyRollup` (时段受理量): registrations per local hour, for the few slices a
  dashboard shows by hour.

Dimensions are plain integers, 0 meaning "none" (no unit, no category…), so
that they can be part of unique keys (SQL treats NULLs as distinct).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

# The 0/1 counts every fact carries and every rollup row sums, in one fixed order.
# docs/metrics.md says which fact sets which count.
MEASURES: tuple[str, ...] = (
    "volume",  # registered, not voided (受理量)
    "voided",  # 作废
    "merged",  # 并单
    "answered_on_spot",  # 直接办结
    "closed",  # 办结
    "repeat_calls",  # 重复来电
    "sign_due",  # 应签收 (sign deadline in the day), pending ones included
    "sign_in_time",  # 及时签收
    "sign_pending",  # not signed yet (late once the deadline has passed)
    "reply_due",  # 应办结 (reply deadline in the day), pending ones included
    "reply_in_time",  # 按时办结
    "reply_pending",  # not replied yet
    "callback_due",  # 应回访: reached, given up (unreachable) or still owed
    "callback_reached",  # 回访成功
    "callback_pending",  # still waiting for its callback
    "satisfied",  # 满意
    "basically_satisfied",  # 基本满意
    "dissatisfied",  # 不满意
    "responded_asked",  # reached callbacks that recorded whether the unit contacted the citizen in time
    "responded",  # … and it did (响应)
    "solved_asked",  # reached callbacks that recorded whether the problem was solved
    "solved",  # … and it was (解决)
    "dispatched",  # lead-unit dispatches (派单)
    "returned",  # … given back by an approved return (退单)
    "handled",  # … that the unit replied to
    "reopened",  # … reopened after a dissatisfied callback (重办)
)

# The counts each kind of fact may set (the others are always 0 on it).
KIND_MEASURES: dict[int, tuple[str, ...]] = {
    1: ("volume", "voided", "merged", "answered_on_spot", "closed", "repeat_calls"),  # registration
    2: ("reply_due", "reply_in_time", "reply_pending"),  # reply deadline
    3: ("callback_due", "callback_pending"),  # callback end
    4: ("sign_due", "sign_in_time", "sign_pending"),  # sign deadline
    5: ("dispatched", "returned", "handled", "reopened"),  # dispatch
    6: ("callback_due", "callback_reached", "satisfied", "basically_satisfied", "dissatisfied",
        "responded_asked", "responded", "solved_asked", "solved"),  # reached callback
}

# The dimensions of an order, as fact columns; 0 where the order has none.
DIMENSIONS: tuple[str, ...] = (
    "appeal_type_id",
    "category_id",  # the leaf category
    "category_l2_id",  # its level-2 ancestor (or itself at level 2)
    "category_l1_id",  # its level-1 ancestor (or itself at level 1)
    "area_id",  # the area as recorded (a community or a town)
    "area_town_id",  # the town (镇/街道) of that area
    "unit_id",  # the lead unit; for sign and dispatch facts, the assignment's unit
    "line_id",
    "channel_id",
    "operator_id",  # the operator who registered the order
)


class FactKind(models.IntegerChoices):
    REGISTRATION = 1, _("登记")
    REPLY = 2, _("办结时限")
    CALLBACK_END = 3, _("回访结束或待回访")
    SIGN = 4, _("签收时限")
    DISPATCH = 5, _("派单")
    CALLBACK = 6, _("回访成功")


def _counts(name: str, field_class) -> type[models.Model]:
    """An abstract model with one count column per measure (0/1 on facts, sums on rollups)."""
    attrs = {measure: field_class(default=0) for measure in MEASURES}
    attrs.update(__module__=__name__, Meta=type("Meta", (), {"abstract": True}))
    return type(name, (models.Model,), attrs)


FactCounts = _counts("FactCounts", models.SmallIntegerField)
RollupCounts = _counts("RollupCounts", models.IntegerField)


class OrderFact(FactCounts):  # 指标明细
    order_id = models.BigIntegerField()
    kind = models.PositiveSmallIntegerField(choices=FactKind.choices)
    day = models.DateField()  # local date of the timestamp that puts the fact in a period
    hour = models.PositiveSmallIntegerField(default=0)  # local hour, for registrations
    # When a pending count turns into a late one (a deadline not yet met); null when nothing is pending.
    pending_at = models.DateTimeField(null=True, blank=True)
    appeal_type_id = models.IntegerField(default=0)
    category_id = models.IntegerField(default=0)
    category_l2_id = models.IntegerField(default=0)
    category_l1_id = models.IntegerField(default=0)
    area_id = models.IntegerField(default=0)
    area_town_id = models.IntegerField(default=0)
    unit_id = models.IntegerField(default=0)
    line_id = models.IntegerField(default=0)
    channel_id = models.IntegerField(default=0)
    operator_id = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("指标明细")
        verbose_name_plural = _("指标明细")
        indexes = [
            models.Index(fields=["order_id"], name="fact_order"),
            # A full rebuild sums each kind of fact on its own (only the counts it sets): see rollups._fold.
            models.Index(fields=["kind"], name="fact_kind"),
            # Slices that no rollup covers are summed from the facts of the period (the leading `day`); the 环比 and
            # 同比 bases of a period that ends today read their last day's registrations up to an hour (all three).
            models.Index(fields=["day", "kind", "hour"], name="fact_day_kind_hour"),
            # Deadlines still ahead: subtracted from the counts at query time (see metrics.py).
            models.Index(fields=["pending_at"], condition=models.Q(pending_at__isnull=False), name="fact_pending"),
        ]


class RefreshScope(models.Model):  # 待刷新工单
    """The orders whose facts a refresh is replacing, for the length of its transaction.

    The fact statements select "the orders listed here", so their SQL is
    compiled once per process instead of once per event.
    """

    order_id = models.BigIntegerField(primary_key=True)

    class Meta:
        verbose_name = _("待刷新工单")
        verbose_name_plural = _("待刷新工单")


class DailyRollup(RollupCounts):  # 日汇总
    day = models.DateField()
    dim = models.CharField(max_length=12)
    key = models.IntegerField(default=0)
    key2 = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("日汇总")
        verbose_name_plural = _("日汇总")
        constraints = [models.UniqueConstraint(fields=["dim", "key", "key2", "day"], name="daily_rollup_key")]
        # Grouping one dimension over a period (a ranking) reads that period's rows, not the dimension's history.
        indexes = [models.Index(fields=["dim", "day"], name="daily_rollup_dim_day")]


class HourlyRollup(models.Model):  # 时段受理量
    day = models.DateField()
    hour = models.PositiveSmallIntegerField()
    dim = models.CharField(max_length=12)
    key = models.IntegerField(default=0)
    volume = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("时段受理量")
        verbose_name_plural = _("时段受理量")
        constraints = [models.UniqueConstraint(fields=["dim", "key", "day", "hour"], name="hourly_rollup_key")]

"""What Rexian keeps of the switch's life: events as received, calls rebuilt from them, operators' states.

Rexian is not a phone switch; it listens to one. Every fact arrives as an
event (from the CTI's HTTP API, or from a line of Asterisk's `Master.csv` or
`queue_log`) and is stored once, keyed by its source and id. A `Call` is never
edited directly: it is recomputed from all the events of that call, ordered by
when they happened (`rexian.telephony.events.call_fold`), so events may arrive
late, twice or out of order. The same holds for operators' states
(`AgentInterval`, rebuilt from their login/ready/not-ready/logout events).

Caller numbers are personal data: they are stored only encrypted, beside a
keyed hash for look-ups (`rexian.privacy.crypto.phone_hash`), never in clear,
not even inside an event's payload.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rexian.catalog.models import Line
from rexian.privacy.fields import EncryptedTextField

TOKEN_PREFIX = "cti_"


def token_digest(token: str) -> str:
    """SHA-256 of a source's token: the only form in which a token is stored."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class CtiSource(models.Model):  # 话务接入源 (交换机/CTI)
    """A switch or CTI server allowed to post call events, with its own secret.

    Its code is the `source` of the events and calls it reports: call ids are
    unique per source. Imports of the same switch's `Master.csv` / `queue_log`
    use the same code (`rexian import-calls --source`), so a call reported by
    the API and found again in the CDR is one call.
    """

    code = models.SlugField(_("编码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=80)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    token_prefix = models.CharField(_("令牌前缀"), max_length=12, editable=False)
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("话务接入源")
        verbose_name_plural = _("话务接入源")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @staticmethod
    def generate_token() -> str:
        return TOKEN_PREFIX + secrets.token_urlsafe(32)

    def set_token(self, token: str) -> None:
        self.token_hash = token_digest(token)
        self.token_prefix = token[: len(TOKEN_PREFIX) + 6]


class EventKind(models.TextChoices):
    # Call events.
    OFFERED = "offered", _("呼入")
    QUEUED = "queued", _("进入队列")
    RINGING = "ringing", _("振铃")
    ANSWERED = "answered", _("接听")
    ABANDONED = "abandoned", _("放弃")
    ENDED = "ended", _("结束")
    TRANSFERRED = "transferred", _("转接")
    CDR = "cdr", _("话单")
    # Agent events.
    AGENT_LOGIN = "agent_login", _("坐席签入")
    AGENT_LOGOUT = "agent_logout", _("坐席签出")
    READY = "ready", _("示闲")
    NOT_READY = "not_ready", _("示忙")


CALL_KINDS = frozenset(
    {EventKind.OFFERED, EventKind.QUEUED, EventKind.RINGING, EventKind.ANSWERED, EventKind.ABANDONED,
     EventKind.ENDED, EventKind.TRANSFERRED, EventKind.CDR}
)
AGENT_KINDS = frozenset({EventKind.AGENT_LOGIN, EventKind.AGENT_LOGOUT, EventKind.READY, EventKind.NOT_READY})


class CallEvent(models.Model):  # 话务事件
    """One event as received, stored once per (source, event id).

    `data` is the payload without caller numbers (the caller's is in
    `caller`, encrypted); for a CDR line it holds the line's columns with the
    numbers blanked, and `call_import` / `line_no` say where it came from.
    """

    source = models.CharField(_("来源"), max_length=40)
    event_id = models.CharField(_("事件编号"), max_length=100)
    kind = models.CharField(_("类型"), max_length=16, choices=EventKind.choices)
    call_id = models.CharField(_("呼叫编号"), max_length=64, blank=True, default="")
    agent_number = models.CharField(_("工号"), max_length=40, blank=True, default="")
    occurred_at = models.DateTimeField(_("发生时间"))
    received_at = models.DateTimeField(_("接收时间"), default=timezone.now)
    caller = EncryptedTextField(_("主叫号码"), blank=True, default="")
    data = models.JSONField(_("内容"), default=dict, blank=True)
    call_import = models.ForeignKey(
        "CallImport", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("导入记录")
    )
    line_no = models.PositiveIntegerField(_("行号"), null=True, blank=True)

    class Meta:
        verbose_name = _("话务事件")
        verbose_name_plural = _("话务事件")
        constraints = [models.UniqueConstraint(fields=["source", "event_id"], name="call_event_once_per_source")]
        indexes = [
            models.Index(fields=["source", "call_id"], name="call_event_call"),
            models.Index(
                fields=["agent_number", "occurred_at"], condition=~models.Q(agent_number=""), name="call_event_agent"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source}:{self.event_id} {self.kind}"


class Outcome(models.TextChoices):
    IN_PROGRESS = "in_progress", _("进行中")
    ANSWERED = "answered", _("已接通")
    ABANDONED = "abandoned", _("放弃")  # the caller hung up before an operator answered
    UNANSWERED = "unanswered", _("未接通")  # the switch ended it: queue timeout, busy, failure


class Call(models.Model):  # 来电
    """One inbound call to a hotline line, rebuilt from its events (never edited by hand).

    Times: offered (the call reached the switch), queued (entered the
    operators' queue), answered (an operator picked up), abandoned (the caller
    hung up, or the queue let the call go, before an answer), ended. Wait runs
    from the queue entry (or the offer when there was no queue) to the answer
    or the abandonment; talk from the answer to the end.
    """

    source = models.CharField(_("来源"), max_length=40)
    call_id = models.CharField(_("呼叫编号"), max_length=64)
    line = models.ForeignKey(Line, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                             verbose_name=_("热线"))
    dialled = models.CharField(_("被叫号码"), max_length=40, blank=True, default="")
    caller = EncryptedTextField(_("主叫号码"), blank=True, default="")
    caller_hash = models.CharField(max_length=64, blank=True, default="", editable=False)
    queue = models.CharField(_("队列"), max_length=40, blank=True, default="")
    offered_at = models.DateTimeField(_("呼入时间"))
    queued_at = models.DateTimeField(_("入队时间"), null=True, blank=True)
    answered_at = models.DateTimeField(_("接听时间"), null=True, blank=True)
    abandoned_at = models.DateTimeField(_("放弃时间"), null=True, blank=True)
    ended_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    # The operator whose phone rings (screen pop) and the one who answered.
    presented_to = models.CharField(_("振铃坐席"), max_length=40, blank=True, default="")
    agent_number = models.CharField(_("接听工号"), max_length=40, blank=True, default="")
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+", verbose_name=_("接听话务员"))
    transferred = models.BooleanField(_("已转接"), default=False)
    transferred_to = models.CharField(_("转接目标"), max_length=80, blank=True, default="")
    wait_seconds = models.FloatField(_("等待秒数"), null=True, blank=True)
    talk_seconds = models.FloatField(_("通话秒数"), null=True, blank=True)
    wrap_seconds = models.FloatField(_("话后处理秒数"), null=True, blank=True)
    outcome = models.CharField(_("结果"), max_length=12, choices=Outcome.choices, default=Outcome.IN_PROGRESS)
    event_count = models.PositiveIntegerField(_("事件数"), default=0)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)

    class Meta:
        verbose_name = _("来电")
        verbose_name_plural = _("来电")
        constraints = [models.UniqueConstraint(fields=["source", "call_id"], name="call_once_per_source")]
        indexes = [
            models.Index(fields=["offered_at"], name="call_offered"),
            models.Index(fields=["caller_hash", "offered_at"], name="call_caller"),
            # "The call this operator is on / that rings at this seat": only live calls are indexed, so the
            # indexes stay small and a million-call import does not pay for them.
            models.Index(fields=["agent_number"], condition=models.Q(ended_at__isnull=True), name="call_live_agent"),
            models.Index(fields=["presented_to"], condition=models.Q(outcome="in_progress"), name="call_ringing"),
        ]

    def __str__(self) -> str:
        return f"{self.source}:{self.call_id}"


class CallOrder(models.Model):  # 来电关联工单
    """An order recorded during a call: the link from the call to what the operator wrote down."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="order_links", verbose_name=_("来电"))
    order = models.ForeignKey("orders.WorkOrder", on_delete=models.CASCADE, related_name="call_links",
                              verbose_name=_("工单"))
    linked_at = models.DateTimeField(_("关联时间"), default=timezone.now)
    linked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="+", verbose_name=_("关联人"))

    class Meta:
        verbose_name = _("来电关联工单")
        verbose_name_plural = _("来电关联工单")
        constraints = [models.UniqueConstraint(fields=["call", "order"], name="call_order_once")]

    def __str__(self) -> str:
        return f"{self.call} → {self.order_id}"


class CallbackOutcome(models.TextChoices):
    REACHED = "reached", _("已联系上")
    NO_ANSWER = "no_answer", _("无人接听")
    INVALID = "invalid", _("空号/错号")


class MissedCallCallback(models.Model):  # 漏接回拨
    """One attempt by an operator to call back a caller who could not get through."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="callbacks", verbose_name=_("漏接来电"))
    operator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("回拨人"))
    at = models.DateTimeField(_("回拨时间"))
    outcome = models.CharField(_("回拨结果"), max_length=12, choices=CallbackOutcome.choices)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("漏接回拨")
        verbose_name_plural = _("漏接回拨")
        indexes = [models.Index(fields=["call", "at"], name="missed_callback_call")]

    def __str__(self) -> str:
        return f"{self.call} {self.get_outcome_display()}"


class AgentState(models.TextChoices):
    LOGGED_OUT = "logged_out", _("签出")
    READY = "ready", _("示闲")
    NOT_READY = "not_ready", _("示忙")


class Agent(models.Model):  # 坐席
    """An operator's seat as the switch knows it (by 工号), linked to the user with that agent number."""

    agent_number = models.CharField(_("工号"), max_length=40, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="+", verbose_name=_("话务员"))
    state = models.CharField(_("当前状态"), max_length=12, choices=AgentState.choices,
                             default=AgentState.LOGGED_OUT)
    state_since = models.DateTimeField(_("状态开始"), null=True, blank=True)

    class Meta:
        verbose_name = _("坐席")
        verbose_name_plural = _("坐席")
        ordering = ["agent_number"]

    def __str__(self) -> str:
        return self.agent_number


class AgentInterval(models.Model):  # 坐席状态时段
    """A stretch of time an agent spent logged in, ready or not ready, cut at half-hour boundaries.

    Cutting at :00 and :30 makes "ready time per hour / half hour / day" a
    plain GROUP BY. The agent's current state is the one open piece
    (`ended_at` null); `seconds` is set on closed pieces only.
    """

    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="intervals", verbose_name=_("坐席"))
    state = models.CharField(_("状态"), max_length=12, choices=AgentState.choices)
    started_at = models.DateTimeField(_("开始"))
    ended_at = models.DateTimeField(_("结束"), null=True, blank=True)
    seconds = models.FloatField(_("秒数"), null=True, blank=True)

    class Meta:
        verbose_name = _("坐席状态时段")
        verbose_name_plural = _("坐席状态时段")
        indexes = [
            models.Index(fields=["started_at"], name="agent_interval_started"),
            models.Index(fields=["agent", "started_at"], name="agent_interval_agent"),
            # The seats' current states (one per agent at most), read by every call_figures: without this, a
            # scan of the whole history (55 ms at 200,000 intervals on SQLite).
            models.Index(fields=["started_at"], condition=models.Q(ended_at__isnull=True), name="agent_interval_open"),
        ]


class CallImport(models.Model):  # 话单导入记录
    """One file being imported, and how far the import got: the resume point after a crash.

    A file is recognised by its format, source and the SHA-256 of its first
    4 KiB (Asterisk appends to its files, so the head stays the same while the
    file grows). `offset` and `line_no` are committed with each batch.
    """

    class Format(models.TextChoices):
        CDR = "cdr", "Master.csv (CDR)"
        QUEUE_LOG = "queue_log", "queue_log"

    format = models.CharField(_("格式"), max_length=12, choices=Format.choices)
    source = models.CharField(_("来源"), max_length=40)
    fingerprint = models.CharField(max_length=80)
    path = models.CharField(_("文件"), max_length=500)
    offset = models.BigIntegerField(_("已导入字节"), default=0)
    line_no = models.PositiveIntegerField(_("已读行数"), default=0)
    accepted = models.PositiveIntegerField(_("导入事件"), default=0)
    duplicates = models.PositiveIntegerField(_("重复事件"), default=0)
    ignored = models.PositiveIntegerField(_("忽略行"), default=0)
    rejected = models.PositiveIntegerField(_("拒绝行"), default=0)
    ignored_by_reason = models.JSONField(_("忽略原因"), default=dict, blank=True)
    started_at = models.DateTimeField(_("开始时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)

    class Meta:
        verbose_name = _("话单导入记录")
        verbose_name_plural = _("话单导入记录")
        constraints = [
            models.UniqueConstraint(fields=["format", "source", "fingerprint"], name="call_import_once_per_file")
        ]

    def __str__(self) -> str:
        return f"{self.path} ({self.format}, {self.line_no} lines)"


class CallImportRejection(models.Model):  # 导入被拒行
    """A line an import could not read: its number and why (never its content, which may hold a caller's number)."""

    call_import = models.ForeignKey(CallImport, on_delete=models.CASCADE, related_name="rejections")
    line_no = models.PositiveIntegerField(_("行号"))
    reason = models.CharField(_("原因"), max_length=200)

    class Meta:
        verbose_name = _("导入被拒行")
        verbose_name_plural = _("导入被拒行")
        ordering = ["call_import", "line_no"]


# --- Rollups (话务汇总) ------------------------------------------------------------------------------------------
# What `rexian.telephony.figures.call_figures` sums, kept per local half hour and per local day so that a year of
# figures reads tens of thousands of rows instead of every call. Nothing here is a source of truth: every row is the
# aggregate of the calls or agents' intervals of its slot or day, rewritten by `rexian.telephony.rollups`
# whenever those change and by `rexian call-rollup-rebuild`. `basis` names the time zone and thresholds the row
# was counted with (`rollups.basis`): a row of another basis is never read.


class _CallSums(models.Model):
    """The sums of `CallFigures`, counted as `rollups.call_sums` counts them."""

    offered = models.IntegerField(default=0)
    answered = models.IntegerField(default=0)
    answered_in_target = models.IntegerField(default=0)
    abandoned = models.IntegerField(default=0)
    unanswered = models.IntegerField(default=0)
    short_abandoned = models.IntegerField(default=0)
    wait_seconds_total = models.FloatField(default=0)
    handled = models.IntegerField(default=0)
    talk_seconds_total = models.FloatField(default=0)
    wrap_seconds_total = models.FloatField(default=0)

    class Meta:
        abstract = True


class CallSlotRollup(_CallSums):  # 话务时段汇总
    """The calls offered in one local half hour on one line (`line_id` 0: on no known line)."""

    slot = models.DateTimeField(_("时段开始"))  # the instant the local half hour starts
    day = models.DateField(_("日期"))  # the slot's local date, hour and minute (0 or 30)
    hour = models.PositiveSmallIntegerField(_("小时"))
    minute = models.PositiveSmallIntegerField(_("分钟"))
    line_id = models.IntegerField(_("热线"))
    basis = models.IntegerField()

    class Meta:
        verbose_name = _("话务时段汇总")
        verbose_name_plural = _("话务时段汇总")
        constraints = [models.UniqueConstraint(fields=["slot", "line_id"], name="call_slot_rollup_once")]


class CallAgentDayRollup(_CallSums):  # 坐席日话务汇总
    """The calls an operator (agent number) answered on one local day, per line."""

    day = models.DateField(_("日期"))
    agent_number = models.CharField(_("工号"), max_length=40)
    line_id = models.IntegerField(_("热线"))
    basis = models.IntegerField()

    class Meta:
        verbose_name = _("坐席日话务汇总")
        verbose_name_plural = _("坐席日话务汇总")
        constraints = [
            models.UniqueConstraint(fields=["day", "agent_number", "line_id"], name="call_agent_day_rollup_once")
        ]


class ReadySlotRollup(models.Model):  # 坐席示闲时段汇总
    """All agents' closed ready time whose pieces start in one local half hour (occupancy's denominator)."""

    slot = models.DateTimeField(_("时段开始"))
    day = models.DateField(_("日期"))
    hour = models.PositiveSmallIntegerField(_("小时"))
    minute = models.PositiveSmallIntegerField(_("分钟"))
    basis = models.IntegerField()
    ready_seconds = models.FloatField(_("示闲秒数"), default=0)

    class Meta:
        verbose_name = _("坐席示闲时段汇总")
        verbose_name_plural = _("坐席示闲时段汇总")
        constraints = [models.UniqueConstraint(fields=["slot"], name="ready_slot_rollup_once")]


class ReadyAgentDayRollup(models.Model):  # 坐席日示闲汇总
    """One agent's closed ready time on one local day."""

    day = models.DateField(_("日期"))
    agent_number = models.CharField(_("工号"), max_length=40)
    basis = models.IntegerField()
    ready_seconds = models.FloatField(_("示闲秒数"), default=0)

    class Meta:
        verbose_name = _("坐席日示闲汇总")
        verbose_name_plural = _("坐席日示闲汇总")
        constraints = [models.UniqueConstraint(fields=["day", "agent_number"], name="ready_agent_day_rollup_once")]


# --- Rosters (排班表) ----------------------------------------------------------------------------------------------
# The 排班 page computes a plan; publishing it (发布) keeps it: the inputs, what each half hour needs and every
# operator's shifts. For any day the roster in force is the latest published one that covers it, so publishing
# again over the same days replaces the earlier plan for those days while the earlier stays on record. A shift
# may be handed to another operator afterwards (调班); the change is recorded on the shift.


class Roster(models.Model):  # 排班表
    first_day = models.DateField(_("第一天"))
    days = models.PositiveSmallIntegerField(_("天数"))
    service_level = models.FloatField(_("服务水平目标"))  # a share, e.g. 0.8 of the calls …
    target_seconds = models.PositiveSmallIntegerField(_("应答秒数"))  # … answered within this many seconds
    aht = models.PositiveIntegerField(_("平均处理时长（秒）"))
    shrinkage = models.FloatField(_("缩减率"))
    # One value per half hour from first_day's local midnight: calls expected, agents needed on the phone
    # (Erlang C) and staff to schedule (after shrinkage).
    calls = models.JSONField(_("预计来电"), default=list)
    agents = models.JSONField(_("需在线坐席"), default=list)
    staff = models.JSONField(_("需排班人数"), default=list)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("发布人"))
    published_at = models.DateTimeField(_("发布时间"), default=timezone.now)

    class Meta:
        verbose_name = _("排班表")
        verbose_name_plural = _("排班表")
        ordering = ["-published_at", "-id"]
        indexes = [models.Index(fields=["first_day", "published_at"], name="roster_first_day")]

    def __str__(self) -> str:
        return f"{self.first_day:%Y-%m-%d} +{self.days}"

    @property
    def last_day(self) -> dt.date:
        return self.first_day + dt.timedelta(days=self.days - 1)


class RosterShift(models.Model):  # 班次
    roster = models.ForeignKey(Roster, on_delete=models.CASCADE, related_name="shifts", verbose_name=_("排班表"))
    day = models.DateField(_("日期"))  # the local day the shift starts
    starts_at = models.DateTimeField(_("开始"))
    ends_at = models.DateTimeField(_("结束"))
    operator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("话务员"))
    # 调班: who had the shift before it was handed over, who changed it, when and why.
    planned_operator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                         null=True, blank=True, verbose_name=_("原排班人"))
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   null=True, blank=True, verbose_name=_("调班人"))
    changed_at = models.DateTimeField(_("调班时间"), null=True, blank=True)
    change_reason = models.CharField(_("调班原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("班次")
        verbose_name_plural = _("班次")
        ordering = ["starts_at", "id"]
        indexes = [
            models.Index(fields=["operator", "day"], name="roster_shift_operator"),
            models.Index(fields=["roster", "day"], name="roster_shift_day"),
        ]

    def __str__(self) -> str:
        return f"{self.starts_at:%Y-%m-%d %H:%M}–{self.ends_at:%H:%M}"

    @property
    def hours(self) -> float:
        return (self.ends_at - self.starts_at).total_seconds() / 3600

    @property
    def span(self) -> str:
        """「12-01 07:00–15:00」 in local time, as messages and notifications name a shift."""
        return f"{timezone.localtime(self.starts_at):%m-%d %H:%M}–{timezone.localtime(self.ends_at):%H:%M}"


class ShiftRequest(models.Model):  # 换班/请假申请
    """An operator's request to be relieved of one of their shifts: 换班 with a named colleague, who agrees first,
    or 请假 with nobody named, the supervisor finding the cover. A supervisor or admin approves it (the shift is
    then handed over by `roster_shift_reassign`, the 调班 that keeps who was planned) or rejects it."""

    class Status(models.TextChoices):
        ASKING_COLLEAGUE = "asking_colleague", _("待同事确认")
        PENDING = "pending", _("待审批")
        APPROVED = "approved", _("已批准")
        REJECTED = "rejected", _("已驳回")
        DECLINED = "declined", _("同事已拒绝")
        WITHDRAWN = "withdrawn", _("已撤回")

    OPEN = (Status.ASKING_COLLEAGUE, Status.PENDING)

    shift = models.ForeignKey(RosterShift, on_delete=models.CASCADE, related_name="requests", verbose_name=_("班次"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("申请人"))
    # 换班: the colleague asked to take the shift; empty for 请假 (the supervisor names the cover on approval).
    colleague = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                  null=True, blank=True, verbose_name=_("接班同事"))
    reason = models.CharField(_("原因"), max_length=200)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices)
    created_at = models.DateTimeField(_("申请时间"), default=timezone.now)
    answered_at = models.DateTimeField(_("同事答复时间"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   null=True, blank=True, verbose_name=_("审批人"))
    decided_at = models.DateTimeField(_("办理时间"), null=True, blank=True)  # approved, rejected or withdrawn
    decision_note = models.CharField(_("审批意见"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("换班申请")
        verbose_name_plural = _("换班申请")
        ordering = ["-created_at", "-id"]
        constraints = [
            # One open request per shift: a second would ask to hand over a shift already being handed over.
            models.UniqueConstraint(fields=["shift"], condition=models.Q(status__in=["asking_colleague", "pending"]),
                                    name="shift_request_one_open"),
        ]
        indexes = [
            models.Index(fields=["status", "created_at"], name="shift_request_status"),
            models.Index(fields=["requested_by", "created_at"], name="shift_request_requester"),
            models.Index(fields=["colleague", "status"], name="shift_request_colleague"),
        ]

    def __str__(self) -> str:
        return f"{self.shift} {self.requested_by}"

    @property
    def is_swap(self) -> bool:
        return self.colleague_id is not None

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN

"""The work order (工单) and everything that happens to it.

A state changes only through the service functions in `rexian.orders.services`,
each checked against the declared table in `rexian.orders.transitions` and
recorded as an `OrderEvent` row.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from rexian.catalog.models import AppealType, Category, Channel, HotTopic, Line, Urgency
from rexian.orders.transitions import Action, State
from rexian.privacy.fields import EncryptedTextField
from rexian.units.models import Unit


class Gender(models.TextChoices):
    UNKNOWN = "", _("未知")
    MALE = "M", _("男")
    FEMALE = "F", _("女")


class CloseReason(models.TextChoices):
    ANSWERED = "answered", _("直接办结")
    CALLBACK = "callback", _("回访办结")
    UNREACHABLE = "unreachable", _("回访不成功办结")
    UPHELD = "upheld", _("维持办结")  # dissatisfied, and the dispatcher decided against re-handling


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASIC = "basic", _("基本满意")
    DISSATISFIED = "dissatisfied", _("不满意")


class WorkOrder(models.Model):  # 工单
    number = models.CharField(_("工单编号"), max_length=20, unique=True)
    # The old system's number of an order loaded by `rexian import-orders` (NULL for Rexian's own orders):
    # unique, so importing the same file twice adds nothing.
    legacy_number = models.CharField(_("原工单号"), max_length=40, unique=True, null=True, blank=True, default=None)
    # The once-only token of the intake page the order was saved from (NULL for orders from elsewhere): unique, so
    # saving the same page twice (a double Ctrl+Enter, a resent POST) registers one order. See `order_register`.
    intake_token = models.CharField(max_length=32, unique=True, null=True, blank=True, default=None, editable=False)
    state = models.CharField(_("状态"), max_length=20, choices=State.choices, default=State.REGISTERED)
    version = models.PositiveIntegerField(_("版本"), default=1)
    event_count = models.PositiveIntegerField(default=0, editable=False)

    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, verbose_name=_("受理渠道"))
    line = models.ForeignKey(Line, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("热线"))

    # The caller (诉求人). Name, phone and ID number are encrypted; the hashes serve look-ups.
    caller_name = EncryptedTextField(_("诉求人姓名"), blank=True, default="")
    caller_phone = EncryptedTextField(_("联系电话"), blank=True, default="")
    caller_phone_hash = models.CharField(max_length=64, blank=True, default="", editable=False)
    caller_id_number = EncryptedTextField(_("证件号码"), blank=True, default="")
    caller_id_hash = models.CharField(max_length=64, blank=True, default="", editable=False)
    caller_gender = models.CharField(_("性别"), max_length=1, choices=Gender.choices, blank=True, default="")
    caller_is_enterprise = models.BooleanField(_("企业诉求"), default=False)
    enterprise_name = models.CharField(_("企业名称"), max_length=100, blank=True)
    enterprise_credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    confidential = models.BooleanField(_("要求保密"), default=False)

    # The five elements (受理五要素): who (above), when, where, what, how.
    occurred_at = models.DateTimeField(_("发生时间"), null=True, blank=True)
    area = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("所属区域")
    )
    address = models.CharField(_("地址"), max_length=200, blank=True)
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True)
    title = models.CharField(_("标题"), max_length=120)
    description = models.TextField(_("诉求内容"))

    appeal_type = models.ForeignKey(AppealType, on_delete=models.PROTECT, verbose_name=_("诉求类型"))
    category = models.ForeignKey(Category, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("诉求分类"))
    urgency = models.ForeignKey(Urgency, on_delete=models.PROTECT, verbose_name=_("紧急程度"))
    hot_topics = models.ManyToManyField(HotTopic, blank=True, related_name="+", verbose_name=_("热点标签"))

    lead_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("主办单位")
    )
    master = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="merged_orders", verbose_name=_("主工单")
    )
    answer = models.TextField(_("直接答复内容"), blank=True)

    registered_at = models.DateTimeField(_("登记时间"))
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("登记人"),
    )
    dispatched_at = models.DateTimeField(_("派单时间"), null=True, blank=True)
    signed_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    first_responded_at = models.DateTimeField(_("首次响应时间"), null=True, blank=True)
    replied_at = models.DateTimeField(_("回复时间"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("审核通过时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    close_reason = models.CharField(_("办结方式"), max_length=12, choices=CloseReason.choices, blank=True)

    # Deadlines are computed by the services from the rules and the calendar, never typed.
    sign_deadline = models.DateTimeField(_("签收时限"), null=True, blank=True)
    first_response_deadline = models.DateTimeField(_("首次响应时限"), null=True, blank=True)
    reply_deadline = models.DateTimeField(_("办结时限"), null=True, blank=True)
    callback_deadline = models.DateTimeField(_("回访时限"), null=True, blank=True)
    # The deadline the order is running against now, and when that clock started.
    due_kind = models.CharField(max_length=16, blank=True, editable=False)
    due_from = models.DateTimeField(null=True, blank=True, editable=False)
    due_at = models.DateTimeField(_("当前时限"), null=True, blank=True, editable=False)
    due_warn_at = models.DateTimeField(null=True, blank=True, editable=False)  # when the live deadline turns yellow
    due_escalated = models.BooleanField(default=False, editable=False)  # the live deadline has been escalated
    is_overdue = models.BooleanField(_("已超期"), default=False)

    state_before_return = models.CharField(max_length=20, blank=True, editable=False)
    pending_extension = models.BooleanField(_("延期待审"), default=False)
    return_count = models.PositiveSmallIntegerField(_("退单次数"), default=0)
    reopen_count = models.PositiveSmallIntegerField(_("重办次数"), default=0)
    callback_attempts = models.PositiveSmallIntegerField(_("回访未成功次数"), default=0)

    class Meta:
        verbose_name = _("工单")
        verbose_name_plural = _("工单")
        indexes = [
            models.Index(fields=["state", "registered_at"], name="order_state_registered"),
            models.Index(fields=["caller_phone_hash", "registered_at"], name="order_caller_history"),
            models.Index(fields=["caller_id_hash"], name="order_caller_id"),
            models.Index(fields=["registered_at"], name="order_registered"),
            models.Index(fields=["state", "due_at"], name="order_state_due"),
            models.Index(fields=["due_warn_at"], name="order_due_warn"),
            # "Registered by me today" on the operator's home page and the search's "mine" filter.
            models.Index(fields=["registered_by", "registered_at"], name="order_registrant"),
            models.Index(fields=["lead_unit", "state"], name="order_lead_unit_state"),
            models.Index(fields=["channel", "registered_at"], name="order_channel_registered"),
            # 一企来: an enterprise's orders (its profile's history) and the enterprise desk's open queue.
            models.Index(fields=["enterprise_credit_code", "registered_at"], name="order_enterprise_history"),
            # Partial, as SQLite's planner needs for a boolean filter (docs/development.md): enterprises' orders only.
            models.Index(
                fields=["state", "due_at"], condition=models.Q(caller_is_enterprise=True), name="order_enterprise_state"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def is_open(self) -> bool:
        from rexian.orders.transitions import OPEN_STATES

        return self.state in OPEN_STATES

    @property
    def callback_attempt_is_last(self) -> bool:
        """Whether one more failed callback (联系不上) closes the order: REXIAN_CALLBACK_MAX_ATTEMPTS is reached."""
        return self.callback_attempts + 1 >= settings.CALLBACK_MAX_ATTEMPTS

    @property
    def protects_identity(self) -> bool:
        """The caller's identity must be hidden from units: a whistle-blower or a request for confidentiality."""
        return self.confidential or self.appeal_type.protects_identity


class Assignment(models.Model):  # 派单记录 (主办/协办)
    """One unit's part in an order: dispatched to it, signed, replied, or returned."""

    class Role(models.TextChoices):
        LEAD = "lead", _("主办")
        ASSIST = "assist", _("协办")

    class Status(models.TextChoices):
        DISPATCHED = "dispatched", _("待签收")
        SIGNED = "signed", _("办理中")
        REPLIED = "replied", _("已回复")
        WITHDRAWN = "withdrawn", _("已退回")
        DONE = "done", _("已结束")

    order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("工单"))
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="assignments", verbose_name=_("单位"))
    role = models.CharField(_("主协办"), max_length=6, choices=Role.choices)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.DISPATCHED)
    # Open while the unit still has work on the order; drives the unit's inbox.
    is_open = models.BooleanField(default=True)
    dispatched_at = models.DateTimeField(_("派单时间"))
    dispatched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("派单人")
    )
    sign_deadline = models.DateTimeField(_("签收时限"), null=True, blank=True)
    signed_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    replied_at = models.DateTimeField(_("回复时间"), null=True, blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    result = models.TextField(_("办理结果"), blank=True)
    measures = models.TextField(_("处理措施"), blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("重办次数"), default=0)

    class Meta:
        verbose_name = _("派单记录")
        verbose_name_plural = _("派单记录")
        indexes = [
            # Partial indexes: SQLite uses an index for "WHERE is_open" only through its condition. Beware of adding
            # another index that starts with unit: SQLite's planner then prefers it to the partial one (measured:
            # 73 ms instead of 5 ms p95 for the inbox at 1M orders, bench/orders.py).
            models.Index(fields=["unit", "order"], condition=models.Q(is_open=True), name="assignment_open_inbox"),
            models.Index(
                fields=["status", "sign_deadline"], condition=models.Q(is_open=True), name="assignment_open_sign_due"
            ),
            # "Does this unit have a part in this order?" for the authorization module.
            models.Index(fields=["order", "unit"], name="assignment_order_unit"),
        ]

    def __str__(self) -> str:
        return f"{self.order.number} {self.unit} {self.get_role_display()}"

    @property
    def status_label(self) -> str:
        """The part's status as the order page shows it: a part closed before the unit signed or replied (an
        assisting unit still on it when the lead's reply closed the handling) says so, not 待签收 for good."""
        if not self.is_open and self.status == self.Status.DISPATCHED:
            return _("未签收（已结束）")
        if not self.is_open and self.status == self.Status.SIGNED:
            return _("未回复（已结束）")
        return self.get_status_display()


class OrderEvent(models.Model):  # 工单流转记录
    """One entry of an order's append-only history."""

    order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="events", verbose_name=_("工单"))
    seq = models.PositiveIntegerField(_("序号"))
    action = models.CharField(_("操作"), max_length=24, choices=Action.choices)
    from_state = models.CharField(_("原状态"), max_length=20, choices=State.choices, blank=True)
    to_state = models.CharField(_("新状态"), max_length=20, choices=State.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("操作人"),
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("单位")
    )
    at = models.DateTimeField(_("时间"))
    note = models.TextField(_("说明"), blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("流转记录")
        verbose_name_plural = _("流转记录")
        ordering = ["order", "seq"]
        constraints = [models.UniqueConstraint(fields=["order", "seq"], name="event_seq_unique")]
        indexes = [models.Index(fields=["action", "at"], name="event_action_at")]

    def __str__(self) -> str:
        return f"{self.order_id}#{self.seq} {self.action}"


class UnitRequest(models.Model):
    """A unit's request that a dispatcher approves or rejects (return or extension)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待审核")
        APPROVED = "approved", _("已同意")
        REJECTED = "rejected", _("已驳回")
        WITHDRAWN = "withdrawn", _("已撤回")

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("申请单位"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("申请时间"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    class Meta:
        abstract = True
        indexes = [models.Index(fields=["status", "requested_at"])]

    def decide(self, *, status: str, actor, at, note: str) -> None:
        self.status, self.decided_by, self.decided_at, self.decision_note = status, actor, at, note
        self.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])


class ReturnRequest(UnitRequest):  # 退单申请
    order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="return_requests")
    reason = models.TextField(_("退单理由"))

    class Meta(UnitRequest.Meta):
        verbose_name = _("退单申请")
        verbose_name_plural = _("退单申请")
        indexes = [models.Index(fields=["status", "requested_at"], name="return_request_status")]


class ExtensionRequest(UnitRequest):  # 延期申请
    order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="extension_requests")
    previous_deadline = models.DateTimeField(_("原办结时限"))
    requested_deadline = models.DateTimeField(_("申请延至"))
    reason = models.TextField(_("延期理由"))

    class Meta(UnitRequest.Meta):
        verbose_name = _("延期申请")
        verbose_name_plural = _("延期申请")
        indexes = [models.Index(fields=["status", "requested_at"], name="extension_request_status")]


class Callback(models.Model):  # 回访
    order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="callbacks")
    operator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("回访时间"))
    reached = models.BooleanField(_("是否联系上"))
    satisfaction = models.CharField(_("满意度"), max_length=12, choices=Satisfaction.choices, blank=True)
    solved = models.BooleanField(_("问题是否解决"), null=True)
    responded_in_time = models.BooleanField(_("单位是否及时联系"), null=True)
    note = models.TextField(_("回访记录"), blank=True)

    class Meta:
        verbose_name = _("回访记录")
        verbose_name_plural = _("回访记录")
        indexes = [models.Index(fields=["at"])]


class Escalation(models.Model):  # 催办
    """An automatic reminder raised once when a deadline passes."""

    order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="escalations")
    kind = models.CharField(_("时限类别"), max_length=16)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    deadline = models.DateTimeField(_("时限"))
    created_at = models.DateTimeField(_("催办时间"))
    # One escalation per order, kind, unit and deadline: "<kind>:<unit id or 0>:<deadline iso>".
    key = models.CharField(max_length=80)

    class Meta:
        verbose_name = _("催办记录")
        verbose_name_plural = _("催办记录")
        constraints = [models.UniqueConstraint(fields=["order", "key"], name="escalation_once")]
        indexes = [models.Index(fields=["created_at"])]


def attachment_path(instance: "Attachment", filename: str) -> str:
    return f"orders/{instance.order.registered_at:%Y/%m}/{instance.order.number}/{filename}"


class Attachment(models.Model):  # 附件
    class Kind(models.TextChoices):
        PHOTO = "photo", _("图片")
        DOCUMENT = "document", _("文档")
        RECORDING = "recording", _("录音")

    order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    file = models.FileField(_("文件"), upload_to=attachment_path, max_length=255)
    original_name = models.CharField(_("原文件名"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField(_("大小"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("上传时间"))

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")


class OrderNumberSequence(models.Model):
    """The last order number handed out on a day (numbers read `20261126-000123`)."""

    day = models.DateField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

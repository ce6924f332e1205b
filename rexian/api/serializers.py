"""Request and response bodies of the REST API (v1).

Request serializers only parse and check types and sizes; every domain rule
(a leaf category, a unit that takes orders, a deadline within 90 days …) is
the services' to enforce. Response serializers render what the selectors
return, with the caller's data exactly as `rexian.orders.access` masked it.
"""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.urls import reverse
from django.utils.translation import gettext
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from rexian.api.fields import (
    BoundedDateField,
    CodeField,
    StrictBooleanField,
    StrictCharField,
    StrictDateTimeField,
    StrictDecimalField,
    StrictIntegerField,
)
from rexian.catalog.models import AppealType, Category, Channel, HotTopic, Line, Urgency
from rexian.enterprise.models import Industry, Policy, PolicyPush, Size
from rexian.enterprise.selectors import POLICY_TABS, masked_contact
from rexian.orders.models import Assignment, Attachment, Gender, Satisfaction, WorkOrder
from rexian.orders.selectors import ENTERPRISE_QUEUE_TABS
from rexian.orders.transitions import Action, State
from rexian.quality.models import QualityInspection
from rexian.sms.models import IncomingSms, SmsMessage
from rexian.supervision.models import Supervision, SupervisionStep
from rexian.telephony.models import ShiftRequest
from rexian.units.models import Role, Unit

A = Action
# Each staff action's last URL segment: POST /api/v1/orders/{number}/<slug>/.
SLUG_BY_ACTION: dict[str, str] = {
    A.ANSWER_ON_SPOT: "answer-on-spot",
    A.SEND_TO_DISPATCH: "send-to-dispatch",
    A.AMEND: "amend",
    A.DISPATCH: "dispatch",
    A.SIGN: "sign",
    A.RESPOND: "respond",
    A.REQUEST_RETURN: "return-request",
    A.APPROVE_RETURN: "return-approve",
    A.REJECT_RETURN: "return-reject",
    A.REQUEST_EXTENSION: "extension-request",
    A.APPROVE_EXTENSION: "extension-approve",
    A.REJECT_EXTENSION: "extension-reject",
    A.REPLY: "reply",
    A.ACCEPT_REPLY: "reply-accept",
    A.REJECT_REPLY: "reply-reject",
    A.CALLBACK: "callback",
    A.CALLBACK_FAILED: "callback-failed",
    A.REHANDLE: "rehandle",
    A.UPHOLD: "uphold",
    A.MERGE: "merge",
    A.VOID: "void",
    A.ATTACH: "attachments",
}

MAX_VERSION = 2_147_483_647
MAX_PAGE = 10_000
MAX_PAGE_SIZE = 100
NOTE_MAX = 2000
TEXT_MAX = 10000


def _blank_text(max_length: int, **kwargs) -> StrictCharField:
    return StrictCharField(max_length=max_length, required=False, allow_blank=True, default="", **kwargs)


# --- Errors ----------------------------------------------------------------------------------


class ErrorSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable machine-readable code, e.g. `stale_version`, `invalid`.")
    message = serializers.CharField(help_text="A message for people, in the caller's language (Chinese by default).")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Messages per request field (nested fields joined with dots); empty when no field is to blame.",
    )


# --- Small references ----------------------------------------------------------------------


class CodeNameSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class CategoryRefSerializer(CodeNameSerializer):
    full_name = serializers.CharField(help_text="The path from the top level, e.g. 城乡建设/物业管理/物业服务.")


class OrderRefSerializer(serializers.Serializer):
    """The order as it stands after a write: what a client needs for its next action."""

    number = serializers.CharField(help_text="工单编号")
    state = serializers.ChoiceField(choices=State.choices)
    version = serializers.IntegerField(help_text="Send this `version` with the next action on the order.")
    url = serializers.SerializerMethodField()

    def get_url(self, order) -> str:
        return reverse("api:order-detail", kwargs={"number": order.number})


# --- Callers ---------------------------------------------------------------------------------


class ListCallerSerializer(serializers.Serializer):
    """The caller in lists: always masked; `（保密）` when their identity is withheld from the viewer."""

    name = serializers.CharField()
    phone = serializers.CharField()
    hidden = serializers.BooleanField()


class CallerSerializer(serializers.Serializer):
    """The caller as the viewer's role may see them (`rexian.orders.access.caller_view`)."""

    name = serializers.CharField(source="view.name")
    phone = serializers.CharField(source="view.phone")
    id_number = serializers.CharField(source="view.id_number")
    hidden = serializers.BooleanField(
        source="view.hidden", help_text="Identity withheld (whistle-blower, confidentiality)."
    )
    masked = serializers.BooleanField(source="view.masked")
    gender = serializers.SerializerMethodField()
    is_enterprise = serializers.SerializerMethodField()
    enterprise_name = serializers.SerializerMethodField()
    enterprise_credit_code = serializers.SerializerMethodField()
    confidential = serializers.BooleanField(
        source="order.confidential", help_text="The caller asked for confidentiality."
    )

    # An enterprise's name or a gender could identify a whistle-blower: withheld with the rest.
    def get_gender(self, caller) -> str:
        return "" if caller.view.hidden else caller.order.caller_gender

    def get_is_enterprise(self, caller) -> bool:
        return False if caller.view.hidden else caller.order.caller_is_enterprise

    def get_enterprise_name(self, caller) -> str:
        return "" if caller.view.hidden else caller.order.enterprise_name

    def get_enterprise_credit_code(self, caller) -> str:
        return "" if caller.view.hidden else caller.order.enterprise_credit_code


# --- Orders ------------------------------------------------------------------------------------


class OrderRowSerializer(serializers.Serializer):
    """One order in a list (the unit inbox, the dispatch queue, the order list, caller history)."""

    number = serializers.CharField(source="order.number")
    version = serializers.IntegerField(source="order.version")
    state = serializers.ChoiceField(source="order.state", choices=State.choices)
    state_label = serializers.CharField(source="order.get_state_display")
    title = serializers.CharField(source="order.title")
    appeal_type = CodeNameSerializer(source="order.appeal_type")
    urgency = CodeNameSerializer(source="order.urgency")
    category = CodeNameSerializer(source="order.category", allow_null=True)
    lead_unit = CodeNameSerializer(source="order.lead_unit", allow_null=True)
    registered_at = serializers.DateTimeField(source="order.registered_at")
    due_kind = serializers.CharField(
        source="order.due_kind", help_text="The clock running now: sign, reply, callback …"
    )
    due_at = serializers.DateTimeField(source="order.due_at", allow_null=True)
    is_overdue = serializers.BooleanField(source="order.is_overdue")
    caller = ListCallerSerializer()


class OrderPageSerializer(serializers.Serializer):
    """A page of a list. There is no total: follow `next` until it is null."""

    results = OrderRowSerializer(many=True)
    next = serializers.CharField(allow_null=True, help_text="URL of the next page, or null on the last page.")
    previous = serializers.CharField(allow_null=True, help_text="URL of the previous page, or null on the first.")


class CallerHistorySerializer(serializers.Serializer):
    results = OrderRowSerializer(many=True)


class EventSerializer(serializers.Serializer):
    seq = serializers.IntegerField()
    action = serializers.ChoiceField(choices=Action.choices)
    action_label = serializers.CharField(source="get_action_display")
    from_state = serializers.ChoiceField(choices=State.choices, allow_blank=True)
    to_state = serializers.ChoiceField(choices=State.choices)
    actor = serializers.SerializerMethodField()
    actor_unit = serializers.SerializerMethodField(
        help_text="The actor's own unit (the centre for its staff); null for the system's steps."
    )
    unit = CodeNameSerializer(
        allow_null=True,
        help_text="The unit the step concerns: the lead unit dispatched to or asked to redo, the unit that "
        "signed, replied or asked … (not necessarily the actor's own: see `actor_unit`).",
    )
    at = serializers.DateTimeField()
    note = serializers.CharField()
    data = serializers.JSONField(help_text="Details of the step (units, deadlines, satisfaction …).")

    def get_actor(self, event) -> str | None:
        return str(event.actor) if event.actor_id else None

    @extend_schema_field(CodeNameSerializer(allow_null=True))
    def get_actor_unit(self, event):
        unit = event.actor.unit if event.actor_id else None
        return CodeNameSerializer(unit).data if unit else None


class AssignmentSerializer(serializers.Serializer):
    unit = CodeNameSerializer()
    role = serializers.ChoiceField(choices=Assignment.Role.choices)
    status = serializers.ChoiceField(choices=Assignment.Status.choices)
    is_open = serializers.BooleanField()
    dispatched_at = serializers.DateTimeField()
    sign_deadline = serializers.DateTimeField(allow_null=True)
    signed_at = serializers.DateTimeField(allow_null=True)
    replied_at = serializers.DateTimeField(allow_null=True)
    result = serializers.CharField()
    measures = serializers.CharField()
    reopen_count = serializers.IntegerField()


class AttachmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=Attachment.Kind.choices)
    original_name = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    uploaded_at = serializers.DateTimeField()
    uploaded_by = serializers.CharField()


class AttachmentCreatedSerializer(serializers.Serializer):
    attachment = AttachmentSerializer(source="*")
    order = OrderRefSerializer()


class OrderDetailSerializer(serializers.Serializer):
    """One order: its fields, the caller as the viewer may see them, history, units and the viewer's next actions."""

    number = serializers.CharField(source="order.number")
    version = serializers.IntegerField(source="order.version", help_text="Send it with every action on the order.")
    state = serializers.ChoiceField(source="order.state", choices=State.choices)
    state_label = serializers.CharField(source="order.get_state_display")
    title = serializers.CharField(source="order.title")
    description = serializers.CharField(source="order.description")
    channel = CodeNameSerializer(source="order.channel")
    appeal_type = CodeNameSerializer(source="order.appeal_type")
    category = serializers.SerializerMethodField()
    urgency = CodeNameSerializer(source="order.urgency")
    area = CodeNameSerializer(source="order.area", allow_null=True)
    address = serializers.CharField(source="order.address")
    latitude = serializers.DecimalField(
        source="order.latitude", max_digits=9, decimal_places=6, coerce_to_string=False, allow_null=True
    )
    longitude = serializers.DecimalField(
        source="order.longitude", max_digits=9, decimal_places=6, coerce_to_string=False, allow_null=True
    )
    occurred_at = serializers.DateTimeField(source="order.occurred_at", allow_null=True)
    caller = serializers.SerializerMethodField()
    lead_unit = CodeNameSerializer(source="order.lead_unit", allow_null=True)
    master = serializers.SerializerMethodField(help_text="The number of the order this one was merged into (并单).")
    answer = serializers.CharField(source="order.answer", help_text="The answer given on the call (直接办结).")
    registered_at = serializers.DateTimeField(source="order.registered_at")
    dispatched_at = serializers.DateTimeField(source="order.dispatched_at", allow_null=True)
    signed_at = serializers.DateTimeField(source="order.signed_at", allow_null=True)
    first_responded_at = serializers.DateTimeField(source="order.first_responded_at", allow_null=True)
    replied_at = serializers.DateTimeField(source="order.replied_at", allow_null=True)
    accepted_at = serializers.DateTimeField(source="order.accepted_at", allow_null=True)
    closed_at = serializers.DateTimeField(source="order.closed_at", allow_null=True)
    close_reason = serializers.CharField(source="order.close_reason")
    sign_deadline = serializers.DateTimeField(source="order.sign_deadline", allow_null=True)
    first_response_deadline = serializers.DateTimeField(source="order.first_response_deadline", allow_null=True)
    reply_deadline = serializers.DateTimeField(source="order.reply_deadline", allow_null=True)
    callback_deadline = serializers.DateTimeField(source="order.callback_deadline", allow_null=True)
    due_kind = serializers.CharField(source="order.due_kind")
    due_at = serializers.DateTimeField(source="order.due_at", allow_null=True)
    is_overdue = serializers.BooleanField(source="order.is_overdue")
    pending_extension = serializers.BooleanField(source="order.pending_extension")
    return_count = serializers.IntegerField(source="order.return_count")
    reopen_count = serializers.IntegerField(source="order.reopen_count")
    callback_attempts = serializers.IntegerField(source="order.callback_attempts")
    events = EventSerializer(many=True)
    assignments = AssignmentSerializer(many=True)
    attachments = serializers.SerializerMethodField()
    allowed_actions = serializers.SerializerMethodField(
        help_text="The actions this viewer may take now, as the last segment of their URL (e.g. `sign`)."
    )

    @extend_schema_field(CategoryRefSerializer(allow_null=True))
    def get_category(self, detail):
        category = detail.order.category
        return CategoryRefSerializer(category).data if category else None

    @extend_schema_field(CallerSerializer)
    def get_caller(self, detail):
        return CallerSerializer(_Caller(detail.caller, detail.order)).data

    def get_master(self, detail) -> str | None:
        return detail.order.master.number if detail.order.master_id else None

    @extend_schema_field(AttachmentSerializer(many=True))
    def get_attachments(self, detail):
        attachments = detail.order.attachments.select_related("uploaded_by").order_by("uploaded_at", "pk")
        return AttachmentSerializer(attachments, many=True).data

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=list(SLUG_BY_ACTION.values()))))
    def get_allowed_actions(self, detail) -> list[str]:
        return [SLUG_BY_ACTION[action] for action in detail.allowed_actions if action in SLUG_BY_ACTION]


class _Caller:
    def __init__(self, view, order):
        self.view, self.order = view, order


# --- Requests: orders --------------------------------------------------------------------------


class RegisterSerializer(serializers.Serializer):
    """登记: a new request. Codes name master data (see the master-data endpoints)."""

    channel = CodeField(queryset=Channel.objects.filter(is_active=True), help_text="受理渠道 code, e.g. `phone`.")
    appeal_type = CodeField(
        queryset=AppealType.objects.filter(is_active=True), help_text="诉求类型 code, e.g. `complaint`."
    )
    title = StrictCharField(max_length=120)
    description = StrictCharField(max_length=TEXT_MAX)
    urgency = CodeField(queryset=Urgency.objects.all(), required=False, allow_null=True, default=None)
    category = CodeField(
        queryset=Category.objects.filter(is_active=True),
        required=False,
        allow_null=True,
        default=None,
        help_text="A leaf (third-level) category code.",
    )
    line = CodeField(queryset=Line.objects.filter(is_active=True), required=False, allow_null=True, default=None)
    caller_name = _blank_text(50)
    caller_phone = _blank_text(30)
    caller_id_number = _blank_text(30)
    caller_gender = serializers.ChoiceField(choices=Gender.choices, required=False, default="")
    caller_is_enterprise = StrictBooleanField(required=False, default=False)
    enterprise_name = _blank_text(100)
    enterprise_credit_code = _blank_text(18)
    confidential = StrictBooleanField(
        required=False, default=False, help_text="The caller asks that units not learn who they are."
    )
    area = CodeField(queryset=Unit.objects.filter(is_active=True), required=False, allow_null=True, default=None)
    address = _blank_text(200)
    latitude = StrictDecimalField(
        max_digits=9,
        decimal_places=6,
        min_value=-90,
        max_value=90,
        required=False,
        allow_null=True,
        default=None,
    )
    longitude = StrictDecimalField(
        max_digits=9,
        decimal_places=6,
        min_value=-180,
        max_value=180,
        required=False,
        allow_null=True,
        default=None,
    )
    occurred_at = StrictDateTimeField(required=False, allow_null=True, default=None)
    hot_topics = serializers.ListField(
        child=CodeField(slug_field="name", queryset=HotTopic.objects.filter(is_active=True)),
        required=False,
        default=list,
        max_length=10,
        help_text="Names of hot-topic tags.",
    )
    incoming_sms = StrictIntegerField(
        min_value=1,
        max_value=MAX_VERSION,
        required=False,
        allow_null=True,
        default=None,
        help_text="短信来信: the id of the waiting text the order is registered from (operators and supervisors). "
        "The text is marked registered with the order, both or neither: 409 `invalid_step` when someone else "
        "handled it first, and no order is made. With `caller_phone` empty the order takes the text's number "
        "(which the API never shows). Use channel `sms`.",
    )


class OrderFilterSerializer(serializers.Serializer):
    """Filters of the order list; all optional, combined with AND."""

    state = serializers.ChoiceField(choices=State.choices, required=False)
    appeal_type = CodeField(queryset=AppealType.objects.all(), required=False, help_text="诉求类型 code")
    category = CodeField(
        queryset=Category.objects.all(), required=False, help_text="A category code at any level (its subtree)."
    )
    unit = CodeField(queryset=Unit.objects.all(), required=False, help_text="主办单位 (lead unit) code")
    overdue = serializers.BooleanField(required=False, help_text="true: overdue only; false: not overdue.")
    registered_from = BoundedDateField(required=False, help_text="First day (inclusive), local time.")
    registered_to = BoundedDateField(required=False, help_text="Last day (inclusive), local time.")
    number = serializers.CharField(required=False, max_length=20, help_text="An exact order number.")
    page = serializers.IntegerField(required=False, min_value=1, max_value=MAX_PAGE, default=1)
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=MAX_PAGE_SIZE, default=50)

    def validate(self, attrs):
        start, end = attrs.get("registered_from"), attrs.get("registered_to")
        if start and end and end < start:  # an empty list would say "no orders", not "a typo"
            raise serializers.ValidationError({"registered_to": [gettext("结束日期不能早于开始日期。")]})
        return attrs


class PageSerializer(serializers.Serializer):
    page = serializers.IntegerField(required=False, min_value=1, max_value=MAX_PAGE, default=1)
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=MAX_PAGE_SIZE, default=50)


class SuggestionQuerySerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    description = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")
    limit = StrictIntegerField(required=False, min_value=1, max_value=10, default=3)


class LabelSuggestionSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    confidence = serializers.FloatField(help_text="0–1")


class TextSuggestionsSerializer(serializers.Serializer):
    categories = LabelSuggestionSerializer(many=True)
    appeal_types = LabelSuggestionSerializer(many=True)
    urgencies = LabelSuggestionSerializer(many=True)


class DuplicateQuerySerializer(serializers.Serializer):
    """What is known of the request being recorded; a phone, or a place with some text, is needed to find any."""

    phone = _blank_text(30, help_text="The caller's number: their open and recent orders.")
    area = CodeField(
        queryset=Unit.objects.filter(is_active=True), required=False, default=None,
        help_text="The place (a town or community code): its recent orders with similar text.",
    )
    address = _blank_text(200)
    title = _blank_text(120)
    description = _blank_text(TEXT_MAX)
    days = StrictIntegerField(required=False, min_value=1, max_value=365, default=30, help_text="The window.")
    limit = StrictIntegerField(required=False, min_value=1, max_value=50, default=10)


class DuplicateWindowSerializer(serializers.Serializer):  # query parameters: text, read as numbers
    days = serializers.IntegerField(required=False, min_value=1, max_value=365, default=30, help_text="The window.")
    limit = serializers.IntegerField(required=False, min_value=1, max_value=50, default=5)


class DuplicateHitSerializer(serializers.Serializer):
    number = serializers.CharField(source="order.number")
    title = serializers.CharField(source="order.title")
    state = serializers.ChoiceField(source="order.state", choices=State.choices)
    state_label = serializers.CharField(source="order.get_state_display")
    registered_at = serializers.DateTimeField(source="order.registered_at")
    lead_unit = CodeNameSerializer(source="order.lead_unit", allow_null=True)
    score = serializers.FloatField(help_text="0–1: text similarity, same caller, same place, discounted by age.")
    reasons = serializers.ListField(
        child=serializers.CharField(), help_text="同一来电人 / 同一地址 or 同一区域 / 内容相似, in the caller's language."
    )
    likely = serializers.BooleanField(help_text="At or above the measured operating point: 疑似重复.")
    mergeable = serializers.BooleanField(help_text="Still open: a repeated request may be merged into it (并单).")


class DuplicatesSerializer(serializers.Serializer):
    results = DuplicateHitSerializer(many=True)


class UnitSuggestionSerializer(serializers.Serializer):
    code = serializers.CharField(source="unit.code")
    name = serializers.CharField(source="unit.name")
    confidence = serializers.FloatField(help_text="0–1")


class CallerHistoryQuerySerializer(serializers.Serializer):
    # Digits and the usual separators only, checked as sent (no trimming), so the schema's limits hold exactly.
    phone = StrictCharField(
        max_length=30,
        trim_whitespace=False,
        validators=[RegexValidator(r"^[0-9+()\- （）]{3,30}$")],
        help_text="The caller's phone number, in any usual format (digits, spaces, +, -, brackets).",
    )
    limit = StrictIntegerField(required=False, min_value=1, max_value=100, default=20)


# --- Requests: actions (every one carries the version the client saw) ---------------------------


class VersionSerializer(serializers.Serializer):
    version = StrictIntegerField(
        min_value=1,
        max_value=MAX_VERSION,
        help_text="The order's `version` as the client last saw it; a newer one on the server gives 409.",
    )


class NoteSerializer(VersionSerializer):
    note = _blank_text(NOTE_MAX)


class RequiredNoteSerializer(VersionSerializer):
    note = StrictCharField(max_length=NOTE_MAX)


class ReasonSerializer(VersionSerializer):
    reason = StrictCharField(max_length=NOTE_MAX)


class AnswerOnSpotSerializer(VersionSerializer):
    answer = StrictCharField(max_length=TEXT_MAX)


class AmendSerializer(VersionSerializer):
    """补充登记: the parts of the record to correct; a field left out stays as it is."""

    title = StrictCharField(max_length=120, required=False)
    appeal_type = CodeField(queryset=AppealType.objects.filter(is_active=True), required=False, help_text="诉求类型 code")
    urgency = CodeField(queryset=Urgency.objects.all(), required=False, help_text="紧急程度 code")
    category = CodeField(
        queryset=Category.objects.filter(is_active=True),
        required=False,
        help_text="A leaf (third-level) category code.",
    )
    area = CodeField(
        queryset=Unit.objects.filter(is_active=True), required=False, allow_null=True, help_text="null clears it."
    )
    address = StrictCharField(max_length=200, required=False, allow_blank=True)


class DispatchSerializer(NoteSerializer):
    lead_unit = CodeField(queryset=Unit.objects.all(), help_text="主办单位 code")
    assisting_units = serializers.ListField(
        child=CodeField(queryset=Unit.objects.all()),
        required=False,
        default=list,
        max_length=20,
        help_text="协办单位 codes",
    )


class ExtensionRequestSerializer(ReasonSerializer):
    new_deadline = StrictDateTimeField(
        help_text="The reply deadline asked for (later than the current one, ≤ 90 days)."
    )


class ReplySerializer(VersionSerializer):
    result = StrictCharField(max_length=TEXT_MAX, help_text="办理结果")
    measures = _blank_text(TEXT_MAX, help_text="处理措施")


class CallbackSerializer(VersionSerializer):
    satisfaction = serializers.ChoiceField(choices=Satisfaction.choices)
    solved = StrictBooleanField(required=False, allow_null=True, default=None)
    responded_in_time = StrictBooleanField(required=False, allow_null=True, default=None)
    note = _blank_text(NOTE_MAX)


class MergeSerializer(NoteSerializer):
    master = CodeField(slug_field="number", queryset=WorkOrder.objects.all(), help_text="The master order's number.")


class AttachmentUploadSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1, max_value=MAX_VERSION)
    file = serializers.FileField(
        max_length=200, help_text="A photo, document or recording (type and size are checked)."
    )


# --- Master data and the viewer ------------------------------------------------------------------


class AppealTypeSerializer(CodeNameSerializer):
    protects_identity = serializers.BooleanField(help_text="举报: the caller's identity is never shown to units.")


class CategorySerializer(CodeNameSerializer):
    parent = serializers.CharField(allow_null=True, help_text="The parent's code; null at the top level.")
    level = serializers.IntegerField()
    is_leaf = serializers.BooleanField(help_text="Orders take leaf categories only.")


class UrgencySerializer(CodeNameSerializer):
    rank = serializers.IntegerField(help_text="Higher is more urgent.")


class UnitSerializer(CodeNameSerializer):
    short_name = serializers.CharField()
    kind = serializers.ChoiceField(choices=Unit.Kind.choices)
    parent = serializers.CharField(allow_null=True)
    accepts_orders = serializers.BooleanField()


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    display_name = serializers.CharField()
    role = serializers.ChoiceField(choices=Role.choices)
    role_label = serializers.CharField(source="get_role_display")
    unit = CodeNameSerializer(allow_null=True)


# --- 督办与批示 -----------------------------------------------------------------------------------


class SupervisionStepSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=SupervisionStep.Action.choices)
    action_label = serializers.CharField(source="get_action_display")
    actor = serializers.CharField(source="actor.__str__")
    at = serializers.DateTimeField()
    note = serializers.CharField()


class ReportRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField(help_text="daily 日报, monthly 简报, special 专报 or quick 快报")
    kind_label = serializers.CharField(source="get_kind_display")
    title = serializers.CharField()


class SupervisionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=Supervision.Kind.choices, help_text="supervision 督办 or instruction 批示")
    kind_label = serializers.CharField(source="get_kind_display")
    status = serializers.ChoiceField(choices=Supervision.Status.choices)
    status_label = serializers.CharField(source="get_status_display")
    order = serializers.CharField(source="order.number", allow_null=True, default=None,
                                  help_text="工单编号; null for an item on a report.")
    order_title = serializers.CharField(source="order.title", allow_null=True, default=None)
    source_report = ReportRefSerializer(allow_null=True, help_text="The report the item was written on; null for "
                                        "an item on an order.")
    unit = CodeNameSerializer(help_text="The unit that must report.")
    content = serializers.CharField()
    issued_by = serializers.CharField(source="issued_by.__str__")
    issued_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField(help_text="The unit's report is due by then.")
    overdue = serializers.BooleanField(source="is_overdue", help_text="Not reported and past `due_at`.")
    acknowledged_at = serializers.DateTimeField(allow_null=True)
    report = serializers.CharField(help_text="The unit's latest report; empty until it reports.")
    reported_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    steps = SupervisionStepSerializer(many=True, source="steps.all", help_text="Every step, oldest first.")


class SupervisionPageSerializer(serializers.Serializer):
    results = SupervisionSerializer(many=True)
    counts = serializers.DictField(child=serializers.IntegerField(), help_text="Items per tab, overdue and all.")
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)


class SupervisionQuerySerializer(serializers.Serializer):
    tab = serializers.ChoiceField(choices=["open", "issued", "acknowledged", "reported", "closed"], required=False)
    kind = serializers.ChoiceField(choices=Supervision.Kind.choices, required=False)
    overdue = serializers.BooleanField(required=False, default=False)
    page = serializers.IntegerField(min_value=1, max_value=MAX_PAGE, required=False, default=1)


class SupervisionIssueSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Supervision.Kind.choices, help_text="督办 for supervisors, 批示 for leaders.")
    content = StrictCharField(max_length=1000)
    unit = StrictCharField(max_length=32, required=False, help_text="A unit's code; on an order, default its lead "
                           "unit; on a report, required.")
    due_at = StrictDateTimeField(required=False, help_text="Default: REXIAN_SUPERVISION_REPORT_DAYS working days.")


class SupervisionStepRequestSerializer(serializers.Serializer):
    text = _blank_text(2000, help_text="The report (report), the reason (return) or the closing note (close).")


# --- 质检 ------------------------------------------------------------------------------------------------


class QualityCriterionSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()
    max_points = serializers.IntegerField()


class QualityScoreSerializer(serializers.Serializer):
    criterion = serializers.CharField(source="criterion.code")
    name = serializers.CharField(source="criterion.name")
    points = serializers.IntegerField()
    max_points = serializers.IntegerField(help_text="The criterion's maximum when it was scored.")


class QualityInspectionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    order = serializers.CharField(source="order.number", help_text="工单编号")
    order_title = serializers.CharField(source="order.title")
    operator = serializers.CharField(source="operator.__str__", help_text="The operator who registered the order.")
    sampled_on = serializers.DateField(help_text="The day the order was registered and sampled for.")
    status = serializers.ChoiceField(choices=QualityInspection.Status.choices)
    status_label = serializers.CharField(source="get_status_display")
    inspector = serializers.SerializerMethodField()
    scored_at = serializers.DateTimeField(allow_null=True)
    total = serializers.IntegerField(allow_null=True)
    max_total = serializers.IntegerField(allow_null=True, help_text="The checklist's maximum when scored.")
    comment = serializers.CharField()
    scores = QualityScoreSerializer(many=True, source="scores.all")

    def get_inspector(self, item) -> str | None:
        return str(item.inspector) if item.inspector_id else None


class QualityQueueSerializer(serializers.Serializer):
    results = QualityInspectionSerializer(many=True)
    pending = serializers.IntegerField(help_text="All inspections waiting for a score.")
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)


class QualityScoreRequestSerializer(serializers.Serializer):
    scores = serializers.DictField(
        child=StrictIntegerField(min_value=0, max_value=1000),
        help_text="Points per criterion code (`GET quality/criteria/`); every active criterion must be scored.",
    )
    comment = _blank_text(1000, help_text="点评: required when the total is below the pass mark (80 of 100).")


class QualityWeekQuerySerializer(serializers.Serializer):
    week = BoundedDateField(required=False, help_text="Any day of the week (Monday to Sunday); default this week.")


class QualityWeakCriterionSerializer(serializers.Serializer):
    name = serializers.CharField()
    average = serializers.FloatField(help_text="Average points.")
    max_points = serializers.IntegerField()


class QualityCommentSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The inspection.")
    order = serializers.CharField(source="order.number", help_text="工单编号")
    total = serializers.IntegerField()
    comment = serializers.CharField()


class QualityOperatorWeekSerializer(serializers.Serializer):
    operator = serializers.CharField(source="operator.__str__")
    username = serializers.CharField(source="operator.username")
    scored = serializers.IntegerField(help_text="Inspections scored in the week.")
    average = serializers.FloatField(allow_null=True, help_text="Average total out of 100.")
    failed = serializers.IntegerField(help_text="Below the pass mark.")
    weakest = QualityWeakCriterionSerializer(many=True, help_text="The criteria that lost the most, at most two.")
    comments = QualityCommentSerializer(many=True, help_text="点评 of the week, oldest first.")


class QualityWeeklySerializer(serializers.Serializer):
    week_start = serializers.DateField(help_text="Monday.")
    week_end = serializers.DateField(help_text="Sunday.")
    pass_mark = serializers.IntegerField(help_text="Out of 100.")
    results = QualityOperatorWeekSerializer(many=True, help_text="One per operator, the lowest average first.")


class QualityMonthQuerySerializer(serializers.Serializer):
    month = serializers.RegexField(
        r"^(19|2[0-9])[0-9]{2}-(0[1-9]|1[0-2])$", required=False, help_text="YYYY-MM; default this month."
    )


class QualityOperatorMonthSerializer(serializers.Serializer):
    rank = serializers.IntegerField(allow_null=True, help_text="Null when the score is undefined.")
    operator = serializers.CharField(source="operator.__str__")
    username = serializers.CharField(source="operator.username")
    inspections = serializers.IntegerField(help_text="Scored inspections of orders registered in the month.")
    quality = serializers.FloatField(allow_null=True, help_text="质检均分, out of 100.")
    volume = serializers.IntegerField(help_text="受理量: orders registered in the month, voided left out.")
    volume_score = serializers.FloatField(help_text="受理量得分: against the busiest operator's volume, out of 100.")
    callbacks = serializers.IntegerField(help_text="Reached callbacks made in the month.")
    satisfaction = serializers.FloatField(allow_null=True, help_text="回访满意率, 0 to 1.")
    score = serializers.FloatField(allow_null=True, help_text="综合得分 out of 100; null without inspections or callbacks.")


class QualityMonthlySerializer(serializers.Serializer):
    month = serializers.CharField(help_text="YYYY-MM.")
    weights = serializers.DictField(child=serializers.FloatField(), help_text="`quality`, `volume`, `satisfaction`.")
    results = QualityOperatorMonthSerializer(many=True, help_text="Ranked operators, the best first; unranked last.")


# --- 一企来 (the enterprise desk) ------------------------------------------------------------------------------


def _choice_field(component: str, choices) -> type[serializers.ChoiceField]:
    """A ChoiceField over `choices` whose values are one named enum of the OpenAPI document wherever it is used (the
    generator would otherwise name an enum after each field holding it: `IndustriesEnum`, `Status6d1Enum`)."""

    @extend_schema_field({"type": "string", "enum": [value for value, _label in choices]}, component_name=component)
    class Field(serializers.ChoiceField):
        def __init__(self, **kwargs):
            super().__init__(choices=choices, **kwargs)

    Field.__name__ = Field.__qualname__ = component.removesuffix("Enum") + "Field"
    return Field


class NullableCodeField(CodeField):
    """A code, or null to leave it empty. An empty string is refused, as the document says (DRF's relational fields
    would silently read it as null)."""

    def __init__(self, **kwargs):
        super().__init__(allow_null=True, **kwargs)

    def run_validation(self, data=serializers.empty):
        if data == "":
            self.fail("invalid")
        return super().run_validation(data)


IndustryField = _choice_field("IndustryEnum", Industry.choices)
SizeField = _choice_field("SizeEnum", Size.choices)
PolicyStatusField = _choice_field("PolicyStatusEnum", Policy.Status.choices)
PushChannelField = _choice_field("PolicyPushChannelEnum", PolicyPush.Channel.choices)


class EnterpriseOrderCountsSerializer(serializers.Serializer):
    all = serializers.IntegerField(help_text="Orders carrying the enterprise's credit code.")
    open = serializers.IntegerField(help_text="Of which still open.")
    last_at = serializers.DateTimeField(allow_null=True, help_text="When the latest was registered.")


class EnterpriseSerializer(serializers.Serializer):
    """企业档案 as lists and pages show it: the contact masked (the API never gives the full number)."""

    credit_code = serializers.CharField(help_text="统一社会信用代码")
    name = serializers.CharField()
    industry = serializers.CharField(help_text="行业门类 letter (GB/T 4754); empty when unknown.")
    industry_label = serializers.CharField(source="get_industry_display")
    size = serializers.CharField(help_text="企业规模: large, medium, small or micro; empty when unknown.")
    size_label = serializers.CharField(source="get_size_display")
    area = CodeNameSerializer(allow_null=True, help_text="The town or community it is in.")
    address = serializers.CharField()
    contact_name = serializers.SerializerMethodField(help_text="联系人, masked (张*).")
    contact_phone = serializers.SerializerMethodField(help_text="联系电话, masked (139****1111).")
    note = serializers.CharField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    url = serializers.SerializerMethodField()

    def get_contact_name(self, enterprise) -> str:
        return masked_contact(enterprise)[0]

    def get_contact_phone(self, enterprise) -> str:
        return masked_contact(enterprise)[1]

    def get_url(self, enterprise) -> str:
        return reverse("api:enterprise", kwargs={"credit_code": enterprise.credit_code})


class EnterpriseRowSerializer(EnterpriseSerializer):
    """A profile in the list, with its orders' counts (`enterprise_page`'s rows: a profile and its counts)."""

    orders = EnterpriseOrderCountsSerializer()

    def to_representation(self, row):
        return {**EnterpriseSerializer(row.enterprise).data, "orders": EnterpriseOrderCountsSerializer(row.orders).data}


class EnterprisePageSerializer(serializers.Serializer):
    results = EnterpriseRowSerializer(many=True)
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)


class EnterprisePolicySerializer(serializers.Serializer):
    """A policy in force that applies to the enterprise."""

    id = serializers.IntegerField()
    title = serializers.CharField()
    document_number = serializers.CharField()
    issuer = CodeNameSerializer(allow_null=True)
    summary = serializers.CharField()
    link = serializers.CharField()
    valid_from = serializers.DateField(allow_null=True)
    valid_until = serializers.DateField(allow_null=True)
    published_at = serializers.DateTimeField(allow_null=True)
    told = serializers.BooleanField(help_text="The enterprise was pushed it already.")


class EnterprisePushSerializer(serializers.Serializer):
    """A policy the enterprise was told of."""

    policy = serializers.IntegerField(source="policy_id")
    policy_title = serializers.CharField(source="policy.title")
    channel = PushChannelField()
    channel_label = serializers.CharField(source="get_channel_display")
    pushed_by = serializers.CharField(source="pushed_by.__str__")
    pushed_at = serializers.DateTimeField()


class EnterpriseDetailSerializer(EnterpriseRowSerializer):
    """One profile: its orders' counts, the policies in force that apply to it, the latest pushes to it."""

    policies = EnterprisePolicySerializer(many=True, help_text="Published, in force today, newest first.")
    pushes = EnterprisePushSerializer(many=True, help_text="The latest first.")

    def to_representation(self, detail):
        return {
            **super().to_representation(detail),
            "policies": EnterprisePolicySerializer(detail.policies, many=True).data,
            "pushes": EnterprisePushSerializer(detail.pushes, many=True).data,
        }


class PageOnlySerializer(serializers.Serializer):
    """The page of a list whose page size is fixed (50)."""

    page = serializers.IntegerField(required=False, min_value=1, max_value=MAX_PAGE, default=1)


class EnterpriseQuerySerializer(PageOnlySerializer):
    q = serializers.CharField(max_length=100, required=False, help_text="Part of the name, or a whole credit code.")
    industry = IndustryField(required=False, help_text="行业门类")
    size = SizeField(required=False, help_text="企业规模")
    area = CodeField(queryset=Unit.objects.all(), required=False, help_text="A unit code: profiles in its subtree.")


class EnterpriseFieldsSerializer(serializers.Serializer):
    """What the desk records about an enterprise; every domain rule is the service's (`ProfileFields`)."""

    # Sent as typed, not trimmed (the service trims), so the schema's limits hold exactly.
    name = StrictCharField(max_length=100, trim_whitespace=False, help_text="企业名称")
    industry = _blank_text(1, trim_whitespace=False, help_text="行业门类: a letter of `IndustryEnum`; empty: unknown.")
    size = _blank_text(8, trim_whitespace=False, help_text="企业规模: a value of `SizeEnum`; empty: unknown.")
    area = NullableCodeField(
        queryset=Unit.objects.filter(is_active=True), required=False, default=None,
        help_text="A town or community code; null: unknown.",
    )
    address = _blank_text(200, trim_whitespace=False)
    contact_name = _blank_text(40, trim_whitespace=False)
    contact_phone = _blank_text(20, trim_whitespace=False, help_text="Digits, with the usual separators.")
    note = _blank_text(500, trim_whitespace=False)


class EnterpriseCreateSerializer(EnterpriseFieldsSerializer):
    # The service checks the length and the check character, naming this field (spaces and lower case forgiven).
    credit_code = StrictCharField(
        max_length=40, trim_whitespace=False, help_text="统一社会信用代码: 18 letters and digits."
    )


class EnterpriseQueueQuerySerializer(PageSerializer):
    tab = serializers.ChoiceField(
        choices=ENTERPRISE_QUEUE_TABS, required=False, default="open",
        help_text="open (nearest deadline first), overdue, or all (newest first).",
    )


class EnterpriseOrderPageSerializer(OrderPageSerializer):
    counts = serializers.DictField(
        child=serializers.IntegerField(),
        help_text="The queue: `open` and `overdue`; one enterprise's orders: `all` and `open`.",
    )


class PolicyReachSerializer(serializers.Serializer):
    matched = serializers.IntegerField(help_text="The enterprises its tags reach now.")
    told = serializers.IntegerField(help_text="The enterprises pushed it (one by one ones included).")
    waiting = serializers.IntegerField(help_text="Matched and not told yet: what a push would reach.")


class PolicySerializer(serializers.Serializer):
    """涉企政策. Empty `industries`, `sizes` or `areas`: every enterprise on that dimension."""

    id = serializers.IntegerField()
    title = serializers.CharField()
    document_number = serializers.CharField(help_text="文号")
    issuer = CodeNameSerializer(allow_null=True, help_text="发布单位")
    summary = serializers.CharField(help_text="政策要点")
    link = serializers.CharField(help_text="原文链接")
    valid_from = serializers.DateField(allow_null=True)
    valid_until = serializers.DateField(allow_null=True)
    industries = serializers.ListField(child=serializers.CharField(), source="industry_list")
    industry_labels = serializers.ListField(child=serializers.CharField())
    sizes = serializers.ListField(child=serializers.CharField(), source="size_list")
    size_labels = serializers.ListField(child=serializers.CharField())
    areas = CodeNameSerializer(many=True, source="areas.all", help_text="Towns.")
    status = PolicyStatusField()
    status_label = serializers.CharField(source="get_status_display")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    published_at = serializers.DateTimeField(allow_null=True)
    url = serializers.SerializerMethodField()

    def get_url(self, policy) -> str:
        return reverse("api:policy", kwargs={"policy_id": policy.pk})


class PolicyRowSerializer(PolicySerializer):
    push_count = serializers.IntegerField(help_text="The enterprises told of it.")


class PolicyPageSerializer(serializers.Serializer):
    results = PolicyRowSerializer(many=True)
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)


class PolicyDetailSerializer(PolicySerializer):
    created_by = serializers.CharField(source="created_by.__str__", help_text="录入人")
    reach = serializers.SerializerMethodField()

    @extend_schema_field(PolicyReachSerializer)
    def get_reach(self, policy):
        return PolicyReachSerializer(self.context["reach"]).data


class PolicyQuerySerializer(PageOnlySerializer):
    tab = serializers.ChoiceField(
        choices=POLICY_TABS, required=False, default="in_force",
        help_text="in_force (published, not past its end), draft, or ended (withdrawn or past its end).",
    )
    q = serializers.CharField(max_length=100, required=False, help_text="Part of the title or document number.")


class PolicyFieldsSerializer(serializers.Serializer):
    """A policy's text and tags; every domain rule is the service's (`PolicyFields`)."""

    title = StrictCharField(max_length=200, trim_whitespace=False)
    summary = StrictCharField(max_length=4000, trim_whitespace=False, help_text="政策要点")
    document_number = _blank_text(60, trim_whitespace=False, help_text="文号")
    issuer = NullableCodeField(
        queryset=Unit.objects.filter(is_active=True), required=False, default=None, help_text="发布单位: a unit code."
    )
    link = _blank_text(300, trim_whitespace=False, help_text="原文链接: http:// or https://.")
    valid_from = BoundedDateField(required=False, allow_null=True, default=None)
    valid_until = BoundedDateField(required=False, allow_null=True, default=None)
    industries = serializers.ListField(
        child=IndustryField(), required=False, default=list, max_length=20,
        help_text="行业门类 letters; empty: every industry.",
    )
    sizes = serializers.ListField(
        child=SizeField(), required=False, default=list, max_length=4,
        help_text="企业规模; empty: every size.",
    )
    areas = serializers.ListField(
        child=CodeField(queryset=Unit.objects.filter(is_active=True)), required=False, default=list, max_length=50,
        help_text="Town codes; empty: everywhere.",
    )

    def validate(self, attrs):
        # As `PolicyFields` keeps them: tuples (it is frozen).
        return {name: tuple(value) if isinstance(value, list) else value for name, value in attrs.items()}


class PushRequestSerializer(serializers.Serializer):
    channel = PushChannelField(help_text="推送方式")


class PushCountSerializer(serializers.Serializer):
    pushed = serializers.IntegerField(help_text="The enterprises told by this push (none told twice).")


class PolicyTargetSerializer(EnterpriseSerializer):
    told = serializers.BooleanField(help_text="Pushed the policy already.")


class PolicyTargetPageSerializer(serializers.Serializer):
    results = PolicyTargetSerializer(many=True)
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)


class PolicyPushSerializer(serializers.Serializer):
    """Who was told of a policy, when, how and by whom."""

    enterprise = serializers.CharField(source="enterprise.credit_code", help_text="统一社会信用代码")
    enterprise_name = serializers.CharField(source="enterprise.name")
    channel = PushChannelField()
    channel_label = serializers.CharField(source="get_channel_display")
    pushed_by = serializers.CharField(source="pushed_by.__str__")
    pushed_at = serializers.DateTimeField()


class PolicyPushPageSerializer(serializers.Serializer):
    results = PolicyPushSerializer(many=True)
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)


# --- Rosters (排班表) ----------------------------------------------------------------------------------------------


class RosterShiftSerializer(serializers.Serializer):
    """One shift: who works it, from when to when; 调班 kept: who was planned, who changed it, when and why."""

    id = serializers.IntegerField()
    day = serializers.DateField(help_text="The local day the shift starts.")
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    operator = serializers.CharField(source="operator.username")
    operator_name = serializers.CharField(source="operator.__str__")
    planned_operator = serializers.CharField(source="planned_operator.username", allow_null=True, default=None)
    changed_by = serializers.CharField(source="changed_by.username", allow_null=True, default=None)
    changed_at = serializers.DateTimeField(allow_null=True)
    change_reason = serializers.CharField()


class RosterSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    first_day = serializers.DateField()
    last_day = serializers.DateField()
    days = serializers.IntegerField()
    service_level = serializers.FloatField(help_text="The target: this share of the calls …")
    target_seconds = serializers.IntegerField(help_text="… answered within this many seconds.")
    aht = serializers.IntegerField(help_text="Average handling time the plan used, seconds.")
    shrinkage = serializers.FloatField()
    note = serializers.CharField()
    published_by = serializers.CharField(source="published_by.username")
    published_at = serializers.DateTimeField()
    url = serializers.SerializerMethodField()

    def get_url(self, roster) -> str:
        return reverse("api:roster", kwargs={"roster_id": roster.pk})


class RosterPageSerializer(serializers.Serializer):
    results = RosterSerializer(many=True)
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)


class RosterDetailSerializer(RosterSerializer):
    in_force = serializers.ListField(child=serializers.DateField(),
                                     help_text="The days no later roster has taken over.")
    calls = serializers.ListField(child=serializers.FloatField(), help_text="Calls expected per half hour from "
                                  "first_day's local midnight.")
    agents = serializers.ListField(child=serializers.IntegerField(), help_text="Agents needed on the phone per "
                                   "half hour (Erlang C).")
    staff = serializers.ListField(child=serializers.IntegerField(), help_text="Staff to schedule per half hour "
                                  "(after shrinkage).")
    shifts = RosterShiftSerializer(many=True, source="shift_rows")


class RosterShiftsQuerySerializer(serializers.Serializer):
    """Which of a roster's shifts its page lists (a big centre's roster holds thousands): all by default."""

    day = BoundedDateField(required=False, help_text="Only the shifts starting that local day.")
    operator = serializers.CharField(required=False, max_length=150, help_text="Only this operator's (username).")


class RosterPublishSerializer(serializers.Serializer):
    """The 排班 page's inputs; the plan is made from the call history of the 8 weeks before `first_day`."""

    first_day = BoundedDateField(help_text="Today or later.")
    days = serializers.IntegerField(min_value=1, max_value=14, default=7)
    service_level = serializers.FloatField(min_value=0.5, max_value=0.99, default=0.8)
    seconds = serializers.IntegerField(min_value=5, max_value=120, default=15)
    aht = serializers.IntegerField(min_value=30, max_value=1800, help_text="Average handling time, seconds.")
    shrinkage = serializers.FloatField(min_value=0, max_value=0.95, required=False,
                                       help_text="Default: the centre's REXIAN_STAFFING_SHRINKAGE.")
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class RosterReassignSerializer(serializers.Serializer):
    operator = serializers.CharField(max_length=150, help_text="The username of the active operator taking it.")
    reason = serializers.CharField(max_length=200, help_text="调班原因")


class RosterSlotSerializer(serializers.Serializer):
    start = serializers.DateTimeField()
    agents_needed = serializers.IntegerField(source="planned")
    rostered = serializers.IntegerField(help_text="Operators whose shift covers the half hour.")
    agents_ready = serializers.FloatField(source="actual", allow_null=True,
                                          help_text="Agents ready (talking or waiting), averaged over the half hour.")
    offered = serializers.IntegerField(allow_null=True)
    service_level = serializers.FloatField(allow_null=True, help_text="Answered within the centre's answer target "
                                           "÷ offered.")


class RosterDaySerializer(serializers.Serializer):
    day = serializers.DateField()
    agent_hours = serializers.FloatField(help_text="Needed on the phone.")
    rostered_hours = serializers.FloatField()
    actual_hours = serializers.FloatField(allow_null=True, help_text="Agents ready.")
    offered = serializers.IntegerField()
    service_level = serializers.FloatField(allow_null=True)
    understaffed = serializers.IntegerField(help_text="Half hours with fewer agents ready than needed.")


class RosterExecutionSerializer(serializers.Serializer):
    """排班执行: the half hours gone by of the days the roster is in force."""

    staffing_ratio = serializers.FloatField(allow_null=True, help_text="Σ agents ready ÷ Σ agents needed.")
    understaffed = serializers.IntegerField()
    service_level = serializers.FloatField(allow_null=True)
    service_level_understaffed = serializers.FloatField(allow_null=True)
    service_level_staffed = serializers.FloatField(allow_null=True)
    days = RosterDaySerializer(many=True)
    slots = RosterSlotSerializer(many=True)


class ShiftRequestSerializer(serializers.Serializer):
    """换班/请假申请: `kind` swap (a colleague named, who agrees first) or leave (the supervisor names the cover)."""

    id = serializers.IntegerField()
    shift = RosterShiftSerializer()
    kind = serializers.SerializerMethodField()
    requested_by = serializers.CharField(source="requested_by.username")
    requested_by_name = serializers.CharField(source="requested_by.__str__")
    colleague = serializers.CharField(source="colleague.username", allow_null=True, default=None)
    reason = serializers.CharField()
    status = serializers.ChoiceField(choices=ShiftRequest.Status.choices,
                                     help_text="asking_colleague → pending → approved / rejected; or declined by the "
                                     "colleague, withdrawn by the requester.")
    status_label = serializers.CharField(source="get_status_display")
    created_at = serializers.DateTimeField()
    answered_at = serializers.DateTimeField(allow_null=True, help_text="When the colleague answered.")
    decided_by = serializers.CharField(source="decided_by.username", allow_null=True, default=None)
    decided_at = serializers.DateTimeField(allow_null=True)
    decision_note = serializers.CharField()
    url = serializers.SerializerMethodField()

    def get_kind(self, request) -> str:
        return "swap" if request.is_swap else "leave"

    def get_url(self, request) -> str:
        return reverse("api:shift-request", kwargs={"request_id": request.pk})


class MyShiftRequestsSerializer(serializers.Serializer):
    mine = ShiftRequestSerializer(many=True, help_text="The requests the user made in the last 30 days, newest first.")
    asked = ShiftRequestSerializer(many=True, help_text="Swaps colleagues ask of the user, waiting for an answer.")


class ShiftRequestCreateSerializer(serializers.Serializer):
    shift = serializers.IntegerField(min_value=1, help_text="The id of one of the user's shifts that has not begun.")
    colleague = serializers.CharField(max_length=150, required=False, allow_null=True, allow_blank=True,
                                      help_text="The username of the active operator asked to take it (换班); "
                                      "omit for 请假.")
    reason = serializers.CharField(max_length=200)


class ShiftRequestAnswerSerializer(serializers.Serializer):
    accept = serializers.BooleanField(help_text="true: take the shift (then a supervisor decides); false: decline.")


class ShiftRequestDecideSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    operator = serializers.CharField(max_length=150, required=False, allow_blank=True,
                                     help_text="For 请假: the username of the active operator taking the shift.")
    note = serializers.CharField(max_length=200, required=False, allow_blank=True,
                                 help_text="审批意见; needed to reject.")


class MyShiftsQuerySerializer(serializers.Serializer):
    first_day = BoundedDateField(required=False, help_text="Default: a week ago.")
    days = serializers.IntegerField(min_value=1, max_value=62, default=21)


# --- 短信来信 -------------------------------------------------------------------------------------------------------


class IncomingSmsQuerySerializer(PageSerializer):
    tab = serializers.ChoiceField(
        choices=["open", "all"], required=False, default="open",
        help_text="open: the texts waiting for an operator, oldest first; all: every text, newest first.",
    )


class IncomingSmsSerializer(serializers.Serializer):
    """短信来信: a text a caller sent the hotline's number. The number is always masked."""

    id = serializers.IntegerField()
    received_at = serializers.DateTimeField()
    phone = serializers.CharField(source="masked_phone", help_text="The sender's number, masked (138****8000).")
    text = serializers.CharField()
    status = serializers.ChoiceField(
        choices=IncomingSms.Status.choices,
        help_text="open (waiting) → registered (an order was made of it) or dismissed (无需登记); taken without an "
        "operator: rated (the order's callback), rated_late (came after the callback), opted_out (退订).",
    )
    status_label = serializers.CharField(source="get_status_display")
    order = serializers.CharField(source="order.number", allow_null=True, default=None,
                                  help_text="工单编号: the order it was registered as or rated; null if none.")
    handled_by = serializers.CharField(allow_null=True, help_text="The name of the operator who registered or "
                                       "dismissed it.")  # str() of the user, null when nobody did
    handled_at = serializers.DateTimeField(allow_null=True)
    note = serializers.CharField(help_text="Why it needed no order (dismissed).")
    url = serializers.SerializerMethodField()

    def get_url(self, incoming) -> str:
        return reverse("api:sms-incoming-detail", kwargs={"incoming_id": incoming.pk})


class IncomingSmsPageSerializer(serializers.Serializer):
    results = IncomingSmsSerializer(many=True)
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)


class IncomingDismissSerializer(serializers.Serializer):
    # The service folds the spaces, then requires the note and its 200 characters (naming `note` when it refuses).
    note = _blank_text(NOTE_MAX, trim_whitespace=False, help_text="处理说明: why the text needs no order (a "
                       "thank-you, an empty reply …); required, at most 200 characters.")


# --- 短信 of an order (texts to and from its caller) ---------------------------------------------------------------


class SmsAnswerSerializer(serializers.Serializer):
    article = StrictIntegerField(
        min_value=1, max_value=MAX_VERSION,
        help_text="知识条目: the id of the knowledge-base article whose 短信口径 (`sms_text`) is texted to the caller.",
    )


class SmsMessageSerializer(serializers.Serializer):
    """短信: a text made for the order's caller. The number it went to is never shown."""

    id = serializers.IntegerField()
    kind = serializers.ChoiceField(
        choices=SmsMessage.Kind.choices,
        help_text="receipt (受理回执), result (办结通知) or answer (知识答复, an article's 短信口径 an operator sent).",
    )
    kind_label = serializers.CharField(source="get_kind_display")
    status = serializers.ChoiceField(
        choices=SmsMessage.Status.choices,
        help_text="pending → sent → delivered or undelivered (the gateway's report); failed is retried until the "
        "worker gives up (gave_up).",
    )
    status_label = serializers.CharField(source="get_status_display")
    text = serializers.CharField(help_text="The text as sent, with the centre's signature.")
    article = serializers.IntegerField(source="article_id", allow_null=True,
                                       help_text="知识条目: the article a knowledge answer quoted; null otherwise.")
    created_at = serializers.DateTimeField()
    sent_at = serializers.DateTimeField(allow_null=True, help_text="When the gateway took it; null until then.")


class OrderIncomingSmsSerializer(serializers.Serializer):
    """短信来信: a text the caller sent about the order (a rating, or the text it was registered from)."""

    id = serializers.IntegerField()
    received_at = serializers.DateTimeField()
    text = serializers.CharField()
    status = serializers.ChoiceField(choices=IncomingSms.Status.choices)
    status_label = serializers.CharField(source="get_status_display")


class OrderSmsSerializer(serializers.Serializer):
    sent = SmsMessageSerializer(many=True, help_text="Texts made for the caller, oldest first.")
    received = OrderIncomingSmsSerializer(many=True, help_text="The caller's texts about the order, oldest first.")

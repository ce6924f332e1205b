"""The REST API's views: parse the request, call one service or selector, render.

Authorization is asked of `rexian.orders.access` (through the services and
selectors, and before parsing an action's body so that another unit's order
answers 403 whatever is sent); errors become JSON in `rexian.api.exceptions`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import re

from django.conf import settings
from django.db import transaction
from django.http import Http404, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param
from rest_framework.views import APIView

from rexian.api import selectors as api_selectors
from rexian.api import serializers as s
from rexian.api import services as api_services
from rexian.api.actions import ACTIONS, ActionSpec
from rexian.api.authentication import ApiTokenAuthentication, IsActiveUser
from rexian.api.exceptions import IdempotencyKeyReused, OrderNotFound, error_body, exception_handler
from rexian.catalog.models import AppealType, Category, Channel, Urgency
from rexian.enterprise import selectors as enterprise_selectors
from rexian.enterprise import services as enterprise_services
from rexian.enterprise.models import Enterprise, Policy
from rexian.enterprise.services import PolicyFields, ProfileFields
from rexian.intelligence.suggest import text_suggestions
from rexian.knowledge import selectors as knowledge_selectors
from rexian.orders import access, selectors, services
from rexian.orders.attachments import attachment_add
from rexian.orders.models import WorkOrder
from rexian.orders.smart_dispatch import dispatch_suggestions_for
from rexian.orders.transitions import Action
from rexian.quality import selectors as quality_selectors
from rexian.quality import services as quality_services
from rexian.reports import selectors as report_selectors
from rexian.sms import selectors as sms_selectors
from rexian.sms import services as sms_services
from rexian.sms.models import IncomingSms
from rexian.supervision import selectors as supervision_selectors
from rexian.supervision import services as supervision_services
from rexian.telephony import selectors as telephony_selectors
from rexian.telephony import services as telephony_services
from rexian.telephony.models import Roster, RosterShift, ShiftRequest
from rexian.telephony.staffing import ServiceTarget
from rexian.units.models import Unit, User

# Order numbers read 20261126-000123; anything else cannot name an order (and never reaches the database).
NUMBER_RE = re.compile(r"[0-9A-Za-z-]{1,20}")
IDEMPOTENCY_KEY_RE = re.compile(r"[\x21-\x7e]{1,255}")

_ERROR_TEXT = {
    400: "Invalid input: `fields` names the culprits.",
    401: "No valid token or session.",
    403: "The user's role or unit does not allow this (or the order is another unit's).",
    404: "No such order (or no such record named in the path).",
    409: "`stale_version`: the order changed since the client read it (reload and retry); "
    "`invalid_transition`: the order's state does not allow the action; "
    "`invalid_step`: a supervision item's, a policy's or a text's (短信来信) status does not allow the step.",
    413: "The request body is too large.",
    415: "Unsupported content type.",
    422: "The Idempotency-Key was already used with a different body.",
}


def errors(*codes: int) -> dict[int, OpenApiResponse]:
    return {code: OpenApiResponse(s.ErrorSerializer, description=_ERROR_TEXT[code]) for code in (401, *codes)}


IDEMPOTENCY_KEY = OpenApiParameter(
    name="Idempotency-Key",
    type=OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    required=False,
    pattern=r"^[!-~]{1,255}$",
    description="Any unique string (a UUID): a retry with the same key and body returns the first result "
    "instead of creating a second order; the same key with a different body is refused (422). Kept 24 hours.",
)


class ApiView(APIView):
    # The base of every API view: token or session (with CSRF), active users only, JSON in and out.
    # (A comment, not a docstring: the OpenAPI generator would repeat a docstring on every operation.)

    authentication_classes = [ApiTokenAuthentication, SessionAuthentication]
    permission_classes = [IsActiveUser]
    renderer_classes = [JSONRenderer]
    parser_classes = [JSONParser]
    metadata_class = None  # no OPTIONS self-description: the OpenAPI document is the description

    def get_exception_handler(self):
        return exception_handler


def _parse(serializer_class, data, *, partial: bool = False):
    """The request's fields, checked; `partial` (a PATCH): only those sent, none required and no defaults."""
    serializer = serializer_class(data=data, partial=partial)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _query(request) -> dict[str, str]:
    """Query parameters as a plain dict, so DRF reads them as typed values and an empty `?unit=` is an
    error rather than a silently ignored filter (as it would be from an HTML form)."""
    return request.query_params.dict()


def _order(number: str) -> WorkOrder:
    if not NUMBER_RE.fullmatch(number):
        raise OrderNotFound()
    try:
        return WorkOrder.objects.select_related("appeal_type").get(number=number)
    except WorkOrder.DoesNotExist:
        raise OrderNotFound() from None


def _links(request, page: int, has_next: bool) -> tuple[str | None, str | None]:
    url = request.build_absolute_uri()
    next_url = replace_query_param(url, "page", page + 1) if has_next else None
    if page <= 1:
        previous = None
    elif page == 2:
        previous = remove_query_param(url, "page")
    else:
        previous = replace_query_param(url, "page", page - 1)
    return next_url, previous


def _page(request, rows, page: int, has_next: bool) -> Response:
    api_selectors.load_list_references(rows)
    next_url, previous = _links(request, page, has_next)
    return Response(s.OrderPageSerializer({"results": rows, "next": next_url, "previous": previous}).data)


# --- Orders --------------------------------------------------------------------------------------


class OrderListView(ApiView):
    @extend_schema(
        operation_id="orders_list",
        summary="工单列表 Orders the user may see, newest first",
        parameters=[s.OrderFilterSerializer],
        responses={200: s.OrderPageSerializer, **errors(400)},
        tags=["orders"],
    )
    def get(self, request):
        f = _parse(s.OrderFilterSerializer, _query(request))
        rows, has_next = api_selectors.order_search(
            user=request.user,
            state=f.get("state"),
            appeal_type=f.get("appeal_type"),
            category=f.get("category"),
            unit=f.get("unit"),
            overdue=f.get("overdue"),
            registered_from=f.get("registered_from"),
            registered_to=f.get("registered_to"),
            number=f.get("number"),
            offset=(f["page"] - 1) * f["page_size"],
            limit=f["page_size"],
        )
        return _page(request, rows, f["page"], has_next)

    @extend_schema(
        operation_id="orders_register",
        summary="登记 Register a new order",
        parameters=[IDEMPOTENCY_KEY],
        description="With `incoming_sms`, the order is registered from a waiting text (短信来信), which is marked "
        "registered with it: 409 `invalid_step`, and no order, when someone else handled the text first.",
        request=s.RegisterSerializer,
        responses={201: s.OrderRefSerializer, **errors(400, 403, 409, 413, 415, 422)},
        tags=["orders"],
    )
    def post(self, request):
        access.require(request.user, Action.REGISTER)
        key = request.headers.get("Idempotency-Key")
        if key is None:
            return self._register(request)
        if not IDEMPOTENCY_KEY_RE.fullmatch(key):
            raise exceptions.ValidationError({"Idempotency-Key": [_("Idempotency-Key 须为 1–255 个可见 ASCII 字符。")]})
        fingerprint = api_services.request_fingerprint(request.data)
        with transaction.atomic():
            record, taken = api_services.idempotency_reserve(user=request.user, key=key, request_hash=fingerprint)
            if not taken:
                if record.request_hash != fingerprint:
                    raise IdempotencyKeyReused()
                headers = {"Idempotent-Replayed": "true"}
                if record.response_body.get("url"):
                    headers["Location"] = record.response_body["url"]
                return Response(record.response_body, status=record.status_code, headers=headers)
            response = self._register(request)
            api_services.idempotency_complete(record, status_code=response.status_code, body=dict(response.data))
        return response

    def _register(self, request) -> Response:
        d = _parse(s.RegisterSerializer, request.data)
        incoming_id = d.pop("incoming_sms")
        if incoming_id is None:
            order = services.order_register(actor=request.user, **d)
        else:
            order = sms_services.incoming_register(actor=request.user, incoming_id=incoming_id, **d)
        body = s.OrderRefSerializer(order).data
        return _created(body)


class OrderDetailView(ApiView):
    @extend_schema(
        operation_id="orders_retrieve",
        summary="工单详情 One order with its history, units and the viewer's next actions",
        description="The caller's data is shown as the viewer's role allows; every unmasked read is logged.",
        responses={200: s.OrderDetailSerializer, **errors(403, 404)},
        tags=["orders"],
    )
    def get(self, request, number: str):
        if not NUMBER_RE.fullmatch(number):
            raise OrderNotFound()
        try:
            detail = selectors.order_detail(user=request.user, number=number)
        except WorkOrder.DoesNotExist:
            raise OrderNotFound() from None
        return Response(s.OrderDetailSerializer(detail).data)


def _visible_order(user, number: str) -> WorkOrder:
    """The order, if the user may see it (404 if there is none, 403 if it is another unit's)."""
    order = _order(number)
    if not access.can_view(user, order):
        raise exceptions.PermissionDenied(_("您无权查看该工单。"))
    return order


def _order_for_action(user, number: str, action: str) -> WorkOrder:
    """The order, once the user may at least see it or take this action (integration accounts record
    callbacks on orders they cannot read). Refusing here, before the body is read, keeps another unit's
    order opaque: no version, state or validation detail leaks back."""
    order = _order(number)
    if not (access.can_view(user, order) or access.may(user, action, order)):
        raise exceptions.PermissionDenied(_("您无权查看该工单。"))
    return order


class OrderActionView(ApiView):
    spec: ActionSpec

    def post(self, request, number: str):
        order = _order_for_action(request.user, number, self.spec.action)
        d = _parse(self.spec.request, request.data)
        result = self.spec.perform(request.user, order, d, d["version"])
        order = result if isinstance(result, WorkOrder) else result.order
        return Response(s.OrderRefSerializer(order).data)


def _action_view(spec: ActionSpec) -> type[OrderActionView]:
    """A view class of its own per action, so each has its own operation in the OpenAPI document."""

    class View(OrderActionView):
        @extend_schema(
            operation_id=f"orders_{spec.slug.replace('-', '_')}",
            summary=spec.summary,
            request=spec.request,
            responses={200: s.OrderRefSerializer, **errors(400, 403, 404, 409, 413, 415)},
            tags=["actions"],
        )
        def post(self, request, number: str):
            return super().post(request, number)

    View.spec = spec
    View.__name__ = View.__qualname__ = "".join(part.title() for part in spec.slug.split("-")) + "View"
    return View


ACTION_VIEWS = [(spec.slug, _action_view(spec)) for spec in ACTIONS]


class AttachmentCreateView(ApiView):
    parser_classes = [MultiPartParser]

    @extend_schema(
        operation_id="orders_attachments_create",
        summary="上传附件 Attach a photo, document or recording",
        request={"multipart/form-data": s.AttachmentUploadSerializer},
        responses={201: s.AttachmentCreatedSerializer, **errors(400, 403, 404, 409, 413, 415)},
        tags=["actions"],
    )
    def post(self, request, number: str):
        order = _order_for_action(request.user, number, Action.ATTACH)
        d = _parse(s.AttachmentUploadSerializer, request.data)
        attachment = attachment_add(actor=request.user, order=order, upload=d["file"], expected_version=d["version"])
        return Response(s.AttachmentCreatedSerializer(attachment).data, status=status.HTTP_201_CREATED)


# --- Work lists ---------------------------------------------------------------------------------


class InboxView(ApiView):
    @extend_schema(
        operation_id="inbox_list",
        summary="单位待办 The unit's open orders, nearest deadline first (unit staff)",
        description="`next` is given whenever the page is full; the page after the last full one may be empty.",
        parameters=[s.PageSerializer],
        responses={200: s.OrderPageSerializer, **errors(400, 403)},
        tags=["lists"],
    )
    def get(self, request):
        p = _parse(s.PageSerializer, _query(request))
        rows = selectors.unit_inbox(user=request.user, page=p["page"], page_size=p["page_size"])
        return _page(request, rows, p["page"], len(rows) == p["page_size"])


class DispatchQueueView(ApiView):
    @extend_schema(
        operation_id="dispatch_queue_list",
        summary="待派单 Orders waiting for a dispatcher, oldest first (dispatchers, supervisors)",
        description="`next` is given whenever the page is full; the page after the last full one may be empty.",
        parameters=[s.PageSerializer],
        responses={200: s.OrderPageSerializer, **errors(400, 403)},
        tags=["lists"],
    )
    def get(self, request):
        p = _parse(s.PageSerializer, _query(request))
        rows = selectors.dispatch_queue(user=request.user, page=p["page"], page_size=p["page_size"])
        return _page(request, rows, p["page"], len(rows) == p["page_size"])


class CallerHistoryView(ApiView):
    @extend_schema(
        operation_id="caller_history",
        summary="来电历史 A caller's earlier orders by phone number, newest first",
        description="A POST so the phone number stays out of URLs and access logs. Callers are masked; "
        "orders whose caller is withheld from the viewer (whistle-blowers, confidentiality) are left out, "
        "because the match itself would tell who filed them.",
        request=s.CallerHistoryQuerySerializer,
        responses={200: s.CallerHistorySerializer, **errors(400, 413, 415)},
        tags=["lists"],
    )
    def post(self, request):
        d = _parse(s.CallerHistoryQuerySerializer, request.data)
        rows = selectors.caller_history(user=request.user, phone=d["phone"], limit=d["limit"])
        rows = [row for row in rows if not row.caller.hidden]
        api_selectors.load_list_references(rows)
        return Response(s.CallerHistorySerializer({"results": rows}).data)


class SuggestionView(ApiView):
    @extend_schema(
        operation_id="suggestions",
        summary="智能建议 The likeliest categories, appeal types and urgencies for an order's text",
        description="From the active versions of the hotline's own classifiers (`rexian train`); empty lists "
        "while no model is trained. For the accounts that register orders. What the registrant finally chooses "
        "is compared with the top suggestion and kept as feedback.",
        request=s.SuggestionQuerySerializer,
        responses={200: s.TextSuggestionsSerializer, **errors(400, 403, 413, 415)},
        tags=["intelligence"],
    )
    def post(self, request):
        access.require(request.user, Action.REGISTER)
        d = _parse(s.SuggestionQuerySerializer, request.data)
        found = text_suggestions(d["title"], d["description"], k=d["limit"])
        return Response(s.TextSuggestionsSerializer(found).data)


class DispatchSuggestionView(ApiView):
    @extend_schema(
        operation_id="orders_dispatch_suggestions",
        summary="智能推荐 The likeliest lead units for an order, with confidence",
        description="From the active smart-dispatch ranker; an empty list while none is trained. For the "
        "accounts that may dispatch the order.",
        responses={200: s.UnitSuggestionSerializer(many=True), **errors(403, 404)},
        tags=["intelligence"],
    )
    def get(self, request, number: str):
        order = _order_for_action(request.user, number, Action.DISPATCH)
        access.require(request.user, Action.DISPATCH, order)
        return Response(s.UnitSuggestionSerializer(dispatch_suggestions_for(order), many=True).data)


class DuplicateView(ApiView):
    @extend_schema(
        operation_id="duplicates",
        summary="疑似重复 Earlier orders the request being recorded may repeat, best first",
        description="The caller's open and recent orders (by phone) and the place's recent orders with similar "
        "text, ranked, as the intake page's panel shows them. A POST so the phone number stays out of URLs "
        "and access logs. For the accounts that may merge orders (并单): register the new order, then merge it "
        "with `POST orders/{number}/merge/`.",
        request=s.DuplicateQuerySerializer,
        responses={200: s.DuplicatesSerializer, **errors(400, 403, 413, 415)},
        tags=["intelligence"],
    )
    def post(self, request):
        access.require(request.user, Action.MERGE)
        d = _parse(s.DuplicateQuerySerializer, request.data)
        hits = selectors.duplicate_candidates(user=request.user, **d)
        return Response(s.DuplicatesSerializer({"results": hits}).data)


class OrderDuplicateView(ApiView):
    @extend_schema(
        operation_id="orders_duplicates",
        summary="疑似重复 The earlier orders an order already recorded may repeat",
        description="As `duplicates`, with the order's own caller, place and text, the order left out. For the "
        "accounts that may merge orders.",
        parameters=[s.DuplicateWindowSerializer],
        responses={200: s.DuplicatesSerializer, **errors(400, 403, 404)},
        tags=["intelligence"],
    )
    def get(self, request, number: str):
        order = _order_for_action(request.user, number, Action.MERGE)
        access.require(request.user, Action.MERGE, order)
        p = _parse(s.DuplicateWindowSerializer, _query(request))
        hits = selectors.order_duplicates(user=request.user, order=order, days=p["days"], limit=p["limit"])
        return Response(s.DuplicatesSerializer({"results": hits}).data)


# --- 督办与批示 ----------------------------------------------------------------------------------------


def _path_id(value: str, missing: str) -> int:
    """A record's id from the path; any other text names no record (404 with `missing`)."""
    if not (value.isascii() and value.isdigit() and len(value) < 12):
        raise exceptions.NotFound(missing)
    return int(value)


def _supervision(user, item_id: str):
    """The item `user` may see (404 otherwise)."""
    return supervision_selectors.supervision_get(user=user, pk=_path_id(item_id, _("督办批示不存在。")))


class SupervisionListView(ApiView):
    @extend_schema(
        operation_id="supervisions_list",
        summary="督办批示 Supervision items and leaders' instructions the user may see",
        description="Centre staff see every item, a unit's staff their unit's. Earliest report deadline first "
        "(`tab=closed`: the latest closed first); `counts` gives every tab's size.",
        parameters=[s.SupervisionQuerySerializer],
        responses={200: s.SupervisionPageSerializer, **errors(400)},
        tags=["supervision"],
    )
    def get(self, request):
        p = _parse(s.SupervisionQuerySerializer, _query(request))
        found = supervision_selectors.supervision_list(
            user=request.user, tab=p.get("tab"), kind=p.get("kind"), overdue=p["overdue"], page=p["page"]
        )
        next_url, previous = _links(request, found.page, found.has_next)
        page = {"results": found.rows, "counts": found.counts, "next": next_url, "previous": previous}
        return Response(s.SupervisionPageSerializer(page).data)


class SupervisionDetailView(ApiView):
    @extend_schema(
        operation_id="supervisions_retrieve",
        summary="督办批示 One item with its steps",
        responses={200: s.SupervisionSerializer, **errors(404)},
        tags=["supervision"],
    )
    def get(self, request, item_id: str):
        return Response(s.SupervisionSerializer(_supervision(request.user, item_id)).data)


class SupervisionIssueView(ApiView):
    @extend_schema(
        operation_id="orders_supervisions_create",
        summary="下发督办/作出批示 Issue a supervision item (supervisors) or an instruction (leaders) on an order",
        request=s.SupervisionIssueSerializer,
        responses={201: s.SupervisionSerializer, **errors(400, 403, 404)},
        tags=["supervision"],
    )
    def post(self, request, number: str):
        order = _visible_order(request.user, number)
        d = _parse(s.SupervisionIssueSerializer, request.data)
        item = supervision_services.supervision_issue(
            actor=request.user, order=order, kind=d["kind"], content=d["content"], unit=_issue_unit(d),
            due_at=d.get("due_at"),
        )
        item = supervision_selectors.supervision_get(user=request.user, pk=item.pk)
        return Response(s.SupervisionSerializer(item).data, status=status.HTTP_201_CREATED)


def _issue_unit(d: dict) -> Unit | None:
    """The unit an issue names by its code (None when it names none; 400 for an unknown code)."""
    if not d.get("unit"):
        return None
    unit = Unit.objects.filter(code=d["unit"]).first()
    if unit is None:
        raise exceptions.ValidationError({"unit": [_("找不到编码为 %(code)s 的单位。") % {"code": d["unit"]}]})
    return unit


class ReportSupervisionIssueView(ApiView):
    @extend_schema(
        operation_id="reports_supervisions_create",
        summary="作出批示/下发督办 Issue an instruction (leaders) or a supervision item (supervisors) on a report",
        description="On a published report the user may read (日报, 简报, 专报, 快报); `unit` (a unit that handles orders) "
        "is required. The item is then followed like one on an order (`supervisions/`), with `order` null and "
        "`source_report` naming the report.",
        request=s.SupervisionIssueSerializer,
        responses={201: s.SupervisionSerializer, **errors(400, 403, 404)},
        tags=["supervision"],
    )
    def post(self, request, report_id: str):
        missing = _("报告不存在或尚未发布。")
        try:
            report = report_selectors.report_get(user=request.user, pk=_path_id(report_id, missing))
        except Http404:
            raise exceptions.NotFound(missing) from None
        d = _parse(s.SupervisionIssueSerializer, request.data)
        item = supervision_services.supervision_issue_on_report(
            actor=request.user, report=report, kind=d["kind"], content=d["content"], unit=_issue_unit(d),
            due_at=d.get("due_at"),
        )
        item = supervision_selectors.supervision_get(user=request.user, pk=item.pk)
        return Response(s.SupervisionSerializer(item).data, status=status.HTTP_201_CREATED)


class SupervisionStepView(ApiView):
    @extend_schema(
        operation_id="supervisions_step",
        summary="督办批示 Take a step: acknowledge 签收, report 反馈, return 退回 or close 办结",
        description="`acknowledge` and `report` for the unit's staff; `return` and `close` for supervisors (and "
        "leaders, for instructions). `text` is the report, the reason for returning, or the closing note "
        "(required when closing an item never reported). 409 `invalid_step` when the item has moved on.",
        request=s.SupervisionStepRequestSerializer,
        responses={200: s.SupervisionSerializer, **errors(400, 403, 404, 409)},
        tags=["supervision"],
    )
    def post(self, request, item_id: str, step: str):
        item = _supervision(request.user, item_id)
        if step not in supervision_services.STEPS:
            raise exceptions.NotFound(_("没有这项操作。"))
        text = _parse(s.SupervisionStepRequestSerializer, request.data)["text"]
        supervision_services.supervision_step(actor=request.user, supervision=item, step=step, text=text)
        return Response(s.SupervisionSerializer(_supervision(request.user, item_id)).data)


# --- 质检 ---------------------------------------------------------------------------------------------------


def _require_scorer(user) -> None:
    if not quality_services.may_score(user):
        raise exceptions.PermissionDenied(_("只有质检员或值班长可以进行质检。"))


def _inspection(user, inspection_id: str):
    """The inspection `user` may see (404 otherwise)."""
    return quality_selectors.inspection_get(user=user, pk=_path_id(inspection_id, _("质检记录不存在。")))


class QualityCriterionListView(ApiView):
    @extend_schema(
        operation_id="quality_criteria_list",
        summary="质检项 The checklist an inspection is scored against",
        responses={200: s.QualityCriterionSerializer(many=True), **errors(403)},
        tags=["quality"],
    )
    def get(self, request):
        _require_scorer(request.user)
        return Response(s.QualityCriterionSerializer(quality_selectors.active_criteria(), many=True).data)


class QualityQueueView(ApiView):
    @extend_schema(
        operation_id="quality_inspections_list",
        summary="待质检 Sampled orders waiting for a score, the oldest day first",
        parameters=[s.PageSerializer],
        responses={200: s.QualityQueueSerializer, **errors(400, 403)},
        tags=["quality"],
    )
    def get(self, request):
        _require_scorer(request.user)
        page = _parse(s.PageSerializer, _query(request))["page"]
        found = quality_selectors.quality_queue(user=request.user, page=page)
        next_url, previous = _links(request, found.page, found.has_next)
        body = {"results": found.rows, "pending": found.pending, "next": next_url, "previous": previous}
        return Response(s.QualityQueueSerializer(body).data)


class QualityInspectionView(ApiView):
    @extend_schema(
        operation_id="quality_inspections_retrieve",
        summary="质检记录 One sampled order's inspection with its scores",
        responses={200: s.QualityInspectionSerializer, **errors(403, 404)},
        tags=["quality"],
    )
    def get(self, request, inspection_id: str):
        _require_scorer(request.user)
        return Response(s.QualityInspectionSerializer(_inspection(request.user, inspection_id)).data)


class QualityScoreView(ApiView):
    @extend_schema(
        operation_id="quality_inspections_score",
        summary="质检评分 Score (or correct the score of) a sampled order",
        description="Every active criterion from 0 to its maximum; a comment below the pass mark.",
        request=s.QualityScoreRequestSerializer,
        responses={200: s.QualityInspectionSerializer, **errors(400, 403, 404)},
        tags=["quality"],
    )
    def post(self, request, inspection_id: str):
        _require_scorer(request.user)
        item = _inspection(request.user, inspection_id)
        d = _parse(s.QualityScoreRequestSerializer, request.data)
        try:
            quality_services.quality_score(
                actor=request.user, inspection=item, scores=d["scores"], comment=d["comment"]
            )
        except quality_services.QualityError as refused:
            # Every refused criterion, named as the request names it ("scores.greeting"), like a type error.
            fields = {_quality_field(name): [message] for name, message in refused.errors.items()}
            return Response(error_body("invalid_input", refused.message, fields), status=status.HTTP_400_BAD_REQUEST)
        return Response(s.QualityInspectionSerializer(_inspection(request.user, inspection_id)).data)


def _quality_field(form_field: str) -> str:
    """The service's form field ("score_greeting") as the request's field ("scores.greeting")."""
    code = form_field.removeprefix("score_")
    return f"scores.{code}" if code != form_field else form_field


class QualityWeeklyView(ApiView):
    @extend_schema(
        operation_id="quality_weekly",
        summary="每周一点评 Per operator, the inspections scored in a week: average, failed, weakest criteria, comments",
        description="As the console's 每周点评 page: Monday to Sunday, by when the inspections were scored.",
        parameters=[s.QualityWeekQuerySerializer],
        responses={200: s.QualityWeeklySerializer, **errors(400, 403)},
        tags=["quality"],
    )
    def get(self, request):
        _require_scorer(request.user)
        day = _parse(s.QualityWeekQuerySerializer, _query(request)).get("week") or timezone.localdate()
        monday, next_monday = quality_selectors.week_bounds(day)
        body = {
            "week_start": monday,
            "week_end": next_monday - dt.timedelta(days=1),
            "pass_mark": quality_services.PASS_MARK,
            "results": quality_selectors.weekly_review(week_start=monday),
        }
        return Response(s.QualityWeeklySerializer(body).data)


class QualityMonthlyView(ApiView):
    @extend_schema(
        operation_id="quality_monthly",
        summary="每月一考核 Per operator, the month's quality average, volume and callback satisfaction, ranked",
        description="As the console's 每月考核 page: 综合得分 = `weights.quality`·质检均分 + `weights.volume`·受理量得分 "
        "+ `weights.satisfaction`·回访满意率×100.",
        parameters=[s.QualityMonthQuerySerializer],
        responses={200: s.QualityMonthlySerializer, **errors(400, 403)},
        tags=["quality"],
    )
    def get(self, request):
        _require_scorer(request.user)
        month = _parse(s.QualityMonthQuerySerializer, _query(request)).get("month")
        first = dt.date.fromisoformat(f"{month}-01") if month else timezone.localdate().replace(day=1)
        body = {
            "month": f"{first:%Y-%m}",
            "weights": {
                "quality": quality_selectors.W_QUALITY,
                "volume": quality_selectors.W_VOLUME,
                "satisfaction": quality_selectors.W_SATISFACTION,
            },
            "results": quality_selectors.monthly_assessment(year=first.year, month=first.month),
        }
        return Response(s.QualityMonthlySerializer(body).data)


# --- 一企来 (the enterprise desk) ---------------------------------------------------------------------------

# A credit code is 18 letters and digits: anything else names no profile (and never reaches the database).
CREDIT_CODE_RE = re.compile(r"[0-9A-Za-z]{1,18}")
# The policies in force shown on a profile, the newest first: more than a city has in force at once.
PROFILE_POLICIES = 100


@dataclasses.dataclass(frozen=True)
class EnterpriseDetail:
    enterprise: Enterprise
    orders: selectors.EnterpriseOrderCounts
    policies: list
    pushes: list


def _enterprise(user, credit_code: str) -> Enterprise:
    """The profile, for the desk's staff (403 for anyone else, 404 if the desk has none)."""
    missing = _("企业档案不存在。")
    if not CREDIT_CODE_RE.fullmatch(credit_code):
        raise exceptions.NotFound(missing)
    try:
        return enterprise_selectors.enterprise_get(user=user, credit_code=credit_code)
    except Http404:
        raise exceptions.NotFound(missing) from None


def _policy(user, policy_id: str) -> Policy:
    """The policy, for the desk's staff (403 for anyone else, 404 if there is none)."""
    missing = _("政策不存在。")
    try:
        return enterprise_selectors.policy_get(user=user, pk=_path_id(policy_id, missing))
    except Http404:
        raise exceptions.NotFound(missing) from None


def _enterprise_body(enterprise: Enterprise) -> dict:
    counts = selectors.enterprise_order_counts([enterprise.credit_code])
    detail = EnterpriseDetail(
        enterprise=enterprise,
        orders=counts.get(enterprise.credit_code, selectors.EnterpriseOrderCounts()),
        policies=list(enterprise_selectors.policies_for(enterprise)[:PROFILE_POLICIES]),
        pushes=enterprise_selectors.enterprise_pushes(enterprise),
    )
    return s.EnterpriseDetailSerializer(detail).data


def _profile_fields(enterprise: Enterprise) -> ProfileFields:
    """The profile as it stands, for a PATCH to change only the fields it sends."""
    return ProfileFields(
        name=enterprise.name, industry=enterprise.industry, size=enterprise.size, area=enterprise.area,
        address=enterprise.address, contact_name=enterprise.contact_name, contact_phone=enterprise.contact_phone,
        note=enterprise.note,
    )


def _policy_fields(policy: Policy) -> PolicyFields:
    return PolicyFields(
        title=policy.title, summary=policy.summary, document_number=policy.document_number, issuer=policy.issuer,
        link=policy.link, valid_from=policy.valid_from, valid_until=policy.valid_until,
        industries=tuple(policy.industry_list), sizes=tuple(policy.size_list), areas=tuple(policy.areas.all()),
    )


def _policy_body(policy: Policy) -> dict:
    return s.PolicyDetailSerializer(policy, context={"reach": enterprise_selectors.policy_reach(policy)}).data


def _created(body: dict) -> Response:
    """201 with the new record, which `Location` names too (its `url`)."""
    return Response(body, status=status.HTTP_201_CREATED, headers={"Location": body["url"]})


def _listed(request, serializer_class, found, **extra) -> Response:
    """A page of one of the desk's lists (`rows`, `page`, `has_next`), with `next` and `previous` links."""
    next_url, previous = _links(request, found.page, found.has_next)
    return Response(serializer_class({"results": found.rows, "next": next_url, "previous": previous, **extra}).data)


class EnterpriseListView(ApiView):
    @extend_schema(
        operation_id="enterprises_list",
        summary="企业档案 Enterprise profiles by name, each with its orders' counts",
        description="For the centre's staff. `q`: part of the name or a whole credit code; `area`: a unit code, "
        "the profiles in its subtree. The contact is masked.",
        parameters=[s.EnterpriseQuerySerializer],
        responses={200: s.EnterprisePageSerializer, **errors(400, 403)},
        tags=["enterprise"],
    )
    def get(self, request):
        p = _parse(s.EnterpriseQuerySerializer, _query(request))
        found = enterprise_selectors.enterprise_page(
            user=request.user, query=p.get("q", ""), industry=p.get("industry", ""), size=p.get("size", ""),
            area=p.get("area"), page=p["page"],
        )
        return _listed(request, s.EnterprisePageSerializer, found)

    @extend_schema(
        operation_id="enterprises_create",
        summary="建档 Create an enterprise's profile",
        description="Operators, supervisors and admins. A code that fails its check character, or one already on "
        "file, is 400 `invalid_input` on `credit_code`.",
        request=s.EnterpriseCreateSerializer,
        responses={201: s.EnterpriseDetailSerializer, **errors(400, 403, 413, 415)},
        tags=["enterprise"],
    )
    def post(self, request):
        d = _parse(s.EnterpriseCreateSerializer, request.data)
        credit_code = d.pop("credit_code")
        enterprise = enterprise_services.enterprise_create(
            actor=request.user, credit_code=credit_code, fields=ProfileFields(**d)
        )
        body = _enterprise_body(enterprise)
        return _created(body)


class EnterpriseDetailView(ApiView):
    @extend_schema(
        operation_id="enterprises_retrieve",
        summary="企业档案 One profile: its orders' counts, the policies in force for it, the latest pushes",
        description="The contact is masked; the API never gives the contact's full number.",
        responses={200: s.EnterpriseDetailSerializer, **errors(403, 404)},
        tags=["enterprise"],
    )
    def get(self, request, credit_code: str):
        return Response(_enterprise_body(_enterprise(request.user, credit_code)))

    @extend_schema(
        operation_id="enterprises_update",
        summary="Edit a profile (a field left out keeps its value; the credit code never changes)",
        request=s.EnterpriseFieldsSerializer,
        responses={200: s.EnterpriseDetailSerializer, **errors(400, 403, 404, 413, 415)},
        tags=["enterprise"],
    )
    def patch(self, request, credit_code: str):
        enterprise = _enterprise(request.user, credit_code)
        d = _parse(s.EnterpriseFieldsSerializer, request.data, partial=True)
        fields = dataclasses.replace(_profile_fields(enterprise), **d)
        enterprise = enterprise_services.enterprise_update(actor=request.user, enterprise=enterprise, fields=fields)
        return Response(_enterprise_body(enterprise))


class EnterpriseOrdersView(ApiView):
    @extend_schema(
        operation_id="enterprises_orders",
        summary="An enterprise's orders, newest first, with `counts` (all, open)",
        parameters=[s.PageSerializer],
        responses={200: s.EnterpriseOrderPageSerializer, **errors(400, 403, 404)},
        tags=["enterprise"],
    )
    def get(self, request, credit_code: str):
        enterprise = _enterprise(request.user, credit_code)
        p = _parse(s.PageSerializer, _query(request))
        found = selectors.enterprise_orders(
            user=request.user, credit_code=enterprise.credit_code, page=p["page"], page_size=p["page_size"]
        )
        api_selectors.load_list_references(found.rows)
        return _listed(request, s.EnterpriseOrderPageSerializer, found, counts=found.counts)


class EnterpriseQueueView(ApiView):
    @extend_schema(
        operation_id="enterprise_queue_list",
        summary="企业诉求 Enterprises' orders: open (nearest deadline first), overdue, or all (newest first)",
        description="For the centre's staff; `counts` gives `open` and `overdue`.",
        parameters=[s.EnterpriseQueueQuerySerializer],
        responses={200: s.EnterpriseOrderPageSerializer, **errors(400, 403)},
        tags=["enterprise"],
    )
    def get(self, request):
        p = _parse(s.EnterpriseQueueQuerySerializer, _query(request))
        found = selectors.enterprise_queue(user=request.user, tab=p["tab"], page=p["page"], page_size=p["page_size"])
        api_selectors.load_list_references(found.rows)
        return _listed(request, s.EnterpriseOrderPageSerializer, found, counts=found.counts)


class PolicyListView(ApiView):
    @extend_schema(
        operation_id="policies_list",
        summary="涉企政策 Policies in force, drafts or ended ones, newest first, with how many were told",
        parameters=[s.PolicyQuerySerializer],
        responses={200: s.PolicyPageSerializer, **errors(400, 403)},
        tags=["enterprise"],
    )
    def get(self, request):
        p = _parse(s.PolicyQuerySerializer, _query(request))
        found = enterprise_selectors.policy_page(user=request.user, tab=p["tab"], query=p.get("q", ""), page=p["page"])
        return _listed(request, s.PolicyPageSerializer, found)

    @extend_schema(
        operation_id="policies_create",
        summary="录入政策 Enter a policy (a draft until published)",
        description="Supervisors and admins.",
        request=s.PolicyFieldsSerializer,
        responses={201: s.PolicyDetailSerializer, **errors(400, 403, 413, 415)},
        tags=["enterprise"],
    )
    def post(self, request):
        d = _parse(s.PolicyFieldsSerializer, request.data)
        policy = enterprise_services.policy_create(actor=request.user, fields=PolicyFields(**d))
        body = _policy_body(policy)
        return _created(body)


class PolicyDetailView(ApiView):
    @extend_schema(
        operation_id="policies_retrieve",
        summary="涉企政策 One policy with its reach: matched, told, waiting",
        responses={200: s.PolicyDetailSerializer, **errors(403, 404)},
        tags=["enterprise"],
    )
    def get(self, request, policy_id: str):
        return Response(_policy_body(_policy(request.user, policy_id)))

    @extend_schema(
        operation_id="policies_update",
        summary="Edit a draft or published policy (a field left out keeps its value)",
        description="Supervisors and admins. A withdrawn policy is not edited (409 `invalid_step`). New tags "
        "change whom the next push reaches; the enterprises told stay recorded.",
        request=s.PolicyFieldsSerializer,
        responses={200: s.PolicyDetailSerializer, **errors(400, 403, 404, 409, 413, 415)},
        tags=["enterprise"],
    )
    def patch(self, request, policy_id: str):
        policy = _policy(request.user, policy_id)
        d = _parse(s.PolicyFieldsSerializer, request.data, partial=True)
        fields = dataclasses.replace(_policy_fields(policy), **d)
        policy = enterprise_services.policy_update(actor=request.user, policy=policy, fields=fields)
        return Response(_policy_body(policy))


class PolicyPublishView(ApiView):
    @extend_schema(
        operation_id="policies_publish",
        summary="发布 Publish a draft",
        description="Supervisors and admins. A policy that is not a draft is 409 `invalid_step`.",
        request=None,
        responses={200: s.PolicyDetailSerializer, **errors(403, 404, 409)},
        tags=["enterprise"],
    )
    def post(self, request, policy_id: str):
        policy = _policy(request.user, policy_id)
        return Response(_policy_body(enterprise_services.policy_publish(actor=request.user, policy=policy)))


class PolicyWithdrawView(ApiView):
    @extend_schema(
        operation_id="policies_withdraw",
        summary="撤回 Withdraw a published policy (what was pushed stays recorded)",
        description="Supervisors and admins. A policy that is not published is 409 `invalid_step`.",
        request=None,
        responses={200: s.PolicyDetailSerializer, **errors(403, 404, 409)},
        tags=["enterprise"],
    )
    def post(self, request, policy_id: str):
        policy = _policy(request.user, policy_id)
        return Response(_policy_body(enterprise_services.policy_withdraw(actor=request.user, policy=policy)))


class PolicyPushView(ApiView):
    @extend_schema(
        operation_id="policies_push",
        summary="推送 Push a policy to every enterprise it applies to that was not told yet",
        description="Supervisors and admins; a published policy in force only (else 409 `invalid_step`).",
        request=s.PushRequestSerializer,
        responses={200: s.PushCountSerializer, **errors(400, 403, 404, 409, 413, 415)},
        tags=["enterprise"],
    )
    def post(self, request, policy_id: str):
        policy = _policy(request.user, policy_id)
        channel = _parse(s.PushRequestSerializer, request.data)["channel"]
        pushed = enterprise_services.policy_push(actor=request.user, policy=policy, channel=channel)
        return Response(s.PushCountSerializer({"pushed": pushed}).data)


class PolicyPushOneView(ApiView):
    @extend_schema(
        operation_id="policies_push_one",
        summary="告知 Tell one enterprise of a policy (whether or not its tags name it)",
        description="Operators, supervisors and admins; a published policy in force, never twice to one "
        "enterprise (else 409 `invalid_step`).",
        request=s.PushRequestSerializer,
        responses={201: s.PolicyPushSerializer, **errors(400, 403, 404, 409, 413, 415)},
        tags=["enterprise"],
    )
    def post(self, request, policy_id: str, credit_code: str):
        policy = _policy(request.user, policy_id)
        enterprise = _enterprise(request.user, credit_code)
        channel = _parse(s.PushRequestSerializer, request.data)["channel"]
        push = enterprise_services.policy_push_one(
            actor=request.user, policy=policy, enterprise=enterprise, channel=channel
        )
        return Response(s.PolicyPushSerializer(push).data, status=status.HTTP_201_CREATED)


class PolicyTargetsView(ApiView):
    @extend_schema(
        operation_id="policies_targets",
        summary="The enterprises a policy's tags reach, by name, each with whether it was told",
        parameters=[s.PageOnlySerializer],
        responses={200: s.PolicyTargetPageSerializer, **errors(400, 403, 404)},
        tags=["enterprise"],
    )
    def get(self, request, policy_id: str):
        policy = _policy(request.user, policy_id)
        page = _parse(s.PageOnlySerializer, _query(request))["page"]
        return _listed(request, s.PolicyTargetPageSerializer, enterprise_selectors.policy_targets(policy, page=page))


class PolicyPushesView(ApiView):
    @extend_schema(
        operation_id="policies_pushes",
        summary="Who was told of a policy, when, how and by whom: the latest first",
        parameters=[s.PageOnlySerializer],
        responses={200: s.PolicyPushPageSerializer, **errors(400, 403, 404)},
        tags=["enterprise"],
    )
    def get(self, request, policy_id: str):
        policy = _policy(request.user, policy_id)
        page = _parse(s.PageOnlySerializer, _query(request))["page"]
        return _listed(request, s.PolicyPushPageSerializer, enterprise_selectors.policy_pushes(policy, page=page))


# --- Master data and the viewer -----------------------------------------------------------------


class AppealTypeListView(ApiView):
    @extend_schema(
        operation_id="appeal_types_list",
        summary="诉求类型 Appeal types",
        responses={200: s.AppealTypeSerializer(many=True), **errors()},
        tags=["master data"],
    )
    def get(self, request):
        return Response(s.AppealTypeSerializer(AppealType.objects.filter(is_active=True), many=True).data)


class CategoryListView(ApiView):
    @extend_schema(
        operation_id="categories_list",
        summary="诉求分类 The category tree, flat in code order (each row names its parent)",
        responses={200: s.CategorySerializer(many=True), **errors()},
        tags=["master data"],
    )
    def get(self, request):
        categories = list(Category.objects.values("id", "code", "name", "parent_id", "level", "is_active"))
        code_by_id = {c["id"]: c["code"] for c in categories}
        parents = {c["parent_id"] for c in categories}
        rows = [
            {
                "code": c["code"],
                "name": c["name"],
                "parent": code_by_id.get(c["parent_id"]),
                "level": c["level"],
                "is_leaf": c["id"] not in parents,
            }
            for c in sorted(categories, key=lambda c: c["code"])
            if c["is_active"]
        ]
        return Response(s.CategorySerializer(rows, many=True).data)


class UrgencyListView(ApiView):
    @extend_schema(
        operation_id="urgencies_list",
        summary="紧急程度 Urgency levels",
        responses={200: s.UrgencySerializer(many=True), **errors()},
        tags=["master data"],
    )
    def get(self, request):
        return Response(s.UrgencySerializer(Urgency.objects.all(), many=True).data)


class ChannelListView(ApiView):
    @extend_schema(
        operation_id="channels_list",
        summary="受理渠道 Channels",
        responses={200: s.CodeNameSerializer(many=True), **errors()},
        tags=["master data"],
    )
    def get(self, request):
        return Response(s.CodeNameSerializer(Channel.objects.filter(is_active=True), many=True).data)


class UnitListView(ApiView):
    @extend_schema(
        operation_id="units_list",
        summary="单位 Active units in tree order (for dispatch forms)",
        responses={200: s.UnitSerializer(many=True), **errors()},
        tags=["master data"],
    )
    def get(self, request):
        units = Unit.objects.filter(is_active=True).values(
            "code", "name", "short_name", "kind", "parent__code", "accepts_orders"
        )
        rows = list(units)
        for row in rows:
            row["parent"] = row.pop("parent__code")
        return Response(s.UnitSerializer(rows, many=True).data)


class MeView(ApiView):
    @extend_schema(
        operation_id="me",
        summary="当前用户 The user the token or session acts as",
        responses={200: s.MeSerializer, **errors()},
        tags=["master data"],
    )
    def get(self, request):
        return Response(s.MeSerializer(request.user).data)


def not_found(request, *args, **kwargs):
    """Unknown URLs under /api/ answer in the API's JSON error format."""
    return JsonResponse(error_body("not_found", _("接口地址不存在。")), status=404)


def images_from_this_site(view):
    """Serve `view` with a Content-Security-Policy that lets it load images from this site only (and data: URLs).

    Redoc's bundle draws its maker's logo from cdn.redoc.ly in the side menu, with no option to leave it out; the
    API's documentation must fetch nothing from outside (docs/api.md), so the browser is told not to.
    """

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response.headers.setdefault("Content-Security-Policy", "img-src 'self' data:")
        return response

    return wrapped


# --- Rosters (排班表) ----------------------------------------------------------------------------------------------


def _roster(user, roster_id: str) -> Roster:
    """A published roster, for supervisors and admins (403 for anyone else, 404 if there is none)."""
    telephony_selectors.require_planner(user)
    missing = _("排班表不存在。")
    try:
        return telephony_selectors.roster_get(_path_id(roster_id, missing))
    except Roster.DoesNotExist:
        raise exceptions.NotFound(missing) from None


def _roster_body(roster: Roster, *, day: dt.date | None = None, operator: str | None = None) -> dict:
    roster.in_force = telephony_selectors.roster_days_in_force(roster)
    shifts = roster.shifts.select_related("operator", "planned_operator", "changed_by")
    if day is not None:
        shifts = shifts.filter(day=day)
    if operator:
        shifts = shifts.filter(operator__username=operator)
    roster.shift_rows = shifts
    return s.RosterDetailSerializer(roster).data


class RosterListView(ApiView):
    @extend_schema(
        operation_id="rosters_list",
        summary="排班表 Published rosters, the latest first",
        description="Supervisors and admins. For any day the roster in force is the latest published one covering it.",
        parameters=[s.PageOnlySerializer],
        responses={200: s.RosterPageSerializer, **errors(400, 403)},
        tags=["staffing"],
    )
    def get(self, request):
        telephony_selectors.require_planner(request.user)
        p = _parse(s.PageOnlySerializer, _query(request))
        rows, page, has_next = telephony_selectors.roster_page(page=p["page"])
        next_url, previous = _links(request, page, has_next)
        return Response(s.RosterPageSerializer({"results": rows, "next": next_url, "previous": previous}).data)

    @extend_schema(
        operation_id="rosters_publish",
        summary="发布排班 Plan and publish a roster for the active operators",
        description="Supervisors and admins. The plan is the 排班 page's for the same inputs (forecast from the 8 "
        "weeks before `first_day`, Erlang C, the shift rules); it becomes the roster in force for its days. 400 "
        "when there is no active operator or no call history.",
        request=s.RosterPublishSerializer,
        responses={201: s.RosterDetailSerializer, **errors(400, 403, 413, 415)},
        tags=["staffing"],
    )
    def post(self, request):
        d = _parse(s.RosterPublishSerializer, request.data)
        roster = telephony_services.roster_publish(
            actor=request.user, first_day=d["first_day"], days=d["days"],
            target=ServiceTarget(service_level=d["service_level"], seconds=d["seconds"]), aht=d["aht"],
            shrinkage=d.get("shrinkage", settings.STAFFING_SHRINKAGE), note=d["note"],
        )
        body = _roster_body(roster)
        return _created(body)


class RosterDetailView(ApiView):
    @extend_schema(
        operation_id="rosters_retrieve",
        summary="排班表 One roster: its inputs, what each half hour needs, the days in force and its shifts",
        description="Every shift, or those of one `day` and/or one `operator`.",
        parameters=[s.RosterShiftsQuerySerializer],
        responses={200: s.RosterDetailSerializer, **errors(400, 403, 404)},
        tags=["staffing"],
    )
    def get(self, request, roster_id: str):
        roster = _roster(request.user, roster_id)
        p = _parse(s.RosterShiftsQuerySerializer, _query(request))
        return Response(_roster_body(roster, day=p.get("day"), operator=p.get("operator")))


class RosterExecutionView(ApiView):
    @extend_schema(
        operation_id="rosters_execution",
        summary="排班执行 The plan against what happened, per half hour gone by and per day",
        description="Agents needed on the phone, operators on shift, agents ready (from the switch's agent states) "
        "and the service level achieved, for the days the roster is in force.",
        responses={200: s.RosterExecutionSerializer, **errors(403, 404)},
        tags=["staffing"],
    )
    def get(self, request, roster_id: str):
        execution = telephony_selectors.roster_execution(_roster(request.user, roster_id))
        c = execution.comparison
        slots = [dataclasses.asdict(slot) | {"rostered": execution.rostered.get(slot.start, 0)} for slot in c.slots]
        return Response(s.RosterExecutionSerializer({
            "staffing_ratio": c.staffing_ratio, "understaffed": c.understaffed, "service_level": c.service_level,
            "service_level_understaffed": c.service_level_understaffed,
            "service_level_staffed": c.service_level_staffed, "days": execution.days, "slots": slots,
        }).data)


class RosterShiftReassignView(ApiView):
    @extend_schema(
        operation_id="roster_shifts_reassign",
        summary="调班 Hand a shift that has not started to another operator",
        description="Supervisors and admins. Refused (400) for a shift that has started, of a day a later roster "
        "took over, or to someone who is not an active operator or already works then.",
        request=s.RosterReassignSerializer,
        responses={200: s.RosterShiftSerializer, **errors(400, 403, 404, 413, 415)},
        tags=["staffing"],
    )
    def post(self, request, shift_id: str):
        if not telephony_selectors.may_plan_staffing(request.user):
            raise exceptions.PermissionDenied(_("只有值班长和系统管理员可以调班。"))
        missing = _("班次不存在。")
        try:
            shift = telephony_selectors.roster_shift_get(_path_id(shift_id, missing))
        except RosterShift.DoesNotExist:
            raise exceptions.NotFound(missing) from None
        d = _parse(s.RosterReassignSerializer, request.data)
        operator = User.objects.filter(username=d["operator"]).first()
        shift = telephony_services.roster_shift_reassign(actor=request.user, shift=shift, operator=operator,
                                                         reason=d["reason"])
        return Response(s.RosterShiftSerializer(shift).data)


class MyShiftsView(ApiView):
    @extend_schema(
        operation_id="me_shifts",
        summary="我的排班 The signed-in user's shifts in the rosters in force",
        parameters=[s.MyShiftsQuerySerializer],
        responses={200: s.RosterShiftSerializer(many=True), **errors(400)},
        tags=["staffing"],
    )
    def get(self, request):
        p = _parse(s.MyShiftsQuerySerializer, _query(request))
        first = p.get("first_day") or timezone.localdate() - dt.timedelta(days=7)
        shifts = telephony_selectors.shifts_in_force(first, first + dt.timedelta(days=p["days"] - 1),
                                                     operator=request.user)
        return Response(s.RosterShiftSerializer(shifts.select_related("planned_operator", "changed_by"),
                                                many=True).data)


# --- 换班/请假申请 -------------------------------------------------------------------------------------------------


def _user_named(username: str | None, field: str):
    """The user a request body names by username (None when it names nobody); 400 for a name nobody has."""
    if not username:
        return None
    user = User.objects.filter(username=username).first()
    if user is None:
        raise exceptions.ValidationError({field: [_("没有此用户：%(name)s") % {"name": username}]})
    return user


def _shift_request(user, request_id: str) -> ShiftRequest:
    """The request `user` may see: theirs, one asking them to take a shift, or any for the planners (404 else)."""
    missing = _("换班申请不存在。")
    try:
        found = telephony_selectors.shift_request_get(_path_id(request_id, missing))
    except ShiftRequest.DoesNotExist:
        raise exceptions.NotFound(missing) from None
    if user.pk not in (found.requested_by_id, found.colleague_id) and not telephony_selectors.may_plan_staffing(user):
        raise exceptions.NotFound(missing)
    return found


class MyShiftRequestsView(ApiView):
    @extend_schema(
        operation_id="me_shift_requests",
        summary="换班/请假 The user's requests of the last 30 days, and the swaps colleagues ask of the user",
        responses={200: s.MyShiftRequestsSerializer, **errors()},
        tags=["staffing"],
    )
    def get(self, request):
        found = telephony_selectors.operator_shift_requests(request.user)
        return Response(s.MyShiftRequestsSerializer({"mine": found.mine, "asked": found.asked}).data)

    @extend_schema(
        operation_id="me_shift_requests_create",
        summary="申请换班/请假 Ask to be relieved of one of the user's shifts that has not begun",
        description="With `colleague`: a swap, which the colleague answers first. Without: leave, straight to the "
        "supervisors, who name the cover. One open request per shift; the colleague must be an active operator "
        "free at that time.",
        request=s.ShiftRequestCreateSerializer,
        responses={201: s.ShiftRequestSerializer, **errors(400, 403, 404, 413, 415)},
        tags=["staffing"],
    )
    def post(self, request):
        d = _parse(s.ShiftRequestCreateSerializer, request.data)
        missing = _("班次不存在。")
        try:
            shift = telephony_selectors.roster_shift_get(d["shift"])
        except RosterShift.DoesNotExist:
            raise exceptions.NotFound(missing) from None
        created = telephony_services.shift_request_create(
            actor=request.user, shift=shift, colleague=_user_named(d.get("colleague"), "colleague"), reason=d["reason"])
        return _created(s.ShiftRequestSerializer(telephony_selectors.shift_request_get(created.pk)).data)


class ShiftRequestListView(ApiView):
    @extend_schema(
        operation_id="shift_requests_waiting",
        summary="换班申请 The requests waiting for a supervisor's decision, the soonest shift first",
        description="Supervisors and admins.",
        responses={200: s.ShiftRequestSerializer(many=True), **errors(403)},
        tags=["staffing"],
    )
    def get(self, request):
        telephony_selectors.require_planner(request.user)
        return Response(s.ShiftRequestSerializer(telephony_selectors.shift_requests_waiting(), many=True).data)


class ShiftRequestDetailView(ApiView):
    @extend_schema(
        operation_id="shift_requests_retrieve",
        summary="换班/请假 One request",
        description="For the requester, the colleague asked, and the supervisors and admins; 404 for anyone else.",
        responses={200: s.ShiftRequestSerializer, **errors(404)},
        tags=["staffing"],
    )
    def get(self, request, request_id: str):
        return Response(s.ShiftRequestSerializer(_shift_request(request.user, request_id)).data)


def _shift_request_step(view):
    """A POST on one request: the request as the user may see it, the step done by the service, the request after."""

    @functools.wraps(view)
    def post(self, request, request_id: str):
        found = _shift_request(request.user, request_id)
        view(self, request, found)
        return Response(s.ShiftRequestSerializer(telephony_selectors.shift_request_get(found.pk)).data)

    return post


class ShiftRequestAnswerView(ApiView):
    @extend_schema(
        operation_id="shift_requests_answer",
        summary="答复换班 The colleague asked agrees to take the shift, or declines",
        request=s.ShiftRequestAnswerSerializer,
        responses={200: s.ShiftRequestSerializer, **errors(400, 403, 404, 413, 415)},
        tags=["staffing"],
    )
    @_shift_request_step
    def post(self, request, found):
        d = _parse(s.ShiftRequestAnswerSerializer, request.data)
        telephony_services.shift_request_answer(actor=request.user, request=found, accept=d["accept"])


class ShiftRequestWithdrawView(ApiView):
    @extend_schema(
        operation_id="shift_requests_withdraw",
        summary="撤回 The requester takes back a request not yet decided",
        request=None,
        responses={200: s.ShiftRequestSerializer, **errors(400, 403, 404)},
        tags=["staffing"],
    )
    @_shift_request_step
    def post(self, request, found):
        telephony_services.shift_request_withdraw(actor=request.user, request=found)


class ShiftRequestDecideView(ApiView):
    @extend_schema(
        operation_id="shift_requests_decide",
        summary="审批 Approve (the shift is handed over by 调班) or reject a request",
        description="Supervisors and admins. For 请假 an approval names the `operator` taking the shift; a "
        "rejection needs a `note`. Refused (400) once the shift has begun or changed hands.",
        request=s.ShiftRequestDecideSerializer,
        responses={200: s.ShiftRequestSerializer, **errors(400, 403, 404, 413, 415)},
        tags=["staffing"],
    )
    @_shift_request_step
    def post(self, request, found):
        d = _parse(s.ShiftRequestDecideSerializer, request.data)
        telephony_services.shift_request_decide(actor=request.user, request=found, approve=d["approve"],
                                                operator=_user_named(d.get("operator"), "operator"),
                                                note=d.get("note", ""))


# --- 短信来信 (texts callers sent the hotline) -----------------------------------------------------------------------


def _incoming(user, incoming_id: str) -> IncomingSms:
    """The text, for operators and supervisors (403 for anyone else, 404 if there is none)."""
    missing = _("短信来信不存在。")
    try:
        return sms_selectors.incoming_get(user=user, incoming_id=_path_id(incoming_id, missing))
    except IncomingSms.DoesNotExist:
        raise exceptions.NotFound(missing) from None


class IncomingSmsListView(ApiView):
    @extend_schema(
        operation_id="sms_incoming_list",
        summary="短信来信 Callers' texts waiting for an operator, oldest first (or every text, newest first)",
        description="Operators and supervisors. A text that is neither a rating a result notice asked for nor "
        "退订 waits here until an operator registers it as an order (`POST orders/` with `incoming_sms`) or "
        "dismisses it. The sender's number is always masked. `next` is null on the last page.",
        parameters=[s.IncomingSmsQuerySerializer],
        responses={200: s.IncomingSmsPageSerializer, **errors(400, 403)},
        tags=["sms"],
    )
    def get(self, request):
        p = _parse(s.IncomingSmsQuerySerializer, _query(request))
        rows, has_next = sms_selectors.incoming_page(
            user=request.user, open_only=p["tab"] == "open", page=p["page"], page_size=p["page_size"]
        )
        next_url, previous = _links(request, p["page"], has_next)
        return Response(s.IncomingSmsPageSerializer({"results": rows, "next": next_url, "previous": previous}).data)


class IncomingSmsDetailView(ApiView):
    @extend_schema(
        operation_id="sms_incoming_retrieve",
        summary="短信来信 One text, waiting or handled",
        description="Operators and supervisors; the number masked.",
        responses={200: s.IncomingSmsSerializer, **errors(403, 404)},
        tags=["sms"],
    )
    def get(self, request, incoming_id: str):
        return Response(s.IncomingSmsSerializer(_incoming(request.user, incoming_id)).data)


class IncomingSmsDismissView(ApiView):
    @extend_schema(
        operation_id="sms_incoming_dismiss",
        summary="无需登记 Set a waiting text aside, saying why",
        description="Operators and supervisors. 400 on `note` when it is empty or over 200 characters; 409 "
        "`invalid_step` when the text is not waiting any more (someone else handled it first).",
        request=s.IncomingDismissSerializer,
        responses={200: s.IncomingSmsSerializer, **errors(400, 403, 404, 409, 413, 415)},
        tags=["sms"],
    )
    def post(self, request, incoming_id: str):
        incoming = _incoming(request.user, incoming_id)
        note = _parse(s.IncomingDismissSerializer, request.data)["note"]
        sms_services.incoming_dismiss(actor=request.user, incoming_id=incoming.pk, note=note)
        return Response(s.IncomingSmsSerializer(_incoming(request.user, incoming_id)).data)


# --- 短信 of an order (texts to and from its caller) ----------------------------------------------------------------


class OrderSmsView(ApiView):
    @extend_schema(
        operation_id="orders_sms_list",
        summary="短信 The texts made for the order's caller and the caller's texts about it, oldest first",
        description="For the centre's staff who answer callers (operators, dispatchers, supervisors, "
        "administrators); 403 for other roles. `sent`: the receipt (受理回执), the result notice (办结通知) and "
        "knowledge answers (知识答复) with their delivery status; `received`: the rating the caller texted back, "
        "the text the order was registered from. No phone number is ever shown.",
        responses={200: s.OrderSmsSerializer, **errors(403, 404)},
        tags=["sms"],
    )
    def get(self, request, number: str):
        order = _visible_order(request.user, number)
        if request.user.role not in sms_selectors.VIEWERS:
            raise exceptions.PermissionDenied(_("您无权查看本工单的短信。"))
        body = {
            "sent": sms_selectors.order_messages(user=request.user, order=order),
            "received": sms_selectors.order_incoming(user=request.user, order=order),
        }
        return Response(s.OrderSmsSerializer(body).data)


class OrderSmsAnswerView(ApiView):
    @extend_schema(
        operation_id="orders_sms_answer",
        summary="知识答复 Text the caller a knowledge-base article's 短信口径",
        description="Operators and supervisors. The article's `sms_text`, under the centre's signature, goes to the "
        "order's caller by the SMS worker (`status` pending until it is sent); each article at most once per "
        "order. 400 `invalid_input` saying why it cannot go: no SMS gateway, the article has no 短信口径 or is not "
        "in force, or it was sent already (`fields.article`); the caller is confidential or a whistle-blower, "
        "has no mobile number or opted out (退订). 400 on `article` for an id that names no article in force.",
        request=s.SmsAnswerSerializer,
        responses={201: s.SmsMessageSerializer, **errors(400, 403, 404, 413, 415)},
        tags=["sms"],
    )
    def post(self, request, number: str):
        order = _visible_order(request.user, number)
        # Refused before the body is read, so that a dispatcher hears 403 whatever is sent (the service checks too).
        if not sms_services.may_handle_texts(request.user):
            raise exceptions.PermissionDenied(_("您无权给来电人发送短信。"))
        article_id = _parse(s.SmsAnswerSerializer, request.data)["article"]
        article = knowledge_selectors.article_get(article_id=article_id, user=request.user)
        if article is None:
            raise exceptions.ValidationError({"article": [_("知识条目不存在或已不在有效期内。")]})
        message = sms_services.sms_answer(actor=request.user, order=order, article=article)
        return Response(s.SmsMessageSerializer(message).data, status=status.HTTP_201_CREATED)

"""The order detail page (工单详情) and every lifecycle action taken from it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rexian.console.actions import BY_ACTION, BY_SLUG, initial_for
from rexian.console.responses import redirect_back
from rexian.enterprise import selectors as enterprise_selectors
from rexian.orders import access, attachments, selectors
from rexian.orders.models import Attachment, WorkOrder
from rexian.orders.services import OrderInputError, StaleVersion
from rexian.orders.transitions import Action, InvalidTransition, State
from rexian.sms import selectors as sms_selectors
from rexian.supervision import selectors as supervision_selectors
from rexian.supervision import services as supervision_services


def _detail_or_404(user, number: str):
    try:
        return selectors.order_detail(user=user, number=number)
    except WorkOrder.DoesNotExist:
        raise Http404(_("找不到该工单。")) from None


def _opened_by_default(order, specs: list) -> str | None:
    """The form the page opens unasked: 补充登记 while the order has no category (it cannot go to dispatch
    without one), 转派遣 for a registered order that has one (a request from the portal or a letter, completed
    and checked), else the usual next step (the first primary action: 办结回复 for a signed part, not the
    red 申请退单 before it), else the first form."""
    slugs = [spec.slug for spec in specs]
    if order.category_id is None and "amend" in slugs:
        return "amend"
    if order.state == State.REGISTERED and "send-to-dispatch" in slugs:
        return "send-to-dispatch"
    primary = [spec.slug for spec in specs if spec.style == "primary"]
    return (primary or slugs or [None])[0]


def _render_detail(request, detail, *, bound=None, status=200):
    """The page with a form for every action the viewer may take; `bound` is a form that failed validation."""
    specs = [BY_ACTION[action] for action in detail.allowed_actions if action in BY_ACTION]
    if detail.order.category_id is None and (bound is None or bound[0].action != Action.SEND_TO_DISPATCH):
        # 转派遣 needs the category: 补充登记 (opened below) comes first. A refused 转派遣 still shows its reason.
        specs = [spec for spec in specs if spec.action != Action.SEND_TO_DISPATCH]
    opened = {_opened_by_default(detail.order, specs), bound[0].slug if bound is not None else None}
    forms = []
    for spec in specs:
        if bound is not None and bound[0].slug == spec.slug:
            form = bound[1]
        else:
            form = spec.form(initial=initial_for(spec, detail.order), auto_id=f"id_{spec.slug}_%s")
        forms.append({"spec": spec, "form": form, "open": spec.slug in opened})
    related = selectors.order_related(user=request.user, order=detail.order)
    context = {
        "detail": detail,
        "order": detail.order,
        "action_forms": forms,
        "related": related,
        # 督办与批示: the items on the order, and a way to issue one for the supervisors and leaders.
        "supervisions": supervision_selectors.order_supervisions(user=request.user, order=detail.order),
        "may_supervise": supervision_services.may_issue_on(request.user, detail.order),
        # 短信: the receipt and result texts sent to the caller (docs/sms.md) and the caller's own texts about the
        # order (the rating texted back, the text it was registered from), for the centre's staff.
        "sms_messages": sms_selectors.order_messages(user=request.user, order=detail.order),
        "sms_incoming": sms_selectors.order_incoming(user=request.user, order=detail.order),
        # 知识答复: the articles the order was answered with whose 短信口径 an operator may text the caller.
        "sms_answer_articles": sms_selectors.answer_articles(user=request.user, order=detail.order),
        # 一企来: the enterprise's profile, for the centre's staff who work the desk.
        "enterprise_profile": (
            enterprise_selectors.enterprise_by_code(detail.order.enterprise_credit_code)
            if request.user.role in enterprise_selectors.VIEWERS else None
        ),
    }
    if Action.MERGE in detail.allowed_actions:
        # 疑似重复 beside the 并单 form: a repeated request met after it was recorded is merged from here.
        context["duplicates"] = selectors.order_duplicates(user=request.user, order=detail.order)
    return render(request, "console/order_detail.html", context, status=status)


@login_required
def detail(request, number: str):
    """Every field as the viewer may see it, the history, the units' parts, attachments and linked orders."""
    return _render_detail(request, _detail_or_404(request.user, number))


@login_required
@require_POST
def act(request, number: str, slug: str):
    """Take one lifecycle action on the order; a bad form re-renders the page with messages beside the fields."""
    spec = BY_SLUG.get(slug)
    if spec is None:
        raise Http404(_("没有这项操作。"))
    detail = _detail_or_404(request.user, number)
    form = spec.form(request.POST, request.FILES, auto_id=f"id_{spec.slug}_%s")
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = None
    if spec.action not in detail.allowed_actions:
        # Only a user whose role or unit may never take the action gets a 403. One who may, but finds the
        # order moved on (a colleague dispatched it first, the part is already signed), is sent back where
        # they were and told to look again, as for a stale version.
        access.require(request.user, spec.action, detail.order)
        if version is not None and version != detail.order.version:
            messages.error(request, _moved_on(request.user, detail.order, spec.action))
        else:
            messages.error(request, _("当前状态下您不能对该工单执行「%(action)s」。") % {"action": spec.action_label})
        return _back(request, number)
    if not form.is_valid():
        return _render_detail(request, detail, bound=(spec, form), status=400)
    try:
        result = spec.perform(request.user, detail.order, form.cleaned_data, version)
    except StaleVersion:
        messages.error(request, _moved_on(request.user, detail.order, spec.action))
        return _back(request, number)
    except OrderInputError as error:
        form.add_error(error.field if error.field in form.fields else None, str(error))
        return _render_detail(request, _detail_or_404(request.user, number), bound=(spec, form), status=400)
    except InvalidTransition as error:
        messages.error(request, str(error))
        return _back(request, number)
    messages.success(request, spec.done_message(result))
    return _back(request, number)


def _moved_on(user, order, action: str) -> str:
    """Why a form sent on an older view of the order was not applied: the user's own earlier submit of the same
    action (a double click, a resent form), or another step since."""
    if selectors.order_last_step(order) == (user.pk, action):
        return _("工单 %(number)s 已按您刚才的提交更新，无需重复提交。") % {"number": order.number}
    return _("工单 %(number)s 已被他人处理，请查看最新情况后再操作。") % {"number": order.number}


def _back(request, number: str) -> HttpResponseRedirect:
    """Back where the action was taken: the list named by `next` (a console page), else the order page."""
    return redirect_back(request, reverse("console:order", args=[number]))


@login_required
def attachment(request, number: str, pk: int):
    """Download an attachment of an order the user may see."""
    try:
        found = attachments.attachment_for_download(user=request.user, number=number, pk=pk)
    except Attachment.DoesNotExist:
        raise Http404(_("找不到该附件。")) from None
    return FileResponse(found.file.open("rb"), as_attachment=True, filename=found.original_name)

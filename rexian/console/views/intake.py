"""The operator's intake page (受理) and its live panels.

The page is one form (`IntakeForm`) saved by one service (`order_intake`).
Around it, htmx fragments: the caller's earlier and open orders as the phone
number is typed (来电弹屏 by hand), the category search (pinyin initials work),
the area pickers, the knowledge base with suggestions for the text being typed,
the suspected duplicates (疑似重复) with their merge choice,
and the screen pop of the call ringing at the operator's seat, polled every 3 s.
"""

from __future__ import annotations

import functools

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from rexian.catalog import selectors as catalog_selectors
from rexian.catalog.models import Line
from rexian.console.intake_forms import IntakeForm, initial_from_text, initial_intake
from rexian.core import credit_code as credit_codes
from rexian.enterprise import selectors as enterprise_selectors
from rexian.intelligence.suggest import text_suggestions
from rexian.knowledge import selectors as knowledge_selectors
from rexian.orders import access, selectors
from rexian.orders.intake import ANSWER, order_intake
from rexian.orders.services import AlreadyRegistered, OrderInputError
from rexian.orders.transitions import Action, State
from rexian.privacy import crypto
from rexian.sms import selectors as sms_selectors
from rexian.sms.services import IncomingInputError, SmsRefused, incoming_registered, sms_answer
from rexian.telephony import selectors as telephony_selectors
from rexian.units.models import Role
from rexian.units.selectors import area_communities

MIN_PHONE_DIGITS = 7  # fewer digits could be anybody's: no history until then


def _may_take_calls(user) -> bool:
    # Service accounts register orders too (portal, Open311) but never sit at the intake page.
    return access.may(user, Action.REGISTER) and user.role != Role.INTEGRATION


def intake_staff(view):
    """Signed in, and an operator or supervisor (403 with a message for anyone else)."""

    @login_required
    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if not _may_take_calls(request.user):
            raise PermissionDenied(_("只有话务员和值班长可以受理登记工单。"))
        return view(request, *args, **kwargs)

    return wrapped


def record_staff(view):
    """The pickers the intake form shares with 补充登记 on the order page (categories, communities): for the
    staff who register orders or amend them (operators, dispatchers, supervisors); 403 for anyone else."""

    @login_required
    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if not access.may(request.user, Action.AMEND):  # the roles that register, and dispatchers
            raise PermissionDenied(_("只有话务员、派遣员和值班长可以选择诉求分类和区域。"))
        return view(request, *args, **kwargs)

    return wrapped


def _render_intake(request, form: IntakeForm, *, status: int = 200):
    context = {"form": form, "chosen_category": form.chosen_category()}
    return render(request, "console/intake.html", context, status=status)


def _saved_message(order) -> str:
    link = format_html(
        '<a class="order-number" href="{}">{}</a>', reverse("console:order", args=[order.number]), order.number
    )
    if order.state == State.MERGED:
        master = format_html(
            '<a class="order-number" href="{}">{}</a>',
            reverse("console:order", args=[order.master.number]),
            order.master.number,
        )
        return format_html(_("工单 {number} 已登记，并已并入工单 {master}。"), number=link, master=master)
    if order.state == State.CLOSED:
        text = _("工单 {number} 已直接办结。")
    elif order.state == State.AWAITING_CALLBACK:
        text = _("工单 {number} 已直接办结，并抽中回访。")
    elif order.state == State.PENDING_DISPATCH:
        text = _("工单 {number} 已登记并转派遣。")
    else:
        text = _("工单 {number} 已登记。")
    return format_html(text, number=link)


@intake_staff
@require_http_methods(["GET", "POST"])
def intake(request):
    """受理登记: record the caller's request and answer it, send it to dispatch or leave it registered.

    A saved order redirects back to an empty form with its number at the top;
    bad input re-renders the form (400) with each message beside its field, and
    its once-only token still unused. The same page saved again (a double
    Ctrl+Enter, a resent POST) registers nothing and leads to the order the first
    save made.

    An order answered on the call (直接办结) from a referenced article, with 「短信发送所引用条目的口径」 ticked,
    then texts the caller the article's 短信口径; a text that cannot go keeps the order and says why.

    Opened from the 短信来信 list (`?sms=<id>`), the form holds the caller's text
    (channel 短信, their number and words); saving it marks the text registered
    as the new order and leads back to the list.
    """
    if request.method == "POST":
        form = IntakeForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                order = order_intake(
                    actor=request.user,
                    action=data["action"],
                    answer=data["answer"],
                    knowledge_article_id=data["knowledge_article"] if data["action"] == ANSWER else None,
                    merge_into=_merge_into(request),
                    **form.register_fields(),
                )
            except AlreadyRegistered as repeated:
                number = repeated.order.number
                messages.warning(request, _("该工单已登记（工单 %(number)s），请勿重复提交。") % {"number": number})
                return HttpResponseRedirect(reverse("console:order", args=[number]))
            except OrderInputError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                messages.success(request, _saved_message(order))
                if data["action"] == ANSWER and data.get("sms_answer"):
                    _answer_texted(request, order, data["knowledge_article"])
                if data["incoming_sms"]:
                    _text_registered(request, data["incoming_sms"], order)
                    return HttpResponseRedirect(reverse("console:incoming-sms"))  # on to the next text
                return HttpResponseRedirect(reverse("console:intake"))
        return _render_intake(request, form, status=400)
    initial = initial_intake()
    if phone := request.GET.get("phone", "").strip()[:30]:
        initial["caller_phone"] = phone  # from a callback or a missed-call list
    if (incoming_id := _int_param(request, "sms")) is not None:  # 「登记工单」 in the 短信来信 list
        incoming = sms_selectors.incoming_for_intake(user=request.user, incoming_id=incoming_id)
        if incoming is None:
            messages.warning(request, _("这条短信已不在待处理之列（可能已由他人处理），以下为空白登记表。"))
        else:
            initial = initial_from_text(incoming)
    return _render_intake(request, IntakeForm(initial=initial))


def _text_registered(request, incoming_id: int, order) -> None:
    """Mark the caller's text the order was registered from. A text a colleague handled meanwhile keeps the order
    (it is registered): the operator is told, to check the two are not the same request twice."""
    try:
        incoming_registered(actor=request.user, incoming_id=incoming_id, order=order)
    except IncomingInputError as refused:
        messages.warning(request, _("%(reason)s工单 %(number)s 已照常登记，请核对是否与他人所登记的重复。") % {
            "reason": refused.message, "number": order.number})


def _answer_texted(request, order, article_id: int | None) -> None:
    """知识答复 ticked: text the caller the 短信口径 of the article the order was answered with. The order is saved
    whatever happens here: a text that cannot go (a landline, a protected caller …) is a warning saying why."""
    article = knowledge_selectors.article_get(article_id=article_id, user=request.user) if article_id else None
    if article is None:
        messages.warning(request, _("未引用知识库条目，短信未发送。"))
        return
    try:
        sms_answer(actor=request.user, order=order, article=article)
    except (SmsRefused, PermissionDenied) as refused:
        reason = refused.message if isinstance(refused, SmsRefused) else str(refused)
        messages.warning(request, _("短信未发送：%(reason)s") % {"reason": reason})
    else:
        messages.info(request, _("已向来电人发送短信：%(title)s") % {"title": article.title})


def _merge_into(request) -> int | None:
    """The order chosen in the 疑似重复 panel to merge the new one into (「并入此单」), if any."""
    value = request.POST.get("merge_into", "").strip()
    return int(value) if value.isdigit() else None


def _phone_param(request) -> str:
    return (request.GET.get("phone") or request.GET.get("caller_phone") or "").strip()[:30]


@intake_staff
@require_GET
def caller_panel(request):
    """The caller's orders, open ones first, once the number typed has enough digits (来电历史)."""
    phone = _phone_param(request)
    digits = crypto.normalize_phone(phone)
    context = {"min_digits": MIN_PHONE_DIGITS, "too_short": not digits.isdigit() or len(digits) < MIN_PHONE_DIGITS}
    if not context["too_short"]:
        context["overview"] = selectors.caller_overview(user=request.user, phone=phone)
    return render(request, "console/partials/intake_caller.html", context)


@intake_staff
@require_GET
def enterprise_panel(request):
    """企业档案 under the credit code typed at intake: a mistyped code at once; a known enterprise's profile, latest
    requests and the policies in force that apply to it (for a policy question on the line)."""
    code = credit_codes.normalize(request.GET.get("enterprise_credit_code", ""))[:18]
    context = {"code": code, "complete": len(code) == credit_codes.LENGTH}
    context["valid"] = context["complete"] and credit_codes.is_valid(code)
    if context["valid"]:
        context["overview"] = enterprise_selectors.enterprise_overview(user=request.user, credit_code=code)
    return render(request, "console/partials/intake_enterprise.html", context)


def _int_param(request, name: str) -> int | None:
    value = request.GET.get(name, "").strip()
    return int(value) if value.isdigit() else None


@intake_staff
@require_GET
def duplicates_panel(request):
    """疑似重复: open or recent orders from the same caller, or at the same place with similar text.

    Each open one offers 「并入此单」: a radio button of the intake form (`merge_into`), so saving the new
    order merges it into the chosen one (并单) in the same transaction.
    """
    phone = _phone_param(request)
    digits = crypto.normalize_phone(phone)
    if not digits.isdigit() or len(digits) < MIN_PHONE_DIGITS:
        phone = ""
    area = _int_param(request, "community") or _int_param(request, "town")
    hits = selectors.duplicate_candidates(
        user=request.user,
        phone=phone,
        area=area,
        address=request.GET.get("address", "")[:200],
        title=request.GET.get("title", "")[:200],
        description=request.GET.get("description", "")[:4000],
    )
    context = {"hits": hits, "chosen": _int_param(request, "merge_into")}
    return render(request, "console/partials/intake_duplicates.html", context)


@record_staff
@require_GET
def category_search(request):
    """Leaf categories matching the words, code or pinyin typed; without a query, the tree level by level.

    `pick=radio` (补充登记 on the order page) offers each leaf as a radio button of the form's `category`, so
    choosing one needs no script; otherwise (the intake page) as a button that intake.js reads.
    """
    query = (request.GET.get("category_q") or request.GET.get("q") or "").strip()[:30]
    radio = request.GET.get("pick") == "radio"
    context = {"radio": radio, "results": "#amend-category-results" if radio else "#category-results"}
    if query:
        context.update(query=query, hits=catalog_selectors.category_search(query=query))
    else:
        parent_id = _int_param(request, "parent")
        parent = catalog_selectors.category_hit(category_id=parent_id)
        context.update(parent=parent, hits=catalog_selectors.category_browse(parent_id=parent and parent.id))
    return render(request, "console/partials/intake_categories.html", context)


@record_staff
@require_GET
def area_options(request):
    """The communities of the chosen town, as the options of the community select."""
    communities = area_communities(town=_int_param(request, "town"))
    return render(request, "console/partials/intake_areas.html", {"communities": communities})


@intake_staff
@require_GET
def knowledge_panel(request):
    """The knowledge base beside the form: the operator's own search, else suggestions for the text typed."""
    query = (request.GET.get("kb_q") or request.GET.get("q") or "").strip()[:100]
    if query:
        hits = knowledge_selectors.article_search(query=query, user=request.user, limit=10)
        return render(request, "console/partials/intake_knowledge.html", {"hits": hits, "query": query})
    title = request.GET.get("title", "")[:200]
    description = request.GET.get("description", "")[:4000]
    line_id = _int_param(request, "line")
    line = Line.objects.filter(pk=line_id, is_active=True).first() if line_id else None
    hits = knowledge_selectors.articles_suggested_for(title=title, description=description, line=line)
    return render(request, "console/partials/intake_knowledge.html", {"hits": hits, "suggested": True})


@intake_staff
@require_GET
def suggestions_panel(request):
    """智能建议 under the category picker: the likeliest categories and appeal types for the text typed."""
    suggestions = text_suggestions(request.GET.get("title", "")[:200], request.GET.get("description", "")[:4000])
    return render(request, "console/partials/intake_suggestions.html", {"suggestions": suggestions})


@intake_staff
@require_GET
def knowledge_article(request):
    """One knowledge article's answer, to read to the caller and to quote as the order's answer."""
    article_id = _int_param(request, "id")
    article = knowledge_selectors.article_get(article_id=article_id, user=request.user) if article_id else None
    return render(request, "console/partials/intake_article.html", {"article": article})


def _pop_key(pop) -> str:
    """What the pop shows, in a word: an unchanged pop is not sent again, so polling never moves the focus."""
    if pop is None:
        return ""
    return f"{pop.call.pk}:{int(pop.ringing)}:{len(pop.history)}:{pop.calls_last_30_days}:{pop.missed_last_30_days}"


@require_GET
def screen_pop(request):
    """来电弹屏: the call ringing at (or answered by) the operator's seat, with the caller's history.

    Polled every 3 s by the intake page. 204 while nothing changed since the
    pop the page shows (`shown`); an empty fragment when the phone is quiet and
    for anyone without a screen pop (signed out, or not centre staff who take
    calls), so the page keeps polling quietly.
    """
    user = request.user
    if not user.is_authenticated or user.role not in access.FULL_CONTACT_ROLES:
        return HttpResponse("")
    pop = telephony_selectors.screen_pop_for(user)
    key = _pop_key(pop)
    if key == request.GET.get("shown", ""):
        return HttpResponse(status=204)
    if pop is None:
        return HttpResponse("")
    return render(request, "console/partials/intake_pop.html", {"pop": pop, "key": key})


@intake_staff
@require_POST
def screen_pop_number(request):
    """「带入来电号码」: the phone field again, holding the full number of the call at the seat (the read is logged)."""
    phone = telephony_selectors.screen_pop_phone(user=request.user)
    return HttpResponse(str(IntakeForm(initial={"caller_phone": phone})["caller_phone"]))


"""Texts in the console, for the operators.

短信来信: the texts callers sent to the hotline that were neither a rating nor an opt-out. Each waiting text is
registered as an order on the intake page (「登记工单」 opens it with the text filled in, see
`rexian.console.views.intake`) or set aside with a reason (「无需登记」, `incoming_dismiss`).

知识答复: on the order page, 「短信发送」 texts the caller the 短信口径 of an article the order was answered with
(`sms_answer`; on the intake page, a box beside the referenced article does the same when the order is saved).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect, QueryDict
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from rexian.console.forms import ConsoleForm, page_field
from rexian.console.responses import redirect_back
from rexian.knowledge import selectors as knowledge_selectors
from rexian.orders import access
from rexian.sms import selectors as sms_selectors
from rexian.sms.services import (
    IncomingInputError,
    SmsRefused,
    incoming_dismiss,
    may_handle_texts,
    require_text_handler,
    sms_answer,
)

PAGE_SIZE = 50
TEMPLATE = "console/incoming_sms.html"


class IncomingFilterForm(ConsoleForm):
    show = forms.ChoiceField(label=_("显示"), choices=[("", _("待处理")), ("all", _("全部"))], required=False)
    page = page_field()


def _render_list(request, form: IncomingFilterForm, *, dismiss_error: dict | None = None, status: int = 200):
    """The list the filter form names; `dismiss_error` ({pk, message, note}) is a refused 「无需登记」 to show."""
    context = {"form": form, "rows": [], "page": 1, "has_next": False, "chips": [], "show_all": False,
               "dismiss_error": dismiss_error}
    if not form.is_valid():
        return render(request, TEMPLATE, context, status=400)
    show_all = form.cleaned_data["show"] == "all"
    page = form.cleaned_data["page"] or 1
    texts, has_next = sms_selectors.incoming_page(user=request.user, open_only=not show_all, page=page,
                                                  page_size=PAGE_SIZE)
    context.update(
        rows=texts, page=page, has_next=has_next, show_all=show_all,
        chips=[
            {"label": _("待处理"), "count": None, "query": "", "current": not show_all},
            {"label": _("全部"), "count": None, "query": "show=all", "current": show_all},
        ],
    )
    if dismiss_error is not None:
        dismiss_error["in_rows"] = any(text.pk == dismiss_error["pk"] for text in texts)
    return render(request, TEMPLATE, context, status=status)


@login_required
@require_GET
def incoming_sms(request):
    """短信来信: the waiting texts, oldest first, numbers masked, each to register or set aside; `show=all` lists
    every text, newest first, with what became of it."""
    require_text_handler(request.user)
    return _render_list(request, IncomingFilterForm(request.GET))


@login_required
@require_POST
def incoming_sms_dismiss(request, pk: int):
    """「无需登记」: set the text aside with the operator's reason, then back to the list (`next`). A refusal (no
    reason, or a colleague handled the text first) shows the list again with the message (400)."""
    require_text_handler(request.user)
    note = request.POST.get("note", "")
    try:
        incoming_dismiss(actor=request.user, incoming_id=pk, note=note)
    except IncomingInputError as refused:
        # The list the form was posted from, as its `next` names it.
        shown = IncomingFilterForm(QueryDict(urlsplit(request.POST.get("next", "")).query))
        error = {"pk": pk, "message": refused.message, "note": note[:200]}
        return _render_list(request, shown, dismiss_error=error, status=400)
    messages.success(request, gettext("已将这条短信标为无需登记。"))
    return redirect_back(request, reverse("console:incoming-sms"))


@login_required
@require_POST
def order_sms_answer(request, number: str):
    """「短信发送」 on the order page: text the caller the 短信口径 of a knowledge article (`article`, its id; the
    page offers those the order was answered with), then back to the order page saying it went or why it could not
    (sent already, a landline …). Operators and supervisors (403 for anyone else)."""
    if not may_handle_texts(request.user):
        raise PermissionDenied(_("您无权给来电人发送短信。"))
    order = get_object_or_404(access.orders_visible_to(request.user), number=number)
    article_id = request.POST.get("article", "").strip()
    article = (knowledge_selectors.article_get(article_id=int(article_id), user=request.user)
               if article_id.isdigit() else None)
    back = HttpResponseRedirect(reverse("console:order", args=[order.number]) + "#h-sms")
    if article is None:
        messages.error(request, gettext("知识条目不存在或已不在有效期内。"))
        return back
    try:
        sms_answer(actor=request.user, order=order, article=article)
    except SmsRefused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, gettext("已向来电人发送短信：%(title)s") % {"title": article.title})
    return back

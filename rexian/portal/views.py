"""The citizen portal (市民门户): submit a request, track it, rate the result.

Thin views: parse the form, count the attempt against the rate limits, call one
service or selector, render. Every page is in Simplified Chinese whatever the
browser asks for, and no page ever shows a phone number, a caller's name, an
internal note or a member of staff.
"""

from __future__ import annotations

import functools
import math

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from rexian.core import ratelimit
from rexian.orders.models import Satisfaction, WorkOrder
from rexian.orders.services import OrderInputError, StaleVersion
from rexian.orders.transitions import InvalidTransition
from rexian.portal import selectors, services, tokens
from rexian.portal.forms import MAX_PHOTOS, RatingForm, SubmitForm, TrackForm, photo_max_bytes
from rexian.privacy import crypto

NOT_FOUND = "未找到匹配的工单。请核对工单编号和提交时填写的联系电话后重试。"
UNAVAILABLE = "市民门户暂时无法受理，请稍后再试，或直接拨打12345热线。"
CHANGED = "该工单的进度已更新，请以页面显示的最新进度为准。"
EXPIRED = "页面已过期，请重新查询工单后再评价。"
TOO_MANY_SUBMISSIONS = "操作过于频繁：您近一小时内提交诉求的次数过多，请{wait}再试；如有急事请直接拨打12345热线。"


def wait_words(seconds: int) -> str:
    """How long the citizen waits, as the Retry-After says: 约 N 分钟后, or 约一小时后 from 60 minutes on."""
    minutes = max(1, math.ceil(seconds / 60))
    return "约一小时后" if minutes >= 60 else f"约 {minutes} 分钟后"


def chinese(view):
    """Render the view in Simplified Chinese, whatever language the browser prefers."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        with translation.override("zh-hans"):
            response = view(request, *args, **kwargs)
        response.headers.setdefault("Content-Language", "zh-hans")  # LocaleMiddleware keeps it
        return response

    return wrapper


def _limited(request, verdict: ratelimit.Verdict) -> HttpResponse:
    response = render(request, "portal/limited.html", {"wait": wait_words(verdict.retry_after)}, status=429)
    response["Retry-After"] = str(verdict.retry_after)
    return response


def _content_length(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0  # Django reads such a body as empty


def _max_request_bytes() -> int:
    # Room for three photos at their cap plus the text fields and the multipart envelope.
    return MAX_PHOTOS * photo_max_bytes() + 1024 * 1024


@chinese
@require_safe
def home(request):
    return render(request, "portal/home.html")


@never_cache
@chinese
@require_http_methods(["GET", "POST"])
def submit(request):
    """我要反映: the request form; a valid request becomes an order and the citizen sees its number."""
    if request.method == "GET":
        return render(request, "portal/submit.html", {"form": SubmitForm()})
    if _content_length(request) > _max_request_bytes():
        # Refused before Django reads the body: nothing of it could be shown again anyway.
        context = {"max_photos": MAX_PHOTOS, "mb": photo_max_bytes() // 2**20}
        return render(request, "portal/too_large.html", context, status=413)
    form = SubmitForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(request, "portal/submit.html", {"form": form}, status=400)
    data = form.cleaned_data
    verdict = ratelimit.hit_all(
        [
            (ratelimit.SUBMIT_PER_IP, ratelimit.client_address(request)),
            (ratelimit.SUBMIT_PER_PHONE, crypto.phone_hash(data["caller_phone"])),
        ]
    )
    if not verdict.allowed:
        # Keep what the citizen typed on screen: they may come back later or read it out to an operator.
        form.add_error(None, TOO_MANY_SUBMISSIONS.format(wait=wait_words(verdict.retry_after)))
        response = render(request, "portal/submit.html", {"form": form}, status=429)
        response["Retry-After"] = str(verdict.retry_after)
        return response
    submission = services.Submission(
        appeal_type=data["appeal_type"], category=data["category"], title=data["title"],
        description=data["description"], area=data["area"], address=data["address"],
        caller_name=data["caller_name"], caller_phone=data["caller_phone"], confidential=data["confidential"],
        photos=data["photos"],
    )
    try:
        order = services.request_submit(submission=submission)
    except OrderInputError as exc:
        field = "photos" if exc.field == "file" else exc.field
        form.add_error(field if field in form.fields else None, exc.message)
        return render(request, "portal/submit.html", {"form": form}, status=400)
    except PermissionDenied:
        # The portal account is switched off (or lacks a right): say so, and keep what the citizen typed.
        form.add_error(None, UNAVAILABLE)
        return render(request, "portal/submit.html", {"form": form}, status=503)
    return redirect(f"{reverse('portal:submitted')}?t={tokens.submitted_token(order.number)}")


@never_cache
@chinese
@require_safe
def submitted(request):
    """The confirmation: the new order's number, from the signed token of the redirect."""
    try:
        number = tokens.submitted_number(request.GET.get("t", ""))
    except tokens.TokenInvalid:
        return render(request, "portal/submitted_expired.html", status=404)
    return render(request, "portal/submitted.html", {"number": number})


@never_cache
@chinese
@require_http_methods(["GET", "POST"])
def track(request):
    """进度查询: number plus phone. A wrong number and a wrong phone get the same page, status and work."""
    if request.method == "GET":
        return render(request, "portal/track.html", {"form": TrackForm()})
    form = TrackForm(request.POST)
    if not form.is_valid():
        return render(request, "portal/track.html", {"form": form}, status=400)
    number, phone = form.cleaned_data["number"], form.cleaned_data["phone"]
    verdict = ratelimit.hit_all(
        [
            (ratelimit.TRACK_PER_IP, ratelimit.client_address(request)),
            (ratelimit.TRACK_PER_PHONE, crypto.phone_hash(phone)),
        ]
    )
    if not verdict.allowed:
        return _limited(request, verdict)
    progress = selectors.order_track(number=number, phone=phone)
    if progress is None:
        # The phone is never typed back into the page: a shared computer keeps no trace of it.
        blank = TrackForm(initial={"number": number})
        return render(request, "portal/track.html", {"form": blank, "not_found": NOT_FOUND}, status=404)
    return _progress_page(request, progress)


def _progress_page(request, progress: selectors.Progress, rating_form: RatingForm | None = None, *,
                   error: str = "", status: int = 200) -> HttpResponse:
    if rating_form is None and progress.awaiting_rating:
        token = tokens.rating_token(number=progress.number, version=progress.version)
        rating_form = RatingForm(initial={"token": token})
    context = {"progress": progress, "rating_form": rating_form if progress.awaiting_rating else None, "error": error}
    return render(request, "portal/progress.html", context, status=status)


@never_cache
@chinese
@require_POST
def rate(request):
    """评价: the rating form on the progress page; recorded as a callback by the portal account."""
    form = RatingForm(request.POST)
    try:
        number, version = tokens.rating_claim(request.POST.get("token", ""))
        progress = selectors.order_progress(number=number)
    except (tokens.TokenInvalid, WorkOrder.DoesNotExist):
        return render(request, "portal/track.html", {"form": TrackForm(), "not_found": EXPIRED}, status=400)
    if not form.is_valid():
        return _progress_page(request, progress, form, status=400)
    data = form.cleaned_data
    try:
        services.rating_record(
            number=number, expected_version=version, satisfaction=data["satisfaction"], solved=data["solved"],
            responded_in_time=data["responded_in_time"], comment=data["comment"],
        )
    except (InvalidTransition, StaleVersion):
        progress = selectors.order_progress(number=number)
        return _progress_page(request, progress, error=CHANGED, status=409)
    except OrderInputError as exc:
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        return _progress_page(request, progress, form, status=400)
    except PermissionDenied:
        return _progress_page(request, progress, form, error=UNAVAILABLE, status=503)
    progress = selectors.order_progress(number=number)
    context = {"progress": progress, "dissatisfied": data["satisfaction"] == Satisfaction.DISSATISFIED}
    return render(request, "portal/rated.html", context)

"""Reads of the 一企来 desk: profiles with their orders' counts, policies with their reach, who a policy applies to
and which policies apply to an enterprise. Matching is one SQL query either way; lists are paginated in the
database.

A policy applies to an enterprise when each of its tags allows it: its industries name the enterprise's (or name
none), its sizes name the enterprise's (or none), and one of its areas is the enterprise's town or holds it (or it
has none). An enterprise whose industry or size the desk does not know is not reached by a policy that names
industries or sizes: the desk completes the profile first.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, Min, OuterRef, Q, QuerySet
from django.db.models.functions import Lower
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from rexian.core import credit_code as credit_codes
from rexian.core.paging import page_rows
from rexian.enterprise.models import Enterprise, Policy, PolicyPush
from rexian.orders import selectors as order_selectors
from rexian.privacy import crypto
from rexian.privacy.services import personal_data_access_log
from rexian.units.models import Role, Unit, User

# The centre's staff see the desk; operators, supervisors and admins (who call enterprises and push policies)
# may read a contact's full number, and the read is logged.
VIEWERS = frozenset({Role.OPERATOR, Role.DISPATCHER, Role.SUPERVISOR, Role.INSPECTOR, Role.LEADER, Role.ADMIN})
CONTACT_READERS = frozenset({Role.OPERATOR, Role.SUPERVISOR, Role.ADMIN})
PAGE_SIZE = 50


def require_viewer(user) -> None:
    if not (user.is_authenticated and user.is_active and user.role in VIEWERS):
        raise PermissionDenied(_("只有热线中心人员可以查看一企来服务。"))


@dataclass(frozen=True)
class Page:
    rows: list
    page: int
    has_next: bool


def _page(queryset: QuerySet, page: int) -> tuple[list, int, bool]:
    return page_rows(queryset, page, PAGE_SIZE)


# --- Profiles -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EnterpriseRow:
    enterprise: Enterprise
    orders: order_selectors.EnterpriseOrderCounts


def enterprise_page(
    *, user, query: str = "", industry: str = "", size: str = "", area: Unit | None = None, page: int = 1
) -> Page:
    """企业档案: profiles by name or credit code (`query`), industry, size and town, by name; each with how many
    orders it has made, how many are open and when the latest came."""
    require_viewer(user)
    queryset = Enterprise.objects.select_related("area")
    query = query.strip()
    if query:
        queryset = queryset.filter(Q(name__icontains=query) | Q(credit_code=query.upper()))
    if industry:
        queryset = queryset.filter(industry=industry)
    if size:
        queryset = queryset.filter(size=size)
    if area is not None:
        queryset = queryset.filter(area__path__startswith=area.path)
    # By name, from the (name, id) index. A name search reads every profile anyway (LIKE '%…%'): sorting its few
    # matches is cheaper than walking the whole index in order for them, which is what SQLite would otherwise do
    # (bench/enterprise.py: 100 ms instead of 29 at 100,000 profiles); Lower() keeps it off the index.
    order = (Lower("name"), "pk") if query else ("name", "pk")
    profiles, page, has_next = _page(queryset.order_by(*order), page)
    counts = order_selectors.enterprise_order_counts(p.credit_code for p in profiles)
    empty = order_selectors.EnterpriseOrderCounts()
    return Page([EnterpriseRow(p, counts.get(p.credit_code, empty)) for p in profiles], page, has_next)


def enterprise_get(*, user, credit_code: str) -> Enterprise:
    """One profile by its credit code (404 if the desk has none)."""
    require_viewer(user)
    return get_object_or_404(Enterprise.objects.select_related("area"), credit_code=credit_codes.normalize(credit_code))


def enterprise_by_code(credit_code: str) -> Enterprise | None:
    """The profile of a credit code, if the desk has one (for the order page's link)."""
    if not credit_code:
        return None
    return Enterprise.objects.filter(credit_code=credit_code).only("pk", "credit_code", "name").first()


@dataclass(frozen=True)
class EnterpriseOverview:
    """An enterprise as the intake page shows it while it is on the line: its profile (None: the desk has none yet),
    its latest requests with their counts, and the policies in force that apply to it."""

    credit_code: str
    enterprise: Enterprise | None
    orders: object  # order_selectors.QueuePage: the latest requests, `counts` all and open
    policies: list[Policy]


def enterprise_overview(*, user, credit_code: str, orders: int = 5, policies: int = 5) -> EnterpriseOverview:
    """企业档案 at intake, for a credit code that passes its check."""
    require_viewer(user)
    enterprise = Enterprise.objects.select_related("area").filter(credit_code=credit_code).first()
    latest = order_selectors.enterprise_orders(user=user, credit_code=credit_code, page_size=orders)
    found = list(policies_for(enterprise)[:policies]) if enterprise is not None else []
    return EnterpriseOverview(credit_code, enterprise, latest, found)


def masked_contact(enterprise: Enterprise) -> tuple[str, str]:
    """The contact's name and phone as lists and pages show them before anyone asks to see the number."""
    return crypto.mask_name(enterprise.contact_name), crypto.mask_phone(enterprise.contact_phone)


def enterprise_contact_phone(*, user, enterprise: Enterprise) -> str:
    """The contact's full number, for calling the enterprise back or telling it of a policy; the read is logged."""
    if not (user.is_authenticated and user.role in CONTACT_READERS):
        raise PermissionDenied(_("您无权查看企业联系人电话。"))
    if enterprise.contact_phone:
        personal_data_access_log(
            user=user, subject_type="enterprise", subject_id=enterprise.credit_code, fields=["phone"],
            purpose="一企来",
        )
    return enterprise.contact_phone


def enterprise_pushes(enterprise: Enterprise, *, limit: int = 50) -> list[PolicyPush]:
    """The policies the enterprise was told of, the latest first."""
    pushes = PolicyPush.objects.filter(enterprise=enterprise).select_related("policy", "pushed_by")
    return list(pushes.order_by("-pushed_at", "-pk")[:limit])


# --- Matching -----------------------------------------------------------------------------------------------------


def policy_matches(policy: Policy) -> QuerySet[Enterprise]:
    """The enterprises a policy applies to by its tags (whether or not they were told already)."""
    queryset = Enterprise.objects.all()
    if policy.industry_list:
        queryset = queryset.filter(industry__in=policy.industry_list)
    if policy.size_list:
        queryset = queryset.filter(size__in=policy.size_list)
    paths = list(policy.areas.values_list("path", flat=True))
    if paths:
        within = Q()
        for path in paths:
            within |= Q(area__path__startswith=path)
        queryset = queryset.filter(within)
    return queryset


def policies_for(enterprise: Enterprise, *, day: dt.date | None = None) -> QuerySet[Policy]:
    """The published policies in force on `day` (today) that apply to the enterprise, the newest first, each
    annotated with `told`: whether the enterprise was pushed it."""
    day = day or timezone.localdate()
    queryset = Policy.objects.filter(status=Policy.Status.PUBLISHED).filter(
        Q(valid_from__isnull=True) | Q(valid_from__lte=day), Q(valid_until__isnull=True) | Q(valid_until__gte=day)
    )
    queryset = queryset.filter(Q(industries="") | Q(industries__contains=f",{enterprise.industry},"))
    queryset = queryset.filter(Q(sizes="") | Q(sizes__contains=f",{enterprise.size},"))
    area_ids = [int(pk) for pk in enterprise.area.path.strip("/").split("/")] if enterprise.area_id else []
    tagged = Policy.areas.through.objects.filter(policy_id=OuterRef("pk"))
    queryset = queryset.filter(~Exists(tagged) | Exists(tagged.filter(unit_id__in=area_ids)))
    told = PolicyPush.objects.filter(policy_id=OuterRef("pk"), enterprise=enterprise)
    return queryset.annotate(told=Exists(told)).select_related("issuer").order_by("-published_at", "-pk")


# --- Policies -----------------------------------------------------------------------------------------------------

POLICY_TABS = ("in_force", "draft", "ended")


def policy_page(*, user, tab: str = "in_force", query: str = "", page: int = 1, day: dt.date | None = None) -> Page:
    """涉企政策: in force (published, not past its end), drafts, or ended (withdrawn or past their end); by words of the
    title, the document number or the summary (an operator looks a policy up by what the caller asks about); the
    newest first, each with `push_count`, how many enterprises were told."""
    require_viewer(user)
    day = day or timezone.localdate()
    current = Q(valid_until__isnull=True) | Q(valid_until__gte=day)
    queryset = Policy.objects.select_related("issuer")
    if tab == "draft":
        queryset = queryset.filter(status=Policy.Status.DRAFT)
    elif tab == "ended":
        queryset = queryset.filter(Q(status=Policy.Status.WITHDRAWN) | (Q(status=Policy.Status.PUBLISHED) & ~current))
    else:
        queryset = queryset.filter(current, status=Policy.Status.PUBLISHED)
    query = query.strip()
    if query:
        queryset = queryset.filter(
            Q(title__icontains=query) | Q(document_number__icontains=query) | Q(summary__icontains=query)
        )
    queryset = queryset.annotate(push_count=Count("pushes")).prefetch_related("areas")
    queryset = queryset.order_by("-published_at", "-created_at", "-pk")
    rows, page, has_next = _page(queryset, page)
    return Page(rows, page, has_next)


def policy_get(*, user, pk: int) -> Policy:
    require_viewer(user)
    return get_object_or_404(Policy.objects.select_related("issuer", "created_by").prefetch_related("areas"), pk=pk)


@dataclass(frozen=True)
class PolicyReach:
    matched: int  # the enterprises its tags reach now
    told: int  # pushed, among all (an enterprise told one by one need not match the tags)
    waiting: int  # matched and not told yet: what a push would reach


def policy_reach(policy: Policy) -> PolicyReach:
    """Three counts, each a plain aggregate or semi-join (a per-enterprise NOT EXISTS can turn into a nested loop on
    PostgreSQL's planner after a big push)."""
    matches = policy_matches(policy)
    matched = matches.count()
    told_matched = PolicyPush.objects.filter(policy=policy, enterprise__in=matches.values("pk")).count()
    return PolicyReach(matched, policy.pushes.count(), matched - told_matched)


def policy_targets(policy: Policy, *, page: int = 1) -> Page:
    """The enterprises a policy applies to, by name, each annotated with `told` (pushed already)."""
    told = PolicyPush.objects.filter(policy=policy, enterprise_id=OuterRef("pk"))
    queryset = policy_matches(policy).select_related("area").annotate(told=Exists(told)).order_by("name", "pk")
    rows, page, has_next = _page(queryset, page)
    return Page(rows, page, has_next)


@dataclass(frozen=True)
class PushBatch:
    """One push of a policy: to every enterprise it reached then, or to one (告知, `enterprise` set)."""

    pushed_at: dt.datetime
    channel: str
    channel_label: str
    pushed_by: object
    count: int
    enterprise: Enterprise | None


def policy_push_batches(policy: Policy, *, limit: int = 50) -> list[PushBatch]:
    """The policy's pushes, the latest first: one line per push (grouped in SQL), not one per enterprise told."""
    groups = list(
        PolicyPush.objects.filter(policy=policy)
        .order_by()
        .values("pushed_at", "channel", "pushed_by")
        .annotate(count=Count("pk"), one=Min("enterprise"))
        .order_by("-pushed_at")[:limit]
    )
    users = {user.pk: user for user in User.objects.filter(pk__in={g["pushed_by"] for g in groups})}
    single = Enterprise.objects.in_bulk([g["one"] for g in groups if g["count"] == 1])
    return [
        PushBatch(
            g["pushed_at"], g["channel"], str(PolicyPush.Channel(g["channel"]).label), users.get(g["pushed_by"]),
            g["count"], single.get(g["one"]) if g["count"] == 1 else None,
        )
        for g in groups
    ]


def policy_pushes(policy: Policy, *, page: int = 1) -> Page:
    """Who was told of a policy, when, how and by whom: the latest first."""
    pushes = PolicyPush.objects.filter(policy=policy).select_related("enterprise", "pushed_by")
    rows, page, has_next = _page(pushes.order_by("-pushed_at", "enterprise__name", "pk"), page)
    return Page(rows, page, has_next)

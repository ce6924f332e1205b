"""Reads of the organisation tree."""

from __future__ import annotations

from django.db.models import Case, QuerySet, Value, When

from rexian.units.models import UNIT_ROLES, Role, Unit, User


# --- Intake (受理): the area pickers --------------------------------------------------------------------------------


def area_towns() -> QuerySet[Unit]:
    """The towns and streets (镇/街道) an order's place can be in, in tree order."""
    return Unit.objects.filter(kind=Unit.Kind.TOWN, is_active=True).order_by("path")


def area_communities(*, town: Unit | int | None) -> QuerySet[Unit]:
    """The villages and communities (村/社区) of a town, in tree order; none without a town."""
    if town is None or town == "":
        return Unit.objects.none()
    town_id = town.pk if isinstance(town, Unit) else int(town)
    return Unit.objects.filter(kind=Unit.Kind.COMMUNITY, is_active=True, parent_id=town_id).order_by("path")


# --- Dispatch (派单): the units that take orders ------------------------------------------------------------------

# The order a dispatcher looks for a unit in: the bureaus first, then the public utilities and state firms, then
# each town or street followed by its villages and communities (tree order), the centre and the city last.
_KIND_RANK = Case(
    When(kind=Unit.Kind.BUREAU, then=Value(0)),
    When(kind=Unit.Kind.UTILITY, then=Value(1)),
    When(kind=Unit.Kind.ENTERPRISE, then=Value(2)),
    When(kind__in=(Unit.Kind.TOWN, Unit.Kind.COMMUNITY), then=Value(3)),
    default=Value(4),
)


def dispatch_units(*, active_only: bool = True) -> QuerySet[Unit]:
    """The units an order can be dispatched to (or searched by), grouped by kind as a dispatcher looks for them."""
    units = Unit.objects.filter(accepts_orders=True)
    if active_only:
        units = units.filter(is_active=True)
    return units.annotate(kind_rank=_KIND_RANK).order_by("kind_rank", "path")


# --- Names, for the text models' dictionaries ------------------------------------------------------------------------


def unit_names() -> list[str]:
    """The full and short names of the active units (jieba keeps them whole in orders' text)."""
    names: set[str] = set()
    for name, short in Unit.objects.filter(is_active=True).values_list("name", "short_name"):
        names.update(n for n in (name, short) if n)
    return sorted(names)


# --- A unit's people (本单位人员) ---------------------------------------------------------------------------------------


def unit_staff(unit: Unit) -> QuerySet[User]:
    """The handlers and admins of `unit` itself (not of the units below it), active and stopped: the active first,
    then the admins before the handlers, then by username."""
    role_rank = Case(When(role=Role.UNIT_ADMIN, then=Value(0)), default=Value(1))
    return (
        User.objects.filter(unit=unit, role__in=UNIT_ROLES)
        .annotate(role_rank=role_rank)
        .order_by("-is_active", "role_rank", "username")
    )


def area_towns_of(area_ids) -> dict[int, int]:
    """The town (镇/街道) of each area among `area_ids`: a town is its own, a community its parent's; other units
    (the city, a bureau) have none and are left out."""
    towns: dict[int, int] = {}
    for pk, kind, parent_id in Unit.objects.filter(pk__in=set(area_ids)).values_list("pk", "kind", "parent_id"):
        if kind == Unit.Kind.TOWN:
            towns[pk] = pk
        elif kind == Unit.Kind.COMMUNITY and parent_id is not None:
            towns[pk] = parent_id
    return towns

"""Deadline rules (时限规则) and the dispatch catalogue (派单目录).

The defaults are the ones migration 0003 installs (rexian/catalog/defaults.py).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from rexian.catalog.models import DeadlineRule
from rexian.catalog.selectors import deadline_compute, deadline_rule_for, dispatch_suggestion
from rexian.units.models import Unit
from tests import factories as f

SHANGHAI = ZoneInfo("Asia/Shanghai")

pytestmark = pytest.mark.django_db


def rule(kind, *, appeal_type="complaint", urgency="normal", category=None):
    return deadline_rule_for(
        kind=kind,
        appeal_type=f.appeal_type(appeal_type) if appeal_type else None,
        urgency=f.urgency(urgency) if urgency else None,
        category=category,
    )


def as_pair(found):
    return (Decimal(found.amount), found.unit)


# --- The national defaults ------------------------------------------------------------------


def test_default_sign_deadline_is_one_workday():
    assert as_pair(rule("sign")) == (1, "workdays")


def test_critical_order_must_be_signed_within_two_hours():
    assert as_pair(rule("sign", urgency="critical")) == (2, "hours")


def test_critical_order_needs_a_first_response_within_thirty_minutes():
    assert as_pair(rule("first_response", urgency="critical")) == (Decimal("0.5"), "hours")


def test_ordinary_order_has_no_first_response_deadline():
    assert rule("first_response") is None


@pytest.mark.parametrize("appeal_type", ["consult", "help"])
def test_consultation_and_help_are_answered_in_three_workdays(appeal_type):
    assert as_pair(rule("reply", appeal_type=appeal_type)) == (3, "workdays")


@pytest.mark.parametrize("appeal_type", ["complaint", "report", "suggestion"])
def test_complaint_report_and_suggestion_are_answered_in_ten_workdays(appeal_type):
    assert as_pair(rule("reply", appeal_type=appeal_type)) == (10, "workdays")


def test_urgent_order_is_answered_in_24_hours():
    assert as_pair(rule("reply", urgency="urgent")) == (24, "hours")


def test_critical_order_is_answered_in_2_hours():
    assert as_pair(rule("reply", urgency="critical")) == (2, "hours")


def test_urgency_beats_appeal_type_for_an_urgent_consultation():
    assert as_pair(rule("reply", appeal_type="consult", urgency="urgent")) == (24, "hours")


def test_callback_is_due_in_two_workdays():
    assert as_pair(rule("callback")) == (2, "workdays")


def test_rule_without_type_or_urgency_still_finds_the_default():
    assert as_pair(rule("reply", appeal_type=None, urgency=None)) == (10, "workdays")


# --- The most specific rule wins --------------------------------------------------------------


def test_category_rule_beats_the_default(cast):
    DeadlineRule.objects.create(kind="reply", category=cast.property_service, amount=5, unit="workdays")
    assert as_pair(rule("reply", category=cast.property_service)) == (5, "workdays")


def test_category_rule_does_not_apply_to_another_category(cast):
    DeadlineRule.objects.create(kind="reply", category=cast.property_service, amount=5, unit="workdays")
    assert as_pair(rule("reply", category=cast.noise)) == (10, "workdays")


def test_parent_category_rule_applies_to_its_leaves(cast):
    DeadlineRule.objects.create(kind="reply", category=cast.property_service.parent, amount=7, unit="workdays")
    assert as_pair(rule("reply", category=cast.property_service)) == (7, "workdays")


def test_deeper_category_beats_its_parent(cast):
    leaf = cast.property_service
    DeadlineRule.objects.create(kind="reply", category=leaf.parent.parent, amount=8, unit="workdays")
    DeadlineRule.objects.create(kind="reply", category=leaf, amount=5, unit="workdays")
    DeadlineRule.objects.create(kind="reply", category=leaf.parent, amount=7, unit="workdays")
    assert as_pair(rule("reply", category=leaf)) == (5, "workdays")


def test_urgency_beats_category_on_a_tie(cast):
    DeadlineRule.objects.create(kind="reply", category=cast.property_service, amount=5, unit="workdays")
    assert as_pair(rule("reply", urgency="urgent", category=cast.property_service)) == (24, "hours")


def test_category_beats_appeal_type_on_a_tie(cast):
    DeadlineRule.objects.create(kind="reply", category=cast.property_service, amount=5, unit="workdays")
    assert as_pair(rule("reply", appeal_type="consult", category=cast.property_service)) == (5, "workdays")


def test_type_and_category_beats_category_alone(cast):
    DeadlineRule.objects.create(kind="reply", category=cast.property_service, amount=5, unit="workdays")
    DeadlineRule.objects.create(
        kind="reply", appeal_type=f.appeal_type("complaint"), category=cast.property_service, amount=4, unit="workdays"
    )
    assert as_pair(rule("reply", category=cast.property_service)) == (4, "workdays")
    assert as_pair(rule("reply", appeal_type="suggestion", category=cast.property_service)) == (5, "workdays")


def test_an_urgency_rule_beats_any_rule_without_urgency(cast):
    """特急 keeps its 2-hour clock even where a type + category rule is more detailed."""
    DeadlineRule.objects.create(
        kind="reply", appeal_type=f.appeal_type("complaint"), category=cast.property_service, amount=4, unit="workdays"
    )
    assert as_pair(rule("reply", urgency="urgent", category=cast.property_service)) == (24, "hours")
    assert as_pair(rule("reply", urgency="critical", appeal_type="complaint", category=cast.property_service)) == (
        2,
        "hours",
    )


def test_among_urgency_rules_the_one_with_more_fields_wins(cast):
    DeadlineRule.objects.create(
        kind="reply", urgency=f.urgency("urgent"), category=cast.property_service, amount=12, unit="hours"
    )
    assert as_pair(rule("reply", urgency="urgent", category=cast.property_service)) == (12, "hours")


def test_rules_of_another_kind_are_ignored(cast):
    DeadlineRule.objects.create(kind="callback", category=cast.property_service, amount=1, unit="workdays")
    assert as_pair(rule("reply", category=cast.property_service)) == (10, "workdays")


def test_rule_cache_is_invalidated_when_a_rule_is_saved(cast):
    assert as_pair(rule("reply")) == (10, "workdays")  # fills the cache
    default = DeadlineRule.objects.get(kind="reply", appeal_type=None, urgency=None, category=None)
    default.amount = 15
    default.save()
    assert as_pair(rule("reply")) == (15, "workdays")


def test_rule_cache_is_invalidated_when_a_rule_is_added(cast):
    assert as_pair(rule("reply", category=cast.noise)) == (10, "workdays")
    DeadlineRule.objects.create(kind="reply", category=cast.noise, amount=3, unit="workdays")
    assert as_pair(rule("reply", category=cast.noise)) == (3, "workdays")


def test_rule_cache_is_invalidated_when_a_rule_is_deleted(cast):
    assert as_pair(rule("reply", urgency="urgent")) == (24, "hours")
    DeadlineRule.objects.get(kind="reply", urgency=f.urgency("urgent"), category=None).delete()
    assert as_pair(rule("reply", urgency="urgent")) == (10, "workdays")


# --- deadline_compute -----------------------------------------------------------------------------


def test_deadline_compute_applies_the_hours_rule():
    start = dt.datetime(2025, 10, 1, 8, 0, tzinfo=SHANGHAI)
    deadline = deadline_compute(
        kind="reply", start=start, appeal_type=f.appeal_type("complaint"), urgency=f.urgency("critical"), category=None
    )
    assert deadline == start + dt.timedelta(hours=2)


def test_deadline_compute_applies_the_workday_rule_across_a_holiday():
    start = dt.datetime(2025, 9, 30, 10, 0, tzinfo=SHANGHAI)
    deadline = deadline_compute(
        kind="sign", start=start, appeal_type=f.appeal_type("complaint"), urgency=f.urgency("normal"), category=None
    )
    assert deadline == dt.datetime(2025, 10, 9, 10, 0, tzinfo=SHANGHAI)


def test_deadline_compute_without_a_rule_is_none():
    start = dt.datetime(2025, 9, 30, 10, 0, tzinfo=SHANGHAI)
    assert (
        deadline_compute(
            kind="first_response", start=start, appeal_type=f.appeal_type("complaint"),
            urgency=f.urgency("normal"), category=None,
        )
        is None
    )


# --- dispatch_suggestion (派单目录) -------------------------------------------------------------------


def test_dispatch_suggestion_follows_the_category_rule(cast):
    suggestion = dispatch_suggestion(category=cast.noise, area=None)
    assert suggestion.lead_unit == cast.urban
    assert suggestion.assisting_units == []


def test_dispatch_suggestion_includes_assisting_units(cast):
    suggestion = dispatch_suggestion(category=cast.property_service, area=None)
    assert suggestion.lead_unit == cast.housing
    assert suggestion.assisting_units == [cast.town]


def test_dispatch_suggestion_falls_back_to_the_parent_category(cast):
    sibling = f.CategoryFactory(code="010102", name="维修基金", parent=cast.property_service.parent)
    f.dispatch_rule(cast.property_service.parent, cast.urban)
    assert dispatch_suggestion(category=sibling, area=None).lead_unit == cast.urban


def test_nearest_category_beats_its_parent(cast):
    f.dispatch_rule(cast.property_service.parent, cast.urban)
    assert dispatch_suggestion(category=cast.property_service, area=None).lead_unit == cast.housing


def test_area_rule_beats_the_city_wide_rule(cast):
    f.dispatch_rule(cast.property_service, cast.town, area=cast.town)
    assert dispatch_suggestion(category=cast.property_service, area=cast.town).lead_unit == cast.town


def test_area_rule_for_a_town_applies_to_a_community_below_it(cast):
    f.dispatch_rule(cast.property_service, cast.town, area=cast.town)
    assert dispatch_suggestion(category=cast.property_service, area=cast.community).lead_unit == cast.town


def test_deeper_area_rule_beats_the_town_rule(cast):
    f.dispatch_rule(cast.property_service, cast.town, area=cast.town)
    f.dispatch_rule(cast.property_service, cast.community, area=cast.community)
    assert dispatch_suggestion(category=cast.property_service, area=cast.community).lead_unit == cast.community


def test_area_rule_does_not_apply_to_another_area(cast):
    f.dispatch_rule(cast.property_service, cast.town, area=cast.town)
    other_town = f.UnitFactory(code="C-CX", name="城西街道", kind=Unit.Kind.TOWN, parent=cast.city)
    assert dispatch_suggestion(category=cast.property_service, area=other_town).lead_unit == cast.housing


def test_area_rule_does_not_apply_without_an_area(cast):
    f.dispatch_rule(cast.property_service, cast.town, area=cast.town)
    assert dispatch_suggestion(category=cast.property_service, area=None).lead_unit == cast.housing


def test_nearest_category_beats_an_area_rule_on_the_parent(cast):
    f.dispatch_rule(cast.property_service.parent, cast.town, area=cast.town)
    assert dispatch_suggestion(category=cast.property_service, area=cast.town).lead_unit == cast.housing


def test_only_area_rules_and_order_elsewhere_gives_none(cast):
    category = f.CategoryFactory(code="03", name="交通出行")
    f.dispatch_rule(category, cast.town, area=cast.town)
    assert dispatch_suggestion(category=category, area=cast.housing) is None


def test_no_rule_gives_none(cast):
    assert dispatch_suggestion(category=f.CategoryFactory(code="09", name="其他"), area=cast.community) is None


def test_no_category_gives_none(cast):
    assert dispatch_suggestion(category=None, area=cast.community) is None


def test_category_names_include_retired_categories_once():
    from rexian.catalog.selectors import category_names

    city = f.CategoryFactory(code="91", name="城乡建设")
    f.CategoryFactory(code="9101", name="物业管理", parent=city)
    f.CategoryFactory(code="92", name="旧分类", is_active=False)
    assert category_names() == sorted(["城乡建设", "物业管理", "旧分类"])

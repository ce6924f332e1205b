"""质检 reads: the queue, the weekly review (每周一点评) and the monthly assessment (每月一考核)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.http import Http404

from rexian.orders.models import Callback, Satisfaction
from rexian.quality import selectors
from rexian.quality.models import QualityInspection
from rexian.quality.services import quality_score
from rexian.units.models import Role
from tests import factories as f
from tests.quality.conftest import DAY, at

FULL = {"greeting": 10, "five_elements": 30, "classification": 20, "knowledge": 20, "attitude": 20}


@pytest.fixture
def sample(cast, registered_on):
    """sample(day, operator=None, scores=None, comment="", scored_on=None) -> an inspection (scored if scores given)."""

    def make(day=DAY, operator=None, scores=None, comment="", scored_on=None):
        operator = operator or cast.operator
        order = registered_on(day, by=operator)[0]
        item = QualityInspection.objects.create(order=order, operator=operator, sampled_on=day)
        if scores is not None:
            item = quality_score(
                actor=cast.inspector, inspection=item, scores=scores, comment=comment, now=at(scored_on or day, 16)
            )
        return item

    return make


def test_the_queue_lists_pending_inspections_oldest_day_first(cast, sample):
    later = sample(DAY)
    earlier = sample(DAY - dt.timedelta(days=2))
    sample(DAY, scores=FULL)
    page = selectors.quality_queue(user=cast.inspector)
    assert [item.pk for item in page.rows] == [earlier.pk, later.pk]
    assert page.pending == 2 and not page.has_next


def test_the_queue_is_paginated(cast, sample):
    for _ in range(3):
        sample()
    first = selectors.quality_queue(user=cast.inspector, page_size=2)
    second = selectors.quality_queue(user=cast.inspector, page=2, page_size=2)
    assert len(first.rows) == 2 and first.has_next
    assert len(second.rows) == 1 and not second.has_next


@pytest.mark.parametrize("role", ["operator", "dispatcher", "leader", "housing_handler"])
def test_only_inspectors_and_supervisors_see_inspections(cast, sample, role):
    item = sample()
    user = getattr(cast, role)
    assert selectors.quality_queue(user=user).rows == []
    with pytest.raises(Http404):
        selectors.inspection_get(user=user, pk=item.pk)
    assert selectors.inspection_get(user=cast.supervisor, pk=item.pk) == item


def test_the_weekly_review_averages_each_operator_and_names_the_weakest_criteria(cast, sample):
    other = f.UserFactory(username="op2", role=Role.OPERATOR, unit=cast.centre)
    sample(scores={**FULL, "greeting": 5})  # 95
    sample(scores={**FULL, "five_elements": 10, "attitude": 15}, comment="五要素缺地址。")  # 75
    sample(operator=other, scores=FULL)
    sample(scores={**FULL, "greeting": 0}, scored_on=DAY + dt.timedelta(days=7))  # next week
    sample()  # pending
    rows = selectors.weekly_review(week_start=DAY + dt.timedelta(days=3))  # any day of the week
    assert [row.operator for row in rows] == [cast.operator, other]  # the weakest first
    mine = rows[0]
    assert (mine.scored, mine.average, mine.failed) == (2, 85.0, 1)
    assert [(w.name, w.average) for w in mine.weakest] == [("受理五要素完整", 20.0), ("问候语规范", 7.5)]
    assert [item.comment for item in mine.comments] == ["五要素缺地址。"]
    assert (rows[1].scored, rows[1].average, rows[1].weakest, rows[1].comments) == (1, 100.0, [], [])


def test_a_week_without_scores_is_empty(cast, sample):
    sample(scores=FULL)
    assert selectors.weekly_review(week_start=DAY - dt.timedelta(days=7)) == []


def _callback(cast, order, satisfaction, *, day=DAY, reached=True):
    return Callback.objects.create(
        order=order, operator=cast.operator, at=at(day, 15), reached=reached, satisfaction=satisfaction
    )


def test_the_monthly_assessment_weighs_quality_volume_and_satisfaction(cast, sample, registered_on, settings):
    settings.METRICS_BASIC_COUNTS_AS_SATISFIED = True
    other = f.UserFactory(username="op2", role=Role.OPERATOR, unit=cast.centre)
    f.UserFactory(username="op3", role=Role.OPERATOR, unit=cast.centre)  # did nothing: listed, not ranked
    a = sample(scores={**FULL, "attitude": 10}, comment="语气生硬。")  # 90
    registered_on(DAY, 3)  # the operator: 4 orders in March
    b = sample(operator=other, scores=FULL)  # 100, 1 order
    registered_on(DAY.replace(month=2), 5)  # February: not counted
    _callback(cast, a.order, Satisfaction.SATISFIED)
    _callback(cast, a.order, Satisfaction.BASIC)
    _callback(cast, a.order, "", reached=False)  # not reached: not counted
    _callback(cast, b.order, Satisfaction.DISSATISFIED)
    _callback(cast, b.order, Satisfaction.SATISFIED, day=DAY.replace(month=4))  # April

    rows = selectors.monthly_assessment(year=2026, month=3)
    by_name = {row.operator.username: row for row in rows}
    mine, theirs, idle = by_name["operator"], by_name["op2"], by_name["op3"]
    assert (mine.inspections, mine.quality, mine.volume, mine.volume_score, mine.callbacks, mine.satisfaction) == (
        1, 90.0, 4, 100.0, 2, 1.0,
    )
    assert mine.score == pytest.approx(0.5 * 90 + 0.2 * 100 + 0.3 * 100)
    assert (theirs.volume_score, theirs.callbacks, theirs.satisfaction) == (25.0, 1, 0.0)
    assert theirs.score == pytest.approx(0.5 * 100 + 0.2 * 25 + 0)
    assert [(row.operator.username, row.rank) for row in rows] == [("operator", 1), ("op2", 2), ("op3", None)]
    assert idle.score is None and idle.volume == 0


def test_basically_satisfied_follows_the_metrics_setting(cast, sample, settings):
    item = sample(scores=FULL)
    _callback(cast, item.order, Satisfaction.BASIC)
    settings.METRICS_BASIC_COUNTS_AS_SATISFIED = False
    [row] = selectors.monthly_assessment(year=2026, month=3)
    assert row.satisfaction == 0.0


def test_the_monthly_assessment_counts_in_a_fixed_number_of_queries(cast, sample, django_assert_max_num_queries):
    for _ in range(4):
        sample(scores=FULL)
    with django_assert_max_num_queries(4):
        selectors.monthly_assessment(year=2026, month=3)
    with django_assert_max_num_queries(4):
        selectors.weekly_review(week_start=DAY)

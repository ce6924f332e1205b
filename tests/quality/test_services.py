"""质检 writes: the daily sample (抽检) and scoring (评分)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.db.utils import IntegrityError
from django.utils import timezone

from rexian.orders import services as orders
from rexian.quality.models import QualityCriterion, QualityInspection
from rexian.quality.services import PASS_MARK, QualityError, quality_sample, quality_score
from rexian.quality.tasks import quality_sample_yesterday
from rexian.units.models import Role
from tests import factories as f
from tests.quality.conftest import DAY, at

FULL = {"greeting": 10, "five_elements": 30, "classification": 20, "knowledge": 20, "attitude": 20}


def _inspection(cast, registered_on) -> QualityInspection:
    order = registered_on(DAY)[0]
    return QualityInspection.objects.create(order=order, operator=cast.operator, sampled_on=DAY)


# --- 抽检 -------------------------------------------------------------------------------------------------------


def test_the_default_checklist_is_seeded_and_adds_up_to_100(db):
    criteria = QualityCriterion.objects.filter(is_active=True)
    assert set(criteria.values_list("code", flat=True)) == set(FULL)
    assert sum(criteria.values_list("max_points", flat=True)) == 100


def test_each_operator_gets_the_configured_number_of_orders_of_the_day(cast, registered_on, settings):
    settings.QC_SAMPLE_PER_OPERATOR = 3
    other = f.UserFactory(username="op2", role=Role.OPERATOR, unit=cast.centre)
    mine = registered_on(DAY, 5)
    theirs = registered_on(DAY, 2, by=other)
    registered_on(DAY - dt.timedelta(days=1), 2)  # the day before: not sampled
    assert quality_sample(day=DAY, now=at(DAY + dt.timedelta(days=1), 1)) == {cast.operator.pk: 3, other.pk: 2}
    sampled = QualityInspection.objects.all()
    assert sampled.filter(operator=cast.operator).count() == 3
    assert set(sampled.filter(operator=other).values_list("order", flat=True)) == {o.pk for o in theirs}
    assert set(sampled.filter(operator=cast.operator).values_list("order", flat=True)) <= {o.pk for o in mine}
    assert set(sampled.values_list("sampled_on", "status").distinct()) == {(DAY, "pending")}


def test_sampling_twice_for_the_same_day_adds_nothing(cast, registered_on):
    registered_on(DAY, 5)
    assert quality_sample(day=DAY).total() == 3
    assert quality_sample(day=DAY).total() == 0
    assert QualityInspection.objects.count() == 3


def test_voided_orders_and_orders_of_other_roles_are_not_sampled(cast, registered_on):
    voided = registered_on(DAY)[0]
    orders.order_void(actor=cast.supervisor, order=voided, reason="测试工单。")
    registered_on(DAY, by=cast.supervisor)
    assert quality_sample(day=DAY).total() == 0


def test_an_inactive_operator_is_not_sampled(cast, registered_on):
    registered_on(DAY, 2)
    type(cast.operator).objects.filter(pk=cast.operator.pk).update(is_active=False)
    assert quality_sample(day=DAY).total() == 0


def test_an_order_is_inspected_once(cast, registered_on):
    item = _inspection(cast, registered_on)
    with pytest.raises(IntegrityError):
        QualityInspection.objects.create(order=item.order, operator=cast.operator, sampled_on=DAY)


def test_the_nightly_job_samples_yesterday(cast, registered_on):
    registered_on(DAY, 1)
    done = quality_sample_yesterday(now=at(DAY + dt.timedelta(days=1), 1))
    assert done == {"day": DAY.isoformat(), "sampled": 1}


def test_the_nightly_job_is_scheduled_early_in_the_morning():
    from rexian.core.scheduler import _task, jobs

    job = next(job for job in jobs() if job.name == "quality_sample")
    assert job.at == dt.time(1, 0)
    assert _task(job.task_path).name == "quality_sample_task"


# --- 评分 -------------------------------------------------------------------------------------------------------


def test_an_inspector_scores_every_criterion_and_the_total_is_their_sum(cast, registered_on):
    item = _inspection(cast, registered_on)
    scores = {**FULL, "knowledge": 15}
    item = quality_score(actor=cast.inspector, inspection=item, scores=scores, comment="")
    item.refresh_from_db()
    assert (item.status, item.total, item.max_total, item.inspector) == ("scored", 95, 100, cast.inspector)
    assert item.scored_at is not None
    assert dict(item.scores.values_list("criterion__code", "points")) == scores


@pytest.mark.parametrize("role", ["operator", "dispatcher", "leader", "housing_handler"])
def test_only_inspectors_and_supervisors_score(cast, registered_on, role):
    item = _inspection(cast, registered_on)
    with pytest.raises(PermissionDenied):
        quality_score(actor=getattr(cast, role), inspection=item, scores=FULL)
    assert QualityInspection.objects.get(pk=item.pk).status == "pending"


def test_a_supervisor_may_score(cast, registered_on):
    item = quality_score(actor=cast.supervisor, inspection=_inspection(cast, registered_on), scores=FULL)
    assert item.inspector == cast.supervisor


@pytest.mark.parametrize(
    "scores, message",
    [
        ({**FULL, "attitude": 21}, "0 到 20 分之间"),
        ({**FULL, "attitude": -1}, "0 到 20 分之间"),
        ({**FULL, "attitude": "好"}, "须为整数"),
        ({k: v for k, v in FULL.items() if k != "greeting"}, "请为「问候语规范」打分"),
        ({**FULL, "greeting": ""}, "请为「问候语规范」打分"),
        ({**FULL, "speed": 5}, "未知的质检项"),
    ],
)
def test_a_score_out_of_the_checklist_is_refused(cast, registered_on, scores, message):
    item = _inspection(cast, registered_on)
    with pytest.raises(QualityError) as refused:
        quality_score(actor=cast.inspector, inspection=item, scores=scores)
    assert message in refused.value.message
    assert not item.scores.exists()


def test_a_failing_total_needs_a_comment(cast, registered_on):
    item = _inspection(cast, registered_on)
    failing = {**FULL, "five_elements": 5}  # 75 < 80
    with pytest.raises(QualityError) as refused:
        quality_score(actor=cast.inspector, inspection=item, scores=failing, comment="  ")
    assert refused.value.field == "comment" and str(PASS_MARK) in refused.value.message
    item = quality_score(actor=cast.inspector, inspection=item, scores=failing, comment="地址未记录到门牌号。")
    assert item.total == 75 and item.comment == "地址未记录到门牌号。"


def test_the_pass_mark_itself_needs_no_comment(cast, registered_on):
    item = quality_score(
        actor=cast.inspector, inspection=_inspection(cast, registered_on), scores={**FULL, "five_elements": 10}
    )
    assert item.total == PASS_MARK and item.comment == ""


def test_a_score_may_be_corrected_and_keeps_the_latest_scorer(cast, registered_on):
    item = _inspection(cast, registered_on)
    first = timezone.now() - dt.timedelta(hours=2)
    quality_score(actor=cast.inspector, inspection=item, scores=FULL, now=first)
    item = quality_score(actor=cast.supervisor, inspection=item, scores={**FULL, "attitude": 10}, comment="复核扣分。")
    item.refresh_from_db()
    assert (item.total, item.inspector, item.comment) == (90, cast.supervisor, "复核扣分。")
    assert item.scored_at > first
    assert item.scores.count() == 5 and item.scores.get(criterion__code="attitude").points == 10


def test_a_retired_criterion_is_no_longer_scored(cast, registered_on):
    QualityCriterion.objects.filter(code="knowledge").update(is_active=False)
    scores = {k: v for k, v in FULL.items() if k != "knowledge"}
    item = quality_score(actor=cast.inspector, inspection=_inspection(cast, registered_on), scores=scores)
    assert (item.total, item.max_total) == (80, 80)
    assert not item.scores.filter(criterion__code="knowledge").exists()


def test_every_wrong_score_is_reported_at_once(cast, registered_on):
    item = _inspection(cast, registered_on)
    scores = {**FULL, "greeting": -1, "five_elements": "abc", "classification": 999, "speed": 5}
    del scores["knowledge"]
    with pytest.raises(QualityError) as refused:
        quality_score(actor=cast.inspector, inspection=item, scores=scores, comment="长" * 1001)
    assert refused.value.errors == {
        "score_greeting": "「问候语规范」的得分须在 0 到 10 分之间。",
        "score_five_elements": "「受理五要素完整」的得分须为整数。",
        "score_classification": "「诉求类型/分类准确」的得分须在 0 到 20 分之间。",
        "score_knowledge": "请为「知识库答复正确」打分。",
        "score_speed": "未知的质检项：speed。",
        "comment": "点评不能超过 1000 字。",
    }
    # Callers that show one message still get one: every problem in a line, the first field named.
    assert refused.value.field == "score_greeting"
    assert "须为整数" in refused.value.message and "点评不能超过" in refused.value.message
    assert not item.scores.exists()

"""质检 in the API: the checklist, the queue, one inspection and scoring, the weekly review and the monthly
assessment, with their errors."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from rexian.orders.models import Callback, Satisfaction, WorkOrder
from rexian.quality.models import QualityCriterion, QualityInspection
from rexian.quality.services import quality_score
from tests.api.conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def inspection(cast, make_order):
    order = make_order()
    return QualityInspection.objects.create(order=order, operator=cast.operator, sampled_on=dt.date(2026, 3, 16))


def _full_marks() -> dict[str, int]:
    return dict(QualityCriterion.objects.filter(is_active=True).values_list("code", "max_points"))


def test_an_inspector_lists_scores_and_reads_an_inspection(cast, inspection):
    client = client_for(cast.inspector)
    criteria = client.get("/api/v1/quality/criteria/").json()
    assert sum(c["max_points"] for c in criteria) == 100
    queue = client.get("/api/v1/quality/inspections/").json()
    assert queue["pending"] == 1 and [row["id"] for row in queue["results"]] == [inspection.pk]
    scores = _full_marks()
    first = next(iter(scores))
    scores[first] -= 5
    done = client.post(f"/api/v1/quality/inspections/{inspection.pk}/score/", {"scores": scores}, format="json")
    assert done.status_code == 200, done.json()
    body = done.json()
    assert (body["status"], body["total"], body["max_total"]) == ("scored", 95, 100)
    assert {row["criterion"]: row["points"] for row in body["scores"]} == scores
    assert client.get("/api/v1/quality/inspections/").json()["pending"] == 0
    assert client.get(f"/api/v1/quality/inspections/{inspection.pk}/").json()["inspector"] == str(cast.inspector)


def test_errors_are_clear_and_4xx(cast, inspection):
    url = f"/api/v1/quality/inspections/{inspection.pk}/score/"
    for user in (cast.operator, cast.dispatcher, cast.housing_handler):
        client = client_for(user)
        assert client.get("/api/v1/quality/inspections/").status_code == 403
        assert client.post(url, {"scores": _full_marks()}, format="json").status_code == 403
    inspector = client_for(cast.inspector)
    low = {code: 0 for code in _full_marks()}
    refused = inspector.post(url, {"scores": low}, format="json")
    assert refused.status_code == 400 and refused.json()["code"] == "invalid_input" and "点评" in refused.json()["message"]
    missing = inspector.post(url, {"scores": {}}, format="json")
    assert missing.status_code == 400
    assert inspector.post(url, {"scores": {"greeting": "ten"}}, format="json").status_code == 400
    assert inspector.get("/api/v1/quality/inspections/abc/").status_code == 404
    assert inspector.get("/api/v1/quality/inspections/999999/").status_code == 404
    inspection.refresh_from_db()
    assert inspection.status == QualityInspection.Status.PENDING
    ok = inspector.post(url, {"scores": low, "comment": "未核实五要素，态度生硬。"}, format="json")
    assert ok.status_code == 200 and ok.json()["total"] == 0


def test_every_refused_criterion_is_named_as_the_request_names_it(cast, inspection):
    url = f"/api/v1/quality/inspections/{inspection.pk}/score/"
    inspector = client_for(cast.inspector)
    scores = {**_full_marks(), "greeting": 11, "classification": 999}
    del scores["knowledge"]
    refused = inspector.post(url, {"scores": scores}, format="json")
    assert refused.status_code == 400
    body = refused.json()
    assert body["code"] == "invalid_input"
    assert body["fields"] == {
        "scores.greeting": ["「问候语规范」的得分须在 0 到 10 分之间。"],
        "scores.classification": ["「诉求类型/分类准确」的得分须在 0 到 20 分之间。"],
        "scores.knowledge": ["请为「知识库答复正确」打分。"],
    }
    assert all(message[0] in body["message"] for message in body["fields"].values())
    # A type error was already named so by the request's parser.
    typed = inspector.post(url, {"scores": {**_full_marks(), "greeting": "ten"}}, format="json").json()
    assert list(typed["fields"]) == ["scores.greeting"]
    low = inspector.post(url, {"scores": {code: 0 for code in _full_marks()}}, format="json").json()
    assert list(low["fields"]) == ["comment"]


# --- 每周一点评 and 每月一考核 ---------------------------------------------------------------------------------


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def _scored(cast, inspection, scores: dict, comment: str = "") -> None:
    """Score `inspection` on Wednesday 18 March 2026, its order registered in March by the operator."""
    WorkOrder.objects.filter(pk=inspection.order_id).update(registered_at=at(inspection.sampled_on))
    quality_score(actor=cast.inspector, inspection=inspection, scores=scores, comment=comment,
                  now=at(dt.date(2026, 3, 18), 16))


def test_the_weekly_review_gives_the_page_s_figures(cast, inspection):
    _scored(cast, inspection, {**_full_marks(), "knowledge": 0}, "政策答复错误。")
    body = client_for(cast.supervisor).get("/api/v1/quality/weekly/", {"week": "2026-03-20"}).json()
    assert (body["week_start"], body["week_end"], body["pass_mark"]) == ("2026-03-16", "2026-03-22", 80)
    assert body["results"] == [
        {
            "operator": str(cast.operator),
            "username": "operator",
            "scored": 1,
            "average": 80.0,
            "failed": 0,
            "weakest": [{"name": "知识库答复正确", "average": 0.0, "max_points": 20}],
            "comments": [
                {"id": inspection.pk, "order": inspection.order.number, "total": 80, "comment": "政策答复错误。"}
            ],
        }
    ]
    assert client_for(cast.inspector).get("/api/v1/quality/weekly/", {"week": "2026-03-23"}).json()["results"] == []


def test_the_monthly_assessment_gives_the_page_s_figures(cast, inspection):
    _scored(cast, inspection, {**_full_marks(), "attitude": 10}, "")  # 90
    Callback.objects.create(order=inspection.order, operator=cast.operator, at=at(dt.date(2026, 3, 20)),
                            reached=True, satisfaction=Satisfaction.SATISFIED)
    body = client_for(cast.inspector).get("/api/v1/quality/monthly/", {"month": "2026-03"}).json()
    assert (body["month"], body["weights"]) == ("2026-03", {"quality": 0.5, "volume": 0.2, "satisfaction": 0.3})
    assert body["results"] == [
        {
            "rank": 1,
            "operator": str(cast.operator),
            "username": "operator",
            "inspections": 1,
            "quality": 90.0,
            "volume": 1,
            "volume_score": 100.0,
            "callbacks": 1,
            "satisfaction": 1.0,
            "score": 95.0,
        }
    ]
    april = client_for(cast.inspector).get("/api/v1/quality/monthly/", {"month": "2026-04"}).json()["results"]
    assert [(row["username"], row["rank"], row["score"]) for row in april] == [("operator", None, None)]


@pytest.mark.parametrize(
    "path, query, field",
    [
        ("weekly", {"week": "2026-13-01"}, "week"),
        ("weekly", {"week": "last"}, "week"),
        ("weekly", {"week": "0001-01-01"}, "week"),
        ("monthly", {"month": "2026-13"}, "month"),
        ("monthly", {"month": "03/2026"}, "month"),
        ("monthly", {"month": "9999-12"}, "month"),
    ],
)
def test_a_bad_week_or_month_is_400_with_the_field_named(cast, path, query, field):
    refused = client_for(cast.inspector).get(f"/api/v1/quality/{path}/", query)
    assert refused.status_code == 400
    body = refused.json()
    assert body["code"] == "invalid" and list(body["fields"]) == [field] and field in body["message"]


@pytest.mark.parametrize("role", ["operator", "dispatcher", "leader", "housing_handler"])
def test_other_roles_may_not_read_the_reviews(cast, role):
    client = client_for(getattr(cast, role))
    for path in ("weekly", "monthly"):
        refused = client.get(f"/api/v1/quality/{path}/")
        assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"

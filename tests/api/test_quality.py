"""质检 in the API: the checklist, the queue, one inspection and scoring, with their errors."""

from __future__ import annotations

import datetime as dt

import pytest

from rexian.quality.models import QualityCriterion, QualityInspection
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

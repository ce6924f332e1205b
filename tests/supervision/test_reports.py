"""批示 and 督办 written on a report (PRODUCT.md, "Reports"): issued, seen, followed and told like those on orders."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from rexian.notifications.models import Notification
from rexian.reports import services as report_services
from rexian.reports.models import Report
from rexian.supervision import selectors, services
from rexian.supervision.models import Supervision
from tests.analytics.conftest import at
from tests.api.conftest import client_for
from tests.conftest import register
from tests.console.conftest import signed_in  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db

Kind = Supervision.Kind
NOW = at(2025, 11, 20, 9)


def _report(**overrides) -> Report:
    params = dict(start="2025-11-01", end="2025-11-19", category="01", now=NOW)
    params.update(overrides)
    return report_services.report_generate(Report.Kind.SPECIAL, **params)


@pytest.fixture
def published(cast) -> Report:
    return report_services.report_publish(_report(), now=NOW)


def _instruct(cast, report, **overrides) -> Supervision:
    arguments = dict(actor=cast.leader, report=report, kind=Kind.INSTRUCTION, content="请住建局牵头，一周内拿出整改方案。",
                     unit=cast.housing)
    return services.supervision_issue_on_report(**{**arguments, **overrides})


def test_a_leaders_instruction_on_a_report_goes_to_the_unit_and_is_followed_like_any(cast, published):
    item = _instruct(cast, published)
    assert (item.order, item.source_report, item.unit, item.status) == (None, published, cast.housing, "issued")
    assert item.subject_title == published.title
    told = Notification.objects.get(recipient=cast.housing_handler)
    assert told.order is None and told.order_number == "" and "一周内拿出整改方案" in told.text
    assert told.link == reverse("console:supervision", args=[item.pk])
    assert selectors.supervision_get(user=cast.housing_handler, pk=item.pk) == item
    assert selectors.report_supervisions(user=cast.leader, report=published) == [item]
    assert selectors.report_supervisions(user=cast.urban_handler, report=published) == []
    services.supervision_report(actor=cast.housing_handler, supervision=item, report="已制定整改方案。")
    assert Notification.objects.filter(recipient=cast.leader, text__contains="已反馈").exists()
    closed = services.supervision_close(actor=cast.leader, supervision=item)
    assert closed.status == "closed"


def test_an_overdue_instruction_on_a_report_is_escalated(cast, published):
    item = _instruct(cast, published)
    assert services.supervision_overdue_scan(now=item.due_at + dt.timedelta(minutes=1)) == 1
    assert Notification.objects.filter(recipient=cast.leader, key=f"supervision-overdue:{item.pk}").exists()


def test_who_may_issue_on_which_report(cast, published):
    draft = _report(start="2025-11-02")
    with pytest.raises(PermissionDenied):
        _instruct(cast, published, actor=cast.operator)
    with pytest.raises(PermissionDenied):  # a leader issues 批示, not 督办
        _instruct(cast, published, kind=Kind.SUPERVISION)
    with pytest.raises(PermissionDenied):  # a leader cannot read a draft
        _instruct(cast, draft)
    with pytest.raises(services.SupervisionError, match="发布后"):  # a supervisor can, but not write on it yet
        _instruct(cast, draft, actor=cast.supervisor, kind=Kind.SUPERVISION)
    with pytest.raises(services.SupervisionError, match="责任单位") as refused:
        _instruct(cast, published, unit=None)
    assert refused.value.field == "unit"
    with pytest.raises(services.SupervisionError, match="不是承办单位"):
        _instruct(cast, published, unit=cast.centre)
    assert services.may_issue_on_report(cast.leader, published) and not services.may_issue_on_report(cast.leader, draft)
    assert services.may_issue_on_report(cast.supervisor, published)
    assert not Supervision.objects.exists()
    item = _instruct(cast, published, actor=cast.supervisor, kind=Kind.SUPERVISION, unit=cast.town)
    assert item.kind == Kind.SUPERVISION and item.unit == cast.town


def test_an_item_is_about_an_order_or_a_report_never_both_nor_neither(cast, published):
    fields = dict(kind=Kind.INSTRUCTION, unit=cast.housing, content="x", issued_by=cast.leader, issued_at=NOW,
                  due_at=NOW + dt.timedelta(days=3))
    with pytest.raises(IntegrityError), transaction.atomic():
        Supervision.objects.create(**fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        Supervision.objects.create(**fields, order=register(cast), source_report=published)
    assert Supervision.objects.create(**fields, source_report=published).pk


def test_the_report_page_lists_its_instructions_and_offers_to_write_one(cast, signed_in, published):
    client = signed_in(cast.leader)
    page = client.get(reverse("console:report", args=[published.pk])).content.decode()
    new = reverse("console:report-supervise", args=[published.pk])
    assert new in page and "还没有对本报告的批示。" in page
    form = client.get(new)
    assert form.status_code == 200 and published.title in form.content.decode()
    refused = client.post(new, {"kind": "instruction", "content": "请尽快整改。"})  # no unit
    assert refused.status_code == 400 and "请选择责任单位。" in refused.content.decode()
    due = (timezone.localdate() + dt.timedelta(days=5)).isoformat()
    response = client.post(new, {"kind": "instruction", "content": "请尽快整改。", "unit": cast.housing.pk,
                                 "due_on": due})
    assert response.status_code == 302
    item = Supervision.objects.get()
    assert timezone.localtime(item.due_at).date().isoformat() == due
    page = client.get(reverse("console:report", args=[published.pk])).content.decode()
    assert "请尽快整改。" in page and reverse("console:supervision", args=[item.pk]) in page
    # The unit sees the item and what it is about, without a link to a report it may not open.
    handler = signed_in(cast.housing_handler)
    detail = handler.get(reverse("console:supervision", args=[item.pk])).content.decode()
    assert published.title in detail and reverse("console:report", args=[published.pk]) not in detail
    listed = handler.get(reverse("console:supervisions")).content.decode()
    assert published.title in listed and reverse("console:report", args=[published.pk]) not in listed
    leader = signed_in(cast.leader).get(reverse("console:supervision", args=[item.pk])).content.decode()
    assert reverse("console:report", args=[published.pk]) in leader


def test_a_report_page_offers_nothing_to_those_who_may_not_issue(cast, signed_in, published):
    draft = _report(start="2025-11-02")
    admin = signed_in(cast.admin)
    page = admin.get(reverse("console:report", args=[published.pk])).content.decode()
    assert reverse("console:report-supervise", args=[published.pk]) not in page
    assert admin.get(reverse("console:report-supervise", args=[published.pk])).status_code == 403
    supervisor = signed_in(cast.supervisor)
    assert reverse("console:report-supervise", args=[draft.pk]) not in supervisor.get(
        reverse("console:report", args=[draft.pk])).content.decode()
    assert supervisor.get(reverse("console:report-supervise", args=[draft.pk])).status_code == 302


def test_the_api_issues_on_a_report_and_shows_what_the_item_is_about(cast, published):
    url = f"/api/v1/reports/{published.pk}/supervisions/"
    client = client_for(cast.leader)
    assert client.post(url, {"kind": "instruction", "content": "请整改。"}, format="json").status_code == 400
    response = client.post(url, {"kind": "instruction", "content": "请整改。", "unit": cast.housing.code},
                           format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["order"] is None and body["order_title"] is None
    assert body["source_report"] == {"id": published.pk, "kind": "special", "kind_label": "专报",
                                     "title": published.title}
    listed = client_for(cast.housing_handler).get("/api/v1/supervisions/").json()["results"]
    assert [row["source_report"]["id"] for row in listed] == [published.pk]
    assert client_for(cast.operator).post(url, {"kind": "instruction", "content": "x", "unit": cast.housing.code},
                                          format="json").status_code == 403
    assert client.post("/api/v1/reports/99999/supervisions/", {"kind": "instruction", "content": "x"},
                       format="json").status_code == 404

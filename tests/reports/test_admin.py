"""Reports in Django admin: listed read-only; a draft may be deleted, a published report may not."""

from __future__ import annotations

import pytest
from django.urls import reverse

from rexian.reports import services
from rexian.reports.models import Report
from rexian.units.models import User
from tests.analytics.conftest import at

NOW = at(2025, 11, 20, 9)


@pytest.fixture
def root(cast, client):
    client.force_login(User.objects.create_superuser("root", "root@example.invalid", "not-a-real-password-1"))
    return client


def _special() -> Report:
    return services.report_generate(Report.Kind.SPECIAL, start="2025-11-01", end="2025-11-19", keyword="电梯", now=NOW)


def test_reports_are_listed_but_not_editable(root):
    report = _special()
    assert report.title in root.get(reverse("admin:reports_report_changelist")).content.decode()
    page = root.get(reverse("admin:reports_report_change", args=[report.pk])).content.decode()
    assert 'name="_save"' not in page
    assert root.get(reverse("admin:reports_report_add")).status_code == 403


def test_a_draft_can_be_deleted_but_a_published_report_cannot(root):
    draft, published = _special(), services.report_publish(_special(), now=NOW)

    assert root.post(reverse("admin:reports_report_delete", args=[published.pk]), {"post": "yes"}).status_code == 403
    root.post(reverse("admin:reports_report_delete", args=[draft.pk]), {"post": "yes"})

    assert list(Report.objects.values_list("pk", flat=True)) == [published.pk]

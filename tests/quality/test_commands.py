"""`rexian quality-sample`: the nightly sample (抽检) of one day, drawn by hand."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from rexian.quality.models import QualityInspection
from rexian.units.models import Role
from tests import factories as f
from tests.quality.conftest import DAY


def run(*args) -> str:
    out = io.StringIO()
    call_command("quality-sample", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_it_samples_the_day_given_and_prints_the_count_per_operator(cast, registered_on, settings):
    settings.QC_SAMPLE_PER_OPERATOR = 3
    other = f.UserFactory(username="op2", role=Role.OPERATOR, unit=cast.centre, display_name="李四")
    registered_on(DAY, 5)
    theirs = registered_on(DAY, 2, by=other)
    registered_on(DAY + dt.timedelta(days=1), 2)  # another day: not sampled

    output = run("--date", DAY.isoformat())

    sampled = QualityInspection.objects.all()
    assert set(sampled.values_list("sampled_on", flat=True)) == {DAY}
    assert sampled.filter(operator=cast.operator).count() == 3
    assert set(sampled.filter(operator=other).values_list("order", flat=True)) == {o.pk for o in theirs}
    assert output.splitlines() == [
        "op2（李四）: 2",
        f"operator（{cast.operator}）: 3",
        "2026-03-16 新增质检 5 件。Created 5 inspections for 2026-03-16.",
    ]


def test_a_second_run_adds_nothing(cast, registered_on):
    registered_on(DAY, 4)
    run("--date", DAY.isoformat())
    assert run("--date", DAY.isoformat()).splitlines() == [
        "2026-03-16 新增质检 0 件。Created 0 inspections for 2026-03-16."
    ]
    assert QualityInspection.objects.count() == 3


def test_without_a_date_it_samples_yesterday(cast, registered_on):
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    [order] = registered_on(yesterday)
    registered_on(yesterday - dt.timedelta(days=1))
    assert "新增质检 1 件" in run()
    assert list(QualityInspection.objects.values_list("order", "sampled_on")) == [(order.pk, yesterday)]


@pytest.mark.parametrize("date", ["16/03/2026", "2026-02-30", "tomorrow"])
def test_a_bad_date_is_a_clear_error(db, date):
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        run("--date", date)


@pytest.mark.parametrize("days", [1, -60_000])
def test_a_day_still_to_come_or_long_ago_is_refused(db, days):
    day = timezone.localdate() + dt.timedelta(days=days)
    with pytest.raises(CommandError, match="between 1900-01-01 and today"):
        run("--date", day.isoformat())

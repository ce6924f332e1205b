"""`rexian metrics` and `rexian rollup-rebuild`."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from rexian.analytics.metrics import METRIC_NAMES
from rexian.analytics.models import OrderFact
from tests.analytics.conftest import at


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.fixture
def week(story, cast):
    """Two complaints to housing and a consultation answered on the call, on Monday 3 November 2025."""
    for _ in range(2):
        order = story.handled(story.register(at(2025, 11, 3, 9)), at(2025, 11, 3, 10))
        story.callback(order, at(2025, 11, 5), "satisfied")
    story.answer(story.consultation(at(2025, 11, 3, 9)), at(2025, 11, 3, 9, 5))
    run("rollup-rebuild")


def values(output: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in output.splitlines())


def test_metrics_prints_every_metric_as_one_name_value_line(week):
    output = run("metrics", "--from", "2025-11-03", "--to", "2025-11-09")

    assert [line.split("=", 1)[0] for line in output.splitlines()] == list(METRIC_NAMES)
    printed = values(output)
    assert (printed["volume"], printed["answered_on_spot"], printed["direct_answer_rate"]) == ("3", "1", "0.3333")
    assert (printed["callback_reached"], printed["satisfaction_rate"], printed["volume_mom"]) == ("2", "1.0000", "")


def test_metrics_of_a_unit_and_a_type(week):
    printed = values(run("metrics", "--from", "2025-11-03", "--to", "2025-11-09", "--unit", "C-ZJJ",
                         "--type", "complaint"))

    assert (printed["volume"], printed["dispatched"], printed["timely_sign_rate"]) == ("2", "2", "1.0000")
    assert printed["connection_rate"] == "" and printed["calls_offered"] == ""


@pytest.mark.parametrize(
    "args",
    [
        ("--from", "2025-11-09", "--to", "2025-11-03"),
        ("--from", "3/11/2025", "--to", "2025-11-09"),
        ("--from", "2025-11-03", "--to", "2025-11-09", "--unit", "NO-SUCH-UNIT"),
        ("--from", "2025-11-03", "--to", "2025-11-09", "--type", "nonsense"),
    ],
)
def test_metrics_refuses_bad_arguments(db, args):
    with pytest.raises(CommandError):
        run("metrics", *args)


def test_rollup_rebuild_reports_what_it_did(story):
    story.register(at(2025, 11, 3))

    output = run("rollup-rebuild")

    assert "Rebuilt 1 orders" in output and OrderFact.objects.count() == 1


def test_rollup_rebuild_of_a_range(story):
    story.register(at(2025, 11, 3))
    story.register(at(2025, 11, 20))

    output = run("rollup-rebuild", "--from", "2025-11-01", "--to", "2025-11-10")

    assert "Rebuilt 1 orders" in output and OrderFact.objects.count() == 1

"""`rexian report daily|monthly|special|quick … [--publish] [--out DIR]`."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from rexian.reports.models import Report
from tests.reports.conftest import DAY


def _run(*args) -> list[Path]:
    out = io.StringIO()
    call_command("report", *args, stdout=out, stderr=io.StringIO())
    return [Path(line) for line in out.getvalue().splitlines()]


def test_daily_writes_the_three_files_and_prints_their_paths(day_story, tmp_path):
    paths = _run("daily", "--date", DAY.isoformat(), "--out", str(tmp_path / "out"))

    assert [p.name for p in paths] == [f"工作日报_草稿_2025-11-04.{ext}" for ext in ("docx", "pdf", "xlsx")]
    assert all(p.parent == tmp_path / "out" and p.stat().st_size > 1000 for p in paths)
    assert paths[1].read_bytes()[:4] == b"%PDF"
    report = Report.objects.get()
    assert (report.kind, report.status, report.period_start) == (Report.Kind.DAILY, Report.Status.DRAFT, DAY)


def test_publish_numbers_the_report(cast, tmp_path):
    _run("monthly", "--month", "2025-10", "--publish", "--out", str(tmp_path))
    paths = _run("monthly", "--month", "2025-09", "--publish", "--out", str(tmp_path))

    assert "第2期" in paths[0].name
    assert sorted(Report.objects.values_list("number", flat=True)) == [1, 2]


def test_publishing_a_published_month_again_needs_a_correction(cast, tmp_path):
    _run("monthly", "--month", "2025-10", "--publish", "--out", str(tmp_path))
    with pytest.raises(CommandError, match="--correction"):
        _run("monthly", "--month", "2025-10", "--publish", "--out", str(tmp_path))

    paths = _run("monthly", "--month", "2025-10", "--publish", "--correction", "更正了满意率。", "--out", str(tmp_path))

    assert "第2期" in paths[0].name
    assert Report.objects.get(number=2).title.endswith("（更正）")


def test_special_takes_its_topic_and_period(cast, tmp_path):
    paths = _run("special", "--from", "2025-11-01", "--to", "2025-11-30", "--category", "01", "--keyword", "电梯",
                 "--out", str(tmp_path))

    assert paths[0].name == "专报_草稿_2025-11-01_2025-11-30.docx"
    assert Report.objects.get().params["keyword"] == "电梯"


def test_quick_drafts_from_a_hot_issue_and_publishes(elevator_issue, tmp_path):
    paths = _run("quick", "--issue", str(elevator_issue.issue.pk), "--publish", "--out", str(tmp_path))

    # Numbered in the year it is published (today), for the days of the issue's orders.
    assert re.fullmatch(r"快报_\d{4}年第1期_2025-11-04\.docx", paths[0].name)
    report = Report.objects.get()
    assert (report.kind, report.number, report.params) == (Report.Kind.QUICK, 1, {"issue": elevator_issue.issue.pk})


def test_errors_are_told_without_a_trace(cast, tmp_path):
    with pytest.raises(CommandError, match="至少一项"):
        _run("special", "--from", "2025-11-01", "--to", "2025-11-30", "--out", str(tmp_path))
    with pytest.raises(CommandError, match="月份"):
        _run("monthly", "--month", "October", "--out", str(tmp_path))
    with pytest.raises(CommandError):
        _run("quick", "--out", str(tmp_path))  # --issue or --surge is required
    assert not Report.objects.exists()

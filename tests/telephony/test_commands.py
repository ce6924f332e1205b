"""The operational commands: import-calls, call-stats and cti-source."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from rexian.telephony.models import Call, CtiSource
from tests.telephony.conftest import cdr

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_call_stats_last_line_is_exactly_the_machine_readable_summary(small_day):
    output = run("call-stats", "--from", "2026-03-18", "--to", "2026-03-18")
    assert output.splitlines()[-1] == (
        "offered=7 answered=4 connection_rate=0.5714 answered_15s_rate=0.4286 abandoned=2"
    )
    assert "接通率 connection rate" in output and "57.14%" in output


def test_call_stats_for_one_line(small_day):
    last = run("call-stats", "--from", "2026-03-18", "--to", "2026-03-18", "--line", "12345").splitlines()[-1]
    assert last == "offered=6 answered=3 connection_rate=0.5000 answered_15s_rate=0.3333 abandoned=2"


def test_call_stats_of_a_quiet_period(db):
    last = run("call-stats", "--from", "2020-01-01", "--to", "2020-01-31").splitlines()[-1]
    assert last == "offered=0 answered=0 connection_rate=0.0000 answered_15s_rate=0.0000 abandoned=0"


@pytest.mark.parametrize(
    "args",
    [("--from", "2026-03-18", "--to", "2026-03-17"), ("--from", "18/03/2026", "--to", "2026-03-18"),
     ("--from", "2026-03-18", "--to", "2026-03-18", "--line", "99999")],
)
def test_call_stats_refuses_bad_arguments(db, args):
    with pytest.raises(CommandError):
        run("call-stats", *args)


def test_import_calls_reports_what_it_did(tmp_path, lines):
    path = tmp_path / "Master.csv"
    path.write_text(cdr("1.1") + '"bad"\n' + cdr("1.3"), encoding="utf-8")
    report = tmp_path / "rejected.csv"
    output = run("import-calls", str(path), "--report", str(report))
    assert "新事件 2 new events" in output and "拒绝 1 rejected" in output
    assert "rejected line 2: 1 column;" in output
    with report.open(encoding="utf-8", newline="") as rows:
        assert list(csv.reader(rows)) == [["line", "reason"], ["2", "1 column; cdr_csv writes 16, 17, 18 or 21"]]
    assert "Already imported" in run("import-calls", str(path))
    assert Call.objects.count() == 2


def test_import_calls_refuses_what_it_cannot_read(tmp_path, db):
    with pytest.raises(CommandError, match="Cannot read"):
        run("import-calls", str(tmp_path / "missing"))
    odd = tmp_path / "notes.txt"
    odd.write_text("hello\n", encoding="utf-8")
    with pytest.raises(CommandError, match="neither"):
        run("import-calls", str(odd))
    with pytest.raises(CommandError):
        run("import-calls", str(odd), "--format", "cdr", "--tz", "Mars/Olympus")


def test_cti_source_create_prints_the_token_once(db):
    token = run("cti-source", "create", "pbx", "--name", "主交换机").strip()
    assert token.startswith("cti_") and CtiSource.objects.get().token_prefix == token[:10]
    listing = run("cti-source", "list")
    assert "pbx" in listing and token not in listing
    run("cti-source", "disable", "pbx")
    assert not CtiSource.objects.get().is_active
    with pytest.raises(CommandError):
        run("cti-source", "create", "not a slug", "--name", "x")

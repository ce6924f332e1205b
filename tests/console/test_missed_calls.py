"""漏接回拨: the operators' list of callers who could not get through (rexian/console/views/queues.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from rexian.privacy.models import PersonalDataAccess
from rexian.telephony.models import MissedCallCallback
from tests.telephony.conftest import abandoned_call, answered_call, apply, call, lines  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db

URL = reverse("console:missed-calls")


def _number(call_id: str) -> str:
    return reverse("console:missed-call-number", args=[call(call_id).pk])


def _callback(call_id: str) -> str:
    return reverse("console:missed-call-callback", args=[call(call_id).pk])


@pytest.fixture
def missed(cast, lines):  # noqa: F811 (the fixture imported above)
    """Two callers missed in the last hours, one five days ago, one who got through a little later."""
    now = timezone.now()
    apply([
        *abandoned_call("m1", now - dt.timedelta(hours=2), wait=40, caller="13800000021"),
        *abandoned_call("m2", now - dt.timedelta(hours=1), wait=25, caller="13800000022"),
        *abandoned_call("m3", now - dt.timedelta(days=5), wait=30, caller="13800000023"),
        *abandoned_call("m4", now - dt.timedelta(hours=3), wait=30, caller="13800000024"),
        *answered_call("m5", now - dt.timedelta(hours=2, minutes=50), wait=5, caller="13800000024"),
    ])
    return cast


@pytest.mark.parametrize("role", ["dispatcher", "housing_handler", "leader", "inspector"])
def test_only_operators_and_supervisors_may_open_it(signed_in, missed, role):
    client = signed_in(getattr(missed, role))
    assert client.get(URL).status_code == 403
    assert client.post(_number("m1")).status_code == 403
    assert client.post(_callback("m1"), {"outcome": "reached"}).status_code == 403
    assert not MissedCallCallback.objects.exists()


def test_the_list_shows_the_recent_missed_callers_masked_oldest_first(signed_in, missed):
    response = signed_in(missed.operator).get(URL)
    page = response.content.decode()
    assert response.status_code == 200
    assert page.index("138****0021") < page.index("138****0022")
    assert "138****0023" not in page  # five days ago: outside 近3天
    assert "138****0024" not in page  # got through by themselves
    assert "13800000021" not in page  # never the full number unasked
    assert "漏接回拨" in page and "40 秒" in page
    figures = response.context["figures"]
    assert (figures.missed, figures.called_back, figures.reached) == (2, 0, 0)
    assert "138****0023" in signed_in(missed.operator).get(URL, {"days": "7"}).content.decode()


def test_show_number_gives_the_full_number_and_logs_the_read(signed_in, missed):
    client = signed_in(missed.supervisor)
    response = client.post(_number("m1"))
    assert response.status_code == 200
    assert response.content.decode() == f'<span class="num" id="missed-number-{call("m1").pk}">13800000021</span>'
    log = PersonalDataAccess.objects.get()
    assert (log.user, log.subject_type, log.subject_id) == (missed.supervisor, "call", str(call("m1").pk))
    assert client.get(_number("m1")).status_code == 405


def test_recording_a_callback_takes_the_caller_off_the_waiting_list(signed_in, missed):
    client = signed_in(missed.operator)
    response = client.post(_callback("m1"), {"outcome": "reached", "note": "已告知办理渠道", "next": f"{URL}?days=1"})
    assert response.status_code == 302 and response["Location"] == f"{URL}?days=1"
    attempt = MissedCallCallback.objects.get()
    assert (attempt.call, attempt.operator, attempt.outcome, attempt.note) == (
        call("m1"), missed.operator, "reached", "已告知办理渠道"
    )
    waiting = client.get(URL).content.decode()
    assert "已记录回拨：138****0021，已联系上。" in waiting
    assert "138****0021" not in waiting.split("<table", 1)[1]
    everything = client.get(URL, {"show": "all"})
    assert "138****0021" in everything.content.decode()
    assert everything.context["figures"].reached == 1
    assert '<span class="tag">已联系上</span>' in everything.content.decode()


def test_an_unanswered_attempt_keeps_the_caller_waiting_with_the_count(signed_in, missed):
    client = signed_in(missed.operator)
    client.post(_callback("m2"), {"outcome": "no_answer"})
    row = next(row for row in client.get(URL).context["rows"] if row["call"].call_id == "m2")
    assert row["call"].callback_attempts == 1 and row["last_outcome"] == "无人接听"


def test_a_foreign_next_address_returns_to_the_list(signed_in, missed):
    response = signed_in(missed.operator).post(_callback("m1"), {"outcome": "reached", "next": "https://example.com/"})
    assert response["Location"] == URL


def test_bad_input_is_a_400_or_404_in_the_users_words_and_records_nothing(signed_in, missed):
    client = signed_in(missed.operator)
    refused = client.post(_callback("m1"), {"outcome": "maybe"})
    assert refused.status_code == 400 and "回拨结果" in refused.content.decode()
    assert client.post(_callback("m5")).status_code == 404  # answered: not a missed call
    assert client.post(reverse("console:missed-call-callback", args=[999999]), {"outcome": "reached"}).status_code == 404
    assert client.get(URL, {"days": "2"}).status_code == 400
    assert not MissedCallCallback.objects.exists()


def test_the_page_reads_in_english(signed_in, missed):
    missed.operator.language = "en"
    missed.operator.save()
    page = signed_in(missed.operator).get(URL).content.decode()
    for english in ("Missed callers", "Show number", "Record call-back", "Last 7 days", "Called back within"):
        assert english in page

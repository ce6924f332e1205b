"""Claims and back-off of an outbox's rows (rexian/core/outbox.py), on the text messages' table."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from rexian.core.outbox import Outbox
from rexian.sms.models import SmsMessage

pytestmark = pytest.mark.django_db

Status = SmsMessage.Status
OUTBOX = Outbox(model=SmsMessage, open_statuses=(Status.PENDING, Status.FAILED), failed=Status.FAILED,
                gave_up=Status.GAVE_UP, retry_delays=(dt.timedelta(minutes=1), dt.timedelta(minutes=5)))
NOW = timezone.make_aware(dt.datetime(2026, 11, 28, 10, 0))


@pytest.fixture
def row(make_order):
    return SmsMessage.objects.create(order=make_order(), kind=SmsMessage.Kind.RECEIPT, phone="13812348000",
                                     text="x", next_attempt_at=NOW)


def test_a_due_row_is_claimed_once_until_its_claim_expires(row):
    assert list(OUTBOX.due(NOW)) == [row]
    assert OUTBOX.claim(row.pk, NOW)
    assert not OUTBOX.claim(row.pk, NOW + dt.timedelta(seconds=30))  # held by the first worker
    assert list(OUTBOX.due(NOW)) == []
    assert OUTBOX.claim(row.pk, NOW + OUTBOX.claim_for + dt.timedelta(seconds=1))  # that worker died
    row.refresh_from_db()
    assert row.attempts == 2


def test_a_row_not_due_yet_or_finished_is_not_claimed(row):
    assert not OUTBOX.claim(row.pk, NOW - dt.timedelta(seconds=1))
    SmsMessage.objects.filter(pk=row.pk).update(status=Status.SENT)
    assert not OUTBOX.claim(row.pk, NOW)


def test_the_outcome_backs_off_then_gives_up():
    done = {"status": Status.SENT}
    assert OUTBOX.outcome(attempts=1, error="", now=NOW, done=done) == {"status": Status.SENT, "next_attempt_at": None}
    assert OUTBOX.outcome(attempts=1, error="HTTP 500", now=NOW, done=done) == {
        "status": Status.FAILED, "next_attempt_at": NOW + dt.timedelta(minutes=1)}
    assert OUTBOX.outcome(attempts=2, error="HTTP 500", now=NOW, done=done)["next_attempt_at"] == (
        NOW + dt.timedelta(minutes=5))
    assert OUTBOX.outcome(attempts=3, error="HTTP 500", now=NOW, done=done) == {
        "status": Status.GAVE_UP, "next_attempt_at": None}
    assert OUTBOX.outcome(attempts=1, error="stopped", now=NOW, done=done, give_up=True)["status"] == Status.GAVE_UP


def test_an_outcome_is_recorded_only_while_the_claim_is_the_attempts_own(row):
    OUTBOX.claim(row.pk, NOW)
    OUTBOX.claim(row.pk, NOW + OUTBOX.claim_for * 2)  # a second worker took it over: attempt 2
    assert not OUTBOX.record(row.pk, 1, status=Status.SENT)
    assert OUTBOX.record(row.pk, 2, status=Status.SENT)
    row.refresh_from_db()
    assert (row.status, row.claimed_until) == (Status.SENT, None)

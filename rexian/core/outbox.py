"""Sending the rows of an outbox (a webhook delivery, a text message to a caller) one attempt at a time, with
back-off.

Such a row has `status`, `attempts`, `next_attempt_at` and `claimed_until`. A worker claims a due row with a
conditional UPDATE, which also counts the attempt, so two workers (or a task queued twice) never send it at once;
it sends, then records the outcome only while the claim is still this attempt's (a worker that took the row over
after the claim expired has counted another attempt). A failure is tried again after the next of the back-off
delays; after the last one the row gives up.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import models
from django.db.models import F, Q


@dataclass(frozen=True)
class Outbox:
    model: type[models.Model]
    open_statuses: tuple[str, ...]  # waiting to be sent: new, or failed and waiting for the next attempt
    failed: str
    gave_up: str
    retry_delays: tuple[dt.timedelta, ...]  # after the first failed attempt, then the second …
    claim_for: dt.timedelta = dt.timedelta(seconds=60)  # well above a send's timeout: a claim expires with its worker

    @property
    def max_attempts(self) -> int:
        return len(self.retry_delays) + 1

    @staticmethod
    def unclaimed(now: dt.datetime) -> Q:
        """Held by no worker at `now`."""
        return Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)

    def due(self, now: dt.datetime) -> models.QuerySet:
        """The rows due to be sent at `now` that no worker holds, the longest waiting first."""
        return (self.model.objects.filter(status__in=self.open_statuses, next_attempt_at__lte=now)
                .filter(self.unclaimed(now)).order_by("next_attempt_at"))

    def claim(self, pk: int, now: dt.datetime) -> bool:
        """Take the row for this attempt if it is due and nobody holds it; the attempt is counted now."""
        return bool(
            self.model.objects.filter(pk=pk, status__in=self.open_statuses, next_attempt_at__lte=now)
            .filter(self.unclaimed(now))
            .update(claimed_until=now + self.claim_for, attempts=F("attempts") + 1)
        )

    def outcome(self, *, attempts: int, error: str, now: dt.datetime, done: dict, give_up: bool = False) -> dict:
        """The fields to record after attempt number `attempts`: `done` (with no next attempt) when it went,
        otherwise the next attempt after the back-off, or giving up after the last (or at once, with `give_up`)."""
        if not error:
            return {"next_attempt_at": None, **done}
        if give_up or attempts >= self.max_attempts:
            return {"status": self.gave_up, "next_attempt_at": None}
        return {"status": self.failed, "next_attempt_at": now + self.retry_delays[attempts - 1]}

    def record(self, pk: int, attempts: int, **changes) -> bool:
        """Write an attempt's outcome and release the row, only while the claim is still that attempt's."""
        return bool(self.model.objects.filter(pk=pk, attempts=attempts).update(claimed_until=None, **changes))

"""Open311 errors: what goes wrong, as the spec's error list and an HTTP status.

The spec wants 404 for what does not exist, 403 for a missing or wrong api_key and 400 for
anything else a client got wrong; the body lists one or more errors, each with a code and a
description meant to be shown to the user.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from rexian.core.dates import FIRST_DAY, LAST_DAY


class Open311Error(Exception):
    """One or more errors to answer with; `status` is the HTTP status of the response."""

    def __init__(self, status: int, description: str, *, code: int | str | None = None):
        super().__init__(description)
        self.status = status
        self.errors: list[tuple[int | str, str]] = [(code if code is not None else status, str(description))]

    @classmethod
    def many(cls, errors: list[Open311Error]) -> Open311Error:
        """Several errors in one response; the status is the first error's."""
        combined = cls(errors[0].status, errors[0].errors[0][1], code=errors[0].errors[0][0])
        combined.errors = [item for error in errors for item in error.errors]
        return combined


def date_out_of_range(name: str) -> Open311Error:
    """A date argument outside the days the centre accepts (rexian.core.dates): a 400, not a date that cannot be
    converted to UTC (year 0001 in local time) or moved by the 90-day window (year 9999)."""
    return Open311Error(
        400, _("%(name)s 须在 %(first)s 至 %(last)s 之间。") % {"name": name, "first": FIRST_DAY, "last": LAST_DAY}
    )

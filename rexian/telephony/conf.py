"""The telephony rules a centre may tune, read from Django settings (which read them from the environment).

Each has a default here so the app works before a deployment sets anything;
`rexian/settings.py` reads the variables below (docs/deploy.md lists them).

| setting                          | environment variable                    | default |
|----------------------------------|-----------------------------------------|---------|
| CALL_SHORT_ABANDON_SECONDS       | REXIAN_CALL_SHORT_ABANDON_SECONDS       | 5       |
| CALL_ANSWER_TARGET_SECONDS       | REXIAN_CALL_ANSWER_TARGET_SECONDS       | 15      |
| MISSED_CALL_WINDOW_HOURS         | REXIAN_MISSED_CALL_WINDOW_HOURS         | 24      |
| MISSED_CALL_CALLBACK_MINUTES     | REXIAN_MISSED_CALL_CALLBACK_MINUTES     | 30      |
| CDR_INBOUND_CONTEXTS             | REXIAN_CDR_INBOUND_CONTEXTS             | (none)  |
| CTI_MAX_EVENTS_PER_REQUEST       | REXIAN_CTI_MAX_EVENTS_PER_REQUEST       | 1000    |
"""

from __future__ import annotations

from django.conf import settings


def short_abandon_seconds() -> float:
    """Calls abandoned within this many seconds in the queue count neither as offered nor as answered."""
    return float(getattr(settings, "CALL_SHORT_ABANDON_SECONDS", 5))


def answer_target_seconds() -> float:
    """GB/T 33358: calls should be answered within 15 s (the 15秒接通率)."""
    return float(getattr(settings, "CALL_ANSWER_TARGET_SECONDS", 15))


def missed_call_window_hours() -> int:
    """A missed caller who gets through within this many hours needs no callback."""
    return int(getattr(settings, "MISSED_CALL_WINDOW_HOURS", 24))


def missed_call_callback_minutes() -> int:
    """The target for calling a missed caller back (漏接回拨时限)."""
    return int(getattr(settings, "MISSED_CALL_CALLBACK_MINUTES", 30))


def cdr_inbound_contexts() -> frozenset[str]:
    """Dialplan contexts whose CDR lines are inbound hotline calls even when `dst` names no configured line."""
    return frozenset(getattr(settings, "CDR_INBOUND_CONTEXTS", ()))


def cti_max_events_per_request() -> int:
    return int(getattr(settings, "CTI_MAX_EVENTS_PER_REQUEST", 1000))

"""Rate limits (限流) for the public portal and the staff sign-in, counted in Django's cache.

The portal counts every submission and look-up (`hit_all`); the sign-in counts only failed attempts: it counts
each attempt before the password is checked (so parallel guesses cannot slip past the count) and takes it back
(`unhit_all`) when the sign-in succeeds, so a centre of operators behind one address signing in at a shift change
is never held back.

Each limit counts attempts per key (a client address or a phone's keyed hash)
in hourly windows and estimates a sliding hour from the current and previous
window (the previous one weighted by the share of it still inside the hour),
so a burst at a window's edge cannot double the allowance. Counting uses the
cache's atomic `add` and `incr`, so concurrent requests never lose a count.

With the local-memory cache every web process counts for itself; production
sets REXIAN_REDIS_URL so all processes share one count (docs/portal.md).
"""

from __future__ import annotations

import ipaddress
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

WINDOW_SECONDS = 3600


@dataclass(frozen=True)
class Limit:
    """A named allowance per hour; its number is read from settings on each use, so tests and deployments change it."""

    scope: str  # part of the cache key: "submit-ip", "track-phone" …
    setting: str  # the Django setting holding the allowance per hour
    default: int

    @property
    def per_hour(self) -> int:
        return int(getattr(settings, self.setting, self.default))


SUBMIT_PER_IP = Limit("submit-ip", "PORTAL_SUBMITS_PER_IP_PER_HOUR", 5)
SUBMIT_PER_PHONE = Limit("submit-phone", "PORTAL_SUBMITS_PER_PHONE_PER_HOUR", 5)
TRACK_PER_IP = Limit("track-ip", "PORTAL_TRACKS_PER_IP_PER_HOUR", 30)
TRACK_PER_PHONE = Limit("track-phone", "PORTAL_TRACKS_PER_PHONE_PER_HOUR", 10)


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int  # seconds until the current window ends (for the Retry-After header)


def _count(key: str, window: int, now: float) -> float:
    """Count one attempt under `key` and return the estimated attempts in the last `window` seconds."""
    current = int(now // window)
    current_key = f"{key}:{current}"
    # Keep each window readable through the next one, when it serves as "previous".
    if cache.add(current_key, 1, timeout=2 * window):
        count = 1
    else:
        try:
            count = cache.incr(current_key)
        except ValueError:  # expired between add and incr
            cache.add(current_key, 1, timeout=2 * window)
            count = 1
    previous = cache.get(f"{key}:{current - 1}", 0)
    elapsed_share = (now % window) / window
    return count + previous * (1 - elapsed_share)


def _key(limit: Limit, key: str) -> str:
    return f"portal:rl:{limit.scope}:{key}"


def _retry_after(now: float) -> int:
    return WINDOW_SECONDS - int(now % WINDOW_SECONDS)


def hit(limit: Limit, key: str, *, now: float | None = None) -> Verdict:
    """Count one attempt of `limit` for `key`; allowed while the sliding-hour estimate stays within the allowance.

    Attempts over the limit count too, so a client that keeps hammering stays limited.
    """
    now = time.time() if now is None else now
    estimate = _count(_key(limit, key), WINDOW_SECONDS, now)
    return Verdict(allowed=estimate <= limit.per_hour, retry_after=_retry_after(now))


def unhit(limit: Limit, key: str, *, now: float | None = None) -> None:
    """Take back one attempt counted by `hit` in the current window: for limits on failures (a sign-in is counted
    before the password is checked, so that parallel guesses cannot slip past, and taken back when it succeeds)."""
    now = time.time() if now is None else now
    try:
        if cache.decr(f"{_key(limit, key)}:{int(now // WINDOW_SECONDS)}") < 0:
            cache.incr(f"{_key(limit, key)}:{int(now // WINDOW_SECONDS)}")
    except ValueError:  # counted in the window before, or expired: nothing to take back here
        pass


def _all(verdicts: list[Verdict]) -> Verdict:
    refused = [v for v in verdicts if not v.allowed]
    if refused:
        return Verdict(allowed=False, retry_after=max(v.retry_after for v in refused))
    return Verdict(allowed=True, retry_after=0)


def hit_all(checks: list[tuple[Limit, str]], *, now: float | None = None) -> Verdict:
    """Count one attempt against every (limit, key) pair; refused if any of them is exhausted."""
    return _all([hit(limit, key, now=now) for limit, key in checks if key])


def unhit_all(checks: list[tuple[Limit, str]], *, now: float | None = None) -> None:
    """`unhit` every (limit, key) pair."""
    for limit, key in checks:
        if key:
            unhit(limit, key, now=now)


def client_address(request) -> str:
    """The client's address as a rate-limit key.

    Behind the reverse proxy (deploy/nginx.conf) every request comes from the
    proxy's own address, so when the peer is one of PORTAL_TRUSTED_PROXIES the
    address the proxy puts in X-Real-IP is used instead (nginx overwrites any
    value the client sent). IPv6 clients are counted per /64 network, since one
    subscriber usually holds a whole /64.
    """
    peer = request.META.get("REMOTE_ADDR", "")
    trusted = getattr(settings, "PORTAL_TRUSTED_PROXIES", ("127.0.0.1", "::1"))
    address = peer
    if peer in trusted:
        address = request.META.get("HTTP_X_REAL_IP", "").strip() or peer
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return "unknown"
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return f"{ipaddress.ip_network(f'{ip}/64', strict=False).network_address}/64"
    return str(ip)

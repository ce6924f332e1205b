"""The rate limiter: counts per key in the cache, a sliding hour, the client's address behind the proxy."""

from __future__ import annotations

from django.test import RequestFactory

from rexian.core import ratelimit
from rexian.core.ratelimit import WINDOW_SECONDS, Limit, client_address, hit, hit_all, unhit, unhit_all

THREE = Limit("test", "PORTAL_TEST_LIMIT", 3)
HOUR_START = 1_800_000_000 - 1_800_000_000 % WINDOW_SECONDS


def test_attempts_within_the_allowance_pass_and_the_next_is_refused():
    verdicts = [hit(THREE, "k", now=HOUR_START + i).allowed for i in range(4)]
    assert verdicts == [True, True, True, False]


def test_keys_are_counted_apart():
    for _ in range(3):
        hit(THREE, "a", now=HOUR_START)
    assert hit(THREE, "b", now=HOUR_START).allowed


def test_the_allowance_is_read_from_settings(settings):
    settings.PORTAL_TEST_LIMIT = 1
    assert hit(THREE, "k", now=HOUR_START).allowed
    assert not hit(THREE, "k", now=HOUR_START).allowed


def test_a_burst_at_the_end_of_an_hour_still_counts_early_in_the_next():
    for _ in range(3):
        hit(THREE, "k", now=HOUR_START + WINDOW_SECONDS - 1)
    assert not hit(THREE, "k", now=HOUR_START + WINDOW_SECONDS + 60).allowed


def test_the_previous_hour_fades_as_the_new_one_goes_on():
    for _ in range(3):
        hit(THREE, "k", now=HOUR_START + WINDOW_SECONDS - 1)
    assert hit(THREE, "k", now=HOUR_START + 2 * WINDOW_SECONDS - 600).allowed


def test_refused_says_when_the_window_ends():
    for _ in range(3):
        hit(THREE, "k", now=HOUR_START)
    assert hit(THREE, "k", now=HOUR_START + 600).retry_after == WINDOW_SECONDS - 600


def test_hit_all_refuses_when_any_limit_is_spent_and_skips_empty_keys():
    for _ in range(3):
        hit(THREE, "spent", now=HOUR_START)
    assert not hit_all([(THREE, "fresh"), (THREE, "spent")], now=HOUR_START).allowed
    assert hit_all([(THREE, "")], now=HOUR_START).allowed


def test_unhit_takes_back_a_counted_attempt_and_never_goes_below_nothing():
    for n in range(10):  # ten successes, each counted then taken back
        assert hit(THREE, "k", now=HOUR_START + n).allowed
        unhit(THREE, "k", now=HOUR_START + n)
    for _ in range(3):
        assert hit(THREE, "k", now=HOUR_START + 20).allowed
    assert not hit(THREE, "k", now=HOUR_START + 21).allowed
    unhit(THREE, "fresh", now=HOUR_START)  # nothing counted: nothing to take back
    unhit_all([(THREE, "fresh"), (THREE, "")], now=HOUR_START)
    assert hit(THREE, "fresh", now=HOUR_START).allowed


def address(**meta) -> str:
    return client_address(RequestFactory().get("/", **meta))


def test_a_direct_client_is_known_by_its_peer_address():
    assert address(REMOTE_ADDR="198.51.100.7", HTTP_X_REAL_IP="203.0.113.1") == "198.51.100.7"


def test_behind_the_local_proxy_the_real_ip_header_names_the_client():
    assert address(REMOTE_ADDR="127.0.0.1", HTTP_X_REAL_IP="203.0.113.1") == "203.0.113.1"


def test_the_trusted_proxies_are_a_setting(settings):
    settings.PORTAL_TRUSTED_PROXIES = ["10.0.0.2"]
    assert address(REMOTE_ADDR="10.0.0.2", HTTP_X_REAL_IP="203.0.113.1") == "203.0.113.1"
    assert address(REMOTE_ADDR="127.0.0.1", HTTP_X_REAL_IP="203.0.113.1") == "127.0.0.1"


def test_ipv6_clients_are_counted_per_64_network():
    assert address(REMOTE_ADDR="2001:db8:1:2:aaaa::1") == address(REMOTE_ADDR="2001:db8:1:2:bbbb::2") == "2001:db8:1:2::/64"


def test_an_ipv4_mapped_address_is_the_ipv4_client():
    assert address(REMOTE_ADDR="::ffff:198.51.100.7") == "198.51.100.7"


def test_a_garbled_address_is_one_shared_key():
    assert address(REMOTE_ADDR="127.0.0.1", HTTP_X_REAL_IP="not-an-ip") == "unknown"


def test_the_module_names_its_settings():
    assert {lim.setting for lim in [ratelimit.SUBMIT_PER_IP, ratelimit.SUBMIT_PER_PHONE, ratelimit.TRACK_PER_IP,
                                    ratelimit.TRACK_PER_PHONE]} == {
        "PORTAL_SUBMITS_PER_IP_PER_HOUR", "PORTAL_SUBMITS_PER_PHONE_PER_HOUR", "PORTAL_TRACKS_PER_IP_PER_HOUR",
        "PORTAL_TRACKS_PER_PHONE_PER_HOUR",
    }

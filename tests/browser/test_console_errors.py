"""The pages log nothing in the browser's console: no htmx selector that matches nothing, no icon not found."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.browser.support import exclusive_db
from tests.telephony.conftest import apply, ev

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SCREEN_POP = "**/console/intake/screen-pop/**"


def test_the_intake_page_logs_no_errors_while_the_screen_pop_polls_a_quiet_phone(page, sign_in, shot, cast):
    sign_in(page, cast.operator)
    with page.expect_response(SCREEN_POP):  # the poll on load
        page.goto("/console/intake/")
    with page.expect_response(SCREEN_POP, timeout=10_000):  # and the first of the 3-second polls
        pass
    shot(page, "intake")
    assert page.locator("#screen-pop").inner_text() == ""  # nobody calls the operator's seat
    assert page.console_errors == []


def test_a_ringing_pop_is_shown_once_and_the_polls_then_say_it_is_unchanged(page, sign_in, shot, cast):
    with exclusive_db():
        cast.operator.agent_number = "1001"
        cast.operator.save()
        now = timezone.now()
        apply([ev("offered", now - dt.timedelta(seconds=20), "live", caller="13812348000", line="12345"),
               ev("ringing", now - dt.timedelta(seconds=3), "live", agent="1001")])
    sign_in(page, cast.operator)
    with page.expect_response(SCREEN_POP):
        page.goto("/console/intake/")
    with page.expect_response(SCREEN_POP, timeout=10_000) as poll:
        pass
    shot(page, "intake-ringing")
    assert "shown=" in poll.value.url and poll.value.status == 204  # the pop's key went with the poll
    assert "138****8000" in page.locator("#screen-pop").inner_text()
    assert page.console_errors == []


def test_every_page_has_an_icon_the_server_finds(page, sign_in, cast):
    sign_in(page, cast.supervisor)
    for path in ("/console/", "/console/bigscreen/", "/portal/"):
        page.goto(path)
        icon = page.locator('link[rel="icon"]').get_attribute("href")
        response = page.request.get(icon)
        assert (response.status, response.headers["content-type"]) == (200, "image/svg+xml"), path
    assert page.request.get("/favicon.ico").status == 200  # pages without the link (admin, error pages)
    assert page.console_errors == []

"""What the browser tests share: the live server's one-request-at-a-time rule and the page helpers.

On SQLite the suite's database lives in memory, and the live server's threads share the test's one
connection with it: two requests at once (the bell and the intake's panels poll while a form is sent)
would interleave their transactions on it. So the server handles one request at a time, under
`DB_LOCK`, and a test that touches the database while a page is open holds the lock too
(`with exclusive_db():`).
"""

from __future__ import annotations

import threading
from contextlib import contextmanager

DB_LOCK = threading.RLock()


@contextmanager
def exclusive_db():
    """Keep the live server's requests waiting while the test reads or writes the database."""
    with DB_LOCK:
        yield


class OneAtATime:
    """A WSGI app that serves its requests one after the other, response body and its close included."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        with DB_LOCK:
            response = self.app(environ, start_response)
            try:
                return [b"".join(response)]
            finally:
                if hasattr(response, "close"):
                    response.close()  # request_finished: Django's end-of-request work, still under the lock


# --- Page helpers --------------------------------------------------------------------------------------------------


def follow(link) -> None:
    """Click a link and wait until its page has loaded."""
    href = link.get_attribute("href")
    link.click()
    link.page.wait_for_url(f"**{href}")
    link.page.wait_for_load_state()


def go(page, menu_label: str) -> None:
    """Follow a link of the main menu (主菜单), as a user would."""
    follow(page.get_by_role("navigation", name="主菜单").get_by_role("link", name=menu_label, exact=True))


def row(page, number: str):
    """The table row that links to order `number`."""
    return page.get_by_role("row").filter(has=page.get_by_role("link", name=number, exact=True))


def expect_message(page, text: str) -> None:
    """Wait for the flash message that a form sent shows on the page it leads to (role=status, above the page)."""
    from playwright.sync_api import expect  # here: without Playwright the tests skip rather than fail to import

    expect(page.get_by_role("status").filter(has_text=text)).to_be_visible()
    page.wait_for_load_state()


def take_action(page, slug: str, button: str, fields: dict[str, str] | None = None) -> None:
    """On the order page: open the 办理 panel's form of action `slug`, fill it by labels, press its button.

    Wait for the page it leads to with `expect_message`.
    """
    panel = page.locator(f"#action-{slug}")
    if panel.get_attribute("open") is None:
        panel.locator("summary").click()
    for label, value in (fields or {}).items():
        control = panel.get_by_label(label)  # not exact: a required field's label ends in "*"
        if control.evaluate("element => element.tagName") == "SELECT":
            control.select_option(label=value)
        else:
            control.fill(value)
    panel.get_by_role("button", name=button, exact=True).click()


def state_of(page) -> str:
    """The order page's state badge (已办结 …)."""
    return page.locator(".page-head .state").first.inner_text().strip()


def timeline(page) -> str:
    """The order page's history (流转记录)."""
    return page.get_by_role("region", name="流转记录").inner_text()

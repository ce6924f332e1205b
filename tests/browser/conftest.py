"""Browser tests: the console in Debian's Chromium, driven by Playwright against pytest-django's live server.

    page                 a fresh tab (1366x768, zh-CN) whose relative URLs go to the live server; its
                         `console_errors` lists what it logged as errors in the browser console
    sign_in(page, user)  signs `user` in through the real login form (any earlier session is dropped)
    shot(page, name)     a full-page PNG in test-artifacts/screenshots/<test>/<NN>-<name>.png

Call `shot` after every navigation: the screenshots are how a person reviews the pages. The live
server answers one request at a time (see support.py): a test that uses the database while a page is
open does it inside `with exclusive_db():`. `make test`
installs Chromium and CJK fonts with apt-get when it runs as root; elsewhere the tests skip without
Chromium, except with REXIAN_REQUIRE_BROWSER=1 (CI), where a missing browser is a failure.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
from pathlib import Path

import pytest

from tests.browser.support import DB_LOCK, OneAtATime, exclusive_db

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
VIEWPORT = {"width": 1366, "height": 768}
PASSWORD = "browser-test-password-9"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
TIMEOUT_MS = 30_000  # generous: two cores shared with the whole suite; the first knowledge search loads its dictionary
# htmx marks an element with .htmx-request while its request is in flight (the bell, the intake's live panels).
HTMX_IDLE = "() => !document.querySelector('.htmx-request')"


def _missing() -> str:
    if not Path(CHROMIUM).exists():
        return f"{CHROMIUM} is missing (make test installs it as root: apt-get install chromium fonts-noto-cjk)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (make install-test)"
    return ""


@pytest.fixture(scope="module")
def browser():
    """One Chromium per test module.

    Playwright's sync API keeps an asyncio loop running in this thread while it is started. Django
    then takes the thread for an async context: its safety check would refuse the ORM (lifted while
    the browser lives), and `connections` would hand out new connection objects, without the test
    database's serialized contents or the live server's shared in-memory SQLite: the ones pytest-django
    set up are put back. The module scope keeps the loop away from the other tests.
    """
    reason = _missing()
    if reason:
        if os.environ.get("REXIAN_REQUIRE_BROWSER") == "1":
            pytest.fail(f"The browser tests are required (REXIAN_REQUIRE_BROWSER=1): {reason}", pytrace=False)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    before = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from django.db import connections

    ours = {alias: connections[alias] for alias in connections}
    playwright = sync_playwright().start()
    for alias, connection in ours.items():
        connections[alias] = connection
    try:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
    finally:
        playwright.stop()
        if before is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = before


@pytest.fixture(scope="session")
def live_server():
    """pytest-django's live server (static files included), serving one request at a time (support.py)."""
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from pytest_django.live_server_helper import LiveServer

    server = LiveServer("localhost", start=False)
    server.thread.static_handler = lambda app: OneAtATime(StaticFilesHandler(app))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def page(browser, live_server):
    """A tab on the live server; a script error or a 5xx fails the test."""
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN", base_url=live_server.url)
    from playwright.sync_api import expect

    context.set_default_timeout(TIMEOUT_MS)
    expect.set_options(timeout=TIMEOUT_MS)
    tab = context.new_page()
    problems: list[str] = []
    tab.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    tab.on(
        "response",
        lambda response: response.status >= 500 and problems.append(f"{response.status} from {response.url}"),
    )
    tab.dialogs = []  # the confirm() texts of destructive actions, accepted as a user would
    # What the page logs as errors in the browser's console (htmx's bad selectors, resources not found): a test
    # that expects none asserts `tab.console_errors == []`; 4xx answers a test provokes on purpose log here too.
    tab.console_errors = []
    tab.on("console", lambda message: message.type == "error" and tab.console_errors.append(message.text))
    tab.on("dialog", lambda dialog: (tab.dialogs.append(dialog.message), dialog.accept()))
    yield tab
    tab.goto("about:blank")  # stops the page's polling before the database is emptied
    context.close()
    with DB_LOCK:  # and lets a request still being served finish first
        pass
    assert not problems, "\n".join(problems)


def settle(page) -> None:
    """Wait until the page has loaded and htmx has nothing in flight."""
    page.wait_for_load_state("load")
    page.wait_for_function(HTMX_IDLE)


@pytest.fixture
def shot(request):
    """shot(page, name): save the page as test-artifacts/screenshots/<test>/<NN>-<name>.png."""
    folder = ARTIFACTS / re.sub(r"[^\w\[\]-]+", "_", request.node.name)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    count = 0

    def take(page, name: str) -> Path:
        nonlocal count
        count += 1
        settle(page)
        path = folder / f"{count:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@functools.cache
def _password_hash() -> str:
    """PASSWORD hashed once: Argon2 is slow on purpose, and signing in checks it again every time."""
    from django.contrib.auth.hashers import make_password

    return make_password(PASSWORD)


@pytest.fixture
def sign_in(shot):
    """sign_in(page, user): sign in through the login form (用户名 / 密码); both pages are screenshot."""

    def sign(page, user) -> None:
        with exclusive_db():
            user.password = _password_hash()
            user.save(update_fields=["password"])
        page.goto("about:blank")  # first stop the open page's polling, whose answers could set the cookie again
        page.context.clear_cookies()
        page.goto("/console/login/")
        shot(page, f"login-{user.username}")
        page.get_by_label("用户名").fill(user.username)
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(re.compile(r"/console/(\?.*)?$"))
        shot(page, f"home-{user.username}")

    return sign

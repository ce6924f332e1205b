"""The header (menu, bell, user, language, sign-out) fits a 1366 px window for every role in both languages."""

from __future__ import annotations

import pytest

from tests.browser.conftest import VIEWPORT
from tests.browser.support import exclusive_db

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

ROLES = ["operator", "dispatcher", "supervisor", "inspector", "leader", "admin", "housing_handler", "housing_admin"]
# The header's tools a user must be able to reach beside the menu: the bell, who is signed in, the language menu
# and 退出.
TOOLS = [".bell", ".whoami", "#id_language_switch", ".topbar .link-button"]
# The boxes of the menu's links and of the tools: how far right they reach, and whether any two overlap.
BOXES = """(selectors) => {
  const boxes = [...document.querySelectorAll('.menu a'), ...selectors.map((s) => document.querySelector(s))]
    .map((el) => el.getBoundingClientRect());
  const overlaps = [];
  boxes.forEach((a, i) => boxes.slice(i + 1).forEach((b, j) => {
    if (a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1 && b.top < a.bottom - 1) {
      overlaps.push([i, i + 1 + j]);
    }
  }));
  return {
    width: document.documentElement.scrollWidth,
    right: Math.max(...boxes.map((box) => box.right)),
    overlaps,
  };
}"""


def _speaks(user, language: str):
    with exclusive_db():
        type(user).objects.filter(pk=user.pk).update(language=language)


def _check(page, shot, name: str) -> None:
    shot(page, name)
    found = page.evaluate(BOXES, TOOLS)
    assert found["width"] <= VIEWPORT["width"], name
    assert found["right"] <= VIEWPORT["width"], name
    assert found["overlaps"] == [], name
    for selector in [".menu li:last-child a", *TOOLS]:
        assert page.locator(selector).is_visible(), (name, selector)


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("role", ROLES)
def test_the_header_fits_a_1366_px_window(page, sign_in, shot, cast, role, language):
    user = getattr(cast, role)
    _speaks(user, language)
    sign_in(page, user)
    assert page.locator("html").get_attribute("lang") == ("en" if language == "en" else "zh-Hans")
    _check(page, shot, "home")
    if role in ("supervisor", "leader", "inspector", "admin"):
        page.goto("/console/dashboard/")
        _check(page, shot, "dashboard")

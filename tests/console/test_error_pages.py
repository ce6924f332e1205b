"""Error pages (rexian/templates/400–500.html, rexian/core/views.py) in the console user's language.

The console activates the language a user chose (UserLanguageMiddleware) before the view runs, so a 403 or 404
raised by the view is rendered in it: the page's own words, and the reason the code gave (「找不到该工单。」).
"""

from __future__ import annotations

import re

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.utils import translation

pytestmark = pytest.mark.django_db
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


@pytest.fixture(autouse=True)
def _back_to_the_default_language():
    # A request for an English-speaking user activates English in this thread; later tests expect the default.
    yield
    translation.deactivate()


def _speaks(user, language: str):
    type(user).objects.filter(pk=user.pk).update(language=language)
    return user


def _text(page: str) -> str:
    """The words of the page's <main>."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", re.search(r"<main>(.*)</main>", page, re.S).group(1))).strip()


# --- The reasons the code gives: already in the catalogue ------------------------------------------------------


def test_an_english_user_is_told_which_order_was_not_found(signed_in, cast):
    response = signed_in(_speaks(cast.dispatcher, "en")).get(reverse("console:order", args=["NOPE"]))
    assert response.status_code == 404
    assert "Order not found." in _text(response.content.decode())


def test_an_english_user_is_told_why_a_page_is_not_theirs(signed_in, cast):
    response = signed_in(_speaks(cast.housing_handler, "en")).get(reverse("console:dispatch"))
    assert response.status_code == 403
    assert "Your role may not view this page." in _text(response.content.decode())


def test_a_lookups_developer_report_is_never_shown(signed_in, cast):
    # get_object_or_404 says "No Supervision matches the given query.", untranslated, in both languages.
    for language in ("en", "zh-hans"):
        response = signed_in(_speaks(cast.supervisor, language)).get(reverse("console:supervision", args=[999]))
        assert response.status_code == 404
        assert "matches the given query" not in response.content.decode()


# --- The pages' own words --------------------------------------------------------------------------------------


def test_an_english_user_gets_an_english_404(signed_in, cast):
    client = signed_in(_speaks(cast.dispatcher, "en"))
    for url, reason in (
        (reverse("console:order", args=["NOPE"]), "Order not found."),
        ("/console/supervision/abc/", "The page you asked for does not exist or has been removed."),
        (reverse("console:supervision", args=[999]), "The page you asked for does not exist or has been removed."),
    ):
        response = client.get(url)
        page = response.content.decode()
        assert response.status_code == 404, url
        assert '<html lang="en">' in page, url
        assert _text(page) == f"404 · Page not found {reason} Back to the home page", url
        assert "<title>Page not found | Rexian Hotline</title>" in page, url
        assert not CJK.search(page), url


def test_an_english_user_gets_an_english_403(signed_in, cast):
    page = signed_in(_speaks(cast.housing_handler, "en")).get(reverse("console:dispatch")).content.decode()
    assert _text(page) == "403 · Access denied Your role may not view this page. Back to the home page"
    assert not CJK.search(page)


def test_a_chinese_user_keeps_the_chinese_pages(signed_in, cast):
    client = signed_in(cast.dispatcher)
    page = client.get(reverse("console:order", args=["NOPE"])).content.decode()
    assert '<html lang="zh-Hans">' in page
    assert _text(page) == "404 · 页面不存在 找不到该工单。 返回首页"
    assert _text(client.get("/console/supervision/abc/").content.decode()) == (
        "404 · 页面不存在 您访问的页面不存在或已被移除。 返回首页"
    )
    page = signed_in(cast.housing_handler).get(reverse("console:dispatch")).content.decode()
    assert _text(page) == "403 · 无权访问 您的角色无权查看该页面。 返回首页"


def test_an_english_browser_gets_an_english_page_for_an_expired_form(db):
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    response = client.post(reverse("console:login"), {"username": "x", "password": "y"})
    assert response.status_code == 403
    assert _text(response.content.decode()) == (
        "403 · Access denied The page has expired or its origin could not be verified; "
        "reload the page and send it again. Back to the home page"
    )


@pytest.mark.parametrize(
    ("template", "words"),
    [
        ("400.html", "400 · Bad request What was sent could not be processed; check it and try again."),
        ("500.html", "500 · Server busy The server cannot handle your request just now; try again later. "
                     "If the problem persists, call the 12345 hotline."),
    ],
)
def test_the_other_error_pages_are_translated_too(template, words):
    with translation.override("en"):
        page = render_to_string(template)
    assert _text(page) == f"{words} Back to the home page"
    assert not CJK.search(page)

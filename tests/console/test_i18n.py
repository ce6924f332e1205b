"""The English translation (issue 3): complete, compiled, and shown to users who chose English.

The catalogue is read two ways: the .po with a small parser of its own (no msgfmt or polib needed)
and the compiled .mo with the standard library's gettext, so a .po edited but not recompiled fails too.
"""

from __future__ import annotations

import ast
import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from rexian.orders.transitions import State

LC_MESSAGES = Path(settings.BASE_DIR) / "rexian" / "locale" / "en" / "LC_MESSAGES"
PO = LC_MESSAGES / "django.po"
MO = LC_MESSAGES / "django.mo"

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[-#0 +]*\d*(?:\.\d+)?[sdifgGeEx]|\{[a-z_]*\}")


def _parse_po(path: Path) -> list[dict]:
    """The live entries of a .po file (blocks separated by blank lines, as gettext's tools write them).

    Each entry: flags (a set), msgid, and msgctxt / msgid_plural where present, msgstr (a list, one per form).
    """
    entries = []
    for block in re.split(r"\n\s*\n", path.read_text(encoding="utf-8")):
        entry: dict = {"flags": set(), "msgstr": {}}
        field = None
        for line in block.splitlines():
            line = line.strip()
            if line.startswith("#,"):
                entry["flags"].update(flag.strip() for flag in line[2:].split(","))
            elif not line or line.startswith("#"):  # comments, and obsolete (#~) entries
                continue
            elif line.startswith('"'):
                if field[0] == "msgstr":
                    entry["msgstr"][field[1]] += ast.literal_eval(line)
                else:
                    entry[field[0]] += ast.literal_eval(line)
            else:
                keyword, _, rest = line.partition(" ")
                if keyword.startswith("msgstr"):
                    field = ("msgstr", int(keyword[7:-1]) if "[" in keyword else 0)
                    entry["msgstr"][field[1]] = ast.literal_eval(rest)
                else:
                    field = (keyword,)
                    entry[keyword] = ast.literal_eval(rest)
        if "msgid" in entry:
            entry["msgstr"] = [entry["msgstr"][i] for i in sorted(entry["msgstr"])]
            entries.append(entry)
    return entries


@pytest.fixture(scope="module")
def po_entries():
    entries = _parse_po(PO)
    header = [e for e in entries if e["msgid"] == ""]
    assert len(header) == 1, "the .po has exactly one header"
    assert "Plural-Forms: nplurals=2; plural=(n != 1);" in header[0]["msgstr"][0]
    assert "fuzzy" not in header[0]["flags"]
    return [e for e in entries if e["msgid"] != ""]


@pytest.fixture(autouse=True)
def _back_to_the_default_language():
    # A request for an English-speaking user activates English in this thread; later tests expect the default.
    yield
    translation.deactivate()


def test_po_has_no_untranslated_or_fuzzy_entries(po_entries):
    assert len(po_entries) > 500  # the parser found the catalogue, not a fragment of it
    fuzzy = [e["msgid"] for e in po_entries if "fuzzy" in e["flags"]]
    assert fuzzy == []
    untranslated = [e["msgid"] for e in po_entries if not all(e["msgstr"])]
    assert untranslated == []
    wrong_forms = [e["msgid"] for e in po_entries if len(e["msgstr"]) != (2 if "msgid_plural" in e else 1)]
    assert wrong_forms == []


def test_translations_keep_the_placeholders_and_leave_no_chinese(po_entries):
    for entry in po_entries:
        for text in entry["msgstr"]:
            assert set(PLACEHOLDER.findall(text)) == set(PLACEHOLDER.findall(entry["msgid"])), entry["msgid"]
    # Only the pinyin example of the category search keeps its Chinese word on purpose.
    leftovers = [
        text for e in po_entries for text in e["msgstr"] if CJK.search(text) and "wy" not in text and "是/否" not in text
    ]
    assert leftovers == []


def test_compiled_catalogue_matches_the_po(po_entries):
    with MO.open("rb") as handle:
        catalogue = gettext.GNUTranslations(handle)._catalog
    expected = {}
    for entry in po_entries:
        key = f"{entry['msgctxt']}\x04{entry['msgid']}" if "msgctxt" in entry else entry["msgid"]
        if "msgid_plural" in entry:
            for index, text in enumerate(entry["msgstr"]):
                expected[(key, index)] = text
        else:
            expected[key] = text = entry["msgstr"][0]
    compiled = {key: value for key, value in catalogue.items() if key != ""}
    assert len(compiled) == len(expected), "django.mo is stale: run `manage.py compilemessages -l en`"
    assert compiled == expected


def _nav(page: str) -> str:
    match = re.search(r'<nav class="menu".*?</nav>', page, re.S)
    assert match, "the page has the main menu"
    return re.sub(r"<[^>]+>", " ", match.group(0))


def _speaks(user, language: str):
    type(user).objects.filter(pk=user.pk).update(language=language)
    return user


@pytest.mark.django_db
def test_an_english_user_gets_an_english_console(signed_in, cast):
    client = signed_in(_speaks(cast.supervisor, "en"))
    response = client.get(reverse("console:home"))
    page = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="en">' in page
    assert "Sign out" in page and "退出" not in page
    menu = _nav(page)
    for label in ("Home", "Intake", "Callback", "Dispatch", "Review", "Duty board", "Search"):
        assert label in menu
    assert not CJK.search(menu), menu
    assert "Duty supervisor" in page  # the role, a model choice


@pytest.mark.django_db
def test_an_english_user_gets_an_english_order_page(signed_in, cast, make_order):
    order = make_order(State.PENDING_DISPATCH)
    client = signed_in(_speaks(cast.dispatcher, "en"))
    page = client.get(reverse("console:order", args=[order.number])).content.decode()
    assert "Dispatch" in page and "Awaiting dispatch" in page and "History" in page and "Lead unit" in page
    for chinese in ("派单", "待派单", "流转记录", "主办单位", "退出", "工单编号"):
        assert chinese not in page
    assert not CJK.search(_nav(page))


@pytest.mark.django_db
def test_a_user_without_a_language_gets_chinese(signed_in, cast, make_order):
    order = make_order(State.PENDING_DISPATCH)
    client = signed_in(_speaks(cast.dispatcher, ""))
    page = client.get(reverse("console:home")).content.decode()
    assert '<html lang="zh-Hans">' in page
    assert "退出" in page and "Sign out" not in page
    assert "首页" in _nav(page) and "Home" not in _nav(page)
    detail = client.get(reverse("console:order", args=[order.number])).content.decode()
    assert "流转记录" in detail and "History" not in detail


@pytest.mark.django_db
def test_the_two_overdue_figures_read_differently_in_english(signed_in, cast):
    """当前超期在办 (open orders past a deadline now) and 本期超期件数 (replies late in a period) are two figures."""
    client = signed_in(_speaks(cast.leader, "en"))
    assert "Open orders overdue now" in client.get(reverse("console:home")).content.decode()
    headline = client.get(reverse("console:dashboard-data"), {"chart": "headline"}).json()["chart"]
    label = dict(zip(headline["keys"], (row[0] for row in headline["rows"]), strict=True))["reply_overdue"]
    assert label == "Replies overdue in period"


FULL_WIDTH_PUNCTUATION = re.compile(r"[（）「」：；，。]")


@pytest.mark.django_db
def test_the_english_shortcut_hint_uses_ascii_punctuation(signed_in, cast):
    page = signed_in(_speaks(cast.operator, "en")).get(reverse("console:intake")).content.decode()
    hint = re.search(r'<p class="shortcuts muted" id="intake-shortcuts">.*?</p>', page, re.S).group(0)
    assert "Category search (<kbd>↓</kbd> go to results)" in hint
    assert not FULL_WIDTH_PUNCTUATION.search(hint), hint


@pytest.mark.django_db
def test_the_chinese_shortcut_hint_keeps_its_full_width_brackets(signed_in, cast):
    page = signed_in(cast.operator).get(reverse("console:intake")).content.decode()
    assert "分类检索（<kbd>↓</kbd> 进入结果）" in page

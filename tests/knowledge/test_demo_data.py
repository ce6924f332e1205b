"""The demo city's knowledge base: well-formed, believable, and able to answer the demo's own consultations."""

from __future__ import annotations

import datetime as dt
import re
import string

import pytest
from django.utils import timezone

from rexian.demo import data as D
from rexian.knowledge import search, selectors
from rexian.knowledge.demo_data import ARTICLES, SECTIONS, demo_knowledge_load
from rexian.knowledge.models import Article, ReviewReminder, Section
from rexian.units.models import Unit

DEMO_UNIT_KEYS = {key for key, _, _ in D.BUREAUS} | {key for key, _, _ in D.UTILITIES} | {D.CENTRE_KEY}


@pytest.fixture
def city(db):
    """The demo city's bureaus, utilities and centre, with the codes `rexian demo` gives them."""
    city = Unit.objects.create(code=D.CITY_CODE, name=D.CITY_NAME, kind=Unit.Kind.CITY)
    Unit.objects.create(code=f"{D.CITY_CODE}-{D.CENTRE_KEY}", name=D.CENTRE_NAME, kind=Unit.Kind.CENTRE, parent=city)
    for key, name, _short in [*D.BUREAUS, *D.UTILITIES]:
        Unit.objects.create(code=f"{D.CITY_CODE}-{key}", name=name, kind=Unit.Kind.BUREAU, parent=city)
    return city


@pytest.fixture
def loaded(city):
    return demo_knowledge_load()


def test_every_demo_article_is_well_formed():
    sections = {code for code, *_ in SECTIONS}
    codes = [entry.code for entry in ARTICLES]
    assert len(codes) == len(set(codes))
    for entry in ARTICLES:
        assert entry.section in sections, entry.code
        assert entry.owner in DEMO_UNIT_KEYS, entry.code
        assert entry.kind in ("qa", "article")
        assert entry.kind == "article" or entry.question, entry.code
        assert len(entry.body) >= 60 and entry.keywords, entry.code
        assert entry.valid_until is None or entry.valid_until >= entry.valid_from, entry.code
        assert not re.search(r"20[2-9]\d年", entry.body + entry.title), f"{entry.code}: the demo names no current year"
        # A 短信口径 fits one long text with the signature, and carries none of its own (sms_answer adds it).
        assert len(entry.sms_text) <= 150 and "【" not in entry.sms_text, entry.code
    assert sum(bool(entry.sms_text) for entry in ARTICLES if entry.status == "published") >= 12


def test_the_demo_has_a_section_for_each_integrated_line_and_a_general_one():
    lines = {line for _, _, line, _, _ in SECTIONS}
    assert {None, "12333", "12366", "12348", "12319"} <= lines


def test_the_demo_covers_what_the_hotline_is_asked(loaded):
    assert loaded >= 60
    topics = {
        "养老保险": "JA-RSJ", "社保卡补办": "JA-RSJ", "公积金提取": "JA-GJJ", "新生儿落户": "JA-GAJ",
        "物业费": "JA-ZJJ", "个税汇算": "JA-SWJ", "法律援助": "JA-12345", "异地就医": "JA-YBJ",
        "小学入学报名": "JA-JYJ", "老年卡": "JA-GJ", "停水": "JA-GS", "停电": "JA-GD", "燃气泄漏": "JA-RQ",
        "低保": "JA-MZJ", "电梯困人": "JA-SCJGJ", "噪声扰民": "JA-STHJ",
    }
    for query, owner in topics.items():
        hits = selectors.article_search(query=query)
        assert hits, query
        assert Article.objects.get(pk=hits[0].id).owner_unit.code == owner, (query, hits[0].title)


def test_loading_indexes_everything_and_hides_what_lapsed(loaded):
    assert Section.objects.count() == len(SECTIONS)
    ids = list(Article.objects.values_list("pk", flat=True))
    assert search.indexed_ids(ids) == set(ids)
    lapsed = Article.objects.get(code="HB-002")
    assert lapsed.valid_until < timezone.localdate()
    assert lapsed.id not in {h.id for h in selectors.article_search(query="餐饮油烟", limit=20)}
    assert Article.objects.filter(status="draft").count() == 2
    assert Article.objects.filter(status="archived").count() == 1


def test_loading_writes_the_sms_texts(loaded):
    written = dict(Article.objects.exclude(sms_text="").values_list("code", "sms_text"))
    assert written == {entry.code: entry.sms_text for entry in ARTICLES if entry.sms_text}
    assert "12333" in written["RS-003"]


def test_loading_leaves_reminders_for_the_owners(loaded):
    reasons = set(ReviewReminder.objects.values_list("reason", flat=True))
    assert reasons == {"review_due", "expiring"}
    assert ReviewReminder.objects.filter(unit__code="JA-GJJ").exists()


def test_the_dates_follow_the_day_of_loading(city):
    later = timezone.now() + dt.timedelta(days=3650)
    demo_knowledge_load(now=later)
    article = Article.objects.get(code="SW-003")
    assert article.valid_until == timezone.localdate(later) + dt.timedelta(days=20)


def _consultations():
    """The demo's consultation orders (title, text with its placeholders filled plainly, lead unit)."""
    filler = {name: "某某" for name in ("town", "comm", "xq", "road", "school", "hosp", "shop", "co", "bus", "plate")}
    filler.update(n="3", lou="5", days="一周", month="两", amt="1200", fee="100")
    for leaf in D.LEAVES:
        for kind, title, detail in leaf.templates:
            if kind == "consult":
                fields = {name for _, name, _, _ in string.Formatter().parse(title + detail) if name}
                values = {name: filler.get(name, "某") for name in fields}
                yield title.format(**values), detail.format(**values), f"{D.CITY_CODE}-{leaf.lead}"


def test_the_demos_consultations_get_an_answer_from_the_right_unit(loaded):
    answered = total = 0
    for title, description, lead in _consultations():
        hits = selectors.articles_suggested_for(title=title, description=description, limit=3)
        owners = set(Article.objects.filter(pk__in=[h.id for h in hits]).values_list("owner_unit__code", flat=True))
        total += 1
        answered += lead in owners
    assert total >= 40
    assert answered / total >= 0.8, f"{answered} of {total} consultations find an article of their lead unit"

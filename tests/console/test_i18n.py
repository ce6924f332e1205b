"""The English translation (issue 3): complete, compiled, and shown to users who chose English.

The catalogue is read two ways: the .po with a small parser of its own (no msgfmt or polib needed)
and the compiled .mo with the standard library's gettext, so a .po edited but not recompiled fails too.
"""

from __future__ import annotations

import ast
import gettext
import io
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from rexian.catalog.models import AppealType, Channel
from rexian.orders import services
from rexian.orders.transitions import State
from rexian.reports import services as reports
from rexian.reports.models import Report
from tests import factories as f
from tests.analytics.conftest import at
from tests.api.conftest import client_for

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
    # The history names the step (Register), not the state it led to (Registered).
    assert "<strong>Register</strong>" in page


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


# --- Master data in the reader's language (英文名称) -------------------------------------------------------


def _options(page: str, name: str) -> list[str]:
    """The labels of the options of the <select> named `name` (or `<prefix>-name`), in order."""
    select = re.search(rf'<select name="(?:[\w-]+-)?{name}"[^>]*>(.*?)</select>', page, re.S)
    assert select, f"the page has a select for {name}"
    options = re.findall(r"<option.*?</option>", select.group(1), re.S)
    return [re.sub(r"<[^>]+>", "", option).strip() for option in options]


def _detail(page: str, term: str) -> str:
    """The text of the order page's <dd> after the <dt> `term`."""
    return re.search(rf"<dt>{term}</dt><dd>(.*?)</dd>", page, re.S).group(1)


@pytest.mark.django_db
def test_an_english_operator_chooses_channels_types_and_urgencies_by_their_english_names(signed_in, cast):
    page = signed_in(_speaks(cast.operator, "en")).get(reverse("console:intake")).content.decode()
    assert _options(page, "channel")[0] == "Phone" and "Letter" in _options(page, "channel")
    assert "Citizen portal" not in _options(page, "channel")  # the portal's own channel, never an operator's
    assert _options(page, "appeal_type")[1:] == [
        "Enquiry", "Request for help", "Complaint", "Whistle-blowing", "Suggestion", "Praise",
    ]
    assert _options(page, "urgency") == ["Normal", "Urgent", "Very urgent"]
    for name in ("channel", "appeal_type", "urgency"):
        assert not CJK.search(" ".join(_options(page, name))), name


@pytest.mark.django_db
def test_a_chinese_operator_chooses_them_by_their_chinese_names(signed_in, cast):
    page = signed_in(cast.operator).get(reverse("console:intake")).content.decode()
    assert "电话" in _options(page, "channel") and "Phone" not in _options(page, "channel")
    assert "投诉" in _options(page, "appeal_type")
    assert _options(page, "urgency") == ["一般", "紧急", "特急"]


@pytest.mark.django_db
def test_an_english_user_reads_an_orders_channel_type_and_urgency_in_english(signed_in, cast, make_order):
    order = make_order(State.PENDING_DISPATCH, urgency=f.urgency("urgent"))
    client = signed_in(_speaks(cast.dispatcher, "en"))
    page = client.get(reverse("console:order", args=[order.number])).content.decode()
    assert _detail(page, "Intake channel") == "Phone"
    assert _detail(page, "Appeal type") == "Complaint"
    assert _detail(page, "Urgency") == "Urgent"
    assert '<span class="tag tag--urgent">Urgent</span>' in page
    queue = client.get(reverse("console:dispatch")).content.decode()
    assert "<td>Phone</td>" in queue and "<td>Complaint</td>" in queue
    assert "Complaint" in _options(queue, "appeal_type") and "Very urgent" in _options(queue, "urgency")


@pytest.mark.django_db
def test_a_chinese_user_reads_them_in_chinese(signed_in, cast, make_order):
    order = make_order(State.PENDING_DISPATCH)
    page = signed_in(cast.dispatcher).get(reverse("console:order", args=[order.number])).content.decode()
    assert _detail(page, "受理渠道") == "电话"
    assert _detail(page, "诉求类型") == "投诉"
    assert _detail(page, "紧急程度") == "一般"


@pytest.mark.django_db
def test_the_amend_form_the_review_queue_and_the_search_filters_use_the_english_names(signed_in, cast, make_order):
    order = make_order(channel=f.channel("portal"), category=None)
    client = signed_in(_speaks(cast.operator, "en"))
    page = client.get(reverse("console:order", args=[order.number])).content.decode()
    assert 'id="action-amend"' in page  # 补充登记
    assert _options(page, "urgency") == ["Normal", "Urgent", "Very urgent"]
    assert _detail(page, "Intake channel") == "Citizen portal"
    review = client.get(reverse("console:review")).content.decode()
    assert "?channel=portal\">Citizen portal <span" in review and "<td>Citizen portal</td>" in review
    search = client.get(reverse("console:search")).content.decode()
    assert "Whistle-blowing" in _options(search, "appeal_type")


@pytest.mark.django_db
def test_a_name_without_an_english_one_is_shown_in_chinese_to_an_english_user(signed_in, cast, make_order):
    Channel.objects.filter(code="phone").update(name_en="")
    AppealType.objects.filter(code="complaint").update(name_en="")
    order = make_order(State.PENDING_DISPATCH)
    client = signed_in(_speaks(cast.dispatcher, "en"))
    page = client.get(reverse("console:order", args=[order.number])).content.decode()
    assert _detail(page, "Intake channel") == "电话"
    assert _detail(page, "Appeal type") == "投诉"
    intake = signed_in(_speaks(cast.operator, "en")).get(reverse("console:intake")).content.decode()
    assert "电话" in _options(intake, "channel") and "Website" in _options(intake, "channel")


@pytest.mark.django_db
def test_exports_and_the_api_keep_the_chinese_names_for_an_english_user(signed_in, cast, make_order):
    order = make_order(State.PENDING_DISPATCH)
    response = signed_in(_speaks(cast.dispatcher, "en")).get(reverse("console:search-export"))
    header, row = load_workbook(io.BytesIO(response.content), read_only=True).active.iter_rows(values_only=True)
    assert (row[2], row[3], row[5]) == ("电话", "投诉", "一般")  # 受理渠道, 诉求类型, 紧急程度
    api = client_for(cast.dispatcher, HTTP_ACCEPT_LANGUAGE="en")
    detail = api.get(f"/api/v1/orders/{order.number}/").json()
    assert (detail["channel"], detail["urgency"]) == ({"code": "phone", "name": "电话"}, {"code": "normal", "name": "一般"})
    assert {"code": "phone", "name": "电话"} in api.get("/api/v1/channels/").json()


# --- The report centre (报告中心) in English: chrome translated, the reports' own words left Chinese ---------


def _chrome(page: str) -> str:
    """The page less what is the report's own: scripts, the report paper itself, and the options naming
    categories and areas (the form's choices of what to report on)."""
    page = re.sub(r"<script.*?</script>", "", page, flags=re.S)
    page = re.sub(r'<article class="report-paper">.*?</article>', "", page, flags=re.S)
    return re.sub(r'<select name="(category|area)".*?</select>', "", page, flags=re.S)


@pytest.mark.django_db
def test_the_report_pages_in_english_have_no_chinese_outside_their_data(signed_in, cast):
    now = at(2025, 11, 20, 9)

    def special(by=None):
        return reports.report_generate(
            Report.Kind.SPECIAL, start="2025-11-01", end="2025-11-19", category="01", now=now, by=by
        )

    published = reports.report_publish(special(), now=now)
    again = special(cast.supervisor)  # the same period again: only as a correction (更正)
    draft = reports.report_generate(Report.Kind.SPECIAL, start="2025-11-01", end="2025-11-18", keyword="电梯", now=now)
    building, failed = (
        Report.objects.create(kind=Report.Kind.DAILY, title="日报", period_start=now.date(), period_end=now.date(),
                              status=status, created_at=now, error="数据库连接中断")
        for status in (Report.Status.BUILDING, Report.Status.FAILED)
    )

    def report(r: Report) -> str:
        return reverse("console:report", args=[r.pk])

    client = signed_in(_speaks(cast.supervisor, "en"))
    pages = {
        "list": client.get(reverse("console:reports")),
        "list of a kind": client.get(reverse("console:reports"), {"kind": "special"}),
        "reading list": client.get(reverse("console:report-inbox")),
        "the form": client.get(reverse("console:report-new")),
        "a 快报 without its hot issue": client.get(reverse("console:report-new"), {"kind": "quick", "issue": "999"}),
        "a 专报 without a subject": client.post(reverse("console:report-new"),
                                               {"kind": "special", "start": "2025-11-01", "end": "2025-11-19"}),
        "an unknown kind": client.post(reverse("console:report-new"), {"kind": "weekly"}),
        "a draft": client.get(report(draft)),
        "a published report": client.get(report(published)),
        "a draft of a published period": client.get(report(again)),
        "published again without a correction": client.post(report(again), {"action": "publish"}),
        "an unknown action": client.post(report(draft), {"action": "shred"}),
        "being built": client.get(report(building)),
        "failed": client.get(report(failed)),
        "an unfinished download": client.get(reverse("console:report-download", args=[building.pk, "pdf"])),
        "generated": client.post(reverse("console:report-new"), {"kind": "special", "start": "2025-11-01",
                                                                 "end": "2025-11-19", "keyword": "路灯"}, follow=True),
        "published": client.post(report(draft), {"action": "publish"}, follow=True),
        # Last: the client is the leader's from here on.
        "the leader's reading list": signed_in(_speaks(cast.leader, "en")).get(reverse("console:report-inbox")),
    }
    # The data on the pages: the reports' titles and failure, the users and units in the header, and the
    # language menu, which names each language in itself.
    data = [*Report.objects.values_list("title", flat=True), "数据库连接中断", "简体中文"]
    data += [name for user in (cast.supervisor, cast.leader) for name in (user.display_name, user.unit.name)]
    for name, response in pages.items():
        assert response.status_code in (200, 400, 409), name
        text = _chrome(response.content.decode())
        for words in sorted(data, key=len, reverse=True):
            text = text.replace(words, "")
        assert CJK.findall(text) == [], name
        assert FULL_WIDTH_PUNCTUATION.findall(text) == [], name
    draft_page = pages["a draft"].content.decode()
    assert '<label for="id_title">Title</label>' in draft_page and "Editable paragraph" in draft_page
    assert "Special report" in pages["list"].content.decode() and "Draft" in pages["list"].content.decode()


@pytest.mark.django_db
def test_the_english_order_page_punctuates_in_english_around_the_data(signed_in, cast, make_order):
    order = make_order(State.DISPATCHED)
    services.return_request(actor=cast.housing_handler, order=order, reason="不归本局管理")
    order.refresh_from_db()
    services.return_approve(actor=cast.dispatcher, order=order)
    page = signed_in(_speaks(cast.dispatcher, "en")).get(reverse("console:order", args=[order.number])).content.decode()
    assert "<strong>Return request</strong> (住建局, Approved): 不归本局管理" in page
    assert "(Handling unit: 住建局)" in page  # the history: the unit a step was taken for
    assert "（" not in page.split("<main")[1].replace("（保密）", "")

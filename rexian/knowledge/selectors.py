"""Reads of the knowledge base: full-text search, suggestions for the order being recorded, reviews due.

`article_search` and `articles_suggested_for` return `ArticleHit`s, plain values ready
for a template: the snippet and the title come with the matched words already wrapped
in `<mark>` (the rest escaped), so a page renders `{{ hit.snippet }}` as it is.

Operators see only articles that are published and valid on the day (`valid_on`,
today by default); the knowledge base's managers (`access.may_manage`) may ask for
drafts, archived and lapsed articles too (`include_inactive=True`).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from rexian.catalog.models import Line
from rexian.knowledge import access, search
from rexian.knowledge.models import Article, ArticleUse, ReviewReminder, Section
from rexian.knowledge.segment import QueryTerms, keywords, query_terms

MAX_LIMIT = 100
SNIPPET_CHARS = 120
SNIPPET_LEAD = 30  # characters shown before the first match
#: An article of the order's own line's section counts this much more among suggestions.
LINE_SECTION_BOOST = 1.5
#: Suggestions scoring under this share of the best one are noise (they share one common word with the order).
SUGGESTION_MIN_SHARE = 0.25
#: Articles whose validity ends within this many days are reminded to their owners.
EXPIRY_NOTICE_DAYS = 30
_SENTENCE_END = re.compile(r"[。！？；!?;]")


@dataclass(frozen=True)
class ArticleHit:
    """One article found, as a page shows it in a result list."""

    id: int
    code: str
    title: str
    title_html: SafeString  # the title, escaped, matched words in <mark>
    snippet: SafeString  # a passage of the answer around the first match, escaped, matched words in <mark>
    kind: str  # Article.Kind value: "article" | "qa"
    kind_label: str  # 政策文章 | 问答
    section_id: int
    section_name: str
    owner_unit_name: str  # "" when the centre maintains it
    valid_until: dt.date | None
    status: str  # Article.Status value
    is_current: bool  # published and valid on the day searched (always true for operators)
    score: float  # higher is better; comparable within one search only


# --- Search ---------------------------------------------------------------------------------------


def _section_ids(section) -> tuple[int, ...]:
    if section is None or section == "":
        return ()
    if isinstance(section, Section):
        return (section.pk,)
    return (int(section),)


def _limit(limit: int) -> int:
    return max(1, min(int(limit), MAX_LIMIT))


def article_search(
    *,
    query: str,
    section: Section | int | None = None,
    user=None,
    limit: int = 10,
    valid_on: dt.date | None = None,
    include_inactive: bool = False,
) -> list[ArticleHit]:
    """Articles matching `query` (Chinese free text), best first.

    Articles holding all the query's words in their title, common questions or keywords
    come first, then those holding them anywhere, then those holding some of them
    (`search.SEARCH_TIERS`); within each, title words count more than body words.
    `section` (a Section or its id) narrows the search to one section. Drafts, archived
    articles and articles not valid on `valid_on` (today) are hidden unless
    `include_inactive` and `user` manages the knowledge base. An empty query, or one of
    filler words and punctuation only, finds nothing.
    """
    terms = query_terms(query)
    if not terms:
        return []
    valid_on = valid_on or timezone.localdate()
    filters = search.Filters(
        valid_on=valid_on,
        current_only=not (include_inactive and access.may_manage(user)),
        section_ids=_section_ids(section),
    )
    found = search.search_ids(terms, filters=filters, limit=_limit(limit))
    return _hits(found, terms, valid_on)


def articles_suggested_for(
    *,
    title: str,
    description: str,
    line: Line | None = None,
    limit: int = 5,
    valid_on: dt.date | None = None,
) -> list[ArticleHit]:
    """Articles that may answer the order being recorded, from its title and description.

    The key words of the text (TF-IDF, the title counted twice) are searched for any
    of them, so a long description still finds articles that share its main words.
    When the order came in on a line with its own section (12333, 12366 …), that
    section's articles are favoured, and articles far behind the best one are left out.
    Only published articles valid today are suggested.
    """
    text = "。".join(part for part in (title, title, description) if part and part.strip())
    terms = keywords(text)
    if not terms:
        return []
    valid_on = valid_on or timezone.localdate()
    limit = _limit(limit)
    filters = search.Filters(valid_on=valid_on)
    found = search.search_ids(terms, filters=filters, limit=limit * 3, enough=limit, tiers=search.SUGGEST_TIERS)
    if line is not None and found:
        favoured = set(
            Article.objects.filter(pk__in=[i for i, _ in found], section__line=line).values_list("pk", flat=True)
        )
        if favoured:
            found = sorted(
                ((i, score * LINE_SECTION_BOOST if i in favoured else score) for i, score in found),
                key=lambda pair: -pair[1],
            )
    found = _with_evidence(found, terms)
    if found:
        floor = found[0][1] * SUGGESTION_MIN_SHARE
        found = [(i, score) for i, score in found if score >= floor]
    return _hits(found[:limit], terms, valid_on)


def _with_evidence(found: list[tuple[int, float]], terms: QueryTerms) -> list[tuple[int, float]]:
    """The candidates that share enough with the order to be worth an operator's glance: two of its key words
    or more anywhere, or one in the article's title (title, common questions, keywords). An article that
    shares one word of the order somewhere in its body (住房 in a long text on something else) is left out."""
    if not found:
        return found
    words = {
        pk: (set(title.split()), set(body.split()))
        for pk, title, body in Article.objects.filter(pk__in=[i for i, _ in found]).values_list(
            "pk", "search_title", "search_body"
        )
    }

    def shares(group, index: set[str]) -> bool:
        word, parts = group
        return word in index or bool(parts) and all(part in index for part in parts)

    kept = []
    for article_id, score in found:
        title, body = words.get(article_id, (set(), set()))
        in_title = sum(shares(group, title) for group in terms.groups)
        anywhere = sum(shares(group, title | body) for group in terms.groups)
        if anywhere >= 2 or in_title >= 1:
            kept.append((article_id, score))
    return kept


def article_browse(
    *,
    section: Section | int | None = None,
    user=None,
    valid_on: dt.date | None = None,
    include_inactive: bool = False,
    offset: int = 0,
    limit: int = 50,
) -> list[ArticleHit]:
    """A section's (or every section's) articles without a query, the latest changed first."""
    valid_on = valid_on or timezone.localdate()
    articles = Article.objects.all()
    if not (include_inactive and access.may_manage(user)):
        articles = articles.filter(_current_q(valid_on))
    if ids := _section_ids(section):
        articles = articles.filter(section_id__in=ids)
    offset = max(0, int(offset))
    ids = list(articles.order_by("-updated_at", "-id").values_list("pk", flat=True)[offset : offset + _limit(limit)])
    return _hits([(i, 0.0) for i in ids], QueryTerms(()), valid_on)


def _current_q(on: dt.date) -> Q:
    return (
        Q(status=Article.Status.PUBLISHED)
        & (Q(valid_from__isnull=True) | Q(valid_from__lte=on))
        & (Q(valid_until__isnull=True) | Q(valid_until__gte=on))
    )


def _pattern(terms: QueryTerms) -> re.Pattern | None:
    if not terms:
        return None
    return re.compile("|".join(re.escape(word) for word in terms.highlight), re.IGNORECASE)


def highlight(text: str, pattern: re.Pattern | None) -> SafeString:
    """`text` escaped for HTML, with the matches of `pattern` in <mark>."""
    if pattern is None:
        return mark_safe(escape(text))
    out, at = [], 0
    for found in pattern.finditer(text):
        out.append(escape(text[at : found.start()]))
        out.append(f"<mark>{escape(found.group())}</mark>")
        at = found.end()
    out.append(escape(text[at:]))
    # Adjacent words (住房|公积金) read as one marked phrase.
    return mark_safe("".join(out).replace("</mark><mark>", ""))


def snippet(text: str, pattern: re.Pattern | None, *, size: int = SNIPPET_CHARS) -> SafeString:
    """A passage of `text` of about `size` characters from the sentence of the first match, highlighted."""
    text = " ".join(text.split())
    found = pattern.search(text) if pattern is not None else None
    start = 0
    if found is not None and found.start() > SNIPPET_LEAD:
        start = found.start() - SNIPPET_LEAD
        # Start at the beginning of the matched sentence when it is close.
        ends = list(_SENTENCE_END.finditer(text, start, found.start()))
        if ends:
            start = ends[-1].end()
    end = min(len(text), start + size)
    body = highlight(text[start:end].strip(), pattern)
    return mark_safe(("…" if start > 0 else "") + body + ("…" if end < len(text) else ""))


_HIT_FIELDS = (
    "id", "code", "title", "question", "body", "kind", "status", "valid_from", "valid_until", "section_id",
    "section__name", "owner_unit__name",
)


def _hits(found: list[tuple[int, float]], terms: QueryTerms, valid_on: dt.date) -> list[ArticleHit]:
    # Plain values, not model instances: a result list is read on every keystroke of the intake page.
    if not found:
        return []
    rows = {row["id"]: row for row in Article.objects.filter(pk__in=[i for i, _ in found]).values(*_HIT_FIELDS)}
    kinds = dict(Article.Kind.choices)
    pattern = _pattern(terms)
    hits = []
    for article_id, score in found:
        row = rows.get(article_id)
        if row is None:  # deleted between the match and the read
            continue
        text = row["body"]
        if pattern is not None and not pattern.search(text) and pattern.search(row["question"]):
            text = row["question"]
        hits.append(
            ArticleHit(
                id=article_id,
                code=row["code"] or "",
                title=row["title"],
                title_html=highlight(row["title"], pattern),
                snippet=snippet(text, pattern),
                kind=row["kind"],
                kind_label=str(kinds.get(row["kind"], row["kind"])),
                section_id=row["section_id"],
                section_name=row["section__name"],
                owner_unit_name=row["owner_unit__name"] or "",
                valid_until=row["valid_until"],
                status=row["status"],
                is_current=(
                    row["status"] == Article.Status.PUBLISHED
                    and (row["valid_from"] is None or row["valid_from"] <= valid_on)
                    and (row["valid_until"] is None or row["valid_until"] >= valid_on)
                ),
                score=round(score, 6),
            )
        )
    return hits


# --- Articles and sections ----------------------------------------------------------------------


def article_get(*, article_id: int, user=None, valid_on: dt.date | None = None) -> Article | None:
    """One article with its section and owner, or None when it does not exist or `user` may not see it.

    Operators see an article only while it is published and valid; managers see all.
    """
    articles = Article.objects.select_related("section", "owner_unit")
    if not access.may_manage(user):
        articles = articles.filter(_current_q(valid_on or timezone.localdate()))
    return articles.filter(pk=article_id).first()


def section_list(*, active_only: bool = True) -> list[Section]:
    """The sections, in their display order, for filters and navigation."""
    sections = Section.objects.select_related("line")
    if active_only:
        sections = sections.filter(is_active=True)
    return list(sections)


def section_for_line(line: Line | None) -> Section | None:
    """The section of an integrated line (12333 → 人社 section), or None (main line, no section)."""
    if line is None:
        return None
    return Section.objects.filter(line=line, is_active=True).first()


# --- Uses ---------------------------------------------------------------------------------------------


def article_uses_for_order(*, order_number: str) -> list[ArticleUse]:
    """The articles an order was answered with, first marked first (order page, quality inspection)."""
    return list(
        ArticleUse.objects.filter(order_number=order_number)
        .select_related("article__section", "used_by")
        .order_by("used_at", "id")
    )


def articles_answered_with(
    *, order_number: str, textable: bool = False, valid_on: dt.date | None = None
) -> list[Article]:
    """The articles an order was answered with (答复依据), first marked first. With `textable`, only those whose
    短信口径 may be texted to the caller now: in force on `valid_on` (today) and with a 短信口径 (`sms_text`)."""
    articles = Article.objects.filter(uses__order_number=order_number)
    if textable:
        articles = articles.filter(_current_q(valid_on or timezone.localdate())).exclude(sms_text="")
    return list(articles.order_by("uses__used_at", "uses__id"))


def articles_most_used(
    *, since: dt.datetime, section: Section | int | None = None, limit: int = 10
) -> list[tuple[Article, int]]:
    """The articles most often answered with since `since`, with their counts (counted in SQL)."""
    uses = ArticleUse.objects.filter(used_at__gte=since)
    if ids := _section_ids(section):
        uses = uses.filter(article__section_id__in=ids)
    counts = list(
        uses.values("article").annotate(n=Count("id")).order_by("-n", "article")[: _limit(limit)]
    )
    articles = Article.objects.select_related("section").in_bulk([row["article"] for row in counts])
    return [(articles[row["article"]], row["n"]) for row in counts if row["article"] in articles]


# --- Reviews ------------------------------------------------------------------------------------------


def articles_due_for_review(*, on: dt.date | None = None, unit=None) -> QuerySet[Article]:
    """Published articles whose review date (下次复核日期) is `on` (today) or earlier, the oldest first."""
    on = on or timezone.localdate()
    articles = Article.objects.filter(status=Article.Status.PUBLISHED, review_due__lte=on)
    if unit is not None:
        articles = articles.filter(owner_unit=unit)
    return articles.select_related("owner_unit", "section").order_by("review_due", "id")


def articles_expiring(*, on: dt.date | None = None, within_days: int = EXPIRY_NOTICE_DAYS, unit=None):
    """Published articles whose validity ends within `within_days` of `on`: renew them or let them lapse."""
    on = on or timezone.localdate()
    articles = Article.objects.filter(
        status=Article.Status.PUBLISHED, valid_until__gte=on, valid_until__lte=on + dt.timedelta(days=within_days)
    )
    if unit is not None:
        articles = articles.filter(owner_unit=unit)
    return articles.select_related("owner_unit", "section").order_by("valid_until", "id")


def reminders_open(*, unit=None) -> QuerySet[ReviewReminder]:
    """Reminders not yet dealt with, for an owner unit (or all, for the centre), the earliest due first."""
    reminders = ReviewReminder.objects.filter(resolved_at__isnull=True)
    if unit is not None:
        reminders = reminders.filter(unit=unit)
    return reminders.select_related("article", "unit").order_by("due_on", "id")

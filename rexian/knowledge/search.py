"""The full-text index of the knowledge base, on SQLite (FTS5) and PostgreSQL (tsvector).

Both index the words of `Article.search_title` (title, common questions, keywords) and
`Article.search_body` (answer, policy basis), already cut by jieba and separated by
spaces (`rexian.knowledge.segment`), and rank title words above body words.

* SQLite: the FTS5 table `knowledge_article_fts(title, body)`, whose rowid is the
  article's id, ranked with bm25 (title words count 4 times). It holds its own copy of
  the words, so keeping it in step is one DELETE and one INSERT: the services call
  `index_article` / `unindex_article` in the transaction that writes the article, and
  bulk loads (the demo, the bench, a restore) call `index_rebuild`.
* PostgreSQL: the generated column `knowledge_article.search_vector`
  (`setweight(to_tsvector('simple', search_title), 'A') || … 'B'`, stored) with a GIN
  index, ranked with `ts_rank` of title and body words apart (`PG_RANK`), and a second,
  small one of the title words alone, `title_vector`, for the title tiers. The 'simple'
  configuration only lower-cases, which is right for words jieba already cut. The
  database keeps the columns in step by itself, so the index functions here do nothing
  on PostgreSQL.

They are created by migrations 0002 and 0003, each only on its own database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import connection

from rexian.knowledge.models import Article
from rexian.knowledge.segment import QueryTerms

FTS_TABLE = "knowledge_article_fts"
#: bm25 weights of the FTS5 columns (title, body).
BM25_WEIGHTS = (4.0, 1.0)
#: The same on PostgreSQL: ts_rank of the title words (label A) counted 4 times, plus that of the body words
#: (label B), each divided by 1 + log(length) so that a long article does not win by length alone. One
#: ts_rank over both labels saturates near 1 and let a short body mention beat a title match.
PG_RANK = (
    f"{BM25_WEIGHTS[0]} * ts_rank('{{0, 0, 0, 1}}', a.search_vector, q, 1) "
    f"+ {BM25_WEIGHTS[1]} * ts_rank('{{0, 0, 1, 0}}', a.search_vector, q, 1)"
)
#: A title-only match on PostgreSQL reads the small `title_vector` (migration 0003), never the whole article's.
PG_TITLE_RANK = f"{BM25_WEIGHTS[0]} * ts_rank(a.title_vector, q, 1)"
ALL, ANY = "all", "any"


@dataclass(frozen=True)
class Filters:
    """Which articles a search may return."""

    valid_on: dt.date
    current_only: bool = True  # published and valid on `valid_on`
    section_ids: tuple[int, ...] = ()
    exclude_ids: tuple[int, ...] = ()


def _is_sqlite() -> bool:
    return connection.vendor == "sqlite"


# --- Keeping the SQLite index in step ----------------------------------------------------------


def index_article(article: Article) -> None:
    """(Re)index one article's words; call after saving it, in the same transaction."""
    if not _is_sqlite():
        return
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {FTS_TABLE} WHERE rowid = %s", [article.pk])
        cursor.execute(
            f"INSERT INTO {FTS_TABLE} (rowid, title, body) VALUES (%s, %s, %s)",
            [article.pk, article.search_title, article.search_body],
        )


def unindex_article(article_id: int) -> None:
    """Drop one article from the index (before or after deleting it, in the same transaction)."""
    if not _is_sqlite():
        return
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {FTS_TABLE} WHERE rowid = %s", [article_id])


def index_rebuild() -> int:
    """Index every article afresh (after a bulk load or a restore); returns the number indexed."""
    table = Article._meta.db_table
    if not _is_sqlite():
        return Article.objects.count()
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {FTS_TABLE}")
        cursor.execute(f"INSERT INTO {FTS_TABLE} (rowid, title, body) SELECT id, search_title, search_body FROM {table}")
        cursor.execute(f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}) VALUES ('optimize')")
        cursor.execute(f"SELECT count(*) FROM {FTS_TABLE}")
        return cursor.fetchone()[0]


# --- Matching -------------------------------------------------------------------------------------


def _fts5_term(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


def _tsquery_term(word: str) -> str:
    return "'" + word.replace("\\", "\\\\").replace("'", "''") + "'"


def compile_query(terms: QueryTerms, mode: str, *, vendor: str, title_only: bool = False) -> str:
    """The engine's query text: all the words (ALL) or one of them at least (ANY).

    Each word matches as itself or as all the shorter words that spell it (养老保险, or
    养老 and 保险). `title_only` looks in the title words alone (title, common questions,
    keywords): FTS5's column filter on SQLite; on PostgreSQL the caller matches the text
    against `title_vector` instead.
    """
    if vendor == "sqlite":
        term, and_, or_ = _fts5_term, " AND ", " OR "
    else:
        term, and_, or_ = _tsquery_term, " & ", " | "
    groups = []
    for word, parts in terms.groups:
        if parts:
            groups.append(f"({term(word)}{or_}({and_.join(term(part) for part in parts)}))")
        else:
            groups.append(term(word))
    text = (and_ if mode == ALL else or_).join(groups)
    if vendor == "sqlite" and title_only:
        text = f"title : ({text})"
    return text


def _where(filters: Filters, alias: str) -> tuple[list[str], list]:
    clauses, params = [], []
    if filters.current_only:
        clauses.append(f"{alias}.status = %s")
        params.append(Article.Status.PUBLISHED)
        clauses.append(f"({alias}.valid_from IS NULL OR {alias}.valid_from <= %s)")
        clauses.append(f"({alias}.valid_until IS NULL OR {alias}.valid_until >= %s)")
        params += [filters.valid_on, filters.valid_on]
    if filters.section_ids:
        clauses.append(f"{alias}.section_id IN ({', '.join(['%s'] * len(filters.section_ids))})")
        params += list(filters.section_ids)
    if filters.exclude_ids:
        clauses.append(f"{alias}.id NOT IN ({', '.join(['%s'] * len(filters.exclude_ids))})")
        params += list(filters.exclude_ids)
    return clauses, params


def match(
    terms: QueryTerms, *, mode: str, filters: Filters, limit: int, title_only: bool = False
) -> list[tuple[int, float]]:
    """The best `limit` articles for `terms`, as (id, score), best first; a higher score is better.

    Scores are bm25 (SQLite) or ts_rank (PostgreSQL): comparable within one search, not
    between searches or databases.
    """
    if not terms or limit <= 0:
        return []
    table = Article._meta.db_table
    clauses, params = _where(filters, "a")
    extra = "".join(f" AND {clause}" for clause in clauses)
    if _is_sqlite():
        sql = (
            f"SELECT a.id, -bm25({FTS_TABLE}, {BM25_WEIGHTS[0]}, {BM25_WEIGHTS[1]}) AS score "
            f"FROM {FTS_TABLE} JOIN {table} a ON a.id = {FTS_TABLE}.rowid "
            f"WHERE {FTS_TABLE} MATCH %s{extra} ORDER BY score DESC, a.id LIMIT %s"
        )
        args = [compile_query(terms, mode, vendor="sqlite", title_only=title_only), *params, limit]
    else:
        vector, rank = ("a.title_vector", PG_TITLE_RANK) if title_only else ("a.search_vector", PG_RANK)
        sql = (
            f"SELECT a.id, {rank} AS score "
            f"FROM {table} a, to_tsquery('simple', %s) q "
            f"WHERE {vector} @@ q{extra} ORDER BY score DESC, a.id LIMIT %s"
        )
        args = [compile_query(terms, mode, vendor="postgresql", title_only=title_only), *params, limit]
    with connection.cursor() as cursor:
        cursor.execute(sql, args)
        return [(row[0], float(row[1])) for row in cursor.fetchall()]


#: A search box's tiers: all the words in the title (with its questions and keywords), all the
#: words anywhere, then one word at least in the title, then anywhere. Each tier runs only while
#: the ones before it found fewer than asked, so a common word (身份证 is in 4 articles of 10)
#: ranks a few hundred title matches rather than thousands of mentions.
SEARCH_TIERS = ((ALL, True), (ALL, False), (ANY, True), (ANY, False))
#: Suggestions for an order: one of its key words at least, in the title first.
SUGGEST_TIERS = ((ANY, True), (ANY, False))


def search_ids(
    terms: QueryTerms,
    *,
    filters: Filters,
    limit: int,
    tiers: Sequence[tuple[str, bool]] = SEARCH_TIERS,
    enough: int | None = None,
) -> list[tuple[int, float]]:
    """Up to `limit` articles found tier by tier (`SEARCH_TIERS`), each tier's best first.

    The next tier runs only while fewer than `enough` (default: `limit`) were found: a
    caller that re-ranks candidates asks for more than it needs without paying for the
    costlier tiers once it has enough.
    """
    enough = limit if enough is None else min(enough, limit)
    found: list[tuple[int, float]] = []
    for mode, title_only in tiers:
        if len(found) >= enough:
            break
        if mode == ANY and len(terms.groups) == 1 and (ALL, title_only) in tiers:
            continue  # one word: "any" is "all"
        seen = tuple(i for i, _ in found)
        found.extend(
            match(
                terms,
                mode=mode,
                title_only=title_only,
                filters=Filters(filters.valid_on, filters.current_only, filters.section_ids, filters.exclude_ids + seen),
                limit=limit - len(found),
            )
        )
    return found


def indexed_ids(ids: Iterable[int]) -> set[int]:
    """Which of `ids` the index holds (for tests and checks); on PostgreSQL, every article that exists."""
    ids = list(ids)
    if not ids:
        return set()
    if not _is_sqlite():
        return set(Article.objects.filter(pk__in=ids).values_list("pk", flat=True))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT rowid FROM {FTS_TABLE} WHERE rowid IN ({', '.join(['%s'] * len(ids))})", ids)
        return {row[0] for row in cursor.fetchall()}

"""The full-text index of work orders' title and description (工单全文检索), on SQLite and PostgreSQL.

What is indexed: the terms of an order's title and description (`text_terms`):

* every Chinese character (unigram) and every pair of neighbouring characters (bigram) of
  each run of Chinese text, so that a search for one character (梯) or for any two (噪音),
  wherever they stand in a word, finds the order;
* every run of letters or digits as one lower-cased word (wifi, 5g, 2024, 3 of 3号楼).

A search (`query_terms`) cuts the words typed into words with jieba (precise mode; runs
of one or two characters skip it) and turns each into the same terms: one character into
its unigram, longer words into their bigrams. All terms are required (AND). So a query
word is found wherever it occurs as a substring, and 小区电梯坏了 finds 小区的电梯又坏了
(小区 & 电梯 & 坏) although the words are not adjacent there.

Why bigrams rather than the index of jieba words: a jieba word index finds a word only
where jieba cut the text the same way as the query (it cuts by context and dictionary),
misses substrings of words (区电 in 小区电梯), and costs about 0.5 ms of segmentation per
order (eight minutes of CPU at a million orders); bigrams cost a tenth of that, never
depend on a dictionary version, and so need no re-index when jieba is upgraded.

Storage:

* SQLite: the contentless FTS5 table `orders_search_fts(terms)` (rowid = the order's id,
  `detail=none`: only which orders hold a term, not where), with the `ascii` tokenizer,
  which splits only on ASCII spaces and punctuation, so the terms written are the terms
  stored. A search joins it to the orders and walks it newest first (`ORDER BY rowid
  DESC`), stopping at the end of the page: a term held by every order costs what a rare
  one does.
* PostgreSQL: the table `orders_search_text(order_id, terms tsvector)` with a GIN index;
  the tsvector is built from the term list (`array_to_tsvector`) and queried with a
  tsquery of quoted terms, so no text-search configuration touches the terms.

Both are created by migration 0003. `order_register` calls `order_text_index` in its
transaction; bulk loaders (the demo, the bench, an import) call `order_text_reindex`, and
`rexian reindex-orders` rebuilds the index of existing data. An order's description never
changes after registration; its title may be corrected before dispatch (补充登记,
`order_amend`), which calls `order_text_update` with the text it was indexed with.
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from collections.abc import Callable, Iterable

from django.db import connection, transaction

from rexian.orders.models import WorkOrder

FTS_TABLE = "orders_search_fts"  # SQLite
PG_TABLE = "orders_search_text"  # PostgreSQL

#: Only the first this many characters of an order's text are indexed (a pasted letter can be long).
MAX_INDEXED_CHARS = 20_000
#: Letters-or-digits words are cut to this length (a pasted URL is not a word anyone searches for).
MAX_WORD = 40
#: A query uses at most this many terms; a longer query is cut (a pasted paragraph).
MAX_QUERY_TERMS = 24

_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
# A run of Chinese characters, or a run of other letters and digits.
_TOKEN = re.compile(rf"([{_HAN}]+)|((?:(?![{_HAN}])[^\W_])+)")

#: Filler words of a typed query that say nothing about the topic; dropped when other words remain.
QUERY_STOPWORDS = frozenset(
    """
    的 了 吗 呢 啊 吧 呀 嘛 么 和 与 及 或 是 在 对 把 被 给 就 都 也 还 又 很 再 有
    我 你 您 他 她 它 我们 你们 他们 请问 请 怎么 怎么办 如何 什么 为什么 一下 可以 能否 是否 关于
    """.split()
)

_jieba_lock = threading.Lock()
_jieba_module = None


def _jieba():
    """jieba with its default dictionary, loaded on the first query of more than two characters."""
    global _jieba_module
    if _jieba_module is None:
        with _jieba_lock:
            if _jieba_module is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)
                jieba.initialize()
                _jieba_module = jieba
    return _jieba_module


def _normalise(text: str) -> str:
    # NFKC folds full-width letters and digits (ＷｉＦｉ，１２３) into their ASCII forms.
    return unicodedata.normalize("NFKC", text).lower()


def _han_terms(run: str) -> list[str]:
    return [run] if len(run) == 1 else [run[i : i + 2] for i in range(len(run) - 1)]


def text_terms(*parts: str) -> list[str]:
    """The index terms of an order's text (title, description): unigrams, bigrams and words, sorted."""
    text = _normalise("\n".join(p for p in parts if p)[:MAX_INDEXED_CHARS])
    terms: set[str] = set()
    for match in _TOKEN.finditer(text):
        han, word = match.groups()
        if han:
            terms.update(han)
            terms.update(han[i : i + 2] for i in range(len(han) - 1))
        else:
            terms.add(word[:MAX_WORD])
    return sorted(terms)


def query_terms(words: str) -> list[str]:
    """The terms all of which an order must hold to match `words` (empty: nothing to search for)."""
    cut: list[tuple[str, bool]] = []  # (word, is Chinese)
    for match in _TOKEN.finditer(_normalise(words or "")):
        han, word = match.groups()
        if word:
            cut.append((word[:MAX_WORD], False))
        elif len(han) <= 2:
            cut.append((han, True))
        else:
            cut.extend((w, True) for w in _jieba().cut(han) if w.strip())
    meaningful = [item for item in cut if item[0] not in QUERY_STOPWORDS]
    terms: dict[str, None] = {}
    for word, is_han in meaningful or cut:
        for term in _han_terms(word) if is_han else [word]:
            terms[term] = None
    return list(terms)[:MAX_QUERY_TERMS]


#: 疑似重复 by text (`text_probes`): windows of PROBE_SIZE neighbouring distinct bigrams, PROBE_WINDOWS of them spread
#: over the title and as many over the description's first PROBE_HEAD characters. A repeated request keeps most of
#: its words, so it holds all the bigrams of at least one window; measured on the Teddy Cup hot messages (docs/
#: intelligence.md, "Duplicates"), 4 × 3 found every duplicate the ranker finds when it is shown every message.
PROBE_SIZE = 4
PROBE_WINDOWS = 3
PROBE_HEAD = 40


def text_probes(title: str, description: str) -> list[list[str]]:
    """Groups of index terms, each a run of neighbouring bigrams of the title or of the description's opening;
    an order holding every term of one group is worth ranking as a possible repeat of this text."""
    probes: list[list[str]] = []
    for part in (title or "", (description or "")[:PROBE_HEAD]):
        bigrams: dict[str, None] = {}
        for match in _TOKEN.finditer(_normalise(part)):
            han = match.group(1)
            if han and len(han) > 1:
                bigrams.update(dict.fromkeys(_han_terms(han)))
        found = list(bigrams)
        if len(found) < 2:
            continue
        if len(found) <= PROBE_SIZE:
            windows = [found]
        else:
            last = len(found) - PROBE_SIZE
            starts = sorted({round(i * last / (PROBE_WINDOWS - 1)) for i in range(PROBE_WINDOWS)})
            windows = [found[start : start + PROBE_SIZE] for start in starts]
        probes.extend(window for window in windows if window not in probes)
    return probes


# --- Matching (used by rexian.orders.selectors.search.order_search) ----------------------------


def fts5_query(terms: list[str]) -> str:
    """An FTS5 MATCH expression requiring every term (terms hold only letters and digits)."""
    return " ".join(f'"{term}"' for term in terms)


def tsquery(terms: list[str]) -> str:
    """A tsquery text requiring every term, cast with ::tsquery so no configuration rewrites them."""
    return " & ".join(f"'{term}'" for term in terms)


def fts5_any(probes: list[list[str]]) -> str:
    """An FTS5 MATCH expression requiring every term of at least one probe."""
    return " OR ".join("(" + " AND ".join(f'"{term}"' for term in probe) + ")" for probe in probes)


def tsquery_any(probes: list[list[str]]) -> str:
    """A tsquery text requiring every term of at least one probe."""
    return " | ".join(f"({tsquery(probe)})" for probe in probes)


def restrict_to_terms(queryset, terms: list[str]):
    """`queryset` narrowed to the orders holding every term, newest registered (highest id) first.

    On SQLite the index is joined, not tested with IN (…): the join lets SQLite walk the
    index in descending rowid order and stop when the page is full, where IN would first
    collect every matching id (a million for a term every order holds).
    """
    table = WorkOrder._meta.db_table
    if connection.vendor == "sqlite":
        return queryset.extra(
            tables=[FTS_TABLE],
            where=[f'"{FTS_TABLE}".rowid = "{table}"."id"', f'"{FTS_TABLE}" MATCH %s'],
            params=[fts5_query(terms)],
            order_by=[f"-{FTS_TABLE}.rowid"],
        )
    return queryset.extra(
        tables=[PG_TABLE],
        where=[f'"{PG_TABLE}"."order_id" = "{table}"."id"', f'"{PG_TABLE}"."terms" @@ %s::tsquery'],
        params=[tsquery(terms)],
    ).order_by("-pk")


def newest_matching_ids(probes: list[list[str]], *, limit: int) -> list[int]:
    """The ids of the `limit` newest orders (highest ids) that hold every term of at least one probe
    (`text_probes`), newest first, whatever else they are: the caller then applies its own filters (a period,
    what the user may see) to these few ids. The recent matches are the newest, so a window of days is
    covered as long as it holds fewer than `limit` of them, and the cost stays bounded whatever the history
    holds."""
    if not probes:
        return []
    if connection.vendor == "sqlite":
        sql = f'SELECT rowid FROM "{FTS_TABLE}" WHERE "{FTS_TABLE}" MATCH %s ORDER BY rowid DESC LIMIT %s'
        expression = fts5_any(probes)
    else:
        sql = f'SELECT "order_id" FROM "{PG_TABLE}" WHERE "terms" @@ %s::tsquery ORDER BY "order_id" DESC LIMIT %s'
        expression = tsquery_any(probes)
    with connection.cursor() as cursor:
        cursor.execute(sql, [expression, limit])
        return [row[0] for row in cursor.fetchall()]


#: A search whose terms are held by at least this many orders is "common". With a filter whose own index reads
#: few orders (a phone, a number, dates, a quiet unit …), those orders are read and each is tested against the
#: index (`filter_by_terms`, some 30 µs each), where walking the term's orders newest first (`restrict_to_terms`)
#: could pass hundreds of thousands of them before reaching, say, last March's. A rarer search, or one with no
#: such filter, walks the term's orders (a few µs each) and stops when the page is full.
COMMON_TERMS = 20_000


def terms_are_common(terms: list[str]) -> bool:
    """Whether at least COMMON_TERMS orders hold every term: one count over at most that many index entries.

    PostgreSQL chooses between the GIN index and the other filters' indexes itself, from its
    statistics: there the answer is always False and the search always joins.
    """
    if connection.vendor != "sqlite":
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM (SELECT 1 FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s LIMIT {COMMON_TERMS})",
            [fts5_query(terms)],
        )
        return cursor.fetchone()[0] >= COMMON_TERMS


def filter_by_terms(queryset, terms: list[str]):
    """`queryset` narrowed to the orders holding every term, each order tested on its own (SQLite), keeping
    the queryset's order: for common terms with another filter to drive (see COMMON_TERMS)."""
    table = WorkOrder._meta.db_table
    return queryset.extra(
        where=[
            f'EXISTS (SELECT 1 FROM "{FTS_TABLE}" WHERE "{FTS_TABLE}" MATCH %s AND "{FTS_TABLE}".rowid = "{table}"."id")'
        ],
        params=[fts5_query(terms)],
    )


def within_terms(queryset, terms: list[str]):
    """`queryset` narrowed to the orders holding every term, for counting and grouping them (a 专报 on a keyword,
    its hot issues): the index's matches are collected first (`id IN (SELECT … MATCH …)`), so the cost follows
    the orders that hold the terms, not all the orders of the queryset's period, and the queryset keeps its order."""
    table = WorkOrder._meta.db_table
    if connection.vendor == "sqlite":
        where = f'"{table}"."id" IN (SELECT rowid FROM "{FTS_TABLE}" WHERE "{FTS_TABLE}" MATCH %s)'
        return queryset.extra(where=[where], params=[fts5_query(terms)])
    where = f'"{table}"."id" IN (SELECT "order_id" FROM "{PG_TABLE}" WHERE "terms" @@ %s::tsquery)'
    return queryset.extra(where=[where], params=[tsquery(terms)])


# --- Keeping the index in step -------------------------------------------------------------------


def _write_rows(rows: list[tuple[int, list[str]]]) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.executemany(
                f"INSERT INTO {FTS_TABLE} (rowid, terms) VALUES (%s, %s)", [(pk, " ".join(t)) for pk, t in rows]
            )
        else:
            cursor.executemany(
                f"INSERT INTO {PG_TABLE} (order_id, terms) VALUES (%s, array_to_tsvector(%s::text[])) "
                "ON CONFLICT (order_id) DO UPDATE SET terms = EXCLUDED.terms",
                rows,
            )


def order_text_unindex(order_id: int, *, title: str, description: str) -> None:
    """Remove an order from the index, given the text it was indexed with (SQLite's contentless
    table can only forget the terms it is told); call it in the transaction that changes the text."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}, rowid, terms) VALUES ('delete', %s, %s)",
                [order_id, " ".join(text_terms(title, description))],
            )
        else:
            cursor.execute(f"DELETE FROM {PG_TABLE} WHERE order_id = %s", [order_id])


def order_text_update(order: WorkOrder, *, title: str, description: str) -> None:
    """Index an order whose text changed, given the text it was indexed with; call it in the transaction
    that saves the new text. An order not in the index yet (bulk-loaded, not reindexed) is simply added:
    SQLite's contentless table must never be told to forget terms it does not hold."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT 1 FROM {FTS_TABLE} WHERE rowid = %s", [order.pk])
            if cursor.fetchone():
                order_text_unindex(order.pk, title=title, description=description)
    _write_rows([(order.pk, text_terms(order.title, order.description))])


def order_text_index(order: WorkOrder) -> None:
    """Index one order's title and description; call it in the transaction that saved the order.

    Idempotent: an order already in the index is re-indexed (its text, and so its terms,
    being the same).
    """
    order_text_update(order, title=order.title, description=order.description)


def order_text_reindex(
    *, order_ids: Iterable[int] | None = None, batch: int = 5000, progress: Callable[[int], None] | None = None
) -> int:
    """Rebuild the index: of every order (the default), or of the orders `order_ids` that are not in it yet.

    For bulk loaders (the demo, the bench, a data import) and `rexian reindex-orders`.
    Rebuilding everything empties the index first; each batch is its own transaction
    unless the caller holds one. `progress(n)` is called after each batch with its size.
    Returns the number of orders indexed.
    """
    if order_ids is None:
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute(f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}) VALUES ('delete-all')")
            else:
                cursor.execute(f"TRUNCATE {PG_TABLE}")
    done = 0
    for chunk in _chunks(order_ids, batch):
        with transaction.atomic():
            _write_rows([(pk, text_terms(title, description)) for pk, title, description in chunk])
        done += len(chunk)
        if progress is not None:
            progress(len(chunk))
    if order_ids is None:
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                # Merge the b-trees written batch by batch into one: fewer pages to read per search.
                cursor.execute(f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}) VALUES ('optimize')")
            else:
                cursor.execute(f"ANALYZE {PG_TABLE}")
    return done


def _chunks(order_ids: Iterable[int] | None, batch: int):
    """(id, title, description) of the orders to index, `batch` at a time, in id order."""
    values = WorkOrder.objects.order_by("pk").values_list("pk", "title", "description")
    if order_ids is None:
        last = 0
        while chunk := list(values.filter(pk__gt=last)[:batch]):
            yield chunk
            last = chunk[-1][0]
        return
    ids = sorted(set(order_ids))
    for start in range(0, len(ids), batch):
        wanted = ids[start : start + batch]
        present = _indexed(wanted)
        chunk = list(values.filter(pk__in=[pk for pk in wanted if pk not in present]))
        if chunk:
            yield chunk


def _indexed(ids: list[int]) -> set[int]:
    if not ids:
        return set()
    marks = ", ".join(["%s"] * len(ids))
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"SELECT rowid FROM {FTS_TABLE} WHERE rowid IN ({marks})", ids)
        else:
            cursor.execute(f"SELECT order_id FROM {PG_TABLE} WHERE order_id IN ({marks})", ids)
        return {row[0] for row in cursor.fetchall()}


def index_size() -> int:
    """How many orders the index holds."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"SELECT count(*) FROM {FTS_TABLE}")
        else:
            cursor.execute(f"SELECT count(*) FROM {PG_TABLE}")
        return cursor.fetchone()[0]

"""Chinese word segmentation for the knowledge base (jieba), shared by indexing and searching.

Neither SQLite's FTS5 nor PostgreSQL's text search can cut Chinese into words (FTS5's
tokenizers split on spaces and punctuation; PostgreSQL's parser has no Chinese
dictionary). So Rexian cuts the text itself and stores it as words separated by
spaces; both engines then only have to split on spaces.

* Articles are cut in jieba's search mode (`cut_for_search`), which gives each word
  and the shorter dictionary words inside it (住房公积金 → 住房 公积 积金 公积金 住房公积金),
  so a query for a part of a long word still finds it.
* Queries are cut in precise mode (公积金提取 → 公积金 | 提取), without filler words
  (怎么, 请问, 办理 …). A long query word may also match as the shorter words that spell
  it (养老保险 → 养老 and 保险), so a text that jieba cut differently is still found
  (`QueryTerms`).

jieba's shared default tokenizer is loaded on first use, quietly: about a second and
60 MB (its cache lives in the temp directory), which is why the app does not load it at
start-up. No words are added to it, because other apps share it and the index must be
cut tomorrow as it was cut today. After upgrading jieba, rebuild the index
(`rexian knowledge-reindex`): a new dictionary cuts some words differently.
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass
from functools import cached_property

_lock = threading.Lock()
_loaded = False

_NOT_WORD = re.compile(r"\W+")
_DIGITS = re.compile(r"^[\d.]+$")

#: Words a caller says that tell nothing about the topic; never required by a search.
STOPWORDS = frozenset(
    """
    的 了 吗 呢 啊 吧 呀 嘛 哦 么 和 与 及 或 或者 还是 是 有 在 对 把 被 给 从 向 到 就 都 也 还 又 很 再
    我 我们 你 您 你们 他 她 它 他们 她们 自己 本人 家里 这 那 这个 那个 这些 那些 这样 那样 一个 一下 一些
    请问 请 问 问下 问一下 想 想问 想要 要 需要 可以 可不可以 能 能否 能不能 是否 是不是 会 会不会 应该
    怎么 怎么办 怎么样 怎样 如何 什么 什么样 哪里 哪儿 哪些 哪个 哪 多少 多久 几 为什么 为何 谁
    咨询 了解 反映 知道 告诉 办理 办 现在 目前 已经 没有 不 没 如果 但是 因为 所以 然后 以及 等 等等
    """.split()
)


#: Words every order's text has ("来电人咨询…办理流程"), and the words that say where rather than what (小区, 楼下:
#: an article on 小区停车 is no answer to a street light out in a 小区), that TF-IDF still ranks high; never an
#: order's key word.
ORDER_FILLER = frozenset(
    """
    来电 来电人 来电者 市民 群众 诉求 诉求人 反映 要求 表示 希望 称 询问 咨询 请求 帮助 协调 处理 解决 落实
    方式 时间 条件 标准 流程 材料 情况 问题 相关 有关 具体 进行 目前 近期 最近 多次 一直 至今 仍然 无果
    小区 社区 村里 楼栋 单元 楼下 楼上 门口 家门口 附近 周边 旁边 对面 路段 路口 居民 住户 家中 家里
    """.split()
)


def _jieba():
    """jieba, its default dictionary loaded (once per process, under a lock)."""
    global _loaded
    import jieba

    if not _loaded:
        with _lock:
            if not _loaded:
                jieba.setLogLevel(logging.WARNING)
                jieba.initialize()
                _loaded = True
    return jieba


def warm_up() -> None:
    """Load jieba's dictionary and its TF-IDF table now rather than on the first search.

    For a web process about to serve operators (e.g. gunicorn's `post_worker_init`):
    the first search or suggestion in a process otherwise waits 1–2 s (longer on a busy
    machine). Not called at start-up by the app itself: tests and the worker need neither.
    """
    _jieba()
    import jieba.analyse

    jieba.analyse.extract_tags("知识库")


def normalise(word: str) -> str:
    """A word as both engines will store it: lower case, letters and digits only."""
    return _NOT_WORD.sub("", word).lower()


def index_words(text: str) -> list[str]:
    """`text` cut for the index: every word and the dictionary words inside it, in order."""
    if not text:
        return []
    words = (normalise(word) for word in _jieba().cut_for_search(text))
    return [word for word in words if word]


def index_text(*parts: str) -> str:
    """The parts' words, space-separated: what the search columns store."""
    return " ".join(word for part in parts if part for word in index_words(part))


@dataclass(frozen=True)
class QueryTerms:
    """A query as words, each with the shorter words that spell it: ((word, (part, …)), …).

    A search for "all words" requires, for each word, the word itself or all of its
    parts; "any word" requires that for one word at least. `highlight` lists what to
    mark in a snippet.
    """

    groups: tuple[tuple[str, tuple[str, ...]], ...]

    def __bool__(self) -> bool:
        return bool(self.groups)

    @cached_property
    def words(self) -> tuple[str, ...]:
        """Every word and part, once each."""
        seen: dict[str, None] = {}
        for word, parts in self.groups:
            seen[word] = None
            for part in parts:
                seen[part] = None
        return tuple(seen)

    @cached_property
    def highlight(self) -> tuple[str, ...]:
        """The words to mark in a text, longest first (so 公积金 wins over 公积)."""
        return tuple(sorted(self.words, key=len, reverse=True))


def _cover(word: str, parts: set[str]) -> tuple[str, ...]:
    """The fewest dictionary words, two or more, that spell `word` end to end (养老保险 → 养老 保险), or ()."""
    best: list[tuple[str, ...] | None] = [None] * (len(word) + 1)
    best[0] = ()
    for end in range(1, len(word) + 1):
        for start in range(end):
            piece = word[start:end]
            if best[start] is not None and piece in parts:
                candidate = (*best[start], piece)
                if best[end] is None or len(candidate) < len(best[end]):
                    best[end] = candidate
    found = best[len(word)]
    return found if found is not None and len(found) >= 2 else ()


def _groups(words: list[str]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Each word with the shorter words that spell it (养老保险 → 养老 保险; 身份证 → none: 证 is no word).

    Only a complete spelling counts: a word's prefix alone (身份 for 身份证) would match
    far more than the word does.
    """
    jieba = _jieba()
    groups: dict[str, tuple[str, ...]] = {}
    for word in words:
        if word in groups:
            continue
        parts = ()
        if len(word) > 3:
            inside = {normalise(part) for part in jieba.cut_for_search(word)} - {word, ""}
            parts = _cover(word, inside)
        groups[word] = parts
    return tuple(groups.items())


def query_terms(query: str) -> QueryTerms:
    """The words of a search box query, without filler words.

    Single characters (丢, 上) are dropped when the query has longer words: jieba cuts
    them inconsistently between a short query and a long text. A query of filler words
    only (怎么办) keeps them, so that it still finds something.
    """
    raw = [normalise(word) for word in _jieba().cut(query or "")]
    raw = [word for word in raw if word]
    words = [word for word in raw if word not in STOPWORDS]
    longer = [word for word in words if len(word) > 1]
    return QueryTerms(_groups(longer or words or raw))


def keywords(text: str, *, top: int = 5) -> QueryTerms:
    """The `top` key words of an order's text (TF-IDF against jieba's corpus), for suggestions.

    Numbers, single characters and filler words are left out: an order's "300元",
    "3号楼" or "来电人咨询…办理流程" says nothing about which policy applies.
    """
    if not text or not text.strip():
        return QueryTerms(())
    _jieba()
    import jieba.analyse

    found = []
    for word in jieba.analyse.extract_tags(text, topK=top * 3):
        word = normalise(word)
        if (
            len(word) > 1
            and word not in STOPWORDS
            and word not in ORDER_FILLER
            and not _DIGITS.match(word)
            and word not in found
        ):
            found.append(word)
        if len(found) == top:
            break
    return QueryTerms(_groups(found))

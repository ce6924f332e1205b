"""Hot issues (热点问题) from plain messages: group similar requests about the same place, name them, rank them.

Pure arithmetic on `Message` records (an id, a title, a text, a time, a place, an author,
an attention weight): no database and no Django, so the same code runs on the hotline's
work orders (`rexian.hotspots.services`) and on the Teddy Cup messages (`bench/hotspots.py`).
docs/hotspots.md explains the method with its figures; in the order `Corpus` and
`rank_issues` apply it:

1. Place. `PlaceFinder` finds the place a message is about: the first specific place
   (a compound, a school, a road: a known name, or a name ending like one, …小区, …花园,
   …苑, …学院, …路) of its title, else of its address, else of its text's opening; failing
   that, the first area (a town, a community) they name. `Places` numbers them; names that
   qualify one another (伊景园 / 伊景园滨河苑, 魅力之城 / 万科魅力之城) may be the same place,
   names that differ otherwise (幸福家园小区 / 锦绣江南小区, 第二人民医院 / 人民医院) may not.
2. Wording. Title (`TITLE_WEIGHT` times: it is the request in a line) and the first
   `TEXT_CHARS` characters of the text, with the place cut out and normalised as
   `rexian.intelligence.text.normalise` does, as character bigrams weighed by TF-IDF
   (sublinear tf, smoothed idf, L2 norm), plus one feature for a specific place
   (`PLACE_WEIGHT`). The place is cut out of the wording because requests about different
   things in one compound must not look alike for sharing its name; its one feature keeps
   requests about one place a little alike. Bigrams rather than jieba words: segmenting
   costs 0.2–1 ms a message (10–25 s for two months of a big city), bigrams microseconds,
   and they match a name jieba would cut differently in two messages. jieba, with the
   city's dictionary, names the issues (step 5), on the messages shown only.
3. Pairs. Identical texts about one place are one node. Candidate pairs share one of their
   `CANDIDATE_TERMS` heaviest bigrams and name compatible places (the same, qualifying
   ones, or none on one side); their exact cosine is computed and pairs at `SIMILARITY`
   or more are linked. Comparing every pair would cost n² (minutes at 50,000).
4. Issues. Connected components of the links, then a few rounds of centroid linkage
   (`_refine`): people describing one problem in their own words are alike to what the
   group has in common more than to one another, so a lone message joins the group whose
   centroid is `ATTACH` close, and groups whose centroids are `MERGE` close merge. A
   group naming several places (each named by two members or more) is split by place.
   An issue has `MIN_COUNT` messages from `MIN_AUTHORS` people, none of whom wrote more
   than `MAX_AUTHOR_SHARE` of them.
5. Naming. The title is that of the message closest to the centroid (the most typical);
   the key words are the jieba words of the typical members' titles (places and
   administrative prefixes cut out), scored by the share of members using them times
   their rarity in the corpus; the place is the one at least half the members name, else
   the area at least half of them come from, else "".
6. Ranking. previous_count counts the messages of the previous window of equal length
   close to the issue's centroid (≥ `SIMILARITY`, compatible place); attention = distinct
   authors + repeated messages of an author + Σ each message's own attention (likes on a
   message board; urgency and reopenings for orders). Then

       score = (ln(1 + count) + ATTENTION_WEIGHT · ln(1 + attention))
               · (1 + GROWTH_WEIGHT · clip(log2((count + 1) / (previous_count + 1)), 0, GROWTH_CAP))

   Volume and attention add on a log scale (a hundred likes weigh about as much as ten
   messages), and each doubling against the previous window adds GROWTH_WEIGHT, up to
   GROWTH_CAP doublings. growth = count / previous_count − 1, None when there was none
   before (a new issue) or no previous window was given.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components
from sklearn.feature_extraction.text import TfidfTransformer

from rexian.intelligence.text import Segmenter, normalise

# --- Parameters (docs/hotspots.md) -------------------------------------------------------------

#: Cosine of two messages' bigram vectors from which they are the same issue.
SIMILARITY = 0.25
#: Characters of a message's text read after its title (a long letter repeats its point).
TEXT_CHARS = 150
#: The title counts this many times: it is the request in one line.
TITLE_WEIGHT = 3
#: The place counts as one feature seen this many times (its name's bigrams are left out of the wording).
PLACE_WEIGHT = 4
#: A lone message joins a group whose centroid is this close; two groups whose centroids are this close merge.
ATTACH = 0.25
MERGE = 0.3
#: Bigrams of an issue's centroid compared with the messages of other windows (its heaviest ones).
CENTROID_TERMS = 40
#: Rounds of centroid linkage at most (a group that grew has a new centroid that may reach further).
REFINE_ROUNDS = 3
#: Each message proposes the pairs sharing one of its this many heaviest bigrams.
CANDIDATE_TERMS = 8
#: An issue has at least this many messages, from at least this many people, none of whom wrote more
#: than this share of them (one person's thirty messages are a campaign, not a hot issue).
MIN_COUNT = 2
MIN_AUTHORS = 2
MAX_AUTHOR_SHARE = 0.5
#: Weight of ln(1 + attention) beside ln(1 + count) in the score.
ATTENTION_WEIGHT = 0.5
#: Extra weight per doubling of the count against the previous window, up to GROWTH_CAP doublings.
GROWTH_WEIGHT = 0.25
GROWTH_CAP = 3.0
#: Key words shown per issue.
KEYWORDS = 4
#: Messages of an issue read to name it (the most typical ones).
NAMING_MESSAGES = 40


@dataclass(frozen=True)
class Message:
    """One request: a work order, or a message left on a message board."""

    id: Hashable
    title: str
    text: str
    at: dt.datetime
    area: str = ""  # the area recorded for it (a community, a town), when known
    address: str = ""  # where, as recorded (an order's address): read for the place, not for the wording
    author: str = ""  # who asked (a caller's phone hash, a user id): distinct and repeat authors
    attention: float = 0.0  # this message's own public attention (likes; urgency, reopening)


@dataclass(frozen=True)
class Issue:
    """A group of similar requests about the same thing and place, named and ranked."""

    title: str
    keywords: tuple[str, ...]
    place: str
    count: int
    previous_count: int
    growth: float | None
    attention: int
    score: float
    ids: tuple[Hashable, ...]  # the messages, newest first
    authors: int  # distinct authors
    first_at: dt.datetime
    last_at: dt.datetime
    sensitive_words: tuple[str, ...] = ()
    rows: tuple[int, ...] = field(default=(), repr=False, compare=False)  # the members' rows in the corpus


# --- Places ------------------------------------------------------------------------------------

# How a place name ends, by rank: a title naming a compound and a road is about the compound.
_PLACE_KINDS: tuple[tuple[int, tuple[str, ...]], ...] = (
    (0, ("小区", "花园", "家园", "新村", "新城", "公寓", "大厦", "名都", "名邸", "名苑", "花苑", "华府", "人家", "山庄",
         "公馆", "雅苑", "雅居", "广场", "苑", "园", "湾", "城")),
    (0, ("学院", "大学", "中学", "小学", "幼儿园", "学校", "医院", "卫生院", "公园", "市场", "车站", "高铁站", "地铁站",
         "工业园", "产业园", "商场", "超市", "工地", "项目", "楼盘")),
    (1, ("大道", "路", "街", "巷", "桥", "隧道")),
    (2, ("社区", "村", "街道", "镇", "乡")),
)
_SUFFIX_RANK = {suffix: rank for rank, suffixes in _PLACE_KINDS for suffix in suffixes}
_SUFFIX = re.compile("|".join(map(re.escape, sorted(_SUFFIX_RANK, key=len, reverse=True))))
# Where a place name cannot extend to the left. It starts after the last particle or verb that
# introduces it (反映|幸福小区), and after the last administrative level or road that leaves it two
# characters (A3区|郝家坪小学, 劳动东路|魅力之城; but 新街花苑 stays whole).
_WORD_STOPS = """
    的 在 于 住 是 和 与 及 对 向 从 到 给 把 被 了 个 旁 边 近 附 该 本 沿 往 如 进 反映 投诉 举报 咨询 关于 建议 请问
    希望 要求 位于 家住 居住 附近 旁边 门口 周边 周围 对面 楼下 一带 整个 所在 甚至 不如 还是 来到 前往 回到 经过 通过
    怎么 购买 取消 影响 感谢 谢谢 表扬 称赞 点赞
""".split()
_AFTER_WORD = re.compile("(?:.*(?:" + "|".join(sorted(_WORD_STOPS, key=len, reverse=True)) + "))?(.*)", re.S)
_AFTER_AREA = re.compile("(?:.*[市区县省州镇乡路街道巷](?=..))?(.*)", re.S)
_AFTER_AREA_ROAD = re.compile("(?:.*[市区县省州镇乡](?=..))?(.*)", re.S)  # a road's name may hold 路街道巷 (祁巷路)
# Left parts that make a generic phrase, not a name (老旧小区, 周边小区, 我们学校).
_GENERIC = frozenset(
    """
    老旧 周边 附近 我们 你们 他们 这个 那个 整个 所在 各个 多个 一个 两个 全市 全省 城区 农村 城市 公立 私立 民办 中心
    新建 在建 商品 安置 回迁 保障 开放 封闭 其他 其它 相关 有关
    """.split()
)
# Endings that make an ordinary word, not a name (跑路, 线路, 县城) …
_NOT_PLACE_ENDINGS = frozenset(
    """
    跑路 走路 出路 道路 线路 公路 马路 铁路 思路 带路 让路 修路 堵路 过路 上路 开路 问路 绕路 一路 电路 水路 网路 套路
    门路 进路 退路 前路 后路 进城 全城 满城 县城 省城 同城 京城 回城 古城 主城 农村 乡村 山村 城镇 乡镇 校园 乐园
    田园 海湾 港湾 上街 逛街 当街 沿街 临街 满街 过桥 断桥 家乡 回乡 下乡 老乡 城乡 人家 电人家 老人家 别人家 旧城 老城
    """.split()
)
# … and what, after an ending, makes it part of another word (城市, 村民, 路灯, 市场监管局).
_WORD_GOES_ON = {"城": "市乡区管建际", "村": "民委级干组", "路": "灯面况线费人过段", "街": "头道", "园": "林艺丁",
                 "湾": "区", "镇": "长", "市场": "监化"}
_NAME_RUN = re.compile(r"[\u4e00-\u9fffA-Za-z0-9·]+$")  # the run of name characters ending where searched
MAX_NAME = 6  # characters of a place name before its ending
MAX_ROAD_NAME = 4  # … before 路 (劳动东路, 万家丽南路): a longer run is a sentence that happens to end in 路


# What may follow a place's name and leave it the same place (伊景园滨河苑项目, 丽发新城小区, 凤凰城二期).
_GENERIC_TAILS = frozenset(
    """
    小区 社区 项目 楼盘 片区 一期 二期 三期 四期 五期 六期 0期 新区 东区 西区 南区 北区 一区 二区 三区 0区 0栋
    """.split()
)
# An ordinal or a number in front makes another place (第二人民医院, 二中).
_ORDINAL = re.compile(r"^(?:第|[0一二三四五六七八九十])")


def _nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "")


def place_key(place: str) -> str:
    """The form places are compared in: normalised, without the dots people put inside names (伊景园.滨河苑)."""
    return re.sub(r"[\s.·]", "", normalise(place))


class PlaceFinder:
    """Finds the place a message is about, from known names and from how place names end.

    `known` are names the city knows (communities, towns, compounds, schools); they are
    found whole and rank like a name guessed from the same ending.
    """

    def __init__(self, known: Iterable[str] = ()):
        names = sorted({_nfkc(n).strip() for n in known if n and len(n.strip()) >= 2}, key=len, reverse=True)
        self.known = tuple(names)
        self._known = re.compile("|".join(map(re.escape, names))) if names else None

    @staticmethod
    def _rank(name: str) -> int:
        """The rank of a name by its ending (endings are one to three characters long)."""
        for length in (3, 2, 1):
            rank = _SUFFIX_RANK.get(name[-length:])
            if rank is not None:
                return rank
        return 0

    def _guess(self, text: str) -> list[tuple[int, int, str]]:
        """(rank, position, name) of the names ending like a place in `text`."""
        found = []
        matches = []
        for m in _SUFFIX.finditer(text):
            ending, end = m.group(), m.end()
            if text[end : end + 1] and text[end] in _WORD_GOES_ON.get(ending, ""):
                continue
            if text[max(m.start() - 1, 0) : end] in _NOT_PLACE_ENDINGS:
                continue
            matches.append(m)
        starts = {m.start() for m in matches}
        for m in matches:
            ending = m.group()
            if m.end() in starts:
                continue  # 幸福家园|小区: the name goes on
            longest = MAX_ROAD_NAME if _SUFFIX_RANK[ending] == 1 else MAX_NAME
            run = _NAME_RUN.search(text, max(m.start() - longest, 0), m.start())
            left = run.group() if run else ""
            left = _AFTER_WORD.match(left).group(1)
            after_area = _AFTER_AREA_ROAD if _SUFFIX_RANK[ending] == 1 else _AFTER_AREA
            left = after_area.match(left).group(1).lstrip("0123456789·")
            if len(left) < 2 or left in _GENERIC:
                continue
            found.append((_SUFFIX_RANK[ending], m.start() - len(left), left + ending))
        return found

    def places(self, text: str, *, folded: bool = False) -> list[str]:
        """Every place named in `text`, best first (compounds and institutions, then roads, then areas).

        `folded`: the text is NFKC-normalised already (full-width letters and digits folded).
        """
        text = text if folded else _nfkc(text)
        found = self._guess(text)
        if self._known is not None:
            found += [(self._rank(m.group()), m.start(), m.group()) for m in self._known.finditer(text)]
        found.sort(key=lambda item: (item[0], item[1], -len(item[2])))
        names: list[str] = []
        for _rank, _position, name in found:
            if not any(name in other for other in names):
                names.append(name)
        return names

    def place_of(self, title: str, *parts: str, folded: bool = False) -> str:
        """The place a message is about: the first specific place (a compound, a school, a road) of its title,
        else of the next part's opening…; failing that, the first area (a town, a community) they name."""
        areas = []
        for part in (title, *parts):
            found = self.places((part or "")[:TEXT_CHARS], folded=folded)
            specific = [name for name in found if self._rank(name) < 2]
            if specific:
                return specific[0]
            areas.extend(found)
        return areas[0] if areas else ""


class Places:
    """The places of a corpus's messages as ids (0: none), and which ids may be the same place.

    Two names are the same place when one is the other with a qualifier in front (万科魅力之城
    and 魅力之城; 伊景园滨河苑 and 滨河苑), or with a generic or a place-like tail after it
    (丽发新城小区 and 丽发新城; 伊景园滨河苑 and 伊景园), the shorter having at least three
    characters. An ordinal in front makes another place (第二人民医院 is not 人民医院). The
    relation is not made transitive over the whole corpus: 金桂花园 and 银桂花园 are both
    桂花园 with a qualifier, and two compounds.
    """

    def __init__(self, names: Sequence[str]):
        keyed = {n: place_key(n) for n in set(names) if n}
        keys = [keyed[n] if n else "" for n in names]
        spelling: dict[str, Counter] = defaultdict(Counter)
        for name, key in zip(names, keys):
            if key:
                spelling[key][name] += 1
        written = {k: c.most_common(1)[0][0] for k, c in spelling.items()}
        #: Each message's place as written (the spelling most used for it), "" when it names none.
        self.names = [written[k] if k else "" for k in keys]
        ids: dict[str, int] = {}
        self.ids = np.array([ids.setdefault(k, len(ids) + 1) if k else 0 for k in keys], dtype=np.int64)
        self.size = len(ids) + 1
        #: Whether each message's place is a specific one (a compound, a school, a road), not a whole area.
        self.specific = np.array([bool(n) and PlaceFinder._rank(n) < 2 for n in self.names], dtype=bool)
        related = []
        for key, id_ in ids.items():
            for cut in range(1, len(key) - 2):
                head, tail = key[:cut], key[cut:]
                if tail in ids and not _ORDINAL.match(head):
                    related.append((ids[tail], id_))
            for cut in range(3, len(key)):
                head, tail = key[:cut], key[cut:]
                if head in ids and (tail in _GENERIC_TAILS or _SUFFIX_RANK.get(tail[-1:]) == 0
                                    or _SUFFIX_RANK.get(tail[-2:]) == 0):
                    related.append((ids[head], id_))
        self._related = np.unique(np.array([min(a, b) * self.size + max(a, b) for a, b in related], dtype=np.int64))
        self._neighbours: dict[int, set[int]] = defaultdict(set)
        for a, b in related:
            self._neighbours[a].add(b)
            self._neighbours[b].add(a)
        self._has_related = np.zeros(self.size, dtype=bool)
        self._has_related[list(self._neighbours)] = True
        # Blocks: places joined through the relation, a superset of every compatible pair (0: no place).
        pairs = np.array(related, dtype=np.int64).reshape(-1, 2)
        graph = sp.coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(self.size, self.size))
        _, block = connected_components(graph, directed=False)
        self.block_of = block + 1
        self.block_of[0] = 0

    def compatible(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Whether places `a[k]` and `b[k]` may be the same place: equal, related, or one of them unknown."""
        a, b = np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64)
        ok = (a == b) | (a == 0) | (b == 0)
        rest = np.flatnonzero(~ok & self._has_related[a] & self._has_related[b])
        if rest.size and self._related.size:
            keys = np.minimum(a[rest], b[rest]) * self.size + np.maximum(a[rest], b[rest])
            at = np.minimum(np.searchsorted(self._related, keys), self._related.size - 1)
            ok[rest] = self._related[at] == keys
        return ok

    def local_groups(self, ids: Sequence[int]) -> dict[int, int]:
        """Within one group of messages, each place id → the id standing for it and its related places."""
        present = sorted(set(int(i) for i in ids) - {0})
        parent = {p: p for p in present}

        def root(p: int) -> int:
            while parent[p] != p:
                parent[p] = parent[parent[p]]
                p = parent[p]
            return p

        for p in present:
            for q in self._neighbours.get(p, ()):
                if q in parent:
                    parent[root(q)] = root(p)
        return {p: root(p) for p in present}


# --- Vectors -----------------------------------------------------------------------------------

_NOT_WORD = re.compile(r"[\W_]+")


def _bigram_counts(texts: Sequence[str]) -> tuple[sp.csr_matrix, np.ndarray]:
    """Counts of the character bigrams of `texts` (rows) and the sorted bigram keys (columns).

    Done on arrays of code points rather than string by string: a bigram is the 64-bit
    key (first code point << 32 | second); bigrams across a non-word character or two
    texts are not counted.
    """
    cleaned = [_NOT_WORD.sub("\x00", t) for t in texts]
    codes = np.frombuffer("\x00".join(cleaned).encode("utf-32-le"), dtype=np.uint32)
    if codes.size < 2:
        return sp.csr_matrix((len(texts), 0), dtype=np.float64), np.zeros(0, dtype=np.uint64)
    breaks = codes == 0
    # Text d runs up to bounds[d] - 1, where the separator of the join stands.
    bounds = np.cumsum(np.fromiter(map(len, cleaned), dtype=np.int64, count=len(cleaned)) + 1)
    valid = np.flatnonzero(~(breaks[:-1] | breaks[1:]))
    keys = (codes[valid].astype(np.uint64) << np.uint64(32)) | codes[valid + 1].astype(np.uint64)
    rows = np.searchsorted(bounds, valid, side="right")
    vocabulary = np.unique(keys)
    columns = np.searchsorted(vocabulary, keys)
    counts = sp.csr_matrix(
        (np.ones(keys.size, dtype=np.float64), (rows, columns)), shape=(len(texts), vocabulary.size)
    )
    counts.sum_duplicates()
    return counts, vocabulary


def _bigram_key(bigram: str) -> int:
    return (ord(bigram[0]) << 32) | ord(bigram[1])


# Full-width ASCII (ＡＢＣ１２３，：) and the ideographic space: what NFKC changes in nearly every Chinese text.
_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}


def _fold_all(texts: Sequence[str]) -> list[str]:
    """NFKC of each text, in one pass over their join.

    The full-width forms are translated by a table (twice as fast as NFKC); NFKC itself runs
    only when something else would still change (circled digits, ㎡ …).
    """
    joined = "\x00".join(t.replace("\x00", " ") for t in texts).translate(_FULL_WIDTH)
    if not unicodedata.is_normalized("NFKC", joined):
        joined = unicodedata.normalize("NFKC", joined)
    return joined.split("\x00")


_EXCEL_CR = re.compile(r"_x000[dD]_")
_ASTERISKS = re.compile(r"\*{3,}")
_DIGITS = re.compile(r"\d+")
_SPACES = re.compile(r"\s+")


def _normalise_folded(texts: Sequence[str]) -> list[str]:
    """`rexian.intelligence.text.normalise` of texts `_fold_all` has folded already, in one pass over their join."""
    if not texts:
        return []
    joined = "\x00".join(texts)
    joined = _ASTERISKS.sub(" ", _EXCEL_CR.sub(" ", joined))
    joined = _SPACES.sub(" ", _DIGITS.sub("0", joined.lower()))
    return [t.strip() for t in joined.split("\x00")]


def _groups_of(labels: np.ndarray) -> list[np.ndarray]:
    """The positions of each label's members, for every label present (one sort, not one scan per label)."""
    order = np.argsort(labels, kind="stable")
    cuts = np.flatnonzero(np.diff(labels[order])) + 1
    return np.split(order, cuts)


def _normalised_rows(matrix: sp.spmatrix) -> sp.csr_matrix:
    matrix = sp.csr_matrix(matrix, dtype=np.float32)
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return (sp.diags((1.0 / norms).astype(np.float32)) @ matrix).tocsr()


def _top_terms(matrix: sp.csr_matrix, terms: int, usable: np.ndarray | None = None) -> sp.csr_matrix:
    """`matrix` keeping, in each row, its `terms` heaviest entries (of the usable columns), weights as they are."""
    data = matrix.data if usable is None else np.where(usable[matrix.indices], matrix.data, 0)
    lengths = np.diff(matrix.indptr)
    row_of = np.repeat(np.arange(matrix.shape[0]), lengths)
    # Heaviest first within each row: one sort of (row, 1 − weight), weights being in [0, 1].
    order = np.argsort(row_of * 2.0 + (1.0 - data), kind="stable")
    rank = np.arange(order.size) - np.repeat(matrix.indptr[:-1], lengths)
    keep = order[(rank < terms) & (data[order] > 0)]
    return sp.csr_matrix((matrix.data[keep], (row_of[keep], matrix.indices[keep])), shape=matrix.shape)


def _term_pairs(a: sp.csr_matrix, block_a: np.ndarray, b: sp.csr_matrix, block_b: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray]:
    """(row of `a`, row of `b`) pairs sharing a column, when their blocks are equal or either is 0 (no place).

    Within blocks a column is split by block, (column, block), so one product finds the pairs
    of every block at once; rows of block 0 are then paired with all the other side's rows.
    """
    ca, cb = a.tocoo(), b.tocoo()
    pa, pb = block_a[ca.row] > 0, block_b[cb.row] > 0
    width = int(max(block_a.max(initial=0), block_b.max(initial=0))) + 1
    keys = np.concatenate((ca.col[pa].astype(np.int64) * width + block_a[ca.row[pa]],
                           cb.col[pb].astype(np.int64) * width + block_b[cb.row[pb]]))
    _, columns = np.unique(keys, return_inverse=True)
    columns = columns.ravel()
    n = int(columns.max(initial=-1)) + 1
    split_a = sp.csr_matrix((np.ones(int(pa.sum()), np.float32), (ca.row[pa], columns[: pa.sum()])),
                            shape=(a.shape[0], n))
    split_b = sp.csr_matrix((np.ones(int(pb.sum()), np.float32), (cb.row[pb], columns[pa.sum():])),
                            shape=(b.shape[0], n))
    within = (split_a @ split_b.T).tocoo()
    loose_a, loose_b = np.flatnonzero(block_a == 0), np.flatnonzero((block_b == 0))
    from_a = (a[loose_a] @ b.T).tocoo()
    placed_a = np.flatnonzero(block_a > 0)
    from_b = (a[placed_a] @ b[loose_b].T).tocoo()
    i = np.concatenate((within.row, loose_a[from_a.row], placed_a[from_b.row])).astype(np.int64)
    j = np.concatenate((within.col, from_a.col, loose_b[from_b.col])).astype(np.int64)
    return i, j


def _unique_pairs(i: np.ndarray, j: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct (i[k], j[k]) pairs (non-negative integers) sorted by i then j: what np.unique of the stacked
    rows (axis=0) gives, from one sort of int64 keys, in a small part of its time (millions of pairs for a
    year of a city's orders)."""
    i, j = np.asarray(i, dtype=np.int64), np.asarray(j, dtype=np.int64)
    if not i.size:
        return i, j
    width = np.int64(int(j.max()) + 1)
    keys = np.sort(i * width + j)
    keys = keys[np.r_[True, keys[1:] != keys[:-1]]]
    return keys // width, keys % width


def _pair_dots(a: sp.csr_matrix, i: np.ndarray, b: sp.csr_matrix, j: np.ndarray, chunk: int = 200_000) -> np.ndarray:
    """The dot product of row i[k] of `a` with row j[k] of `b`, for every k (in chunks: bounded memory)."""
    out = np.empty(i.size, dtype=np.float32)
    for s in range(0, i.size, chunk):
        rows_a, rows_b = a[i[s : s + chunk]], b[j[s : s + chunk]]
        out[s : s + chunk] = np.asarray(rows_a.multiply(rows_b).sum(axis=1)).ravel()
    return out


class Corpus:
    """Messages vectorised once: TF-IDF of character bigrams, places, and what clustering and ranking need.

    Build one corpus for all the windows of a scan (the current and previous windows, the
    baseline days): their vectors then share one vocabulary and one idf.
    """

    def __init__(self, messages: Sequence[Message], *, places: PlaceFinder | None = None,
                 background: Sequence[str] = ()):
        """`background`: texts of other requests that only count for how common a bigram is (its idf).

        A small set of messages all about one thing (a report on one category) would otherwise
        find its common words the least telling, and its similar messages unalike.
        """
        self.messages = list(messages)
        self.finder = places or PlaceFinder()
        n = len(self.messages)
        titles = _fold_all([m.title for m in self.messages])
        bodies = _fold_all([(m.text or "")[:TEXT_CHARS] for m in self.messages])
        addresses = _fold_all([m.address or "" for m in self.messages])
        names = [self.finder.place_of(t, a, b, folded=True) for t, a, b in zip(titles, addresses, bodies)]
        self.places = Places(names)
        # The wording is compared without the place: the place is compared on its own (`Places`), so two
        # requests about different things in one compound are not alike for sharing its name.
        titles = _normalise_folded([t.replace(p, " ") if p else t for t, p in zip(titles, names)])
        bodies = _normalise_folded([b.replace(p, " ") if p else b for b, p in zip(bodies, names)])
        # What identifies identical requests (collapsed before pairing).
        self.texts = [f"{t}\x00{b}" for t, b in zip(titles, bodies)]
        others = _normalise_folded(_fold_all([(text or "")[: 2 * TEXT_CHARS] for text in background])) if background \
            else []
        counts, self.vocabulary = _bigram_counts(titles + bodies + others)
        others_counts = counts[2 * n :]
        counts = (TITLE_WEIGHT * counts[:n] + counts[n : 2 * n]).tocsr()
        # A specific place, as one feature of its own: two messages about one compound are a little alike for it
        # (a town or a community is too wide a place for that).
        named = np.flatnonzero(self.places.specific)
        place_counts = sp.csr_matrix(
            (np.full(named.size, PLACE_WEIGHT, dtype=np.float64), (named, self.places.ids[named] - 1)),
            shape=(n, max(self.places.size - 1, 0)),
        )
        counts = sp.hstack([counts, place_counts]).tocsr()
        transformer = TfidfTransformer(sublinear_tf=True, smooth_idf=True, norm="l2")
        if counts.shape[1]:
            others_counts = sp.hstack([others_counts, sp.csr_matrix((len(others), place_counts.shape[1]))])
            transformer.fit(sp.vstack([counts, others_counts]).tocsr())
            self.vectors = transformer.transform(counts).astype(np.float32).tocsr()
            self.idf = transformer.idf_
        else:
            self.vectors, self.idf = sp.csr_matrix((n, 0), dtype=np.float32), np.zeros(0)
        self.times = np.array([m.at.timestamp() for m in self.messages], dtype=np.float64)

    def __len__(self) -> int:
        return len(self.messages)

    def rows_between(self, start: dt.datetime, end: dt.datetime) -> np.ndarray:
        """The rows of the messages from `start` (included) to `end` (excluded)."""
        return np.flatnonzero((self.times >= start.timestamp()) & (self.times < end.timestamp()))

    def word_idf(self, word: str) -> float:
        """How rare `word` is in the corpus: the idf of its rarest bigram (a word is at least that rare)."""
        word = normalise(word)
        best = 0.0
        for k in range(len(word) - 1):
            key = _bigram_key(word[k : k + 2])
            at = int(np.searchsorted(self.vocabulary, key))
            if at < self.vocabulary.size and int(self.vocabulary[at]) == key:
                best = max(best, float(self.idf[at]))
            else:
                return float(self.idf.max()) if self.idf.size else 1.0  # never seen: as rare as it gets
        return best

    # Clustering.

    def cluster(self, rows: np.ndarray, *, similarity: float = SIMILARITY, min_count: int = MIN_COUNT,
                candidate_terms: int = CANDIDATE_TERMS) -> list[np.ndarray]:
        """The groups of similar messages about one place among `rows` (corpus rows), largest first."""
        rows = np.asarray(rows, dtype=np.int64)
        if rows.size < min_count:
            return []
        # Identical texts about the same place are one node: their pairs need no arithmetic.
        first: dict[tuple[str, int], int] = {}
        place = self.places.ids
        rep = np.array([first.setdefault((self.texts[r], int(place[r])), k) for k, r in enumerate(rows)],
                       dtype=np.int64)
        unique = np.flatnonzero(rep == np.arange(rows.size))
        position = np.empty(rows.size, dtype=np.int64)
        position[unique] = np.arange(unique.size)
        node_of = position[rep]
        weight = np.bincount(node_of, minlength=unique.size)  # messages per node
        nodes = rows[unique]
        i, j = self._candidate_pairs(nodes, candidate_terms)
        sims = _pair_dots(self.vectors, nodes[i], self.vectors, nodes[j])
        linked = sims >= similarity
        graph = sp.coo_matrix((np.ones(int(linked.sum())), (i[linked], j[linked])), shape=(nodes.size,) * 2)
        _, labels = connected_components(graph, directed=False)
        for _round in range(REFINE_ROUNDS):
            refined = self._refine(nodes, weight, labels, i, j)
            if np.array_equal(refined, labels):
                break
            labels = refined
        groups = []
        for members in _groups_of(labels[node_of]):
            if members.size >= min_count:
                groups.extend(self._split_by_place(rows[members]))
        groups = [g for g in groups if g.size >= min_count]
        groups.sort(key=lambda g: (-g.size, int(g.min())))
        return groups

    def _candidate_pairs(self, nodes: np.ndarray, terms: int) -> tuple[np.ndarray, np.ndarray]:
        """Pairs (positions in `nodes`, i < j) sharing one of their `terms` heaviest bigrams, places compatible.

        Messages naming places that cannot be the same are never paired, so the pairs are looked
        for within each block of related places, and between the messages naming no place and
        all: sharing the common words of a kind of request across a city's compounds would
        otherwise make millions of pairs to throw away.
        """
        X = self.vectors[nodes]
        if X.nnz == 0:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        # A bigram only one of these messages has cannot pair them: it is left out of the candidates.
        df = np.bincount(X.indices, minlength=X.shape[1])
        T = _top_terms(X, terms, usable=df >= 2)
        block = self.places.block_of[self.places.ids[nodes]]
        i, j = _term_pairs(T, block, T, block)
        upper = i < j
        i, j = _unique_pairs(i[upper], j[upper])
        ok = self.places.compatible(self.places.ids[nodes[i]], self.places.ids[nodes[j]])
        return i[ok], j[ok]

    def _refine(self, nodes: np.ndarray, weight: np.ndarray, labels: np.ndarray, i: np.ndarray,
                j: np.ndarray) -> np.ndarray:
        """Labels after one round of centroid linkage over the candidate pairs (`cluster` runs a few).

        Messages written by different people about one issue are often only loosely alike
        pairwise (0.1–0.3) but close to what the issue's group has in common. So a lone
        message joins the group (of at least two) whose centroid is closest, at `ATTACH`
        or more, and two groups whose centroids reach `MERGE` become one; only groups that
        a candidate pair connects are compared, and places must be compatible.
        """
        size = np.bincount(labels, weights=weight)
        seeds = np.flatnonzero(size >= 2)
        if seeds.size == 0 or i.size == 0:
            return labels
        seed_index = np.full(size.size, -1, dtype=np.int64)
        seed_index[seeds] = np.arange(seeds.size)
        in_seed = np.flatnonzero(seed_index[labels] >= 0)
        member = sp.csr_matrix(
            (weight[in_seed].astype(np.float32), (seed_index[labels[in_seed]], in_seed)), shape=(seeds.size, nodes.size)
        )
        centroids = _normalised_rows(member @ self.vectors[nodes])
        place = self.places.ids[nodes]
        seed_place = np.zeros(seeds.size, dtype=np.int64)
        for k, node in zip(seed_index[labels[in_seed]], in_seed):
            if place[node] and not seed_place[k]:
                seed_place[k] = place[node]
        li, lj = labels[i], labels[j]
        labels = labels.copy()
        lone_i = (size[li] < 2) & (size[lj] >= 2)
        lone_j = (size[lj] < 2) & (size[li] >= 2)
        lone = np.concatenate((i[lone_i], j[lone_j]))
        group = np.concatenate((seed_index[lj[lone_i]], seed_index[li[lone_j]]))
        if lone.size:
            lone, group = _unique_pairs(lone, group)
            fit = _pair_dots(self.vectors, nodes[lone], centroids, group)
            ok = (fit >= ATTACH) & self.places.compatible(place[lone], seed_place[group])
            lone, group, fit = lone[ok], group[ok], fit[ok]
            best = np.lexsort((-fit, lone))
            lone, group = lone[best], group[best]
            first = np.concatenate(([True], lone[1:] != lone[:-1])) if lone.size else np.zeros(0, dtype=bool)
            labels[lone[first]] = seeds[group[first]]
        both = (size[li] >= 2) & (size[lj] >= 2) & (li != lj)
        if both.any():
            x, y = seed_index[li[both]], seed_index[lj[both]]
            a, b = _unique_pairs(np.minimum(x, y), np.maximum(x, y))
            fit = _pair_dots(centroids, a, centroids, b)
            ok = (fit >= MERGE) & self.places.compatible(seed_place[a], seed_place[b])
            if ok.any():
                graph = sp.coo_matrix((np.ones(int(ok.sum())), (a[ok], b[ok])), shape=(seeds.size,) * 2)
                _, merged = connected_components(graph, directed=False)
                # The members of every seed take the label of the first seed of their merged group.
                first_seed = np.zeros(merged.max() + 1, dtype=np.int64)
                first_seed[merged[::-1]] = seeds[::-1]
                moved = seed_index[labels] >= 0
                labels[moved] = first_seed[merged[seed_index[labels[moved]]]]
        return labels

    def centroid(self, rows: np.ndarray) -> sp.csr_matrix:
        """The normalised mean of the rows' vectors (what a group's messages have in common)."""
        return _normalised_rows(sp.csr_matrix(self.vectors[rows].sum(axis=0)))

    def centroids(self, groups: Sequence[np.ndarray]) -> sp.csr_matrix:
        """The centroid of each group, one row each, in one product."""
        members = np.concatenate([np.asarray(g, dtype=np.int64) for g in groups])
        owner = np.repeat(np.arange(len(groups)), [len(g) for g in groups])
        membership = sp.csr_matrix((np.ones(members.size, np.float32), (owner, members)),
                                   shape=(len(groups), len(self)))
        return _normalised_rows(membership @ self.vectors)

    def _split_by_place(self, rows: np.ndarray) -> list[np.ndarray]:
        """A group naming several places, as one group per place; the other members go to the closest.

        Only places that at least two members name count: one message naming a place the
        others do not is as good as placeless (it may mention a road on the way).
        """
        ids = self.places.ids[rows]
        local = self.places.local_groups(ids)
        group_of = np.array([local.get(int(p), 0) for p in ids], dtype=np.int64)
        counted = Counter(group_of.tolist())
        named = sorted(p for p, n in counted.items() if p and n >= 2)
        if len(named) <= 1:
            return [rows]
        group_of[~np.isin(group_of, named)] = 0
        parts = {p: list(rows[group_of == p]) for p in named}
        centroids = sp.vstack([self.centroid(np.array(parts[p])) for p in named]).tocsr()
        loose = rows[group_of == 0]
        if loose.size:
            nearest = np.asarray((self.vectors[loose] @ centroids.T).toarray().argmax(axis=1)).ravel()
            for r, k in zip(loose, nearest):
                parts[named[k]].append(r)
        return [np.array(sorted(parts[p]), dtype=np.int64) for p in named]

    def place_of_group(self, rows: np.ndarray) -> tuple[str, int]:
        """The place at least half the members name (its spelling named most, longest first) and its id."""
        ids = self.places.ids[rows]
        local = self.places.local_groups(ids)
        group_of = [local.get(int(p), 0) for p in ids]
        counted = Counter(g for g in group_of if g)
        if not counted:
            return "", 0
        best, n = counted.most_common(1)[0]
        if n * 2 < len(rows):
            return "", 0
        names = Counter(self.places.names[r] for r, g in zip(rows, group_of) if g == best)
        top = max(names.values())
        return max((name for name, c in names.items() if c == top), key=len), best

    def similar_counts(self, groups: Sequence[np.ndarray], rows: np.ndarray, *,
                       similarity: float = SIMILARITY) -> np.ndarray:
        """For each group, how many of `rows` are close to its centroid (and name a compatible place)."""
        rows = np.asarray(rows, dtype=np.int64)
        if not groups or rows.size == 0:
            return np.zeros(len(groups), dtype=np.int64)
        # Each centroid by its CENTROID_TERMS heaviest bigrams: the dot product is then a lower bound of the
        # cosine (the rest of the centroid is light). Only the messages sharing one of a centroid's heaviest
        # bigrams among their own, and naming a place of its block or none, are compared with it.
        centroids = _top_terms(self.centroids(groups), CENTROID_TERMS)
        group_places = np.array([self.place_of_group(g)[1] for g in groups], dtype=np.int64)
        X = self.vectors[rows]
        close, group = _term_pairs(
            _top_terms(X, CANDIDATE_TERMS), self.places.block_of[self.places.ids[rows]],
            _top_terms(centroids, CANDIDATE_TERMS), self.places.block_of[group_places],
        )
        close, group = _unique_pairs(close, group)
        fit = _pair_dots(X, close, centroids, group)
        close, group = close[fit >= similarity], group[fit >= similarity]
        ok = self.places.compatible(self.places.ids[rows[close]], group_places[group])
        return np.bincount(group[ok], minlength=len(groups)).astype(np.int64)


# --- Naming and ranking ----------------------------------------------------------------------------

_FILLER = frozenset(
    """
    的 了 吗 呢 啊 吧 呀 是 有 在 对 把 被 给 从 向 到 就 都 也 还 又 很 再 和 与 及 或 等 请 问 您 我 你 他 她 它
    我们 你们 他们 这个 那个 一个 一些 这样 什么 怎么 如何 为何 为什么 何时 能否 是否 可以 能不能 是不是 关于 请问
    来电 来电人 市民 群众 诉求 反映 投诉 举报 咨询 建议 求助 表扬 要求 希望 请求 恳请 强烈 呼吁 严重 存在 问题 情况
    相关 有关 部门 政府 领导 尊敬 您好 你好 谢谢 尽快 处理 解决 核实 落实 答复 回复 进行 已经 没有 一直 多次 至今
    目前 现在 近期 最近 长期 经常 今年 去年 事情 事宜 一事 此事 如下 以下 我家 本人 业主 居民 附近 周边 有何 何时
    时候 到底 能否 为何 怎样 究竟 还有 不能 不予 无人 一下 以及 关注 过问 咨询 疑问 询问 相关 问问
    """.split()
)
_HAS_DIGIT_OR_LATIN = re.compile(r"[0-9a-z]")
# Administrative prefixes, as normalised: 江安市, a0区 (the pseudonymised A3区 of the Teddy Cup data).
_ADMIN = re.compile(r"[a-z]?0?[省市区县]|[\u4e00-\u9fff]{2,3}[省市县](?=[\u4e00-\u9fff])")


def sensitive_in(texts: Iterable[str], words: Iterable[str]) -> tuple[str, ...]:
    """The sensitive words (舆情风险词) that occur in any of `texts`, in the order of `words`."""
    words = [w for w in words if w]
    found: list[str] = []
    for text in texts:
        text = _nfkc(text)
        found.extend(w for w in words if w not in found and w in text)
        if len(found) == len(words):
            break
    return tuple(w for w in words if w in found)


def _keywords(corpus: Corpus, rows: Sequence[int], segmenter: Segmenter, place: str, limit: int) -> tuple[str, ...]:
    """The words of the members' titles that best say what the issue is about (see the module docstring)."""
    share: Counter[str] = Counter()
    for r in rows:
        title = _nfkc(corpus.messages[r].title)
        # The places are shown on their own; cut out, they cannot leave fragments (丽发|新城 → 区丽发).
        for name in [place, *corpus.finder.places(title)]:
            if name:
                title = title.replace(name, " ")
        share.update(set(segmenter.cut(_ADMIN.sub(" ", normalise(title)))))
    place_norm = place_key(place)
    scored = []
    for word, n in share.items():
        if len(word) < 2 or word in _FILLER or _HAS_DIGIT_OR_LATIN.search(word):
            continue
        if place_norm and (word in place_norm or place_norm in word):
            continue  # the place is shown on its own
        scored.append((n / len(rows) * corpus.word_idf(word), word))
    scored.sort(key=lambda item: (-item[0], item[1]))
    return tuple(word for _score, word in scored[:limit])


def score(count: int, previous_count: int | None, attention: float, *, attention_weight: float = ATTENTION_WEIGHT,
          growth_weight: float = GROWTH_WEIGHT, growth_cap: float = GROWTH_CAP) -> float:
    """The ranking score of an issue (the formula of the module docstring); previous_count None: no growth term."""
    base = math.log1p(count) + attention_weight * math.log1p(max(attention, 0.0))
    if previous_count is None:
        return base
    doublings = min(max(math.log2((count + 1) / (previous_count + 1)), 0.0), growth_cap)
    return base * (1.0 + growth_weight * doublings)


def rank_issues(
    corpus: Corpus,
    rows: np.ndarray,
    previous_rows: np.ndarray | None = None,
    *,
    limit: int | None = 10,
    segmenter: Segmenter | None = None,
    sensitive_words: Sequence[str] = (),
    similarity: float = SIMILARITY,
    min_count: int = MIN_COUNT,
    min_authors: int = MIN_AUTHORS,
    max_author_share: float = MAX_AUTHOR_SHARE,
    keywords: int = KEYWORDS,
) -> list[Issue]:
    """The hot issues among `rows` of the corpus, best score first, at most `limit` (None: all).

    `previous_rows` are the messages of the previous window of equal length, for the
    growth term; None leaves growth out of the score (previous_count 0, growth None).
    """
    groups = corpus.cluster(rows, similarity=similarity, min_count=min_count)
    if not groups:
        return []
    segmenter = segmenter or Segmenter(corpus.finder.known)
    drafts = []
    for g in groups:
        authors = Counter(corpus.messages[r].author or f"#{r}" for r in g)
        if len(authors) < min_authors or max(authors.values()) > max_author_share * g.size:
            continue
        attention = len(authors) + sum(n - 1 for n in authors.values())
        attention += sum(corpus.messages[r].attention for r in g)
        drafts.append((g, len(authors), attention))
    # Growth can lift a score by at most (1 + GROWTH_WEIGHT · GROWTH_CAP): only the issues that could
    # reach the top with it need their previous window counted.
    if not drafts:
        return []
    base = np.array([score(g.size, None, a) for g, _n, a in drafts])
    if limit is not None and len(drafts) > limit:
        bar = np.sort(base)[::-1][limit - 1]
        keep = np.flatnonzero(base * (1 + GROWTH_WEIGHT * GROWTH_CAP) >= bar)
        drafts = [drafts[k] for k in keep]
    previous = (
        corpus.similar_counts([g for g, _n, _a in drafts], previous_rows, similarity=similarity)
        if previous_rows is not None
        else None
    )
    scored = []
    for k, (g, authors, attention) in enumerate(drafts):
        prev = int(previous[k]) if previous is not None else None
        scored.append((score(g.size, prev, attention), k, prev))
    scored.sort(key=lambda item: (-item[0], item[1]))
    if limit is not None:
        scored = scored[:limit]
    issues = []
    for value, k, prev in scored:
        g, authors, attention = drafts[k]
        issues.append(_issue(corpus, g, prev, authors, attention, value, segmenter, sensitive_words, keywords))
    return issues


def _issue(corpus: Corpus, g: np.ndarray, previous_count: int | None, authors: int, attention: float, value: float,
           segmenter: Segmenter, sensitive_words: Sequence[str], keywords: int) -> Issue:
    messages = corpus.messages
    newest_first = sorted(g.tolist(), key=lambda r: (messages[r].at, r), reverse=True)
    centroid = corpus.centroid(g)
    closeness = np.asarray((corpus.vectors[g] @ centroid.T).todense()).ravel()
    typical = [int(g[k]) for k in np.argsort(-closeness, kind="stable")[:NAMING_MESSAGES]]
    place, _ = corpus.place_of_group(g)
    if not place:
        areas = Counter(messages[r].area for r in g if messages[r].area)
        if areas:
            area, n = areas.most_common(1)[0]
            place = area if n * 2 >= g.size else ""
    count = int(g.size)
    growth = None
    if previous_count:
        growth = round(count / previous_count - 1.0, 3)
    return Issue(
        title=messages[typical[0]].title,
        keywords=_keywords(corpus, typical, segmenter, place, keywords),
        place=place,
        count=count,
        previous_count=previous_count or 0,
        growth=growth,
        attention=int(round(attention)),
        score=round(value, 4),
        ids=tuple(messages[r].id for r in newest_first),
        authors=authors,
        first_at=messages[newest_first[-1]].at,
        last_at=messages[newest_first[0]].at,
        sensitive_words=sensitive_in((f"{messages[r].title} {messages[r].text}" for r in g), sensitive_words),
        rows=tuple(newest_first),
    )

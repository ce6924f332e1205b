"""Duplicate requests (重复诉求): how alike two requests are, and which earlier orders a new one may repeat.

Pure text arithmetic, no database: the orders app fetches the few candidates
through its indexes (same caller, same place, last N days) and asks
`rank_candidates` to order them. Text is compared as sets of character bigrams
of the normalised text (`text.normalise`, punctuation and spaces dropped):
no segmentation, so it costs microseconds, needs no dictionary, and a name
jieba would cut differently in two texts still matches.

The score of a candidate is

    score = (TEXT_WEIGHT · text + CALLER_WEIGHT · same_caller + PLACE_WEIGHT · same_place)
            · (1 − AGE_PENALTY · min(age_days / AGE_SPAN_DAYS, 1))

so an identical text from the same caller at the same place today scores 1.0,
and the same from a stranger somewhere unknown 0.7. A candidate is listed when
it shares the caller or its text is at least `MIN_TEXT` alike; a listed one
scoring `DUPLICATE_SCORE` or more is a likely duplicate (the operating point
measured in docs/intelligence.md, "Duplicates").
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rexian.intelligence.text import normalise

# Weights of the score (they add up to 1).
TEXT_WEIGHT = 0.7
CALLER_WEIGHT = 0.2
PLACE_WEIGHT = 0.1
# Older candidates lose up to AGE_PENALTY of their score, linearly over AGE_SPAN_DAYS.
AGE_PENALTY = 0.2
AGE_SPAN_DAYS = 30
# Text similarity from which the texts are said to be alike (reason "内容相似").
SIMILAR_TEXT = 0.5
# Addresses this alike (both given) are the same address (reason "同一地址"); it adds nothing to the score, whose
# text already holds the address, but tells the operator why two orders of a busy town belong together.
SAME_ADDRESS_TEXT = 0.6
# A candidate not from the same caller is listed only from this text similarity on.
MIN_TEXT = 0.3
# From this score on a candidate is a likely duplicate (the measured operating point).
DUPLICATE_SCORE = 0.65

# Reasons, as codes; the pages translate them.
SAME_CALLER = "same_caller"  # 同一来电人
SAME_ADDRESS = "same_address"  # 同一地址
SAME_PLACE = "same_place"  # 同一区域: the area chosen (a town or community) or one below it
SIMILAR = "similar_text"  # 内容相似

_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)


def shingles(text: str) -> frozenset[str]:
    """The character bigrams of `text` once normalised, punctuation and spaces removed.

    A one-character text is its own shingle; an empty text has none.
    """
    chars = _NOT_WORD.sub("", normalise(text))
    if len(chars) < 2:
        return frozenset({chars}) if chars else frozenset()
    return frozenset(map(str.__add__, chars, chars[1:]))


def shingle_similarity(a: frozenset[str], b: frozenset[str]) -> float:
    """Cosine of two shingle sets, |a ∩ b| / √(|a|·|b|), in [0, 1].

    Cosine rather than Jaccard: an operator's short account of a request and
    the longer one recorded earlier are still alike when one holds most of the
    other.
    """
    if not a or not b:
        return 0.0
    return len(a & b) / math.sqrt(len(a) * len(b))


def similarity(a: str, b: str) -> float:
    """How alike two texts are, from 0 (nothing in common) to 1 (the same bigrams)."""
    return shingle_similarity(shingles(a), shingles(b))


@dataclass(frozen=True)
class Candidate:
    """An earlier request that the new one may repeat."""

    id: object
    text: str | frozenset[str]  # the text, or its `shingles` already computed
    same_caller: bool = False
    same_place: bool = False
    age_days: float = 0.0
    address: str | frozenset[str] = ""  # the address alone, or its `shingles`


@dataclass(frozen=True)
class RankedCandidate:
    id: object
    score: float
    text_similarity: float
    # SAME_CALLER, then SAME_ADDRESS (else SAME_PLACE: the narrower says more), then SIMILAR.
    reasons: tuple[str, ...]
    likely: bool  # score ≥ DUPLICATE_SCORE


def _alike(a: frozenset[str], b: str | frozenset[str]) -> float:
    return shingle_similarity(a, b if isinstance(b, frozenset) else shingles(b))


def score(text: float, *, same_caller: bool, same_place: bool, age_days: float) -> float:
    """The combined score (module docstring) of a candidate whose text similarity is `text`."""
    base = TEXT_WEIGHT * text + CALLER_WEIGHT * same_caller + PLACE_WEIGHT * same_place
    age = min(max(age_days, 0.0) / AGE_SPAN_DAYS, 1.0)
    return base * (1.0 - AGE_PENALTY * age)


def rank_candidates(
    query_text: str | frozenset[str],
    candidates: Iterable[Candidate | Sequence],
    *,
    query_address: str | frozenset[str] = "",
    limit: int | None = None,
) -> list[RankedCandidate]:
    """The candidates worth showing for a new request, best first.

    `candidates` are `Candidate`s or tuples `(id, text, same_caller, same_place,
    age_days[, address])`; texts and addresses (the query's included) may be given
    as their `shingles`. Ties go to the younger candidate.
    """
    query = query_text if isinstance(query_text, frozenset) else shingles(query_text)
    where = query_address if isinstance(query_address, frozenset) else shingles(query_address)
    kept: list[tuple[float, float, float, Candidate]] = []
    for item in candidates:
        c = item if isinstance(item, Candidate) else Candidate(*item)
        text = shingle_similarity(query, c.text if isinstance(c.text, frozenset) else shingles(c.text))
        if not c.same_caller and text < MIN_TEXT:
            continue
        value = score(text, same_caller=c.same_caller, same_place=c.same_place, age_days=c.age_days)
        kept.append((-value, c.age_days, text, c))
    kept.sort(key=lambda entry: (entry[0], entry[1]))
    hits = []
    for negative, _age, text, c in kept if limit is None else kept[:limit]:
        reasons = [SAME_CALLER] if c.same_caller else []
        if where and c.address and _alike(where, c.address) >= SAME_ADDRESS_TEXT:
            reasons.append(SAME_ADDRESS)
        elif c.same_place:
            reasons.append(SAME_PLACE)
        reasons += [SIMILAR] if text >= SIMILAR_TEXT else []
        hits.append(
            RankedCandidate(
                id=c.id, score=round(-negative, 3), text_similarity=round(text, 3), reasons=tuple(reasons),
                likely=-negative >= DUPLICATE_SCORE,
            )
        )
    return hits

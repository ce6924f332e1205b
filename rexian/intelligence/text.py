"""Chinese text for the classifiers: normalisation and word segmentation (分词).

Segmentation uses jieba with a private dictionary per `Segmenter`, so the city's
own place and unit names (幸福家园小区, 住建局 …) stay whole words instead of
being cut into characters, and two segmenters with different vocabularies never
disturb each other (jieba's module-level functions share one global dictionary).
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from collections.abc import Iterable

import jieba

# jieba logs "Building prefix dict…" on every new dictionary; not news for an operator.
jieba.setLogLevel(logging.WARNING)

_SPACE = re.compile(r"\s+")
_DIGITS = re.compile(r"\d+")
# Excel exports of the messages carry carriage returns as literal `_x000D_`.
_EXCEL_CR = re.compile(r"_x000[dD]_")
_ASTERISKS = re.compile(r"\*{3,}")
_WORDLIKE = re.compile(r"\w", re.UNICODE)


def normalise(text: str) -> str:
    """Return `text` in the one form the classifiers see.

    Full-width letters and digits become half-width (NFKC), Latin letters lower
    case, every run of digits a single "0" (dates, amounts and house numbers say
    little about the topic and would otherwise each be a new feature), masked
    runs of `*` and Excel's `_x000D_` disappear, and whitespace collapses to one
    space.
    """
    text = unicodedata.normalize("NFKC", text or "")
    text = _EXCEL_CR.sub(" ", text)
    text = _ASTERISKS.sub(" ", text)
    text = _DIGITS.sub("0", text.lower())
    return _SPACE.sub(" ", text).strip()


def order_text(title: str | None, description: str | None) -> str:
    """The text a classifier reads for an order: its title, then its description.

    The title comes first because the classifier weighs the opening characters
    apart (they are the title when there is one); "。" keeps the last word of the
    title from running into the first word of the description.
    """
    title, description = (title or "").strip(), (description or "").strip()
    if title and description:
        return f"{title}。{description}"
    return title or description


_BASE: jieba.Tokenizer | None = None
_BASE_LOCK = threading.Lock()


def _new_tokenizer() -> jieba.Tokenizer:
    """A jieba tokenizer with the standard dictionary, copied from one loaded once per process.

    Loading the dictionary takes about a second; copying its frequency table a few milliseconds.
    """
    global _BASE
    with _BASE_LOCK:
        if _BASE is None:
            base = jieba.Tokenizer()
            base.initialize()
            _BASE = base
    tokenizer = jieba.Tokenizer()
    tokenizer.FREQ, tokenizer.total = dict(_BASE.FREQ), _BASE.total
    tokenizer.initialized = True
    return tokenizer


class Segmenter:
    """Cuts normalised Chinese text into words with jieba and a custom dictionary.

    `words` are names that must stay whole (units, places, categories). The jieba
    dictionary is loaded on first use and not pickled: a saved classifier keeps
    only the custom words and rebuilds its dictionary when loaded.
    """

    def __init__(self, words: Iterable[str] = ()):
        self.words = tuple(sorted({w.strip() for w in words if w and w.strip()}))
        self._tokenizer: jieba.Tokenizer | None = None
        self._lock = threading.Lock()

    def _ready(self) -> jieba.Tokenizer:
        if self._tokenizer is None:
            with self._lock:
                if self._tokenizer is None:
                    tokenizer = _new_tokenizer()
                    for word in self.words:
                        # Normalised like the text it must match ("12345热线" → "0热线").
                        tokenizer.add_word(normalise(word), freq=None)
                    self._tokenizer = tokenizer
        return self._tokenizer

    def cut(self, text: str) -> list[str]:
        """The words of already normalised `text`, without spaces and punctuation."""
        return [w for w in self._ready().lcut(text, HMM=True) if _WORDLIKE.search(w)]

    def __getstate__(self):
        return {"words": self.words}

    def __setstate__(self, state):
        self.words = state["words"]
        self._tokenizer = None
        self._lock = threading.Lock()


# Generic words the demo city's place names are built from; they are words already.
_GENERIC_SUFFIXES = ("社区", "村", "小区", "花园", "街道", "镇")


def demo_city_words() -> list[str]:
    """Names of the demo city 江安市 (rexian/demo/data.py): units, towns, compounds, roads, schools.

    Used when a classifier is trained outside a running hotline (the evaluation
    command, the benchmark); a deployed centre uses `master_data_words()`.
    """
    from rexian.demo import data

    words: set[str] = {data.CITY_NAME, data.CENTRE_SHORT}
    for _key, full, short in [*data.BUREAUS, *data.UTILITIES]:
        words.update((full, short))
    for town in data.TOWNS:
        words.add(town.name)
        words.update(name for _key, name in town.communities)
        words.update(town.compounds)
        words.update(town.roads)
        words.update(town.schools)
    words.update(data.HOSPITALS)
    words.update(data.CATEGORY_NAMES.values())
    return sorted(w for w in words if w not in _GENERIC_SUFFIXES)


def master_data_words() -> list[str]:
    """Names from the centre's master data: units (full and short names) and categories."""
    from rexian.catalog.selectors import category_names
    from rexian.units.selectors import unit_names

    return sorted(w for w in {*unit_names(), *category_names()} if len(w) > 1)

"""How specific a term is: how much more often a lecture says it than its language does.

The language's side comes from wordfreq (word frequencies of 40-odd languages,
shipped in its wheel). A word the language uses every day ("work", "people",
"Zeit") is a term only inside a phrase ("work function"); any other term must
be said at least ten times more often than the language says it. Inflections
fold into one term by their Snowball stem ("God"/"Gods", "kill"/"killed").
Without a language (one no stop-word list fits), there is nothing to compare
with: every term counts as specific and words fold by a plural rule.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import snowballstemmer

# Zipf 4.5 is once in about 30,000 words: "mood", "engine" and rarer words are below it, "work" far above.
EVERYDAY_ZIPF = 4.5
# log10 of how many times more often the lecture must say a term than the language does.
MIN_KEYNESS = 1.0
# Zipf points a phrase is taken to be rarer than its rarest word, per word past the first.
PHRASE_RARITY = 1.0
# A word wordfreq has never seen counts as this rare (Zipf 1: once in a billion words).
UNSEEN_ZIPF = 1.0
_STEMMERS = {"en": "english", "de": "german", "es": "spanish", "fr": "french"}


def zipf(text: str, language: str) -> float:
    """The Zipf frequency of ``text`` in ``language`` (log10 of uses per billion words)."""
    return max(_zipf(text.casefold(), language), UNSEEN_ZIPF)


@lru_cache(maxsize=50_000)
def _zipf(text: str, language: str) -> float:
    # Imported here: wordfreq takes a second to import (it inspects the call stack), which a run
    # pays only once a stage needs it, not before its first stage starts.
    from wordfreq import zipf_frequency

    if language not in _loaded:
        # The first call loads the language's list (about 40 MB once in memory): threads that made it
        # at once would each parse a copy of their own, and the run's peak memory would be theirs.
        with _loading:
            frequency = zipf_frequency(text, language)
            _loaded.add(language)
            return frequency
    return zipf_frequency(text, language)


_loaded: set[str] = set()
_loading = threading.Lock()


def is_everyday(text: str, language: str | None) -> bool:
    """Whether ``text`` is a single word that ``language`` uses every day, or an inflection of one
    ("cools", "killed": their stems "cool" and "kill" are everyday words)."""
    if language is None or len(text.split()) != 1:
        return False
    stem = _stem(text.casefold(), language)
    # A stem drops a final "e" too: "increases" is "increas", an inflection of "increase".
    return max(zipf(form, language) for form in (text, stem, stem + "e")) >= EVERYDAY_ZIPF


def keyness(text: str, count: int, total_words: int, language: str | None) -> float:
    """log10 of how many times more often the lecture says ``text`` than the language does.

    For a phrase wordfreq estimates the language's frequency from its words, about
    that of its rarest word: far too high for a phrase ("second law" would be as
    common as "law"), so each word past the first counts as making it PHRASE_RARITY rarer.
    """
    if language is None:
        return MIN_KEYNESS
    said = math.log10(count / max(total_words, 1) * 1e9)
    return said - (zipf(text, language) - PHRASE_RARITY * (len(text.split()) - 1))


def is_specific(text: str, count: int, total_words: int, language: str | None) -> bool:
    return not is_everyday(text, language) and keyness(text, count, total_words, language) >= MIN_KEYNESS


def fold(words: Sequence[str], language: str | None) -> tuple[str, ...]:
    """The words' case-folded stems: what the inflections of one term share."""
    return tuple(_stem(word.casefold(), language) for word in words)


@lru_cache(maxsize=50_000)
def _stem(word: str, language: str | None) -> str:
    name = _STEMMERS.get(language or "")
    if name is None:
        return _singular(word)
    return _stemmer(name).stemWord(word)


_local = threading.local()


def _stemmer(name: str) -> snowballstemmer.stemmer:
    # A Snowball stemmer keeps the word it works on in itself: one per thread.
    stemmers = _local.__dict__.setdefault("stemmers", {})
    if name not in stemmers:
        # Imported here, as wordfreq is: it loads the stemmers of thirty languages, which the stages
        # before the first stem do not need.
        import snowballstemmer

        stemmers[name] = snowballstemmer.stemmer(name)
    return stemmers[name]


def _singular(word: str) -> str:
    """A plural rule for languages without a stemmer: "networks" and "network" are one term."""
    if len(word) <= 3 or not word.endswith("s") or word.endswith(("ss", "us", "is")):
        return word
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("ches", "shes", "xes", "sses", "zes")):
        return word[:-2]
    return word[:-1]

"""The sentence a concept note opens with: the one that defines the concept, else the one that best explains it.

A course uses some of its ideas without ever saying what they are ("the hot
reservoir", "an ideal gas"). For such a term the best sentence has the term as
its subject and a verb that says something of it ("The hot reservoir loses
entropy Q over T h, ..."), or else a property of the term as its subject ("The
internal energy of an ideal gas depends only on the temperature."), and of
those the one that shares the most content words with the other sentences of
the lecture that say the term: what the lecture says of it, a calculation
("The entropy increases by k times the natural log of two") ranking below any
statement. A bare
mention ("Let's do it with an ideal gas in a cylinder.", the term as an object)
or a filler ("Entropy is one of those words ...", few words the lecture says
with the term again) explains nothing: then there is no sentence, and the note
has none rather than a misleading one.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from tubenotes.generate.definitions import MAX_WORDS, MIN_WORDS, SUBJECT_WITHIN, defining_sentence, lecture_sentences
from tubenotes.generate.specificity import fold
from tubenotes.generate.standalone import standalone, strip_fillers
from tubenotes.text.stopwords import STOPWORDS

# An explanation shares at least this many content words with the lecture's other sentences about the term.
MIN_SHARED = 2
# A property of the term as the subject ("the internal energy of an ideal gas") has the term within this many words.
PROPERTY_WITHIN = 6
# How a sentence has the term: as its subject, in its subject ("the X of the term"), not at all.
AS_SUBJECT, IN_SUBJECT, NOT_SUBJECT = 2, 1, 0
# Words shorter than this are symbols ("T", "Q") or particles, no content a sentence shares.
MIN_CONTENT_LENGTH = 3

_TOKEN = re.compile(r"\w+(?:-\w+)*")
_FUNCTION_WORDS = frozenset().union(*STOPWORDS.values())
_ARTICLES = frozenset("a an the der die das den dem des ein eine einen einem einer el la los las un una unos unas "
                      "le les l une du".split())
# Verbs that say something of their subject: auxiliaries and the verbs lectures explain with, as a closed list
# (an open rule, "any word in -s", would take the plural noun of a longer name for a verb).
_VERBS = {
    "en": "is are was were has have had can cannot can't could must will would should does doesn't do don't did "
          "means depends gives takes contains makes tells lets holds loses gains keeps stays remains works obeys "
          "follows predicts determines describes measures says states explains consists behaves changes increases "
          "decreases rises drops goes gets acts absorbs releases provides produces requires allows needs sets "
          "comes leads causes stores transfers receives delivers supplies reaches exchanges sits lies",
    "de": "ist sind war waren hat haben kann können muss müssen wird werden gibt bedeutet beschreibt hängt enthält "
          "macht nimmt verliert gewinnt bleibt liefert erhält besteht folgt bestimmt misst",
    "es": "es son era eran tiene tienen puede pueden debe deben hace da depende significa describe contiene toma "
          "pierde gana queda sigue determina mide recibe entrega",
    "fr": "est sont était étaient a ont peut peuvent doit font fait donne dépend signifie décrit contient prend "
          "perd gagne reste suit détermine mesure reçoit fournit",
}
# Words that read a calculation aloud, in the four languages, and digits.
_CALCULATION = re.compile(r"\d|\b(?:equals|times|plus|minus|squared|divided by|over [A-Za-z]\b|gleich|minus"
                          r"|igual a|al cuadrado|égale?|fois|moins|au carré)\b")
# The preposition that makes a term part of its subject's noun phrase ("the energy of an ideal gas").
_OF = frozenset("of von des der de du".split())
# What may stand between the subject and its verb: an aside in commas, an adverb.
_BETWEEN = (r"\s*(?:\([^)]*\)\s*)?(?:,[^,]{1,40},\s*)?"
            # the term's own complement: "the entropy of an isolated system never decreases"
            r"(?:(?:of|von|de|du|des)\s+(?:[\w'-]+\s+){1,4}?)?"
            r"(?:(?:only|also|just|never|always|then|really|still|actually|itself|auch|nur|immer|nie|también|solo"
            r"|siempre|nunca|aussi|seulement|toujours|jamais)\s+)?")


@lru_cache(maxsize=8)
def _verb_after(code: str) -> re.Pattern[str]:
    """A verb of the language's list right after a term, past what may stand between."""
    verbs = "|".join(sorted(map(re.escape, _VERBS.get(code, _VERBS["en"]).split()), key=len, reverse=True))
    return re.compile(_BETWEEN + rf"(?:{verbs})(?![\w'])", re.IGNORECASE)


@dataclass(frozen=True)
class Opening:
    """A concept note's first sentence, which of the texts it comes from, and whether it defines (not explains)."""

    sentence: str
    text: int
    defines: bool


def opening_sentence(spellings: Sequence[str], texts: Sequence[str], language: str = "en") -> Opening | None:
    """The sentence that defines the term (any of ``spellings``) in the first of ``texts`` that defines it;
    else the one that best explains it, again from the first text that explains it; None when none does."""
    for number, text in enumerate(texts):
        for spelling in spellings:
            sentence = defining_sentence(spelling, text, language)
            if sentence is not None:
                return Opening(sentence, number, defines=True)
    for number, text in enumerate(texts):
        for spelling in spellings:
            sentence = explaining_sentence(spelling, text, language)
            if sentence is not None:
                return Opening(sentence, number, defines=False)
    return None


def explaining_sentence(term: str, text: str, language: str = "en") -> str | None:
    """The sentence of ``text`` that best explains ``term``, made to stand alone: the term its subject, an
    explanatory verb after it, and the most content words shared with the text's other sentences about the term;
    None when no sentence has the term as its subject or says enough of what the text says with it."""
    key = tuple(fold(_TOKEN.findall(term), language))
    if not key or not text.strip():
        return None
    sentences = lecture_sentences(text)
    verbs = frozenset(_VERBS.get(_code(language), _VERBS["en"]).split())
    about = [(index, _content(sentence.text, key, language)) for index, sentence in enumerate(sentences)
             if _has(sentence.text, key, language)]
    said_with = Counter(word for _, words in about for word in words)
    best: tuple[int, bool, int, int] | None = None
    found = None
    for index, words in about:
        readable = standalone(sentences, index, language)
        if (readable is None or readable.text.endswith("?")
                or not MIN_WORDS <= len(readable.tokens) <= MAX_WORDS):
            continue
        subject = _subject(strip_fillers(sentences[index].text, language), key, verbs, language)
        shared = sum(1 for word in words if said_with[word] > 1)  # said again with the term, not only here
        # A calculation ("The entropy increases by k times the natural log of two") explains one case, not the term.
        rank = (subject, not _CALCULATION.search(readable.text), shared, -index)
        if subject != NOT_SUBJECT and shared >= MIN_SHARED and (best is None or rank > best):
            best, found = rank, readable.text
    return found


def _code(language: str | None) -> str:
    return (language or "").replace("_", "-").split("-")[0].casefold()


def _folded(text: str, language: str | None) -> tuple[list[re.Match[str]], list[str]]:
    matches = list(_TOKEN.finditer(text))
    return matches, list(fold([match.group() for match in matches], language))


def _has(text: str, key: tuple[str, ...], language: str | None) -> bool:
    _, stems = _folded(text, language)
    return any(tuple(stems[i:i + len(key)]) == key for i in range(len(stems) - len(key) + 1))


def _content(text: str, key: tuple[str, ...], language: str | None) -> set[str]:
    """The content words of ``text`` (folded), the term's own words left out."""
    matches, stems = _folded(text, language)
    return {stem for match, stem in zip(matches, stems)
            if len(match.group()) >= MIN_CONTENT_LENGTH and match.group().casefold() not in _FUNCTION_WORDS
            and stem not in key}


def _subject(text: str, key: tuple[str, ...], verbs: frozenset[str], language: str | None) -> int:
    """How ``text`` has the term before a verb of ``verbs``: opening it after articles (AS_SUBJECT), after a
    noun phrase and "of" ("The internal energy of an ideal gas depends ...", IN_SUBJECT), or neither."""
    matches, stems = _folded(text, language)
    words = [match.group().casefold().rstrip("'") for match in matches]
    size = len(key)
    for first in range(min(PROPERTY_WITHIN, len(stems) - size + 1)):
        if tuple(stems[first:first + size]) != key:
            continue
        before = words[:first]
        while before and before[-1] in _ARTICLES and before[-1] not in _OF:  # "du", "des": "of the"
            before.pop()
        if before and (before[-1] not in _OF or any(word in verbs for word in before)
                       or all(word in _ARTICLES for word in before)):
            return NOT_SUBJECT  # "Let's do it with an ideal gas", "the gas is an ideal gas"
        if not before and first >= SUBJECT_WITHIN:
            return NOT_SUBJECT
        if not _verb_after(_code(language)).match(text, matches[first + size - 1].end()):
            return NOT_SUBJECT
        return IN_SUBJECT if before else AS_SUBJECT
    return NOT_SUBJECT

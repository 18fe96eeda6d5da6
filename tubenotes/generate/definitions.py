"""Definitions in a lecture's own words: the sentence that says what a term is.

A sentence defines when it names a thing and says what it is ("A state
function is a quantity that ...", "We call this the latent heat", "Entropy is
defined as ..."), or explains why ("The reason is ..."). The best sentence for
a term defines it with the term as its subject; then one that names the term
("... is called entropy"); then any definitional sentence that mentions it;
then one that opens with it; an earlier sentence wins a tie, since a lecture
defines a term where it introduces it. English, German, Spanish and French;
other languages fall back on the English patterns and the term's position.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache

from tubenotes.generate.sentences import Sentence, split_sentences
from tubenotes.generate.specificity import fold
from tubenotes.generate.standalone import standalone, strip_fillers
from tubenotes.text.stopwords import STOPWORDS

# A definition is a sentence, not a fragment or a paragraph: "We call this the latent heat." says too little.
MIN_WORDS, MAX_WORDS = 8, 60
# A term opening its sentence stands within this many words of the start (after an article or two).
SUBJECT_WITHIN = 3
# Scores: how well a sentence defines a term. A definition of something else that mentions the term on the
# way ranks below a sentence about the term.
AS_SUBJECT, NAMED, OPENS_WITH, DEFINITIONAL, MENTIONED = 5, 4, 3, 2, 1
# Characters before a term that the patterns naming it look at.
LOOK_BACK = 100
# Transcripts split into sentences, kept for the next term of the same lecture.
_CACHED_TEXTS = 8

_TOKEN = re.compile(r"\w+(?:-\w+)*")
_SYMBOL = re.compile(r"[A-Z]")
_FUNCTION_WORDS = frozenset().union(*STOPWORDS.values())
_ARTICLE = (r"(?:a|an|the|der|die|das|den|dem|des|ein|eine|einen|einem|einer|el|la|los|las|un|una|unos|unas|le|les"
            r"|l'|une|des|du)")

# After the term, when it is the subject: "X is a ...", "X ist ein ...", "X es un ...", "X est un ...".
_AFTER_SUBJECT = {
    "en": r"^\W*(?:\([^)]*\)\s*)?(?:,[^,]{1,40},\s*)?(?:is|are|was|were)\s+(?:simply\s+|just\s+|basically\s+"
          r"|essentially\s+|really\s+|then\s+)?(?:a|an|the|when|how|where|defined|called|known|named"
          r"|one(?!\s+of\s+th(?:ose|ese)\b)"  # "one of the ...", not "one of those words everybody has heard"
          r"|any|our|a measure|given)\b|^\W*(?:means|refers to|describes|measures|stands for|tells us|says|states|is "
          r"the name)\b",
    "de": r"^\W*(?:ist|sind|war|waren|nennt man|heißt|heißen)\s+(?:also\s+|einfach\s+|genau\s+)?(?:ein|eine|einer"
          r"|der|die|das|definiert|als|wenn|was|diejenige|derjenige|dasjenige)\b|^\W*(?:bedeutet|bezeichnet"
          r"|beschreibt|misst|versteht man)\b",
    "es": r"^\W*(?:es|son|era|eran)\s+(?:simplemente\s+|básicamente\s+)?(?:un|una|el|la|lo|los|las|cuando"
          r"|definid[oa]s?|llamad[oa]s?|conocid[oa]s?)\b|^\W*(?:significa|se refiere a|se define|describe|mide"
          r"|se llama|se denomina)\b",
    "fr": r"^\W*(?:est|sont|était|étaient)\s+(?:simplement\s+|tout simplement\s+)?(?:un|une|le|la|l'|les|ce qui"
          r"|ce que|quand|lorsque|défini|définie|appelé|appelée)|^\W*(?:signifie|désigne|décrit|mesure"
          r"|se définit|s'appelle)\b",
}
# Right after the term, an apposition that explains it: "X, which means ...", "X, the ... of ...".
_APPOSITION = {
    "en": r"^\W*,?\s*we mean\b|^\W*,\s*(?:which|that) (?:means|is|are|describes|measures)\b"
          r"|^,\s*(?-i:[A-Z])\s+equals\b"  # "the enthalpy, H equals U plus p V": its symbol and formula
          r"|^\s*,\s*(?:i\.e\.|that is|meaning)\b",
    "de": r"^\W*,\s*(?:also|d\. h\.|das heißt|der|die|das) (?:[\w-]+\s){0,6}?(?:bedeutet|ist|beschreibt|misst)\b",
    "es": r"^\W*,\s*(?:que (?:significa|es|son|mide|describe)|es decir)\b",
    "fr": r"^\W*,\s*(?:qui (?:signifie|est|sont|mesure|décrit)|c'est-à-dire)\b",
}
# Before the term, when the sentence names it: "we call this X", "X" after "is called".
_BEFORE_NAMED = {
    "en": r"(?:\b(?:we|i|you|they|people|one|physicists|chemists|biologists|to)\s+(?:call|define|name|refer to)\b"
          r".{0,60}"
          r"|\b(?:call|calls|name|names)\s+(?:(?!and\b|or\b)\w+\s+){0,2}"
          r"|\b(?:is|are|was|were|be|been)\s+(?:called|known as|named|termed|referred to as|defined as)"
          r"|\bso-called|\bthe definition of|\bwhat we (?:call|mean by)"
          r"|\bdefine[sd]?\s+an?\s+(?:new\s+)?[\w\s-]{1,30},)\s*(?:\w+\s+){0,1}$",  # "define a new function, the X"
    # A verb that names ("nennt man") may stand a few words before the name; an adjective ("sogenannte") right
    # before it.
    "de": r"(?:\b(?:nennt man|nennen wir|man nennt|wir nennen|bezeichnet man(?:\s+als)?|bezeichnen wir(?:\s+als)?"
          r"|heißt)\b.{0,60}|\b(?:sogenannte[nmrs]?|die definition (?:von|des|der))\s+(?:\w+\s+)?)\s*$",
    "es": r"(?:\b(?:llamamos|se llama|se llaman|se denomina|se conoce como|se define como|denominamos)\b.{0,60}"
          r"|\b(?:la definición de|llamad[oa]s?)\s+(?:\w+\s+)?)\s*$",
    "fr": r"(?:\b(?:on appelle|nous appelons|s'appelle|s'appellent|qu'on appelle|on nomme)\b.{0,60}"
          r"|\b(?:la définition d[eu']|appelée?s?)\s*(?:\w+\s+)?)\s*$",
}
# A sentence that defines or explains, whatever its term.
_DEFINITIONAL = {
    "en": r"\b(?:is|are) (?:called|known as|defined as|referred to as|termed|named)\b|\bwe (?:call|define)\b"
          r"|\b(?:is|are) defined\b|\bmeans that\b|\brefers to\b|\bthe (?:reason|point|idea|definition) (?:is|why"
          r"|of)\b|\bthat(?:'s| is) why\b|\bby definition\b|\bstands for\b|\bso-called\b"
          r"|^(?:an?|the)?\s*[\w-]+(?:\s[\w-]+){0,4}\s(?:is|are)\s(?:\w+ly\s)?(?:an?|the)\s(?:[\w-]+\s){0,5}?"
          r"(?:that|which|where"
          r"|in which|whose|of|with|for|used|about|between|per|from|to|in|by|when|at|on)\b"
          r"|^(?:an?|the)?\s*[\w-]+(?:\s[\w-]+){0,4}\s(?:is|are) (?:when|how)\b|, which means\b",
    "de": r"\b(?:nennt man|nennen wir|man nennt|wir nennen|bezeichnet man|bezeichnen wir"
          r"|versteht man|ist definiert|heißt das|der grund"
          r"(?: dafür)? ist|deshalb|das bedeutet|sogenannte[nmrs]?)\b|^(?:der|die|das|ein|eine)?\s*[\w-]+"
          r"(?:\s[\w-]+){0,4}\s(?:ist|sind)\s(?:ein|eine|einer|der|die|das)\s",
    "es": r"\b(?:se llama|se llaman|llamamos|se define|se denomina|se conoce como|significa|se refiere a"
          r"|la razón (?:es|por la que)|por eso|llamad[oa]s?)\b|^(?:el|la|los|las|un|una)?\s*[\w-]+(?:\s[\w-]+){0,4}"
          r"\s(?:es|son)\s(?:un|una|el|la|lo|los|las)\s",
    "fr": r"\b(?:on appelle|nous appelons|s'appelle|s'appellent|se définit|est défini|désigne|signifie"
          r"|la raison (?:est|pour laquelle)|c'est pourquoi|qu'on appelle)\b|^(?:le|la|les|l'|un|une)?\s*[\w'-]+"
          r"(?:\s[\w-]+){0,4}\s(?:est|sont)\s(?:un|une|le|la|l'|les|ce qui|ce que)",
}


def _compiled(patterns: dict[str, str]) -> dict[str, re.Pattern[str]]:
    return {code: re.compile(pattern, re.IGNORECASE) for code, pattern in patterns.items()}


_AFTER = _compiled(_AFTER_SUBJECT)
_BEFORE = _compiled(_BEFORE_NAMED)
_APPOSED = _compiled(_APPOSITION)
# A term after a preposition is no subject its apposition could explain ("the energy of a molecule, which is").
_OBJECT_OF = re.compile(rf"\b(?:of|in|on|at|for|with|to|by|from|into|about|per|von|mit|für|bei|aus|zu|de|en|con"
                        rf"|por|para|du|des|dans|avec|pour|sur)\s+(?:{_ARTICLE}\s*)*$", re.IGNORECASE)
_DEFINES = _compiled(_DEFINITIONAL)
# A sentence that says it is the term's definition ("That's the definition of entropy.", joined to the sentence
# it points back to) defines it as surely as "Entropy is ...".
_DECLARED = re.compile(r"\b(?:that's|that is|this is|which is) (?:the|our|its) definition of\s+(?:the\s+)?$",
                       re.IGNORECASE)
# What may stand before a term that is its clause's subject: nothing, an article, or the end of the
# clause before ("The period is ..., and the frequency is ...").
_SUBJECT_START = re.compile(
    rf"(?:^\W*|[,;:]\s*(?:and|but|so|while|whereas|und|aber|also|während|y|pero|así que|mientras|et|mais|donc"
    rf"|tandis que)?\s*)"
    rf"(?:{_ARTICLE}\s*)*$", re.IGNORECASE)


def _code(language: str | None) -> str:
    base = (language or "").replace("_", "-").split("-")[0].casefold()
    return base if base in _DEFINITIONAL else "en"


def is_definitional(sentence: str, language: str = "en") -> bool:
    """Whether ``sentence`` defines or explains something: "X is a ... that", "we call ...", "is defined as",
    "the reason is ...", and their German, Spanish and French counterparts."""
    return _defines(sentence.strip(), _code(language))


@lru_cache(maxsize=4096)
def _defines(sentence: str, code: str) -> bool:
    return bool(_DEFINES[code].search(sentence))


def defining_sentence(term: str, text: str, language: str = "en") -> str | None:
    """The sentence of ``text`` that best defines or explains ``term``, made to stand alone (no opening
    "So,", joined to the sentence before when it opens with "This" or "Because"); None when no full
    sentence of ``text`` is about the term (defines it, names it, or opens with it): a sentence that
    defines something else and mentions the term on the way would mislead."""
    key = fold(_TOKEN.findall(term), language)
    if not key or not text.strip():
        return None
    sentences = lecture_sentences(text)
    saying = (sentence.index for sentence in sentences if _says(sentence, key))
    found = best_definition(key, sentences, saying, language, at_least=OPENS_WITH)
    return found.text if found is not None else None


def best_definition(
    key: Sequence[str], sentences: Sequence[Sentence], indices: Iterable[int], language: str | None,
    at_least: int = MENTIONED,
) -> Sentence | None:
    """Of the sentences at ``indices``, the one that best defines the term whose folded words are ``key``,
    as it stands alone, if it scores ``at_least``; an earlier one wins a tie."""
    best: tuple[int, bool, int] | None = None
    found = None
    for index in indices:
        readable = standalone(sentences, index, language)
        if readable is None or not MIN_WORDS <= len(readable.tokens) <= MAX_WORDS:
            continue
        # Scored as said: joined to the sentence before, a term that opens its sentence no longer opens the text.
        score = definition_score(key, strip_fillers(sentences[index].text, language), language)
        rank = (score, is_definitional(readable.text, language or "en"), -index)
        if score >= at_least and (best is None or rank > best):
            best, found = rank, readable
    return found


def definition_score(key: Sequence[str], text: str, language: str | None) -> int:
    """How well ``text`` defines the term whose folded words are ``key``: 0 when it does not say it."""
    code = _code(language)
    spans, stems = _folded(text, language)
    size = len(key)
    scores = [0]
    for first in range(len(stems) - size + 1):
        if tuple(stems[first:first + size]) != tuple(key):
            continue
        before, after = text[:spans[first][0]], text[spans[first + size - 1][1]:]
        # Patterns anchored at the term look back a clause at most: no need to scan a long sentence from its start.
        near = max(len(before) - LOOK_BACK, 0)
        subject = _SUBJECT_START.search(before, near) and _AFTER[code].search(after)
        declared = code == "en" and _DECLARED.search(before, near) and _ends_phrase(text, spans, first + size)
        if subject or declared or (_APPOSED[code].search(after) and not _OBJECT_OF.search(before, near)):
            scores.append(AS_SUBJECT)
        elif _BEFORE[code].search(before, near) and _ends_phrase(text, spans, first + size):
            scores.append(NAMED)
        elif (first < SUBJECT_WITHIN and _SUBJECT_START.search(before, near)
              and _ends_phrase(text, spans, first + size)):
            scores.append(OPENS_WITH)
        elif _defines(text, code):
            scores.append(DEFINITIONAL)
        else:
            scores.append(MENTIONED)
    return max(scores)


# A sentence is scored for each term it says: its words are folded once.
@lru_cache(maxsize=4096)
def _folded(text: str, language: str | None) -> tuple[list[tuple[int, int]], list[str]]:
    """The spans of ``text``'s words and their folded stems."""
    matches = list(_TOKEN.finditer(text))
    return [match.span() for match in matches], list(fold([match.group() for match in matches], language))


def _ends_phrase(text: str, spans: Sequence[tuple[int, int]], following: int) -> bool:
    """Whether the term ends its noun phrase where word ``following`` starts: the text ends, a punctuation mark
    comes, or a function word ("is", "says"); not more of a longer name ("the ideal gas law" does not open with
    "ideal gas", "die sogenannte Weimarer Koalition" names no "Weimarer")."""
    if following >= len(spans):
        return True
    between = text[spans[following - 1][1]:spans[following][0]]
    word = text[spans[following][0]:spans[following][1]]
    # A symbol after its name ("the entropy S, by ...") ends the phrase as a comma would.
    return bool(between.strip()) or word.casefold() in _FUNCTION_WORDS or _SYMBOL.fullmatch(word) is not None


def _says(sentence: Sentence, key: Sequence[str]) -> bool:
    # A cheap test on the first word before the full match: most sentences do not say the term.
    return any(token.startswith(key[0][:3]) for token in sentence.tokens)


@lru_cache(maxsize=_CACHED_TEXTS)
def lecture_sentences(text: str) -> list[Sentence]:
    """``text``'s sentences, split once for all the terms looked up in it."""
    return split_sentences(text, [])

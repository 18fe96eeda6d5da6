"""The sentence of a lecture that defines a term: what a concept note and a study guide open with.

A definition is said where the term comes with a copula or a naming verb
("entropy is ...", "we call this the enthalpy"); among the sentences that say
the term, those come first, then the earliest, of a length that reads alone.
"""

from __future__ import annotations

import re

from tubenotes.generate.sentences import split_sentences

# Words that make a sentence say what something is, per language.
_DEFINING = {
    "en": r"is|are|means?|is called|are called|we call|call it|is defined as|defined as|refers? to|stands? for|"
          r"is known as|that is|i\.e\.",
    "de": r"ist|sind|heißt|heißen|bedeutet|nennt man|nennen wir|definiert",
    "es": r"es|son|significa|se llama|llamamos|se define",
    "fr": r"est|sont|signifie|s'appelle|on appelle|appelons|se définit",
}
# Spoken openers a definition reads better without.
_OPENERS = re.compile(r"^(?:(?:so|and|now|okay|ok|well|right|but|alright|also|then)\b[,]?\s+)+", re.IGNORECASE)
MIN_WORDS, MAX_WORDS = 6, 45


def is_definitional(sentence: str, language: str = "en") -> bool:
    """Whether ``sentence`` says what something is (a copula or a naming verb)."""
    return _defining(language).search(sentence) is not None


def defining_sentence(term: str, text: str, language: str = "en") -> str | None:
    """The sentence of ``text`` that best defines or explains ``term``, cleaned to stand alone; None if none says it."""
    mention = re.compile(r"(?<![\w-])" + re.escape(term) + r"(?:e?s)?(?![\w-])", re.IGNORECASE)
    right_after = re.compile(mention.pattern + r",?\s+(?:" + _DEFINING.get(language, _DEFINING["en"]) + r")\b",
                             re.IGNORECASE)
    best: tuple[int, int, str] | None = None
    for number, sentence in enumerate(split_sentences(text, [])):
        words = len(sentence.text.split())
        if not MIN_WORDS <= words <= MAX_WORDS or not mention.search(sentence.text):
            continue
        score = 2 * bool(right_after.search(sentence.text)) + is_definitional(sentence.text, language)
        if best is None or score > best[0]:
            best = (score, number, sentence.text)
    return _cleaned(best[2]) if best is not None else None


def _defining(language: str) -> re.Pattern[str]:
    return re.compile(r"(?<![\w-])(?:" + _DEFINING.get(language, _DEFINING["en"]) + r")(?![\w-])", re.IGNORECASE)


def _cleaned(sentence: str) -> str:
    bare = _OPENERS.sub("", sentence.strip())
    return bare[:1].upper() + bare[1:]

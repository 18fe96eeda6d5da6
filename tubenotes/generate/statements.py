""""Which statement is true?": one definition as said, the others' predicates given to its subject.

A definition that opens with its term ("A transverse wave is a wave in which
...") splits into a subject and a predicate. The true statement is one such
definition; each false one puts another definition's predicate after the same
subject ("A transverse wave is a wave that does not travel, ..."), so every
option is about the same thing and reads as well as the truth. The definitions
may come from one lecture (the offline assessment) or from several (a course's
exam): `statement_options` takes them from anywhere.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass

# Options of a statement question: the truth and this many false statements at most.
FALSE_STATEMENTS = 3
_COPULA = {"en": r"is|are", "de": r"ist|sind", "es": r"es|son", "fr": r"est|sont"}
_ARTICLES = {
    "en": r"a|an|the", "de": r"der|die|das|ein|eine", "es": r"el|la|los|las|un|una", "fr": r"le|la|les|l'|un|une",
}


@dataclass(frozen=True)
class Definition:
    term: str  # the term as the notes name it, e.g. "transverse wave"
    subject: str  # the words before the verb, e.g. "A transverse wave"
    predicate: str  # the rest, e.g. "is a wave in which the medium moves ..."

    @property
    def text(self) -> str:
        return f"{self.subject} {self.predicate}"


def split_definition(term: str, forms: Sequence[str], sentence: str, language: str | None) -> Definition | None:
    """``sentence`` as subject and predicate when it opens with the term (in one of its ``forms``) and a
    verb "to be"; else None."""
    code = language if language in _COPULA else "en"
    names = "|".join(re.escape(form) for form in sorted(forms, key=len, reverse=True))
    match = re.match(rf"((?:(?:{_ARTICLES[code]})\s*)?(?:{names}))\s+((?:{_COPULA[code]})\s.+)$", sentence,
                     re.IGNORECASE)
    if match is None:
        return None
    return Definition(term, match.group(1), match.group(2))


def statement_options(true: Definition, others: Sequence[Definition], rng: random.Random) -> list[str] | None:
    """The options of "Which statement is true?" about ``true``'s term, shuffled by ``rng``; the true one is
    ``true.text``. None without two false statements that could not be true as well."""
    verb = true.predicate.split()[0].casefold()
    false = [
        f"{true.subject} {other.predicate}"
        for other in others
        if other.term.casefold() != true.term.casefold()
        and other.predicate.split()[0].casefold() == verb  # "is" with "is": the sentence agrees
        and true.term.casefold() not in other.predicate.casefold()  # "... unlike a transverse wave" might be true
        and other.term.casefold() not in true.predicate.casefold()
    ]
    false = list(dict.fromkeys(false))
    rng.shuffle(false)
    if len(false) < 2:
        return None
    options = [true.text, *false[:FALSE_STATEMENTS]]
    rng.shuffle(options)
    return options

"""Key terms: the phrases a lecture keeps coming back to.

Candidates are runs of one to four content words between stop words and
punctuation ("gradient descent", "Lernrate"), their inflections folded into one
("heat engine", "heat engines"). Only specific candidates are terms: no word the
language uses every day, nothing the lecture says barely more often than the
language does (see specificity.py). A lecture's key terms are those said most
often, weighed by how specific they are (a phrase is rarer in the language than
its words); a word heard mostly inside a longer phrase gives way to the phrase. A section's terms
are those it says more often than the other sections do (TF-IDF with sections
as documents).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace

from tubenotes.generate.sentences import Sentence
from tubenotes.generate.specificity import fold, is_specific, keyness
from tubenotes.generate.termkinds import is_idea, is_tool, verb_forms

MAX_PHRASE_WORDS = 4  # "van der Waals equation"
# In a section's ranking, a phrase of n words weighs 1 + PHRASE_BONUS * (n - 1) times its count.
PHRASE_BONUS = 0.75  # a phrase names a concept more often than a single word does
# A word or phrase heard inside longer candidates at least this share of the time gives way to them.
SUBSUMED_SHARE = 0.7
MIN_LETTERS = 3

Key = tuple[str, ...]

_FRAGMENT_BREAK = re.compile(r"[,;:()\[\]{}\"“”„«»!?.…/|–—]|\s-\s")
_TOKEN = re.compile(r"\w+(?:-\w+)*")


@dataclass(frozen=True)
class KeyTerm:
    text: str  # the form said most often, e.g. "gradient descent"
    key: Key  # its case-folded word stems: what the forms share
    forms: tuple[str, ...]  # every form heard, longest first, e.g. ("gradient descents", "Gradient descent")
    count: int
    sentences: tuple[int, ...]  # indices of the sentences that say it, in order (first mention first)
    keyness: float  # log10 of how many times more often the lecture says it than its language


@dataclass
class _Candidate:
    forms: Counter[str] = field(default_factory=Counter)
    alone: Counter[str] = field(default_factory=Counter)  # per form, mentions with no content word beside it
    occurrences: list[int] = field(default_factory=list)  # sentence index per mention
    inside: int = 0  # mentions not at a sentence's start, where every word has a capital


class TermIndex:
    """Every candidate term of a lecture and where it is said."""

    def __init__(self, sentences: Sequence[Sentence], stopwords: frozenset[str], language: str | None = None) -> None:
        self._language = language
        self._stopwords = stopwords
        self._words = sum(len(sentence.tokens) for sentence in sentences)
        self._candidates: dict[Key, _Candidate] = {}
        self._eligible_by_count: dict[int, list[KeyTerm]] = {}
        for sentence in sentences:
            opening = _TOKEN.search(sentence.text)
            for number, run in enumerate(_content_runs(sentence.text, stopwords)):
                folded = fold(run, language)
                for size in range(1, min(MAX_PHRASE_WORDS, len(run)) + 1):
                    for start in range(len(run) - size + 1):
                        words = run[start : start + size]
                        key = folded[start : start + size]
                        candidate = self._candidates.setdefault(key, _Candidate())
                        form = " ".join(words)
                        candidate.forms[form] += 1
                        if size == len(run):
                            candidate.alone[form] += 1
                        candidate.occurrences.append(sentence.index)
                        initial = number == 0 and start == 0 and opening is not None and run[0] == opening.group()
                        candidate.inside += not initial

    def lecture_terms(self, limit: int, min_count: int, favoured: Mapping[Key, float] | None = None,
                      defined: Collection[Key] | None = None) -> list[KeyTerm]:
        """The lecture's ``limit`` key terms, most important first; a term in ``favoured`` (one the lecture
        defines, or that is on its slides) weighs as many times more as it says. With ``defined`` (the terms
        the lecture defines), a mathematical tool the lecture only uses ("the derivative of U") is none."""
        boost = favoured or {}
        longer: dict[Key, list[KeyTerm]] = {}
        for term in self.eligible(min_count):
            for shorter in {term.key[1:], term.key[:-1]} if len(term.key) > 1 else ():
                longer.setdefault(shorter, []).append(term)
        terms = self.eligible(min_count)
        counted = {term.key for term in terms}
        # A favoured term said too rarely to count still counts (not one that gives way to a longer one).
        terms += [term for key in boost if key not in counted and (term := self.term(key)) is not None
                  and term.count < min_count]
        terms = [whole for term in terms if (whole := self._whole(term, longer.get(term.key, ()))) is not None
                 and not _unexplained_tool(whole, defined)]
        # Terms said twice come first: once may be a passing mention, however rare its words, unless the
        # lecture defines it (or shows it on a slide).
        terms.sort(key=lambda term: (term.count < 2 and term.key not in boost,
                                     -_weight(term) * boost.get(term.key, 1.0), term.sentences[0], term.key))
        return terms[:limit]

    def _whole(self, term: KeyTerm, longer: Sequence[KeyTerm]) -> KeyTerm | None:
        """``term``, unless the form that names it is mostly said as part of a longer term and never on its own
        ("Weimarer", in "Weimarer Republik"): then it is named by a form said on its own and counts those
        mentions only ("thermodynamics" beside "thermodynamic system"), or it is no term at all."""
        candidate = self._candidates[term.key]
        if not longer or candidate.alone[term.text]:
            return term
        name = term.text.casefold()
        inside = max(sum(count for form, count in self._candidates[other.key].forms.items()
                         if form.casefold().startswith(name + " ") or form.casefold().endswith(" " + name))
                     for other in longer)
        if inside * 2 < candidate.forms[term.text]:
            return term
        verbs = verb_forms(candidate.forms, self._language)
        alone = [form for form, count in candidate.alone.items() if count and form not in verbs]
        if not alone:
            return None
        text = max(alone, key=lambda form: (candidate.alone[form], form.islower(), form))
        count = sum(candidate.alone[form] for form in alone)
        if not is_specific(text, count, self._words, self._language):
            return None
        return replace(term, text=text, count=count, keyness=keyness(text, count, self._words, self._language))

    def terms_in(self, text: str) -> set[Key]:
        """The keys of the candidate terms that ``text`` (a title, a slide) says."""
        found: set[Key] = set()
        for run in _content_runs(text, self._stopwords):
            folded = fold(run, self._language)
            for size in range(1, min(MAX_PHRASE_WORDS, len(run)) + 1):
                found.update(folded[start:start + size] for start in range(len(run) - size + 1))
        return found & self._candidates.keys()

    def section_terms(self, sections: Sequence[Sequence[int]], limit: int, min_count: int,
                      defined: Collection[Key] | None = None) -> list[list[KeyTerm]]:
        """For each section (given as its sentence indices), the terms that set it apart; with ``defined``, no
        mathematical tool the lecture does not define (see `lecture_terms`)."""
        section_of = {index: number for number, indices in enumerate(sections) for index in indices}
        terms = [term for term in self.eligible(min_count) if not _unexplained_tool(term, defined)]
        counts = {
            term.key: Counter(section_of[i] for i in self._candidates[term.key].occurrences if i in section_of)
            for term in terms
        }
        result: list[list[KeyTerm]] = []
        for number in range(len(sections)):
            scored = []
            for term in terms:
                tf = counts[term.key].get(number, 0)
                if tf:
                    idf = math.log((1 + len(sections)) / (1 + len(counts[term.key]))) + 1.0
                    scored.append((tf * idf * _phrase_weight(term.key), tf, term))
            # Terms said twice in the section come first: once may be a passing mention.
            scored.sort(key=lambda item: (item[1] < 2, -item[0], item[2].sentences[0], item[2].key))
            result.append([term for _, _, term in scored[:limit]])
        return result

    def term(self, key: Key) -> KeyTerm | None:
        """The candidate ``key`` as a term, however rarely said, if it is a specific idea."""
        candidate = self._candidates.get(key)
        if candidate is None:
            return None
        term = self._term(key, candidate)
        specific = is_specific(term.text, term.count, self._words, self._language)
        return term if specific and self._is_noun_phrase(term) else None

    def eligible(self, min_count: int) -> list[KeyTerm]:
        """Every term said at least ``min_count`` times, in no particular order."""
        if min_count not in self._eligible_by_count:
            self._eligible_by_count[min_count] = self._find_eligible(min_count)
        return list(self._eligible_by_count[min_count])

    def _find_eligible(self, min_count: int) -> list[KeyTerm]:
        counted = {key: c for key, c in self._candidates.items() if len(c.occurrences) >= min_count}
        # How often each candidate is heard inside a phrase one word longer ("training" in
        # "training set" and "training data"): a sum, so a word split among phrases gives way too.
        heard_inside: Counter[Key] = Counter()
        for key, candidate in counted.items():
            for shorter in {key[1:], key[:-1]} if len(key) > 1 else ():
                heard_inside[shorter] += len(candidate.occurrences)
        terms = [
            self._term(key, candidate)
            for key, candidate in counted.items()
            if heard_inside[key] < SUBSUMED_SHARE * len(candidate.occurrences)
        ]
        return [term for term in terms if is_specific(term.text, term.count, self._words, self._language)
                and self._is_noun_phrase(term)]

    def _is_noun_phrase(self, term: KeyTerm) -> bool:
        """Whether ``term`` may name an idea: see termkinds.is_idea, and no phrase that ends in a verb's form
        ("medio oscila": "oscila" is said beside "oscilaciones")."""
        if not is_idea(term.text, self._language) or not self._capital_says_noun(term.key):
            return False
        if len(term.key) == 1:
            return True
        last = self._candidates.get(term.key[-1:])
        return last is None or term.text.split()[-1] not in verb_forms(last.forms, self._language)

    def _capital_says_noun(self, key: Key) -> bool:
        """In German a capital makes a noun, but not at a sentence's start: a word heard only there
        ("Gescheitert ist der Putsch") may be anything."""
        return self._language != "de" or len(key) > 1 or self._candidates[key].inside > 0

    def _term(self, key: Key, candidate: _Candidate) -> KeyTerm:
        # The commonest form names the term; on a tie the lower-case one (not a sentence's first word). A verb's
        # form folded in with its noun ("oscila" with "oscilaciones") names nothing.
        verbs = verb_forms(candidate.forms, self._language)
        names = [form for form in candidate.forms if form not in verbs] or list(candidate.forms)
        text = max(names, key=lambda form: (candidate.forms[form], form.islower(), form))
        forms = tuple(sorted(candidate.forms, key=lambda form: (-len(form), form)))
        sentences = tuple(dict.fromkeys(candidate.occurrences))
        count = len(candidate.occurrences)
        return KeyTerm(text, key, forms, count, sentences, keyness(text, count, self._words, self._language))


def _unexplained_tool(term: KeyTerm, defined: Collection[Key] | None) -> bool:
    return defined is not None and term.key not in defined and is_tool(term.text)


def _content_runs(text: str, stopwords: frozenset[str]) -> list[list[str]]:
    """Runs of consecutive content words, split at stop words and punctuation."""
    runs: list[list[str]] = []
    for fragment in _FRAGMENT_BREAK.split(text):
        run: list[str] = []
        for word in _TOKEN.findall(fragment):
            if _is_content(word, stopwords):
                run.append(word)
            elif run:
                runs.append(run)
                run = []
        if run:
            runs.append(run)
    return runs


def _is_content(word: str, stopwords: frozenset[str]) -> bool:
    folded = word.casefold()
    if folded in stopwords:
        return False
    if word.isalpha():  # most words (every word of every sentence comes here): the checks below, at once
        return len(word) >= MIN_LETTERS or (len(word) == 2 and word.isupper())
    if "_" in word or not any(char.isalpha() for char in word):
        return False
    if all(part in stopwords for part in folded.split("-")):
        return False  # "seventy-three", "so-called"
    letters = sum(char.isalpha() for char in word)
    # Two-letter words count only as acronyms: "AI", "ML".
    return letters >= MIN_LETTERS or (letters == 2 and word.isupper())


def _phrase_weight(key: Key) -> float:
    return 1.0 + PHRASE_BONUS * (len(key) - 1)


def _weight(term: KeyTerm) -> float:
    # Keyness already favours a phrase over its words: the language says a phrase more rarely.
    return term.count * term.keyness

"""An assessment from a lecture's own words: cloze, multiple-choice and true-statement questions.

Each cloze or multiple-choice question blanks one of the lecture's key terms
in a key sentence, so its answer is in the transcript. Distractors are other
terms of the same lecture and of the same kind as the answer (a person with
persons, a process with processes, a noun for a noun; as many words, the same
case and number, the article before the blank fitting them too, of a similar
length), chosen and ordered by a shuffle seeded with the video, so the same
lecture always gets the same test and no option gives itself away. A question
without three such terms is a cloze. A lecture that defines three terms or
more also gets a "which statement is true" question built from its
definitions (statements.py).
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum

from tubenotes.generate.keyterms import KeyTerm
from tubenotes.generate.lecture import Lecture
from tubenotes.generate.sentences import Sentence
from tubenotes.generate.statements import Definition, split_definition, statement_options
from tubenotes.generate.termkinds import kind_of
from tubenotes.job import VideoProcessingJob
from tubenotes.text.labels import ENGLISH, Labels
from tubenotes.text.markdown import BLANK, LETTERS, escape, spaced, stamp
from tubenotes.text.markdown import wikilink

MAX_QUESTIONS = 12
CHOICES = 4
# A question's sentence needs context around its blank.
MIN_QUESTION_WORDS = 6
# A distractor is at most this many times longer (or shorter) than the answer.
MAX_LENGTH_RATIO = 2.0
# Endings that mark an English word as an adjective or a verb form rather than a noun.
_ADJECTIVE_ENDINGS = ("ic", "al", "ive", "ous", "ible", "able", "ary", "ful", "less", "ish")
_VERB_ENDINGS = ("ing", "ed")


class QuestionKind(StrEnum):
    CLOZE = "cloze"
    CHOICE = "choice"
    STATEMENT = "statement"  # which statement is true


@dataclass(frozen=True)
class Question:
    kind: QuestionKind
    term: KeyTerm
    answer: str  # the blanked words as the speaker said them; the true statement
    sentence: Sentence
    prompt: str  # the sentence as Markdown, with the answer blanked ("" for a statement question)
    options: tuple[str, ...] = ()  # the choices, for multiple choice

    @property
    def letter(self) -> str:
        return LETTERS[self.options.index(self.answer)] if self.options else ""


def make_questions(lecture: Lecture, seed: str) -> list[Question]:
    """Up to MAX_QUESTIONS questions in spoken order, alternating cloze and multiple choice, with one
    true-statement question among them when the lecture defines enough terms."""
    statement = _statement_question(lecture, seed)
    used: set[tuple[str, ...]] = {statement.term.key} if statement else set()
    found: list[tuple[Sentence, KeyTerm, re.Match[str]]] = []
    for sentence in _sources(lecture):
        if len(found) + bool(statement) == MAX_QUESTIONS:
            break
        if statement is not None and sentence.index == statement.sentence.index:
            continue
        blank = _best_blank(sentence.text, lecture.key_terms, used)
        if blank:
            used.add(blank[0].key)
            found.append((sentence, *blank))
    found.sort(key=lambda item: item[0].index)
    questions = []
    for number, (sentence, term, match) in enumerate(found, start=1):
        rng = random.Random(f"{seed}:{number}")
        answer = _as_said(match, term)
        prompt = _blanked(term, sentence.text)
        distractors = _distractors(term, answer, sentence.text, lecture.term_pool, rng, lecture.language,
                                   _article_before(sentence.text, match))
        if number % 2 == 0 and len(distractors) == CHOICES - 1:
            options = [answer, *distractors]
            rng.shuffle(options)
            questions.append(Question(QuestionKind.CHOICE, term, answer, sentence, prompt, tuple(options)))
        else:
            questions.append(Question(QuestionKind.CLOZE, term, answer, sentence, prompt))
    if statement is not None:
        questions.append(statement)
        questions.sort(key=lambda question: question.sentence.index)
    return questions


def _statement_question(lecture: Lecture, seed: str) -> Question | None:
    """"Which statement is true?" about the most important term the lecture defines with itself as subject."""
    definitions: list[tuple[KeyTerm, Sentence, Definition]] = []
    for term in lecture.term_pool:
        sentence = lecture.definitions.get(term.key)
        definition = split_definition(term.text, term.forms, sentence.text, lecture.language) if sentence else None
        if sentence is not None and definition is not None:
            definitions.append((term, sentence, definition))
    rng = random.Random(f"{seed}:statement")
    for term, sentence, definition in definitions:
        options = statement_options(definition, [other for _, _, other in definitions], rng)
        if options is not None:
            return Question(QuestionKind.STATEMENT, term, definition.text, sentence, "", tuple(options))
    return None


def render_assessment(questions: Sequence[Question], job: VideoProcessingJob, labels: Labels = ENGLISH) -> str:
    """The assessment as Markdown: the questions, then the answer key."""
    if not questions:
        return (f"## {labels.questions}\n\n{labels.too_short}\n\n"
                f"## {labels.answer_key}\n\n{labels.no_questions}\n")
    lines = [f"## {labels.questions}", "", labels.instructions, ""]
    kinds = {QuestionKind.CLOZE: labels.fill_blank, QuestionKind.CHOICE: labels.multiple_choice,
             QuestionKind.STATEMENT: labels.statement}
    for number, question in enumerate(questions, start=1):
        where = stamp(job, question.sentence.start)
        prompt = question.prompt or escape(labels.which_true)
        lines += [f"### {number}. {kinds[question.kind]}" + (f" · {where}" if where else ""), "", f"> {prompt}", ""]
        if question.options:
            lines += [f"- **{LETTERS[i]})** {escape(option)}" for i, option in enumerate(question.options)]
            lines.append("")
    lines += [f"## {labels.answer_key}", ""]
    for number, question in enumerate(questions, start=1):
        choice = f"**{question.letter})** " if question.options else ""
        statement = question.kind is QuestionKind.STATEMENT
        source = f"“{escape(question.answer if statement else question.sentence.text)}”"
        link = wikilink(question.term.text) if statement else wikilink(question.term.text, question.answer)
        lines.append(f"{number}. {choice}{link}: {spaced(source, stamp(job, question.sentence.start))}")
    return "\n".join(lines) + "\n"


def _sources(lecture: Lecture) -> Iterator[Sentence]:
    """Key sentences, taking turns between sections so questions cover the whole lecture; then the rest of
    those that stand alone."""
    rounds = max((len(section.key_sentences) for section in lecture.sections), default=0)
    seen: set[int] = set()
    for turn in range(rounds):
        for section in lecture.sections:
            if turn < len(section.key_sentences):
                seen.add(section.key_sentences[turn].index)
                yield section.key_sentences[turn]
    yield from (s for s in lecture.readable
                if s is not None and s.index not in seen and len(s.tokens) >= MIN_QUESTION_WORDS)


def _pattern(term: KeyTerm) -> re.Pattern[str]:
    return re.compile(r"(?<![\w-])(?:" + "|".join(map(re.escape, term.forms)) + r")(?![\w-])", re.IGNORECASE)


def _find(term: KeyTerm, text: str) -> re.Match[str] | None:
    matches = list(_pattern(term).finditer(text))
    if not matches or len({match.group().casefold() for match in matches}) > 1:
        return None  # two forms ("mini-batch", "mini-batches") would need two answers for one blank
    match = matches[0]
    # A blank needs words around it to be a question.
    if len(text.split()) - len(match.group().split()) >= MIN_QUESTION_WORDS - 1:
        return match
    return None


def _best_blank(
    text: str, pool: Sequence[KeyTerm], used: set[tuple[str, ...]]
) -> tuple[KeyTerm, re.Match[str]] | None:
    """The most important term not yet asked about, unless it is part of a longer term here."""
    matches = [(term, match) for term in pool if (match := _find(term, text))]
    spans = [match.span() for _, match in matches]
    for term, match in matches:
        start, end = match.span()
        inside_longer = any(s <= start and end <= e and e - s > end - start for s, e in spans)
        if term.key not in used and not inside_longer:
            return term, match
    return None


def _as_said(match: re.Match[str], term: KeyTerm) -> str:
    said = match.group()
    # "Gradient descent" opening a sentence is the term "gradient descent".
    if match.start() == 0 and term.text[:1].islower():
        return said[:1].lower() + said[1:]
    return said


def _blanked(term: KeyTerm, text: str) -> str:
    """The sentence as Markdown with every mention of the term blanked."""
    pieces = _pattern(term).split(text)
    return BLANK.join(escape(piece) for piece in pieces)


def _distractors(term: KeyTerm, answer: str, text: str, pool: Sequence[KeyTerm], rng: random.Random,
                 language: str | None = None, article: str | None = None) -> list[str]:
    """Other key terms of the answer's kind: none sharing a word with it (that could be right too),
    none in the sentence, none the article before the blank would give away ("an" before "adiabatic");
    those of the answer's number (singular or plural) first."""
    kind = _kind(answer, term, language)
    others = [
        other
        for other in pool
        if not set(other.key) & set(term.key)
        and other.text.casefold() != answer.casefold()
        and not _pattern(other).search(text)
    ]
    alike = [form for other in others if (form := _form_like(other, answer, language)) is not None
             and _kind(form, other, language) == kind and _similar_length(form, answer)
             and _fits_article(form, article)]
    rng.shuffle(alike)
    alike.sort(key=lambda form: _plural(form, language) != _plural(answer, language))  # stable: shuffled within
    chosen: list[str] = []
    for candidate in alike:
        if candidate.casefold() not in {c.casefold() for c in chosen}:
            chosen.append(candidate)
    return chosen[: CHOICES - 1]


def _form_like(other: KeyTerm, answer: str, language: str | None) -> str | None:
    """The form of ``other`` that matches the answer in case and number, else its usual one."""
    case = _case(answer)
    forms = [form for form in other.forms if _case(form) == case] or [other.text]
    same_number = [form for form in forms if _plural(form, language) == _plural(answer, language)]
    return (same_number or forms)[0] if forms else None


def _kind(text: str, term: KeyTerm, language: str | None) -> tuple[int, str, str, str]:
    """What a reader sees of a term's kind: its number of words, its case, its last word's role, and what it
    names (a person, a process, a thing)."""
    return len(text.split()), _case(text), _role(term, language), kind_of(term.forms, language)


def _case(text: str) -> str:
    """An acronym (ATP, FADH2), a word with a capital (Carnot), or one without: among acronyms a capitalised
    word would be the odd one out, and so would an acronym among words."""
    if len(text) > 1 and text.isupper():
        return "acronym"
    return "capital" if text[:1].isupper() else "lower"


def _article_before(text: str, match: re.Match[str]) -> str | None:
    """The English indefinite article right before the blank, if any: it tells a vowel from a consonant."""
    before = text[:match.start()].split()
    return before[-1].casefold() if before and before[-1].casefold() in ("a", "an") else None


def _fits_article(form: str, article: str | None) -> bool:
    if article is None:
        return True
    return (form[:1].casefold() in "aeiou") == (article == "an")


def _role(term: KeyTerm, language: str | None) -> str:
    """Verb, adjective or noun, by English endings: a term said as "expanded" or "expanding" is a verb
    even where it is said "expands"."""
    if language not in (None, "en"):
        return "noun"
    lasts = [form.split()[-1].casefold() for form in term.forms]
    if any(last.endswith(_VERB_ENDINGS) and len(last) > 5 for last in lasts):
        return "verb"
    if any(last.endswith(_ADJECTIVE_ENDINGS) and len(last) > 5 for last in lasts):
        return "adjective"
    return "noun"


def _plural(text: str, language: str | None) -> bool:
    last = text.split()[-1].casefold()
    return language in (None, "en", "es", "fr") and last.endswith("s") and not last.endswith(("ss", "us", "is"))


def _similar_length(form: str, answer: str) -> bool:
    shorter, longer = sorted((len(form), len(answer)))
    return longer <= MAX_LENGTH_RATIO * max(shorter, 1)

"""The final exam: questions drawn from every part of the course, then the answer key.

Its questions are the lectures' own (their assessments), questions that ask
which concept a definition describes, "which statement is true?" with the
false statements taken from other lectures' definitions, and, with a model, "explain why"
questions about the course as a whole. They are spread over the lectures
(every lecture when there are few, evenly spaced ones when there are more than
questions) and mixed in kind, each linking its lecture and moment.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tubenotes.course.material import Course, CourseConcept, CourseLecture, says, spelled, words_of
from tubenotes.course.words import Words
from tubenotes.generate.statements import Definition, split_definition, statement_options
from tubenotes.text.markdown import BLANK, LETTERS, escape, stamp, wikilink
from tubenotes.vault.cards import Card
from tubenotes.vault.deck import LectureCards
from tubenotes.vault.frontmatter import render_front_matter, subject_tag
from tubenotes.vault.index import COURSE_KIND, guide_path
from tubenotes.vault.links import link_path

MIN_QUESTIONS, MAX_QUESTIONS = 20, 40
QUESTIONS_PER_LECTURE = 3
EXAM_TAG = "final-exam"
CHOICES = 4

# The kinds of question; each heading names its kind in the course's language (`_kind_name`).
MULTIPLE_CHOICE = "multiple choice"
WHICH_CONCEPT = "which concept"
WHICH_STATEMENT = "which statement is true"
FILL_IN = "fill in the blank"
TRUE_FALSE = "true or false"
SHORT_ANSWER = "short answer"
EXPLAIN_WHY = "explain why"
# The order a lecture's questions are taken in, kind by kind in turn: the course's own kinds first.
KIND_ORDER = (EXPLAIN_WHY, WHICH_CONCEPT, WHICH_STATEMENT, MULTIPLE_CHOICE, FILL_IN, SHORT_ANSWER, TRUE_FALSE)

_OPTION = re.compile(r"^([A-H])\)\s+(.*)$")
# A true-or-false question's two options in the languages the course documents speak: a model asked for the
# lecture's language writes them in it, whatever language the rest of the course is in.
_TRUE_FALSE_OPTIONS = {frozenset(pair) for pair in (("true", "false"), ("richtig", "falsch"), ("wahr", "falsch"),
                                                   ("verdadero", "falso"), ("vrai", "faux"))}


@dataclass(frozen=True)
class ExamQuestion:
    kind: str
    lecture: CourseLecture
    card: Card


def exam_questions(course: Course, explain: Sequence[tuple[CourseLecture, Card]] = ()) -> list[ExamQuestion]:
    """The exam's questions in course order; ``explain`` are a model's "explain why" questions."""
    pools: dict[int, list[ExamQuestion]] = {lecture.number: [] for lecture in course.lectures}
    words = Words(course.language)
    for lecture, card in explain:
        pools[lecture.number].append(ExamQuestion(EXPLAIN_WHY, lecture, card))
    for number, concept in enumerate(course.concepts):
        lecture = concept.definition_from or concept.first
        # Concepts take turns: one asks for the concept a definition describes, the next for the definition.
        card = _which_concept(course, concept, words) if number % 2 == 0 else _what_is(concept, words)
        if card is not None:
            pools[lecture.number].append(ExamQuestion(WHICH_CONCEPT if number % 2 == 0 else SHORT_ANSWER,
                                                      lecture, card))
    definitions = _spoken_definitions(course)
    for concept, definition in definitions.items():
        card = _which_statement(course, concept, definition, definitions, words)
        if card is not None:
            pools[(concept.definition_from or concept.first).number].append(
                ExamQuestion(WHICH_STATEMENT, concept.definition_from or concept.first, card))
    spellings = [spelled(c.concept) for c in course.concepts]
    for lecture in course.lectures:
        cards = lecture.cards
        # Questions whose answer is a concept of the course first: the exam tests what the course builds on.
        ranked = sorted(cards, key=lambda card: not _names_a_concept(words_of(card.answer), spellings))
        pools[lecture.number] += [ExamQuestion(_kind(card), lecture, card) for card in ranked]
    target = min(MAX_QUESTIONS, max(MIN_QUESTIONS, QUESTIONS_PER_LECTURE * len(course.lectures)))
    chosen = _spread([_mixed(pools[lecture.number], lecture.number) for lecture in course.lectures], target)
    return sorted(chosen, key=lambda q: (q.lecture.number, q.card.seconds if q.card.seconds is not None else 0))


def _names_a_concept(words: str, spellings: list[list[str]]) -> bool:
    return any(says(words, concept) for concept in spellings)


def exam_cards(questions: Sequence[ExamQuestion]) -> list[LectureCards]:
    """The exam's questions for the deck, by lecture, tagged as the final exam's."""
    by_lecture: dict[int, list[ExamQuestion]] = {}
    for question in questions:
        by_lecture.setdefault(question.lecture.number, []).append(question)
    return [LectureCards(group[0].lecture.job.video_id, group[0].lecture.title, [q.card for q in group],
                         group[0].lecture.job.timestamp_url, (EXAM_TAG,))
            for group in by_lecture.values()]


def render_exam(root: Path, course: Course, questions: Sequence[ExamQuestion]) -> str:
    folder = course.folder
    words = Words(course.language)
    matter = {
        "title": f"{course.subject} {words.course.final_exam}",
        "subject": course.subject,
        "tags": ["tubenotes", EXAM_TAG, subject_tag(folder.name)],
        "type": COURSE_KIND,
        "language": course.language,
    }
    drawn = sorted({q.lecture.number for q in questions})
    guide = wikilink(link_path(root, guide_path(folder)), words.course.study_guide)
    lines = [render_front_matter(matter) + f"# {escape(course.subject)}: {words.course.final_exam}", "",
             words.course.exam_intro.format(count=len(questions), drawn=len(drawn), lectures=len(course.lectures),
                                            guide=guide), "",
             f"## {words.labels.questions}", ""]
    for number, question in enumerate(questions, start=1):
        lines += _question(number, question, words)
    lines += [f"## {words.labels.answer_key}", ""]
    for number, question in enumerate(questions, start=1):
        card = question.card
        answer = f"**{card.answer}**" if card.answer else ""  # Markdown already, as the cards hold it
        context = f": {_quoted(card.context, question.kind)}" if card.context and card.context != card.answer else ""
        lines.append(f"{number}. {answer}{context}" + (f" {card.where}" if card.where else "")
                     + f" ({words.lecture_link(question.lecture)})")
    return "\n".join(lines) + "\n"


def _question(number: int, question: ExamQuestion, words: Words) -> list[str]:
    card = question.card
    source = " · ".join(filter(None, [words.lecture_link(question.lecture, capitalized=True), card.where]))
    lines = [f"### {number}. {_kind_name(question.kind, words)} · {source}", ""]
    options = []
    for line in card.question.splitlines():
        option = _OPTION.match(line)
        if option:
            options.append(f"- **{option.group(1)})** {option.group(2)}")
        elif question.kind in (FILL_IN, MULTIPLE_CHOICE, WHICH_CONCEPT) and BLANK in line:
            lines += [f"> {line}", ""]  # the speaker's sentence with its blank
        else:
            lines += [line, ""]
    return lines + (options + [""] if options else [])


def _kind_name(kind: str, words: Words) -> str:
    """A kind of question as its heading names it: the lectures' assessments' words where they have the kind."""
    labels, course = words.labels, words.course
    return {MULTIPLE_CHOICE: labels.multiple_choice, WHICH_CONCEPT: labels.multiple_choice,
            WHICH_STATEMENT: labels.statement, FILL_IN: labels.fill_blank, TRUE_FALSE: course.true_false,
            SHORT_ANSWER: course.short_answer, EXPLAIN_WHY: course.explain_why}[kind]


def _quoted(context: str, kind: str) -> str:
    return f"“{context}”" if kind in (FILL_IN, MULTIPLE_CHOICE, WHICH_CONCEPT) and not context.startswith("“") \
        else context


def _kind(card: Card) -> str:
    if card.cloze:
        return FILL_IN
    options = [m.group(2) for line in card.question.splitlines() if (m := _OPTION.match(line))]
    if len(options) == 2 and frozenset(option.casefold().rstrip(".") for option in options) in _TRUE_FALSE_OPTIONS:
        return TRUE_FALSE
    return MULTIPLE_CHOICE if options else SHORT_ANSWER


def _which_concept(course: Course, concept: CourseConcept, words: Words) -> Card | None:
    """"Which concept does this describe?" with the concept blanked in its definition, other concepts as options."""
    if not concept.definition:
        return None
    pattern = re.compile("|".join(r"(?<![\w-])" + re.escape(s) + r"(?:e?s)?(?![\w-])"
                                  for s in sorted(concept.concept.spellings, key=len, reverse=True)), re.IGNORECASE)
    pieces = pattern.split(concept.definition)
    described = BLANK.join(concept.defined(piece) for piece in pieces)
    others = [c.name for c in course.concepts if c is not concept and c.name.casefold() != concept.name.casefold()]
    if len(others) < CHOICES - 1:
        return None
    rng = random.Random(f"{course.subject}:{concept.key}")
    options = [concept.name, *rng.sample(others, CHOICES - 1)]
    rng.shuffle(options)
    letter = LETTERS[options.index(concept.name)]
    lecture = concept.definition_from or concept.first
    prompt = words.course.which_concept_spoken if concept.spoken else words.course.which_concept_defined
    question = "\n".join([prompt, f"“{described}”", *(f"{LETTERS[i]}) {option}" for i, option in enumerate(options))])
    return Card(question, f"{letter}) {concept.name}", concept.definition, stamp(lecture.job, concept.definition_at))


def _spoken_definitions(course: Course) -> dict[CourseConcept, Definition]:
    """The concepts whose definition is a speaker's sentence that opens with the concept and "is"."""
    definitions = {}
    for concept in course.concepts:
        if concept.spoken and concept.definition:
            definition = split_definition(concept.name, concept.concept.spellings, concept.definition, course.language)
            if definition is not None:
                definitions[concept] = definition
    return definitions


def _which_statement(course: Course, concept: CourseConcept, definition: Definition,
                     definitions: dict[CourseConcept, Definition], words: Words) -> Card | None:
    """"Which statement is true?" about ``concept``: its definition as said, and false statements that give it
    what other lectures say of other concepts, so that it asks which lecture's idea is which."""
    lecture = concept.definition_from or concept.first
    others = [said for other, said in definitions.items() if (other.definition_from or other.first) is not lecture]
    options = statement_options(definition, others,
                                random.Random(f"{course.subject}:{concept.key}:statement"))
    if options is None:
        return None
    letter = LETTERS[options.index(definition.text)]
    question = "\n".join([escape(words.labels.which_true),
                          *(f"{LETTERS[i]}) {escape(option)}" for i, option in enumerate(options))])
    return Card(question, f"{letter}) {escape(definition.text)}", concept.defined(),
                stamp(lecture.job, concept.definition_at))


def _what_is(concept: CourseConcept, words: Words) -> Card | None:
    """"What does X mean?", answered by its definition."""
    if not concept.definition:
        return None
    lecture = concept.definition_from or concept.first
    question = words.course.what_is.format(concept=concept.name, number=lecture.number)
    return Card(question, concept.defined(), "", stamp(lecture.job, concept.definition_at))


def _mixed(pool: list[ExamQuestion], offset: int) -> list[ExamQuestion]:
    """A lecture's questions, one of each kind in turn (starting at a kind that changes with the lecture)."""
    by_kind = {kind: [q for q in pool if q.kind == kind] for kind in KIND_ORDER}
    kinds = [kind for kind in KIND_ORDER if by_kind[kind]]
    if not kinds:
        return []
    # The course's own kinds stay first; the lectures' own questions take turns starting from a different kind.
    head = [k for k in kinds if k in (EXPLAIN_WHY, WHICH_CONCEPT, WHICH_STATEMENT)]
    tail = [k for k in kinds if k not in head]
    if tail:
        shift = offset % len(tail)
        tail = tail[shift:] + tail[:shift]
    order, mixed = head + tail, []
    while any(by_kind[kind] for kind in order):
        for kind in order:
            if by_kind[kind]:
                mixed.append(by_kind[kind].pop(0))
    return mixed


def _spread(pools: list[list[ExamQuestion]], target: int) -> list[ExamQuestion]:
    """``target`` questions, taken a round at a time over lectures spread evenly across the course."""
    count = len(pools)
    order = [pools[i * count // min(count, target)] for i in range(min(count, target))] if count else []
    order += [pool for pool in pools if all(pool is not taken for taken in order)]
    chosen: list[ExamQuestion] = []
    turn = 0
    while len(chosen) < target and any(len(pool) > turn for pool in order):
        for pool in order:
            if len(chosen) == target:
                break
            if len(pool) > turn:
                chosen.append(pool[turn])
        turn += 1
    return chosen

"""The model's part of the course: definitions, "explain why" questions and an overview, from the lecture notes.

The lectures go to the model in groups that fit its context, in course order,
each lecture as its notes' summary and key concepts (not its transcript: the
course step stays a small share of the course's tokens). Every answer goes
through the generation cache like a lecture's, so a course re-made with one
new lecture asks again only for the group that lecture joined, and for the
overview; an unchanged course asks nothing.
"""

from __future__ import annotations

import json
import math
from functools import partial
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from tubenotes.course.material import Course, CourseLecture
from tubenotes.errors import AwaitingBatch
from tubenotes.generate import prompts
from tubenotes.generate.chunking import estimate_tokens, pack
from tubenotes.generate.quality import unwrap
from tubenotes.generate.safe_markdown import safe_markdown
from tubenotes.job import TokenUsage
from tubenotes.text.labels import labels_for
from tubenotes.text.markdown import stamp
from tubenotes.vault.cards import Card
from tubenotes.vault.links import normalize

if TYPE_CHECKING:
    from tubenotes.generate.llm_generator import LlmGenerator

SCHEMA_NAME = "course_part"
# A lecture's share of a prompt, in tokens: its summary and key concepts, cut here.
LECTURE_TOKENS = 500
# Lectures go to the model in groups of at most this many tokens, however large its context: a lecture
# added to a course changes one group's prompt, and only that group is asked again.
GROUP_TOKENS = 8 * LECTURE_TOKENS
# "Explain why" questions per lecture of a group, rounded up.
QUESTIONS_PER_LECTURE = 0.5
# The overview's line per lecture: its title and this much of its summary.
OVERVIEW_CHARS = 160
_KEY_CONCEPTS = ("key concepts", "key terms")


class ConceptDefinition(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    definition: str


class ExplainWhy(BaseModel):
    model_config = ConfigDict(extra="forbid")

    lecture: int
    question: str
    answer: str
    explanation: str
    timestamp_seconds: float

    @field_validator("question", "answer")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        value = " ".join(value.split())
        if not value:
            raise ValueError("must not be empty")
        return value


class CoursePart(BaseModel):
    model_config = ConfigDict(extra="forbid")

    concepts: list[ConceptDefinition]
    questions: list[ExplainWhy]


class CourseLlm:
    """The course step through a lecture generator's model, cache and limits; ``usage`` sums what it cost."""

    def __init__(self, generator: LlmGenerator) -> None:
        self.generator = generator
        self.usage = TokenUsage()

    def enrich(self, course: Course) -> list[tuple[CourseLecture, Card]]:
        digests = [_digest(lecture, course.language) for lecture in course.lectures]
        frame = estimate_tokens(prompts.render("system")) + estimate_tokens(self._part_prompt(course, [], [], 0))
        budget = min(GROUP_TOKENS, self.generator.budget(frame))
        groups = pack(list(range(len(digests))), lambda i: estimate_tokens(digests[i]), budget)
        definitions: dict[str, str] = {}
        questions: list[tuple[CourseLecture, Card]] = []
        # Asked all before any answer is needed: under --batch the groups and the overview share one batch.
        *parts, overview = AwaitingBatch.gather(
            [partial(self._part, course, [course.lectures[i] for i in group], [digests[i] for i in group])
             for group in groups] + [partial(self._overview, course)])
        for group, part in zip(groups, parts, strict=True):
            lectures = [course.lectures[i] for i in group]
            definitions.update({normalize(item.name): safe_markdown(" ".join(item.definition.split()))
                                for item in part.concepts if item.definition.strip()})
            questions += _explained(part, lectures)
        for concept in course.concepts:
            definition = next((definitions[normalize(s)] for s in [concept.name, *concept.concept.spellings]
                               if normalize(s) in definitions), None)
            if definition:
                concept.definition, concept.spoken = definition, False
                concept.definition_from, concept.definition_at = None, None
        course.overview = overview
        return questions

    def _part(self, course: Course, lectures: list[CourseLecture], digests: list[str]) -> CoursePart:
        names = [c.name for c in course.concepts if c.first in lectures]
        count = math.ceil(QUESTIONS_PER_LECTURE * len(lectures))
        messages = [{"role": "system", "content": prompts.render("system")},
                    {"role": "user", "content": self._part_prompt(course, lectures, digests, count, names)}]
        text, usage = self.generator.ask_json(messages, SCHEMA_NAME, CoursePart.model_json_schema(), _part_problem)
        self.usage.add(usage)
        return _parse_part(text)

    @staticmethod
    def _part_prompt(course: Course, lectures: list[CourseLecture], digests: list[str], count: int,
                     names: list[str] | None = None) -> str:
        return prompts.render(
            "course", subject=course.subject, count=len(course.lectures),
            first=lectures[0].number if lectures else 1, last=lectures[-1].number if lectures else 1,
            lectures="\n\n".join(digests), schema=json.dumps(CoursePart.model_json_schema(), separators=(",", ":")),
            concepts=json.dumps(names or [], ensure_ascii=False), questions=count)

    def _overview(self, course: Course) -> str:
        lines = [f"{lecture.number}. {lecture.title}: {' '.join(lecture.summary)[:OVERVIEW_CHARS]}"
                 for lecture in course.lectures]
        frame = estimate_tokens(prompts.render("system")) + estimate_tokens(
            prompts.render("course_overview", subject=course.subject, lectures=""))
        if sum(estimate_tokens(line) for line in lines) > self.generator.budget(frame):
            lines = [f"{lecture.number}. {lecture.title}" for lecture in course.lectures]  # a very long course
        messages = [{"role": "system", "content": prompts.render("system")},
                    {"role": "user", "content": prompts.render("course_overview", subject=course.subject,
                                                               lectures="\n".join(lines))}]
        text, usage = self.generator.ask_text(messages, _paragraph_problem)
        self.usage.add(usage)
        return safe_markdown(" ".join(unwrap(text).split()))


def _digest(lecture: CourseLecture, language: str) -> str:
    """A lecture for the prompt: its number, title, summary and key concepts, at most LECTURE_TOKENS."""
    notes = lecture.with_documents().study_notes or ""
    wanted = {labels_for(language).summary.casefold(), labels_for(language).key_terms.casefold(), *_KEY_CONCEPTS}
    kept: list[str] = []
    keep = False
    for line in notes.splitlines():
        if line.startswith("## "):
            keep = line[3:].strip().casefold() in wanted
        if keep and line.strip():
            kept.append(line)
    text = "\n".join(kept) or " ".join(lecture.summary)
    budget = LECTURE_TOKENS * 4  # characters, as estimate_tokens counts them
    if len(text) > budget:
        text = text[:budget].rsplit("\n", 1)[0]
    return f"### Lecture {lecture.number}: {lecture.title}\n{text}"


def _parse_part(text: str) -> CoursePart:
    body = unwrap(text)
    start, end = body.find("{"), body.rfind("}")
    if start < 0 or end < start:
        raise ValueError("the answer contains no JSON object")
    try:
        return CoursePart.model_validate(json.loads(body[start:end + 1]))
    except (json.JSONDecodeError, ValidationError) as exc:
        raise ValueError(f"the JSON does not match the schema: {exc}") from exc


def _part_problem(text: str) -> str | None:
    try:
        _parse_part(text)
    except ValueError as exc:
        return str(exc)[:500]
    return None


def _paragraph_problem(text: str) -> str | None:
    return None if len(text.split()) >= 8 else "the answer is not a paragraph"


def _explained(part: CoursePart, lectures: list[CourseLecture]) -> list[tuple[CourseLecture, Card]]:
    """The model's questions as cards, each on a lecture of its group (another number is the group's first)."""
    by_number = {lecture.number: lecture for lecture in lectures}
    found = []
    for item in part.questions:
        lecture = by_number.get(item.lecture, lectures[0])
        job = lecture.with_documents()
        duration = job.duration_seconds or (job.segments[-1].end if job.segments else None)
        timed = job.segments and 0 <= item.timestamp_seconds and (duration is None or item.timestamp_seconds <= duration)
        where = stamp(job, item.timestamp_seconds) if timed else ""
        card = Card(safe_markdown(item.question), safe_markdown(item.answer),
                    safe_markdown(" ".join(item.explanation.split())), where)
        found.append((lecture, card))
    return found

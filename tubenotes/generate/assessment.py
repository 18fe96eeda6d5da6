"""The assessment: its schema (what the LLM must return), its validation, and its Markdown."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from tubenotes.errors import GenerationError
from tubenotes.generate.quality import unwrap
from tubenotes.text.markdown import format_stamp
from tubenotes.text.markdown import LETTERS

TimestampUrl = Callable[[float], "str | None"]


class Question(BaseModel):
    # Every field required and no extras: what OpenAI's strict json_schema mode demands.
    model_config = ConfigDict(extra="forbid")

    kind: Literal["multiple_choice", "true_false", "short_answer"]
    question: str
    options: list[str]
    answer: str
    explanation: str
    timestamp_seconds: float

    @field_validator("question", "answer", "explanation")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        value = _one_line(value)
        if not value:
            raise ValueError("must not be empty")
        return value

    @field_validator("options")
    @classmethod
    def _options_one_line(cls, value: list[str]) -> list[str]:
        return [_one_line(option) for option in value]

    @model_validator(mode="after")
    def _answer_fits_kind(self) -> Question:
        if self.kind == "multiple_choice":
            if not 3 <= len(self.options) <= len(LETTERS):
                raise ValueError(f"a multiple-choice question needs three to {len(LETTERS)} options, "
                                 f"not {len(self.options)}")
            self.answer = _option_text(self.answer, self.options)
        elif self.kind == "true_false":
            self.options = ["True", "False"]
            normal = self.answer.strip().rstrip(".").capitalize()
            if normal not in self.options:
                raise ValueError(f"a true/false answer must be True or False, not {self.answer!r}")
            self.answer = normal
        return self


class Assessment(BaseModel):
    model_config = ConfigDict(extra="forbid")

    questions: list[Question]

    @field_validator("questions")
    @classmethod
    def _some(cls, value: list[Question]) -> list[Question]:
        if not value:
            raise ValueError("there must be at least one question")
        return value


def _one_line(text: str) -> str:
    """Text on one line: a line break would end the answer callout or a list item in the Markdown."""
    return " ".join(text.split())


def _option_text(answer: str, options: list[str]) -> str:
    """The correct option's text; models often answer with its letter instead."""
    if answer in options:
        return answer
    letter = answer.strip().rstrip(".)").upper()
    if len(letter) == 1 and letter in LETTERS[: len(options)]:
        return options[LETTERS.index(letter)]
    lowered = {o.strip().casefold(): o for o in options}
    if answer.strip().casefold() in lowered:
        return lowered[answer.strip().casefold()]
    raise ValueError(f"the answer {answer!r} is not one of the options")


def assessment_schema() -> dict[str, object]:
    return Assessment.model_json_schema()


def parse_assessment(text: str) -> Assessment:
    """The assessment in a model's answer; raises ValueError saying what is wrong, for a repair prompt."""
    body = unwrap(text)
    if not body.startswith("{"):
        # Plain mode: a model may wrap the JSON in a sentence.
        start, end = body.find("{"), body.rfind("}")
        if start < 0 or end < start:
            raise ValueError("the answer contains no JSON object")
        body = body[start:end + 1]
    try:
        data = json.loads(body)
    except json.JSONDecodeError as exc:
        raise ValueError(f"the JSON is malformed: {exc}") from exc
    if isinstance(data, list):
        data = {"questions": data}
    try:
        return Assessment.model_validate(data)
    except ValidationError as exc:
        raise ValueError(f"the JSON does not match the schema: {_brief(exc)}") from exc


def _brief(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in err['loc']) or 'top level'}: {err['msg']}" for err in exc.errors()[:8]
    )


def merge_assessments(parts: list[Assessment]) -> Assessment:
    if not parts:
        raise GenerationError("no assessment was generated; run the job again")
    return Assessment(questions=[q for part in parts for q in part.questions])


_KIND_LABELS = {"multiple_choice": "Multiple choice", "true_false": "True or false", "short_answer": "Short answer"}


def render_llm_assessment(
    assessment: Assessment, timestamp_url: TimestampUrl | None, duration: float | None
) -> str:
    """Markdown: the questions, each with a folded answer callout, then an answer key.

    ``timestamp_url(seconds)`` gives the link into the video (None for a
    file); a time outside the video is left out, and so is every time when
    ``timestamp_url`` is None (a transcript without times: the model's times are made up).
    """
    lines = ["## Questions", ""]
    key = ["## Answer key", ""]
    for number, q in enumerate(assessment.questions, start=1):
        where = _where(q.timestamp_seconds, timestamp_url, duration)
        lines += [f"### Question {number}", "", f"*{_KIND_LABELS[q.kind]}*", "", q.question, ""]
        if q.kind == "multiple_choice":
            lines += [f"- {LETTERS[i]}. {option}" for i, option in enumerate(q.options)] + [""]
        answer = _answer_label(q)
        lines += ["> [!success]- Answer", f"> **{answer}**", ">", f"> {q.explanation}"]
        if where:
            lines += [">", f"> Watch: {where}"]
        lines.append("")
        key.append(f"{number}. {answer}" + (f" ({where})" if where else ""))
    return "\n".join(lines + key) + "\n"


def _answer_label(q: Question) -> str:
    if q.kind == "multiple_choice":
        return f"{LETTERS[q.options.index(q.answer)]}. {q.answer}"
    return q.answer


def _where(seconds: float, timestamp_url: TimestampUrl | None, duration: float | None) -> str | None:
    if timestamp_url is None or seconds < 0 or (duration is not None and seconds > duration):
        return None
    url = timestamp_url(seconds)
    stamp = format_stamp(seconds)
    return f"[{stamp}]({url})" if url else stamp

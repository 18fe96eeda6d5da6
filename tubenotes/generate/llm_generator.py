"""Notes and assessments from an LLM: prompts, map/reduce for long lectures, checks, the cache.

Every completion goes through the generation cache, keyed by what produced
it (provider, server, model, messages, parameters, wanted format; never the
key), and only an answer that passed its checks is stored: a re-run or a
resumed batch repeats no call, and a bad answer is never kept.

Both documents start with the same messages (system, transcript, a short
acknowledgement) and differ only in the instruction after them. With
``together`` (the pipeline asks for both documents of every job), one
request asks for the notes and the assessment of a transcript (or of a
part of it) in one answer whenever both fit the output limit: the
transcript is sent once, not twice. The notes come first as Markdown and
the assessment's JSON after them between ``<assessment>`` tags (LaTeX
inside a JSON string would need every backslash doubled, and ``\\frac`` or
``\\theta`` with a single one is a valid JSON escape that silently
corrupts the formula). Whichever document runs first makes the request;
the other finds the answer in the cache. An assessment part that is not
valid is repaired by a follow-up to that answer, asking for its JSON alone.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from tubenotes.errors import AwaitingBatch, GenerationError, TubenotesError
from tubenotes.generate import prompts
from tubenotes.generate.assessment import (
    Assessment, assessment_schema, merge_assessments, parse_assessment, render_llm_assessment,
)
from tubenotes.generate.chunking import (
    SAFETY_MARGIN, TranscriptBlock, estimate_tokens, format_stamp, message_tokens, pack, plan_chunks, render_blocks,
    transcript_blocks,
)
from tubenotes.generate.costs import COMPLETION_FLOOR, COMPLETION_SHARE, CostBudget
from tubenotes.generate.llm import ChatClient, Message
from tubenotes.generate.notes import assemble_reduced, chapter_lines, fix_timestamp_links
from tubenotes.generate.providers import LlmSettings
from tubenotes.generate.quality import bad_answer_reason, notes_problem, unwrap
from tubenotes.generate.safe_markdown import safe_markdown
from tubenotes.generate.slides import picture_parts, with_slides
from tubenotes.job import Generation, TokenUsage, VideoProcessingJob
from tubenotes.store.base import GenerationCache

DEFAULT_QUESTIONS = 10
# Condensing rounds before a reduce gives up: each round at least halves the text.
MAX_CONDENSE_ROUNDS = 6
ASSESSMENT_SCHEMA_NAME = "assessment"
# Completion tokens a question of the assessment is expected to take (question, options, answer, why).
TOKENS_PER_QUESTION = 120
# The share of the output limit one answer with both documents may be expected to fill.
TOGETHER_OUTPUT_SHARE = 0.8
ASSESSMENT_OPEN, ASSESSMENT_CLOSE = "<assessment>", "</assessment>"

Check = Callable[[str], "str | None"]


class LlmGenerator:
    """A NotesGenerator and AssessmentGenerator backed by one OpenAI-compatible server."""

    def __init__(
        self,
        settings: LlmSettings,
        cache: GenerationCache,
        client: ChatClient | None = None,
        concurrency: int = 4,
        questions: int = DEFAULT_QUESTIONS,
        gate: AbstractContextManager[Any] | None = None,
        budget: CostBudget | None = None,
        pictures: Path | None = None,
        together: bool = False,
    ) -> None:
        self.settings = settings
        # Both documents of each job are wanted: one request may carry them (see the module's docstring).
        self.together = together
        self.cache = cache
        # The vault, where the slides' pictures are, to send them to a model that takes images (--vision);
        # None: the slides' text only.
        self.pictures = pictures
        # One client, hence one concurrency limit, for every job that shares this generator.
        self.client = client or ChatClient(settings, concurrency=concurrency, gate=gate, budget=budget)
        self.questions = questions

    def __repr__(self) -> str:
        return f"LlmGenerator({self.settings.label} at {self.settings.host})"

    # --- the two documents ----------------------------------------------------

    def generate_notes(self, job: VideoProcessingJob) -> Generation:
        bill = _Bill(job.regeneration)
        with _charged_to(job, bill):
            text = self._notes_text(job, bill)
        text, dropped = fix_timestamp_links(text, job.timestamp_url, _duration(job))
        text = safe_markdown(text)
        if dropped:
            job.warn(f"notes: dropped {dropped} timestamp link(s) outside the video")
        return Generation(text=text, generator=self.settings.label, usage=bill.usage)

    def _notes_text(self, job: VideoProcessingJob, bill: _Bill) -> str:
        chunks = self._chunks(job)
        sections = AwaitingBatch.gather(partial(self._part_notes, job, chunks, i, bill) for i in range(len(chunks)))
        if len(chunks) == 1:
            return sections[0]
        return assemble_reduced(self._overview(job, sections, bill), sections)

    def _part_notes(self, job: VideoProcessingJob, chunks: list[list[TranscriptBlock]], index: int,
                    bill: _Bill) -> str:
        """The notes of the whole lecture (a single chunk), or the sections of one of its parts."""
        if self._together_fits(chunks, index):
            return _notes_of(self._ask_together(job, chunks, index, bill)[1])
        instruction = self._notes_instruction(job, chunks, index, prompts.load("notes_answer"))
        return self._ask_text(self._prefix(job, chunks[index], _part(chunks, index)) + [_user(instruction)],
                              notes_problem, bill)

    def generate_assessment(self, job: VideoProcessingJob) -> Generation:
        bill = _Bill(job.regeneration)
        with _charged_to(job, bill):
            assessment = self._assessment(job, bill)
        timestamp_url = job.timestamp_url if _timed(job) else None
        markdown = safe_markdown(render_llm_assessment(assessment, timestamp_url, _duration(job)))
        return Generation(text=markdown, generator=self.settings.label, usage=bill.usage)

    def _assessment(self, job: VideoProcessingJob, bill: _Bill) -> Assessment:
        chunks = self._chunks(job)
        return merge_assessments(AwaitingBatch.gather(
            partial(self._part_assessment, job, chunks, i, bill) for i in range(len(chunks))))

    def _part_assessment(self, job: VideoProcessingJob, chunks: list[list[TranscriptBlock]], index: int,
                         bill: _Bill) -> Assessment:
        if self._together_fits(chunks, index):
            messages, answer = self._ask_together(job, chunks, index, bill)
            try:
                return parse_assessment(_assessment_of(answer))
            except ValueError as exc:  # the notes were fine: ask for the assessment's JSON alone, after them
                repair = [*messages, {"role": "assistant", "content": answer},
                          _user(prompts.render("repair_assessment", error=exc))]
                return parse_assessment(self._ask_json(repair, bill))
        instruction = self._assessment_instruction(job, chunks, prompts.load("assessment_answer"))
        return parse_assessment(self._ask_json(
            self._prefix(job, chunks[index], _part(chunks, index)) + [_user(instruction)], bill))

    # --- one answer with both documents -----------------------------------------------

    def _ask_together(self, job: VideoProcessingJob, chunks: list[list[TranscriptBlock]], index: int,
                      bill: _Bill) -> tuple[list[Message], str]:
        """The request for the notes and the assessment of one chunk, and its answer (its notes checked)."""
        instruction = prompts.render(
            "together",
            notes=self._notes_instruction(job, chunks, index, prompts.load("together_notes_answer")),
            assessment=self._assessment_instruction(job, chunks, prompts.load("together_assessment_answer")),
        )
        messages = self._prefix(job, chunks[index], _part(chunks, index)) + [_user(instruction)]
        return messages, self._ask_text(messages, _together_problem, bill, repair="repair_together")

    def _together_fits(self, chunks: list[list[TranscriptBlock]], index: int) -> bool:
        """Whether one answer is expected to hold both documents of this chunk within the output limit."""
        if not self.together:
            return False
        notes = sum(b.tokens for b in chunks[index]) * COMPLETION_SHARE + COMPLETION_FLOOR
        expected = notes + self._question_count(chunks) * TOKENS_PER_QUESTION
        return expected <= self.settings.max_output_tokens * TOGETHER_OUTPUT_SHARE

    # --- prompts and budgets ------------------------------------------------------

    def _notes_instruction(self, job: VideoProcessingJob, chunks: list[list[TranscriptBlock]], index: int,
                           answer_rule: str) -> str:
        if len(chunks) == 1:
            return prompts.render("notes", sections_rule=_sections_rule(job), link_rule=_link_rule(job),
                                  answer_rule=answer_rule)
        return prompts.render("notes_part", part=index + 1, parts=len(chunks), sections_rule=_sections_rule(job),
                              link_rule=_link_rule(job))

    def _assessment_instruction(self, job: VideoProcessingJob, chunks: list[list[TranscriptBlock]],
                                answer_rule: str) -> str:
        scope = "the whole lecture" if len(chunks) == 1 else "this part of the lecture"
        return prompts.render("assessment", scope=scope, count=self._question_count(chunks),
                              time_rule=_time_rule(job), answer_rule=answer_rule)

    def _question_count(self, chunks: list[list[TranscriptBlock]]) -> int:
        """Questions asked of each chunk: the whole assessment's, shared between the parts."""
        return self.questions if len(chunks) == 1 else max(2, math.ceil(self.questions / len(chunks)))

    def _chunks(self, job: VideoProcessingJob) -> list[list[TranscriptBlock]]:
        blocks = with_slides(transcript_blocks(job), job.slides)
        if not blocks:
            raise GenerationError(f"{job.video_id}: the transcript is empty; fetch it again")
        return plan_chunks(blocks, job.chapters, self._transcript_budget(job))

    def _transcript_budget(self, job: VideoProcessingJob) -> int:
        """Tokens left for transcript text once the prompt around it and the answer are counted."""
        frame = self._prefix(job, [], (99, 99))
        whole: list[list[TranscriptBlock]] = [[]]  # a lecture in one chunk: its instructions are the longest
        instructions = [
            self._notes_instruction(job, whole, 0, prompts.load("notes_answer")),
            self._assessment_instruction(job, whole, prompts.load("assessment_answer")),
        ]
        if self.together:
            instructions.append(prompts.render(
                "together", notes=self._notes_instruction(job, whole, 0, prompts.load("together_notes_answer")),
                assessment=self._assessment_instruction(job, whole, prompts.load("together_assessment_answer"))))
        overhead = sum(message_tokens(m) + 4 for m in frame) + estimate_tokens(max(instructions, key=len))
        return self._budget(overhead)

    def _budget(self, overhead: int) -> int:
        free = self.settings.context_window - self.settings.max_output_tokens - overhead
        budget = int(free * (1 - SAFETY_MARGIN))
        if budget < 200:
            raise GenerationError(
                f"{self.settings.label}: a context window of {self.settings.context_window} tokens leaves no "
                "room for the transcript; pass a larger --context-window if the model has one"
            )
        return budget

    def _prefix(
        self, job: VideoProcessingJob, blocks: Sequence[TranscriptBlock], part: tuple[int, int] | None
    ) -> list[Message]:
        url = job.get_youtube_url()
        duration = _duration(job)
        part_line = ""
        if part and blocks:
            start, end = blocks[0].start, blocks[-1].start
            span = f", from [{format_stamp(start)}] to [{format_stamp(end)}]" if start is not None else ""
            part_line = f"This is part {part[0]} of {part[1]} of the transcript{span}.\n"
        context = prompts.render(
            "context",
            title=job.video_title or job.video_id,
            source_line=f"Video: {url}" if url else "Source: a transcript file",
            duration=format_stamp(duration) if duration else "unknown",
            part_line=part_line,
            chapters=f"Chapters:\n{chapter_lines(job.chapters, '')}\n" if job.chapters else "",
            transcript_intro=_transcript_intro(job),
            transcript=render_blocks(blocks),
        )
        pictures = [] if self.pictures is None else picture_parts(
            job.slides, self.pictures, blocks[0].start if blocks else None, blocks[-1].start if blocks else None)
        return [
            {"role": "system", "content": prompts.render("system")},
            {"role": "user", "content": [{"type": "text", "text": context}, *pictures] if pictures else context},
            {"role": "assistant", "content": prompts.render("ack")},
        ]

    def _overview(self, job: VideoProcessingJob, sections: list[str], bill: _Bill) -> str:
        """Summary, key concepts and takeaways of the whole lecture from its parts' notes."""
        title = job.video_title or job.video_id
        overhead = estimate_tokens(prompts.render("system")) + estimate_tokens(
            prompts.render("notes_reduce", title=title, notes="")) + 16
        budget = self._budget(overhead)
        texts = sections
        for _ in range(MAX_CONDENSE_ROUNDS):
            if sum(estimate_tokens(t) for t in texts) <= budget:
                notes = "\n\n".join(texts)
                return self._ask_text(self._reduce_messages("notes_reduce", title=title, notes=notes),
                                      notes_problem, bill, repair="repair_digest")
            words = self.settings.max_output_tokens // 3
            texts = AwaitingBatch.gather(
                partial(self._ask_text, self._reduce_messages("condense", title=title, notes="\n\n".join(group),
                                                              words=words), notes_problem, bill, repair="repair_digest")
                for group in pack(texts, estimate_tokens, budget)
            )
        raise GenerationError(
            f"{self.settings.label}: the notes of {job.video_id} could not be condensed to fit the context; "
            "pass a larger --context-window or use a model with a longer context"
        )

    @staticmethod
    def _reduce_messages(name: str, **values: object) -> list[Message]:
        return [{"role": "system", "content": prompts.render("system")}, _user(prompts.render(name, **values))]

    # --- calls: cached, checked, repaired once ------------------------------------

    def _ask_text(self, messages: list[Message], check: Check, bill: _Bill, repair: str = "repair_notes") -> str:
        """A checked text answer; ``repair`` names the prompt that asks again (it must fit the messages)."""
        return self._cached(messages, None, lambda: self._checked(
            messages, check, lambda m: self.client.complete(m),
            lambda reason: prompts.render(repair, reason=reason, shorter=_shorter(reason)), bill), bill)

    def _ask_json(self, messages: list[Message], bill: _Bill, name: str = ASSESSMENT_SCHEMA_NAME,
                  schema: dict[str, Any] | None = None, problem: Check | None = None) -> str:
        """A JSON answer that ``problem`` finds nothing wrong with (by default, an assessment)."""
        schema = assessment_schema() if schema is None else schema
        problem = _json_problem if problem is None else problem
        return self._cached(messages, {"name": name, "schema": schema}, lambda: self._checked(
            messages, problem, lambda m: self.client.complete_json(m, name, schema),
            lambda error: prompts.render("repair_json", error=error), bill), bill)

    # --- steps beyond one lecture (the course's) ------------------------------------

    def ask_text(self, messages: list[Message], check: Check) -> tuple[str, TokenUsage]:
        """A checked, cached text answer, and what it cost this time (nothing when it came from the cache)."""
        bill = _Bill(0)
        return self._ask_text(messages, check, bill, repair="repair_digest"), bill.usage

    def ask_json(self, messages: list[Message], name: str, schema: dict[str, Any], problem: Check) -> tuple[str, TokenUsage]:
        """A checked, cached JSON answer for ``schema``, and what it cost this time."""
        bill = _Bill(0)
        return self._ask_json(messages, bill, name, schema, problem), bill.usage

    def budget(self, overhead: int) -> int:
        """Tokens a prompt may give its material, once ``overhead`` and the answer are counted."""
        return self._budget(overhead)

    def _cached(
        self, messages: list[Message], response_format: Mapping[str, Any] | None,
        compute: Callable[[], Generation], bill: _Bill,
    ) -> str:
        parts = {
            "provider": self.settings.provider,
            "host": self.settings.host,
            "model": self.settings.model,
            "messages": messages,
            "params": {self.settings.max_tokens_param: self.settings.max_output_tokens},
            "response_format": response_format,
        }
        if bill.regeneration:  # `run --regenerate`: a fresh answer, which a resume of it finds again
            parts["regeneration"] = bill.regeneration
        computed = False

        def compute_and_note() -> Generation:
            nonlocal computed
            computed = True
            return compute()

        generation = self.cache.get_or_compute(parts, compute_and_note)
        if computed:  # an answer from the cache cost nothing this time
            bill.usage.add(generation.usage)
        return generation.text

    def _checked(
        self, messages: list[Message], check: Check, complete: Callable[[list[Message]], Any],
        repair: Callable[[str], str], bill: _Bill,
    ) -> Generation:
        """An answer that passes ``check``, after at most one repair round; else GenerationError."""
        spent = TokenUsage()
        attempt = messages
        reasons: list[str] = []
        with _charged_on_failure(spent, bill):
            for _ in range(2):  # the answer, then one repair round
                completion = complete(attempt)
                spent.add(completion.usage)
                text = unwrap(completion.text)
                reason = bad_answer_reason(text, completion.finish_reason, completion.refusal) or check(text)
                if reason is None:
                    return Generation(text, self.settings.label, spent)
                reasons.append(reason)
                answer = {"role": "assistant", "content": completion.text or "(no answer)"}
                attempt = [*messages, answer, _user(repair(reason))]
            raise GenerationError(
                f"{self.settings.label} gave no usable answer twice: {reasons[1]} (first: {reasons[0]}); "
                "run the job again, or choose another model with --model"
            )


@dataclass
class _Bill:
    """One document's generation: the job's regeneration round (part of every cache key) and what it cost."""

    regeneration: int
    usage: TokenUsage = field(default_factory=TokenUsage)


@contextmanager
def _charged_on_failure(spent: TokenUsage, bill: _Bill) -> Iterator[None]:
    """Answers that failed their checks were paid for all the same: they go on the bill."""
    try:
        yield
    except TubenotesError:
        bill.usage.add(spent)
        raise


@contextmanager
def _charged_to(job: VideoProcessingJob, bill: _Bill) -> Iterator[None]:
    """A generation that fails, or waits for a batch, cost what it spent so far all the same: the job's
    cost stays true (answers it computed are in the cache, and will not be paid again)."""
    try:
        yield
    except (TubenotesError, AwaitingBatch):
        job.token_usage.add(bill.usage)
        raise


def _user(content: str) -> Message:
    return {"role": "user", "content": content}


def _part(chunks: list[list[TranscriptBlock]], index: int) -> tuple[int, int] | None:
    """Which part of how many a chunk is, for its prompt; None for a lecture in one chunk."""
    return (index + 1, len(chunks)) if len(chunks) > 1 else None


def _notes_of(answer: str) -> str:
    """The notes of an answer with both documents: all before its assessment."""
    return unwrap(answer.split(ASSESSMENT_OPEN, 1)[0])


def _assessment_of(answer: str) -> str:
    """The assessment's JSON of an answer with both documents; ValueError when it has none."""
    if ASSESSMENT_OPEN not in answer:
        raise ValueError(f"the answer has no {ASSESSMENT_OPEN} part after the notes")
    return answer.split(ASSESSMENT_OPEN, 1)[1].split(ASSESSMENT_CLOSE, 1)[0].strip()


def _together_problem(text: str) -> str | None:
    """Why the notes of an answer with both documents are not study notes (its assessment is checked apart)."""
    return notes_problem(_notes_of(text))


def _json_problem(text: str) -> str | None:
    try:
        parse_assessment(text)
    except ValueError as exc:
        return str(exc)
    return None


def _shorter(reason: str) -> str:
    return "; be more concise, so that the whole answer fits" if "cut off" in reason else ""


def _sections_rule(job: VideoProcessingJob) -> str:
    if job.chapters:
        return "follow the chapters listed above, in order, with their titles"
    return "split the lecture into its topics, in order, each a few minutes long"


def _timed(job: VideoProcessingJob) -> bool:
    """Whether the transcript has times: a plain text file has none, and no time may be made up for it."""
    return bool(job.segments)


def _transcript_intro(job: VideoProcessingJob) -> str:
    intro = prompts.load("transcript_timed" if _timed(job) else "transcript_untimed")
    return f"{intro}\n{prompts.load('slides')}" if job.slides and _timed(job) else intro


def _time_rule(job: VideoProcessingJob) -> str:
    return prompts.load("time_timed" if _timed(job) else "time_untimed")


def _link_rule(job: VideoProcessingJob) -> str:
    if not _timed(job):
        return ""
    url = job.get_youtube_url()
    return prompts.render("link_youtube", video_url=url) if url else prompts.load("link_plain")


def _duration(job: VideoProcessingJob) -> float | None:
    if job.duration_seconds:
        return job.duration_seconds
    return job.segments[-1].end if job.segments else None
